/* fovea-cam.h: class activation maps for a CNN (Zhou et al. 2016,
 * "Learning Deep Features for Discriminative Localization").
 *
 * A CNN whose head is a linear layer on globally average-pooled features
 * scores class k as Σ_c W[k, c] · mean_xy F[x, y, c] + b_k, so the score
 * is the mean over the feature map of CAM_k (x, y) = Σ_c W[k, c] ·
 * F[x, y, c]: each cell's share of the class score. The map is ReLU
 * (CAM_k), the positive evidence. On such a head it is Grad-CAM on the
 * last convolutional block up to a constant factor (Grad-CAM's channel
 * weights are ∂score/∂F = W[k, c] / (H · W) at every cell), so it needs
 * no backward pass: one forward and a dot product per cell. (With max
 * or avg+max pooling the map still weighs the features by the head's
 * weights, though the score is then no longer its mean.) */
#pragma once

#include "fovea-cnn-adapter.h"
#include "fovea-gradcam.h"

G_BEGIN_DECLS

/* The map of image (< the last forward's batch) of run, whose last
 * forward ran with adapter (NULL: none), over the feature map's grid
 * (fovea_cnn_run_get_feature_map: height × width cells, row-major,
 * ≥ 0) into map. target_class < 0 explains the predicted class. info
 * (may be NULL) receives the class explained and its logit. */
gboolean fovea_cam_compute (const FoveaCnnRun     *run,
                            const FoveaCnnAdapter *adapter,
                            int                    image,
                            int                    target_class,
                            float                 *map,
                            FoveaGradcamInfo      *info,
                            GError               **error);

G_END_DECLS
