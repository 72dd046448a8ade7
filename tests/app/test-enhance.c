/* test-enhance.c: red-free, gamma/brightness/contrast and Graham.
 *
 * References are computed here independently and straightforwardly (per
 * pixel in double precision, a direct full-resolution Gaussian for
 * Graham), and properties are checked that hold whatever the rounding. */
#include <math.h>
#include <string.h>

#include "fovea-enhance.h"
#include "fovea-test-common.h"

/* Graham: our blur runs on a grid of σ/4-pixel cells and is read back
 * bilinearly; the output gain of 4 turns its small interpolation error
 * into a rounding difference of one level on a few samples. */
#define GRAHAM_MAX_DIFF      1
#define GRAHAM_EXACT_SHARE   0.9    /* of FOV samples */

static void
assert_unchanged (const FoveaImage *image, const FoveaImage *pristine)
{
  g_assert_cmpmem (image->data, image->stride * image->height,
                   pristine->data, pristine->stride * pristine->height);
}

static guint8
sample8 (const FoveaImage *image, int x, int y, int c)
{
  if (image->bit_depth == 8)
    return fovea_image_row (image, y)[image->channels * x + c];
  return (guint8) ((fovea_image_row16 (image, y)[image->channels * x + c] + 128) / 257);
}

static FoveaImage *
random_image (int width, int height, int channels, int bit_depth, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  FoveaImage *image = fovea_image_new (width, height, channels, bit_depth, NULL);
  for (int y = 0; y < height; y++)
    for (int i = 0; i < width * channels; i++)
      {
        if (bit_depth == 8)
          fovea_image_row (image, y)[i] = (guint8) g_rand_int_range (rand, 0, 256);
        else
          fovea_image_row16 (image, y)[i] = (guint16) g_rand_int_range (rand, 0, 65536);
      }
  return image;
}

/* ---- red-free ---- */

static void
test_red_free (void)
{
  const int layouts[][2] = { { 1, 8 }, { 2, 8 }, { 3, 8 }, { 4, 8 }, { 3, 16 }, { 4, 16 } };
  for (guint i = 0; i < G_N_ELEMENTS (layouts); i++)
    {
      int channels = layouts[i][0];
      g_autoptr (FoveaImage) image = random_image (31, 17, channels, layouts[i][1], 7 + i);
      g_autoptr (FoveaImage) pristine = fovea_image_copy (image);
      g_autoptr (FoveaImage) out = fovea_enhance_red_free (image);
      assert_unchanged (image, pristine);
      g_assert_cmpint (out->channels, ==, 1);
      g_assert_cmpint (out->bit_depth, ==, 8);
      int green = channels >= 3 ? 1 : 0;
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          g_assert_cmpuint (fovea_image_row (out, y)[x], ==, sample8 (image, x, y, green));
    }
}

/* ---- gamma, brightness, contrast ---- */

/* The header's formula, evaluated per sample. */
static double
adjust_reference (int v, double gamma, double brightness, double contrast)
{
  double out = (pow (v / 255.0, 1.0 / gamma) - 0.5) * contrast + 0.5 + brightness;
  return CLAMP (out, 0.0, 1.0) * 255.0;
}

static void
test_adjust_reference (void)
{
  const double settings[][3] = {   /* gamma, brightness, contrast */
    { 1.0, 0.0, 1.0 }, { 2.2, 0.0, 1.0 }, { 0.45, 0.1, 1.3 },
    { 1.0, -0.25, 0.6 }, { 1.7, 0.2, 2.5 }, { 1.0, 0.0, 0.0 },
  };
  g_autoptr (FoveaImage) image = random_image (64, 40, 4, 8, 11);
  g_autoptr (FoveaImage) pristine = fovea_image_copy (image);
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      double g = settings[i][0], b = settings[i][1], c = settings[i][2];
      g_autoptr (FoveaImage) out = fovea_enhance_adjust (image, g, b, c);
      assert_unchanged (image, pristine);
      g_assert_cmpint (out->channels, ==, 4);
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          {
            const guint8 *s = fovea_image_row (image, y) + 4 * x;
            const guint8 *d = fovea_image_row (out, y) + 4 * x;
            for (int ch = 0; ch < 3; ch++)
              g_assert_cmpfloat (fabs (d[ch] - adjust_reference (s[ch], g, b, c)), <=, 0.5);
            g_assert_cmpuint (d[3], ==, s[3]);
          }
    }
}

