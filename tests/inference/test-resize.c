/* test-resize.c: fovea_resize against PIL's Image.resize (fixtures made by
 * tests/scripts/make-resize-fixtures.py), plus properties PIL's algorithm
 * has whatever the input: weights sum to one, constant images stay
 * constant, 16-bit agrees with 8-bit, alpha does not bleed colour. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-resize.h"
#include "fovea-resize-coeffs.h"
#include "fovea-test-common.h"

/* ---- helpers ---- */

static FoveaImage *
load_raw (const char *file, int width, int height, int channels)
{
  g_autofree char *path = fovea_test_fixture_path (file);
  g_autofree char *bytes = NULL;
  gsize length = 0;
  GError *error = NULL;

  g_file_get_contents (path, &bytes, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, (gsize) width * height * channels);

  FoveaImage *image = fovea_image_new (width, height, channels, 8, &error);
  g_assert_no_error (error);
  memcpy (image->data, bytes, length);
  return image;
}

static JsonNode *
load_manifest (void)
{
  g_autofree char *path = fovea_test_fixture_path ("resize/manifest.json");
  GError *error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static FoveaImage *
load_fixture_input (JsonObject *inputs, const char *name)
{
  JsonObject *input = json_object_get_object_member (inputs, name);
  g_autofree char *file = g_build_filename ("resize",
                                            json_object_get_string_member (input, "file"),
                                            NULL);
  return load_raw (file,
                   (int) json_object_get_int_member (input, "width"),
                   (int) json_object_get_int_member (input, "height"),
                   (int) json_object_get_int_member (input, "channels"));
}

/* Largest absolute difference between two 8-bit images of equal geometry;
 * also counts the samples that differ at all. */
static int
max_abs_diff_u8 (const FoveaImage *a, const FoveaImage *b, gsize *n_differ)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  g_assert_cmpint (a->channels, ==, b->channels);
  g_assert_cmpint (a->bit_depth, ==, b->bit_depth);

  int worst = 0;
  gsize row_len = (gsize) a->width * a->channels;
  *n_differ = 0;
  for (int y = 0; y < a->height; y++)
    for (gsize i = 0; i < row_len; i++)
      {
        int d = ABS ((int) fovea_image_row (a, y)[i] - (int) fovea_image_row (b, y)[i]);
        worst = MAX (worst, d);
        *n_differ += d != 0;
      }
  return worst;
}

static FoveaImage *
resize_or_fail (const FoveaImage *src, int width, int height, FoveaResizeFilter filter)
{
  GError *error = NULL;
  FoveaImage *out = fovea_resize (src, width, height, filter, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpint (out->width, ==, width);
  g_assert_cmpint (out->height, ==, height);
  g_assert_cmpint (out->channels, ==, src->channels);
  g_assert_cmpint (out->bit_depth, ==, src->bit_depth);
  return out;
}

static FoveaImage *
widen_to_16 (const FoveaImage *src)
{
  FoveaImage *wide = fovea_image_new (src->width, src->height, src->channels, 16, NULL);
  for (int y = 0; y < src->height; y++)
    for (int i = 0; i < src->width * src->channels; i++)
      fovea_image_row16 (wide, y)[i] = (guint16) (fovea_image_row (src, y)[i] * 257);
  return wide;
}

/* ---- PIL parity ---- */

static void
test_matches_pil (void)
{
  g_autoptr (JsonNode) root = load_manifest ();
  JsonObject *manifest = json_node_get_object (root);
  JsonObject *inputs = json_object_get_object_member (manifest, "inputs");
  JsonArray *cases = json_object_get_array_member (manifest, "cases");
  gsize total_samples = 0, total_differ = 0;

  g_assert_cmpuint (json_array_get_length (cases), >=, 20);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *input_name = json_object_get_string_member (c, "input");
      int width = (int) json_object_get_int_member (c, "width");
      int height = (int) json_object_get_int_member (c, "height");
      FoveaResizeFilter filter;
      g_assert_true (fovea_resize_filter_from_string (json_object_get_string_member (c, "filter"),
                                                      &filter));

      g_autoptr (FoveaImage) src = load_fixture_input (inputs, input_name);
      g_autofree char *file = g_build_filename ("resize",
                                                json_object_get_string_member (c, "file"),
                                                NULL);
      g_autoptr (FoveaImage) expected = load_raw (file, width, height, src->channels);
      g_autoptr (FoveaImage) actual = resize_or_fail (src, width, height, filter);

      gsize n_differ = 0;
      int worst = max_abs_diff_u8 (actual, expected, &n_differ);
      gsize n_samples = (gsize) width * height * src->channels;
      g_test_message ("%s %dx%d -> %dx%d %s: max diff %d, %" G_GSIZE_FORMAT
                      " of %" G_GSIZE_FORMAT " samples differ",
                      input_name, src->width, src->height, width, height,
                      json_object_get_string_member (c, "filter"),
                      worst, n_differ, n_samples);
      g_assert_cmpint (worst, <=, 1);
      total_samples += n_samples;
      total_differ += n_differ;
    }
  g_test_message ("overall: %.4f%% of %" G_GSIZE_FORMAT " samples differ from PIL",
                  100.0 * total_differ / total_samples, total_samples);
}

