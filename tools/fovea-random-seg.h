/* fovea-random-seg.h: segmentation networks (fovea-seg.h's Unet) with
 * seeded random weights, in the hub layout, for the parity fixtures and
 * benchmarks; the weights are fovea-random-cnn.h's, tensor by tensor. */
#pragma once

#include "fovea-seg.h"

G_BEGIN_DECLS

/* Writes dir/config.json (config_json) and dir/model.safetensors. */
gboolean fovea_random_seg_write       (const char *dir,
                                       const char *config_json,
                                       FoveaDType  dtype,
                                       guint64     seed,
                                       GError    **error);
/* config.json of a Unet on mobilenet_v2 as smp's hub mixin writes it,
 * with pretrained_cfg (ImageNet's mean and std, input_size 3 × size ×
 * size); activation NULL writes null. */
char    *fovea_random_seg_config_json (int         classes,
                                       const int  *decoder_channels,
                                       const char *activation,
                                       int         size);

G_END_DECLS