/* Applies the adjustment to a 0..255 ramp and returns the 256 outputs. */
static void
adjust_ramp (double gamma, double brightness, double contrast, guint8 out[256])
{
  g_autoptr (FoveaImage) ramp = fovea_image_new (256, 1, 1, 8, NULL);
  for (int i = 0; i < 256; i++)
    ramp->data[i] = (guint8) i;
  g_autoptr (FoveaImage) adjusted = fovea_enhance_adjust (ramp, gamma, brightness, contrast);
  memcpy (out, adjusted->data, 256);
}

static void
test_adjust_properties (void)
{
  const double gammas[] = { 0.4, 1.0, 2.5 };
  const double brightnesses[] = { -0.3, 0.0, 0.25 };
  const double contrasts[] = { 0.5, 1.0, 1.8 };
  guint8 identity[256], out[256];
  adjust_ramp (1.0, 0.0, 1.0, identity);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (identity[i], ==, i);

  for (guint g = 0; g < G_N_ELEMENTS (gammas); g++)
    for (guint b = 0; b < G_N_ELEMENTS (brightnesses); b++)
      for (guint c = 0; c < G_N_ELEMENTS (contrasts); c++)
        {
          adjust_ramp (gammas[g], brightnesses[b], contrasts[c], out);
          for (int i = 1; i < 256; i++)
            g_assert_cmpuint (out[i], >=, out[i - 1]);
        }
  /* gamma > 1 lifts every level, gamma < 1 lowers it; ends are fixed. */
  adjust_ramp (2.0, 0.0, 1.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (out[i], >=, i);
  g_assert_cmpuint (out[0], ==, 0);
  g_assert_cmpuint (out[255], ==, 255);
  adjust_ramp (0.5, 0.0, 1.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (out[i], <=, i);
  /* Brightness shifts by brightness·255 until it clips. */
  adjust_ramp (1.0, 0.2, 1.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpint (out[i], ==, MIN (i + 51, 255));
  /* Contrast 0 makes everything mid-grey (127.5, rounded up); contrast 2
   * doubles distances from mid-grey until they clip. */
  adjust_ramp (1.0, 0.0, 0.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (out[i], ==, 128);
  adjust_ramp (1.0, 0.0, 2.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat (fabs (out[i] - CLAMP (2 * i - 127.5, 0.0, 255.0)), <=, 0.5);
}

static void
test_adjust_layouts (void)
{
  /* 16-bit input behaves as its 8-bit reduction; grey+alpha keeps alpha. */
  g_autoptr (FoveaImage) deep = random_image (20, 9, 3, 16, 3);
  g_autoptr (FoveaImage) out = fovea_enhance_adjust (deep, 1.8, 0.05, 1.2);
  g_assert_cmpint (out->bit_depth, ==, 8);
  for (int y = 0; y < deep->height; y++)
    for (int x = 0; x < deep->width; x++)
      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat (fabs (fovea_image_row (out, y)[3 * x + c] -
                                 adjust_reference (sample8 (deep, x, y, c), 1.8, 0.05, 1.2)),
                           <=, 0.5);

  g_autoptr (FoveaImage) grey_alpha = random_image (20, 9, 2, 8, 4);
  g_autoptr (FoveaImage) adjusted = fovea_enhance_adjust (grey_alpha, 1.0, 0.2, 1.0);
  for (int i = 0; i < 20 * 9; i++)
    {
      g_assert_cmpuint (adjusted->data[2 * i + 1], ==, grey_alpha->data[2 * i + 1]);
      g_assert_cmpuint (adjusted->data[2 * i], ==, MIN (grey_alpha->data[2 * i] + 51, 255));
    }
}

/* Out-of-range settings are held to the documented ranges; NaN is the
 * neutral value. Nothing crashes or produces garbage. */
static void
test_adjust_out_of_range (void)
{
  guint8 out[256], expected[256];
  adjust_ramp (NAN, NAN, NAN, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (out[i], ==, i);
  adjust_ramp (1.0, 5.0, 1.0, out);
  for (int i = 0; i < 256; i++)
    g_assert_cmpuint (out[i], ==, 255);
  adjust_ramp (1.0, 0.0, -3.0, out);
  adjust_ramp (1.0, 0.0, 0.0, expected);
  g_assert_cmpmem (out, 256, expected, 256);
  adjust_ramp (-1.0, 0.0, INFINITY, out);   /* no NaN: a step at mid-grey */
  for (int i = 0; i < 256; i++)
    g_assert_true (out[i] == 0 || out[i] == 255);
}

/* ---- Graham ---- */

/* Direct normalised convolution at full resolution in double precision:
 * separable Gaussian, radius 5σ, zero outside the image. Returns, per
 * pixel, `colours` local means. */
static double *
reference_local_mean (const FoveaImage *image, const guint8 *mask, int colours, double sigma)
{
  int w = image->width, h = image->height, lanes = colours + 1;
  int radius = (int) ceil (5.0 * sigma);
  double *kernel = g_new (double, 2 * radius + 1);
  for (int j = -radius; j <= radius; j++)
    kernel[j + radius] = exp (-0.5 * j * j / (sigma * sigma));

  gsize n = (gsize) w * h * lanes;
  double *plane = g_new0 (double, n), *tmp = g_new0 (double, n);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double *p = plane + ((gsize) y * w + x) * lanes;
        double m = mask[(gsize) y * w + x] ? 1.0 : 0.0;
        for (int c = 0; c < colours; c++)
          p[c] = m * fovea_image_row (image, y)[image->channels * x + c];
        p[colours] = m;
      }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int j = MAX (-radius, -x); j <= MIN (radius, w - 1 - x); j++)
        for (int l = 0; l < lanes; l++)
          tmp[((gsize) y * w + x) * lanes + l] +=
            kernel[j + radius] * plane[((gsize) y * w + x + j) * lanes + l];
  memset (plane, 0, n * sizeof (double));
  for (int y = 0; y < h; y++)
    for (int j = MAX (-radius, -y); j <= MIN (radius, h - 1 - y); j++)
      for (gsize i = 0; i < (gsize) w * lanes; i++)
        plane[(gsize) y * w * lanes + i] +=
          kernel[j + radius] * tmp[(gsize) (y + j) * w * lanes + i];

  double *mean = g_new (double, (gsize) w * h * colours);
  for (gsize i = 0; i < (gsize) w * h; i++)
    for (int c = 0; c < colours; c++)
      mean[i * colours + c] = plane[i * lanes + colours] > 0
                              ? plane[i * lanes + c] / plane[i * lanes + colours] : 0.0;
  g_free (tmp);
  g_free (plane);
  g_free (kernel);
  return mean;
}

/* Compares Graham's output with the reference on a synthetic fundus of
 * the given size, FOV detected. The FOV radius is then multiplied by
 * sigma_scale: the mask stays the disc, but σ = r/30 grows, as on a
 * large photograph, without making the direct reference slow. */
static void
check_graham_against_reference (int width, int height, double sigma_scale)
{
  double r = 0.47 * MIN (width, height);
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (width, height, width / 2.0 + 3,
                                                              height / 2.0 - 2, r);
  g_autoptr (FoveaImage) pristine = fovea_image_copy (image);
  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  g_assert_true (fov.found);
  fov.r *= sigma_scale;
  g_autofree guint8 *mask = fovea_fov_mask_new (image, &fov);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) out = fovea_enhance_graham (image, &fov, &error);
  g_assert_no_error (error);
  assert_unchanged (image, pristine);
  g_autofree double *mean = reference_local_mean (image, mask, 3, fov.r / 30.0);

  int max_diff = 0;
  gsize inside = 0, exact = 0;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 3; c++)
        {
          int got = fovea_image_row (out, y)[3 * x + c];
          if (!mask[(gsize) y * width + x])
            {
              g_assert_cmpint (got, ==, 0);
              continue;
            }
          double v = 4.0 * (fovea_image_row (image, y)[3 * x + c]
                            - mean[((gsize) y * width + x) * 3 + c]) + 128.0;
          int expected = (int) floor (CLAMP (v, 0.0, 255.0) + 0.5);
          int diff = abs (got - expected);
          max_diff = MAX (max_diff, diff);
          exact += diff == 0;
          inside++;
        }
  g_test_message ("%d×%d, σ = %.2f: max |diff| %d, %.3f %% of %" G_GSIZE_FORMAT
                  " FOV samples exact", width, height, fov.r / 30.0, max_diff,
                  100.0 * exact / inside, inside);
  g_assert_cmpint (max_diff, <=, GRAHAM_MAX_DIFF);
  g_assert_cmpfloat ((double) exact / inside, >=, GRAHAM_EXACT_SHARE);
}

static void
test_graham_reference (void)
{
  /* σ ≈ 4, 12, 20 and 33: blurs on grids of 1, 3, 5 and 8 pixel cells. */
  check_graham_against_reference (260, 250, 1.0);
  check_graham_against_reference (520, 500, 1.5);
  check_graham_against_reference (400, 380, 3.5);
  check_graham_against_reference (400, 380, 5.5);
}

/* A flat disc maps to 128 right up to its rim (no dark bleeding from
 * the surround); outside the FOV everything is black, alpha is kept. */
static void
test_graham_flat (void)
{
  int w = 300, h = 280;
  g_autoptr (FoveaImage) image = fovea_image_new (w, h, 4, 8, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = fovea_image_row (image, y) + 4 * x;
        gboolean disc = hypot (x + 0.5 - 150, y + 0.5 - 140) < 130;
        p[0] = disc ? 170 : 3;
        p[1] = disc ? 90 : 2;
        p[2] = disc ? 40 : 1;
        p[3] = (guint8) (x ^ y);
      }
  FoveaFov fov;
  fovea_fov_detect (image, &fov);
  g_assert_true (fov.found);
  g_autofree guint8 *mask = fovea_fov_mask_new (image, &fov);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) out = fovea_enhance_graham (image, &fov, &error);
  g_assert_no_error (error);
  gsize inside = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *d = fovea_image_row (out, y) + 4 * x;
        gboolean in_mask = mask[(gsize) y * w + x];
        for (int c = 0; c < 3; c++)
          g_assert_cmpint (abs (d[c] - (in_mask ? 128 : 0)), <=, in_mask ? 1 : 0);
        g_assert_cmpuint (d[3], ==, (guint8) (x ^ y));
        if (hypot (x + 0.5 - 150, y + 0.5 - 140) > 133)
          g_assert_false (in_mask);
        inside += in_mask;
      }
  /* The disc is the FOV: nearly all of its π·130² pixels are inside. */
  g_assert_cmpfloat (inside, >, 0.97 * G_PI * 130 * 130);
}

