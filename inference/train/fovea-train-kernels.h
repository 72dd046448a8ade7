/* fovea-train-kernels.h: the layers of a ViT as *_forward / *_backward
 * pairs (llm.c style), over row-major F32 arrays.
 *
 * Forward kernels store what their backward needs (LayerNorm's mean and
 * rstd, attention's softmax weights, LoRA's x·Aᵀ); backward kernels take
 * the gradient of the output and produce the input's gradient and, where
 * a pointer is given (not NULL), accumulate the parameters' gradients.
 * A NULL parameter gradient means a frozen parameter: nothing is computed
 * for it.
 *
 * Threads: everything runs on a FoveaPool. Work is cut into pieces that
 * depend only on the shapes, never on the number of threads, and each
 * output element is computed by one piece in a fixed order, so results
 * are bit-identical whatever the pool's size. GEMMs call single-threaded
 * OpenBLAS on each piece (the caller sets openblas_set_num_threads (1)). */
#pragma once

#include <glib.h>

#include "fovea-pool.h"

G_BEGIN_DECLS

/* C (m × n, row stride ldc) = alpha · op(A) · op(B) + beta · C, where
 * op(A) is m × k (A stored k × m when trans_a) and op(B) is k × n (B
 * stored n × k when trans_b). Split over the rows or the columns of C,
 * whichever is longer, in pieces fixed by the shape. */
void fovea_train_gemm               (FoveaPool   *pool,
                                     gboolean     trans_a,
                                     gboolean     trans_b,
                                     int          m,
                                     int          n,
                                     int          k,
                                     float        alpha,
                                     const float *a,
                                     int          lda,
                                     const float *b,
                                     int          ldb,
                                     float        beta,
                                     float       *c,
                                     int          ldc);

/* out (rows × out_dim) = residual + in · weightᵀ + bias. residual and
 * bias may be NULL (zero); out may equal residual. packed, when not NULL,
 * is weight in fovea-gemm.h's layout (a frozen backbone's), used instead. */
void fovea_train_linear_forward     (FoveaPool   *pool,
                                     float       *out,
                                     const float *residual,
                                     const float *in,
                                     const float *weight,
                                     const float *packed,
                                     const float *bias,
                                     int          rows,
                                     int          in_dim,
                                     int          out_dim);
/* din = dout · weight (or += when accumulate), dweight += doutᵀ · in,
 * dbias += the column sums of dout. din, dweight, dbias may be NULL. */
void fovea_train_linear_backward    (FoveaPool   *pool,
                                     float       *din,
                                     gboolean     accumulate,
                                     float       *dweight,
                                     float       *dbias,
                                     const float *dout,
                                     const float *in,
                                     const float *weight,
                                     int          rows,
                                     int          in_dim,
                                     int          out_dim);

/* out = (in − mean) · rstd · weight + bias per row, eps 1e-6 (timm);
 * mean and rstd (rows each) are kept for the backward pass. out may
 * equal in. */
void fovea_train_layernorm_forward  (FoveaPool   *pool,
                                     float       *out,
                                     float       *mean,
                                     float       *rstd,
                                     const float *in,
                                     const float *weight,
                                     const float *bias,
                                     int          rows,
                                     int          dim);
/* din += the gradient through the norm (din may be NULL);
 * dweight += Σ dout · x̂, dbias += Σ dout over rows (may be NULL). */
void fovea_train_layernorm_backward (FoveaPool   *pool,
                                     float       *din,
                                     float       *dweight,
                                     float       *dbias,
                                     const float *dout,
                                     const float *in,
                                     const float *mean,
                                     const float *rstd,
                                     const float *weight,
                                     int          rows,
                                     int          dim);

/* out = GELU (in), the exact (erf) form; out may equal in. */
void fovea_train_gelu_forward       (FoveaPool   *pool,
                                     float       *out,
                                     const float *in,
                                     gsize        n);
/* din = dout · GELU'(in); din may equal dout. */
void fovea_train_gelu_backward      (FoveaPool   *pool,
                                     float       *din,
                                     const float *dout,
                                     const float *in,
                                     gsize        n);

/* Scaled dot-product attention per (image, head) on timm's fused qkv
 * ((batch · tokens) × 3·heads·head_dim: q, k, v, each head-major). out is
 * (batch · tokens) × heads·head_dim; att (batch × heads × tokens ×
 * tokens) keeps the softmax weights for the backward pass. */
void fovea_train_attention_forward  (FoveaPool   *pool,
                                     float       *out,
                                     float       *att,
                                     const float *qkv,
                                     int          batch,
                                     int          tokens,
                                     int          heads,
                                     int          head_dim);
/* dqkv = the gradient of qkv (overwritten); scratch holds one tokens ×
 * tokens block per pool thread. */
void fovea_train_attention_backward (FoveaPool   *pool,
                                     float       *dqkv,
                                     float       *scratch,
                                     const float *dout,
                                     const float *qkv,
                                     const float *att,
                                     int          batch,
                                     int          tokens,
                                     int          heads,
                                     int          head_dim);

/* A low-rank update of (a slice of) a linear layer's output, PEFT's
 *   y[:, off : off + out_features] += scale · (x·Aᵀ)·Bᵀ
 * A is rank × in_features, B out_features × rank; da and db (same
 * shapes) receive their gradients, or are NULL when frozen. */
typedef struct {
  int          rank;
  int          in_features;
  int          out_features;
  int          out_offset;
  float        scale;
  const float *a;
  const float *b;
  float       *da;
  float       *db;
} FoveaTrainLora;

/* out (rows × out_stride) gets the update; u (rows × rank) keeps x·Aᵀ. */
void fovea_train_lora_forward       (FoveaPool            *pool,
                                     const FoveaTrainLora *lora,
                                     float                *out,
                                     int                   out_stride,
                                     float                *u,
                                     const float          *in,
                                     int                   rows);
/* dout is the gradient of the layer's whole output (rows × dout_stride);
 * din += its share through the update (din may be NULL); du is scratch
 * of rows × rank. */
void fovea_train_lora_backward      (FoveaPool            *pool,
                                     const FoveaTrainLora *lora,
                                     float                *din,
                                     float                *du,
                                     const float          *dout,
                                     int                   dout_stride,
                                     const float          *u,
                                     const float          *in,
                                     int                   rows);


/* out[c] += Σ_r in[r · ld + c] for c < cols, rows summed in order. */
void fovea_train_column_sum         (FoveaPool   *pool,
                                     float       *out,
                                     const float *in,
                                     int          rows,
                                     int          cols,
                                     int          ld);

G_END_DECLS
