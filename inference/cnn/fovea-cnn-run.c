/* fovea-cnn-run.c: the activation arena of a CNN for one (batch, image
 * size) tuple, planned by walking the network's shapes once, and the
 * results it holds. */
#define G_LOG_DOMAIN "fovea-cnn-run"

#include "fovea-cnn-private.h"

#include <math.h>
#include <stdlib.h>

/* Every buffer starts on a cache line (and an AVX-512 vector). */
#define ARENA_ALIGN 64
/* Sizes are planned in double first: anything near this many bytes is
 * refused before any gsize arithmetic could wrap. */
#define ARENA_MAX_BYTES 0x1p52

/* The largest buffer each role needs, in floats (double, see above). */
typedef struct {
  double xy;       /* a block's input or output */
  double t;        /* a convolution inside a block, or a downsample */
  double scratch;
} Plan;

/* Sets shape for conv on an in_h × in_w input; FALSE (error set) if the
 * input is too small for it or its GEMM would count rows beyond int. */
static gboolean
plan_conv (FoveaCnnRun *run, const FoveaConv *conv, int in_h, int in_w,
           FoveaWindowShape *shape, double *size, Plan *plan, GError **error)
{
  fovea_window_shape (&conv->window, in_h, in_w, shape);
  double rows = (double) run->max_batch * shape->out_h * shape->out_w;
  if (shape->out_h < 1 || shape->out_w < 1 || rows > G_MAXINT)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run %s on %d image(s) of %d×%d pixels: %s",
                   run->cnn->config.architecture, run->max_batch, run->height, run->width,
                   rows > G_MAXINT ? "too many pixels" : "too small for its strides");
      return FALSE;
    }
  *size = rows * conv->out_channels;
  plan->scratch = MAX (plan->scratch,
                       (double) fovea_conv_scratch_size (conv, shape, run->max_batch,
                                                         fovea_pool_get_n_threads (run->pool)));
  return TRUE;
}

/* Every convolution's shape, and the buffers' sizes. */
static gboolean
plan_network (FoveaCnnRun *run, Plan *plan, GError **error)
{
  const FoveaCnn *cnn = run->cnn;
  int h = run->height, w = run->width, c = cnn->config.in_chans;
  double size;

  plan->xy = (double) run->max_batch * h * w * c;
  for (int i = 0; i < cnn->n_blocks; i++)
    {
      const FoveaCnnBlock *block = &cnn->blocks[i];
      FoveaWindowShape *shapes = run->shapes + (gsize) i * FOVEA_CNN_BLOCK_SHAPES;
      int in_h = h, in_w = w;

      for (int j = 0; j < block->n_convs; j++)
        {
          if (!plan_conv (run, &block->convs[j], h, w, &shapes[j], &size, plan, error))
            return FALSE;
          if (j < block->n_convs - 1)
            plan->t = MAX (plan->t, size);
          else
            plan->xy = MAX (plan->xy, size);
          h = shapes[j].out_h;
          w = shapes[j].out_w;
          c = block->convs[j].out_channels;
        }
      if (block->has_downsample)
        {
          FoveaWindowShape *shape = &shapes[FOVEA_CNN_MAX_CONVS];
          if (!plan_conv (run, &block->downsample, in_h, in_w, shape, &size, plan, error))
            return FALSE;
          plan->t = MAX (plan->t, size);
        }
      if (i == cnn->max_pool_after)
        {
          fovea_window_shape (&cnn->max_pool, h, w, &run->max_pool_shape);
          h = run->max_pool_shape.out_h;
          w = run->max_pool_shape.out_w;
        }
    }
  run->feature_h = h;
  run->feature_w = w;
  run->feature_c = c;
  return TRUE;
}

/* Reserves floats and returns their offset. */
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

static double
count_weights (const FoveaCnn *cnn)
{
  double floats = 0;

  for (int i = 0; i < cnn->n_blocks; i++)
    {
      const FoveaCnnBlock *block = &cnn->blocks[i];
      for (int j = 0; j < block->n_convs; j++)
        floats += (double) fovea_conv_weight_size (&block->convs[j]);
      if (block->has_downsample)
        floats += (double) fovea_conv_weight_size (&block->downsample);
    }
  return floats;
}

/* Layer by layer, a batch's activations stream through the caches once
 * per layer, and the weights once per pass. Where an image's largest
 * activation outweighs the weights (MobileNetV2: 4.8 MB against 14 MB
 * at 224), a whole batch's would not stay in cache (38 MB at 8): then
 * the batch goes through in passes of as many images as the weights
 * outweigh, and each image's activations stay cached from one layer to
 * the next (MobileNetV2 CPU time per image, shared 2-vCPU Zen 5: 6.6 ms
 * at batch 1, 6.8 at 2, 8.1 at 4, 11.8 at 8). ResNet-50 (0.8 M floats
 * against 25 M) keeps its batches whole. */
static int
images_per_pass (const FoveaCnn *cnn, const Plan *plan, int max_batch)
{
  double per_image = MAX (plan->xy, plan->t) / max_batch;
  double fit = floor (count_weights (cnn) / MAX (per_image, 1));
  return (int) CLAMP (fit, 1, max_batch);
}

