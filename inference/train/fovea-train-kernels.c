/* fovea-train-kernels.c: forward/backward pairs of the ViT's layers.
 *
 * Unlike the inference kernels (fovea-kernels.c), nothing is fused or
 * deferred: each forward writes plain outputs and keeps what its
 * backward reads. Row-wise loops are written for the vectoriser (omp simd
 * hints, no calls but inlined ones), compiled on x86-64 for AVX-512, AVX2
 * and the baseline (fovea-simd.h); GEMMs are single-threaded OpenBLAS
 * calls on pieces of C.
 *
 * Determinism: every job is cut into items that depend on the shapes
 * alone, and each output element belongs to one item and is summed in a
 * fixed order, so the pool's size never changes a bit of the result
 * (resuming a training run from a checkpoint relies on it). */
#define G_LOG_DOMAIN "fovea-train-kernels"

#include "fovea-train-kernels.h"
#include "fovea-kernels.h"
#include "fovea-math-approx.h"
#include "fovea-simd.h"

#include "fovea-gemm.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* With clang, target_clones (FOVEA_VECTOR_CLONES) makes a global resolver
 * symbol per function name, so these names must not repeat
 * fovea-kernels.c's (train_ prefix). */

#define LAYERNORM_EPS 1e-6f
/* Rows per item of the row-wise kernels. */
#define ROWS_PER_ITEM 16
/* Columns per item of the column reductions (bias and norm gradients). */
#define COLUMNS_PER_ITEM 64
/* Elements per GELU item. */
#define GELU_CHUNK 8192
/* A GEMM is cut into at most this many pieces along the longer side of
 * C, none shorter than GEMM_PIECE_MIN (each piece re-packs the other
 * operand, so pieces must not be thin); below GEMM_SMALL multiply-adds
 * it runs whole. Fixed numbers, not the thread count: see the top. */
#define GEMM_PIECES 8
#define GEMM_PIECE_MIN 32
#define GEMM_SMALL 32768.0


/* ---- GEMM ---- */

typedef struct {
  gboolean     trans_a, trans_b;
  int          m, n, k;
  float        alpha, beta;
  const float *a;
  int          lda;
  const float *b;
  int          ldb;
  float       *c;
  int          ldc;
  gboolean     split_rows;
  int          piece;
} GemmJob;

static void
gemm_item (gpointer data, int item, int thread)
{
  const GemmJob *job = data;
  int length = job->split_rows ? job->m : job->n;
  int start = item * job->piece, count = MIN (job->piece, length - start);
  const float *a = job->a, *b = job->b;
  float *c = job->c;
  int m = job->m, n = job->n;

  if (job->split_rows)
    {
      a += job->trans_a ? (gsize) start : (gsize) start * job->lda;
      c += (gsize) start * job->ldc;
      m = count;
    }
  else
    {
      b += job->trans_b ? (gsize) start * job->ldb : (gsize) start;
      c += start;
      n = count;
    }
  cblas_sgemm (CblasRowMajor, job->trans_a ? CblasTrans : CblasNoTrans,
               job->trans_b ? CblasTrans : CblasNoTrans, m, n, job->k,
               job->alpha, a, job->lda, b, job->ldb, job->beta, c, job->ldc);
}

void
fovea_train_gemm (FoveaPool *pool, gboolean trans_a, gboolean trans_b, int m, int n, int k,
                  float alpha, const float *a, int lda, const float *b, int ldb,
                  float beta, float *c, int ldc)
{
  if (m <= 0 || n <= 0)
    return;

  GemmJob job = { trans_a, trans_b, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc,
                  m >= n, 0 };
  int length = job.split_rows ? m : n;
  int pieces = 1;
  if ((double) m * n * k >= GEMM_SMALL)
    {
      int piece = (length + GEMM_PIECES - 1) / GEMM_PIECES;
      piece = MAX (GEMM_PIECE_MIN, (piece + 15) / 16 * 16);
      job.piece = MIN (piece, length);
    }
  else
    job.piece = length;
  pieces = (length + job.piece - 1) / job.piece;
  fovea_pool_run (pool, pieces, gemm_item, &job);
}

/* ---- column sums ---- */

typedef struct {
  float       *out;
  const float *in;
  int          rows, cols, ld;
} ColumnSumJob;

FOVEA_VECTOR_CLONES static void
train_add_into (float *out, const float *in, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    out[i] += in[i];
}

