/* test-image.c: FoveaImage allocation limits and format conversions. */
#include <string.h>

#include "fovea-image.h"

static void
test_new_rejects_bad_geometry (void)
{
  const struct { int w, h, c, bits; int code; } cases[] = {
    { 0, 10, 3, 8, FOVEA_IMAGE_ERROR_INVALID },
    { 10, -1, 3, 8, FOVEA_IMAGE_ERROR_INVALID },
    { 10, 10, 5, 8, FOVEA_IMAGE_ERROR_INVALID },
    { 10, 10, 3, 12, FOVEA_IMAGE_ERROR_INVALID },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error = NULL;
      FoveaImage *image = fovea_image_new (cases[i].w, cases[i].h, cases[i].c,
                                           cases[i].bits, &error);
      g_assert_null (image);
      g_assert_error (error, FOVEA_IMAGE_ERROR, cases[i].code);
      g_clear_error (&error);
    }
}

static void
test_new_fails_cleanly_when_huge (void)
{
  /* 2^31 × 2^31 × 8 bytes cannot be allocated; it must be an error, not
   * an abort, so a hostile header can never bring the process down. */
  GError *error = NULL;
  FoveaImage *image = fovea_image_new (G_MAXINT, G_MAXINT, 4, 16, &error);
  g_assert_null (image);
  g_assert_true (g_error_matches (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_TOO_LARGE) ||
                 g_error_matches (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY));
  g_clear_error (&error);
}

static void
test_new_is_zeroed_and_tight (void)
{
  g_autoptr (FoveaImage) image = fovea_image_new (7, 5, 3, 16, NULL);
  g_assert_nonnull (image);
  g_assert_cmpuint (image->stride, ==, 7 * 3 * 2);
  g_assert_cmpuint (fovea_image_bytes_per_pixel (image), ==, 6);
  g_assert_false (fovea_image_has_alpha (image));
  for (gsize i = 0; i < image->stride * 5; i++)
    g_assert_cmpuint (image->data[i], ==, 0);
}

static void
test_to_rgb8_from_grey16 (void)
{
  g_autoptr (FoveaImage) grey = fovea_image_new (3, 2, 1, 16, NULL);
  const guint16 values[] = { 0, 257, 65535, 32768, 128, 65280 };
  for (int i = 0; i < 6; i++)
    fovea_image_row16 (grey, i / 3)[i % 3] = values[i];

  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (grey);
  g_assert_cmpint (rgb->channels, ==, 3);
  g_assert_cmpint (rgb->bit_depth, ==, 8);
  for (int i = 0; i < 6; i++)
    {
      guint8 expected = (guint8) ((values[i] + 128) / 257);
      const guint8 *px = fovea_image_row (rgb, i / 3) + 3 * (i % 3);
      g_assert_cmpuint (px[0], ==, expected);
      g_assert_cmpuint (px[1], ==, expected);
      g_assert_cmpuint (px[2], ==, expected);
    }
}

static void
test_to_grey8_matches_bt601 (void)
{
  g_autoptr (FoveaImage) rgba = fovea_image_new (4, 1, 4, 8, NULL);
  const guint8 pixels[4][4] = {
    { 255, 0, 0, 255 }, { 0, 255, 0, 0 }, { 0, 0, 255, 9 }, { 100, 150, 200, 255 },
  };
  memcpy (rgba->data, pixels, sizeof pixels);

  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (rgba);
  for (int x = 0; x < 4; x++)
    {
      double luma = 0.299 * pixels[x][0] + 0.587 * pixels[x][1] + 0.114 * pixels[x][2];
      g_assert_cmpfloat_with_epsilon (grey->data[x], luma, 0.51);
    }
}

static void
test_copy_is_deep (void)
{
  g_autoptr (FoveaImage) image = fovea_image_new (2, 2, 1, 8, NULL);
  image->data[3] = 42;
  g_autoptr (FoveaImage) copy = fovea_image_copy (image);
  image->data[3] = 7;
  g_assert_cmpuint (copy->data[3], ==, 42);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/new/bad-geometry", test_new_rejects_bad_geometry);
  g_test_add_func ("/image/new/huge", test_new_fails_cleanly_when_huge);
  g_test_add_func ("/image/new/zeroed", test_new_is_zeroed_and_tight);
  g_test_add_func ("/image/convert/rgb8-from-grey16", test_to_rgb8_from_grey16);
  g_test_add_func ("/image/convert/grey8-bt601", test_to_grey8_matches_bt601);
  g_test_add_func ("/image/copy", test_copy_is_deep);
  return g_test_run ();
}
