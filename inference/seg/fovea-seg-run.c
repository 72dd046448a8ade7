/* fovea-seg-run.c: a Unet's forward pass. The encoder runs on a CNN run
 * of its own (fovea-cnn-private.h), stopping after each block that gives
 * a skip to copy that feature map aside; the decoder then runs on an
 * arena planned here once:
 *
 *   for each decoder block:  cat = [up×2 (x), skip]     (x: stride 32's first)
 *                            t   = ReLU (conv1 (cat))   BN folded in
 *                            d   = ReLU (conv2 (t))
 *   logits = head (d)                                   3×3, to the classes */
#define G_LOG_DOMAIN "fovea-seg-run"

#include "fovea-seg-private.h"
#include "fovea-seg-kernels.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64
#define ARENA_MAX_BYTES 0x1p52

static gsize
reserve (gsize *offset, double *planned, double floats)
{
  gsize at = *offset;
  double bytes = floats * sizeof (float);

  *planned += bytes + ARENA_ALIGN;
  if (*planned < ARENA_MAX_BYTES)
    *offset += ((gsize) bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
  return at;
}

FoveaSegRun *
fovea_seg_run_new (FoveaSeg *seg, int max_batch, int height, int width, int n_threads,
                   GError **error)
{
  g_return_val_if_fail (seg != NULL, NULL);

  if (max_batch < 1 || height < FOVEA_SEG_STRIDE || width < FOVEA_SEG_STRIDE ||
      height % FOVEA_SEG_STRIDE != 0 || width % FOVEA_SEG_STRIDE != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run a Unet on %d image(s) of %d×%d pixels: the sides must be "
                   "multiples of %d", max_batch, height, width, FOVEA_SEG_STRIDE);
      return NULL;
    }
  g_autoptr (FoveaSegRun) run = g_new0 (FoveaSegRun, 1);
  run->seg = seg;
  run->max_batch = max_batch;
  run->height = height;
  run->width = width;
  run->encoder = fovea_cnn_run_new (seg->encoder, max_batch, height, width, n_threads, error);
  if (run->encoder == NULL)
    return NULL;

  const FoveaSegConfig *c = &seg->config;
  int threads = fovea_pool_get_n_threads (run->encoder->pool);
  double pixels = (double) max_batch * height * width, cat = 0, t = 0, scratch = 0;
  double skip_floats[FOVEA_SEG_N_FEATURES - 1];

  for (int i = 0; i < FOVEA_SEG_N_FEATURES - 1; i++)
    skip_floats[i] = pixels / (4 << (2 * i)) * seg->blocks[FOVEA_SEG_DECODER_BLOCKS - 2 - i]
                                                   .skip_channels;
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    {
      const FoveaSegBlock *block = &seg->blocks[i];
      int shift = FOVEA_SEG_DECODER_BLOCKS - 1 - i;
      run->out_h[i] = height >> shift;
      run->out_w[i] = width >> shift;
      double out_pixels = (double) max_batch * run->out_h[i] * run->out_w[i];
      cat = MAX (cat, out_pixels * (block->in_channels + block->skip_channels));
      t = MAX (t, out_pixels * block->out_channels);
      fovea_window_shape (&block->conv1.window, run->out_h[i], run->out_w[i],
                          &run->conv1_shape[i]);
      fovea_window_shape (&block->conv2.window, run->out_h[i], run->out_w[i],
                          &run->conv2_shape[i]);
      scratch = MAX (scratch, (double) fovea_conv_scratch_size (&block->conv1,
                                                               &run->conv1_shape[i],
                                                               max_batch, threads));
      scratch = MAX (scratch, (double) fovea_conv_scratch_size (&block->conv2,
                                                               &run->conv2_shape[i],
                                                               max_batch, threads));
    }
  fovea_window_shape (&seg->head.window, height, width, &run->head_shape);
  scratch = MAX (scratch, (double) fovea_conv_scratch_size (&seg->head, &run->head_shape,
                                                           max_batch, threads));

  gsize offset = 0, skip_at[FOVEA_SEG_N_FEATURES - 1];
  double planned = 0;
  for (int i = 0; i < FOVEA_SEG_N_FEATURES - 1; i++)
    skip_at[i] = reserve (&offset, &planned, skip_floats[i]);
  gsize cat_at = reserve (&offset, &planned, cat);
  gsize t_at = reserve (&offset, &planned, t);
  gsize d_at = reserve (&offset, &planned, t);
  gsize scratch_at = reserve (&offset, &planned, scratch);
  gsize logits_at = reserve (&offset, &planned, pixels * c->classes);
  gsize probabilities_at = reserve (&offset, &planned, pixels * c->classes);

  if (planned >= ARENA_MAX_BYTES || pixels > G_MAXINT ||
      posix_memalign (&run->arena, ARENA_ALIGN, MAX (offset, 1)) != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for running a Unet on %d image(s) of %d×%d pixels "
                   "(%.0f MB of activations)", max_batch, height, width, planned / 1e6);
      return NULL;
    }
  run->arena_bytes = offset;
  char *base = run->arena;
  for (int i = 0; i < FOVEA_SEG_N_FEATURES - 1; i++)
    run->skips[i] = (float *) (base + skip_at[i]);
  run->cat = (float *) (base + cat_at);
  run->t = (float *) (base + t_at);
  run->d = (float *) (base + d_at);
  run->scratch = (float *) (base + scratch_at);
  run->logits = (float *) (base + logits_at);
  run->probabilities = (float *) (base + probabilities_at);
  return g_steal_pointer (&run);
}

