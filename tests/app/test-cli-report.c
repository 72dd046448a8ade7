/* test-cli-report.c: `fovea-cli report` as a user runs it, in a separate
 * process, with the tiny fixture model and a card, on the bundled samples:
 * one page-set per image, the patient string printed verbatim, refusing to
 * overwrite without --force, a corrupt image (exit 3, an error page-set)
 * and a missing --model (exit 1, no file). The PDF is read back with
 * pdftotext and pdfinfo (poppler-utils); without them the test skips. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-test-common.h"

#define NASTY_PATIENT "P-17 <b>&amp; \"x\""

static gboolean
have_poppler (void)
{
  const char *tools[] = { "pdftotext", "pdfinfo" };
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *found = g_find_program_in_path (tools[i]);
      if (found == NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s not found: install poppler-utils "
                                                      "(scripts/install-deps.sh test)",
                                                      tools[i]);
          g_test_skip (message);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
run_tool (const char *const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
  return g_steal_pointer (&out);
}

/* The text with every run of white space made one space. */
static char *
pdf_text (const char *path)
{
  const char *argv[] = { "pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL };
  g_autofree char *raw = run_tool (argv);
  g_autoptr (GString) text = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = raw; *p; p++)
    {
      if (g_ascii_isspace (*p))
        space = TRUE;
      else
        {
          if (space && text->len)
            g_string_append_c (text, ' ');
          space = FALSE;
          g_string_append_c (text, *p);
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_has (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("“%s” not found in the report text:\n%s", needle, text);
}

static char *
pdfinfo_field (const char *path, const char *name)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = run_tool (argv);
  g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s:", name);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strstrip (g_strdup (lines[i] + strlen (prefix)));
  return NULL;
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (from, &data, &length, NULL));
  g_assert_true (g_file_set_contents (to, data, (gssize) length, NULL));
}

static char *
make_model (void)
{
  char *dir = fovea_test_mkdtemp ();
  g_autofree char *src = fovea_test_fixture_path ("vit/models/tiny-token");
  const char *files[] = { "config.json", "model.safetensors" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (src, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      copy_file (from, to);
    }
  g_autofree char *card = fovea_test_fixture_path ("cards/tiny-five-class.json");
  g_autofree char *to = g_build_filename (dir, "task_card.json", NULL);
  copy_file (card, to);
  return dir;
}

static void
test_report (void)
{
  if (!have_poppler ())
    return;
  g_autofree char *model = make_model ();
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "report.pdf", NULL);
  g_autofree char *healthy = fovea_test_sample_path ("fundus-healthy.png");
  g_autofree char *blurred = fovea_test_sample_path ("fundus-blurred.jpg");

  FoveaCliResult r = fovea_test_run_cli ("report", healthy, blurred, "--model", model,
                                         "--patient-id", NASTY_PATIENT, "--eye", "OD",
                                         "--site", "Clinic A", "--out", out, NULL);
  if (r.status != 0)
    g_error ("report exited %d: %s", r.status, r.err);
  fovea_test_cli_result_clear (&r);
  g_autofree char *pages = pdfinfo_field (out, "Pages");
  g_autofree char *author = pdfinfo_field (out, "Author");
  g_assert_cmpstr (pages, ==, "2");
  g_assert_cmpstr (author, ==, "Fovea");
  g_autofree char *text = pdf_text (out);
  assert_has (text, NASTY_PATIENT);
  assert_has (text, "fundus-healthy.png");
  assert_has (text, "fundus-blurred.jpg");
  assert_has (text, "Ungradable");
  assert_has (text, "Clinic A");

  /* The output exists: refused without --force, bytes unchanged. */
  g_autofree char *kept = NULL;
  gsize kept_length = 0;
  g_assert_true (g_file_get_contents (out, &kept, &kept_length, NULL));
  r = fovea_test_run_cli ("report", healthy, "--model", model, "--patient-id", "P-2",
                          "--eye", "OS", "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--force"));
  fovea_test_cli_result_clear (&r);
  g_autofree char *after = NULL;
  gsize after_length = 0;
  g_assert_true (g_file_get_contents (out, &after, &after_length, NULL));
  g_assert_cmpuint (after_length, ==, kept_length);
  g_assert_cmpmem (after, after_length, kept, kept_length);

  /* With --force: replaced (one image now, another patient). */
  r = fovea_test_run_cli ("report", healthy, "--model", model, "--patient-id", "P-2",
                          "--eye", "OS", "--out", out, "--force", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autofree char *pages1 = pdfinfo_field (out, "Pages");
  g_assert_cmpstr (pages1, ==, "1");
  g_autofree char *text1 = pdf_text (out);
  assert_has (text1, "P-2");
  g_assert_null (strstr (text1, NASTY_PATIENT));

  /* A corrupt image: exit 3, and its page-set says why. */
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (blurred, &data, &length, NULL));
  g_autofree char *corrupt = g_build_filename (dir, "corrupt.jpg", NULL);
  g_assert_true (g_file_set_contents (corrupt, data, (gssize) length / 3, NULL));
  g_autofree char *out3 = g_build_filename (dir, "failed.pdf", NULL);
  r = fovea_test_run_cli ("report", healthy, corrupt, "--model", model, "--patient-id",
                          "P-3", "--eye", "OD", "--out", out3, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autofree char *pages3 = pdfinfo_field (out3, "Pages");
  g_assert_cmpstr (pages3, ==, "2");
  g_autofree char *text3 = pdf_text (out3);
  assert_has (text3, "corrupt.jpg");
  assert_has (text3, "Not assessed: the file could not be graded");
  assert_has (text3, "Error");
  assert_has (text3, "truncated");

  /* A missing --model: exit 1, no file. */
  g_autofree char *out4 = g_build_filename (dir, "none.pdf", NULL);
  g_autofree char *missing = g_build_filename (dir, "no-model", NULL);
  r = fovea_test_run_cli ("report", healthy, "--model", missing, "--patient-id", "P-4",
                          "--eye", "OD", "--out", out4, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (out4, G_FILE_TEST_EXISTS));

  fovea_test_rmdir (dir);
  fovea_test_rmdir (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/report", test_report);
  return g_test_run ();
}
