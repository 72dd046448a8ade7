/* fovea-gradcam.h: Grad-CAM for a Vision Transformer.
 *
 * The class score's gradient with respect to the tokens entering a block
 * (by default the last) is averaged over the patches into one weight per
 * channel; the map is ReLU (Σ_d weight_d · token_d) at each patch, i.e.
 * Grad-CAM (Selvaraju et al.) with the patch grid in place of a CNN's
 * feature map, as pytorch-grad-cam does for ViTs. It needs a forward and
 * the backward of the blocks from there up only. */
#pragma once

#include "fovea-train-vit.h"

G_BEGIN_DECLS

typedef struct {
  int class_index;   /* the class explained */
  float score;       /* its logit */
} FoveaGradcamInfo;

/* Runs model (usually fovea_train_vit_new_frozen) on one image (3 × H × W,
 * normalised, the model's input size) and writes the map over its patch
 * grid (grid_h × grid_w, row-major, ≥ 0) into map. target_class < 0
 * explains the predicted class. block < 0 means the last block. info
 * (may be NULL) receives the class explained and its logit. */
gboolean fovea_gradcam (FoveaTrainVit    *model,
                        const float      *pixels,
                        int               target_class,
                        int               block,
                        float            *map,
                        FoveaGradcamInfo *info,
                        GError          **error);

G_END_DECLS
