/* fovea-rollout.h: attention rollout (Abnar & Zuidema 2020), where on the
 * patch grid a ViT's prediction drew its information from.
 *
 * Per block the attention is averaged over heads and the residual
 * connection added as A' = 0.5·A + 0.5·I (rows still sum to 1, since
 * softmax rows do); the blocks' A' are multiplied from first to last, and
 * the row the head reads is taken over the patch tokens (prefix tokens
 * excluded): the class token's row for global_pool "token", the mean of
 * the patch tokens' rows for "avg". The result is min-max normalised to
 * 0..1 (all 0 when it is flat). Only that one row of the product is ever
 * needed, so it is carried from the last block back to the first as a
 * vector: heads × tokens² per block instead of tokens³.
 * tests/scripts/torch_vit.py's attention_rollout is the reference. */
#pragma once

#include "fovea-vit.h"

G_BEGIN_DECLS

/* Fills out (grid_h × grid_w floats, fovea_vit_run_get_grid) with the
 * rollout of image `image` of the run's last forward pass. The run must
 * have been made with FOVEA_VIT_OUTPUT_ATTENTION. */
gboolean fovea_rollout_compute (const FoveaVitRun *run,
                                int                image,
                                float             *out,
                                GError           **error);

G_END_DECLS
