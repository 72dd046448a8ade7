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
#include "fovea-cnn-adapter.h"

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
block_forward (FoveaCnnRun *run, const FoveaCnnBlock *blocks, int index, int batch)
{
  const FoveaCnnBlock *block = &blocks[index];
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

void
fovea_cnn_blocks_forward (FoveaCnnRun *run, const FoveaCnnBlock *blocks, int first, int last,
                          int batch)
{
  const FoveaCnn *cnn = run->cnn;

  for (int i = first; i <= last; i++)
    {
      block_forward (run, blocks, i, batch);
      if (i == cnn->max_pool_after)
        {
          fovea_max_pool_forward (run->pool, &cnn->max_pool, &run->max_pool_shape, batch,
                                  cnn->blocks[i].convs[cnn->blocks[i].n_convs - 1].out_channels,
                                  run->x, run->y);
          swap_buffers (run);
        }
    }
}

/* Global pooling and the head (NULL: the pooled features, headless). */
static void
head_forward (FoveaCnnRun *run, const FoveaConv *head, int batch)
{
  const FoveaCnn *cnn = run->cnn;
  int features = cnn->config.num_features;

  fovea_global_pool_forward (run->pooled, run->pool_scratch, run->x, batch,
                             run->feature_h * run->feature_w, run->feature_c,
                             cnn->config.global_pool);
  if (head != NULL)
    {
      FoveaWindowShape pixel = { 1, 1, 1, 1, 0, 0 };
      conv_forward (run, head, &pixel, batch, run->pooled, run->logits, NULL,
                    FOVEA_ACT_NONE);
    }
  else
    memcpy (run->logits, run->pooled, sizeof (float) * (gsize) batch * features);
}

/* The blocks (and the max pool) on n images: x ends as their features. */
static void
blocks_forward (FoveaCnnRun *run, const FoveaCnnBlock *blocks, const float *pixels, int n)
{
  const FoveaCnn *cnn = run->cnn;

  fovea_nchw_to_nhwc (run->pool, run->x, pixels, n, cnn->config.in_chans,
                      run->height, run->width);
  fovea_cnn_blocks_forward (run, blocks, 0, cnn->n_blocks - 1, n);
}

/* Room in the run's logits for n_outputs per image. */
static gboolean
fit_logits (FoveaCnnRun *run, int n_outputs, GError **error)
{
  if (n_outputs > run->logits_width)
    {
      float *logits = g_try_renew (float, run->logits, (gsize) run->max_batch * n_outputs);
      if (logits == NULL)
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                       "Out of memory for %d × %d logits", run->max_batch, n_outputs);
          return FALSE;
        }
      run->logits = logits;
      run->logits_width = n_outputs;
    }
  run->n_outputs = n_outputs;
  return TRUE;
}

gboolean
fovea_cnn_forward (FoveaCnnRun *run, const float *pixels, int batch, GError **error)
{
  return fovea_cnn_forward_adapted (run, pixels, batch, NULL, error);
}

gboolean
fovea_cnn_forward_adapted (FoveaCnnRun *run, const float *pixels, int batch,
                           const FoveaCnnAdapter *adapter, GError **error)
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
  if (adapter != NULL && adapter->cnn != cnn)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter %s was made for another network than this %s",
                   adapter->name, cnn->config.architecture);
      return FALSE;
    }
  const FoveaCnnBlock *blocks = adapter != NULL ? adapter->blocks : cnn->blocks;
  const FoveaConv *head = adapter != NULL && adapter->has_head ? &adapter->head
                          : cnn->has_head ? &cnn->head : NULL;
  if (!fit_logits (run, head != NULL ? head->out_channels : cnn->config.num_features, error))
    return FALSE;

  /* The run's pool splits the work itself (see fovea-kernels.c). */
  openblas_set_num_threads (1);

  /* In passes of images_per_pass images (see fovea-cnn-run.c). */
  gsize image_pixels = (gsize) cnn->config.in_chans * run->height * run->width;
  gsize feature_size = (gsize) run->feature_h * run->feature_w * run->feature_c;
  for (int first = 0; first < batch; first += run->images_per_pass)
    {
      int n = MIN (run->images_per_pass, batch - first);
      blocks_forward (run, blocks, pixels + first * image_pixels, n);
      if (n < batch)
        memcpy (run->feature_stash + first * feature_size, run->x,
                sizeof (float) * n * feature_size);
    }
  if (run->images_per_pass < batch)
    {
      /* The head reads x; the stash is a buffer of its own, so x and y
       * keep their roles for the next forward. */
      float *x = run->x;
      run->x = run->feature_stash;
      run->features = run->x;
      head_forward (run, head, batch);
      run->x = x;
      run->batch = batch;
      return TRUE;
    }
  run->features = run->x;
  head_forward (run, head, batch);
  run->batch = batch;
  return TRUE;
}

gboolean
fovea_cnn_forward_taps (FoveaCnnRun *run, const float *pixels, const int *taps, int n_taps,
                        float *const *outs, GError **error)
{
  g_return_val_if_fail (run != NULL && pixels != NULL && outs != NULL, FALSE);

  const FoveaCnn *cnn = run->cnn;
  for (int i = 0; i < n_taps; i++)
    if (taps[i] < 0 || taps[i] >= cnn->n_blocks || (i > 0 && taps[i] <= taps[i - 1]))
      {
        g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                     "Block %d cannot be tapped: %s has blocks 0 to %d, taken in "
                     "increasing order", taps[i], cnn->config.architecture, cnn->n_blocks - 1);
        return FALSE;
      }
  if (n_taps < 1)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT, "No block to tap");
      return FALSE;
    }

  openblas_set_num_threads (1);
  fovea_nchw_to_nhwc (run->pool, run->x, pixels, 1, cnn->config.in_chans,
                      run->height, run->width);
  int first = 0;
  for (int i = 0; i < n_taps; i++)
    {
      int h, w, c;
      fovea_cnn_blocks_forward (run, cnn->blocks, first, taps[i], 1);
      fovea_cnn_run_get_block_shape (run, taps[i], &h, &w, &c);
      memcpy (outs[i], run->x, sizeof (float) * (gsize) h * w * c);
      first = taps[i] + 1;
    }
  /* The head's features are not this pass's: say so to their readers. */
  run->features = NULL;
  run->batch = 0;
  return TRUE;
}
