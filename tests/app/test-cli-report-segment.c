/* test-cli-report-segment.c: `fovea-cli report --segment` as a user runs
 * it, with the tiny fixture grading model and a random-weight
 * segmentation model (seg-test-model.h) on a synthetic photograph: the
 * PDF (pdftotext, pdfinfo) has the segmentation section (its table's
 * header, the field of view's diameter as the library measures it, the
 * model's "not validated" label) on more pages than without it; the
 * validation label for a card with figures not held out, and held out; a model
 * that fails to load, or an unreadable image to segment, writes no PDF. */
#define G_LOG_DOMAIN "test-cli-report-segment"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-seg-measure.h"
#include "fovea-segmenter.h"
#include "fovea-test-common.h"
#include "seg-test-model.h"

static char *
pdf_pages (const char *path)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *info = fovea_test_run_program (argv);
  g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "Pages:"))
      return g_strstrip (g_strdup (lines[i] + strlen ("Pages:")));
  return NULL;
}

static char *
write_photo (const char *dir)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (320, 300, 160, 150, 135);
  /* Fine texture, like vessels, so that it is sharp enough to be gradable. */
  GRand *rand = g_rand_new_with_seed (5);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width * 3; x++)
        if (row[x] > 0)
          row[x] = (guint8) CLAMP (row[x] + g_rand_int_range (rand, -25, 26), 1, 255);
    }
  g_rand_free (rand);
  char *path = g_build_filename (dir, "P005_OD.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
  return path;
}

/* The FOV diameter as the table prints it. */
static char *
expected_fov (const char *seg_model, const char *photo)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (seg_model, 1, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaImage) image = fovea_decode_file (photo, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegmentation) result = fovea_segmenter_run (segmenter, image, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegMeasures) m = fovea_seg_measure (result, fovea_segmenter_get_card (segmenter));
  return g_strdup_printf ("Field of view diameter %.0f px", 2 * m->fov_radius);
}

static void
test_section (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *seg_model = seg_test_model_new (128, 64);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *photo = write_photo (dir);
  g_autofree char *plain = g_build_filename (dir, "plain.pdf", NULL);
  g_autofree char *out = g_build_filename (dir, "report.pdf", NULL);

  FoveaCliResult r = fovea_test_run_cli ("report", photo, "--model", model, "--patient-id", "P5",
                                         "--eye", "OD", "--threads", "1", "--out", plain, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("report", photo, "--model", model, "--patient-id", "P5", "--eye",
                          "OD", "--threads", "1", "--segment", seg_model, "--out", out, NULL);
  if (r.status != 0)
    g_error ("report --segment exited %d: %s", r.status, r.err);
  fovea_test_cli_result_clear (&r);

  g_autofree char *text = fovea_test_pdf_text (out);
  fovea_test_assert_contains (text, "Segmentation");
  fovea_test_assert_contains (text, "Measurement Value Unit");
  g_autofree char *fov = expected_fov (seg_model, photo);
  fovea_test_assert_contains (text, fov);
  fovea_test_assert_contains (text, "Vessel fractal dimension");
  fovea_test_assert_contains (text, "Not validated on real photographs");
  fovea_test_assert_contains (text, "Vessels and optic disc (test fixture)");
  g_autofree char *plain_text = fovea_test_pdf_text (plain);
  g_assert_null (strstr (plain_text, "Measurement Value Unit"));

  g_autofree char *pages = pdf_pages (out);
  g_autofree char *plain_pages = pdf_pages (plain);
  g_assert_cmpint (atoi (pages), ==, atoi (plain_pages) + 1);
  g_autofree char *footer = g_strdup_printf ("Page %s of %s", pages, pages);
  fovea_test_assert_contains (text, footer);

  fovea_test_rmdir (seg_model);
  fovea_test_rmdir (model);
  fovea_test_rmdir (dir);
}

/* The model's card with one dice figure, held out or not. */
static void
set_card_metric (const char *seg_model, gboolean held_out)
{
  g_autofree char *path = g_build_filename (seg_model, "task_card.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  JsonObject *provenance = json_object_get_object_member (
    json_node_get_object (json_parser_get_root (parser)), "provenance");
  JsonArray *metrics = json_array_new ();
  JsonObject *dice = json_object_new ();
  json_object_set_string_member (dice, "name", "dice_vessels");
  json_object_set_double_member (dice, "value", 0.75);
  json_object_set_string_member (dice, "split", "three photographs");
  json_object_set_boolean_member (dice, "held_out", held_out);
  json_array_add_object_element (metrics, dice);
  json_object_set_array_member (provenance, "metrics", metrics);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
}

/* The section's validation label follows the card's figures. */
static void
test_validation_label (void)
{
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *seg_model = seg_test_model_new (128, 64);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *photo = write_photo (dir);
  g_autofree char *out = g_build_filename (dir, "report.pdf", NULL);
  const struct { gboolean held_out; const char *label; } cases[] = {
    { FALSE, "Not validated on held-out photographs: its card's figures (dice_vessels 0.75) "
             "come from the data that chose the model" },
    { TRUE, "Held-out figures on its card: dice_vessels 0.75" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      set_card_metric (seg_model, cases[i].held_out);
      FoveaCliResult r = fovea_test_run_cli ("report", photo, "--model", model, "--patient-id",
                                             "P5", "--eye", "OD", "--threads", "1", "--segment",
                                             seg_model, "--out", out, "--force", NULL);
      g_assert_cmpint (r.status, ==, 0);
      fovea_test_cli_result_clear (&r);
      g_autofree char *text = fovea_test_pdf_text (out);
      fovea_test_assert_contains (text, cases[i].label);
      g_assert_null (strstr (text, "Not validated on real photographs"));
    }
  fovea_test_rmdir (seg_model);
  fovea_test_rmdir (model);
  fovea_test_rmdir (dir);
}

static void
test_failures_leave_nothing (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *seg_model = seg_test_model_new (128, 64);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *photo = write_photo (dir);
  g_autofree char *out = g_build_filename (dir, "report.pdf", NULL);

  /* A model that does not load. */
  g_autofree char *config = g_build_filename (seg_model, "config.json", NULL);
  g_autofree char *kept = NULL;
  g_assert_true (g_file_get_contents (config, &kept, NULL, NULL));
  g_assert_true (g_file_set_contents (config, "{\"architecture\": 7}", -1, NULL));
  FoveaCliResult r = fovea_test_run_cli ("report", photo, "--model", model, "--patient-id", "P5",
                                         "--eye", "OD", "--segment", seg_model, "--out", out,
                                         NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--segment:");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (config, kept, -1, NULL));

  /* The photograph replaced, after grading read it, by one that cannot be
   * read is beyond a test's reach; an unreadable image is graded as an
   * error page and not segmented: the report is written, exit 3. */
  g_autofree char *broken = g_build_filename (dir, "broken.png", NULL);
  g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\n cut", -1, NULL));
  r = fovea_test_run_cli ("report", broken, "--model", model, "--patient-id", "P5", "--eye",
                          "OD", "--segment", seg_model, "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  if (fovea_test_have_poppler ())
    {
      g_autofree char *text = fovea_test_pdf_text (out);
      g_assert_null (strstr (text, "Measurement Value Unit"));
    }

  fovea_test_rmdir (seg_model);
  fovea_test_rmdir (model);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/report-segment/section", test_section);
  g_test_add_func ("/cli/report-segment/validation-label", test_validation_label);
  g_test_add_func ("/cli/report-segment/failures-leave-nothing", test_failures_leave_nothing);
  return g_test_run ();
}
