/* test-fov.c: field-of-view detection, its mask and the square crop.
 *
 * Synthetic discs (fovea_test_synthetic_fundus) have a known circle: the
 * generator measures distances from integer pixel indices, so in FoveaFov's
 * continuous coordinates the centre is (cx + 0.5, cy + 0.5). Cut-off shares
 * are checked against the closed-form area of circular segments. Real
 * photographs are checked in tests/app/test-fov-photographs.c, which can
 * decode them. */
#include <math.h>
#include <string.h>

#include "fovea-fov.h"
#include "fovea-test-common.h"

typedef struct {
  int    width, height;
  double cx, cy, r;
} Disc;

static const Disc discs[] = {
  { 600, 600, 300, 300, 280 },
  { 565, 584, 280, 299, 268 },   /* DRIVE-like */
  { 1000, 700, 450, 380, 300 },  /* off-centre, wholly inside */
  { 800, 600, 400, 300, 350 },   /* cut by the top and the bottom */
  { 1200, 900, 560, 420, 520 },  /* cut by the top and the bottom, off-centre */
  { 900, 700, 450, 200, 330 },   /* cut by the top only */
  { 300, 240, 150, 120, 110 },   /* small */
};

/* Area of the part of a circle of radius r beyond a chord at distance d
 * from its centre (0 when d ≥ r). */
static double
segment_area (double r, double d)
{
  if (d >= r)
    return 0;
  return r * r * acos (d / r) - d * sqrt (r * r - d * d);
}

/* Share of the disc outside the frame, for discs that only the top and
 * bottom edges cut. */
static double
expected_cutoff (const Disc *d)
{
  double cy = d->cy + 0.5;
  return (segment_area (d->r, cy) + segment_area (d->r, d->height - cy)) / (G_PI * d->r * d->r);
}

static void
assert_circle (const FoveaFov *fov, const Disc *d)
{
  double tolerance = 0.01 * 2 * d->r;
  g_assert_true (fov->found);
  g_assert_cmpfloat_with_epsilon (fov->cx, d->cx + 0.5, tolerance);
  g_assert_cmpfloat_with_epsilon (fov->cy, d->cy + 0.5, tolerance);
  g_assert_cmpfloat_with_epsilon (fov->r, d->r, tolerance);
}

static void
test_synthetic_discs (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (discs); i++)
    {
      const Disc *d = &discs[i];
      g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (d->width, d->height,
                                                                  d->cx, d->cy, d->r);
      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      g_test_message ("disc %u: (%.2f, %.2f) r %.2f, coverage %.3f, cutoff %.4f "
                      "(expected %.4f)", i, fov.cx, fov.cy, fov.r, fov.coverage,
                      fov.cutoff, expected_cutoff (d));
      assert_circle (&fov, d);
      g_assert_cmpfloat (fov.coverage, >=, 0.97);
      g_assert_cmpfloat (fov.coverage, <=, 1.0);
      g_assert_cmpfloat_with_epsilon (fov.cutoff, expected_cutoff (d), 0.02);
      /* The in-frame disc area relative to the frame. */
      double in_frame = G_PI * d->r * d->r * (1 - expected_cutoff (d));
      g_assert_cmpfloat_with_epsilon (fov.area_fraction,
                                      in_frame / ((double) d->width * d->height), 0.02);
    }
}

/* JPEG leaves the black surround noisy and blocky: up to ±20 levels of
 * noise, plus a level offset per 8×8 block. */
static void
add_background_noise (FoveaImage *image, const Disc *d)
{
  GRand *rand = g_rand_new_with_seed (42);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++)
        {
          if (hypot (x - d->cx, y - d->cy) <= d->r)
            continue;
          int block = ((x / 8) * 7 + (y / 8) * 13) % 9;
          for (int c = 0; c < 3; c++)
            {
              /* Drawn once: CLAMP evaluates its argument more than once. */
              int v = 10 + block + g_rand_int_range (rand, -20, 21);
              row[3 * x + c] = (guint8) CLAMP (v, 0, 255);
            }
        }
    }
  g_rand_free (rand);
}

static void
test_noisy_background (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (discs); i++)
    {
      const Disc *d = &discs[i];
      g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (d->width, d->height,
                                                                  d->cx, d->cy, d->r);
      add_background_noise (image, d);
      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      assert_circle (&fov, d);
      g_assert_cmpfloat (fov.coverage, >=, 0.97);
    }
}

