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

static char *
pdfinfo_field (const char *path, const char *name)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = fovea_test_run_program (argv);
  g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s:", name);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strstrip (g_strdup (lines[i] + strlen (prefix)));
  return NULL;
}

static void
test_report (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
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
  g_autofree char *text = fovea_test_pdf_text (out);
  fovea_test_assert_contains (text, NASTY_PATIENT);
  fovea_test_assert_contains (text, "fundus-healthy.png");
  fovea_test_assert_contains (text, "fundus-blurred.jpg");
  fovea_test_assert_contains (text, "Ungradable");
  fovea_test_assert_contains (text, "Clinic A");

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
  g_autofree char *text1 = fovea_test_pdf_text (out);
  fovea_test_assert_contains (text1, "P-2");
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
  g_autofree char *text3 = fovea_test_pdf_text (out3);
  fovea_test_assert_contains (text3, "corrupt.jpg");
  fovea_test_assert_contains (text3, "Not assessed: the file could not be graded");
  fovea_test_assert_contains (text3, "Error");
  fovea_test_assert_contains (text3, "truncated");

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

/* A dermoscopy image has no eye: the patient ID alone names it, and the
 * report still refuses when the patient ID is missing too. */
static void
test_report_skin_needs_no_eye (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *card_path = g_build_filename (model, "task_card.json", NULL);
  g_autofree char *card = NULL;
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));
  g_auto (GStrv) parts = g_strsplit (card, "\"modality\": \"fundus\"", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *skin_card = g_strjoinv ("\"modality\": \"skin\"", parts);
  g_assert_true (g_file_set_contents (card_path, skin_card, -1, NULL));
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "skin.pdf", NULL);
  g_autofree char *naevus = fovea_test_sample_path ("skin-naevus.png");

  FoveaCliResult r = fovea_test_run_cli ("report", naevus, "--model", model, "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "give --patient-id:");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  r = fovea_test_run_cli ("report", naevus, "--model", model, "--patient-id", "P-5",
                          "--out", out, NULL);
  if (r.status != 0)
    g_error ("report exited %d: %s", r.status, r.err);
  fovea_test_cli_result_clear (&r);
  g_autofree char *text = fovea_test_pdf_text (out);
  fovea_test_assert_contains (text, "P-5");
  fovea_test_assert_contains (text, "skin-naevus.png");

  fovea_test_rmdir (dir);
  fovea_test_rmdir (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/report", test_report);
  g_test_add_func ("/cli/report/skin-needs-no-eye", test_report_skin_needs_no_eye);
  return g_test_run ();
}