static void
test_graham_layouts (void)
{
  g_autoptr (FoveaImage) rgb = fovea_test_synthetic_fundus (200, 180, 100, 90, 85);
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (rgb);
  FoveaFov fov;
  fovea_fov_detect (rgb, &fov);
  g_autoptr (FoveaImage) out_grey = fovea_enhance_graham (grey, &fov, NULL);
  g_assert_cmpint (out_grey->channels, ==, 1);
  /* FOV NULL: detected inside, so the same result as with it given. */
  g_autoptr (FoveaImage) given = fovea_enhance_graham (rgb, &fov, NULL);
  g_autoptr (FoveaImage) detected = fovea_enhance_graham (rgb, NULL, NULL);
  g_assert_cmpmem (given->data, given->stride * given->height,
                   detected->data, detected->stride * detected->height);

  FoveaFov bad = fov;
  const double radii[] = { 0.0, -5.0, NAN, INFINITY };
  for (guint i = 0; i < G_N_ELEMENTS (radii); i++)
    {
      g_autoptr (GError) error = NULL;
      bad.r = radii[i];
      g_assert_null (fovea_enhance_graham (rgb, &bad, &error));
      g_assert_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/enhance/red-free", test_red_free);
  g_test_add_func ("/enhance/adjust/reference", test_adjust_reference);
  g_test_add_func ("/enhance/adjust/properties", test_adjust_properties);
  g_test_add_func ("/enhance/adjust/layouts", test_adjust_layouts);
  g_test_add_func ("/enhance/adjust/out-of-range", test_adjust_out_of_range);
  g_test_add_func ("/enhance/graham/reference", test_graham_reference);
  g_test_add_func ("/enhance/graham/flat", test_graham_flat);
  g_test_add_func ("/enhance/graham/layouts", test_graham_layouts);
  return g_test_run ();
}
