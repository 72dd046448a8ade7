/* fovea-loss.h: training losses with their gradients, as PyTorch defines
 * them (mean reduction over the batch). Each returns the loss and writes
 * dlogits (batch × n_classes), the gradient of the loss with respect to
 * the logits, ready for fovea_train_vit_backward. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* F.cross_entropy (logits, labels, weight=class_weights,
 * label_smoothing=smoothing): class_weights may be NULL (all 1); with
 * weights the mean divides by the sum of the targets' weights, and the
 * smoothing term is weighted as PyTorch weights it. A label outside
 * 0 … n_classes-1 is ignored like PyTorch's ignore_index (no loss, zero
 * gradient row); with nothing left to average (or batch 0) the loss is 0
 * and every gradient 0, where PyTorch would give NaN. */
double fovea_loss_cross_entropy (const float *logits,
                                 const int   *labels,
                                 int          batch,
                                 int          n_classes,
                                 const float *class_weights,
                                 double       smoothing,
                                 float       *dlogits);

/* F.mse_loss (output, target) on one output per image (the DR-grading
 * paper's regression; grades are read with thresholds -0.5 + i). */
double fovea_loss_mse           (const float *outputs,
                                 const float *targets,
                                 int          batch,
                                 float       *doutputs);

/* F.binary_cross_entropy_with_logits (logit, target, pos_weight): one
 * logit per image, targets 0 or 1; pos_weight ≤ 0 means 1. */
double fovea_loss_bce           (const float *logits,
                                 const float *targets,
                                 int          batch,
                                 double       pos_weight,
                                 float       *dlogits);

G_END_DECLS
