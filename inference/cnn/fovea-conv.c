/* fovea-conv.c: the convolution driver (see fovea-conv.h): geometry,
 * im2col, and the GEMM's work split over the pool's threads.
 *
 * Work items are blocks of ROW_BLOCK output pixels (GEMM rows) by groups
 * of panels (GEMM columns). Large layers (early in a network) split by
 * rows only, and each item gathers its own im2col rows into its thread's
 * scratch, where they stay in cache for the GEMM. Small layers (late in
 * the network, few pixels, many channels) would leave threads idle, so
 * they also split the columns; their im2col rows are gathered once, into
 * shared scratch, before the GEMM, rather than once per column group. */
#define G_LOG_DOMAIN "fovea-conv"

#include "fovea-conv.h"

#include <cblas.h>
#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))

/* GEMM rows per work item: a multiple of the micro-kernel's tiles (6, 8). */
#define ROW_BLOCK 96
/* Work items per thread wanted when columns are split too. */
#define ITEMS_PER_THREAD 4
/* Columns per unit of the OpenBLAS path's split. */
#define COLUMN_UNIT 64

void
fovea_window_shape (const FoveaWindow *w, int in_h, int in_w, FoveaWindowShape *shape)
{
  int span_h = w->dilation_h * (w->kernel_h - 1) + 1;
  int span_w = w->dilation_w * (w->kernel_w - 1) + 1;

  shape->in_h = in_h;
  shape->in_w = in_w;
  if (w->same)
    {
      /* TensorFlow: ceil(in / stride) outputs, the padding that needs,
       * the odd pixel after. */
      shape->out_h = (in_h + w->stride_h - 1) / w->stride_h;
      shape->out_w = (in_w + w->stride_w - 1) / w->stride_w;
      shape->pad_top = MAX ((shape->out_h - 1) * w->stride_h + span_h - in_h, 0) / 2;
      shape->pad_left = MAX ((shape->out_w - 1) * w->stride_w + span_w - in_w, 0) / 2;
      return;
    }
  int room_h = in_h + 2 * w->pad_h - span_h, room_w = in_w + 2 * w->pad_w - span_w;
  shape->out_h = room_h < 0 ? 0 : room_h / w->stride_h + 1;
  shape->out_w = room_w < 0 ? 0 : room_w / w->stride_w + 1;
  shape->pad_top = w->pad_h;
  shape->pad_left = w->pad_w;
}

int
fovea_conv_depth (const FoveaConv *conv)
{
  return conv->window.kernel_h * conv->window.kernel_w * (conv->in_channels / conv->groups);
}

gsize
fovea_conv_weight_size (const FoveaConv *conv)
{
  if (conv->panel_vectors == 0)
    return (gsize) conv->out_channels * fovea_conv_depth (conv);
  return (gsize) conv->groups *
         fovea_conv_gemm_packed_size (conv->out_channels / conv->groups,
                                      fovea_conv_depth (conv), conv->panel_vectors);
}

gsize
fovea_conv_weight_row (const FoveaConv *conv, int o, gsize *stride)
{
  gsize depth = (gsize) fovea_conv_depth (conv);

  if (conv->depthwise)
    {
      *stride = (gsize) conv->out_channels;
      return (gsize) o;
    }
  if (conv->panel_vectors == 0)
    {
      *stride = 1;
      return (gsize) o * depth;
    }
  int out_group = conv->out_channels / conv->groups, g = o / out_group, n = o % out_group;
  gsize width = (gsize) conv->panel_vectors * FOVEA_CONV_GEMM_VECTOR;
  *stride = width;
  return g * fovea_conv_gemm_packed_size (out_group, (int) depth, conv->panel_vectors) +
         (gsize) (n / width) * depth * width + (gsize) n % width;
}

void
fovea_conv_layout_weight (const FoveaConv *conv, const float *torch_weight, float *weight)
{
  int taps = conv->window.kernel_h * conv->window.kernel_w;
  int in_group = conv->in_channels / conv->groups;

  /* The panels' columns past the outputs stay zero. */
  memset (weight, 0, sizeof (float) * fovea_conv_weight_size (conv));
  for (int o = 0; o < conv->out_channels; o++)
    {
      gsize stride, base = fovea_conv_weight_row (conv, o, &stride);
      for (int ci = 0; ci < in_group; ci++)
        for (int t = 0; t < taps; t++)
          weight[base + ((gsize) t * in_group + ci) * stride] =
            torch_weight[((gsize) o * in_group + ci) * taps + t];
    }
}

