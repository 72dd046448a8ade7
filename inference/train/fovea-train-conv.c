/* fovea-train-conv.c: convolution forward and backward, channels-last.
 *
 * Why channels-last (NHWC): MobileNetV2 and ResNet-50 spend most of their
 * time in 1×1 convolutions, and in NHWC a 1×1 convolution is a GEMM on
 * the activations as they lie (pixels × channels) — no copy, and its
 * weight and input gradients are GEMMs too. A k×k convolution gathers an
 * im2col tile of a few hundred output pixels from contiguous channel
 * runs (columns ordered kh, kw, channel, which is why the working weight
 * is [out][kh][kw][in]) into a per-thread buffer that stays in cache, and
 * the depthwise kernel (fovea-train-depthwise.c) runs along the channels
 * with full-width vectors. In NCHW the 1×1 case needs a transposed GEMM
 * per image and the depthwise loops run along short rows.
 *
 * Work items: the forward and the 1×1 input gradient take tiles of
 * TILE_PIXELS output pixels (flattened over the batch); the input
 * gradient of a k×k convolution takes one input row of one image and
 * gathers every output row that reads it (a GEMM per kernel row, then a
 * scatter along the row), so no two items write the same element. The
 * weight gradient, a sum over every pixel, takes chunks of pixels fixed
 * by the shapes (reduce_plan), each into its own partial buffer, and the
 * partial buffers are added in chunk order afterwards. */
#define G_LOG_DOMAIN "fovea-train-conv"

#include "fovea-train-conv-private.h"

#include "fovea-conv-gemm.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* Output pixels per forward tile: the im2col tile and the output rows it
 * makes stay in L2 for the epilogue. */
#define TILE_PIXELS 256

/* ---- geometry ---- */

gboolean
fovea_train_conv_geom_check (const FoveaTrainConvGeom *g, const char **problem)
{
  const char *p = NULL;

  if (g->batch < 1 || g->in_h < 1 || g->in_w < 1 || g->in_c < 1 || g->out_h < 1 ||
      g->out_w < 1 || g->out_c < 1 || g->kernel_h < 1 || g->kernel_w < 1 ||
      g->stride_h < 1 || g->stride_w < 1 || g->dilation_h < 1 || g->dilation_w < 1 ||
      g->groups < 1)
    p = "a size is not positive";
  else if (g->in_c % g->groups != 0 || g->out_c % g->groups != 0)
    p = "the channels are not divisible by the groups";
  else if (g->pad_top < 0 || g->pad_left < 0 || g->pad_top >= (g->kernel_h - 1) * g->dilation_h + 1 ||
           g->pad_left >= (g->kernel_w - 1) * g->dilation_w + 1)
    p = "the padding is negative or wider than the kernel";
  else if ((gint64) (g->out_h - 1) * g->stride_h - g->pad_top >= g->in_h ||
           (gint64) (g->out_w - 1) * g->stride_w - g->pad_left >= g->in_w)
    p = "the last output reads no input";
  else if ((gint64) g->batch * g->out_h * g->out_w > G_MAXINT ||
           (gint64) g->batch * g->in_h * g->in_w > G_MAXINT)
    p = "the tensors are too large";
  if (problem != NULL)
    *problem = p;
  return p == NULL;
}

gboolean
fovea_train_conv_is_depthwise (const FoveaTrainConvGeom *g)
{
  return g->groups > 1 && g->groups == g->in_c && g->groups == g->out_c;
}

/* A 1×1 convolution that reads every input pixel once, in order: a GEMM
 * on the input as it lies. */
gboolean
fovea_train_conv_is_pointwise (const FoveaTrainConvGeom *g)
{
  return g->kernel_h == 1 && g->kernel_w == 1 && g->stride_h == 1 && g->stride_w == 1 &&
         g->pad_top == 0 && g->pad_left == 0 && g->groups == 1 && g->in_h == g->out_h &&
         g->in_w == g->out_w;
}

static int
group_in (const FoveaTrainConvGeom *g)
{
  return g->in_c / g->groups;
}

static int
group_out (const FoveaTrainConvGeom *g)
{
  return g->out_c / g->groups;
}

/* Columns of one group's im2col row: kh · kw · in / groups. */
static int
group_k (const FoveaTrainConvGeom *g)
{
  return g->kernel_h * g->kernel_w * group_in (g);
}

