/* fovea-conv-gemm.h: the GEMM of the convolutions, C = act (A · Wᵀ + bias
 * + residual), on weights packed once at load into panels as wide as the
 * layer's output channels suit, with an AVX-512 micro-kernel.
 *
 * Why not fovea-gemm.h's kernel: its panels are 48 outputs wide, made for
 * a ViT's 768-multiples; CNN layers have 16 to 2048 channels (64 would
 * fill two 48-wide panels to 67 %, MobileNetV2's 24 one to 50 %). Here
 * a panel holds 1 to 4 vectors of 16, chosen per layer to waste least.
 * Measured on eleven ResNet-50 and MobileNetV2 GEMM shapes (one thread,
 * the 2-vCPU Zen 5 VM): 7.7 ms in all, against 9.3 ms for fovea-gemm.h's
 * kernel and 16.0 ms for OpenBLAS 0.3.21 (e.g. 3136 × 64 × 576: 188, 130
 * and 76 GFLOP/s); only at 49 rows (layer4 at batch 1) is fovea-gemm.h's,
 * with its prefetching, 2-5 % faster.
 * The epilogue (bias, the residual addition, ReLU or ReLU6) runs on the
 * tile while it is still in registers, so a convolution's output is
 * written once and never re-read for its activation.
 *
 * Only for CPUs with AVX-512F (fovea_conv_gemm_supported); elsewhere the
 * convolutions run on OpenBLAS (fovea-conv.c). Each output is one
 * thread's sum, in k order: results do not depend on the threads. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What follows a convolution's sum, elementwise. */
typedef enum {
  FOVEA_ACT_NONE,
  FOVEA_ACT_RELU,
  FOVEA_ACT_RELU6,
} FoveaAct;

typedef struct {
  const float *bias;      /* out_dim, or NULL for none */
  const float *residual;  /* added after the bias: rows × out_dim at row stride ldr, or NULL */
  int          ldr;
  FoveaAct     act;
} FoveaConvEpilogue;

/* Floats in a vector, and so in a panel's unit of width. */
#define FOVEA_CONV_GEMM_VECTOR 16

gboolean fovea_conv_gemm_supported      (void);
/* Vectors per panel (1 to 4) for a layer of out_dim outputs. */
int      fovea_conv_gemm_panel_vectors  (int          out_dim);
int      fovea_conv_gemm_n_panels       (int          out_dim,
                                         int          panel_vectors);
/* Floats the packed copy of an out_dim × depth weight takes. Packed, 64-
 * byte aligned: panel p holds, for each k, its width = 16 · panel_vectors
 * weights W[p · width + j][k] side by side, zeros past out_dim; so W[n][k]
 * lies at (n / width · depth + k) · width + n % width. */
gsize    fovea_conv_gemm_packed_size    (int          out_dim,
                                         int          depth,
                                         int          panel_vectors);
/* Packs weight (out_dim × depth, row-major) into that layout: for
 * weights that change between calls (training). */
void     fovea_conv_gemm_pack           (float       *packed,
                                         const float *weight,
                                         int          out_dim,
                                         int          depth,
                                         int          panel_vectors);
/* On the calling thread: the columns of panels [p0, p1) of C (rows ×
 * out_dim, row stride ldc) = epilogue (A · Wᵀ), A rows × depth (row
 * stride lda), W packed. residual, bias and c point at row 0, column 0. */
void     fovea_conv_gemm_block          (int                      rows,
                                         int                      out_dim,
                                         int                      depth,
                                         const float             *a,
                                         int                      lda,
                                         const float             *packed,
                                         int                      panel_vectors,
                                         int                      p0,
                                         int                      p1,
                                         float                   *c,
                                         int                      ldc,
                                         const FoveaConvEpilogue *epilogue);

G_END_DECLS
