/* fovea-seg-config.h: a segmentation network's hyper-parameters, from the
 * config.json that segmentation_models_pytorch's hub mixin writes for a
 * Unet (smp 0.3 to 0.5), with Fovea's pretrained_cfg:
 *
 *   {"_model_class": "Unet", "encoder_name": "mobilenet_v2",
 *    "encoder_depth": 5, "encoder_weights": "imagenet",
 *    "decoder_channels": [256, 128, 64, 32, 16], "decoder_use_batchnorm": true,
 *    "decoder_attention_type": null, "in_channels": 3, "classes": 4,
 *    "activation": "sigmoid",
 *    "pretrained_cfg": {"mean": [..], "std": [..], "input_size": [3, 512, 512]}}
 *
 * Accepted: _model_class "Unet" (required; "architecture", if given, must
 * be "smp/Unet"); encoder_name "mobilenet_v2" (required); encoder_depth 5;
 * decoder_channels five positive widths (default smp's); batch norm in the
 * decoder (decoder_use_batchnorm true, or decoder_use_norm "batchnorm");
 * no attention; decoder_interpolation "nearest"; in_channels (3);
 * classes (1). activation says how logits become probabilities:
 * null or "sigmoid", one independent sigmoid map per class (the default:
 * classes may overlap, as haemorrhages and the optic disc), or "softmax" /
 * "softmax2d", a softmax over the classes at each pixel. pretrained_cfg's
 * mean and std normalise the pixels (ImageNet's by default); its
 * input_size is the scale the model was trained at, the tile size of
 * tiled inference. encoder_weights, aux_params (null), label_names and
 * other members smp or the hub add are read as notes, not arithmetic.
 * Anything else that would change the arithmetic is refused by name.
 *
 * One member is Fovea's own, as smp has no word for it:
 * "fovea_encoder_pad_type": "same" runs the encoder with TensorFlow's
 * SAME padding (as timm's pad_type "same"), the padding of the bundled
 * ImageNet MobileNetV2 (resources/models/mobilenetv2-imagenet, converted
 * from TensorFlow) that Fovea's segmentation models start from, so that
 * its encoder computes exactly what the classifier's backbone does;
 * "torch" (the default when absent) is PyTorch's symmetric padding, as
 * smp's own encoder. smp would refuse the member: such a folder is for
 * Fovea (or for smp after deleting it and accepting the shift). */
#pragma once

#include "fovea-cnn-config.h"
#include "fovea-hub-config.h"

G_BEGIN_DECLS

#define FOVEA_SEG_DECODER_BLOCKS 5
#define FOVEA_SEG_PAD_MEMBER "fovea_encoder_pad_type"

typedef enum {
  FOVEA_SEG_SIGMOID,   /* one sigmoid per class */
  FOVEA_SEG_SOFTMAX,   /* a softmax over the classes, per pixel */
} FoveaSegActivation;

typedef struct {
  char              *encoder_name;   /* "mobilenet_v2" */
  int                in_channels;
  int                classes;
  int                decoder_channels[FOVEA_SEG_DECODER_BLOCKS];
  FoveaSegActivation activation;
  gboolean           encoder_same_padding;  /* fovea_encoder_pad_type "same" */
  FoveaPretrainedCfg pretrained;
  /* The encoder as the CNN engine runs it: torchvision's mobilenet_v2,
   * headless, its tensors under "encoder.". */
  FoveaCnnConfig     encoder;
} FoveaSegConfig;

gboolean fovea_seg_config_load_file (FoveaSegConfig *config,
                                     const char     *path,
                                     GError        **error);
gboolean fovea_seg_config_load_data (FoveaSegConfig *config,
                                     const char     *json,
                                     gssize          length,
                                     GError        **error);
/* TRUE when model_dir/config.json names an smp model (_model_class): what
 * tells a segmentation folder from a classifier's. */
gboolean fovea_seg_config_is_segmentation (const char *model_dir);
void     fovea_seg_config_clear     (FoveaSegConfig *config);

G_END_DECLS