/* ---- properties ---- */

static void
test_coefficients_are_normalised (void)
{
  const struct { int in, out; } sizes[] = { { 565, 224 }, { 37, 81 }, { 7, 3 }, { 5, 5 }, { 1, 9 } };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int f = FOVEA_RESIZE_BILINEAR; f <= FOVEA_RESIZE_BICUBIC; f++)
      {
        g_autoptr (FoveaResizeCoeffs) coeffs =
          fovea_resize_coeffs_new (sizes[s].in, sizes[s].out, f, NULL);
        g_assert_nonnull (coeffs);
        for (int i = 0; i < coeffs->out_size; i++)
          {
            double sum = 0.0;
            gint64 fixed_sum = 0;
            g_assert_cmpint (coeffs->first[i], >=, 0);
            g_assert_cmpint (coeffs->count[i], >=, 1);
            g_assert_cmpint (coeffs->count[i], <=, coeffs->taps);
            g_assert_cmpint (coeffs->first[i] + coeffs->count[i], <=, sizes[s].in);
            for (int j = 0; j < coeffs->count[i]; j++)
              {
                sum += coeffs->weights[i * coeffs->taps + j];
                fixed_sum += coeffs->fixed[i * coeffs->taps + j];
              }
            g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-12);
            /* Each fixed-point weight is rounded by at most half a unit. */
            g_assert_cmpint (ABS (fixed_sum - (1 << FOVEA_RESIZE_PRECISION_BITS)), <=,
                             coeffs->count[i]);
          }
      }
}

static void
test_constant_image_stays_constant (void)
{
  for (int bits = 8; bits <= 16; bits += 8)
    for (int f = FOVEA_RESIZE_BILINEAR; f <= FOVEA_RESIZE_BICUBIC; f++)
      {
        g_autoptr (FoveaImage) src = fovea_image_new (53, 41, 3, bits, NULL);
        const guint16 colour[3] = { 200, 17, 99 };
        for (int y = 0; y < src->height; y++)
          for (int i = 0; i < src->width * 3; i++)
            {
              if (bits == 8)
                fovea_image_row (src, y)[i] = (guint8) colour[i % 3];
              else
                fovea_image_row16 (src, y)[i] = (guint16) (colour[i % 3] * 257);
            }

        g_autoptr (FoveaImage) out = resize_or_fail (src, 19, 97, f);
        for (int y = 0; y < out->height; y++)
          for (int i = 0; i < out->width * 3; i++)
            {
              int v = bits == 8 ? fovea_image_row (out, y)[i]
                                : fovea_image_row16 (out, y)[i];
              int want = colour[i % 3] * (bits == 8 ? 1 : 257);
              g_assert_cmpint (ABS (v - want), <=, bits == 8 ? 0 : 1);
            }
      }
}

/* The 16-bit path runs in floats without 8-bit rounding between the
 * passes, so it agrees with the 8-bit one up to that rounding: half a level
 * at the end, plus half a level of intermediate rounding scaled by the sum
 * of the vertical weights' magnitudes (bicubic's negative lobes make that
 * a little over one). On average it is about a quarter to a third of a level. */
