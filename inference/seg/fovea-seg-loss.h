/* fovea-seg-loss.h: per-pixel training losses of a segmentation network
 * with one sigmoid map per class, and their gradients with respect to the
 * logits, ready for the backward pass.
 *
 * Every array is channels-last, as the engine's logits: logits, targets
 * and dlogits are batch × pixels × classes; targets are in [0, 1] (a mask
 * per class). mask (batch × pixels, NULL: every pixel) weighs each pixel,
 * 0 outside the field of view. Each function returns its loss and ADDS
 * weight × its gradient to dlogits, so that a weighted sum of losses
 * (BCE + Dice) needs no temporary: the caller zeroes dlogits first.
 * Sums run in double; the PyTorch reference is tests/scripts/
 * make-seg-fixtures.py's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Weighted binary cross-entropy on the logits:
 *   Σ m_np w_c (softplus (z) − t z) / (C Σ m_np)
 * which is F.binary_cross_entropy_with_logits (z, t, weight=w_c · m_np)
 * with the mean over the pixels the mask keeps (all: PyTorch's default
 * mean). class_weights (classes; NULL: all 1) let a rare class (micro-
 * aneurysms) count more. An empty mask gives 0 and no gradient. */
double fovea_seg_loss_bce  (const float *logits,
                            const float *targets,
                            const float *mask,
                            int          batch,
                            gsize        pixels,
                            int          classes,
                            const float *class_weights,
                            double       weight,
                            float       *dlogits);

/* The same with a weight on the positive term per class, PyTorch's
 * pos_weight: Σ m w_c (p_c t softplus (−z) + (1 − t) softplus (z)) /
 * (C Σ m), so that a rare class's few positive pixels count p_c times
 * (pos_weights NULL: all 1, fovea_seg_loss_bce). */
double fovea_seg_loss_bce_pos (const float *logits,
                               const float *targets,
                               const float *mask,
                               int          batch,
                               gsize        pixels,
                               int          classes,
                               const float *class_weights,
                               const float *pos_weights,
                               double       weight,
                               float       *dlogits);

/* Soft Dice on the sigmoid probabilities p, per class over the batch
 * and the masked pixels (as smp's DiceLoss in multilabel mode, with
 * smoothing s in numerator and denominator):
 *   dice_c = (2 Σ m p t + s) / (Σ m (p + t) + s),  loss = mean_c (1 − dice_c)
 * smooth > 0 keeps a class absent from the targets defined (its dice
 * then rewards predicting nothing). */
double fovea_seg_loss_dice (const float *logits,
                            const float *targets,
                            const float *mask,
                            int          batch,
                            gsize        pixels,
                            int          classes,
                            double       smooth,
                            double       weight,
                            float       *dlogits);

G_END_DECLS
