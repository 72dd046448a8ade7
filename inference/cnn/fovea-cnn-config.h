/* fovea-cnn-config.h: a convolutional network's hyper-parameters, from
 * the hub layout's config.json (as timm writes it):
 *   {"architecture": "resnet50", "num_classes": 5, "global_pool": "avg",
 *    "model_args": {"pad_type": "same"},
 *    "pretrained_cfg": {"mean": [..], "std": [..], "input_size": [3, 224, 224],
 *                       "interpolation": "bilinear", "crop_pct": 0.875, ...}}
 *
 * Architectures (a timm name may carry a ".tag", as "resnet50.a1_in1k"):
 *   resnet18, resnet34, resnet50          timm; tensor names as torchvision's
 *   mobilenetv2_100                       timm (conv_stem, blocks.S.B..., conv_head)
 *   torchvision/resnet18|34|50            torchvision's resnetN
 *   torchvision/mobilenet_v2              torchvision (features.N..., classifier.1)
 *
 * num_classes 0 is a headless model: the pooled features are its output.
 * global_pool (at the root or in model_args) is "avg" (the default),
 * "max" or "avgmax" (the mean of the two, as timm's). model_args.pad_type
 * "same" pads every convolution and the max pool as TensorFlow's SAME
 * does: the total padding that keeps ceil(size / stride) outputs, the
 * odd pixel at the bottom and right (so stride-2 layers on even sizes pad
 * bottom/right only). model_args.bn_eps sets BatchNorm's epsilon
 * (default 1e-5, as PyTorch; timm's TF ports say 1e-3). */
#pragma once

#include "fovea-hub-config.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_CNN_RESNET,
  FOVEA_CNN_MOBILENETV2,
} FoveaCnnFamily;

/* Whose tensor names the weights have. */
typedef enum {
  FOVEA_CNN_NAMES_TIMM,
  FOVEA_CNN_NAMES_TORCHVISION,
} FoveaCnnNaming;

typedef enum {
  FOVEA_CNN_POOL_AVG,
  FOVEA_CNN_POOL_MAX,
  FOVEA_CNN_POOL_AVGMAX,
} FoveaCnnPool;

typedef struct {
  char              *architecture;  /* as config.json gives it */
  FoveaCnnFamily     family;
  FoveaCnnNaming     naming;
  int                depth;         /* ResNet: 18, 34 or 50; MobileNetV2: 0 */
  int                in_chans;
  int                num_classes;   /* 0: no head, the pooled features are the output */
  int                num_features;  /* width of the pooled features */
  FoveaCnnPool       global_pool;
  gboolean           same_padding;  /* model_args.pad_type "same" */
  double             bn_eps;
  FoveaPretrainedCfg pretrained;
} FoveaCnnConfig;

/* TRUE when architecture (with or without a ".tag") is one of the
 * names above: what a generic backbone loader dispatches on. */
gboolean fovea_cnn_architecture_is_known (const char     *architecture);

gboolean fovea_cnn_config_load_file      (FoveaCnnConfig *config,
                                          const char     *path,
                                          GError        **error);
gboolean fovea_cnn_config_load_data      (FoveaCnnConfig *config,
                                          const char     *json,
                                          gssize          length,
                                          GError        **error);
/* The defaults of an architecture alone, for a bare checkpoint given
 * with --arch: num_classes as given (its head is checked against the
 * weights), ImageNet preprocessing. */
gboolean fovea_cnn_config_init           (FoveaCnnConfig *config,
                                          const char     *architecture,
                                          int             num_classes,
                                          GError        **error);
void     fovea_cnn_config_clear          (FoveaCnnConfig *config);

G_END_DECLS
