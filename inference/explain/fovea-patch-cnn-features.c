/* fovea-patch-cnn-features.c: a CNN's stages, locally averaged, resized
 * to the finest stage's grid and concatenated (see the header). */
#define G_LOG_DOMAIN "fovea-patch-cnn-features"

#include "fovea-patch-cnn-features.h"

#include "fovea-model-error.h"

typedef struct {
  int    block;
  int    h, w, c;
  float *map;       /* the block's output, channels-last */
  float *averaged;  /* after the 3 × 3 mean */
} Stage;

struct _FoveaPatchCnnFeatures {
  FoveaCnnRun *run;
  Stage        stages[FOVEA_PATCH_CNN_MAX_STAGES];
  int          n_stages;
  int          grid_h, grid_w, dim, stride;
  float       *out;   /* grid_h × grid_w × dim */
};

void
fovea_patch_cnn_features_free (FoveaPatchCnnFeatures *features)
{
  if (features == NULL)
    return;
  for (int i = 0; i < features->n_stages; i++)
    {
      g_free (features->stages[i].map);
      g_free (features->stages[i].averaged);
    }
  fovea_cnn_run_free (features->run);
  g_free (features->out);
  g_free (features);
}

FoveaPatchCnnFeatures *
fovea_patch_cnn_features_new (FoveaCnn *cnn, const int *stages, int n_stages, int height,
                              int width, int n_threads, GError **error)
{
  g_return_val_if_fail (cnn != NULL && stages != NULL, NULL);

  const char *architecture = fovea_cnn_get_config (cnn)->architecture;
  int n_blocks = fovea_cnn_get_n_blocks (cnn);
  if (n_stages < 1 || n_stages > FOVEA_PATCH_CNN_MAX_STAGES)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "PatchCore takes 1 to %d stages of %s, not %d",
                   FOVEA_PATCH_CNN_MAX_STAGES, architecture, n_stages);
      return NULL;
    }
  for (int i = 0; i < n_stages; i++)
    if (stages[i] < 0 || stages[i] >= n_blocks || (i > 0 && stages[i] <= stages[i - 1]))
      {
        g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                     "Stage %d is not a block of %s (0 to %d), in increasing order",
                     stages[i], architecture, n_blocks - 1);
        return NULL;
      }

  g_autoptr (FoveaPatchCnnFeatures) features = g_new0 (FoveaPatchCnnFeatures, 1);
  features->run = fovea_cnn_run_new (cnn, 1, height, width, n_threads, error);
  if (features->run == NULL)
    return NULL;
  features->n_stages = n_stages;
  for (int i = 0; i < n_stages; i++)
    {
      Stage *s = &features->stages[i];
      s->block = stages[i];
      fovea_cnn_run_get_block_shape (features->run, s->block, &s->h, &s->w, &s->c);
      s->map = g_new (float, (gsize) s->h * s->w * s->c);
      s->averaged = g_new (float, (gsize) s->h * s->w * s->c);
      features->dim += s->c;
    }
  features->grid_h = features->stages[0].h;
  features->grid_w = features->stages[0].w;
  /* SAME padding rounds a stride's output up: the stride is the ratio. */
  features->stride = (height + features->grid_h - 1) / features->grid_h;
  features->out = g_new (float, (gsize) features->grid_h * features->grid_w * features->dim);
  return g_steal_pointer (&features);
}

int
fovea_patch_cnn_features_get_dim (const FoveaPatchCnnFeatures *features)
{
  return features->dim;
}

void
fovea_patch_cnn_features_get_grid (const FoveaPatchCnnFeatures *features, int *grid_h,
                                   int *grid_w)
{
  if (grid_h != NULL)
    *grid_h = features->grid_h;
  if (grid_w != NULL)
    *grid_w = features->grid_w;
}

int
fovea_patch_cnn_features_get_stride (const FoveaPatchCnnFeatures *features)
{
  return features->stride;
}

/* The mean over each position's 3 × 3 neighbours that lie inside the map. */
static void
average_3x3 (const Stage *s)
{
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++)
      {
        float *dst = s->averaged + ((gsize) y * s->w + x) * s->c;
        int n = 0;
        for (int k = 0; k < s->c; k++)
          dst[k] = 0.0f;
        for (int yy = MAX (0, y - 1); yy <= MIN (s->h - 1, y + 1); yy++)
          for (int xx = MAX (0, x - 1); xx <= MIN (s->w - 1, x + 1); xx++, n++)
            {
              const float *src = s->map + ((gsize) yy * s->w + xx) * s->c;
              for (int k = 0; k < s->c; k++)
                dst[k] += src[k];
            }
        for (int k = 0; k < s->c; k++)
          dst[k] /= (float) n;
      }
}

/* PyTorch's bilinear source coordinate (align_corners=False) along one
 * axis: the two neighbours and the weight of the second. */
static void
source_coordinate (int dst, int in, int out, int *i0, int *i1, float *t)
{
  double x = ((double) dst + 0.5) * in / out - 0.5;
  if (x < 0.0)
    x = 0.0;
  *i0 = MIN ((int) x, in - 1);
  *i1 = MIN (*i0 + 1, in - 1);
  *t = (float) (x - *i0);
}

/* Stage s resized onto the grid, into columns offset … offset + c of out. */
static void
resize_into (const FoveaPatchCnnFeatures *features, const Stage *s, int offset)
{
  int dim = features->dim;
  for (int y = 0; y < features->grid_h; y++)
    {
      int y0, y1;
      float ty;
      source_coordinate (y, s->h, features->grid_h, &y0, &y1, &ty);
      for (int x = 0; x < features->grid_w; x++)
        {
          int x0, x1;
          float tx;
          source_coordinate (x, s->w, features->grid_w, &x0, &x1, &tx);
          const float *a = s->averaged + ((gsize) y0 * s->w + x0) * s->c;
          const float *b = s->averaged + ((gsize) y0 * s->w + x1) * s->c;
          const float *c = s->averaged + ((gsize) y1 * s->w + x0) * s->c;
          const float *d = s->averaged + ((gsize) y1 * s->w + x1) * s->c;
          float *dst = features->out + ((gsize) y * features->grid_w + x) * dim + offset;
          for (int k = 0; k < s->c; k++)
            {
              float top = a[k] + (b[k] - a[k]) * tx;
              float bottom = c[k] + (d[k] - c[k]) * tx;
              dst[k] = top + (bottom - top) * ty;
            }
        }
    }
}

const float *
fovea_patch_cnn_features_compute (FoveaPatchCnnFeatures *features, const float *pixels,
                                  GError **error)
{
  g_return_val_if_fail (features != NULL && pixels != NULL, NULL);

  int taps[FOVEA_PATCH_CNN_MAX_STAGES];
  float *outs[FOVEA_PATCH_CNN_MAX_STAGES];
  for (int i = 0; i < features->n_stages; i++)
    {
      taps[i] = features->stages[i].block;
      outs[i] = features->stages[i].map;
    }
  if (!fovea_cnn_forward_taps (features->run, pixels, taps, features->n_stages, outs, error))
    return NULL;
  int offset = 0;
  for (int i = 0; i < features->n_stages; i++)
    {
      average_3x3 (&features->stages[i]);
      resize_into (features, &features->stages[i], offset);
      offset += features->stages[i].c;
    }
  return features->out;
}