gsize
fovea_train_conv_weight_size (const FoveaTrainConvGeom *g)
{
  return (gsize) g->out_c * group_k (g);
}

int
fovea_train_conv_pixels (const FoveaTrainConvGeom *g)
{
  return g->batch * g->out_h * g->out_w;
}

/* ---- reductions over pixels ---- */

/* A sum over pixels of an m × n product is cut into n_chunks ranges of
 * chunk pixels (the last shorter), and, when there are few chunks, its m
 * rows into pieces, so that there are enough items for the threads. All
 * of it from the shapes. Chunk 0 writes the result itself; the others
 * write partial buffers of m × n, added in order by reduce_partials. */
void
fovea_train_reduce_plan (int pixels, int m, int n, FoveaTrainReducePlan *plan)
{
  gsize size = (gsize) m * n;
  int by_budget = (int) MAX (1, MIN ((gsize) G_MAXINT, REDUCE_BUDGET / MAX (size, 1)));
  int chunks = CLAMP (pixels / REDUCE_CHUNK_MIN, 1, by_budget);

  plan->chunk = (pixels + chunks - 1) / chunks;
  plan->n_chunks = (pixels + plan->chunk - 1) / plan->chunk;
  plan->piece = m;
  if (plan->n_chunks < REDUCE_MIN_ITEMS && m > REDUCE_PIECE_UNIT)
    {
      int want = (REDUCE_MIN_ITEMS + plan->n_chunks - 1) / plan->n_chunks;
      int piece = (m + want - 1) / want;
      plan->piece = MIN (m, (piece + REDUCE_PIECE_UNIT - 1) / REDUCE_PIECE_UNIT * REDUCE_PIECE_UNIT);
    }
  plan->n_pieces = (m + plan->piece - 1) / plan->piece;
  plan->size = size;
}

gsize
fovea_train_reduce_partials_size (int pixels, int m, int n)
{
  FoveaTrainReducePlan plan;
  fovea_train_reduce_plan (pixels, m, n, &plan);
  return (gsize) (plan.n_chunks - 1) * plan.size;
}

float *
fovea_train_reduce_target (const FoveaTrainReducePlan *plan, float *out, float *partials,
                           int chunk)
{
  return chunk == 0 ? out : partials + (gsize) (chunk - 1) * plan->size;
}

typedef struct {
  float       *out;
  const float *partials;
  int          n_chunks;
  gsize        size;
} ReduceJob;

#define REDUCE_SPAN 4096

VECTOR_CLONES static void
conv_add_into (float *out, const float *in, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    out[i] += in[i];
}

static void
reduce_item (gpointer data, int item, int thread)
{
  const ReduceJob *job = data;
  gsize start = (gsize) item * REDUCE_SPAN;
  int count = (int) MIN ((gsize) REDUCE_SPAN, job->size - start);

  for (int c = 1; c < job->n_chunks; c++)
    conv_add_into (job->out + start, job->partials + (gsize) (c - 1) * job->size + start, count);
}

void
fovea_train_reduce_partials (FoveaPool *pool, const FoveaTrainReducePlan *plan, float *out,
                             const float *partials)
{
  if (plan->n_chunks < 2)
    return;
  ReduceJob job = { out, partials, plan->n_chunks, plan->size };
  fovea_pool_run (pool, (int) ((plan->size + REDUCE_SPAN - 1) / REDUCE_SPAN), reduce_item, &job);
}

/* ---- scratch and packing ---- */

gsize
fovea_train_conv_thread_scratch (const FoveaTrainConvGeom *g, gboolean backward)
{
  if (fovea_train_conv_is_depthwise (g))
    return 0;
  if (fovea_train_conv_is_pointwise (g))
    return backward ? (gsize) TILE_PIXELS * g->in_c : 0;  /* an input-gradient tile to add */
  gsize tile = (gsize) TILE_PIXELS * g->groups * group_k (g);
  gsize row = (gsize) g->out_w * g->kernel_w * group_in (g);
  return backward ? MAX (tile, row) : tile;
}

gsize
fovea_train_conv_partials_size (const FoveaTrainConvGeom *g)
{
  int pixels = fovea_train_conv_pixels (g);
  if (fovea_train_conv_is_depthwise (g))
    return fovea_train_reduce_partials_size (pixels, 1, g->kernel_h * g->kernel_w * g->in_c);
  return fovea_train_reduce_partials_size (pixels, g->out_c, group_k (g));
}