/* How one convolution's GEMMs are split. */
typedef struct {
  const FoveaConv        *conv;
  const FoveaWindowShape *shape;
  int                     batch;
  const float            *in;
  float                  *out;
  const float            *residual;
  FoveaAct                act;
  float                  *scratch;
  int                     group;
  int                     rows, depth, out_group;  /* M, K, N of this group's GEMM */
  gboolean                in_place;    /* A is the input itself (1×1, stride 1) */
  gboolean                shared;      /* A was gathered into scratch beforehand */
  int                     n_row_blocks, n_column_groups, n_units;
} ConvJob;

static gboolean
is_in_place (const FoveaConv *conv, const FoveaWindowShape *shape)
{
  const FoveaWindow *w = &conv->window;
  return w->kernel_h == 1 && w->kernel_w == 1 && w->stride_h == 1 && w->stride_w == 1 &&
         shape->pad_top == 0 && shape->pad_left == 0 &&
         shape->out_h == shape->in_h && shape->out_w == shape->in_w;
}

/* Units the columns split into: panels, or COLUMN_UNIT on OpenBLAS. */
static int
count_units (const FoveaConv *conv, int out_group)
{
  if (conv->packed != NULL)
    return fovea_conv_gemm_n_panels (out_group, conv->panel_vectors);
  return (out_group + COLUMN_UNIT - 1) / COLUMN_UNIT;
}

static void
plan_job (ConvJob *job, int n_threads)
{
  const FoveaConv *conv = job->conv;

  job->rows = job->batch * job->shape->out_h * job->shape->out_w;
  job->depth = fovea_conv_depth (conv);
  job->out_group = conv->out_channels / conv->groups;
  job->in_place = is_in_place (conv, job->shape);
  job->n_row_blocks = (job->rows + ROW_BLOCK - 1) / ROW_BLOCK;
  job->n_units = count_units (conv, job->out_group);
  job->n_column_groups = 1;
  if (job->n_row_blocks < 2 * n_threads)
    {
      int wanted = (ITEMS_PER_THREAD * n_threads + job->n_row_blocks - 1) / job->n_row_blocks;
      job->n_column_groups = MIN (job->n_units, wanted);
    }
  job->shared = !job->in_place && job->n_column_groups > 1;
}

/* The most any batch up to `batch` needs: a smaller batch may gather its
 * rows into shared scratch where a larger one would not. */
gsize
fovea_conv_scratch_size (const FoveaConv *conv, const FoveaWindowShape *shape, int batch,
                         int n_threads)
{
  gsize most = 0;

  if (conv->depthwise)
    return 0;
  for (int b = 1; b <= batch; b++)
    {
      ConvJob job = { .conv = conv, .shape = shape, .batch = b };
      plan_job (&job, n_threads);
      if (job.shared)
        most = MAX (most, (gsize) job.rows * job.depth);
      else if (!job.in_place)
        most = MAX (most, (gsize) n_threads * ROW_BLOCK * job.depth);
    }
  return most;
}

/* The im2col rows [r0, r1) of the job's group into dst (row stride depth):
 * each row the (ky, kx, channel) window of one output pixel, zeros where
 * it hangs over the edge. Where a kernel row lies wholly inside the image
 * and the taps are adjacent, its taps are one contiguous run. */
static void
gather_rows (const ConvJob *job, int r0, int r1, float *dst)
{
  const FoveaConv *conv = job->conv;
  const FoveaWindow *w = &conv->window;
  const FoveaWindowShape *s = job->shape;
  int in_c = conv->in_channels, group_c = in_c / conv->groups;
  gsize run = sizeof (float) * (gsize) group_c;
  gboolean adjacent = w->dilation_w == 1 && conv->groups == 1;

  for (int r = r0; r < r1; r++, dst += job->depth)
    {
      int pixel = r % (s->out_h * s->out_w), b = r / (s->out_h * s->out_w);
      int oy = pixel / s->out_w, ox = pixel % s->out_w;
      int x0 = ox * w->stride_w - s->pad_left;
      gboolean row_inside = x0 >= 0 && x0 + (w->kernel_w - 1) * w->dilation_w < s->in_w;
      float *d = dst;

      for (int ky = 0; ky < w->kernel_h; ky++)
        {
          int iy = oy * w->stride_h - s->pad_top + ky * w->dilation_h;
          if (iy < 0 || iy >= s->in_h)
            {
              memset (d, 0, run * w->kernel_w);
              d += (gsize) w->kernel_w * group_c;
              continue;
            }
          const float *line = job->in + ((gsize) b * s->in_h + iy) * s->in_w * in_c +
                              (gsize) job->group * group_c;
          if (row_inside && adjacent)
            memcpy (d, line + (gsize) x0 * in_c, run * w->kernel_w);
          else
            for (int kx = 0; kx < w->kernel_w; kx++)
              {
                int ix = x0 + kx * w->dilation_w;
                if (ix < 0 || ix >= s->in_w)
                  memset (d + (gsize) kx * group_c, 0, run);
                else
                  memcpy (d + (gsize) kx * group_c, line + (gsize) ix * in_c, run);
              }
          d += (gsize) w->kernel_w * group_c;
        }
    }
}

