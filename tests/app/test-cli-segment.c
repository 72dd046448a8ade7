/* test-cli-segment.c: `fovea-cli segment` as a user runs it, on a
 * random-weight model folder (seg-test-model.h): maps named
 * OUT-DIR/STEM-LABEL.png at each image's size, --json's measurements,
 * --force, a corrupt image among good ones (exit 3, the good ones still
 * written), a task with no installed model, and no file left behind where
 * nothing can be written. */
#define G_LOG_DOMAIN "test-cli-segment"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-test-common.h"
#include "seg-test-model.h"

typedef struct {
  char *root;      /* everything below is under it */
  char *model;
  char *images;    /* 01_test.png, 02_test.png */
  char *out;
} Fixture;

static void
write_fundus (const char *folder, const char *name, int width, int height)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (width, height, width / 2.0,
                                                              height / 2.0, height * 0.45);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->root = fovea_test_mkdtemp ();
  g_autofree char *model = seg_test_model_new (128, 64);
  f->model = g_build_filename (f->root, "model", NULL);
  g_assert_cmpint (g_rename (model, f->model), ==, 0);
  f->images = g_build_filename (f->root, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0755), ==, 0);
  write_fundus (f->images, "01_test.png", 200, 180);
  write_fundus (f->images, "02_test.png", 150, 160);
  f->out = g_build_filename (f->root, "out", NULL);
  /* No installed models but those a test puts there. */
  g_autofree char *empty = g_build_filename (f->root, "installed", NULL);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_setenv ("FOVEA_MODELS_DIR", empty, TRUE);
  g_setenv ("XDG_DATA_HOME", empty, TRUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  fovea_test_rmdir (f->root);
  g_free (f->root);
  g_free (f->model);
  g_free (f->images);
  g_free (f->out);
}

static char *
out_path (const Fixture *f, const char *name)
{
  return g_build_filename (f->out, name, NULL);
}

static void
assert_map (const char *path, int width, int height)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) map = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (map->width, ==, width);
  g_assert_cmpint (map->height, ==, height);
  g_assert_cmpint (map->channels, ==, 1);
  g_assert_cmpint (map->bit_depth, ==, 16);
  /* Zero outside the field of view: the corner, and inside the square
   * around the FOV (write_fundus's circle, r = 0.45 height) but outside
   * the circle; not zero at its centre. */
  g_assert_cmpuint (fovea_image_row16 (map, 0)[0], ==, 0);
  double r = 0.45 * height, off = 0.8 * r;
  g_assert_cmpuint (fovea_image_row16 (map, (int) (height / 2.0 - off))[(int) (width / 2.0 - off)],
                    ==, 0);
  g_assert_cmpuint (fovea_image_row16 (map, height / 2)[width / 2], >, 0);
}

static int
count_files (const char *folder)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  int n = 0;
  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_outputs_and_json (Fixture *f, gconstpointer data)
{
  (void) data;
  FoveaCliResult r = fovea_test_run_cli ("segment", "--model", f->model, "--task", "anatomy",
                                         "--modality", "fundus", f->images, "--out-dir", f->out,
                                         "--json", "--threads", "1", NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  const char *names[] = { "01_test-vessels.png", "01_test-optic_disc.png",
                          "02_test-vessels.png", "02_test-optic_disc.png" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = out_path (f, names[i]);
      assert_map (path, i < 2 ? 200 : 150, i < 2 ? 180 : 160);
    }
  g_assert_cmpint (count_files (f->out), ==, 4);

  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      g_assert_nonnull (strstr (json_object_get_string_member (o, "image"),
                                i == 0 ? "01_test.png" : "02_test.png"));
      g_assert_cmpstr (json_object_get_string_member (o, "task"), ==, "anatomy");
      g_assert_cmpint (json_object_get_int_member (o, "width"), ==, i == 0 ? 200 : 150);
      JsonObject *maps = json_object_get_object_member (o, "maps");
      g_assert_nonnull (strstr (json_object_get_string_member (maps, "vessels"),
                                i == 0 ? "01_test-vessels.png" : "02_test-vessels.png"));
      JsonObject *labels = json_object_get_object_member (o, "labels");
      JsonObject *vessels = json_object_get_object_member (labels, "vessels");
      g_assert_true (json_object_has_member (vessels, "count"));
      g_assert_true (json_object_has_member (vessels, "area_pixels"));
      g_assert_true (json_object_has_member (vessels, "area_percent_fov"));
      JsonObject *fov = json_object_get_object_member (o, "fov");
      g_assert_true (json_object_get_boolean_member (fov, "found"));
      g_assert_true (json_object_has_member (fov, "diameter"));
      g_assert_true (json_object_has_member (o, "optic_disc"));
      g_assert_true (json_object_has_member (o, "fovea"));
      JsonObject *v = json_object_get_object_member (o, "vessels");
      g_assert_true (json_object_has_member (v, "density"));
      g_assert_true (json_object_has_member (v, "fractal_dimension"));
      g_assert_true (json_object_has_member (v, "tortuosity"));
      g_assert_true (json_object_get_boolean_member (o, "research_use_only"));
    }
  fovea_test_cli_result_clear (&r);
}

