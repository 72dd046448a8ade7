/* fovea-optim.h: AdamW with decoupled weight decay (torch.optim.AdamW),
 * a linear warm-up then cosine learning-rate schedule, and clipping by
 * the global gradient norm (torch.nn.utils.clip_grad_norm_). */
#pragma once

#include "fovea-train-vit.h"

G_BEGIN_DECLS

typedef struct {
  double lr;            /* the peak learning rate */
  double beta1, beta2;  /* 0.9, 0.999 */
  double eps;           /* 1e-8 */
  double weight_decay;  /* applied to tensors whose decay flag is set */
} FoveaAdamWConfig;

typedef struct _FoveaAdamW FoveaAdamW;

/* State (m, v) for every tensor of params, zeroed; step 0. */
FoveaAdamW *fovea_adamw_new        (const FoveaAdamWConfig *config,
                                    const FoveaTrainParam  *params,
                                    int                     n_params);
void        fovea_adamw_free       (FoveaAdamW             *opt);
/* One step at learning rate lr (from the schedule): for each tensor
 * p -= lr·wd·p (if decay), then Adam's bias-corrected update, exactly
 * as torch.optim.AdamW (foreach=False) in float32: bit for bit on a CPU
 * with AVX2 and FMA, to a rounding of the moments elsewhere. Tensors with
 * a NULL grad are skipped; params must be those given to _new. */
void        fovea_adamw_step       (FoveaAdamW             *opt,
                                    const FoveaTrainParam  *params,
                                    int                     n_params,
                                    double                  lr);
gint64      fovea_adamw_get_step   (const FoveaAdamW       *opt);
/* The moment buffers, for checkpoints: m and v of tensor i (n floats
 * each). fovea_adamw_set_step restores the step count. */
float      *fovea_adamw_get_m      (FoveaAdamW             *opt,
                                    int                     i);
float      *fovea_adamw_get_v      (FoveaAdamW             *opt,
                                    int                     i);
void        fovea_adamw_set_step   (FoveaAdamW             *opt,
                                    gint64                  step);

/* The learning rate at step (0-based) of total: linear from 0 to peak
 * over warmup steps (lr·(step+1)/warmup), then cosine from peak down to
 * min_lr at the last step (total-1), and min_lr after it. A cosine phase
 * of one step or none stays at the peak. */
double      fovea_lr_schedule      (double                  peak,
                                    double                  min_lr,
                                    gint64                  step,
                                    gint64                  warmup,
                                    gint64                  total);

/* Scales every gradient so that their global L2 norm is at most max_norm
 * (coefficient max_norm / (norm + 1e-6), clamped to 1, as PyTorch).
 * Returns the norm before clipping. max_norm ≤ 0 only measures. A
 * non-finite norm is returned with the gradients untouched (PyTorch would
 * make them all NaN): skip that step. */
double      fovea_clip_grad_norm   (const FoveaTrainParam  *params,
                                    int                     n_params,
                                    double                  max_norm);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaAdamW, fovea_adamw_free)

G_END_DECLS