static void
column_sum_item (gpointer data, int item, int thread)
{
  const ColumnSumJob *job = data;
  int c0 = item * COLUMNS_PER_ITEM, count = MIN (COLUMNS_PER_ITEM, job->cols - c0);
  float sum[COLUMNS_PER_ITEM] = { 0 };

  for (int r = 0; r < job->rows; r++)
    train_add_into (sum, job->in + (gsize) r * job->ld + c0, count);
  train_add_into (job->out + c0, sum, count);
}

void
fovea_train_column_sum (FoveaPool *pool, float *out, const float *in, int rows, int cols,
                        int ld)
{
  ColumnSumJob job = { out, in, rows, cols, ld };
  fovea_pool_run (pool, (cols + COLUMNS_PER_ITEM - 1) / COLUMNS_PER_ITEM, column_sum_item, &job);
}

/* ---- linear ---- */

typedef struct {
  float       *out;
  const float *residual;
  const float *bias;
  int          rows, dim;
} FillJob;

FOVEA_VECTOR_CLONES static void
train_fill_row (float *out, const float *residual, const float *bias, int dim)
{
  if (residual != NULL && bias != NULL)
    {
#pragma omp simd
      for (int i = 0; i < dim; i++)
        out[i] = residual[i] + bias[i];
    }
  else if (residual != NULL)
    {
      if (out != residual)
        memcpy (out, residual, sizeof (float) * (gsize) dim);
    }
  else if (bias != NULL)
    memcpy (out, bias, sizeof (float) * (gsize) dim);
  else
    memset (out, 0, sizeof (float) * (gsize) dim);
}

static void
fill_item (gpointer data, int item, int thread)
{
  const FillJob *job = data;
  int end = MIN (job->rows, (item + 1) * ROWS_PER_ITEM);

  for (int r = item * ROWS_PER_ITEM; r < end; r++)
    {
      gsize at = (gsize) r * job->dim;
      train_fill_row (job->out + at, job->residual ? job->residual + at : NULL, job->bias, job->dim);
    }
}

