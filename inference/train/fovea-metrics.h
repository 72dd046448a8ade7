/* fovea-metrics.h: how well a classifier did on held-out data, with the
 * definitions MedMNIST and scikit-learn use, so figures compare. Every
 * metric is NaN when undefined (n = 0 among others), never a made-up
 * number. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Share of images whose argmax of probs (n × n_classes; the first maximum
 * on ties) equals label. */
double fovea_metric_accuracy      (const float *probs,
                                   const int   *labels,
                                   int          n,
                                   int          n_classes);
/* Area under the ROC curve of scores for positives (ties count half, as
 * sklearn.metrics.roc_auc_score), by average ranks in O(n log n). NaN
 * when one class is absent or a score is NaN. */
double fovea_metric_auc           (const float *scores,
                                   const gboolean *positive,
                                   int          n);
/* MedMNIST's multi-class AUC: the mean over classes of the one-vs-rest
 * AUC of probs[:, c] (classes absent from labels are skipped; NaN when
 * none is left). */
double fovea_metric_macro_auc     (const float *probs,
                                   const int   *labels,
                                   int          n,
                                   int          n_classes);
/* Cohen's kappa with quadratic weights between two gradings 0 … n_classes-1
 * (sklearn's cohen_kappa_score (weights="quadratic",
 * labels=range (n_classes)): weights (i-j)² by grade value, pairs with a
 * grade outside the range left out). NaN when the agreement expected by
 * chance is already perfect, i.e. both gradings put every image in one
 * same grade (0/0; sklearn gives NaN too). */
double fovea_metric_quadratic_kappa (const int *truth,
                                     const int *predicted,
                                     int        n,
                                     int        n_classes);

/* Balanced accuracy: the mean over the classes present in truth of their
 * recall (sklearn's balanced_accuracy_score); labels outside
 * 0 … n_classes-1 are left out. NaN when no class is present. */
double fovea_metric_balanced_accuracy (const int *truth,
                                       const int *predicted,
                                       int        n,
                                       int        n_classes);

G_END_DECLS
