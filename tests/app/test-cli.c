/* test-cli.c: fovea-cli as a user runs it, in a separate process: exit
 * statuses, JSON Lines output, table output, and that inputs stay intact. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fovea-encode.h"
#include "fovea-test-common.h"

/* A folder with two readable fundus images, one corrupt file and one file
 * that is not an image at all (which a folder scan must ignore). */
static char *
make_folder (void)
{
  char *dir = fovea_test_mkdtemp ();
  g_autoptr (FoveaImage) a = fovea_test_synthetic_fundus (300, 280, 150, 140, 120);
  g_autoptr (FoveaImage) b = fovea_test_synthetic_fundus (320, 320, 160, 160, 150);
  g_autofree char *pa = g_build_filename (dir, "a.png", NULL);
  g_autofree char *pb = g_build_filename (dir, "b.jpg", NULL);
  g_autofree char *pc = g_build_filename (dir, "c.png", NULL);
  g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (fovea_encode_png_file (a, pa, NULL));
  g_assert_true (fovea_encode_jpeg_file (b, pb, 90, NULL));
  g_assert_true (g_file_set_contents (pc, "\x89PNG\r\n\x1a\n truncated", -1, NULL));
  g_assert_true (g_file_set_contents (notes, "not an image", -1, NULL));
  return dir;
}

static char *
checksum_folder (const char *dir)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *names[] = { "a.png", "b.jpg", "c.png" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_checksum_update (sum, (const guchar *) contents, length);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static void
test_inspect_json_lines (void)
{
  g_autofree char *dir = make_folder ();
  g_autofree char *before = checksum_folder (dir);

  FoveaCliResult r = fovea_test_run_cli ("inspect", "--json", dir, NULL);
  /* One file failed, the others were still processed: status 3. */
  g_assert_cmpint (r.status, ==, 3);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);

  const char *expected_names[] = { "a.png", "b.jpg", "c.png" };
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));
      g_autofree char *base = g_path_get_basename (json_object_get_string_member (object, "path"));
      g_assert_cmpstr (base, ==, expected_names[i]);
      if (i < 2)
        {
          g_assert_false (json_object_has_member (object, "error"));
          g_assert_cmpstr (json_object_get_string_member (object, "modality"), ==, "fundus");
          g_assert_true (json_object_has_member (object, "quality"));
          g_assert_true (json_object_has_member (object, "fov"));
        }
      else
        g_assert_nonnull (strstr (json_object_get_string_member (object, "error"), "c.png"));
    }
  g_assert_nonnull (strstr (r.err, "1 of 3"));
  fovea_test_cli_result_clear (&r);

  /* Inspecting never modifies a source image. */
  g_autofree char *after = checksum_folder (dir);
  g_assert_cmpstr (before, ==, after);
  fovea_test_rmdir (dir);
}

static void
test_inspect_table (void)
{
  g_autofree char *good = fovea_test_sample_path ("fundus-healthy.png");

  FoveaCliResult r = fovea_test_run_cli ("inspect", "--modality", "fundus", good, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "FILE"));
  g_assert_nonnull (strstr (r.out, "fundus-healthy.png"));
  g_assert_nonnull (strstr (r.out, "1600×1200"));
  g_assert_nonnull (strstr (r.out, "fundus"));
  g_assert_nonnull (strstr (r.out, " gradable"));
  fovea_test_cli_result_clear (&r);

  /* A threshold override reaches the verdict. */
  r = fovea_test_run_cli ("inspect", "--threshold", "min_resolution=5000", good, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "UNGRADABLE"));
  g_assert_nonnull (strstr (r.out, "resolution"));
  fovea_test_cli_result_clear (&r);
}

/* Issue 15, item 18: a file name holding a newline, a tab or an escape
 * prints on one table line, its control characters shown as their codes,
 * so that a name cannot forge table rows or terminal escapes. */
static void
test_inspect_table_control_characters (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (FoveaImage) a = fovea_test_synthetic_fundus (300, 280, 150, 140, 120);
  g_autofree char *path = g_build_filename (dir, "eye\nFAKE\t\033[31m.png", NULL);
  g_assert_true (fovea_encode_png_file (a, path, NULL));
  g_autofree char *broken = g_build_filename (dir, "bad\nrow.png", NULL);
  g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\n truncated", -1, NULL));

  FoveaCliResult r = fovea_test_run_cli ("inspect", dir, NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
  /* The header, two rows and the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_nonnull (strstr (r.out, "eye<U+000A>FAKE<U+0009><U+001B>[31m.png"));
  g_assert_nonnull (strstr (r.out, "bad<U+000A>row.png"));
  g_assert_null (strchr (r.out, '\033'));
  g_assert_null (strchr (r.out, '\t'));
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

static void
test_usage_errors (void)
{
  FoveaCliResult r = fovea_test_run_cli ("inspect", "--modality", "xray", "x.png", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "xray"));
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("inspect", "--threshold", "min_sharpnes=3", "x.png", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "min_sharpnes"));
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("frobnicate", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "unknown command"));
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("inspect", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "inspect"));
  fovea_test_cli_result_clear (&r);
}

/* Thread counts are checked against the machine before anything runs:
 * 0, -1 and 100000 were once taken silently (100000 started 32,442
 * threads). The commands fail at parsing, so no model is needed. */
static void
test_thread_counts (void)
{
  static const char *commands[] = { "grade", "infer", "report", "explain", "evaluate",
                                    "train", "bench", "anomaly-bank" };
  static const char *bad[] = { "0", "-1", "100000", "four", "" };
  for (gsize c = 0; c < G_N_ELEMENTS (commands); c++)
    for (gsize b = 0; b < G_N_ELEMENTS (bad); b++)
      {
        g_autofree char *option = g_strdup_printf ("--threads=%s", bad[b]);
        FoveaCliResult r = fovea_test_run_cli (commands[c], option, NULL);
        g_test_message ("%s %s: %d %s", commands[c], option, r.status, r.err);
        g_assert_cmpint (r.status, ==, 1);
        g_assert_nonnull (strstr (r.err, "--threads"));
        g_assert_nonnull (strstr (r.err, "whole number from 1 to"));
        fovea_test_cli_result_clear (&r);
      }
  FoveaCliResult r = fovea_test_run_cli ("grade", "--jobs", "0", "x", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--jobs 0"));
  fovea_test_cli_result_clear (&r);
}

static void
test_missing_file_is_reported (void)
{
  FoveaCliResult r = fovea_test_run_cli ("inspect", "--json", "/nonexistent/eye.png", NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_nonnull (strstr (r.out, "\"error\""));
  g_assert_nonnull (strstr (r.out, "/nonexistent/eye.png"));
  fovea_test_cli_result_clear (&r);
}

static void
test_inspect_samples (void)
{
  /* The bundled samples: the headless form of the README's run command. */
  FoveaCliResult r = fovea_test_run_cli ("inspect", "--json", g_getenv ("FOVEA_SAMPLES_DIR"), NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "fundus-healthy.png"));
  g_assert_nonnull (strstr (r.out, "\"modality\":\"octa\""));
  g_assert_nonnull (strstr (r.out, "\"modality\":\"skin\""));
  fovea_test_cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/inspect/json-lines", test_inspect_json_lines);
  g_test_add_func ("/cli/inspect/table", test_inspect_table);
  g_test_add_func ("/cli/inspect/table-control-characters",
                   test_inspect_table_control_characters);
  g_test_add_func ("/cli/inspect/missing-file", test_missing_file_is_reported);
  g_test_add_func ("/cli/inspect/samples", test_inspect_samples);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/thread-counts", test_thread_counts);
  return g_test_run ();
}
