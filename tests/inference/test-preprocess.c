/* test-preprocess.c: fovea_preprocess_image() against torchvision's
 * evaluation pipeline (tests/scripts/make-preprocess-fixtures.py writes it
 * in PIL + numpy), the card/config precedence, and properties of the
 * conversions and of the fundus crop. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-preprocess.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"

/* Resize is PIL-exact, so the bytes before normalisation are identical
 * and only float rounding of (x - mean) / std could differ. */
#define PARITY_TOLERANCE 1e-6

static JsonObject *
load_manifest (JsonParser *parser)
{
  g_autofree char *path = fovea_test_fixture_path ("preprocess/manifest.json");
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static int
channels_of_mode (const char *mode)
{
  const char *modes[] = { "L", "LA", "RGB", "RGBA" };
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      if (strcmp (mode, modes[i]) == 0)
        return (int) i + 1;
    }
  g_assert_not_reached ();
}

static FoveaImage *
load_input (JsonObject *manifest, const char *name)
{
  JsonArray *inputs = json_object_get_array_member (manifest, "inputs");
  for (guint i = 0; i < json_array_get_length (inputs); i++)
    {
      JsonObject *input = json_array_get_object_element (inputs, i);
      if (strcmp (json_object_get_string_member (input, "name"), name) != 0)
        continue;
      g_autofree char *relative = g_build_filename ("preprocess",
                                                    json_object_get_string_member (input, "file"),
                                                    NULL);
      g_autofree char *path = fovea_test_fixture_path (relative);
      g_autofree char *data = NULL;
      gsize length;
      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      FoveaImage *image = fovea_image_new ((int) json_object_get_int_member (input, "width"),
                                           (int) json_object_get_int_member (input, "height"),
                                           channels_of_mode (json_object_get_string_member (input, "mode")),
                                           8, NULL);
      g_assert_cmpuint (length, ==, image->stride * image->height);
      memcpy (image->data, data, length);
      return image;
    }
  g_assert_not_reached ();
}

static float *
load_expected (const char *file, gsize n_floats)
{
  g_autofree char *relative = g_build_filename ("preprocess", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  char *data = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  g_assert_cmpuint (length, ==, n_floats * sizeof (float));
  G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  return (float *) (gpointer) data;
}

static void
read_triple (JsonObject *object, const char *member, float out[3])
{
  JsonArray *array = json_object_get_array_member (object, member);
  for (guint c = 0; c < 3; c++)
    out[c] = (float) json_array_get_double_element (array, c);
}

static void
preprocess_from_case (JsonObject *c, FoveaPreprocess *pre)
{
  memset (pre, 0, sizeof *pre);
  pre->height = (int) json_object_get_int_member (c, "height");
  pre->width = (int) json_object_get_int_member (c, "width");
  pre->crop_pct = json_object_get_double_member (c, "crop_pct");
  pre->fundus_crop = json_object_get_boolean_member (c, "fundus_crop");
  g_assert_true (fovea_resize_filter_from_string (json_object_get_string_member (c, "interpolation"),
                                                  &pre->interpolation));
  read_triple (c, "mean", pre->mean);
  read_triple (c, "std", pre->std);
}

static float *
preprocess_or_fail (const FoveaPreprocess *pre, const FoveaImage *image)
{
  float *out = g_new (float, 3 * (gsize) pre->height * pre->width);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_preprocess_image (pre, image, out, &error));
  g_assert_no_error (error);
  return out;
}

static double
max_abs_diff (const float *a, const float *b, gsize n)
{
  double worst = 0;
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) a[i] - b[i]));
  return worst;
}

static void
test_torchvision_parity (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  JsonArray *cases = json_object_get_array_member (manifest, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 8);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      FoveaPreprocess pre;
      preprocess_from_case (c, &pre);
      g_autoptr (FoveaImage) image = load_input (manifest, json_object_get_string_member (c, "input"));
      gsize n = 3 * (gsize) pre.height * pre.width;
      g_autofree float *expected = load_expected (json_object_get_string_member (c, "file"), n);
      g_autofree float *actual = preprocess_or_fail (&pre, image);

      double worst = max_abs_diff (actual, expected, n);
      g_test_message ("%s: max |difference| %.3g", json_object_get_string_member (c, "file"), worst);
      g_assert_cmpfloat (worst, <=, PARITY_TOLERANCE);
    }
}

