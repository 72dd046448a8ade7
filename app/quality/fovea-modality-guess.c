/* fovea-modality-guess.c: a first guess at the modality from the pixels.
 *
 * OCTA en-face projections are grey. Fundus photographs have a bright disc
 * on a black surround, but so do many dermoscopy photos (the
 * dermatoscope's vignette), so the disc must also be retina-coloured: red
 * dominant, with little blue. Anything else in colour is skin.
 * The guess is only a default: the CLI and the UI let the user override it. */
#define G_LOG_DOMAIN "fovea-modality-guess"

#include "fovea-modality-guess.h"

#include <math.h>

#include "fovea-fov.h"

/* A colour image whose channels never differ by more than this is grey. */
#define GREY_TOLERANCE 6
/* Mean blue / mean red inside the disc: 0.21–0.49 on the 20 DRIVE fundus
 * photographs, about 0.6–0.8 on skin. (Green / red overlaps: up to 0.74
 * on DRIVE.) */
#define FUNDUS_MAX_BLUE_RED_RATIO 0.55

static gboolean
is_greyscale (const FoveaImage *image)
{
  if (image->channels < 3)
    return TRUE;

  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  if (rgb == NULL)
    return FALSE;
  /* Sample a sparse grid: enough to see colour, cheap on huge images. */
  int step_x = MAX (rgb->width / 128, 1);
  int step_y = MAX (rgb->height / 128, 1);
  for (int y = 0; y < rgb->height; y += step_y)
    {
      const guint8 *row = fovea_image_row (rgb, y);
      for (int x = 0; x < rgb->width; x += step_x)
        {
          int r = row[3 * x], g = row[3 * x + 2], b = row[3 * x + 2];
          if (ABS (r - g) > GREY_TOLERANCE || ABS (g - b) > GREY_TOLERANCE)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
is_retina_coloured (const FoveaImage *image, const FoveaFov *fov)
{
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  if (rgb == NULL)
    return FALSE;
  /* The inner 80 % of the disc: away from the rim and any vignette. */
  double inner = 0.8 * fov->r;
  int step_x = MAX (rgb->width / 128, 1);
  int step_y = MAX (rgb->height / 128, 1);
  double sum_red = 0, sum_blue = 0;
  for (int y = 0; y < rgb->height; y += step_y)
    {
      const guint8 *row = fovea_image_row (rgb, y);
      for (int x = 0; x < rgb->width; x += step_x)
        {
          if (hypot (x + 0.5 - fov->cx, y + 0.5 - fov->cy) > inner)
            continue;
          sum_red += row[3 * x];
          sum_blue += row[3 * x + 2];
        }
    }
  return sum_red > 0 && sum_blue / sum_red < FUNDUS_MAX_BLUE_RED_RATIO;
}

FoveaModality
fovea_modality_guess (const FoveaImage *image)
{
  if (is_greyscale (image))
    return FOVEA_MODALITY_OCTA;

  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  if (fov.found && is_retina_coloured (image, &fov))
    return FOVEA_MODALITY_FUNDUS;
  return FOVEA_MODALITY_SKIN;
}