static void
gather_item (gpointer data, int item, int thread)
{
  const ConvJob *job = data;
  int r0 = item * ROW_BLOCK, r1 = MIN (job->rows, r0 + ROW_BLOCK);
  gather_rows (job, r0, r1, job->scratch + (gsize) r0 * job->depth);
}

/* The OpenBLAS path's epilogue, on C's rows after the GEMM. */
VECTOR_CLONES static void
epilogue_rows (float *c, int ldc, int rows, int cols, const FoveaConvEpilogue *e)
{
  for (int r = 0; r < rows; r++)
    {
      float *row = c + (gsize) r * ldc;
      const float *res = e->residual != NULL ? e->residual + (gsize) r * e->ldr : NULL;
#pragma omp simd
      for (int j = 0; j < cols; j++)
        {
          float v = row[j] + (e->bias != NULL ? e->bias[j] : 0.0f) + (res != NULL ? res[j] : 0.0f);
          if (e->act != FOVEA_ACT_NONE)
            v = v > 0.0f ? v : 0.0f;
          if (e->act == FOVEA_ACT_RELU6)
            v = v < 6.0f ? v : 6.0f;
          row[j] = v;
        }
    }
}

static void
gemm_item (gpointer data, int item, int thread)
{
  const ConvJob *job = data;
  const FoveaConv *conv = job->conv;
  int rb = item / job->n_column_groups, cg = item % job->n_column_groups;
  int r0 = rb * ROW_BLOCK, rows = MIN (job->rows - r0, ROW_BLOCK);
  int u0 = job->n_units * cg / job->n_column_groups;
  int u1 = job->n_units * (cg + 1) / job->n_column_groups;
  int out_c = conv->out_channels, col0 = job->group * job->out_group;
  const float *a;
  int lda;

  if (job->in_place)
    {
      a = job->in + (gsize) r0 * conv->in_channels + (gsize) job->group * job->depth;
      lda = conv->in_channels;
    }
  else if (job->shared)
    {
      a = job->scratch + (gsize) r0 * job->depth;
      lda = job->depth;
    }
  else
    {
      float *rows_scratch = job->scratch + (gsize) thread * ROW_BLOCK * job->depth;
      gather_rows (job, r0, r0 + rows, rows_scratch);
      a = rows_scratch;
      lda = job->depth;
    }

  float *c = job->out + (gsize) r0 * out_c + col0;
  FoveaConvEpilogue epilogue = {
    .bias = conv->bias + col0, .ldr = out_c, .act = job->act,
    .residual = job->residual != NULL ? job->residual + (gsize) r0 * out_c + col0 : NULL,
  };

  if (conv->packed != NULL)
    {
      gsize group_size = fovea_conv_weight_size (conv) / conv->groups;
      fovea_conv_gemm_block (rows, job->out_group, job->depth, a, lda,
                             conv->packed + job->group * group_size, conv->panel_vectors,
                             u0, u1, c, out_c, &epilogue);
      return;
    }

  int n0 = u0 * COLUMN_UNIT, n1 = MIN (job->out_group, u1 * COLUMN_UNIT);
  if (n1 <= n0)
    return;
  const float *weight = conv->weight + ((gsize) col0 + n0) * job->depth;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, n1 - n0, job->depth,
               1.0f, a, lda, weight, job->depth, 0.0f, c + n0, out_c);
  epilogue.bias += n0;
  if (epilogue.residual != NULL)
    epilogue.residual += n0;
  epilogue_rows (c + n0, out_c, rows, n1 - n0, &epilogue);
}

void
fovea_conv_forward (FoveaPool *pool, const FoveaConv *conv, const FoveaWindowShape *shape,
                    int batch, const float *in, float *out, const float *residual,
                    FoveaAct act, float *scratch)
{
  if (conv->depthwise)
    {
      fovea_conv_depthwise_forward (pool, conv, shape, batch, in, out, residual, act);
      return;
    }

  for (int g = 0; g < conv->groups; g++)
    {
      ConvJob job = { .conv = conv, .shape = shape, .batch = batch, .in = in, .out = out,
                      .residual = residual, .act = act, .scratch = scratch, .group = g };
      plan_job (&job, fovea_pool_get_n_threads (pool));
      if (job.shared)
        fovea_pool_run (pool, job.n_row_blocks, gather_item, &job);
      fovea_pool_run (pool, job.n_row_blocks * job.n_column_groups, gemm_item, &job);
    }
}
