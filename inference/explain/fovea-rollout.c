/* fovea-rollout.c: attention rollout as one row vector carried back
 * through the blocks. */
#define G_LOG_DOMAIN "fovea-rollout"

#include "fovea-rollout.h"

#include <string.h>

#include "fovea-vit-private.h"

/* row ← row · (0.5·mean_h A_h + 0.5·I), for one image's heads × T × T. */
static void
apply_block (const float *attention, int heads, int tokens, const double *row,
             double *out)
{
  gsize map = (gsize) tokens * tokens;
  for (int j = 0; j < tokens; j++)
    out[j] = 0.5 * row[j];
  for (int h = 0; h < heads; h++)
    for (int i = 0; i < tokens; i++)
      {
        double weight = 0.5 * row[i] / heads;
        if (weight == 0.0)
          continue;
        const float *a = attention + h * map + (gsize) i * tokens;
        for (int j = 0; j < tokens; j++)
          out[j] += weight * a[j];
      }
}

/* The patch values, stretched to 0..1; all 0 when they are equal. */
static void
normalise_patches (const double *values, int n, float *out)
{
  double lo = values[0], hi = values[0];
  for (int p = 1; p < n; p++)
    {
      lo = MIN (lo, values[p]);
      hi = MAX (hi, values[p]);
    }
  for (int p = 0; p < n; p++)
    out[p] = hi > lo ? (float) ((values[p] - lo) / (hi - lo)) : 0.0f;
}

gboolean
fovea_rollout_compute (const FoveaVitRun *run, int image, float *out, GError **error)
{
  g_return_val_if_fail (run != NULL && out != NULL, FALSE);

  const FoveaVitConfig *config = &run->vit->config;
  if (run->attention == NULL || image < 0 || image >= run->batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "No attention maps for image %d of the last forward pass (%d image(s)%s)",
                   image, run->batch, run->attention == NULL ? ", none kept" : "");
      return FALSE;
    }

  int tokens = run->n_tokens, prefix = tokens - run->n_patches, heads = config->num_heads;
  g_autofree double *row = g_new0 (double, tokens);
  g_autofree double *next = g_new (double, tokens);
  if (config->global_pool == FOVEA_VIT_POOL_TOKEN)
    row[0] = 1.0;
  else
    for (int i = prefix; i < tokens; i++)
      row[i] = 1.0 / run->n_patches;

  gsize image_floats = (gsize) heads * tokens * tokens;
  for (int block = config->depth - 1; block >= 0; block--)
    {
      const float *attention = fovea_vit_run_get_attention (run, block) + image * image_floats;
      apply_block (attention, heads, tokens, row, next);
      memcpy (row, next, tokens * sizeof (double));
    }
  normalise_patches (row + prefix, run->n_patches, out);
  return TRUE;
}