void
fovea_train_linear_forward (FoveaPool *pool, float *out, const float *residual,
                            const float *in, const float *weight, const float *packed,
                            const float *bias, int rows, int in_dim, int out_dim)
{
  /* The bias (and residual) go in first and the GEMM adds onto them. */
  FillJob fill = { out, residual, bias, rows, out_dim };
  fovea_pool_run (pool, (rows + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM, fill_item, &fill);
  if (packed != NULL)
    fovea_gemm_packed_accumulate (pool, rows, out_dim, in_dim, in, in_dim, packed,
                                  out, out_dim);
  else
    fovea_train_gemm (pool, FALSE, TRUE, rows, out_dim, in_dim, 1.0f, in, in_dim,
                      weight, in_dim, 1.0f, out, out_dim);
}

void
fovea_train_linear_backward (FoveaPool *pool, float *din, gboolean accumulate, float *dweight,
                             float *dbias, const float *dout, const float *in,
                             const float *weight, int rows, int in_dim, int out_dim)
{
  if (din != NULL)
    fovea_train_gemm (pool, FALSE, FALSE, rows, in_dim, out_dim, 1.0f, dout, out_dim,
                      weight, in_dim, accumulate ? 1.0f : 0.0f, din, in_dim);
  if (dweight != NULL)
    fovea_train_gemm (pool, TRUE, FALSE, out_dim, in_dim, rows, 1.0f, dout, out_dim,
                      in, in_dim, 1.0f, dweight, in_dim);
  if (dbias != NULL)
    fovea_train_column_sum (pool, dbias, dout, rows, out_dim, out_dim);
}

/* ---- LayerNorm ---- */

typedef struct {
  float       *out, *mean, *rstd, *din, *dweight, *dbias;
  const float *in, *dout, *cmean, *crstd, *weight, *bias;
  int          rows, dim;
} NormJob;

FOVEA_VECTOR_CLONES static void
train_layernorm_row (float *out, float *mean_out, float *rstd_out, const float *in,
               const float *weight, const float *bias, int dim)
{
  float sum = 0.0f;
#pragma omp simd reduction(+:sum)
  for (int i = 0; i < dim; i++)
    sum += in[i];
  float mean = sum / (float) dim;

  /* Two passes: E[x²] − mean² cancels badly in the residual stream. */
  float sq = 0.0f;
#pragma omp simd reduction(+:sq)
  for (int i = 0; i < dim; i++)
    sq += (in[i] - mean) * (in[i] - mean);
  float rstd = 1.0f / sqrtf (sq / (float) dim + LAYERNORM_EPS);

#pragma omp simd
  for (int i = 0; i < dim; i++)
    out[i] = (in[i] - mean) * rstd * weight[i] + bias[i];
  *mean_out = mean;
  *rstd_out = rstd;
}

static void
layernorm_forward_item (gpointer data, int item, int thread)
{
  const NormJob *job = data;
  int end = MIN (job->rows, (item + 1) * ROWS_PER_ITEM);

  for (int r = item * ROWS_PER_ITEM; r < end; r++)
    {
      gsize at = (gsize) r * job->dim;
      train_layernorm_row (job->out + at, job->mean + r, job->rstd + r, job->in + at,
                     job->weight, job->bias, job->dim);
    }
}

void
fovea_train_layernorm_forward (FoveaPool *pool, float *out, float *mean, float *rstd,
                               const float *in, const float *weight, const float *bias,
                               int rows, int dim)
{
  NormJob job = { .out = out, .mean = mean, .rstd = rstd, .in = in, .weight = weight,
                  .bias = bias, .rows = rows, .dim = dim };
  fovea_pool_run (pool, (rows + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM, layernorm_forward_item, &job);
}

/* din += rstd · (g − mean (g) − x̂ · mean (g · x̂)), g = dout · weight. */
FOVEA_VECTOR_CLONES static void
train_layernorm_backward_row (float *din, const float *dout, const float *in, float mean,
                        float rstd, const float *weight, int dim)
{
  float sum_g = 0.0f, sum_gx = 0.0f;
#pragma omp simd reduction(+:sum_g, sum_gx)
  for (int i = 0; i < dim; i++)
    {
      float g = dout[i] * weight[i];
      sum_g += g;
      sum_gx += g * (in[i] - mean) * rstd;
    }
  float mean_g = sum_g / (float) dim, mean_gx = sum_gx / (float) dim;
#pragma omp simd
  for (int i = 0; i < dim; i++)
    {
      float xhat = (in[i] - mean) * rstd;
      din[i] += rstd * (dout[i] * weight[i] - mean_g - xhat * mean_gx);
    }
}

static void
layernorm_backward_item (gpointer data, int item, int thread)
{
  const NormJob *job = data;
  int end = MIN (job->rows, (item + 1) * ROWS_PER_ITEM);

  for (int r = item * ROWS_PER_ITEM; r < end; r++)
    {
      gsize at = (gsize) r * job->dim;
      train_layernorm_backward_row (job->din + at, job->dout + at, job->in + at, job->cmean[r],
                              job->crstd[r], job->weight, job->dim);
    }
}

FOVEA_VECTOR_CLONES static void
train_layernorm_param_row (float *dweight, float *dbias, const float *dout, const float *in,
                     float mean, float rstd, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    {
      dweight[i] += dout[i] * (in[i] - mean) * rstd;
      dbias[i] += dout[i];
    }
}

/* The parameters' gradients, a chunk of columns per item, rows in order. */
static void
layernorm_param_item (gpointer data, int item, int thread)
{
  const NormJob *job = data;
  int c0 = item * COLUMNS_PER_ITEM, count = MIN (COLUMNS_PER_ITEM, job->dim - c0);
  float dw[COLUMNS_PER_ITEM] = { 0 }, db[COLUMNS_PER_ITEM] = { 0 };

  for (int r = 0; r < job->rows; r++)
    {
      gsize at = (gsize) r * job->dim + c0;
      train_layernorm_param_row (dw, db, job->dout + at, job->in + at, job->cmean[r],
                           job->crstd[r], count);
    }
  if (job->dweight != NULL)
    train_add_into (job->dweight + c0, dw, count);
  if (job->dbias != NULL)
    train_add_into (job->dbias + c0, db, count);
}

void
fovea_train_layernorm_backward (FoveaPool *pool, float *din, float *dweight, float *dbias,
                                const float *dout, const float *in, const float *mean,
                                const float *rstd, const float *weight, int rows, int dim)
{
  NormJob job = { .din = din, .dweight = dweight, .dbias = dbias, .in = in, .dout = dout,
                  .cmean = mean, .crstd = rstd, .weight = weight, .rows = rows, .dim = dim };
  if (din != NULL)
    fovea_pool_run (pool, (rows + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM,
                    layernorm_backward_item, &job);
  if (dweight != NULL || dbias != NULL)
    fovea_pool_run (pool, (dim + COLUMNS_PER_ITEM - 1) / COLUMNS_PER_ITEM,
                    layernorm_param_item, &job);
}

/* ---- GELU ---- */

typedef struct {
  float       *out;
  const float *in, *dout;
  gsize        n;
} GeluJob;

FOVEA_VECTOR_CLONES static void
train_gelu_chunk (float *out, const float *in, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    out[i] = 0.5f * in[i] * (1.0f + erf_approx (in[i] * (float) M_SQRT1_2));
}

/* GELU'(x) = Φ(x) + x·φ(x). */
FOVEA_VECTOR_CLONES static void
train_gelu_backward_chunk (float *din, const float *dout, const float *in, int n)
{
  const float inv_sqrt_2pi = 0.3989422804014327f;
#pragma omp simd
  for (int i = 0; i < n; i++)
    {
      float x = in[i];
      float cdf = 0.5f * (1.0f + erf_approx (x * (float) M_SQRT1_2));
      float pdf = inv_sqrt_2pi * exp_approx (-0.5f * x * x);
      din[i] = dout[i] * (cdf + x * pdf);
    }
}

static void
gelu_forward_item (gpointer data, int item, int thread)
{
  const GeluJob *job = data;
  gsize start = (gsize) item * GELU_CHUNK;
  train_gelu_chunk (job->out + start, job->in + start, (int) MIN ((gsize) GELU_CHUNK, job->n - start));
}

static void
gelu_backward_item (gpointer data, int item, int thread)
{
  const GeluJob *job = data;
  gsize start = (gsize) item * GELU_CHUNK;
  train_gelu_backward_chunk (job->out + start, job->dout + start, job->in + start,
                       (int) MIN ((gsize) GELU_CHUNK, job->n - start));
}

void
fovea_train_gelu_forward (FoveaPool *pool, float *out, const float *in, gsize n)
{
  GeluJob job = { out, in, NULL, n };
  fovea_pool_run (pool, (int) ((n + GELU_CHUNK - 1) / GELU_CHUNK), gelu_forward_item, &job);
}

void
fovea_train_gelu_backward (FoveaPool *pool, float *din, const float *dout, const float *in,
                           gsize n)
{
  GeluJob job = { din, in, dout, n };
  fovea_pool_run (pool, (int) ((n + GELU_CHUNK - 1) / GELU_CHUNK), gelu_backward_item, &job);
}

/* ---- attention ---- */

typedef struct {
  float       *out;       /* forward: attention output; backward: dqkv */
  float       *att;
  float       *scratch;
  const float *qkv;
  const float *dout;
  const float *catt;
  int          tokens, heads, head_dim;
} AttentionJob;

/* dS = P ⊙ (dP − Σ_j dP·P), in place over dP. */
FOVEA_VECTOR_CLONES static void
train_softmax_backward_row (float *dp, const float *p, int n)
{
  float dot = 0.0f;
#pragma omp simd reduction(+:dot)
  for (int i = 0; i < n; i++)
    dot += dp[i] * p[i];
#pragma omp simd
  for (int i = 0; i < n; i++)
    dp[i] = p[i] * (dp[i] - dot);
}

static void
attention_forward_item (gpointer data, int item, int thread)
{
  const AttentionJob *job = data;
  int b = item / job->heads, h = item % job->heads;
  int tokens = job->tokens, d = job->head_dim, dim = job->heads * d, stride = 3 * dim;
  gsize row0 = (gsize) b * tokens;
  const float *q = job->qkv + row0 * stride + (gsize) h * d;
  float *p = job->att + (gsize) item * tokens * tokens;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, tokens, tokens, d,
               1.0f / sqrtf ((float) d), q, stride, q + dim, stride, 0.0f, p, tokens);
  for (int t = 0; t < tokens; t++)
    fovea_softmax_row_approx (p + (gsize) t * tokens, tokens);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, tokens, d, tokens,
               1.0f, p, tokens, q + 2 * dim, stride,
               0.0f, job->out + row0 * dim + (gsize) h * d, dim);
}

void
fovea_train_attention_forward (FoveaPool *pool, float *out, float *att, const float *qkv,
                               int batch, int tokens, int heads, int head_dim)
{
  AttentionJob job = { .out = out, .att = att, .qkv = qkv, .tokens = tokens,
                       .heads = heads, .head_dim = head_dim };
  fovea_pool_run (pool, batch * heads, attention_forward_item, &job);
}

/* One (image, head): with S = q·kᵀ·scale and P = softmax (S),
 *   dv = Pᵀ·dO, dP = dO·vᵀ, dS = P ⊙ (dP − rowsum (dP ⊙ P)),
 *   dq = scale · dS·k, dk = scale · dSᵀ·q. */
static void
attention_backward_item (gpointer data, int item, int thread)
{
  const AttentionJob *job = data;
  int b = item / job->heads, h = item % job->heads;
  int tokens = job->tokens, d = job->head_dim, dim = job->heads * d, stride = 3 * dim;
  gsize row0 = (gsize) b * tokens;
  const float *q = job->qkv + row0 * stride + (gsize) h * d;
  const float *p = job->catt + (gsize) item * tokens * tokens;
  const float *dout = job->dout + row0 * dim + (gsize) h * d;
  float *dq = job->out + row0 * stride + (gsize) h * d;
  float *ds = job->scratch + (gsize) thread * tokens * tokens;
  float scale = 1.0f / sqrtf ((float) d);

  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, tokens, d, tokens,
               1.0f, p, tokens, dout, dim, 0.0f, dq + 2 * dim, stride);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, tokens, tokens, d,
               1.0f, dout, dim, q + 2 * dim, stride, 0.0f, ds, tokens);
  for (int t = 0; t < tokens; t++)
    train_softmax_backward_row (ds + (gsize) t * tokens, p + (gsize) t * tokens, tokens);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, tokens, d, tokens,
               scale, ds, tokens, q + dim, stride, 0.0f, dq, stride);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, tokens, d, tokens,
               scale, ds, tokens, q, stride, 0.0f, dq + dim, stride);
}

