/* fovea-model-weights.h: a hub folder's weights, whichever file holds
 * them.
 *
 * A hub folder (config.json + weights) keeps its tensors in
 * model.safetensors, or, in older uploads, in pytorch_model.bin (a
 * torch.save state dict, read by fovea-torch-checkpoint.h without running
 * it). model.safetensors wins when both are there: it is mapped, not
 * copied. Every model loader opens its weights here. */
#pragma once

#include "fovea-safetensors.h"

G_BEGIN_DECLS

#define FOVEA_MODEL_WEIGHTS_SAFETENSORS "model.safetensors"
#define FOVEA_MODEL_WEIGHTS_PYTORCH     "pytorch_model.bin"

/* The path of the weights file dir holds, or NULL when it holds neither. */
char             *fovea_model_weights_find (const char *dir);
/* The folder's weights; fovea_safetensors_get_path() names the file read.
 * An error names the folder when it holds neither file. */
FoveaSafetensors *fovea_model_weights_open (const char *dir,
                                            GError    **error);

G_END_DECLS
