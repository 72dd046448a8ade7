/* test-cli-grade-segment.c: `fovea-cli grade --segment` and `merge` as a
 * user runs them, with the tiny fixture grading model and a random-weight
 * segmentation model installed under its card's name (seg-test-model.h):
 * the header with and without --segment, the measurement columns equal to
 * fovea_seg_measure's on the same file, a broken image's row (an error,
 * empty measurements), resume refused when the segmentation columns
 * differ, merge refusing CSVs of different columns and joining equal
 * ones, and a missing or corrupt model refused before any CSV exists;
 * --report-dir's PDFs with the segmentation section (pdftotext) the CSV's
 * measurements come from; --task auto on a mixed folder (fundus, skin,
 * OCTA): one header, measurements for the fundus photograph only. */
#define G_LOG_DOMAIN "test-cli-grade-segment"

#include <glib/gstdio.h>
#include <string.h>

#include "fovea-csv-log.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-seg-columns.h"
#include "fovea-seg-measure.h"
#include "fovea-segmenter.h"
#include "fovea-test-common.h"
#include "seg-test-model.h"

#define COL_TASK 6
#define COL_ERROR 15
#define COL_NOTE 17

typedef struct {
  char *root;
  char *model;      /* the grading model */
  char *seg_model;  /* installed/anatomy: the segmentation model */
  char *images;     /* P001_OD.png, P002_OS.png, broken.jpg */
  char *out;        /* root/results.csv */
} Fixture;

static void
write_fundus (const char *dir, const char *name, int size)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (size, size, size / 2.0,
                                                              size / 2.0, size * 0.45);
  /* Fine texture, like vessels, so that it is sharp enough to be gradable. */
  GRand *rand = g_rand_new_with_seed ((guint32) size);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width * 3; x++)
        if (row[x] > 0)
          row[x] = (guint8) CLAMP (row[x] + g_rand_int_range (rand, -25, 26), 1, 255);
    }
  g_rand_free (rand);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->root = fovea_test_mkdtemp ();
  f->model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *installed = g_build_filename (f->root, "installed", NULL);
  g_assert_cmpint (g_mkdir (installed, 0755), ==, 0);
  g_autofree char *seg = seg_test_model_new (128, 64);
  f->seg_model = g_build_filename (installed, "anatomy", NULL);
  g_assert_cmpint (g_rename (seg, f->seg_model), ==, 0);
  g_setenv ("FOVEA_MODELS_DIR", installed, TRUE);
  g_autofree char *user = g_build_filename (f->root, "user", NULL);
  g_setenv ("XDG_DATA_HOME", user, TRUE);

  f->images = g_build_filename (f->root, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0755), ==, 0);
  write_fundus (f->images, "P001_OD.png", 300);
  write_fundus (f->images, "P002_OS.png", 260);
  g_autofree char *broken = g_build_filename (f->images, "broken.jpg", NULL);
  g_assert_true (g_file_set_contents (broken, "\xff\xd8\xff\xe0 not a JPEG", -1, NULL));
  f->out = g_build_filename (f->root, "results.csv", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  fovea_test_rmdir (f->model);
  fovea_test_rmdir (f->root);
  g_free (f->root);
  g_free (f->model);
  g_free (f->seg_model);
  g_free (f->images);
  g_free (f->out);
}

/* Every row of the CSV (header first), each checked to have its header's
 * width. */
