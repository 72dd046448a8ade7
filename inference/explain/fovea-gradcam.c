/* fovea-gradcam.c: see fovea-gradcam.h. */
#define G_LOG_DOMAIN "fovea-gradcam"

#include "fovea-gradcam.h"

#include <string.h>

gboolean
fovea_gradcam (FoveaTrainVit *model, const float *pixels, int target_class, int block,
               float *map, FoveaGradcamInfo *info, GError **error)
{
  const FoveaVitConfig *c = fovea_train_vit_get_config (model);
  int n_outputs = fovea_train_vit_get_n_outputs (model);
  int dim = c->embed_dim;
  int grid_h = c->input_size[1] / c->patch_size, grid_w = c->input_size[2] / c->patch_size;
  int n_patches = grid_h * grid_w;
  int prefix = (c->class_token ? 1 : 0) + c->reg_tokens;

  if (block < 0)
    block = c->depth - 1;
  if (block >= c->depth || target_class >= n_outputs)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Grad-CAM of class %d at block %d: the model has %d outputs and %d blocks",
                   target_class, block, n_outputs, c->depth);
      return FALSE;
    }

  const float *logits = fovea_train_vit_forward (model, pixels, 1, error);
  if (logits == NULL)
    return FALSE;
  int cls = target_class;
  if (cls < 0)
    {
      cls = 0;
      for (int k = 1; k < n_outputs; k++)
        if (logits[k] > logits[cls])
          cls = k;
    }
  if (info != NULL)
    *info = (FoveaGradcamInfo) { cls, logits[cls] };

  /* d score / d logits is one-hot: back-propagate that, down to block. */
  g_autofree float *dlogits = g_new0 (float, n_outputs);
  dlogits[cls] = 1.0f;
  fovea_train_vit_set_backward_stop (model, block);
  fovea_train_vit_zero_grad (model);
  fovea_train_vit_backward (model, dlogits);

  const float *tokens = fovea_train_vit_get_block_input (model, block) + (gsize) prefix * dim;
  const float *grads = fovea_train_vit_get_block_input_grad (model, block) + (gsize) prefix * dim;
  g_autofree double *weights = g_new0 (double, dim);
  for (int p = 0; p < n_patches; p++)
    for (int d = 0; d < dim; d++)
      weights[d] += grads[(gsize) p * dim + d];
  for (int d = 0; d < dim; d++)
    weights[d] /= n_patches;

  for (int p = 0; p < n_patches; p++)
    {
      double sum = 0;
      for (int d = 0; d < dim; d++)
        sum += weights[d] * tokens[(gsize) p * dim + d];
      map[p] = sum > 0 ? (float) sum : 0.0f;
    }
  return TRUE;
}
