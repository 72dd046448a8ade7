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

/* Scratch the kernels below need, in floats: per pool thread (im2col
 * tiles), and for the weight gradient's partial sums. */
gsize    fovea_train_conv_thread_scratch (const FoveaTrainConvGeom *geom);
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

/* A LoRA update on a 1×1 convolution's output, before the epilogue:
 *   out += u · bᵀ,  u = in · aᵀ (kept for the backward pass)
 * a is rank × in_c; b is out_c × rank with PEFT's scaling and any folded
 * BatchNorm scale already applied (the caller's working copy). */
typedef struct {
  int          rank;
  const float *a;
  const float *b;
  float       *u;       /* pixels × rank, written by the forward */
} FoveaTrainConvLora;

/* out (pixels × out_c) = act (conv (in) + lora + bias + residual).
 * bias (out_c) and residual (pixels × out_c) may be NULL; lora may be
 * NULL and needs a 1×1, stride-1, unpadded, ungrouped layer. scratch
 * holds fovea_train_conv_thread_scratch floats per pool thread. */
void     fovea_train_conv_forward       (FoveaPool                *pool,
                                         const FoveaTrainConvGeom *geom,
                                         float                    *out,
                                         const float              *in,
                                         const float              *work,
                                         const float              *bias,
                                         const FoveaTrainConvLora *lora,
                                         const float              *residual,
                                         FoveaAct             act,
                                         float                    *scratch);

/* From dout, the gradient of the convolution's output before the
 * activation (fovea_train_act_backward has been applied):
 *   din   = (or += when accumulate) the input's gradient (NULL: none);
 *   dwork = the working weight's gradient (overwritten; NULL: none);
 *   dbias += the bias's gradient (NULL: none).
 * partials holds fovea_train_conv_partials_size floats. */
void     fovea_train_conv_backward      (FoveaPool                *pool,
                                         const FoveaTrainConvGeom *geom,
                                         float                    *din,
                                         gboolean                  accumulate,
                                         float                    *dwork,
                                         float                    *dbias,
                                         const float              *dout,
                                         const float              *in,
                                         const float              *work,
                                         float                    *scratch,
                                         float                    *partials);

/* A LoRA's backward (lora as given to the forward, u filled):
 *   da  = the gradient of a (rank × in_c, overwritten; NULL: none);
 *   db  = the gradient of the working b (out_c × rank, overwritten;
 *         NULL: none), which the caller scales back to its own b;
 *   din += its share (NULL: none).
 * du holds pixels × rank floats of scratch; partials as for the
 * convolution (fovea_train_conv_partials_size covers it). */
void     fovea_train_conv_lora_backward (FoveaPool                *pool,
                                         const FoveaTrainConvGeom *geom,
                                         const FoveaTrainConvLora *lora,
                                         float                    *da,
                                         float                    *db,
                                         float                    *din,
                                         float                    *du,
                                         const float              *dout,
                                         const float              *in,
                                         float                    *partials);

/* d *= the activation's derivative, read from its output y (ReLU: y > 0;
 * ReLU6: 0 < y < 6, as PyTorch's threshold / hardtanh backward). */
void     fovea_train_act_backward       (FoveaPool                *pool,
                                         float                    *d,
                                         const float              *y,
                                         gsize                     n,
                                         FoveaAct             act);

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
