/* fovea-preprocess.c: pixels to a model's input tensor, exactly as the
 * PyTorch training pipelines make it, so a model sees the numbers it was
 * trained on:
 * - the image is first made 8-bit RGB, as PIL's convert("RGB") does in
 *   timm's loader (grey replicated, alpha dropped; 16-bit scaled by 1/257);
 * - timm's eval transform: torchvision Resize of the short side to
 *   floor(size / crop_pct) (for a non-square input size, timm's
 *   ResizeKeepRatio), then CenterCrop with torchvision's rounding;
 * - or the fundus pipeline: the square around the field of view, resized
 *   straight to the input size;
 * - then ToTensor (/255) and Normalize, in float32 like torch. */
#define G_LOG_DOMAIN "fovea-preprocess"

#include "fovea-preprocess.h"

#include <math.h>

#include "fovea-fov.h"
#include "fovea-task-card.h"

/* timm's DEFAULT_CROP_PCT, for a config that does not give one. */
#define DEFAULT_CROP_PCT 0.875

void
fovea_preprocess_init (FoveaPreprocess *pre, const FoveaVitConfig *config,
                       const FoveaTaskCard *card)
{
  g_return_if_fail (config != NULL);

  FoveaPretrainedCfg cfg = { .interpolation = config->interpolation,
                             .crop_pct = config->crop_pct };
  for (int i = 0; i < 3; i++)
    {
      cfg.mean[i] = config->mean[i];
      cfg.std[i] = config->std[i];
      cfg.input_size[i] = config->input_size[i];
    }
  fovea_preprocess_init_pretrained (pre, &cfg, card);
}

void
fovea_preprocess_init_pretrained (FoveaPreprocess *pre, const FoveaPretrainedCfg *config,
                                  const FoveaTaskCard *card)
{
  g_return_if_fail (pre != NULL && config != NULL);

  pre->fundus_crop = FALSE;
  pre->height = config->input_size[1];
  pre->width = config->input_size[2];
  pre->interpolation = config->interpolation;
  pre->crop_pct = config->crop_pct > 0 && config->crop_pct <= 1
                  ? config->crop_pct : DEFAULT_CROP_PCT;
  for (int c = 0; c < 3; c++)
    {
      pre->mean[c] = config->mean[c];
      pre->std[c] = config->std[c];
    }
  if (card == NULL)
    return;

  pre->fundus_crop = card->fundus_crop;
  if (card->input_height > 0)
    {
      pre->height = card->input_height;
      pre->width = card->input_width;
    }
  if (card->has_interpolation)
    pre->interpolation = card->interpolation;
  if (card->crop_pct > 0)
    pre->crop_pct = card->crop_pct;
  if (card->has_normalisation)
    {
      for (int c = 0; c < 3; c++)
        {
          pre->mean[c] = card->mean[c];
          pre->std[c] = card->std[c];
        }
    }
}

static gboolean
check_preprocess (const FoveaPreprocess *pre, GError **error)
{
  gboolean ok = pre->height > 0 && pre->width > 0 &&
                pre->crop_pct > 0 && pre->crop_pct <= 1;
  for (int c = 0; c < 3; c++)
    ok = ok && pre->std[c] > 0 && isfinite (pre->mean[c]);
  if (!ok)
    g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                 "Invalid preprocessing: input %d×%d, crop_pct %g, std (%g, %g, %g)",
                 pre->width, pre->height, pre->crop_pct,
                 pre->std[0], pre->std[1], pre->std[2]);
  return ok;
}

/* The size torchvision's Resize(int) gives: the short side becomes size,
 * the long one int(size * long / short), truncated. */
static void
short_side_size (int width, int height, int size, int *out_width, int *out_height)
{
  int shorter = MIN (width, height), longer = MAX (width, height);
  int scaled = (int) ((double) ((gint64) size * longer) / shorter);
  *out_width = width <= height ? size : scaled;
  *out_height = width <= height ? scaled : size;
}

/* Resized so the image covers scale_h × scale_w, keeping its aspect ratio:
 * timm's ResizeKeepRatio (Python's round() is half-to-even, as rint). */
