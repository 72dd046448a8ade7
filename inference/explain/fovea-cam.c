/* fovea-cam.c: a CNN's class activation map, the head's weights for one
 * class against each cell of the last feature map (see the header). */
#define G_LOG_DOMAIN "fovea-cam"

#include "fovea-cam.h"

#include <math.h>

#include "fovea-model-error.h"

/* The highest logit's index. */
static int
predicted_class (const float *logits, int n)
{
  int best = 0;
  for (int k = 1; k < n; k++)
    if (logits[k] > logits[best])
      best = k;
  return best;
}

gboolean
fovea_cam_compute (const FoveaCnnRun *run, const FoveaCnnAdapter *adapter, int image,
                   int target_class, float *map, FoveaGradcamInfo *info, GError **error)
{
  g_return_val_if_fail (run != NULL && map != NULL, FALSE);

  const FoveaCnn *cnn = fovea_cnn_run_get_cnn (run);
  int height, width, channels;
  const float *features = fovea_cnn_run_get_feature_map (run, &height, &width, &channels);
  if (features == NULL || image < 0 || image >= fovea_cnn_run_get_batch (run))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "No class activation map of image %d: the last forward pass ran %d",
                   image, features != NULL ? fovea_cnn_run_get_batch (run) : 0);
      return FALSE;
    }
  int n_outputs = fovea_cnn_run_get_n_outputs (run);
  const float *logits = fovea_cnn_run_get_logits (run) + (gsize) image * n_outputs;
  int k = target_class >= 0 ? target_class : predicted_class (logits, n_outputs);

  g_autofree float *weights = g_new (float, channels);
  if (!fovea_cnn_get_head_row (cnn, adapter, k, weights, error))
    return FALSE;
  gsize cells = (gsize) height * width;
  const float *f = features + (gsize) image * cells * channels;
  for (gsize cell = 0; cell < cells; cell++)
    {
      /* In double: 1280 terms of either sign. */
      double sum = 0;
      const float *x = f + cell * channels;
      for (int c = 0; c < channels; c++)
        sum += (double) weights[c] * x[c];
      map[cell] = sum > 0 ? (float) sum : 0.0f;
    }
  if (info != NULL)
    *info = (FoveaGradcamInfo) { .class_index = k, .score = k < n_outputs ? logits[k] : NAN };
  return TRUE;
}
