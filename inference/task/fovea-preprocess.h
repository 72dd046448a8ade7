/* fovea-preprocess.h: from decoded pixels to a model's input tensor.
 *
 * Any image is first made 8-bit RGB (grey replicated, alpha dropped,
 * 16-bit scaled), as PIL's convert("RGB") in timm's loader. Fundus
 * pipeline (card's fundus_crop): crop the square around the field of view
 * (fovea_fov_crop_square), resize to the input size with the model's
 * filter (PIL-exact), normalise. Otherwise timm's evaluation transform:
 * resize the short side to floor(size / crop_pct), centre-crop with
 * torchvision's rounding, then normalise. The bytes before normalisation
 * are exactly torchvision's. Output is 3 × height × width F32,
 * channel-planar. */
#pragma once

#include "fovea-image.h"
#include "fovea-resize.h"
#include "fovea-vit-config.h"

G_BEGIN_DECLS

/* Only read for its preprocessing overrides (fovea-task-card.h): the
 * pixel pipeline does not depend on what a card means. */
typedef struct _FoveaTaskCard FoveaTaskCard;

typedef struct {
  gboolean          fundus_crop;
  int               height, width;
  FoveaResizeFilter interpolation;
  double            crop_pct;
  float             mean[3], std[3];
} FoveaPreprocess;

/* From the model's pretrained_cfg, then the card's overrides (card may be
 * NULL). A crop_pct outside (0, 1] becomes timm's default, 0.875. */
void     fovea_preprocess_init  (FoveaPreprocess      *pre,
                                 const FoveaVitConfig *config,
                                 const FoveaTaskCard  *card);
/* The same from any model family's pretrained_cfg (a CNN's). */
void     fovea_preprocess_init_pretrained (FoveaPreprocess          *pre,
                                           const FoveaPretrainedCfg *config,
                                           const FoveaTaskCard      *card);
/* The smallest side an image needs for this preprocessing to lose
 * nothing: the input size before the centre crop, with a margin for the
 * fundus crop. A decoder may scale a larger image down to it (JPEG DCT
 * scaling) and the model sees the same detail. */
int      fovea_preprocess_decode_size (const FoveaPreprocess *pre);
/* out must hold 3 × pre->height × pre->width floats. */
gboolean fovea_preprocess_image (const FoveaPreprocess *pre,
                                 const FoveaImage      *image,
                                 float                 *out,
                                 GError               **error);

/* ToTensor and Normalize alone, on a whole 8-bit RGB image of any size
 * (no resize, no crop: a segmenter's input): out must hold 3 × rgb->height
 * × rgb->width floats. Uses pre's mean and std only. */
void     fovea_preprocess_normalise_rgb8 (const FoveaPreprocess *pre,
                                          const FoveaImage      *rgb,
                                          float                 *out);

G_END_DECLS