void
fovea_train_conv_packed_sizes (const FoveaTrainConvGeom *g, gsize *forward, gsize *input_grad)
{
  *forward = *input_grad = 0;
  if (!fovea_conv_gemm_supported () || g->groups != 1)
    return;
  *forward = fovea_conv_gemm_packed_size (g->out_c, group_k (g),
                                          fovea_conv_gemm_panel_vectors (g->out_c));
  if (fovea_train_conv_is_pointwise (g))
    *input_grad = fovea_conv_gemm_packed_size (g->in_c, g->out_c,
                                               fovea_conv_gemm_panel_vectors (g->in_c));
}

/* W (rows × cols) transposed and packed as the engine's kernel packs a
 * weight of cols outputs and depth rows: panel p's row k holds W[k][p ·
 * width …], a contiguous run, zeros past cols (fovea_conv_gemm_pack's
 * layout, read without making the transpose). */
static void
pack_transposed (float *packed, const float *w, int rows, int cols, int panel_vectors)
{
  int width = panel_vectors * FOVEA_CONV_GEMM_VECTOR;
  int n_panels = fovea_conv_gemm_n_panels (cols, panel_vectors);

  for (int p = 0; p < n_panels; p++)
    for (int k = 0; k < rows; k++)
      {
        float *dst = packed + ((gsize) p * rows + k) * width;
        int c0 = p * width, n = MIN (width, cols - c0);
        memcpy (dst, w + (gsize) k * cols + c0, sizeof (float) * n);
        memset (dst + n, 0, sizeof (float) * (width - n));
      }
}

void
fovea_train_conv_pack (const FoveaTrainConvGeom *g, FoveaTrainConvWeights *weights,
                       const float *work, float *packed, float *packed_t)
{
  gsize forward, input_grad;
  fovea_train_conv_packed_sizes (g, &forward, &input_grad);
  *weights = (FoveaTrainConvWeights) { .work = work };
  if (forward > 0 && packed != NULL)
    {
      weights->panel_vectors = fovea_conv_gemm_panel_vectors (g->out_c);
      fovea_conv_gemm_pack (packed, work, g->out_c, group_k (g), weights->panel_vectors);
      weights->packed = packed;
    }
  if (input_grad > 0 && packed_t != NULL)
    {
      weights->panel_vectors_t = fovea_conv_gemm_panel_vectors (g->in_c);
      pack_transposed (packed_t, work, g->out_c, g->in_c, weights->panel_vectors_t);
      weights->packed_t = packed_t;
    }
}

/* ---- weight layout ---- */

void
fovea_train_conv_weight_to_work (const FoveaTrainConvGeom *g, float *work, const float *weight,
                                 const float *scale)
{
  int taps = g->kernel_h * g->kernel_w, cin = group_in (g);

  if (fovea_train_conv_is_depthwise (g))
    {
      for (int c = 0; c < g->out_c; c++)
        for (int t = 0; t < taps; t++)
          work[(gsize) t * g->out_c + c] = weight[(gsize) c * taps + t] * (scale ? scale[c] : 1.0f);
      return;
    }
  for (int o = 0; o < g->out_c; o++)
    {
      float s = scale ? scale[o] : 1.0f;
      const float *w = weight + (gsize) o * taps * cin;
      float *to = work + (gsize) o * taps * cin;
      for (int i = 0; i < cin; i++)
        for (int t = 0; t < taps; t++)
          to[(gsize) t * cin + i] = w[(gsize) i * taps + t] * s;
    }
}

void
fovea_train_conv_grad_from_work (const FoveaTrainConvGeom *g, float *grad, const float *dwork,
                                 const float *scale)
{
  int taps = g->kernel_h * g->kernel_w, cin = group_in (g);

  if (fovea_train_conv_is_depthwise (g))
    {
      for (int c = 0; c < g->out_c; c++)
        for (int t = 0; t < taps; t++)
          grad[(gsize) c * taps + t] += dwork[(gsize) t * g->out_c + c] * (scale ? scale[c] : 1.0f);
      return;
    }
  for (int o = 0; o < g->out_c; o++)
    {
      float s = scale ? scale[o] : 1.0f;
      float *to = grad + (gsize) o * taps * cin;
      const float *from = dwork + (gsize) o * taps * cin;
      for (int i = 0; i < cin; i++)
        for (int t = 0; t < taps; t++)
          to[(gsize) i * taps + t] += from[(gsize) t * cin + i] * s;
    }
}

