/* fovea-pixel-metrics.h: how well a segmentation matched its masks, pixel
 * by pixel inside the field of view.
 *
 * Counts accumulate image by image (and merge, for pooled figures or a
 * bootstrap over images): the positive and negative pixels per
 * probability bin (FOVEA_PIXEL_BINS bins of 1/4096: finer than any
 * threshold anyone reads, and small enough that a bootstrap over images
 * merges a thousand resamples in a blink) for the ranking metrics, and
 * the confusion counts at the label's threshold (p ≥ threshold is
 * positive) for the overlap ones. Scores within one bin count as tied.
 *   AUC-ROC: the probability that a positive pixel scores above a
 *            negative one, ties half;
 *   AP:      average precision, Σ_k (R_k − R_{k−1}) P_k over the
 *            thresholds from the highest score down, ties as one
 *            threshold (scikit-learn's average_precision_score);
 *   Dice:    2 TP / (2 TP + FP + FN);
 *   IoU:     TP / (TP + FP + FN).
 * Each is NaN when undefined (no positive or no negative pixel for AUC,
 * no positive for AP, an empty prediction and truth for Dice and IoU). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_PIXEL_BINS 4096

typedef struct {
  guint64 *pos, *neg;      /* FOVEA_PIXEL_BINS each */
  guint64  tp, fp, fn, tn;
  double   threshold;
} FoveaPixelCounts;

void   fovea_pixel_counts_init  (FoveaPixelCounts       *counts,
                                 double                  threshold);
void   fovea_pixel_counts_clear (FoveaPixelCounts       *counts);
void   fovea_pixel_counts_reset (FoveaPixelCounts       *counts);
/* n pixels: probabilities in [0, 1], truth (non-zero: positive), mask
 * (NULL: all; zero: not counted). */
void   fovea_pixel_counts_add   (FoveaPixelCounts       *counts,
                                 const float            *probs,
                                 const guint8           *truth,
                                 const guint8           *mask,
                                 gsize                   n);
/* Same with a stride between a pixel's probabilities (channels-last
 * maps: stride = classes). */
void   fovea_pixel_counts_add_strided (FoveaPixelCounts *counts,
                                       const float      *probs,
                                       gsize             stride,
                                       const float      *truth,
                                       const float      *mask,
                                       gsize             n);
void   fovea_pixel_counts_merge (FoveaPixelCounts       *into,
                                 const FoveaPixelCounts *from);
double fovea_pixel_auc          (const FoveaPixelCounts *counts);
double fovea_pixel_ap           (const FoveaPixelCounts *counts);
double fovea_pixel_dice         (const FoveaPixelCounts *counts);
double fovea_pixel_iou          (const FoveaPixelCounts *counts);

G_END_DECLS