static void
keep_ratio_size (int width, int height, int scale_h, int scale_w,
                 int *out_width, int *out_height)
{
  double ratio = MIN ((double) height / scale_h, (double) width / scale_w);
  *out_width = MAX (1, (int) rint (width / ratio));
  *out_height = MAX (1, (int) rint (height / ratio));
}

/* torchvision CenterCrop's offset: round((size - crop) / 2) when cropping;
 * when the crop is larger it pads with zeros, (crop - size) // 2 before. */
static int
centre_crop_offset (int size, int crop)
{
  if (crop > size)
    return -((crop - size) / 2);
  return (int) rint ((size - crop) / 2.0);
}

static FoveaImage *
resize_for_eval (const FoveaPreprocess *pre, const FoveaImage *rgb, GError **error)
{
  int scale_h = (int) floor (pre->height / pre->crop_pct);
  int scale_w = (int) floor (pre->width / pre->crop_pct);
  int width, height;
  if (scale_h == scale_w)
    short_side_size (rgb->width, rgb->height, scale_h, &width, &height);
  else
    keep_ratio_size (rgb->width, rgb->height, scale_h, scale_w, &width, &height);
  return fovea_resize (rgb, width, height, pre->interpolation, error);
}

static FoveaImage *
resize_fundus (const FoveaPreprocess *pre, const FoveaImage *rgb, GError **error)
{
  FoveaFov fov;
  fovea_fov_detect (rgb, &fov);
  g_autoptr (FoveaImage) square = fovea_fov_crop_square (rgb, &fov, error);
  if (square == NULL)
    return NULL;
  return fovea_resize (square, pre->width, pre->height, pre->interpolation, error);
}

/* ToTensor and Normalize on the crop at (top, left) of an RGB image, in
 * float32 as torch computes them; samples outside the image are 0. */
static void
normalise (const FoveaPreprocess *pre, const FoveaImage *rgb, int top, int left,
           float *out)
{
  gsize plane = (gsize) pre->height * pre->width;
  for (int y = 0; y < pre->height; y++)
    {
      int sy = y + top;
      const guint8 *row = sy >= 0 && sy < rgb->height ? fovea_image_row (rgb, sy) : NULL;
      for (int x = 0; x < pre->width; x++)
        {
          int sx = x + left;
          gboolean inside = row != NULL && sx >= 0 && sx < rgb->width;
          for (int c = 0; c < 3; c++)
            {
              float v = inside ? (float) row[3 * sx + c] / 255.0f : 0.0f;
              out[c * plane + (gsize) y * pre->width + x] = (v - pre->mean[c]) / pre->std[c];
            }
        }
    }
}

int
fovea_preprocess_decode_size (const FoveaPreprocess *pre)
{
  double crop = pre->crop_pct > 0 ? pre->crop_pct : 1.0;
  /* The field of view rarely fills less than 80 % of the frame's side. */
  double need = MAX (pre->height, pre->width) / crop * (pre->fundus_crop ? 1.25 : 1.0);
  return (int) ceil (need);
}

void
fovea_preprocess_normalise_rgb8 (const FoveaPreprocess *pre, const FoveaImage *rgb, float *out)
{
  g_return_if_fail (pre != NULL && rgb != NULL && rgb->channels == 3 && rgb->bit_depth == 8);

  FoveaPreprocess whole = *pre;
  whole.height = rgb->height;
  whole.width = rgb->width;
  normalise (&whole, rgb, 0, 0, out);
}

gboolean
fovea_preprocess_image (const FoveaPreprocess *pre, const FoveaImage *image, float *out,
                        GError **error)
{
  g_return_val_if_fail (pre != NULL && image != NULL && out != NULL, FALSE);

  if (!check_preprocess (pre, error))
    return FALSE;
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  if (rgb == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory converting a %d×%d image to RGB",
                   image->width, image->height);
      return FALSE;
    }

  g_autoptr (FoveaImage) resized = pre->fundus_crop ? resize_fundus (pre, rgb, error)
                                                    : resize_for_eval (pre, rgb, error);
  if (resized == NULL)
    return FALSE;
  normalise (pre, resized,
             centre_crop_offset (resized->height, pre->height),
             centre_crop_offset (resized->width, pre->width), out);
  return TRUE;
}