static void
test_half_field (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (discs); i++)
    {
      const Disc *d = &discs[i];
      g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (d->width, d->height,
                                                                  d->cx, d->cy, d->r);
      /* Everything left of the centre is blacked out. */
      for (int y = 0; y < image->height; y++)
        memset (fovea_image_row (image, y), 0, (gsize) (d->cx + 0.5) * 3);
      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      g_test_message ("half disc %u: (%.2f, %.2f) r %.2f, coverage %.3f",
                      i, fov.cx, fov.cy, fov.r, fov.coverage);
      assert_circle (&fov, d);
      g_assert_cmpfloat_with_epsilon (fov.coverage, 0.5, 0.05);

      /* The mask keeps the right half only. */
      g_autofree guint8 *mask = fovea_fov_mask_new (image, &fov);
      gsize left = 0, right = 0;
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          {
            guint8 m = mask[(gsize) y * image->width + x];
            if (x < d->cx - 1)
              left += m;
            else
              right += m;
          }
      g_assert_cmpuint (left, ==, 0);
      g_assert_cmpuint (right, >, 0);
    }
}

static void
assert_whole_image (const FoveaImage *image, const FoveaFov *fov)
{
  g_assert_false (fov->found);
  g_assert_cmpfloat (fov->coverage, ==, 1.0);
  g_assert_cmpfloat (fov->cutoff, ==, 0.0);
  g_assert_cmpfloat (fov->area_fraction, ==, 1.0);
  g_autofree guint8 *mask = fovea_fov_mask_new (image, fov);
  for (gsize i = 0; i < (gsize) image->width * image->height; i++)
    g_assert_cmpuint (mask[i], ==, 1);
}

/* Skin-like pictures fill the frame: texture, shading and dark blotches,
 * but no dark surround. */
static void
test_textured_picture_has_no_disc (void)
{
  g_autoptr (FoveaImage) image = fovea_image_new (640, 480, 3, 8, NULL);
  GRand *rand = g_rand_new_with_seed (7);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++)
        {
          double v = 140 + 50 * sin (x * 0.05) * cos (y * 0.07) + g_rand_int_range (rand, -15, 16);
          /* A dark lesion. */
          if (hypot (x - 400, y - 200) < 60)
            v = 25 + g_rand_int_range (rand, 0, 10);
          row[3 * x] = (guint8) CLAMP (v + 30, 0, 255);
          row[3 * x + 1] = (guint8) CLAMP (v - 10, 0, 255);
          row[3 * x + 2] = (guint8) CLAMP (v - 30, 0, 255);
        }
    }
  g_rand_free (rand);
  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  assert_whole_image (image, &fov);

  /* A flat image and a tiny one have no disc either. */
  g_autoptr (FoveaImage) flat = fovea_image_new (200, 100, 1, 8, NULL);
  memset (flat->data, 128, flat->stride * flat->height);
  fovea_fov_detect (flat, &fov);
  assert_whole_image (flat, &fov);
  g_autoptr (FoveaImage) tiny = fovea_test_synthetic_fundus (12, 12, 6, 6, 5);
  fovea_fov_detect (tiny, &fov);
  assert_whole_image (tiny, &fov);
}

/* Grey and 16-bit images give the same circle as 8-bit colour. */
static void
test_depths_and_channels (void)
{
  const Disc *d = &discs[3];
  g_autoptr (FoveaImage) rgb = fovea_test_synthetic_fundus (d->width, d->height, d->cx, d->cy, d->r);
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (rgb);
  g_autoptr (FoveaImage) rgba16 = fovea_image_new (d->width, d->height, 4, 16, NULL);
  for (int y = 0; y < d->height; y++)
    for (int x = 0; x < d->width; x++)
      for (int c = 0; c < 4; c++)
        fovea_image_row16 (rgba16, y)[4 * x + c] =
          c == 3 ? 65535 : fovea_image_row (rgb, y)[3 * x + c] * 257;

  const FoveaImage *images[] = { grey, rgba16 };
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      FoveaFov fov;
      fovea_fov_detect (images[i], &fov);
      assert_circle (&fov, d);
    }
}