FoveaCnnRun *
fovea_cnn_run_new (FoveaCnn *cnn, int max_batch, int height, int width, int n_threads,
                   GError **error)
{
  g_return_val_if_fail (cnn != NULL, NULL);

  const FoveaCnnConfig *c = &cnn->config;
  if (max_batch < 1 || height < 1 || width < 1)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run %s on %d image(s) of %d×%d pixels", c->architecture,
                   max_batch, height, width);
      return NULL;
    }

  g_autoptr (FoveaCnnRun) run = g_new0 (FoveaCnnRun, 1);
  run->cnn = cnn;
  run->max_batch = max_batch;
  run->height = height;
  run->width = width;
  run->pool = fovea_pool_new (n_threads > 0 ? n_threads : (int) g_get_num_processors (), error);
  if (run->pool == NULL)
    return NULL;
  run->shapes = g_new0 (FoveaWindowShape, (gsize) cnn->n_blocks * FOVEA_CNN_BLOCK_SHAPES);

  Plan plan = { 0 };
  if (!plan_network (run, &plan, error))
    return NULL;

  gsize offset = 0;
  double planned = 0;
  gsize x_at = reserve (&offset, &planned, plan.xy);
  gsize y_at = reserve (&offset, &planned, plan.xy);
  gsize t0_at = reserve (&offset, &planned, plan.t);
  gsize t1_at = reserve (&offset, &planned, plan.t);
  gsize scratch_at = reserve (&offset, &planned, plan.scratch);
  gsize pooled_at = reserve (&offset, &planned, (double) max_batch * c->num_features);
  gsize pool_scratch_at = reserve (&offset, &planned, c->num_features);
  run->images_per_pass = images_per_pass (cnn, &plan, max_batch);
  gsize stash_at = run->images_per_pass < max_batch
                   ? reserve (&offset, &planned, (double) max_batch * run->feature_h *
                                                 run->feature_w * run->feature_c)
                   : 0;

  if (planned >= ARENA_MAX_BYTES ||
      posix_memalign (&run->arena, ARENA_ALIGN, MAX (offset, 1)) != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for running %s on %d image(s) of %d×%d pixels "
                   "(%.0f MB of activations)", c->architecture, max_batch, height, width,
                   planned / 1e6);
      return NULL;
    }
  run->arena_bytes = offset;
  char *base = run->arena;
  run->x = (float *) (base + x_at);
  run->y = (float *) (base + y_at);
  run->t[0] = (float *) (base + t0_at);
  run->t[1] = (float *) (base + t1_at);
  run->scratch = (float *) (base + scratch_at);
  run->pooled = (float *) (base + pooled_at);
  run->pool_scratch = (float *) (base + pool_scratch_at);
  run->feature_stash = run->images_per_pass < max_batch ? (float *) (base + stash_at) : NULL;

  run->n_outputs = c->num_classes > 0 ? c->num_classes : c->num_features;
  run->logits_width = run->n_outputs;
  run->logits = g_try_new (float, (gsize) max_batch * run->n_outputs);
  if (run->logits == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for %d × %d logits", max_batch, run->n_outputs);
      return NULL;
    }
  return g_steal_pointer (&run);
}

void
fovea_cnn_run_free (FoveaCnnRun *run)
{
  if (run == NULL)
    return;
  fovea_pool_free (run->pool);
  free (run->arena);
  g_free (run->shapes);
  g_free (run->logits);
  g_free (run);
}

gsize
fovea_cnn_run_get_memory_size (const FoveaCnnRun *run)
{
  return run->arena_bytes + sizeof (float) * (gsize) run->max_batch * run->logits_width;
}

int
fovea_cnn_run_get_n_outputs (const FoveaCnnRun *run)
{
  return run->n_outputs;
}

const float *
fovea_cnn_run_get_logits (const FoveaCnnRun *run)
{
  return run->logits;
}

const float *
fovea_cnn_run_get_features (const FoveaCnnRun *run)
{
  return run->pooled;
}

const FoveaCnn *
fovea_cnn_run_get_cnn (const FoveaCnnRun *run)
{
  return run->cnn;
}

int
fovea_cnn_run_get_batch (const FoveaCnnRun *run)
{
  return run->batch;
}

const float *
fovea_cnn_run_get_feature_map (const FoveaCnnRun *run, int *height, int *width,
                               int *channels)
{
  if (height != NULL)
    *height = run->feature_h;
  if (width != NULL)
    *width = run->feature_w;
  if (channels != NULL)
    *channels = run->feature_c;
  return run->features;
}

gboolean
fovea_cnn_run_get_block_shape (const FoveaCnnRun *run, int block, int *height, int *width,
                               int *channels)
{
  const FoveaCnn *cnn = run->cnn;
  if (block < 0 || block >= cnn->n_blocks)
    return FALSE;
  const FoveaCnnBlock *b = &cnn->blocks[block];
  int last = b->n_convs - 1;
  const FoveaWindowShape *shape = block == cnn->max_pool_after ? &run->max_pool_shape
    : &run->shapes[(gsize) block * FOVEA_CNN_BLOCK_SHAPES + last];
  *height = shape->out_h;
  *width = shape->out_w;
  *channels = b->convs[last].out_channels;
  return TRUE;
}
