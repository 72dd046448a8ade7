/* fovea-train-conv.h: a CNN's layers as *_forward / *_backward pairs over
 * channels-last (NHWC) F32 tensors: convolution (any kernel, stride,
 * padding, dilation and groups), depthwise convolution, the activation
 * and residual epilogue, max pooling and global average pooling.
 *
 * Channels-last, because then a 1×1 convolution is a plain GEMM on the
 * activations as they lie (rows = pixels, columns = channels), a k×k one
 * is a GEMM on an im2col tile built from contiguous channel runs, and the
 * depthwise kernel vectorises over the channels; see fovea-train-conv.c.
 *
 * Weights are given in a working layout ("work"): [out][kh][kw][in/groups]
 * for a dense or grouped convolution, [kh][kw][C] for a depthwise one
 * (one input channel per group, as many outputs as inputs). A frozen
 * BatchNorm is folded into the working weight and bias by the caller
 * (fovea_train_conv_weight_to_work), which also turns the working
 * layout's gradient back into PyTorch's [out][in/groups][kh][kw].
 *
 * Threads and determinism as in fovea-train-kernels.h: work is cut into
 * items fixed by the shapes, every output element belongs to one item,
 * and reductions over pixels (weight gradients) sum fixed chunks into
 * partial buffers that are then added in chunk order, so the result is
 * bit-identical for any pool size. */
#pragma once

#include <glib.h>

#include "fovea-conv-gemm.h"
#include "fovea-pool.h"

G_BEGIN_DECLS

/* One convolution's shapes (sizes and padding as the engine's
 * fovea_window_shape works them out). Positions outside the input (the
 * padding) read as zero; pad_top / pad_left are the padding before the
 * first row / column, and the output size says how much is implied after
 * (TF's "same" pads stride-2 layers bottom/right only: pad_top 0). The
 * activations are the engine's FoveaAct. */
typedef struct {
  int batch;
  int in_h, in_w, in_c;
  int out_h, out_w, out_c;
  int kernel_h, kernel_w;
  int stride_h, stride_w;
  int pad_top, pad_left;
  int dilation_h, dilation_w;
  int groups;
} FoveaTrainConvGeom;

/* Whether the geometry is consistent (sizes positive, channels divisible
 * by groups, the output reachable from the input); problem names the
 * first fault. */
gboolean fovea_train_conv_geom_check    (const FoveaTrainConvGeom *geom,
                                         const char              **problem);
/* A depthwise layer: one input channel per group and one output each. */
gboolean fovea_train_conv_is_depthwise  (const FoveaTrainConvGeom *geom);
/* A 1×1 convolution of stride 1, unpadded, ungrouped: a GEMM on the
 * input as it lies (the layers a CNN's LoRA adapts). */
gboolean fovea_train_conv_is_pointwise  (const FoveaTrainConvGeom *geom);
/* Floats of the working weight (out · kh · kw · in / groups). */
gsize    fovea_train_conv_weight_size   (const FoveaTrainConvGeom *geom);

/* A convolution's weight as the kernels read it: the working layout,
 * and where the CPU runs the engine's AVX-512 GEMM (fovea-conv-gemm.h,
 * about twice OpenBLAS's speed on these shapes) packed copies of it for
 * the forward GEMM (A · Wᵀ, dense layers of one group) and of its
 * transpose for a 1×1 layer's input gradient (dout · W). NULL packed
 * copies mean OpenBLAS on work. */
typedef struct {
  const float *work;
  const float *packed;
  int          panel_vectors;
  const float *packed_t;
  int          panel_vectors_t;
} FoveaTrainConvWeights;

/* Floats the packed copies take (0 when not used: depthwise, grouped,
 * no AVX-512). */
void     fovea_train_conv_packed_sizes   (const FoveaTrainConvGeom *geom,
                                          gsize                    *forward,
                                          gsize                    *input_grad);
/* Points weights at work and, where fovea_train_conv_packed_sizes says
 * so, packs work into packed and packed_t (64-byte aligned); a NULL
 * buffer leaves that GEMM to OpenBLAS. Called again whenever work
 * changes. */
void     fovea_train_conv_pack           (const FoveaTrainConvGeom *geom,
                                          FoveaTrainConvWeights    *weights,
                                          const float              *work,
                                          float                    *packed,
                                          float                    *packed_t);

/* Scratch the kernels below need, in floats: per pool thread for the
 * forward pass or also the backward (im2col tiles, a 1×1 layer's
 * accumulated input gradient), and for the weight gradient's partial
 * sums. */
gsize    fovea_train_conv_thread_scratch (const FoveaTrainConvGeom *geom,
                                          gboolean                  backward);
gsize    fovea_train_conv_partials_size  (const FoveaTrainConvGeom *geom);

/* work = PyTorch's weight [out][in/groups][kh][kw] in the working layout,
 * each output channel's filter multiplied by scale[o] (NULL: 1). */
void     fovea_train_conv_weight_to_work (const FoveaTrainConvGeom *geom,
                                          float                    *work,
                                          const float              *weight,
                                          const float              *scale);