static GPtrArray *
read_csv (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  gsize complete = 0;
  g_autoptr (GError) error = NULL;
  GPtrArray *rows = fovea_csv_parse (data, length, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (complete, ==, length);
  g_assert_cmpuint (rows->len, >=, 1);
  for (guint i = 1; i < rows->len; i++)
    g_assert_cmpuint (g_strv_length (rows->pdata[i]), ==, g_strv_length (rows->pdata[0]));
  return rows;
}

static char **
find_row (GPtrArray *rows, const char *basename)
{
  for (guint i = 1; i < rows->len; i++)
    {
      char **row = rows->pdata[i];
      g_autofree char *base = g_path_get_basename (row[0]);
      if (strcmp (base, basename) == 0)
        return row;
    }
  return NULL;
}

static int
column_index (char **header, const char *name)
{
  for (int i = 0; header[i] != NULL; i++)
    if (strcmp (header[i], name) == 0)
      return i;
  g_error ("no column %s", name);
}

/* What the library measures on the file at path. */
static FoveaSegMeasures *
measure_file (const Fixture *f, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (f->seg_model, 1, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegmentation) result = fovea_segmenter_run (segmenter, image, &error);
  g_assert_no_error (error);
  return fovea_seg_measure (result, fovea_segmenter_get_card (segmenter));
}

/* The same as the columns' text. */
static GStrv
expected_values_of (const Fixture *f, const char *path, const FoveaSegColumns **out_columns,
                    FoveaSegColumns **columns)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (f->seg_model, 1, &error);
  g_assert_no_error (error);
  const FoveaTaskCard *card = fovea_segmenter_get_card (segmenter);
  g_autoptr (FoveaSegMeasures) measures = measure_file (f, path);
  *columns = fovea_seg_columns_new (&card, 1, &error);
  g_assert_no_error (error);
  *out_columns = *columns;
  return fovea_seg_columns_values (*columns, measures);
}

static GStrv
expected_values (const Fixture *f, const char *name, const FoveaSegColumns **out_columns,
                 FoveaSegColumns **columns)
{
  g_autofree char *path = g_build_filename (f->images, name, NULL);
  return expected_values_of (f, path, out_columns, columns);
}

/* Grades the images into out, with more arguments up to a NULL (which
 * may be the first). */
static FoveaCliResult
grade (const Fixture *f, const char *out, const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *fixed[] = { "grade", f->images, "--model", f->model, "--task", "tiny-five-class",
                          "--modality", "fundus", "--threads", "1", "--jobs", "1", "--out", out };
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (args, (gpointer) fixed[i]);
  va_list ap;
  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return fovea_test_run_cli_argv ((const char *const *) args->pdata);
}

static void
test_columns (Fixture *f, gconstpointer data)
{
  (void) data;
  /* Without --segment: grade's own columns only. */
  g_autofree char *plain = g_build_filename (f->root, "plain.csv", NULL);
  FoveaCliResult r = grade (f, plain, NULL);
  g_assert_cmpint (r.status, ==, 3);  /* the broken file */
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) plain_rows = read_csv (plain);
  g_assert_cmpuint (g_strv_length (plain_rows->pdata[0]), ==, FOVEA_CSV_N_COLUMNS);

  r = grade (f, f->out, "--segment", "anatomy", "--jsonl", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_assert_contains (r.out, "\"vessels_density\":");
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows = read_csv (f->out);
  char **header = rows->pdata[0];
  FoveaSegColumns *columns = NULL;
  const FoveaSegColumns *names = NULL;
  g_auto (GStrv) expected = expected_values (f, "P001_OD.png", &names, &columns);
  guint n_seg = fovea_seg_columns_get_n (names);
  g_assert_cmpuint (g_strv_length (header), ==, FOVEA_CSV_N_COLUMNS + n_seg);
  for (guint i = 0; i < FOVEA_CSV_N_COLUMNS; i++)
    g_assert_cmpstr (header[i], ==, fovea_csv_columns ()[i]);
  for (guint i = 0; i < n_seg; i++)
    g_assert_cmpstr (header[FOVEA_CSV_N_COLUMNS + i], ==, fovea_seg_columns_names (names)[i]);
  column_index (header, "anatomy_vessels_area_pct");
  column_index (header, "optic_disc_diameter_px");
  column_index (header, "vessels_fractal_dimension");

  /* The values are the library's on the same file, and numbers parse. */
  char **row = find_row (rows, "P001_OD.png");
  g_assert_nonnull (row);
  g_assert_cmpstr (row[COL_ERROR], ==, "");
  for (guint i = 0; i < n_seg; i++)
    g_assert_cmpstr (row[FOVEA_CSV_N_COLUMNS + i], ==, expected[i]);
  const char *fov = row[column_index (header, "fov_diameter_px")];
  char *end = NULL;
  double diameter = g_ascii_strtod (fov, &end);
  g_assert_true (end != fov && *end == '\0');
  g_assert_cmpfloat (diameter, >, 200);
  g_assert_cmpfloat (diameter, <, 300);
  const char *density = row[column_index (header, "vessels_density")];
  double d = g_ascii_strtod (density, &end);
  g_assert_true (end != density && *end == '\0' && d >= 0 && d <= 1);

  /* A file that cannot be read: its error, no measurements. */
  char **broken = find_row (rows, "broken.jpg");
  g_assert_nonnull (broken);
  g_assert_cmpstr (broken[COL_ERROR], !=, "");
  for (guint i = 0; i < n_seg; i++)
    g_assert_cmpstr (broken[FOVEA_CSV_N_COLUMNS + i], ==, "");

  /* A model folder given as such names the same columns. */
  g_autofree char *by_dir = g_build_filename (f->root, "by-dir.csv", NULL);
  r = grade (f, by_dir, "--segment", f->seg_model, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) dir_rows = read_csv (by_dir);
  g_assert_true (g_strv_equal ((const char *const *) dir_rows->pdata[0],
                               (const char *const *) header));
  fovea_seg_columns_free (columns);
}

