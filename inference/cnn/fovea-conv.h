/* fovea-conv.h: 2-D convolution over channels-last (NHWC) activations,
 * any kernel size, stride, padding, dilation and groups, with BatchNorm
 * already folded into its weight and bias.
 *
 * Why channels-last (NHWC), measured: a 1×1 convolution (most of
 * ResNet-50's and MobileNetV2's arithmetic) is a plain GEMM on the
 * activation as it lies in either layout, but a k×k one needs im2col, and
 * channels-last gathers it as contiguous (ky, kx, channel) runs while
 * channels-first copies one pixel at a time. On ResNet-50's 53
 * convolutions at 224 (one thread, this project's 2-vCPU Zen 5 VM), the
 * same OpenBLAS GEMMs took 90.7 ms channels-last and 90.3 ms
 * channels-first, but im2col 2.7 ms against 28.4 ms. Channels-last also
 * vectorises the depthwise convolution, pooling and the GEMM's epilogue
 * (bias, residual, ReLU) along the channels, 16 to a register, where
 * channels-first would vectorise along image rows of 7 to 112 pixels.
 * (Fovea's own GEMM, below, runs those convolutions in 46.6 ms.)
 *
 * Three implementations:
 *   - depthwise (groups = in = out channels): a direct kernel, one output
 *     row at a time, vectorised along the channels (fovea-conv-depthwise.c);
 *   - otherwise a GEMM per group on im2col rows, or on the input in place
 *     for a 1×1 convolution of stride 1 and no padding, with the
 *     AVX-512 micro-kernel on weights packed once (fovea-conv-gemm.h), or
 *     OpenBLAS on the unpacked weights where the CPU lacks AVX-512. */
#pragma once

#include <glib.h>

#include "fovea-conv-gemm.h"
#include "fovea-pool.h"

G_BEGIN_DECLS

/* A sliding window: a convolution's or a pooling's geometry. */
typedef struct {
  int      kernel_h, kernel_w;
  int      stride_h, stride_w;
  int      dilation_h, dilation_w;
  int      pad_h, pad_w;       /* PyTorch's symmetric padding, unless same */
  gboolean same;               /* TensorFlow's SAME: extra pixel bottom/right */
} FoveaWindow;

/* Where a window falls on an input of in_h × in_w. */
typedef struct {
  int in_h, in_w;
  int out_h, out_w;            /* ≤ 0: the input is smaller than the window */
  int pad_top, pad_left;
} FoveaWindowShape;

void fovea_window_shape (const FoveaWindow *window,
                         int                in_h,
                         int                in_w,
                         FoveaWindowShape  *shape);

typedef struct {
  FoveaWindow  window;
  int          in_channels;
  int          out_channels;
  int          groups;
  gboolean     depthwise;      /* groups = in_channels = out_channels */
  /* Depthwise: kernel_h · kernel_w × channels (tap-major). Otherwise, when
   * not packed: out_channels × depth, depth = (ky, kx, channel in group). */
  const float *weight;
  const float *packed;         /* per group, fovea-conv-gemm.h's panels; or NULL */
  int          panel_vectors;
  const float *bias;           /* out_channels */
} FoveaConv;

/* Rows of the GEMM's depth: kernel_h · kernel_w · in_channels / groups. */
int   fovea_conv_depth         (const FoveaConv        *conv);
/* Floats of conv's weight as the forward pass reads it: packed (when
 * panel_vectors > 0, fovea-conv-gemm.h's panels, one set per group) or
 * not (FoveaConv.weight's layout). */
gsize fovea_conv_weight_size   (const FoveaConv        *conv);
/* Where the weights of output o lie in that layout: W[o][k], k in (ky,
 * kx, channel in group) order, at base + k · stride; returns base. */
gsize fovea_conv_weight_row    (const FoveaConv        *conv,
                                int                     o,
                                gsize                  *stride);
/* Writes a PyTorch Conv2d weight (out × in / groups × kernel_h ×
 * kernel_w) into weight (fovea_conv_weight_size floats) in that layout. */
void  fovea_conv_layout_weight (const FoveaConv        *conv,
                                const float            *torch_weight,
                                float                  *weight);

/* Floats of scratch fovea_conv_forward needs for this input, any batch
 * up to `batch`, and this number of threads. */
gsize fovea_conv_scratch_size  (const FoveaConv        *conv,
                                const FoveaWindowShape *shape,
                                int                     batch,
                                int                     n_threads);

/* out (batch × out_h × out_w × out_channels) = act (conv (in) + bias +
 * residual); in is batch × in_h × in_w × in_channels, residual NULL or
 * of out's shape. shape is fovea_window_shape's for the input. */
void  fovea_conv_forward       (FoveaPool              *pool,
                                const FoveaConv        *conv,
                                const FoveaWindowShape *shape,
                                int                     batch,
                                const float            *in,
                                float                  *out,
                                const float            *residual,
                                FoveaAct                act,
                                float                  *scratch);

/* The depthwise case (fovea-conv-depthwise.c). */
void  fovea_conv_depthwise_forward (FoveaPool              *pool,
                                    const FoveaConv        *conv,
                                    const FoveaWindowShape *shape,
                                    int                     batch,
                                    const float            *in,
                                    float                  *out,
                                    const float            *residual,
                                    FoveaAct                act);

G_END_DECLS
