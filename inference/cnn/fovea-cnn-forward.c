/* fovea-cnn-forward.c: a CNN's forward pass as a sequence of kernel
 * calls over the run's arena.
 *
 * Buffers: x holds a block's input and y receives its output, then the
 * two swap. Inside a block the convolutions alternate between t[0] and
 * t[1]; the downsample writes to whichever of the two the last
 * convolution does not read. The last convolution of a block adds the
 * shortcut and applies its activation in the GEMM's epilogue, so a
 * residual block writes its output once. */
#define G_LOG_DOMAIN "fovea-cnn-forward"

#include "fovea-cnn-private.h"

#include <cblas.h>
#include <string.h>

static void
swap_buffers (FoveaCnnRun *run)
{
  float *x = run->x;
  run->x = run->y;
  run->y = x;
}

static void
conv_forward (FoveaCnnRun *run, const FoveaConv *conv, const FoveaWindowShape *shape,
              int batch, const float *in, float *out, const float *residual, FoveaAct act)
{
  fovea_conv_forward (run->pool, conv, shape, batch, in, out, residual, act, run->scratch);
}

/* y = act (conv_n (... act (conv_1 (x))) + shortcut (x)); then x ↔ y. */
static void
block_forward (FoveaCnnRun *run, int index, int batch)
{
  const FoveaCnnBlock *block = &run->cnn->blocks[index];
  const FoveaWindowShape *shapes = run->shapes + (gsize) index * FOVEA_CNN_BLOCK_SHAPES;
  int last = block->n_convs - 1;
  const float *in = run->x;

  for (int i = 0; i < last; i++)
    {
      conv_forward (run, &block->convs[i], &shapes[i], batch, in, run->t[i % 2], NULL,
                    block->acts[i]);
      in = run->t[i % 2];
    }

  const float *shortcut = block->identity_shortcut ? run->x : NULL;
  if (block->has_downsample)
    {
      float *out = run->t[last % 2];
      conv_forward (run, &block->downsample, &shapes[FOVEA_CNN_MAX_CONVS], batch, run->x,
                    out, NULL, FOVEA_ACT_NONE);
      shortcut = out;
    }
  conv_forward (run, &block->convs[last], &shapes[last], batch, in, run->y, shortcut,
                block->acts[last]);
  swap_buffers (run);
}

/* Global pooling and the head (or the pooled features, headless). */
static void
head_forward (FoveaCnnRun *run, int batch)
{
  const FoveaCnn *cnn = run->cnn;
  int features = cnn->config.num_features;

  fovea_global_pool_forward (run->pooled, run->pool_scratch, run->x, batch,
                             run->feature_h * run->feature_w, run->feature_c,
                             cnn->config.global_pool);
  if (cnn->has_head)
    {
      FoveaWindowShape pixel = { 1, 1, 1, 1, 0, 0 };
      conv_forward (run, &cnn->head, &pixel, batch, run->pooled, run->logits, NULL,
                    FOVEA_ACT_NONE);
    }
  else
    memcpy (run->logits, run->pooled, sizeof (float) * (gsize) batch * features);
}

gboolean
fovea_cnn_forward (FoveaCnnRun *run, const float *pixels, int batch, GError **error)
{
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (pixels != NULL, FALSE);

  const FoveaCnn *cnn = run->cnn;
  if (batch < 1 || batch > run->max_batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run a batch of %d image(s) on a run made for 1 to %d",
                   batch, run->max_batch);
      return FALSE;
    }

  /* The run's pool splits the work itself (see fovea-kernels.c). */
  openblas_set_num_threads (1);

  fovea_nchw_to_nhwc (run->pool, run->x, pixels, batch, cnn->config.in_chans,
                      run->height, run->width);
  for (int i = 0; i < cnn->n_blocks; i++)
    {
      block_forward (run, i, batch);
      if (i == cnn->max_pool_after)
        {
          fovea_max_pool_forward (run->pool, &cnn->max_pool, &run->max_pool_shape, batch,
                                  cnn->blocks[i].convs[cnn->blocks[i].n_convs - 1].out_channels,
                                  run->x, run->y);
          swap_buffers (run);
        }
    }
  run->features = run->x;
  head_forward (run, batch);
  run->batch = batch;
  return TRUE;
}
