/* fovea-kernels.c: the layers of the forward pass.
 *
 * The per-row work lives in small functions compiled, on x86-64, for
 * AVX-512, AVX2 and the baseline (target_clones picks one at load time;
 * fovea-simd.h), so the loops the compiler vectorises (the omp simd
 * hints, with -fopenmp-simd) use the widest registers the CPU has; the
 * pool spreads rows over the threads.
 *
 * OpenBLAS runs single-threaded (fovea_vit_forward sets it) and the GEMMs
 * are split over the pool's threads here. With OpenBLAS's own threads the
 * two pools would fight over the cores: its idle workers keep spinning
 * for a long while after each GEMM, and on two cores that measured 9 %
 * slower than one pool for everything. */
#define G_LOG_DOMAIN "fovea-kernels"

#include "fovea-kernels.h"
#include "fovea-math-approx.h"
#include "fovea-simd.h"

#include "fovea-gemm.h"
#include "fovea-gemm-bf16.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The omp simd hints are for speed only: sanitizer builds instrument the
 * loops beyond what clang can vectorise, which is no reason to warn. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

#define LAYERNORM_EPS 1e-6f
/* Rows per work item of the row passes: claiming an item costs an atomic
 * operation on a shared cache line, so rows go a few at a time. */
#define ROWS_PER_ITEM 4
/* A GEMM is split over the threads by columns of C, in multiples of this
 * (a multiple of OpenBLAS's kernel widths). */
#define GEMM_COLUMN_UNIT 64
/* Elements per GELU work item: large enough to amortise the scheduling,
 * small enough to balance two to sixteen threads. */
#define GELU_CHUNK 8192


FOVEA_VECTOR_CLONES static void
gelu_chunk (float *x, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    x[i] = 0.5f * x[i] * (1.0f + erf_approx (x[i] * (float) M_SQRT1_2));
}

typedef struct {
  float *x;
  gsize  n;
} GeluJob;

static void
gelu_item (gpointer data, int item, int thread)
{
  const GeluJob *job = data;
  gsize start = (gsize) item * GELU_CHUNK;
  gelu_chunk (job->x + start, (int) MIN ((gsize) GELU_CHUNK, job->n - start));
}

void
fovea_gelu_forward (FoveaPool *pool, float *x, gsize n)
{
  GeluJob job = { x, n };
  fovea_pool_run (pool, (int) ((n + GELU_CHUNK - 1) / GELU_CHUNK), gelu_item, &job);
}

FOVEA_VECTOR_CLONES static void
layernorm_row (float *out, const float *in, const FoveaNorm *norm, int dim)
{
  float sum = 0.0f;
#pragma omp simd reduction(+:sum)
  for (int i = 0; i < dim; i++)
    sum += in[i];
  float mean = sum / (float) dim;

  /* Two passes, not E[x²] − mean², which cancels badly when the mean is
   * large against the spread (as in the residual stream). */
  float sq = 0.0f;
#pragma omp simd reduction(+:sq)
  for (int i = 0; i < dim; i++)
    sq += (in[i] - mean) * (in[i] - mean);
  float rstd = 1.0f / sqrtf (sq / (float) dim + LAYERNORM_EPS);

  const float *weight = norm->weight, *bias = norm->bias;
#pragma omp simd
  for (int i = 0; i < dim; i++)
    out[i] = (in[i] - mean) * rstd * weight[i] + bias[i];
}

FOVEA_VECTOR_CLONES static void
add_row (float *out, const float *a, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] += a[i];
}

void
fovea_add_forward (float *out, const float *a, gsize n)
{
  add_row (out, a, n);
}

/* Sets a row of a GEMM's output to its bias (zeros without one). */
static void
fill_row (const FoveaBiasFill *fill, int row)
{
  float *out = fill->out + (gsize) row * fill->stride;
  gsize size = sizeof (float) * (gsize) fill->linear->out_dim;

  if (fill->linear->bias != NULL)
    memcpy (out, fill->linear->bias, size);
  else
    memset (out, 0, size);
}

typedef struct {
  float               *out;
  float               *x;
  int                  rows;
  int                  dim;
  const float         *pending_bias;
  const FoveaNorm     *norm;
  const FoveaBiasFill *fill;
} RowPassJob;

