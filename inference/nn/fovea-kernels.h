/* fovea-kernels.h: the layers of a transformer forward pass, as plain
 * functions over row-major F32 arrays (llm.c style).
 *
 * All of them, GEMMs included (OpenBLAS, single-threaded, on a share of
 * the columns each; or fovea-gemm.h's on a linear layer's packed weight),
 * are spread over a FoveaPool's threads, and the rest is vectorised for
 * the best instruction set the CPU has. None of them allocates. */
#pragma once

#include <glib.h>

#include "fovea-pool.h"

G_BEGIN_DECLS

/* A linear layer as PyTorch stores it: weight is out_dim × in_dim
 * row-major, bias out_dim or NULL; packed, when not NULL, is the same
 * weight in fovea-gemm.h's layout, and the GEMMs use it instead;
 * packed_bf16, when not NULL, is it rounded to bf16 in
 * fovea-gemm-bf16.h's layout, and the GEMMs run in bf16 on it (first). */
typedef struct {
  const float   *weight;
  const float   *bias;
  int            in_dim;
  int            out_dim;
  const float   *packed;
  const guint16 *packed_bf16;
} FoveaLinear;

/* LayerNorm parameters; norm layers are given as pointers, where NULL
 * stands for timm's nn.Identity. */
typedef struct {
  const float *weight;
  const float *bias;
} FoveaNorm;

/* C (rows × cols, row stride ldc) += alpha · A · Bᵀ, A rows × depth, B
 * cols × depth (row-major), split over the pool's threads. OpenBLAS must
 * be single-threaded (openblas_set_num_threads (1)). */
void fovea_gemm_accumulate   (FoveaPool         *pool,
                              int                rows,
                              int                cols,
                              int                depth,
                              float              alpha,
                              const float       *a,
                              int                lda,
                              const float       *b,
                              int                ldb,
                              float             *c,
                              int                ldc);

/* out (rows × out_stride, first out_dim columns) += in · weightᵀ; in is
 * rows × in_dim. The bias is not added: the caller has put it in out
 * (FoveaBiasFill) or adds it later (a pending bias, below). Uses the
 * packed weight when the layer has one (the bf16 one first). */
void fovea_matmul_accumulate (FoveaPool         *pool,
                              float             *out,
                              int                out_stride,
                              const float       *in,
                              const FoveaLinear *linear,
                              int                rows);

/* out = in · weightᵀ + bias. */
void fovea_linear_forward    (FoveaPool         *pool,
                              float             *out,
                              int                out_stride,
                              const float       *in,
                              const FoveaLinear *linear,
                              int                rows);

/* The rows of a GEMM's output, to be set to its bias (zeros if it has
 * none) so that fovea_matmul_accumulate adds onto them. */
typedef struct {
  float             *out;
  int                stride;
  const FoveaLinear *linear;
} FoveaBiasFill;

/* The row-wise work between two GEMMs, in one pass over rows × dim:
 *   x += pending_bias, when not NULL (the bias of the GEMM that last
 *        added into x, deferred to here to save a pass over x);
 *   out = LayerNorm (x) with timm's eps 1e-6, when norm is not NULL (out
 *        may equal x);
 *   fill the next GEMM's output with its bias, when fill is not NULL. */
void fovea_layernorm_forward (FoveaPool           *pool,
                              float               *out,
                              float               *x,
                              int                  rows,
                              int                  dim,
                              const float         *pending_bias,
                              const FoveaNorm     *norm,
                              const FoveaBiasFill *fill);

/* In place, the exact (erf) GELU over n values. */
void fovea_gelu_forward      (FoveaPool *pool,
                              float     *x,
                              gsize      n);

/* Scaled dot-product attention of every (image, head). qkv is
 * (batch · tokens) × 3·heads·head_dim, laid out as timm's fused qkv
 * (q, k, v; each head-major); out is (batch · tokens) × heads·head_dim.
 * The softmax weights go to att (batch × heads × tokens × tokens) when it
 * is not NULL, otherwise through scratch (one tokens × tokens block per
 * pool thread). */
void fovea_attention_forward (FoveaPool   *pool,
                              float       *out,
                              float       *att,
                              float       *scratch,
                              const float *qkv,
                              int          batch,
                              int          tokens,
                              int          heads,
                              int          head_dim);

/* In place, softmax over one row of n attention scores, fast rather than
 * precise: the vectorisable approximate e^x of fovea-math-approx.h (about
 * 1 ulp) and a float sum. The training kernels use it too, so that both
 * forward passes agree; a classifier's probabilities come from
 * fovea_softmax_precise (fovea-softmax.h). */
void fovea_softmax_row_approx (float       *x,
                               int          n);

/* out[i] += a[i] over n values (on the calling thread: it is small). */
void fovea_add_forward       (float       *out,
                              const float *a,
                              gsize        n);

/* out (batch × dim) = the mean of each image's rows first .. first+count-1
 * of x (batch × tokens × dim). */
void fovea_mean_tokens       (float       *out,
                              const float *x,
                              int          batch,
                              int          tokens,
                              int          first,
                              int          count,
                              int          dim);

/* Conv2d (kernel = stride = patch) as a GEMM: each patch of pixels
 * (batch × channels × height × width) becomes one row of patches, in the
 * conv weight's (channel, ky, kx) order, patches row-major per image. */
void fovea_im2col            (FoveaPool   *pool,
                              float       *patches,
                              const float *pixels,
                              int          batch,
                              int          channels,
                              int          height,
                              int          width,
                              int          patch);

G_END_DECLS
