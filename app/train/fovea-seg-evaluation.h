/* fovea-seg-evaluation.h: a segmentation model's figures on a set of
 * images, per label, inside each image's field of view.
 *
 * Each image is segmented whole at the scale of the set (tiled,
 * fovea_seg_forward_tiled, tiles of the model's input size overlapping by
 * a quarter), and its pixel counts (fovea-pixel-metrics.h) are kept per
 * image and label, so that the figures are pooled over all pixels of the
 * set and their 95 % intervals come from a percentile bootstrap over
 * images (whole images resampled: pixels of one photograph are not
 * independent). Metric names: "auc_LABEL", "ap_LABEL", "dice_LABEL",
 * "iou_LABEL", and with several labels "mean_auc", "mean_ap", "mean_dice",
 * "mean_iou" (over the labels where defined). */
#pragma once

#include "fovea-evaluation.h"
#include "fovea-seg.h"
#include "fovea-seg-data.h"

G_BEGIN_DECLS

typedef struct _FoveaSegEval FoveaSegEval;

/* thresholds: per label (the card's). */
FoveaSegEval *fovea_seg_eval_new     (int            n_images,
                                      int            n_labels,
                                      const double  *thresholds);
void          fovea_seg_eval_free    (FoveaSegEval  *eval);
/* Segments samples (the set's, already at the model's scale) with seg and
 * counts them; n_threads ≤ 0: one per core. */
gboolean      fovea_seg_eval_run     (FoveaSegEval     *eval,
                                      FoveaSeg         *seg,
                                      const GPtrArray  *samples,
                                      int               n_threads,
                                      GError          **error);
/* Image i's counts from its probabilities (n_labels × height × width). */
void          fovea_seg_eval_add     (FoveaSegEval         *eval,
                                      int                   i,
                                      const FoveaSegSample *sample,
                                      const float          *probs);
/* FoveaEvalMetric*, intervals from n_resamples (0: none). */
GPtrArray    *fovea_seg_eval_metrics (const FoveaSegEval *eval,
                                      const char *const  *labels,
                                      int                 n_resamples,
                                      guint64             seed);
/* The value of the metric named name in metrics, NaN when absent. */
double        fovea_seg_eval_lookup  (GPtrArray          *metrics,
                                      const char         *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegEval, fovea_seg_eval_free)

G_END_DECLS