static void
row_pass_item (gpointer data, int item, int thread)
{
  const RowPassJob *job = data;
  int end = MIN (job->rows, (item + 1) * ROWS_PER_ITEM);

  for (int r = item * ROWS_PER_ITEM; r < end; r++)
    {
      gsize at = (gsize) r * job->dim;
      if (job->pending_bias != NULL)
        add_row (job->x + at, job->pending_bias, (gsize) job->dim);
      if (job->norm != NULL)
        layernorm_row (job->out + at, job->x + at, job->norm, job->dim);
      if (job->fill != NULL)
        fill_row (job->fill, r);
    }
}

static void
run_row_pass (FoveaPool *pool, RowPassJob *job)
{
  fovea_pool_run (pool, (job->rows + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM, row_pass_item, job);
}

void
fovea_layernorm_forward (FoveaPool *pool, float *out, float *x, int rows, int dim,
                         const float *pending_bias, const FoveaNorm *norm,
                         const FoveaBiasFill *fill)
{
  RowPassJob job = { out, x, rows, dim, pending_bias, norm, fill };
  run_row_pass (pool, &job);
}

typedef struct {
  int          rows, cols, depth;
  float        alpha;
  const float *a;
  int          lda;
  const float *b;
  int          ldb;
  float       *c;
  int          ldc;
  int          n_parts;
} GemmJob;

/* Columns [n0, n1) of C: each thread streams its own share of B. */
static void
gemm_item (gpointer data, int item, int thread)
{
  const GemmJob *job = data;
  int units = (job->cols + GEMM_COLUMN_UNIT - 1) / GEMM_COLUMN_UNIT;
  int n0 = units * item / job->n_parts * GEMM_COLUMN_UNIT;
  int n1 = MIN (job->cols, units * (item + 1) / job->n_parts * GEMM_COLUMN_UNIT);

  if (n1 > n0)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
                 job->rows, n1 - n0, job->depth,
                 job->alpha, job->a, job->lda, job->b + (gsize) n0 * job->ldb, job->ldb,
                 1.0f, job->c + n0, job->ldc);
}

void
fovea_gemm_accumulate (FoveaPool *pool, int rows, int cols, int depth, float alpha,
                       const float *a, int lda, const float *b, int ldb,
                       float *c, int ldc)
{
  int units = (cols + GEMM_COLUMN_UNIT - 1) / GEMM_COLUMN_UNIT;
  GemmJob job = { rows, cols, depth, alpha, a, lda, b, ldb, c, ldc,
                  MIN (fovea_pool_get_n_threads (pool), units) };

  fovea_pool_run (pool, job.n_parts, gemm_item, &job);
}

void
fovea_matmul_accumulate (FoveaPool *pool, float *out, int out_stride, const float *in,
                         const FoveaLinear *linear, int rows)
{
  if (linear->packed_bf16 != NULL)
    fovea_gemm_bf16_accumulate (pool, rows, linear->out_dim, linear->in_dim,
                                in, linear->in_dim, linear->packed_bf16, out, out_stride);
  else if (linear->packed != NULL)
    fovea_gemm_packed_accumulate (pool, rows, linear->out_dim, linear->in_dim,
                                  in, linear->in_dim, linear->packed, out, out_stride);
  else
    fovea_gemm_accumulate (pool, rows, linear->out_dim, linear->in_dim, 1.0f,
                           in, linear->in_dim, linear->weight, linear->in_dim,
                           out, out_stride);
}

void
fovea_linear_forward (FoveaPool *pool, float *out, int out_stride, const float *in,
                      const FoveaLinear *linear, int rows)
{
  /* The bias goes in first and the GEMM adds onto it (beta = 1): with
   * beta = 0 OpenBLAS would make a pass over C to clear it anyway. */
  FoveaBiasFill fill = { out, out_stride, linear };
  RowPassJob job = { .rows = rows, .fill = &fill };

  run_row_pass (pool, &job);
  fovea_matmul_accumulate (pool, out, out_stride, in, linear, rows);
}