/* ---- im2col ---- */

/* Rows [p0, p0 + n) of the im2col matrix (pixel-major; columns group,
 * kh, kw, channel) into tile. */
static void
im2col_tile (const FoveaTrainConvGeom *g, float *tile, const float *in, int p0, int n)
{
  int cin = group_in (g), k = group_k (g), ld = g->groups * k;
  int plane = g->out_h * g->out_w;

  for (int j = 0; j < n; j++)
    {
      int p = p0 + j, b = p / plane, oh = p % plane / g->out_w, ow = p % g->out_w;
      float *row = tile + (gsize) j * ld;
      const float *image = in + (gsize) b * g->in_h * g->in_w * g->in_c;
      for (int kh = 0; kh < g->kernel_h; kh++)
        {
          int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
          for (int kw = 0; kw < g->kernel_w; kw++)
            {
              int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
              int tap = kh * g->kernel_w + kw;
              gboolean inside = ih >= 0 && ih < g->in_h && iw >= 0 && iw < g->in_w;
              /* Only formed inside: a padding tap's offset would be negative. */
              const float *src = inside ? image + ((gsize) ih * g->in_w + iw) * g->in_c : NULL;
              for (int grp = 0; grp < g->groups; grp++)
                {
                  float *dst = row + (gsize) grp * k + (gsize) tap * cin;
                  if (inside)
                    memcpy (dst, src + (gsize) grp * cin, sizeof (float) * cin);
                  else
                    memset (dst, 0, sizeof (float) * cin);
                }
            }
        }
    }
}

/* ---- forward ---- */

typedef struct {
  const FoveaTrainConvGeom    *g;
  float                       *out;
  const float                 *in, *bias, *residual;
  const FoveaTrainConvWeights *w;
  FoveaAct                     act;
  float                       *scratch;
  gsize                        thread_scratch;
} ForwardJob;

VECTOR_CLONES static void
conv_epilogue_row (float *out, const float *bias, const float *residual, int n, int act)
{
  if (bias != NULL)
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        out[i] += bias[i];
    }
  if (residual != NULL)
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        out[i] += residual[i];
    }
  if (act == FOVEA_ACT_RELU)
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        out[i] = out[i] > 0.0f ? out[i] : 0.0f;
    }
  else if (act == FOVEA_ACT_RELU6)
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        out[i] = out[i] > 0.0f ? (out[i] < 6.0f ? out[i] : 6.0f) : 0.0f;
    }
}

void
fovea_train_epilogue_rows (float *out, const float *bias, const float *residual, int rows,
                           int cols, FoveaAct act)
{
  if (bias == NULL && residual == NULL && act == FOVEA_ACT_NONE)
    return;
  for (int r = 0; r < rows; r++)
    conv_epilogue_row (out + (gsize) r * cols, bias,
                       residual ? residual + (gsize) r * cols : NULL, cols, act);
}

/* C (n × out_c) = act (A · Wᵀ + bias + residual) with the packed kernel,
 * its epilogue fused. */
static void
packed_gemm (const FoveaTrainConvGeom *g, const FoveaTrainConvWeights *w, int n, const float *a,
             int lda, float *c, const float *bias, const float *residual, FoveaAct act)
{
  FoveaConvEpilogue epilogue = { bias, residual, g->out_c, act };
  fovea_conv_gemm_block (n, g->out_c, group_k (g), a, lda, w->packed, w->panel_vectors, 0,
                         fovea_conv_gemm_n_panels (g->out_c, w->panel_vectors), c, g->out_c,
                         &epilogue);
}

