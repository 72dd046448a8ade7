/* test-cli-explain.c: `fovea-cli anomaly-bank` and `fovea-cli explain`
 * run as a user runs them: a bank built from synthetic normal fundus
 * images, maps written as 16-bit grey PNGs of the image's size, the JSON
 * fields, and bad inputs refused with exit 1 or 3, a message and no file;
 * on a ViT fixture and on the bundled ImageNet MobileNetV2 (stages), and
 * with the installed fundus bank found on its own. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-test-common.h"

#define WIDTH 150
#define HEIGHT 130

typedef struct {
  char *dir;
  char *normals;
  char *image;
  char *bank;
  char *model;
} Setup;

static void
write_fundus (const char *path, double cx, double cy, double r)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (WIDTH, HEIGHT, cx, cy, r);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
}

static void
setup_init (Setup *s)
{
  s->dir = fovea_test_mkdtemp ();
  s->normals = g_build_filename (s->dir, "normals", NULL);
  g_assert_cmpint (g_mkdir (s->normals, 0755), ==, 0);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("normal-%d.png", i);
      g_autofree char *path = g_build_filename (s->normals, name, NULL);
      write_fundus (path, 75 + i, 65 - i, 58 + i);
    }
  s->image = g_build_filename (s->dir, "eye.png", NULL);
  write_fundus (s->image, 76, 64, 59);
  s->bank = g_build_filename (s->dir, "bank.safetensors", NULL);
  s->model = fovea_test_fixture_path ("vit/models/tiny-token");

  FoveaCliResult r = fovea_test_run_cli ("anomaly-bank", "--model", s->model, "--layer", "0",
                                         "--input-size", "64", "--images", s->normals,
                                         "--out", s->bank, "--coreset", "0.5", "--seed", "3",
                                         "--threads", "1", NULL);
  if (r.status != 0)
    g_error ("anomaly-bank failed (%d): %s", r.status, r.err);
  fovea_test_assert_contains (r.out, "patches kept");
  g_assert_true (g_file_test (s->bank, G_FILE_TEST_IS_REGULAR));
  fovea_test_cli_result_clear (&r);
}

static void
setup_clear (Setup *s)
{
  fovea_test_rmdir (s->dir);
  g_free (s->dir);
  g_free (s->normals);
  g_free (s->image);
  g_free (s->bank);
  g_free (s->model);
}

static void
assert_grey16_of_image_size (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) map = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (map->width, ==, WIDTH);
  g_assert_cmpint (map->height, ==, HEIGHT);
  g_assert_cmpint (map->channels, ==, 1);
  g_assert_cmpint (map->bit_depth, ==, 16);
  /* Not blank, and 0 in the corner outside the field of view. */
  guint16 max = 0;
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      max = MAX (max, fovea_image_row16 (map, y)[x]);
  g_assert_cmpuint (max, >, 0);
  g_assert_cmpuint (fovea_image_row16 (map, 0)[0], ==, 0);
}

static JsonObject *
parse_json (const char *text, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_anomaly_map (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *out = g_build_filename (s.dir, "map.png", NULL);
  FoveaCliResult r = fovea_test_run_cli ("explain", "--kind", "anomaly", "--model", s.model,
                                         "--bank", s.bank, "--modality", "fundus", s.image,
                                         "--out", out, "--json", NULL);
  if (r.status != 0)
    g_error ("explain failed (%d): %s", r.status, r.err);
  assert_grey16_of_image_size (out);

  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = parse_json (r.out, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "image"), ==, s.image);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "anomaly");
  g_assert_cmpfloat (json_object_get_double_member (o, "score"), >, 0.0);
  JsonArray *peak = json_object_get_array_member (o, "peak");
  g_assert_cmpuint (json_array_get_length (peak), ==, 2);
  gint64 px = json_array_get_int_element (peak, 0), py = json_array_get_int_element (peak, 1);
  g_assert_cmpint (px, >=, 0);
  g_assert_cmpint (px, <, WIDTH);
  g_assert_cmpint (py, >=, 0);
  g_assert_cmpint (py, <, HEIGHT);
  /* The peak is where the written map is highest (up to PNG rounding),
   * away from the field of view's outer band of one patch (8 of 64 input
   * pixels across the disc's 2r = 118), which the score leaves out. */
  g_autoptr (FoveaImage) map = fovea_decode_file (out, NULL, NULL, NULL);
  guint16 at_peak = fovea_image_row16 (map, (int) py)[px];
  g_assert_cmpuint (at_peak, >, 0);
  double margin = 8.0 * 118 / 64 + 1;
  for (int y = 0; y < HEIGHT; y++)
    for (int x = 0; x < WIDTH; x++)
      if (hypot (x + 0.5 - 76, y + 0.5 - 64) < 59 - margin)
        g_assert_cmpuint (fovea_image_row16 (map, y)[x], <=, at_peak + 1);
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

