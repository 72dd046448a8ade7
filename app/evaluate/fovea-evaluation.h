/* fovea-evaluation.h: how well a task did on a labelled set, with 95 %
 * bootstrap confidence intervals, and the operating point that reaches a
 * sensitivity on validation data.
 *
 * The figures a card carries (README, "Task cards"): "acc",
 * "balanced_acc" (mean recall over the classes present), "auc" (binary)
 * or "macro_auc", "qwk" (grades), per-class "recall:LABEL", and for a
 * referral rule "referral_auc" (of the referral score), "sensitivity"
 * and "specificity" at the card's decision. Intervals are percentile
 * bootstrap intervals over images resampled with replacement, from a
 * fixed seed, so a run is repeatable. */
#pragma once

#include "fovea-task-card.h"

G_BEGIN_DECLS

/* One task's predictions on n labelled images. */
typedef struct {
  const FoveaTaskCard *card;
  gboolean             ordinal;          /* grades: report QWK (set from the card; may be forced) */
  int                  n;
  int                  n_classes;        /* labels of the card (grades for grading) */
  int                 *truth;            /* n: class or grade */
  int                 *predicted;        /* n: the card's label_index */
  float               *probs;            /* n × n_classes (classification), else NULL */
  double              *referral_score;   /* n, NaN without a referral rule */
  gboolean            *referral_truth;   /* n: the true label counts as referable */
  gboolean            *referred;         /* n: the card's decision */
} FoveaEvalSet;

typedef struct {
  char   *name;
  double  value, ci_low, ci_high;  /* NaN when undefined on this set */
} FoveaEvalMetric;

/* Allocates the arrays of a set for n images of card. */
FoveaEvalSet *fovea_eval_set_new    (const FoveaTaskCard *card,
                                     int                  n);
void          fovea_eval_set_free   (FoveaEvalSet *set);
/* Records image i's truth and the card's reading of it. */
void          fovea_eval_set_record (FoveaEvalSet          *set,
                                     int                    i,
                                     int                    truth,
                                     const FoveaTaskResult *result);

/* The metrics that apply to the card, each with its interval from
 * n_resamples bootstrap resamples (0: no intervals). FoveaEvalMetric*
 * elements. */
GPtrArray    *fovea_eval_metrics    (const FoveaEvalSet *set,
                                     int                 n_resamples,
                                     guint64             seed);

/* The highest threshold on the referral score at which the sensitivity
 * (share of referable images with score ≥ threshold) is at least target;
 * NaN when the set has no referable image. *out_specificity gets the
 * specificity there. */
double        fovea_eval_threshold_for_sensitivity (const FoveaEvalSet *set,
                                                    double              target,
                                                    double             *out_specificity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEvalSet, fovea_eval_set_free)

G_END_DECLS