static void
test_16bit_matches_8bit (void)
{
  g_autoptr (JsonNode) root = load_manifest ();
  JsonObject *inputs = json_object_get_object_member (json_node_get_object (root), "inputs");
  const char *names[] = { "pattern-rgb", "pattern-l", "noise-rgb" };
  const struct { int w, h; } sizes[] = { { 45, 31 }, { 201, 17 }, { 60, 60 } };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      for (int f = FOVEA_RESIZE_BILINEAR; f <= FOVEA_RESIZE_BICUBIC; f++)
        {
          g_autoptr (FoveaImage) src8 = load_fixture_input (inputs, names[n]);
          g_autoptr (FoveaImage) src16 = widen_to_16 (src8);
          g_autoptr (FoveaImage) out8 = resize_or_fail (src8, sizes[s].w, sizes[s].h, f);
          g_autoptr (FoveaImage) out16 = resize_or_fail (src16, sizes[s].w, sizes[s].h, f);
          double worst = 0.0, total = 0.0;
          int n_samples = out8->width * out8->channels * out8->height;
          for (int y = 0; y < out8->height; y++)
            for (int i = 0; i < out8->width * out8->channels; i++)
              {
                double d = fabs (fovea_image_row16 (out16, y)[i] / 257.0 -
                                 fovea_image_row (out8, y)[i]);
                worst = MAX (worst, d);
                total += d;
              }
          g_test_message ("%s -> %dx%d filter %d: 16-bit/257 vs 8-bit max %.3f mean %.3f",
                          names[n], sizes[s].w, sizes[s].h, f, worst, total / n_samples);
          g_assert_cmpfloat (worst, <=, 1.25);
          g_assert_cmpfloat (total / n_samples, <=, 0.35);
        }
}

/* Premultiplied resampling: a uniform colour under a varying alpha keeps
 * its colour, and fully opaque RGBA resizes exactly as RGB does. */
static void
test_alpha_does_not_bleed (void)
{
  g_autoptr (FoveaImage) rgba = fovea_image_new (40, 30, 4, 16, NULL);
  g_autoptr (FoveaImage) opaque = fovea_image_new (40, 30, 4, 16, NULL);
  g_autoptr (FoveaImage) rgb = fovea_image_new (40, 30, 3, 16, NULL);
  const guint16 colour[3] = { 50000, 1000, 30000 };

  for (int y = 0; y < 30; y++)
    for (int x = 0; x < 40; x++)
      {
        guint16 *p = fovea_image_row16 (rgba, y) + x * 4;
        guint16 *o = fovea_image_row16 (opaque, y) + x * 4;
        guint16 *q = fovea_image_row16 (rgb, y) + x * 3;
        for (int c = 0; c < 3; c++)
          {
            p[c] = colour[c];
            o[c] = q[c] = (guint16) ((x * 1597 + y * 2311 + c * 7919) % 65536);
          }
        /* Transparent pixels carry a wrong colour that must not leak. */
        if (x < 10)
          p[0] = p[1] = p[2] = 0;
        p[3] = (guint16) (x < 10 ? 0 : (x - 10) * 2000 + 5000);
        o[3] = 65535;
      }

  for (int f = FOVEA_RESIZE_BILINEAR; f <= FOVEA_RESIZE_BICUBIC; f++)
    {
      g_autoptr (FoveaImage) out = resize_or_fail (rgba, 17, 43, f);
      for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++)
          {
            const guint16 *p = fovea_image_row16 (out, y) + x * 4;
            if (p[3] < 1000)
              continue;
            for (int c = 0; c < 3; c++)
              g_assert_cmpint (ABS ((int) p[c] - colour[c]), <=, 2);
          }

      g_autoptr (FoveaImage) out_opaque = resize_or_fail (opaque, 17, 43, f);
      g_autoptr (FoveaImage) out_rgb = resize_or_fail (rgb, 17, 43, f);
      for (int y = 0; y < out_rgb->height; y++)
        for (int x = 0; x < out_rgb->width; x++)
          for (int c = 0; c < 3; c++)
            g_assert_cmpint (ABS ((int) fovea_image_row16 (out_opaque, y)[x * 4 + c] -
                                  (int) fovea_image_row16 (out_rgb, y)[x * 3 + c]), <=, 1);
    }
}

