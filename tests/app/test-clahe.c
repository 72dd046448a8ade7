/* test-clahe.c: CLAHE against OpenCV's outputs, and its contract.
 *
 * tests/fixtures/clahe/ was written by tests/scripts/make-clahe-fixtures.py
 * with OpenCV 4.6 (cv2.createCLAHE for grey; RGB2LAB → CLAHE on L →
 * LAB2RGB for colour). Tolerances:
 *  - grey: at most 1 grey level anywhere (our arithmetic is OpenCV's, in
 *    the same single precision);
 *  - colour: our L is OpenCV's fixed-point L exactly, so the histograms
 *    agree, but OpenCV rounds a* and b* to bytes and converts back in
 *    fixed point, while we keep a*, b* unrounded and convert back in
 *    floating point. Half a step of a* or b* moves sRGB by up to about one
 *    level, and OpenCV's own RGB→Lab→RGB round trip is off by up to 3.
 *    So: within 1 level on ≥ 99.5 % of samples and at most 2 anywhere. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-enhance.h"
#include "fovea-test-common.h"

#define GREY_MAX_DIFF        1
#define COLOUR_CLOSE_DIFF    1
#define COLOUR_CLOSE_SHARE   0.995
#define COLOUR_MAX_DIFF      2

typedef struct {
  char  *input;      /* fixture file names */
  char  *expected;
  int    width, height, channels;
  double clip_limit;
  int    tiles_x, tiles_y;
} ClaheCase;

static void
clahe_case_free (gpointer data)
{
  ClaheCase *c = data;
  g_free (c->input);
  g_free (c->expected);
  g_free (c);
}

/* Reads a gzipped raw fixture, which must hold exactly `size` bytes. */
static guint8 *
load_raw_gz (const char *name, gsize size)
{
  g_autofree char *path = fovea_test_fixture_path (name);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileInputStream) raw = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GZlibDecompressor) gunzip = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr (GInputStream) stream = g_converter_input_stream_new (G_INPUT_STREAM (raw),
                                                                 G_CONVERTER (gunzip));
  guint8 *data = g_malloc (size + 1);
  gsize got = 0;
  g_input_stream_read_all (stream, data, size + 1, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, size);
  return data;
}

static FoveaImage *
image_from_bytes (const guint8 *data, int width, int height, int channels)
{
  FoveaImage *image = fovea_image_new (width, height, channels, 8, NULL);
  g_assert_nonnull (image);
  gsize row = (gsize) width * channels;
  for (int y = 0; y < height; y++)
    memcpy (fovea_image_row (image, y), data + y * row, row);
  return image;
}

static void
test_opencv_parity (gconstpointer data)
{
  const ClaheCase *c = data;
  gsize size = (gsize) c->width * c->height * c->channels;
  g_autofree guint8 *input = load_raw_gz (c->input, size);
  g_autofree guint8 *expected = load_raw_gz (c->expected, size);
  g_autoptr (FoveaImage) image = image_from_bytes (input, c->width, c->height, c->channels);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) out = fovea_enhance_clahe (image, c->clip_limit,
                                                    c->tiles_x, c->tiles_y, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpint (out->channels, ==, c->channels);

  int max_diff = 0;
  gsize close = 0, exact = 0;
  gsize row = (gsize) c->width * c->channels;
  for (int y = 0; y < c->height; y++)
    {
      const guint8 *got = fovea_image_row (out, y);
      for (gsize i = 0; i < row; i++)
        {
          int diff = abs ((int) got[i] - (int) expected[y * row + i]);
          max_diff = MAX (max_diff, diff);
          close += diff <= COLOUR_CLOSE_DIFF;
          exact += diff == 0;
        }
    }
  double close_share = (double) close / size;
  g_test_message ("%s: max |diff| %d, %.3f %% exact, %.3f %% within %d",
                  c->expected, max_diff, 100.0 * exact / size,
                  100.0 * close_share, COLOUR_CLOSE_DIFF);
  if (c->channels == 1)
    {
      g_assert_cmpint (max_diff, <=, GREY_MAX_DIFF);
      return;
    }
  g_assert_cmpint (max_diff, <=, COLOUR_MAX_DIFF);
  g_assert_cmpfloat (close_share, >=, COLOUR_CLOSE_SHARE);
}

/* Registers one parity test per case of the manifest. */
static void
add_parity_tests (void)
{
  g_autofree char *path = fovea_test_fixture_path ("clahe/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));

  g_autoptr (GHashTable) inputs = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *input_list = json_object_get_array_member (root, "inputs");
  for (guint i = 0; i < json_array_get_length (input_list); i++)
    {
      JsonObject *input = json_array_get_object_element (input_list, i);
      g_hash_table_insert (inputs, (gpointer) json_object_get_string_member (input, "name"),
                           input);
    }

  JsonArray *cases = json_object_get_array_member (root, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >, 0);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *entry = json_array_get_object_element (cases, i);
      JsonObject *input = g_hash_table_lookup (inputs,
                                               json_object_get_string_member (entry, "input"));
      g_assert_nonnull (input);
      ClaheCase *c = g_new0 (ClaheCase, 1);
      c->input = g_build_filename ("clahe", json_object_get_string_member (input, "file"), NULL);
      c->expected = g_build_filename ("clahe", json_object_get_string_member (entry, "expected"),
                                      NULL);
      c->width = json_object_get_int_member (input, "width");
      c->height = json_object_get_int_member (input, "height");
      c->channels = json_object_get_int_member (input, "channels");
      c->clip_limit = json_object_get_double_member (entry, "clip_limit");
      c->tiles_x = json_object_get_int_member (entry, "tiles_x");
      c->tiles_y = json_object_get_int_member (entry, "tiles_y");
      g_autofree char *test_path = g_strdup_printf ("/clahe/opencv/%s",
                                                    json_object_get_string_member (entry, "expected"));
      g_test_add_data_func_full (test_path, c, test_opencv_parity, clahe_case_free);
    }
}

