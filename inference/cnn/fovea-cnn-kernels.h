/* fovea-cnn-kernels.h: the CNN layers other than convolution, over
 * channels-last (NHWC) F32 arrays: the input's change of layout,
 * max pooling and global pooling. Each is vectorised along the channels
 * and, where it is worth it, spread over the pool's threads. */
#pragma once

#include "fovea-cnn-config.h"
#include "fovea-conv.h"

G_BEGIN_DECLS

/* out (batch × height × width × channels) = in (batch × channels ×
 * height × width): the caller's NCHW pixels to the engine's layout. */
void fovea_nchw_to_nhwc         (FoveaPool              *pool,
                                 float                  *out,
                                 const float            *in,
                                 int                     batch,
                                 int                     channels,
                                 int                     height,
                                 int                     width);

/* Max pooling over window (padding never wins: it counts as -∞, as in
 * PyTorch and TensorFlow); shape is fovea_window_shape's. */
void fovea_max_pool_forward     (FoveaPool              *pool,
                                 const FoveaWindow      *window,
                                 const FoveaWindowShape *shape,
                                 int                     batch,
                                 int                     channels,
                                 const float            *in,
                                 float                  *out);

/* out (batch × channels) = each image's mean, max, or mean of the two
 * (timm's avgmax) over its pixels (in: batch × pixels × channels); max
 * is scratch for channels floats. */
void fovea_global_pool_forward  (float                  *out,
                                 float                  *max,
                                 const float            *in,
                                 int                     batch,
                                 int                     pixels,
                                 int                     channels,
                                 FoveaCnnPool            kind);

G_END_DECLS
