/* fovea-gemm-bf16.h: a GEMM in bfloat16 with float accumulation, for the
 * AVX512-BF16 instruction vdpbf16ps (Zen 4/5, Cooper Lake, Sapphire
 * Rapids and later).
 *
 * C (rows × n) = epilogue (A · Bᵀ), A rows × k, B n × k (a PyTorch
 * Linear's weight, or a convolution's flattened filters). B is converted
 * and packed once, at load; A is rounded to bfloat16 (round to nearest,
 * ties to even) when it is packed, every call. Products are exact in
 * float and summed in float, so the error is that of rounding the inputs
 * to an 8-bit mantissa: each product is off by at most about 2⁻⁸ of its
 * size, and a dot product of k terms by about 2⁻⁸·√k of the terms' size
 * when the rounding errors are independent (tests/inference/test-gemm-bf16.c
 * holds the kernel to that).
 *
 * Kept apart from the ViT, so that other engines reuse it: a
 * convolution run as a GEMM (im2col) packs its filters with
 * fovea_gemm_bf16_pack_b, its patches with fovea_gemm_bf16_pack_a (or
 * writes them in the same layout itself), and runs blocks of rows and
 * panels with fovea_gemm_bf16_block and its epilogue (bias, ReLU).
 * fovea_gemm_bf16_accumulate is the whole threaded GEMM of a linear
 * layer, for the ViT.
 *
 * Layouts (bf16 values as guint16, their float's upper half):
 * - packed B: columns (B's rows) in panels of FOVEA_GEMM_BF16_PANEL;
 *   panel p holds, for each pair of k (k = 2q, 2q + 1), the panel's
 *   columns side by side, each as its two k values next to each other:
 *   packed[((p·kpairs + q)·PANEL + j)·2 + h] = B[p·PANEL + j][2q + h],
 *   zero past n and past k. This is the pair-interleaved operand of
 *   vdpbf16ps: one 64-byte load is 16 columns × 2 k.
 * - packed A: row-major, each row kpairs pairs (2·kpairs bf16, zero past
 *   k); one 32-bit broadcast is a row's pair of k.
 *
 * Built on x86-64 only (FOVEA_HAVE_X86_SIMD); elsewhere, and on CPUs
 * without AVX512-BF16, fovea_gemm_bf16_supported is FALSE and nothing
 * else may be called. Results do not depend on the number of threads. */
#pragma once

#include <glib.h>

#include "fovea-pool.h"

G_BEGIN_DECLS

#define FOVEA_GEMM_BF16_PANEL 48   /* columns per panel of packed B */

/* TRUE when this CPU (and build) runs the bf16 GEMM. Setting the
 * environment variable FOVEA_NO_BF16 (to anything) makes it FALSE, to
 * compare with FP32 or to test the refusal on a machine that has it. */
gboolean fovea_gemm_bf16_supported   (void);

/* Pairs of k: (k + 1) / 2. */
int      fovea_gemm_bf16_kpairs      (int k);

/* guint16s that a packed n × k B takes. */
gsize    fovea_gemm_bf16_packed_size (int n,
                                      int k);

/* Packs b (n × k floats, row-major) into packed (fovea_gemm_bf16_packed_size
 * guint16s, 64-byte aligned), rounding to nearest even. */
void     fovea_gemm_bf16_pack_b      (guint16     *packed,
                                      const float *b,
                                      int          n,
                                      int          k);

/* The same from bf16 values (n × k guint16s, row-major, e.g. a BF16
 * safetensors tensor): copied as they are, no rounding. */
void     fovea_gemm_bf16_pack_b_bf16 (guint16       *packed,
                                      const guint16 *b,
                                      int            n,
                                      int            k);

/* Rounds rows × k floats of a (row stride lda) into packed A (row stride
 * fovea_gemm_bf16_kpairs (k) pairs, i.e. 2 × that many guint16s). */
void     fovea_gemm_bf16_pack_a      (guint16     *packed,
                                      const float *a,
                                      int          lda,
                                      int          rows,
                                      int          k);

/* What a block does with A · Bᵀ: added to C (accumulate), or stored with
 * bias[column] added (bias may be NULL); then, if relu, max (0, ·). */
typedef struct {
  gboolean     accumulate;
  const float *bias;
  gboolean     relu;
} FoveaGemmBf16Epilogue;

/* One block on the calling thread: C's rows [0, rows) and the columns of
 * panels [p0, p1), with the epilogue. a is packed A (its row 0 is C's row
 * 0), b packed B of n × k. */
typedef struct {
  int                           rows, n, k;
  const guint16                *a;
  const guint16                *b;
  int                           p0, p1;
  float                        *c;
  int                           ldc;
  const FoveaGemmBf16Epilogue  *epilogue;
} FoveaGemmBf16Block;

void     fovea_gemm_bf16_block       (const FoveaGemmBf16Block *block);

/* C (rows × n, row stride ldc) += A · Bᵀ, A rows × k floats (row stride
 * lda) rounded to bf16 on the way, B packed; split over the pool's
 * threads. Allocates nothing after each pool thread's first call. */
void     fovea_gemm_bf16_accumulate  (FoveaPool     *pool,
                                      int            rows,
                                      int            n,
                                      int            k,
                                      const float   *a,
                                      int            lda,
                                      const guint16 *packed,
                                      float         *c,
                                      int            ldc);

G_END_DECLS
