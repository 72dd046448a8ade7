/* fovea-vit-config.h: a timm Vision Transformer's hyper-parameters, read
 * from the Hugging Face hub layout's config.json:
 *   {"architecture": "vit_base_patch16_224", "num_classes": 5,
 *    "model_args": {...overrides...},
 *    "pretrained_cfg": {"mean": [..], "std": [..], "input_size": [3, 224, 224],
 *                       "interpolation": "bicubic", "crop_pct": 0.9, ...}}
 * The architecture name gives timm's defaults (tiny/small/base/large,
 * patch size, image size); model_args override them; the root
 * num_classes wins over pretrained_cfg.num_classes. */
#pragma once

#include <glib.h>

#include "fovea-hub-config.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_VIT_POOL_TOKEN,  /* the class token ("token") */
  FOVEA_VIT_POOL_AVG,    /* mean of the patch tokens ("avg") */
} FoveaVitPool;

typedef struct {
  char             *architecture;
  int               img_size[2];     /* height, width the weights were trained at */
  int               patch_size;
  int               in_chans;
  int               embed_dim;
  int               depth;
  int               num_heads;
  double            mlp_ratio;
  gboolean          qkv_bias;
  gboolean          class_token;
  FoveaVitPool      global_pool;
  gboolean          no_embed_class;  /* position embedding excludes the prefix tokens */
  gboolean          fc_norm;         /* norm after pooling instead of before (timm's fc_norm) */
  int               reg_tokens;
  int               num_classes;     /* 0: no head, the pooled features are the output */
  /* pretrained_cfg: how to turn pixels into the input tensor */
  float             mean[3];
  float             std[3];
  int               input_size[3];   /* channels, height, width */
  FoveaResizeFilter interpolation;
  double            crop_pct;
} FoveaVitConfig;

gboolean fovea_vit_config_load_file    (FoveaVitConfig *config,
                                        const char     *path,
                                        GError        **error);
gboolean fovea_vit_config_load_data    (FoveaVitConfig *config,
                                        const char     *json,
                                        gssize          length,
                                        GError        **error);
void     fovea_vit_config_clear        (FoveaVitConfig *config);

G_END_DECLS