void
fovea_train_attention_backward (FoveaPool *pool, float *dqkv, float *scratch,
                                const float *dout, const float *qkv, const float *att,
                                int batch, int tokens, int heads, int head_dim)
{
  AttentionJob job = { .out = dqkv, .scratch = scratch, .qkv = qkv, .dout = dout,
                       .catt = att, .tokens = tokens, .heads = heads, .head_dim = head_dim };
  fovea_pool_run (pool, batch * heads, attention_backward_item, &job);
}

/* ---- LoRA ---- */

void
fovea_train_lora_forward (FoveaPool *pool, const FoveaTrainLora *lora, float *out,
                          int out_stride, float *u, const float *in, int rows)
{
  int r = lora->rank;

  fovea_train_gemm (pool, FALSE, TRUE, rows, r, lora->in_features, 1.0f, in,
                    lora->in_features, lora->a, lora->in_features, 0.0f, u, r);
  fovea_train_gemm (pool, FALSE, TRUE, rows, lora->out_features, r, lora->scale, u, r,
                    lora->b, r, 1.0f, out + lora->out_offset, out_stride);
}

void
fovea_train_lora_backward (FoveaPool *pool, const FoveaTrainLora *lora, float *din,
                           float *du, const float *dout, int dout_stride, const float *u,
                           const float *in, int rows)
{
  int r = lora->rank, n_in = lora->in_features, n_out = lora->out_features;
  const float *dy = dout + lora->out_offset;

  /* dB += scale · dyᵀ·u */
  if (lora->db != NULL)
    fovea_train_gemm (pool, TRUE, FALSE, n_out, r, rows, lora->scale, dy, dout_stride,
                      u, r, 1.0f, lora->db, r);
  if (lora->da == NULL && din == NULL)
    return;
  /* du = scale · dy·B; dA += duᵀ·x; dx += du·A */
  fovea_train_gemm (pool, FALSE, FALSE, rows, r, n_out, lora->scale, dy, dout_stride,
                    lora->b, r, 0.0f, du, r);
  if (lora->da != NULL)
    fovea_train_gemm (pool, TRUE, FALSE, r, n_in, rows, 1.0f, du, r, in, n_in,
                      1.0f, lora->da, n_in);
  if (din != NULL)
    fovea_train_gemm (pool, FALSE, FALSE, rows, n_in, r, 1.0f, du, r, lora->a, n_in,
                      1.0f, din, n_in);
}