static void
test_force (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *first = g_build_filename (f->images, "01_test.png", NULL);
  FoveaCliResult r = fovea_test_run_cli ("segment", "--model", f->model, first, "--out-dir",
                                         f->out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "01_test.png"));
  fovea_test_cli_result_clear (&r);

  /* A stand-in for an earlier map: kept without --force. */
  g_autofree char *map = out_path (f, "01_test-optic_disc.png");
  g_assert_true (g_file_set_contents (map, "old", -1, NULL));
  r = fovea_test_run_cli ("segment", "--model", f->model, first, "--out-dir", f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "01_test-"));
  fovea_test_cli_result_clear (&r);
  g_autofree char *kept = NULL;
  g_assert_true (g_file_get_contents (map, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "old");

  r = fovea_test_run_cli ("segment", "--model", f->model, first, "--out-dir", f->out, "--force",
                          NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  assert_map (map, 200, 180);
  g_assert_cmpint (count_files (f->out), ==, 2);
}

static void
test_corrupt_image (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *bad = g_build_filename (f->images, "01a_bad.png", NULL);
  g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\nnot a png at all", -1, NULL));
  FoveaCliResult r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir",
                                         f->out, "--json", NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_nonnull (strstr (r.err, "01a_bad.png"));
  g_autofree char *good1 = out_path (f, "01_test-vessels.png");
  g_autofree char *good2 = out_path (f, "02_test-optic_disc.png");
  g_autofree char *none = out_path (f, "01a_bad-vessels.png");
  assert_map (good1, 200, 180);
  assert_map (good2, 150, 160);
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_files (f->out), ==, 4);
  /* One JSON object per image, the bad one with its error. */
  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_nonnull (strstr (lines[1], "\"error\""));
  fovea_test_cli_result_clear (&r);
}

static void
test_installed_task (Fixture *f, gconstpointer data)
{
  (void) data;
  FoveaCliResult r = fovea_test_run_cli ("segment", "--task", "vessels", f->images, "--out-dir",
                                         f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "no segmentation model for the task “vessels”"));
  g_assert_nonnull (strstr (r.err, "--model"));
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&r);

  /* Installed under the models folder, it is found by its card's name. */
  g_autofree char *installed = g_build_filename (g_getenv ("FOVEA_MODELS_DIR"), "anatomy-seg",
                                                 NULL);
  g_assert_cmpint (g_rename (f->model, installed), ==, 0);
  r = fovea_test_run_cli ("segment", "--task", "anatomy", f->images, "--out-dir", f->out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (count_files (f->out), ==, 4);
  fovea_test_cli_result_clear (&r);

  /* A model for another task is refused. */
  r = fovea_test_run_cli ("segment", "--task", "lesions", "--model", installed, f->images,
                          "--out-dir", f->out, "--force", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "“anatomy”, not “lesions”"));
  fovea_test_cli_result_clear (&r);
}

static void
test_unwritable (Fixture *f, gconstpointer data)
{
  (void) data;
  /* An out-dir below a regular file cannot be made: nothing is written. */
  g_autofree char *file = g_build_filename (f->root, "a-file", NULL);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_autofree char *below = g_build_filename (file, "out", NULL);
  FoveaCliResult r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir",
                                         below, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "a-file"));
  fovea_test_cli_result_clear (&r);

  /* The input folder itself as out-dir would mix maps with the images. */
  r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir", f->images,
                          NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpint (count_files (f->images), ==, 2);
  fovea_test_cli_result_clear (&r);

  if (geteuid () == 0)
    {
      g_test_message ("running as root: a read-only out-dir is writable, not checked");
      return;
    }
  g_assert_cmpint (g_mkdir (f->out, 0555), ==, 0);
  r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir", f->out, NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_cmpint (count_files (f->out), ==, 0);
  fovea_test_cli_result_clear (&r);
  g_chmod (f->out, 0755);
}

/* Folders are expanded as grade does: sub-folders only with --recursive. */
static void
test_recursive (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *sub = g_build_filename (f->images, "more", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  write_fundus (sub, "03_test.jpg.png", 120, 110);
  FoveaCliResult r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir",
                                         f->out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (count_files (f->out), ==, 4);
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("segment", "--model", f->model, f->images, "--out-dir", f->out,
                          "--recursive", "--force", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  /* The stem drops the last extension only. */
  g_autofree char *deep = out_path (f, "03_test.jpg-vessels.png");
  assert_map (deep, 120, 110);
  g_assert_cmpint (count_files (f->out), ==, 6);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  (void) data;
  FoveaCliResult r = fovea_test_run_cli ("segment", f->images, "--out-dir", f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--task"));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("segment", "--model", f->model, f->images, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--out-dir"));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("segment", "--model", f->model, "--modality", "skin", f->images,
                          "--out-dir", f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "fundus"));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("--help", NULL);
  g_assert_nonnull (strstr (r.out, "segment"));
  fovea_test_cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-segment/outputs-and-json", Fixture, NULL, fixture_set_up,
              test_outputs_and_json, fixture_tear_down);
  g_test_add ("/cli-segment/force", Fixture, NULL, fixture_set_up, test_force,
              fixture_tear_down);
  g_test_add ("/cli-segment/corrupt-image", Fixture, NULL, fixture_set_up, test_corrupt_image,
              fixture_tear_down);
  g_test_add ("/cli-segment/installed-task", Fixture, NULL, fixture_set_up, test_installed_task,
              fixture_tear_down);
  g_test_add ("/cli-segment/unwritable", Fixture, NULL, fixture_set_up, test_unwritable,
              fixture_tear_down);
  g_test_add ("/cli-segment/recursive", Fixture, NULL, fixture_set_up, test_recursive,
              fixture_tear_down);
  g_test_add ("/cli-segment/usage", Fixture, NULL, fixture_set_up, test_usage,
              fixture_tear_down);
  return g_test_run ();
}