static void
assert_clahe_fails (const FoveaImage *image, double clip, int tiles_x, int tiles_y)
{
  g_autoptr (GError) error = NULL;
  FoveaImage *out = fovea_enhance_clahe (image, clip, tiles_x, tiles_y, &error);
  g_assert_null (out);
  g_assert_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID);
  g_test_message ("clip %g, grid %d×%d: %s", clip, tiles_x, tiles_y, error->message);
}

static void
test_invalid_parameters (void)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (40, 30, 20, 15, 14);
  assert_clahe_fails (image, 0.0, 8, 8);
  assert_clahe_fails (image, -2.0, 8, 8);
  assert_clahe_fails (image, NAN, 8, 8);
  assert_clahe_fails (image, 2.0, 0, 8);
  assert_clahe_fails (image, 2.0, 8, -1);
  assert_clahe_fails (image, 2.0, 41, 8);
  assert_clahe_fails (image, 2.0, 8, 31);
}

static FoveaImage *
with_alpha (const FoveaImage *image)
{
  int n = image->channels;
  FoveaImage *out = fovea_image_new (image->width, image->height, n + 1, 8, NULL);
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        const guint8 *s = fovea_image_row (image, y) + n * x;
        guint8 *d = fovea_image_row (out, y) + (n + 1) * x;
        memcpy (d, s, n);
        d[n] = (guint8) (x * 7 + y * 3);
      }
  return out;
}

static FoveaImage *
widened_to_16bit (const FoveaImage *image)
{
  FoveaImage *out = fovea_image_new (image->width, image->height, image->channels, 16, NULL);
  for (int y = 0; y < image->height; y++)
    for (int i = 0; i < image->width * image->channels; i++)
      fovea_image_row16 (out, y)[i] = (guint16) (fovea_image_row (image, y)[i] * 257);
  return out;
}

static void
assert_same_colours (const FoveaImage *a, const FoveaImage *b)
{
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  int na = a->channels, nb = b->channels, colours = MIN (na, nb) <= 2 ? 1 : 3;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      g_assert_cmpmem (fovea_image_row (a, y) + na * x, colours,
                       fovea_image_row (b, y) + nb * x, colours);
}

/* Alpha is carried through untouched, 16-bit input behaves as its 8-bit
 * reduction, and the source is left as it was. */
static void
test_layouts (void)
{
  g_autoptr (FoveaImage) rgb = fovea_test_synthetic_fundus (123, 77, 60, 40, 36);
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (rgb);
  const FoveaImage *bases[] = { grey, rgb };
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    {
      const FoveaImage *base = bases[i];
      g_autoptr (FoveaImage) pristine = fovea_image_copy (base);
      g_autoptr (FoveaImage) alpha = with_alpha (base);
      g_autoptr (FoveaImage) deep = widened_to_16bit (base);

      g_autoptr (FoveaImage) ref = fovea_enhance_clahe (base, 2.0, 8, 8, NULL);
      g_autoptr (FoveaImage) got_alpha = fovea_enhance_clahe (alpha, 2.0, 8, 8, NULL);
      g_autoptr (FoveaImage) got_deep = fovea_enhance_clahe (deep, 2.0, 8, 8, NULL);
      g_assert_cmpmem (base->data, base->stride * base->height,
                       pristine->data, pristine->stride * pristine->height);

      g_assert_cmpint (got_alpha->channels, ==, base->channels + 1);
      g_assert_cmpint (got_deep->bit_depth, ==, 8);
      assert_same_colours (ref, got_alpha);
      assert_same_colours (ref, got_deep);
      int n = alpha->channels;
      for (int y = 0; y < alpha->height; y++)
        for (int x = 0; x < alpha->width; x++)
          g_assert_cmpuint (fovea_image_row (got_alpha, y)[n * x + n - 1], ==,
                            fovea_image_row (alpha, y)[n * x + n - 1]);
      /* CLAHE must have changed something, or the comparisons prove nothing. */
      g_assert_true (memcmp (ref->data, base->data, base->stride * base->height) != 0);
    }
}

/* A flat image has one histogram bin per tile; whatever the clip, each
 * pixel maps to the LUT value at that bin, the same everywhere. */
static void
test_flat_stays_flat (void)
{
  g_autoptr (FoveaImage) flat = fovea_image_new (64, 48, 1, 8, NULL);
  memset (flat->data, 90, flat->stride * flat->height);
  g_autoptr (FoveaImage) out = fovea_enhance_clahe (flat, 2.0, 4, 4, NULL);
  /* Tile area 192, clip max(2·192/256, 1) = 1: bin 90 keeps 1 count and
   * the other 191 are spread, 0 per bin plus one every bin from 0 to
   * 190. LUT(90) = round((91 + 1) · 255/192) = round(122.19) = 122. */
  for (int i = 0; i < 64 * 48; i++)
    g_assert_cmpuint (out->data[i], ==, 122);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add_parity_tests ();
  g_test_add_func ("/clahe/invalid-parameters", test_invalid_parameters);
  g_test_add_func ("/clahe/layouts", test_layouts);
  g_test_add_func ("/clahe/flat", test_flat_stays_flat);
  return g_test_run ();
}
