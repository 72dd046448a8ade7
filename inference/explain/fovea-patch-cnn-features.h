/* fovea-patch-cnn-features.h: PatchCore's patch features from a CNN's
 * mid-level stages (Roth et al. 2022, §3.1), for fovea-patchcore.h banks.
 *
 * For each chosen block (a "stage": its output feature map), every
 * position is replaced by the mean of its 3 × 3 neighbourhood (the
 * paper's local aggregation, with a patch size of 3; at the map's edge
 * over the neighbours that exist, as avg_pool2d (3, 1, 1,
 * count_include_pad=False)), each coarser stage is resized to the first
 * (finest) stage's grid by bilinear interpolation (F.interpolate,
 * align_corners=False), and the stages are concatenated channel-wise:
 * grid_h × grid_w rows of Σ channels. On MobileNetV2, blocks 6 (stride 8,
 * 32 channels) and 13 (stride 16, 96 channels) give 128 dimensions on a
 * stride-8 grid; tests/scripts/make-patch-cnn-fixtures.py holds this to
 * PyTorch.
 *
 * One extractor is one CNN run (one activation arena) for one input size,
 * with its own buffers: no allocation per image. Not thread-safe. */
#pragma once

#include "fovea-cnn.h"

G_BEGIN_DECLS

#define FOVEA_PATCH_CNN_MAX_STAGES 4

typedef struct _FoveaPatchCnnFeatures FoveaPatchCnnFeatures;

/* cnn must outlive the extractor. stages: 1 to FOVEA_PATCH_CNN_MAX_STAGES
 * block indices, strictly increasing. */
FoveaPatchCnnFeatures *fovea_patch_cnn_features_new     (FoveaCnn    *cnn,
                                                         const int   *stages,
                                                         int          n_stages,
                                                         int          height,
                                                         int          width,
                                                         int          n_threads,
                                                         GError     **error);
void                   fovea_patch_cnn_features_free    (FoveaPatchCnnFeatures *features);

/* The feature width (Σ of the stages' channels), the grid and its stride
 * in input pixels (the first stage's). */
int                    fovea_patch_cnn_features_get_dim  (const FoveaPatchCnnFeatures *features);
void                   fovea_patch_cnn_features_get_grid (const FoveaPatchCnnFeatures *features,
                                                          int                         *grid_h,
                                                          int                         *grid_w);
int                    fovea_patch_cnn_features_get_stride (const FoveaPatchCnnFeatures *features);

/* The features of one image (in_chans × height × width F32, NCHW,
 * normalised): grid_h × grid_w × dim, row-major, owned by features and
 * valid until its next call. */
const float           *fovea_patch_cnn_features_compute (FoveaPatchCnnFeatures *features,
                                                         const float           *pixels,
                                                         GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPatchCnnFeatures, fovea_patch_cnn_features_free)

G_END_DECLS
