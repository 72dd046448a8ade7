/* fovea-adjust.c: red-free view and gamma/brightness/contrast. */
#define G_LOG_DOMAIN "fovea-adjust"

#include "fovea-enhance.h"
#include "fovea-enhance-private.h"

#include <math.h>

FoveaImage *
fovea_enhance_red_free (const FoveaImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);

  g_autoptr (FoveaImage) owned = NULL;
  const FoveaImage *src = fovea_enhance_source8 (image, &owned, NULL);
  if (src == NULL)
    return NULL;
  FoveaImage *out = fovea_image_new (src->width, src->height, 1, 8, NULL);
  if (out == NULL)
    return NULL;

  /* Grey images have no green: their single channel is the view. */
  int n = src->channels;
  int green = n >= 3 ? 1 : 0;
  for (int y = 0; y < src->height; y++)
    {
      const guint8 *s = fovea_image_row (src, y) + green;
      guint8 *d = fovea_image_row (out, y);
      for (int x = 0; x < src->width; x++)
        d[x] = s[n * x];
    }
  return out;
}

/* NaN means "unset" and gives the neutral value; anything else is held
 * to the range the header documents, so a wild slider cannot produce
 * infinities in the table. */
static double
sanitize (double value, double lo, double hi, double neutral)
{
  if (isnan (value))
    return neutral;
  return CLAMP (value, lo, hi);
}

static void
build_adjust_lut (double gamma, double brightness, double contrast,
                  guint8 lut[256])
{
  for (int i = 0; i < 256; i++)
    {
      double v = pow (i / 255.0, 1.0 / gamma);
      v = (v - 0.5) * contrast + 0.5 + brightness;
      lut[i] = (guint8) floor (CLAMP (v, 0.0, 1.0) * 255.0 + 0.5);
    }
}

FoveaImage *
fovea_enhance_adjust (const FoveaImage *image,
                      double            gamma,
                      double            brightness,
                      double            contrast)
{
  g_return_val_if_fail (image != NULL, NULL);

  guint8 lut[256];
  build_adjust_lut (sanitize (gamma, 1e-3, 1e3, 1.0),
                    sanitize (brightness, -1.0, 1.0, 0.0),
                    sanitize (contrast, 0.0, 1e3, 1.0), lut);

  g_autoptr (FoveaImage) owned = NULL;
  const FoveaImage *src = fovea_enhance_source8 (image, &owned, NULL);
  if (src == NULL)
    return NULL;
  FoveaImage *out = fovea_image_new (src->width, src->height, src->channels, 8, NULL);
  if (out == NULL)
    return NULL;

  /* Every sample goes through the table; alpha is then put back, which
   * is cheaper than testing the channel of each sample. */
  gsize samples = (gsize) src->width * (gsize) src->channels;
  for (int y = 0; y < src->height; y++)
    {
      const guint8 *s = fovea_image_row (src, y);
      guint8 *d = fovea_image_row (out, y);
      for (gsize i = 0; i < samples; i++)
        d[i] = lut[s[i]];
    }
  if (fovea_image_has_alpha (src))
    fovea_enhance_copy_alpha (src, out);
  return out;
}