/* grad [out][in/groups][kh][kw] += scale[o] · dwork (working layout). */
void     fovea_train_conv_grad_from_work (const FoveaTrainConvGeom *geom,
                                          float                    *grad,
                                          const float              *dwork,
                                          const float              *scale);

/* out (pixels × out_c) = act (conv (in) + bias + residual). bias (out_c)
 * and residual (pixels × out_c) may be NULL. scratch holds
 * fovea_train_conv_thread_scratch floats per pool thread. */
void     fovea_train_conv_forward       (FoveaPool                   *pool,
                                         const FoveaTrainConvGeom    *geom,
                                         float                       *out,
                                         const float                 *in,
                                         const FoveaTrainConvWeights *weights,
                                         const float                 *bias,
                                         const float                 *residual,
                                         FoveaAct                     act,
                                         float                       *scratch);

/* From dout, the gradient of the convolution's output before the
 * activation (fovea_train_act_backward has been applied):
 *   din   = (or += when accumulate) the input's gradient (NULL: none);
 *   dwork = the working weight's gradient (overwritten; NULL: none);
 *   dbias += the bias's gradient (NULL: none).
 * partials holds fovea_train_conv_partials_size floats. */
void     fovea_train_conv_backward      (FoveaPool                   *pool,
                                         const FoveaTrainConvGeom    *geom,
                                         float                       *din,
                                         gboolean                     accumulate,
                                         float                       *dwork,
                                         float                       *dbias,
                                         const float                 *dout,
                                         const float                 *in,
                                         const FoveaTrainConvWeights *weights,
                                         float                       *scratch,
                                         float                       *partials);

/* A LoRA on a 1×1 stride-1 convolution (PEFT's Conv2d LoRA),
 *   out = conv (in) + u · bᵀ,  u = in · aᵀ,
 * a rank × in_c, b out_c × rank with PEFT's scaling and any folded
 * BatchNorm scale already applied (the caller's working copy). The
 * forward pass and the input gradient go through the merged weight
 * W + b · a (the caller's working weight): the same function, one GEMM. */
typedef struct {
  int          rank;
  const float *a;
  const float *b;
} FoveaTrainConvLora;

/* The LoRA's weight gradients from the layer's dout and input, in one
 * pass over chunks of pixels (u and dout · b recomputed per chunk):
 *   da = the gradient of a (rank × in_c), db = that of the working b
 *   (out_c × rank, which the caller scales back to its own b), both
 *   overwritten; either may be NULL.
 * scratch holds fovea_train_conv_lora_thread_scratch floats per pool
 * thread, partials fovea_train_conv_lora_partials_size. */
gsize    fovea_train_conv_lora_thread_scratch (const FoveaTrainConvGeom *geom,
                                               int                       rank);
gsize    fovea_train_conv_lora_partials_size  (const FoveaTrainConvGeom *geom,
                                               int                       rank);
void     fovea_train_conv_lora_backward (FoveaPool                   *pool,
                                         const FoveaTrainConvGeom    *geom,
                                         const FoveaTrainConvLora    *lora,
                                         float                       *da,
                                         float                       *db,
                                         const float                 *dout,
                                         const float                 *in,
                                         float                       *scratch,
                                         float                       *partials);

/* d *= the activation's derivative, read from its output y (ReLU: y > 0;
 * ReLU6: 0 < y < 6, as PyTorch's threshold / hardtanh backward). */
void     fovea_train_act_backward       (FoveaPool                *pool,
                                         float                    *d,
                                         const float              *y,
                                         gsize                     n,
                                         FoveaAct             act);

/* The same derivative kept as one bit per element (bit k % 8 of byte
 * k / 8): a 32nd of the output's memory, where the output itself is not
 * needed. */
void     fovea_train_act_mask           (FoveaPool                *pool,
                                         guint8                   *mask,
                                         const float              *y,
                                         gsize                     n,
                                         FoveaAct                  act);
/* d *= the derivative a mask holds. */
void     fovea_train_act_backward_mask  (FoveaPool                *pool,
                                         float                    *d,
                                         const guint8             *mask,
                                         gsize                     n);

/* Max pooling (PyTorch's MaxPool2d, padding as -inf; the first maximum in
 * scan order wins). geom's out_c equals in_c; groups and weights unused. */
void     fovea_train_maxpool_forward    (FoveaPool                *pool,
                                         const FoveaTrainConvGeom *geom,
                                         float                    *out,
                                         const float              *in);
/* din = the gradient routed to each window's maximum (overwritten). */
void     fovea_train_maxpool_backward   (FoveaPool                *pool,
                                         const FoveaTrainConvGeom *geom,
                                         float                    *din,
                                         const float              *dout,
                                         const float              *in);

/* out (batch × channels) = the mean over each image's pixels. */
void     fovea_train_avgpool_forward    (FoveaPool   *pool,
                                         float       *out,
                                         const float *in,
                                         int          batch,
                                         int          pixels,
                                         int          channels);
/* din (batch × pixels × channels) = dout / pixels (overwritten). */
void     fovea_train_avgpool_backward   (FoveaPool   *pool,
                                         float       *din,
                                         const float *dout,
                                         int          batch,
                                         int          pixels,
                                         int          channels);

G_END_DECLS
