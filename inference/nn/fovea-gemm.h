/* fovea-gemm.h: the GEMM of the big linear layers, on weights packed once
 * at load into the panel layout of an AVX-512 micro-kernel.
 *
 * Why not OpenBLAS here: at a batch of one image, OpenBLAS spends a fifth
 * of the forward pass re-packing each weight matrix on every call, while
 * the weights stream from memory. Packed once, a weight is read straight
 * into the kernel's registers, in the order it lies in memory.
 *
 * Only for CPUs with AVX-512F (fovea_gemm_packed_supported), and built
 * only for x86-64 hosts (fovea-gemm-portable.c elsewhere: never
 * supported); otherwise the callers keep OpenBLAS on the unpacked weights.
 * Results do not depend on the number of threads: each output is one
 * thread's sum, in K order. */
#pragma once

#include <glib.h>

#include "fovea-pool.h"

G_BEGIN_DECLS

/* TRUE when this CPU runs the packed GEMM, on a weight of this shape. */
gboolean fovea_gemm_packed_supported (int          out_dim,
                                      int          in_dim);

/* Floats a packed copy of an out_dim × in_dim weight takes. */
gsize    fovea_gemm_packed_size      (int          out_dim,
                                      int          in_dim);

/* Writes weight (out_dim × in_dim, row-major, as PyTorch stores a Linear)
 * into packed (fovea_gemm_packed_size floats, 64-byte aligned). */
void     fovea_gemm_pack             (float       *packed,
                                      const float *weight,
                                      int          out_dim,
                                      int          in_dim);

/* C (rows × out_dim, row stride ldc) += A · weightᵀ, A rows × in_dim (row
 * stride lda), weight given packed; split over the pool's threads. */
void     fovea_gemm_packed_accumulate (FoveaPool   *pool,
                                       int          rows,
                                       int          out_dim,
                                       int          in_dim,
                                       const float *a,
                                       int          lda,
                                       const float *packed,
                                       float       *c,
                                       int          ldc);

G_END_DECLS
