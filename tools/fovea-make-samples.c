/* fovea-make-samples: draws the synthetic sample images that the demo and
 * the tests open, so that no real patient image is ever committed or
 * shipped. `fovea-make-samples OUTDIR` writes the files listed in
 * resources/samples/meson.build; the output is the same byte for byte on
 * every run (fixed seeds, no clock, no environment). */
#define G_LOG_DOMAIN "fovea-make-samples"

#include <stdio.h>

#include "fovea-encode.h"
#include "samples.h"
#include "sample-draw.h"

/* Cairo's ARGB32 (premultiplied, but every sample here is opaque) to an
 * 8-bit RGB or, for grey pictures, single-channel FoveaImage. */
static FoveaImage *
surface_to_image (cairo_surface_t *surface, int channels)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  FoveaImage *image = fovea_image_new (width, height, channels, 8, NULL);
  g_assert (image != NULL);

  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    {
      const guint32 *in = sample_argb_row (surface, y);
      guint8 *out = fovea_image_row (image, y);
      for (int x = 0; x < width; x++)
        {
          guint8 r = (in[x] >> 16) & 0xff, g = (in[x] >> 8) & 0xff, b = in[x] & 0xff;
          if (channels == 1)
            out[x] = g;
          else
            {
              out[3 * x] = r;
              out[3 * x + 1] = g;
              out[3 * x + 2] = b;
            }
        }
    }
  return image;
}

static gboolean
write_sample (cairo_surface_t *surface, int channels, const char *dir,
              const char *name, GError **error)
{
  g_autoptr (FoveaImage) image = surface_to_image (surface, channels);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_str_has_suffix (name, ".jpg"))
    return fovea_encode_jpeg_file (image, path, 92, error);
  return fovea_encode_png_file (image, path, error);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "Usage: %s OUTDIR\n", argv[0]);
      return 2;
    }
  const char *dir = argv[1];
  GError *error = NULL;

  cairo_surface_t *healthy = sample_fundus_healthy (1);
  cairo_surface_t *lesions = sample_fundus_lesions (2);
  cairo_surface_t *blurred = sample_fundus_blurred (healthy);
  cairo_surface_t *skin = sample_skin_naevus (3);
  cairo_surface_t *octa = sample_octa (4);

  gboolean ok = write_sample (healthy, 3, dir, "fundus-healthy.png", &error) &&
                write_sample (lesions, 3, dir, "fundus-lesions.jpg", &error) &&
                write_sample (blurred, 3, dir, "fundus-blurred.jpg", &error) &&
                write_sample (skin, 3, dir, "skin-naevus.png", &error) &&
                write_sample (octa, 1, dir, "octa-3mm.png", &error);

  cairo_surface_destroy (healthy);
  cairo_surface_destroy (lesions);
  cairo_surface_destroy (blurred);
  cairo_surface_destroy (skin);
  cairo_surface_destroy (octa);

  if (!ok)
    {
      fprintf (stderr, "%s: %s\n", argv[0], error->message);
      g_error_free (error);
      return 1;
    }
  return 0;
}