static char *
contents (const char *path)
{
  char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

static void
test_resume_refused (Fixture *f, gconstpointer data)
{
  (void) data;
  FoveaCliResult r = grade (f, f->out, "--segment", "anatomy", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autofree char *before = contents (f->out);

  /* Resumed without --segment: the header asks for other columns. */
  r = grade (f, f->out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "segmentation columns");
  fovea_test_cli_result_clear (&r);
  g_autofree char *after = contents (f->out);
  g_assert_cmpstr (after, ==, before);

  /* A CSV made without --segment, resumed with it: refused too. */
  g_autofree char *plain = g_build_filename (f->root, "plain.csv", NULL);
  r = grade (f, plain, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autofree char *plain_before = contents (plain);
  r = grade (f, plain, "--resume", "--segment", "anatomy", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "segmentation");
  fovea_test_cli_result_clear (&r);
  g_autofree char *plain_after = contents (plain);
  g_assert_cmpstr (plain_after, ==, plain_before);

  /* The same --segment resumes: nothing left to do, the rows as they were. */
  r = grade (f, f->out, "--resume", "--segment", "anatomy", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autofree char *resumed = contents (f->out);
  g_assert_cmpstr (resumed, ==, before);
}

static void
test_merge (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *a = g_build_filename (f->root, "a.csv", NULL);
  g_autofree char *b = g_build_filename (f->root, "b.csv", NULL);
  g_autofree char *b_plain = g_build_filename (f->root, "b-plain.csv", NULL);
  g_autofree char *merged = g_build_filename (f->root, "merged.csv", NULL);
  FoveaCliResult r = grade (f, a, "--shard", "0/2", "--segment", "anatomy", NULL);
  fovea_test_cli_result_clear (&r);
  r = grade (f, b, "--shard", "1/2", "--segment", "anatomy", NULL);
  fovea_test_cli_result_clear (&r);
  r = grade (f, b_plain, "--shard", "1/2", NULL);
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("merge", "--out", merged, a, b_plain, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "different columns");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (merged, G_FILE_TEST_EXISTS));

  r = fovea_test_run_cli ("merge", "--out", merged, a, b, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows = read_csv (merged);
  g_autoptr (GPtrArray) a_rows = read_csv (a);
  g_assert_true (g_strv_equal ((const char *const *) rows->pdata[0],
                               (const char *const *) a_rows->pdata[0]));
  g_assert_cmpuint (rows->len, ==, 4);  /* header and three files */
  g_assert_nonnull (find_row (rows, "P002_OS.png"));
}

static void
test_bad_models (Fixture *f, gconstpointer data)
{
  (void) data;
  FoveaCliResult r = grade (f, f->out, "--segment", "no-such-task", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "no segmentation model for the task “no-such-task”");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));

  /* Weights cut short: the model does not load, nothing is written. */
  g_autofree char *weights = g_build_filename (f->seg_model, "model.safetensors", NULL);
  g_assert_true (g_file_set_contents (weights, "{}", -1, NULL));
  r = grade (f, f->out, "--segment", "anatomy", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--segment:");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
}

/* The field of view's line of the report's table, as the library
 * measures the file. */
static char *
expected_fov_line (const Fixture *f, const char *path)
{
  g_autoptr (FoveaSegMeasures) m = measure_file (f, path);
  return g_strdup_printf ("Field of view diameter %.0f px", 2 * m->fov_radius);
}

static char *
report_text (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_error ("no report %s", path);
  return fovea_test_pdf_text (path);
}

/* --report-dir with --segment: a gradable file's PDF has the section
 * `report --segment` draws, from the segmentation the CSV's columns come
 * from; an ungradable one's, or any without --segment, none. */
static void
test_report_dir (Fixture *f, gconstpointer data)
{
  (void) data;
  if (!fovea_test_have_poppler ())
    return;
  g_autofree char *plain = g_build_filename (f->root, "plain.csv", NULL);
  g_autofree char *plain_reports = g_build_filename (f->root, "plain-reports", NULL);
  g_autofree char *reports = g_build_filename (f->root, "reports", NULL);
  FoveaCliResult r = grade (f, plain, "--report-dir", plain_reports, NULL);
  g_assert_cmpint (r.status, ==, 3);  /* the broken file */
  fovea_test_cli_result_clear (&r);
  r = grade (f, f->out, "--segment", "anatomy", "--report-dir", reports, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);

  g_autofree char *text = report_text (reports, "P001_OD-tiny-five-class.pdf");
  fovea_test_assert_contains (text, "Segmentation");
  fovea_test_assert_contains (text, "Measurement Value Unit");
  fovea_test_assert_contains (text, "Vessel fractal dimension");
  fovea_test_assert_contains (text, "Not validated on real photographs");
  g_autofree char *path = g_build_filename (f->images, "P001_OD.png", NULL);
  g_autofree char *fov = expected_fov_line (f, path);
  fovea_test_assert_contains (text, fov);
  g_autofree char *plain_text = report_text (plain_reports, "P001_OD-tiny-five-class.pdf");
  g_assert_null (strstr (plain_text, "Measurement Value Unit"));
  fovea_test_assert_contains (plain_text, "Fovea grading report");

  /* Too small to grade: not segmented, as its empty columns say. */
  g_autofree char *small = report_text (reports, "P002_OS-tiny-five-class.pdf");
  fovea_test_assert_contains (small, "Ungradable");
  g_assert_null (strstr (small, "Measurement Value Unit"));

  /* The file that could not be read has no report; the summary is there. */
  g_autofree char *broken = g_build_filename (reports, "broken-tiny-five-class.pdf", NULL);
  g_assert_false (g_file_test (broken, G_FILE_TEST_EXISTS));
  g_autofree char *summary = report_text (reports, "summary.pdf");
  g_assert_null (strstr (summary, "Measurement Value Unit"));
}

/* --task auto with --segment on a mixed folder: the installed grading
 * model's fundus and skin tasks each on their images, the segmentation
 * (a fundus card) on the fundus photograph only; the skin photograph's
 * and the OCTA scan's measurements are empty, not errors; one header,
 * the same as a run with one task; JSON Lines with the same members for
 * every row; the fundus report with the section, the skin one without. */
static void
test_task_auto (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *installed = g_path_get_dirname (f->seg_model);
  g_free (fovea_test_install_fundus_skin_model (installed));
  g_autofree char *mixed = g_build_filename (f->root, "mixed", NULL);
  g_assert_cmpint (g_mkdir (mixed, 0755), ==, 0);
  const char *samples[] = { "fundus-healthy.png", "skin-naevus.png", "octa-3mm.png" };
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *from = fovea_test_sample_path (samples[i]);
      g_autofree char *to = g_build_filename (mixed, samples[i], NULL);
      fovea_test_copy_file (from, to);
    }
  g_autofree char *reports = g_build_filename (f->root, "auto-reports", NULL);
  FoveaCliResult r = fovea_test_run_cli ("grade", mixed, "--task", "auto", "--segment", "anatomy",
                                         "--threads", "1", "--jobs", "1", "--jsonl",
                                         "--report-dir", reports, "--out", f->out, NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (g_strstrip (r.out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  for (guint i = 0; lines[i] != NULL; i++)
    fovea_test_assert_contains (lines[i], "\"vessels_density\":");
  fovea_test_cli_result_clear (&r);

  g_autoptr (GPtrArray) rows = read_csv (f->out);
  g_assert_cmpuint (rows->len, ==, 4);  /* the header and one row a file */
  char **header = rows->pdata[0];
  g_autofree char *fundus_path = g_build_filename (mixed, "fundus-healthy.png", NULL);
  FoveaSegColumns *columns = NULL;
  const FoveaSegColumns *names = NULL;
  g_auto (GStrv) expected = expected_values_of (f, fundus_path, &names, &columns);
  guint n_seg = fovea_seg_columns_get_n (names);
  g_assert_cmpuint (g_strv_length (header), ==, FOVEA_CSV_N_COLUMNS + n_seg);
  for (guint i = 0; i < FOVEA_CSV_N_COLUMNS; i++)
    g_assert_cmpstr (header[i], ==, fovea_csv_columns ()[i]);
  for (guint i = 0; i < n_seg; i++)
    g_assert_cmpstr (header[FOVEA_CSV_N_COLUMNS + i], ==, fovea_seg_columns_names (names)[i]);

  char **fundus = find_row (rows, "fundus-healthy.png");
  g_assert_nonnull (fundus);
  g_assert_cmpstr (fundus[COL_TASK], ==, "tiny-five-class");
  g_assert_cmpstr (fundus[COL_ERROR], ==, "");
  for (guint i = 0; i < n_seg; i++)
    g_assert_cmpstr (fundus[FOVEA_CSV_N_COLUMNS + i], ==, expected[i]);
  g_assert_cmpstr (fundus[column_index (header, "fov_diameter_px")], !=, "");

  char **skin = find_row (rows, "skin-naevus.png");
  g_assert_nonnull (skin);
  g_assert_cmpstr (skin[COL_TASK], ==, "skin-lesion");
  g_assert_cmpstr (skin[COL_ERROR], ==, "");
  char **octa = find_row (rows, "octa-3mm.png");
  g_assert_nonnull (octa);
  g_assert_cmpstr (octa[COL_ERROR], ==, "");
  g_assert_cmpstr (octa[COL_NOTE], ==, "no task for modality octa");
  for (guint i = 0; i < n_seg; i++)
    {
      g_assert_cmpstr (skin[FOVEA_CSV_N_COLUMNS + i], ==, "");
      g_assert_cmpstr (octa[FOVEA_CSV_N_COLUMNS + i], ==, "");
    }

  if (fovea_test_have_poppler ())
    {
      g_autofree char *fundus_text = report_text (reports, "fundus-healthy-tiny-five-class.pdf");
      fovea_test_assert_contains (fundus_text, "Measurement Value Unit");
      g_autofree char *fov = expected_fov_line (f, fundus_path);
      fovea_test_assert_contains (fundus_text, fov);
      g_autofree char *skin_text = report_text (reports, "skin-naevus-skin-lesion.pdf");
      g_assert_null (strstr (skin_text, "Measurement Value Unit"));
    }
  fovea_seg_columns_free (columns);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/grade-segment/columns", Fixture, NULL, fixture_set_up, test_columns,
              fixture_tear_down);
  g_test_add ("/cli/grade-segment/resume-refused", Fixture, NULL, fixture_set_up,
              test_resume_refused, fixture_tear_down);
  g_test_add ("/cli/grade-segment/merge", Fixture, NULL, fixture_set_up, test_merge,
              fixture_tear_down);
  g_test_add ("/cli/grade-segment/bad-models", Fixture, NULL, fixture_set_up, test_bad_models,
              fixture_tear_down);
  g_test_add ("/cli/grade-segment/report-dir", Fixture, NULL, fixture_set_up, test_report_dir,
              fixture_tear_down);
  g_test_add ("/cli/grade-segment/task-auto", Fixture, NULL, fixture_set_up, test_task_auto,
              fixture_tear_down);
  return g_test_run ();
}