static void
init_config (FoveaVitConfig *config)
{
  memset (config, 0, sizeof *config);
  config->input_size[0] = 3;
  config->input_size[1] = 224;
  config->input_size[2] = 224;
  config->interpolation = FOVEA_RESIZE_BICUBIC;
  config->crop_pct = 0.9;
  for (int c = 0; c < 3; c++)
    {
      config->mean[c] = 0.5f;
      config->std[c] = 0.25f;
    }
}

static void
test_init_precedence (void)
{
  FoveaVitConfig config;
  init_config (&config);

  /* No card: the model's pretrained_cfg. */
  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, &config, NULL);
  g_assert_false (pre.fundus_crop);
  g_assert_cmpint (pre.height, ==, 224);
  g_assert_cmpint (pre.width, ==, 224);
  g_assert_cmpint (pre.interpolation, ==, FOVEA_RESIZE_BICUBIC);
  g_assert_cmpfloat (pre.crop_pct, ==, 0.9);
  g_assert_cmpfloat (pre.mean[1], ==, 0.5f);
  g_assert_cmpfloat (pre.std[2], ==, 0.25f);

  /* A card overrides what it gives and keeps the rest. */
  const char *json =
    "{\"schema_version\": 1, \"name\": \"t\", \"kind\": \"classification\","
    " \"modality\": \"fundus\", \"labels\": [\"a\", \"b\"],"
    " \"preprocessing\": {\"fundus_crop\": true, \"input_size\": [384, 320],"
    "                     \"interpolation\": \"bilinear\"},"
    " \"provenance\": {\"training_data\": \"none\"},"
    " \"intended_use\": \"tests\", \"research_use_only\": true}";
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json, -1, &error);
  g_assert_no_error (error);
  fovea_preprocess_init (&pre, &config, card);
  g_assert_true (pre.fundus_crop);
  g_assert_cmpint (pre.height, ==, 384);
  g_assert_cmpint (pre.width, ==, 320);
  g_assert_cmpint (pre.interpolation, ==, FOVEA_RESIZE_BILINEAR);
  g_assert_cmpfloat (pre.crop_pct, ==, 0.9);
  g_assert_cmpfloat (pre.mean[0], ==, 0.5f);

  const char *json2 =
    "{\"schema_version\": 1, \"name\": \"t\", \"kind\": \"classification\","
    " \"modality\": \"skin\", \"labels\": [\"a\", \"b\"],"
    " \"preprocessing\": {\"crop_pct\": 1.0, \"mean\": [0.1, 0.2, 0.3],"
    "                     \"std\": [0.4, 0.5, 0.6]},"
    " \"provenance\": {\"training_data\": \"none\"},"
    " \"intended_use\": \"tests\", \"research_use_only\": true}";
  g_autoptr (FoveaTaskCard) card2 = fovea_task_card_load_data (json2, -1, &error);
  g_assert_no_error (error);
  fovea_preprocess_init (&pre, &config, card2);
  g_assert_false (pre.fundus_crop);
  g_assert_cmpint (pre.height, ==, 224);
  g_assert_cmpfloat (pre.crop_pct, ==, 1.0);
  g_assert_cmpfloat (pre.mean[2], ==, 0.3f);
  g_assert_cmpfloat (pre.std[0], ==, 0.4f);

  /* A config without a crop_pct gets timm's default. */
  config.crop_pct = 0;
  fovea_preprocess_init (&pre, &config, NULL);
  g_assert_cmpfloat (pre.crop_pct, ==, 0.875);
}

static FoveaImage *
widen_to_16_bit (const FoveaImage *image)
{
  FoveaImage *wide = fovea_image_new (image->width, image->height, image->channels, 16, NULL);
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = fovea_image_row (image, y);
      guint16 *dst = fovea_image_row16 (wide, y);
      for (int i = 0; i < image->width * image->channels; i++)
        dst[i] = (guint16) (src[i] * 257);
    }
  return wide;
}

/* 16-bit images are scaled to 8 bits first, so v·257 gives the same tensor
 * as v; grey images are replicated, so L equals the RGB image (v, v, v). */