static void
test_mask_matches_circle (void)
{
  const Disc *d = &discs[0];
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (d->width, d->height, d->cx, d->cy, d->r);
  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  g_autofree guint8 *mask = fovea_fov_mask_new (image, &fov);
  gsize both = 0, either = 0;
  for (int y = 0; y < d->height; y++)
    for (int x = 0; x < d->width; x++)
      {
        gboolean expected = hypot (x - d->cx, y - d->cy) <= d->r;
        gboolean got = mask[(gsize) y * d->width + x];
        g_assert_cmpuint (got, <=, 1);
        both += expected && got;
        either += expected || got;
      }
  g_assert_cmpfloat ((double) both / either, >=, 0.99);
}

static void
test_crop_square (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (discs); i++)
    {
      const Disc *d = &discs[i];
      g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (d->width, d->height,
                                                                  d->cx, d->cy, d->r);
      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      GError *error = NULL;
      g_autoptr (FoveaImage) crop = fovea_fov_crop_square (image, &fov, &error);
      g_assert_no_error (error);
      g_assert_cmpint (crop->width, ==, crop->height);
      g_assert_cmpint (crop->width, ==, (int) round (2 * fov.r));
      g_assert_cmpint (crop->channels, ==, 3);

      /* The bright disc is centred in the crop: its bounding box is
       * symmetric about the middle (a cut disc only loses its top/bottom,
       * so its horizontal extent is still the full diameter). */
      int x0 = crop->width, x1 = -1;
      double sum_x = 0, sum_y = 0, n = 0;
      for (int y = 0; y < crop->height; y++)
        for (int x = 0; x < crop->width; x++)
          if (fovea_image_row (crop, y)[3 * x] > 20)
            {
              x0 = MIN (x0, x);
              x1 = MAX (x1, x);
              sum_x += x + 0.5;
              sum_y += y + 0.5;
              n++;
            }
      double tolerance = 0.01 * crop->width;
      g_assert_cmpfloat_with_epsilon ((x0 + x1 + 1) / 2.0, crop->width / 2.0, tolerance);
      g_assert_cmpfloat_with_epsilon (sum_x / n, crop->width / 2.0, tolerance);
      /* Symmetric cuts (discs 3 and 4 are centred vertically) stay centred. */
      if (fabs (d->cy + 0.5 - d->height / 2.0) < 1)
        g_assert_cmpfloat_with_epsilon (sum_y / n, crop->height / 2.0, tolerance);
      /* The corners of the square are outside the disc: black padding. */
      g_assert_cmpuint (fovea_image_row (crop, 0)[0], ==, 0);
      g_assert_cmpuint (fovea_image_row (crop, crop->height - 1)[3 * (crop->width - 1)], ==, 0);
    }
}

/* Without a disc the crop pads to a square and keeps every pixel, and
 * padding under alpha is opaque black. */
static void
test_crop_square_without_disc (void)
{
  g_autoptr (FoveaImage) image = fovea_image_new (60, 40, 4, 8, NULL);
  memset (image->data, 200, image->stride * image->height);
  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  g_assert_false (fov.found);
  GError *error = NULL;
  g_autoptr (FoveaImage) crop = fovea_fov_crop_square (image, &fov, &error);
  g_assert_no_error (error);
  g_assert_cmpint (crop->width, ==, 60);
  g_assert_cmpint (crop->height, ==, 60);
  for (int y = 0; y < 60; y++)
    {
      const guint8 *px = fovea_image_row (crop, y) + 4 * 30;
      guint8 expected = y >= 10 && y < 50 ? 200 : 0;
      g_assert_cmpuint (px[0], ==, expected);
      g_assert_cmpuint (px[3], ==, y >= 10 && y < 50 ? 200 : 255);
    }

  FoveaFov bad = fov;
  bad.r = -1;
  g_assert_null (fovea_fov_crop_square (image, &bad, &error));
  g_assert_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fov/synthetic-discs", test_synthetic_discs);
  g_test_add_func ("/fov/noisy-background", test_noisy_background);
  g_test_add_func ("/fov/half-field", test_half_field);
  g_test_add_func ("/fov/textured-no-disc", test_textured_picture_has_no_disc);
  g_test_add_func ("/fov/depths-and-channels", test_depths_and_channels);
  g_test_add_func ("/fov/mask-matches-circle", test_mask_matches_circle);
  g_test_add_func ("/fov/crop-square", test_crop_square);
  g_test_add_func ("/fov/crop-square-no-disc", test_crop_square_without_disc);
  return g_test_run ();
}