static void
test_saliency_map (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *out = g_build_filename (s.dir, "saliency.png", NULL);
  FoveaCliResult r = fovea_test_run_cli ("explain", "--kind", "saliency", "--model", s.model,
                                         s.image, "--out", out, "--json", NULL);
  if (r.status != 0)
    g_error ("explain saliency failed (%d): %s", r.status, r.err);
  assert_grey16_of_image_size (out);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = parse_json (r.out, parser);
  g_assert_cmpstr (json_object_get_string_member (o, "method"), ==, "rollout");
  g_assert_true (json_object_has_member (o, "score"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "peak")), ==, 2);
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("explain", "--kind", "saliency", "--method", "nonsense", "--model",
                          s.model, s.image, "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "unknown saliency method");
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

/* Runs explain with these arguments and expects status, a message with
 * needle and no map file. */
static void
expect_failure (const char *const *args, const char *out, int status, const char *needle)
{
  FoveaCliResult r = fovea_test_run_cli_argv (args);
  if (r.status != status)
    g_error ("expected exit %d, got %d: %s", status, r.status, r.err);
  fovea_test_assert_contains (r.err, needle);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&r);
}

static void
test_bad_inputs (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *out = g_build_filename (s.dir, "never.png", NULL);
  g_autofree char *missing = g_build_filename (s.dir, "missing.safetensors", NULL);
  g_autofree char *other = fovea_test_fixture_path ("vit/models/h12-avg");
  g_autofree char *corrupt = g_build_filename (s.dir, "corrupt.png", NULL);
  g_assert_true (g_file_set_contents (corrupt, "\x89PNG\r\n\x1a\nnot really", -1, NULL));
  g_autofree char *not_a_bank = g_build_filename (s.dir, "not-a-bank.safetensors", NULL);
  g_assert_true (g_file_set_contents (not_a_bank, "garbage", -1, NULL));
  g_autofree char *nowhere = g_build_filename (s.dir, "no-such-dir", "map.png", NULL);

  const char *no_bank[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank",
                            missing, s.image, "--out", out, NULL };
  expect_failure (no_bank, out, 1, "missing.safetensors");
  const char *garbage[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank",
                            not_a_bank, s.image, "--out", out, NULL };
  expect_failure (garbage, out, 1, "not-a-bank.safetensors");
  const char *other_backbone[] = { "explain", "--kind", "anomaly", "--model", other, "--bank",
                                   s.bank, s.image, "--out", out, NULL };
  expect_failure (other_backbone, out, 1, "another backbone");
  const char *wrong_modality[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank",
                                   s.bank, "--modality", "octa", s.image, "--out", out, NULL };
  expect_failure (wrong_modality, out, 1, "fundus");
  const char *bad_image[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank",
                              s.bank, corrupt, "--out", out, NULL };
  expect_failure (bad_image, out, 3, "corrupt.png");
  const char *unwritable[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank",
                               s.bank, s.image, "--out", nowhere, NULL };
  expect_failure (unwritable, nowhere, 3, "no-such-dir");
  const char *no_kind[] = { "explain", "--model", s.model, s.image, "--out", out, NULL };
  expect_failure (no_kind, out, 1, "--kind");

  /* anomaly-bank: no images, and an unwritable bank, leave no file. */
  g_autofree char *empty = g_build_filename (s.dir, "empty", NULL);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_autofree char *new_bank = g_build_filename (s.dir, "new.safetensors", NULL);
  const char *no_images[] = { "anomaly-bank", "--model", s.model, "--images", empty,
                              "--out", new_bank, NULL };
  expect_failure (no_images, new_bank, 1, "no supported image");
  g_autofree char *bank_nowhere = g_build_filename (s.dir, "no-such-dir", "b.safetensors", NULL);
  const char *bank_unwritable[] = { "anomaly-bank", "--model", s.model, "--layer", "0",
                                    "--input-size", "64", "--images", s.normals,
                                    "--out", bank_nowhere, NULL };
  expect_failure (bank_unwritable, bank_nowhere, 1, "no-such-dir");
  setup_clear (&s);
}