static void
forward_item (gpointer data, int item, int thread)
{
  const ForwardJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  const FoveaTrainConvWeights *w = job->w;
  int p0 = item * TILE_PIXELS, n = MIN (TILE_PIXELS, fovea_train_conv_pixels (g) - p0);
  float *out = job->out + (gsize) p0 * g->out_c;
  const float *residual = job->residual ? job->residual + (gsize) p0 * g->out_c : NULL;
  const float *a = job->in + (gsize) p0 * g->in_c;
  int k = group_k (g), lda = g->in_c;

  if (!fovea_train_conv_is_pointwise (g))
    {
      float *tile = job->scratch + (gsize) thread * job->thread_scratch;
      im2col_tile (g, tile, job->in, p0, n);
      a = tile;
      lda = g->groups * k;
    }
  if (w->packed != NULL)
    {
      packed_gemm (g, w, n, a, lda, out, job->bias, residual, job->act);
      return;
    }
  int gout = group_out (g);
  for (int grp = 0; grp < g->groups; grp++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, gout, k, 1.0f,
                 a + (gsize) grp * k, lda, w->work + (gsize) grp * gout * k, k, 0.0f,
                 out + (gsize) grp * gout, g->out_c);
  fovea_train_epilogue_rows (out, job->bias, residual, n, g->out_c, job->act);
}

void
fovea_train_conv_forward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *out,
                          const float *in, const FoveaTrainConvWeights *weights,
                          const float *bias, const float *residual, FoveaAct act,
                          float *scratch)
{
  if (fovea_train_conv_is_depthwise (g))
    {
      fovea_train_depthwise_forward (pool, g, out, in, weights->work, bias, residual, act);
      return;
    }
  ForwardJob job = { g, out, in, bias, residual, weights, act, scratch,
                     fovea_train_conv_thread_scratch (g, FALSE) };
  int pixels = fovea_train_conv_pixels (g);
  fovea_pool_run (pool, (pixels + TILE_PIXELS - 1) / TILE_PIXELS, forward_item, &job);
}

/* ---- backward: the input's gradient ---- */

typedef struct {
  const FoveaTrainConvGeom    *g;
  float                       *din;
  gboolean                     accumulate;
  const float                 *dout;
  const FoveaTrainConvWeights *w;
  float                       *scratch;
  gsize                        thread_scratch;
} InputGradJob;

/* din tile = dout tile · W: the packed kernel on Wᵀ (its residual adds
 * the tile's earlier gradient, computed aside since the kernel keeps
 * partial sums in its output), or OpenBLAS. */
static void
pointwise_input_item (gpointer data, int item, int thread)
{
  const InputGradJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  const FoveaTrainConvWeights *w = job->w;
  int p0 = item * TILE_PIXELS, n = MIN (TILE_PIXELS, fovea_train_conv_pixels (g) - p0);
  const float *dout = job->dout + (gsize) p0 * g->out_c;
  float *din = job->din + (gsize) p0 * g->in_c;

  if (w->packed_t == NULL)
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, g->in_c, g->out_c, 1.0f,
                   dout, g->out_c, w->work, g->in_c, job->accumulate ? 1.0f : 0.0f, din,
                   g->in_c);
      return;
    }
  float *c = job->accumulate ? job->scratch + (gsize) thread * job->thread_scratch : din;
  FoveaConvEpilogue epilogue = { NULL, job->accumulate ? din : NULL, g->in_c, FOVEA_ACT_NONE };
  fovea_conv_gemm_block (n, g->in_c, g->out_c, dout, g->out_c, w->packed_t, w->panel_vectors_t,
                         0, fovea_conv_gemm_n_panels (g->in_c, w->panel_vectors_t), c, g->in_c,
                         &epilogue);
  if (job->accumulate)
    memcpy (din, c, sizeof (float) * (gsize) n * g->in_c);
}

/* Input row ih of image b: for every kernel row kh that reads it from an
 * output row oh, the products dout[oh] · W[:, kh] (one GEMM: out_w ×
 * kw·in), added into the row at each tap's column. */