FOVEA_VECTOR_CLONES static void
softmax_row_approx (float *x, int n)
{
  float max = x[0];
#pragma omp simd reduction(max:max)
  for (int i = 0; i < n; i++)
    max = x[i] > max ? x[i] : max;

  float sum = 0.0f;
#pragma omp simd reduction(+:sum)
  for (int i = 0; i < n; i++)
    {
      x[i] = exp_approx (x[i] - max);
      sum += x[i];
    }

  float inv = 1.0f / sum;
#pragma omp simd
  for (int i = 0; i < n; i++)
    x[i] *= inv;
}

/* Exported without target_clones: clang 14 emits no symbol for a cloned
 * external function; the call dispatches through the static one. */
void
fovea_softmax_row_approx (float *x, int n)
{
  softmax_row_approx (x, n);
}

typedef struct {
  float       *out;
  float       *att;
  float       *scratch;
  const float *qkv;
  int          tokens;
  int          heads;
  int          head_dim;
} AttentionJob;

/* One head of one image: scores = q·kᵀ/√d, softmax per row, out = P·v,
 * reading q, k and v in place in the fused qkv rows (stride 3·dim). */
static void
attention_item (gpointer data, int item, int thread)
{
  const AttentionJob *job = data;
  int b = item / job->heads, h = item % job->heads;
  int tokens = job->tokens, dim = job->heads * job->head_dim, qkv_stride = 3 * dim;
  gsize map_size = (gsize) tokens * tokens, row0 = (gsize) b * tokens;
  const float *q = job->qkv + row0 * qkv_stride + (gsize) h * job->head_dim;
  float *scores = job->att != NULL ? job->att + (gsize) item * map_size
                                   : job->scratch + (gsize) thread * map_size;
  float scale = 1.0f / sqrtf ((float) job->head_dim);

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans,
               tokens, tokens, job->head_dim,
               scale, q, qkv_stride, q + dim, qkv_stride,
               0.0f, scores, tokens);
  for (int t = 0; t < tokens; t++)
    softmax_row_approx (scores + (gsize) t * tokens, tokens);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans,
               tokens, job->head_dim, tokens,
               1.0f, scores, tokens, q + 2 * dim, qkv_stride,
               0.0f, job->out + row0 * dim + (gsize) h * job->head_dim, dim);
}

void
fovea_attention_forward (FoveaPool *pool, float *out, float *att, float *scratch,
                         const float *qkv, int batch, int tokens, int heads,
                         int head_dim)
{
  AttentionJob job = { out, att, scratch, qkv, tokens, heads, head_dim };

  /* The heads are the parallel work here: each head's small GEMMs run
   * whole on the thread that has it. */
  fovea_pool_run (pool, batch * heads, attention_item, &job);
}

void
fovea_mean_tokens (float *out, const float *x, int batch, int tokens,
                   int first, int count, int dim)
{
  for (int b = 0; b < batch; b++)
    {
      float *o = out + (gsize) b * dim;
      memset (o, 0, sizeof (float) * (gsize) dim);
      for (int t = first; t < first + count; t++)
        add_row (o, x + ((gsize) b * tokens + t) * dim, (gsize) dim);
      for (int i = 0; i < dim; i++)
        o[i] /= (float) count;
    }
}

/* One row of patches of one image. Item: image · grid_h + patch row. */
typedef struct {
  float       *patches;
  const float *pixels;
  int          channels, height, width, patch;
} Im2colJob;

static void
im2col_item (gpointer data, int item, int thread)
{
  const Im2colJob *job = data;
  int p = job->patch, grid_h = job->height / p, grid_w = job->width / p;
  int b = item / grid_h, gy = item % grid_h;
  float *dst = job->patches + (gsize) item * grid_w * job->channels * p * p;

  for (int gx = 0; gx < grid_w; gx++)
    for (int ch = 0; ch < job->channels; ch++)
      for (int ky = 0; ky < p; ky++)
        {
          gsize y = (gsize) gy * p + ky;
          const float *src = job->pixels +
            (((gsize) b * job->channels + ch) * job->height + y) * job->width + (gsize) gx * p;
          memcpy (dst, src, sizeof (float) * (gsize) p);
          dst += p;
        }
}

void
fovea_im2col (FoveaPool *pool, float *patches, const float *pixels, int batch,
              int channels, int height, int width, int patch)
{
  Im2colJob job = { patches, pixels, channels, height, width, patch };
  fovea_pool_run (pool, batch * (height / patch), im2col_item, &job);
}
