/* fovea-seg-kernels.h: the layers a segmentation decoder adds to the CNN
 * engine's, over channels-last (NHWC) F32 arrays: nearest ×2 upsampling
 * fused with the concatenation of a skip, and the heads' sigmoid and
 * softmax, written one plane per class. */
#pragma once

#include "fovea-pool.h"

G_BEGIN_DECLS

/* out (batch × 2h × 2w × (channels + skip_channels)) = each pixel of in
 * (batch × h × w × channels) repeated 2 × 2 (F.interpolate's nearest,
 * scale 2), followed along the channels by skip (batch × 2h × 2w ×
 * skip_channels; NULL when skip_channels is 0): torch.cat ([up (x),
 * skip], 1). */
void fovea_upsample_concat_forward  (FoveaPool   *pool,
                                     float       *out,
                                     const float *in,
                                     const float *skip,
                                     int          batch,
                                     int          h,
                                     int          w,
                                     int          channels,
                                     int          skip_channels);
/* The gradients of the above: d_in (batch × h × w × channels) = the sum
 * of d_out's four pixels over each input pixel; d_skip = d_out's skip
 * channels. Each is overwritten, or added to when its accumulate flag is
 * set (a skip is read by the encoder too); either may be NULL. */
void fovea_upsample_concat_backward (FoveaPool   *pool,
                                     float       *d_in,
                                     float       *d_skip,
                                     const float *d_out,
                                     int          batch,
                                     int          h,
                                     int          w,
                                     int          channels,
                                     int          skip_channels,
                                     gboolean     accumulate_in,
                                     gboolean     accumulate_skip);

/* out (batch × classes × pixels) = sigmoid, or softmax over the classes,
 * of logits (batch × pixels × classes). */
void fovea_seg_sigmoid_planes       (float       *out,
                                     const float *logits,
                                     int          batch,
                                     gsize        pixels,
                                     int          classes);
void fovea_seg_softmax_planes       (float       *out,
                                     const float *logits,
                                     int          batch,
                                     gsize        pixels,
                                     int          classes);

G_END_DECLS