static void
input_row_item (gpointer data, int item, int thread)
{
  const InputGradJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  int b = item / g->in_h, ih = item % g->in_h;
  int cin = group_in (g), gout = group_out (g), k = group_k (g), n = g->kernel_w * cin;
  float *row = job->din + ((gsize) b * g->in_h + ih) * g->in_w * g->in_c;
  float *tmp = job->scratch + (gsize) thread * job->thread_scratch;

  if (!job->accumulate)
    memset (row, 0, sizeof (float) * (gsize) g->in_w * g->in_c);
  for (int kh = 0; kh < g->kernel_h; kh++)
    {
      int num = ih + g->pad_top - kh * g->dilation_h;
      if (num < 0 || num % g->stride_h != 0 || num / g->stride_h >= g->out_h)
        continue;
      int oh = num / g->stride_h;
      const float *dy = job->dout + ((gsize) b * g->out_h + oh) * g->out_w * g->out_c;
      for (int grp = 0; grp < g->groups; grp++)
        {
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, g->out_w, n, gout, 1.0f,
                       dy + (gsize) grp * gout, g->out_c,
                       job->w->work + (gsize) grp * gout * k + (gsize) kh * n, k, 0.0f, tmp, n);
          for (int ow = 0; ow < g->out_w; ow++)
            for (int kw = 0; kw < g->kernel_w; kw++)
              {
                int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
                if (iw < 0 || iw >= g->in_w)
                  continue;
                conv_add_into (row + (gsize) iw * g->in_c + (gsize) grp * cin,
                               tmp + (gsize) ow * n + (gsize) kw * cin, cin);
              }
        }
    }
}

/* ---- backward: the weight's gradient ---- */

typedef struct {
  const FoveaTrainConvGeom  *g;
  const FoveaTrainReducePlan *plan;
  float                     *dwork, *partials;
  const float               *dout, *in;
  float                     *scratch;
  gsize                      thread_scratch;
} WeightGradJob;

/* One chunk of pixels, rows [o0, o0 + m) of dwork (of every group). */
static void
weight_grad_item (gpointer data, int item, int thread)
{
  const WeightGradJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  const FoveaTrainReducePlan *plan = job->plan;
  int chunk = item / plan->n_pieces, piece = item % plan->n_pieces;
  int p0 = chunk * plan->chunk, n = MIN (plan->chunk, fovea_train_conv_pixels (g) - p0);
  int o0 = piece * plan->piece, m = MIN (plan->piece, g->out_c - o0);
  int k = group_k (g);
  float *target = fovea_train_reduce_target (plan, job->dwork, job->partials, chunk) +
                  (gsize) o0 * k;

  if (fovea_train_conv_is_pointwise (g))
    {
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, m, k, n, 1.0f,
                   job->dout + (gsize) p0 * g->out_c + o0, g->out_c,
                   job->in + (gsize) p0 * g->in_c, g->in_c, 0.0f, target, k);
      return;
    }
  /* Tiles of the chunk, im2col'ed in turn; each output channel reads only
   * its group's columns. */
  float *tile = job->scratch + (gsize) thread * job->thread_scratch;
  int ld = g->groups * k, gout = group_out (g);
  for (int t0 = 0; t0 < n; t0 += TILE_PIXELS)
    {
      int tn = MIN (TILE_PIXELS, n - t0);
      im2col_tile (g, tile, job->in, p0 + t0, tn);
      for (int o = o0; o < o0 + m;)
        {
          int grp = o / gout, end = MIN (o0 + m, (grp + 1) * gout);
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, end - o, k, tn, 1.0f,
                       job->dout + (gsize) (p0 + t0) * g->out_c + o, g->out_c,
                       tile + (gsize) grp * k, ld, t0 == 0 ? 0.0f : 1.0f,
                       target + (gsize) (o - o0) * k, k);
          o = end;
        }
    }
}

void
fovea_train_conv_backward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *din,
                           gboolean accumulate, float *dwork, float *dbias, const float *dout,
                           const float *in, const FoveaTrainConvWeights *weights,
                           float *scratch, float *partials)
{
  int pixels = fovea_train_conv_pixels (g);

  if (dbias != NULL)
    fovea_train_column_sum (pool, dbias, dout, pixels, g->out_c, g->out_c);
  if (fovea_train_conv_is_depthwise (g))
    {
      fovea_train_depthwise_backward (pool, g, din, accumulate, dwork, dout, in,
                                      weights->work, partials);
      return;
    }
  gsize thread_scratch = fovea_train_conv_thread_scratch (g, TRUE);
  if (din != NULL)
    {
      InputGradJob job = { g, din, accumulate, dout, weights, scratch, thread_scratch };
      if (fovea_train_conv_is_pointwise (g))
        fovea_pool_run (pool, (pixels + TILE_PIXELS - 1) / TILE_PIXELS, pointwise_input_item,
                        &job);
      else
        fovea_pool_run (pool, g->batch * g->in_h, input_row_item, &job);
    }
  if (dwork != NULL)
    {
      FoveaTrainReducePlan plan;
      fovea_train_reduce_plan (pixels, g->out_c, group_k (g), &plan);
      WeightGradJob job = { g, &plan, dwork, partials, dout, in, scratch, thread_scratch };
      fovea_pool_run (pool, plan.n_chunks * plan.n_pieces, weight_grad_item, &job);
      fovea_train_reduce_partials (pool, &plan, dwork, partials);
    }
}

