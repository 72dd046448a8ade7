/* test-texture.c: FoveaImage → GdkTexture conversion, checked by reading
 * the texture back through GDK and comparing every pixel with values
 * computed here from the source samples. Needs no display. */
#include <gdk/gdk.h>

#include "fovea-texture.h"

/* A deterministic, non-flat sample pattern covering the full range. */
static guint
pattern (int x, int y, int c, guint max)
{
  return (guint) ((x * 7919u + y * 104729u + c * 15485863u) % (max + 1));
}

static FoveaImage *
make_image (int width, int height, int channels, int bit_depth, int padding)
{
  GError *error = NULL;
  /* Allocate wider, then narrow the width, so rows carry padding and the
   * converter must honour the stride. */
  FoveaImage *image = fovea_image_new (width + padding, height, channels,
                                       bit_depth, &error);
  g_assert_no_error (error);
  image->width = width;
  guint max = bit_depth == 16 ? 65535 : 255;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < channels; c++)
        {
          guint v = pattern (x, y, c, max);
          if (bit_depth == 16)
            fovea_image_row16 (image, y)[x * channels + c] = (guint16) v;
          else
            fovea_image_row (image, y)[x * channels + c] = (guint8) v;
        }
  return image;
}

/* The expected 8-bit, premultiplied value that GDK downloads for a source
 * sample, given its alpha (both in the source's own range). */
static double
expected_download (guint value, guint alpha, guint max)
{
  return (double) value / max * ((double) alpha / max) * 255.0;
}

static void
check_texture (const FoveaImage *image)
{
  GError *error = NULL;
  GdkTexture *texture = fovea_texture_new_from_image (image, &error);
  g_assert_no_error (error);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, image->width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, image->height);

  gsize stride = (gsize) image->width * 4;
  guint8 *pixels = g_malloc (stride * image->height);
  gdk_texture_download (texture, pixels, stride);

  guint max = image->bit_depth == 16 ? 65535 : 255;
  gboolean grey = image->channels <= 2;
  int alpha_channel = image->channels == 2 ? 1 : image->channels == 4 ? 3 : -1;

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        /* CAIRO_FORMAT_ARGB32: native-endian 0xAARRGGBB, premultiplied. */
        guint32 p = ((guint32 *) (gpointer) (pixels + y * stride))[x];
        guint got[4] = { (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, p >> 24 };
        guint alpha = alpha_channel >= 0 ? pattern (x, y, alpha_channel, max) : max;

        for (int c = 0; c < 3; c++)
          {
            guint source = pattern (x, y, grey ? 0 : c, max);
            double want = expected_download (source, alpha, max);
            g_assert_cmpfloat_with_epsilon (got[c], want, 1.01);
          }
        g_assert_cmpfloat_with_epsilon (got[3], (double) alpha / max * 255.0, 1.01);
      }

  g_free (pixels);
  g_object_unref (texture);
}

static void
test_texture_formats (void)
{
  static const struct { int channels, bit_depth; } cases[] = {
    { 1, 8 }, { 2, 8 }, { 3, 8 }, { 4, 8 },
    { 1, 16 }, { 2, 16 }, { 3, 16 }, { 4, 16 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%d channel(s), %d bit", cases[i].channels, cases[i].bit_depth);
      FoveaImage *image = make_image (37, 23, cases[i].channels, cases[i].bit_depth, 3);
      check_texture (image);
      fovea_image_free (image);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/texture/formats", test_texture_formats);
  return g_test_run ();
}