static char *
bundled_models (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models", NULL);
}

/* A bank on a CNN's stages, its map, and its refusals: by a ViT, and of
 * stages that are not increasing block numbers. */
static void
test_cnn_anomaly_map (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *models = bundled_models ();
  g_autofree char *cnn = g_build_filename (models, "mobilenetv2-imagenet", NULL);
  g_autofree char *bank = g_build_filename (s.dir, "cnn.safetensors", NULL);
  FoveaCliResult r = fovea_test_run_cli ("anomaly-bank", "--model", cnn, "--stages", "6,13",
                                         "--input-size", "64", "--images", s.normals,
                                         "--out", bank, "--coreset", "0.5", "--threads", "1",
                                         NULL);
  if (r.status != 0)
    g_error ("anomaly-bank on a CNN failed (%d): %s", r.status, r.err);
  fovea_test_assert_contains (r.out, "128 dimensions, stages 6,13 at 64×64");
  fovea_test_cli_result_clear (&r);

  g_autofree char *out = g_build_filename (s.dir, "cnn-map.png", NULL);
  r = fovea_test_run_cli ("explain", "--kind", "anomaly", "--model", cnn, "--bank", bank,
                          s.image, "--out", out, "--json", NULL);
  if (r.status != 0)
    g_error ("explain on a CNN bank failed (%d): %s", r.status, r.err);
  assert_grey16_of_image_size (out);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = parse_json (r.out, parser);
  g_assert_cmpfloat (json_object_get_double_member (o, "score"), >, 0.0);
  fovea_test_cli_result_clear (&r);

  g_autofree char *never = g_build_filename (s.dir, "never.png", NULL);
  const char *on_vit[] = { "explain", "--kind", "anomaly", "--model", s.model, "--bank", bank,
                           s.image, "--out", never, NULL };
  expect_failure (on_vit, never, 1, "built on a CNN");
  const char *vit_bank_on_cnn[] = { "explain", "--kind", "anomaly", "--model", cnn, "--bank",
                                    s.bank, s.image, "--out", never, NULL };
  expect_failure (vit_bank_on_cnn, never, 1, "Vision Transformer");
  g_autofree char *other = g_build_filename (s.dir, "other.safetensors", NULL);
  const char *backwards[] = { "anomaly-bank", "--model", cnn, "--stages", "13,6", "--images",
                              s.normals, "--out", other, NULL };
  expect_failure (backwards, other, 1, "--stages");
  const char *past_end[] = { "anomaly-bank", "--model", cnn, "--stages", "6,40", "--images",
                             s.normals, "--out", other, NULL };
  expect_failure (past_end, other, 1, "Stage 40");
  setup_clear (&s);
}

/* Without --bank and --model: the bundled fundus bank on its backbone. */
static void
test_installed_bank (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *models = bundled_models ();
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);
  g_autofree char *out = g_build_filename (s.dir, "installed.png", NULL);
  FoveaCliResult r = fovea_test_run_cli ("explain", "--kind", "anomaly", s.image, "--out", out,
                                         "--json", NULL);
  if (r.status != 0)
    g_error ("explain with the installed bank failed (%d): %s", r.status, r.err);
  fovea_test_assert_contains (r.err, "fundus-drive.safetensors");
  assert_grey16_of_image_size (out);
  fovea_test_cli_result_clear (&r);
  g_unsetenv ("FOVEA_MODELS_DIR");
  setup_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-explain/anomaly", test_anomaly_map);
  g_test_add_func ("/cli-explain/saliency", test_saliency_map);
  g_test_add_func ("/cli-explain/bad-inputs", test_bad_inputs);
  g_test_add_func ("/cli-explain/cnn-anomaly", test_cnn_anomaly_map);
  g_test_add_func ("/cli-explain/installed-bank", test_installed_bank);
  return g_test_run ();
}
