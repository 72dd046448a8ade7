/* fovea-modality-guess.c: a first guess at the modality from the pixels.
 *
 * OCTA en-face projections are grey; fundus photographs have a bright disc
 * on a black surround; anything else in colour is taken as a skin photo.
 * The guess is only a default: the CLI and the UI let the user override it. */
#include "fovea-modality-guess.h"

#include "fovea-fov.h"

/* A colour image whose channels never differ by more than this is grey. */
#define GREY_TOLERANCE 6

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
          int r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
          if (ABS (r - g) > GREY_TOLERANCE || ABS (g - b) > GREY_TOLERANCE)
            return FALSE;
        }
    }
  return TRUE;
}

FoveaModality
fovea_modality_guess (const FoveaImage *image)
{
  if (is_greyscale (image))
    return FOVEA_MODALITY_OCTA;

  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  return fov.found ? FOVEA_MODALITY_FUNDUS : FOVEA_MODALITY_SKIN;
}