void
fovea_seg_run_free (FoveaSegRun *run)
{
  if (run == NULL)
    return;
  fovea_cnn_run_free (run->encoder);
  free (run->arena);
  g_free (run);
}

gsize
fovea_seg_run_get_memory_size (const FoveaSegRun *run)
{
  return run->arena_bytes + fovea_cnn_run_get_memory_size (run->encoder);
}

/* The encoder, its skips copied aside; its deepest features stay in
 * run->encoder->x. */
static void
encoder_forward (FoveaSegRun *run, const float *pixels, int batch)
{
  FoveaCnnRun *encoder = run->encoder;
  const FoveaCnn *cnn = encoder->cnn;
  int first = 0;

  fovea_nchw_to_nhwc (encoder->pool, encoder->x, pixels, batch, cnn->config.in_chans,
                      run->height, run->width);
  for (int i = 0; i < FOVEA_SEG_N_FEATURES; i++)
    {
      int last = fovea_seg_feature_blocks[i];
      fovea_cnn_blocks_forward (encoder, cnn->blocks, first, last, batch);
      first = last + 1;
      if (i < FOVEA_SEG_N_FEATURES - 1)
        {
          int channels = run->seg->blocks[FOVEA_SEG_DECODER_BLOCKS - 2 - i].skip_channels;
          gsize n = (gsize) batch * (run->height >> (i + 1)) * (run->width >> (i + 1));
          memcpy (run->skips[i], encoder->x, sizeof (float) * n * channels);
        }
    }
}

gboolean
fovea_seg_forward (FoveaSegRun *run, const float *pixels, int batch, GError **error)
{
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (pixels != NULL, FALSE);

  if (batch < 1 || batch > run->max_batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run a batch of %d image(s) on a run made for 1 to %d",
                   batch, run->max_batch);
      return FALSE;
    }
  const FoveaSeg *seg = run->seg;
  FoveaPool *pool = run->encoder->pool;

  openblas_set_num_threads (1);
  encoder_forward (run, pixels, batch);

  const float *x = run->encoder->x;
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    {
      const FoveaSegBlock *block = &seg->blocks[i];
      int skip_index = FOVEA_SEG_N_FEATURES - 2 - i;
      fovea_upsample_concat_forward (pool, run->cat, x,
                                     skip_index >= 0 ? run->skips[skip_index] : NULL, batch,
                                     run->out_h[i] / 2, run->out_w[i] / 2, block->in_channels,
                                     block->skip_channels);
      fovea_conv_forward (pool, &block->conv1, &run->conv1_shape[i], batch, run->cat, run->t,
                          NULL, FOVEA_ACT_RELU, run->scratch);
      fovea_conv_forward (pool, &block->conv2, &run->conv2_shape[i], batch, run->t, run->d,
                          NULL, FOVEA_ACT_RELU, run->scratch);
      x = run->d;
    }
  fovea_conv_forward (pool, &seg->head, &run->head_shape, batch, run->d, run->logits, NULL,
                      FOVEA_ACT_NONE, run->scratch);
  run->batch = batch;
  run->probabilities_ready = FALSE;
  return TRUE;
}

const float *
fovea_seg_run_get_logits (const FoveaSegRun *run)
{
  return run->logits;
}

const float *
fovea_seg_run_get_probabilities (FoveaSegRun *run)
{
  const FoveaSegConfig *c = &run->seg->config;
  gsize pixels = (gsize) run->height * run->width;

  if (!run->probabilities_ready && run->batch > 0)
    {
      if (c->activation == FOVEA_SEG_SOFTMAX)
        fovea_seg_softmax_planes (run->probabilities, run->logits, run->batch, pixels,
                                  c->classes);
      else
        fovea_seg_sigmoid_planes (run->probabilities, run->logits, run->batch, pixels,
                                  c->classes);
      run->probabilities_ready = TRUE;
    }
  return run->probabilities;
}