static void
test_depth_and_channels (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *manifest = load_manifest (parser);
  FoveaPreprocess pre = { .height = 24, .width = 24, .crop_pct = 0.9,
                          .interpolation = FOVEA_RESIZE_BICUBIC,
                          .mean = { 0.4f, 0.5f, 0.6f }, .std = { 0.2f, 0.3f, 0.4f } };
  gsize n = 3 * 24 * 24;

  g_autoptr (FoveaImage) rgb = load_input (manifest, "landscape-rgb");
  g_autoptr (FoveaImage) rgb16 = widen_to_16_bit (rgb);
  g_autofree float *a = preprocess_or_fail (&pre, rgb);
  g_autofree float *b = preprocess_or_fail (&pre, rgb16);
  g_assert_cmpfloat (max_abs_diff (a, b, n), ==, 0);

  g_autoptr (FoveaImage) grey = load_input (manifest, "portrait-l");
  g_autoptr (FoveaImage) grey_rgb = fovea_image_new (grey->width, grey->height, 3, 8, NULL);
  for (int y = 0; y < grey->height; y++)
    for (int x = 0; x < grey->width; x++)
      memset (fovea_image_row (grey_rgb, y) + 3 * x, fovea_image_row (grey, y)[x], 3);
  g_autofree float *c = preprocess_or_fail (&pre, grey);
  g_autofree float *d = preprocess_or_fail (&pre, grey_rgb);
  g_assert_cmpfloat (max_abs_diff (c, d, n), ==, 0);
}

/* Pastes image into a black canvas at (x, y). */
static FoveaImage *
paste_on_black (const FoveaImage *image, int width, int height, int x, int y)
{
  FoveaImage *canvas = fovea_image_new (width, height, 3, 8, NULL);
  for (int row = 0; row < image->height; row++)
    memcpy (fovea_image_row (canvas, y + row) + 3 * x, fovea_image_row (image, row),
            3 * (gsize) image->width);
  return canvas;
}

/* The fundus crop removes the surround: the same eye placed anywhere in a
 * larger black frame gives the same tensor, unlike the plain eval
 * transform, which sees the extra border. */
static void
test_fundus_crop_removes_surround (void)
{
  g_autoptr (FoveaImage) eye = fovea_test_synthetic_fundus (220, 200, 110, 100, 90);
  g_autoptr (FoveaImage) left = paste_on_black (eye, 400, 260, 10, 30);
  g_autoptr (FoveaImage) right = paste_on_black (eye, 400, 260, 170, 50);
  FoveaPreprocess pre = { .fundus_crop = TRUE, .height = 32, .width = 32, .crop_pct = 1,
                          .interpolation = FOVEA_RESIZE_BICUBIC,
                          .mean = { 0.5f, 0.5f, 0.5f }, .std = { 0.5f, 0.5f, 0.5f } };
  gsize n = 3 * 32 * 32;

  g_autofree float *a = preprocess_or_fail (&pre, left);
  g_autofree float *b = preprocess_or_fail (&pre, right);
  g_assert_cmpfloat (max_abs_diff (a, b, n), ==, 0);

  pre.fundus_crop = FALSE;
  g_autofree float *c = preprocess_or_fail (&pre, left);
  g_autofree float *d = preprocess_or_fail (&pre, right);
  g_assert_cmpfloat (max_abs_diff (c, d, n), >, 0.1);
}

static void
test_invalid_settings (void)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (64, 64, 32, 32, 30);
  float out[3 * 8 * 8];
  FoveaPreprocess good = { .height = 8, .width = 8, .crop_pct = 1,
                           .interpolation = FOVEA_RESIZE_BILINEAR,
                           .std = { 1, 1, 1 } };
  FoveaPreprocess bad[4] = { good, good, good, good };
  bad[0].height = 0;
  bad[1].crop_pct = 1.5;
  bad[2].std[1] = 0;
  bad[3].interpolation = (FoveaResizeFilter) 7;
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (fovea_preprocess_image (&bad[i], image, out, &error));
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
    }
  g_assert_true (fovea_preprocess_image (&good, image, out, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/torchvision-parity", test_torchvision_parity);
  g_test_add_func ("/preprocess/init-precedence", test_init_precedence);
  g_test_add_func ("/preprocess/depth-and-channels", test_depth_and_channels);
  g_test_add_func ("/preprocess/fundus-crop-removes-surround", test_fundus_crop_removes_surround);
  g_test_add_func ("/preprocess/invalid-settings", test_invalid_settings);
  return g_test_run ();
}