/* ---- LoRA ---- */

/* Both LoRA gradients in one pass: the reduction's result is db
 * (out_c × rank) then da (rank × in_c), side by side. */
static void
lora_plan (const FoveaTrainConvGeom *g, int rank, FoveaTrainReducePlan *plan)
{
  fovea_train_reduce_plan (fovea_train_conv_pixels (g), 1, rank * (g->out_c + g->in_c), plan);
}

gsize
fovea_train_conv_lora_thread_scratch (const FoveaTrainConvGeom *g, int rank)
{
  FoveaTrainReducePlan plan;
  lora_plan (g, rank, &plan);
  return (gsize) plan.chunk * 2 * rank;
}

gsize
fovea_train_conv_lora_partials_size (const FoveaTrainConvGeom *g, int rank)
{
  FoveaTrainReducePlan plan;
  lora_plan (g, rank, &plan);
  return (gsize) (plan.n_chunks - 1) * plan.size;
}

typedef struct {
  const FoveaTrainConvGeom   *g;
  const FoveaTrainConvLora   *lora;
  const FoveaTrainReducePlan *plan;
  float                      *result, *partials, *scratch;
  const float                *dout, *in;
  gsize                       thread_scratch;
} LoraJob;

/* One chunk of pixels: u = in · aᵀ and du = dout · b (both chunk ×
 * rank), then db += doutᵀ · u and da += duᵀ · in. */
static void
lora_chunk_item (gpointer data, int chunk, int thread)
{
  const LoraJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  const FoveaTrainReducePlan *plan = job->plan;
  int r = job->lora->rank, p0 = chunk * plan->chunk;
  int n = MIN (plan->chunk, fovea_train_conv_pixels (g) - p0);
  const float *dout = job->dout + (gsize) p0 * g->out_c, *in = job->in + (gsize) p0 * g->in_c;
  float *u = job->scratch + (gsize) thread * job->thread_scratch, *du = u + (gsize) n * r;
  float *db = fovea_train_reduce_target (plan, job->result, job->partials, chunk);
  float *da = db + (gsize) g->out_c * r;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, r, g->in_c, 1.0f, in, g->in_c,
               job->lora->a, g->in_c, 0.0f, u, r);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, r, g->out_c, 1.0f, dout, g->out_c,
               job->lora->b, r, 0.0f, du, r);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, g->out_c, r, n, 1.0f, dout, g->out_c,
               u, r, 0.0f, db, r);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, r, g->in_c, n, 1.0f, du, r, in,
               g->in_c, 0.0f, da, g->in_c);
}

void
fovea_train_conv_lora_backward (FoveaPool *pool, const FoveaTrainConvGeom *g,
                                const FoveaTrainConvLora *lora, float *da, float *db,
                                const float *dout, const float *in, float *scratch,
                                float *partials)
{
  g_return_if_fail (fovea_train_conv_is_pointwise (g));
  int r = lora->rank;
  FoveaTrainReducePlan plan;
  lora_plan (g, r, &plan);
  g_autofree float *result = NULL;
  /* chunk 0 writes the result: db and da must lie side by side */
  float *both = db != NULL && da == db + (gsize) g->out_c * r ? db
                : (result = g_new (float, plan.size));
  LoraJob job = { g, lora, &plan, both, partials, scratch, dout, in,
                  fovea_train_conv_lora_thread_scratch (g, r) };
  fovea_pool_run (pool, plan.n_chunks, lora_chunk_item, &job);
  fovea_train_reduce_partials (pool, &plan, both, partials);
  if (result != NULL)
    {
      if (db != NULL)
        memcpy (db, result, sizeof (float) * (gsize) g->out_c * r);
      if (da != NULL)
        memcpy (da, result + (gsize) g->out_c * r, sizeof (float) * (gsize) r * g->in_c);
    }
}