static void
test_identity_is_exact (void)
{
  g_autoptr (JsonNode) root = load_manifest ();
  JsonObject *inputs = json_object_get_object_member (json_node_get_object (root), "inputs");
  const char *names[] = { "pattern-rgba", "pattern-la", "pattern-l", "noise-rgb" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    for (int f = FOVEA_RESIZE_BILINEAR; f <= FOVEA_RESIZE_BICUBIC; f++)
      {
        g_autoptr (FoveaImage) src = load_fixture_input (inputs, names[n]);
        g_autoptr (FoveaImage) out = resize_or_fail (src, src->width, src->height, f);
        gsize n_differ = 0;
        g_assert_cmpint (max_abs_diff_u8 (src, out, &n_differ), ==, 0);
      }
}

/* Rows are addressed through the stride, never assumed tight. */
static void
test_padded_stride (void)
{
  g_autoptr (JsonNode) root = load_manifest ();
  JsonObject *inputs = json_object_get_object_member (json_node_get_object (root), "inputs");
  g_autoptr (FoveaImage) tight = load_fixture_input (inputs, "noise-rgb");

  g_autoptr (FoveaImage) padded = g_new0 (FoveaImage, 1);
  *padded = *tight;
  padded->stride = tight->stride + 13;
  padded->data = g_malloc0 (padded->stride * tight->height);
  for (int y = 0; y < tight->height; y++)
    memcpy (fovea_image_row (padded, y), fovea_image_row (tight, y), tight->stride);

  g_autoptr (FoveaImage) a = resize_or_fail (tight, 23, 50, FOVEA_RESIZE_BICUBIC);
  g_autoptr (FoveaImage) b = resize_or_fail (padded, 23, 50, FOVEA_RESIZE_BICUBIC);
  gsize n_differ = 0;
  g_assert_cmpint (max_abs_diff_u8 (a, b, &n_differ), ==, 0);
}

/* ---- errors and names ---- */

static void
test_invalid_requests (void)
{
  g_autoptr (FoveaImage) src = fovea_image_new (8, 6, 3, 8, NULL);
  const struct { int w, h; FoveaResizeFilter filter; } cases[] = {
    { 0, 6, FOVEA_RESIZE_BILINEAR },
    { 8, 0, FOVEA_RESIZE_BICUBIC },
    { -5, 3, FOVEA_RESIZE_BILINEAR },
    { 4, -1, FOVEA_RESIZE_BICUBIC },
    { 4, 4, (FoveaResizeFilter) 42 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error = NULL;
      FoveaImage *out = fovea_resize (src, cases[i].w, cases[i].h, cases[i].filter, &error);
      g_assert_null (out);
      g_assert_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "resize"));
      g_clear_error (&error);
    }

  FoveaImage broken = *src;
  broken.channels = 5;
  GError *error = NULL;
  g_assert_null (fovea_resize (&broken, 4, 4, FOVEA_RESIZE_BILINEAR, &error));
  g_assert_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_filter_from_string (void)
{
  FoveaResizeFilter filter = FOVEA_RESIZE_BICUBIC;

  g_assert_true (fovea_resize_filter_from_string ("bilinear", &filter));
  g_assert_cmpint (filter, ==, FOVEA_RESIZE_BILINEAR);
  g_assert_true (fovea_resize_filter_from_string ("bicubic", &filter));
  g_assert_cmpint (filter, ==, FOVEA_RESIZE_BICUBIC);

  /* Unknown names leave the output alone. */
  const char *unknown[] = { "nearest", "lanczos", "", "bicubicx", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      filter = FOVEA_RESIZE_BILINEAR;
      g_assert_false (fovea_resize_filter_from_string (unknown[i], &filter));
      g_assert_cmpint (filter, ==, FOVEA_RESIZE_BILINEAR);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/resize/matches-pil", test_matches_pil);
  g_test_add_func ("/resize/coefficients-normalised", test_coefficients_are_normalised);
  g_test_add_func ("/resize/constant-stays-constant", test_constant_image_stays_constant);
  g_test_add_func ("/resize/16bit-matches-8bit", test_16bit_matches_8bit);
  g_test_add_func ("/resize/alpha-does-not-bleed", test_alpha_does_not_bleed);
  g_test_add_func ("/resize/identity-is-exact", test_identity_is_exact);
  g_test_add_func ("/resize/padded-stride", test_padded_stride);
  g_test_add_func ("/resize/invalid-requests", test_invalid_requests);
  g_test_add_func ("/resize/filter-from-string", test_filter_from_string);

  return g_test_run ();
}
