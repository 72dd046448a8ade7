/* test-cli-grade.c: `fovea-cli grade` and `merge` as a user runs them, in a
 * separate process, on a mixed temporary folder (PNG, JPEG, TIFF, a
 * truncated file, an empty file, a sub-folder) with the tiny fixture model
 * and a fundus card: rows for every file, error rows, exit statuses,
 * recursion, a --threshold that makes an image ungradable, refusing to
 * overwrite, kill -9 then --resume, shards merged, sources left unchanged,
 * --report-dir's PDFs and summary, and the per-patient summary next to the
 * CSV (the same after --resume). */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "fovea-csv-log.h"
#include "fovea-encode.h"
#include "fovea-patient-csv.h"
#include "fovea-test-common.h"

#define COL_FILE 0
#define COL_QUALITY 4
#define COL_TASK 6
#define COL_GRADE 7
#define COL_LABEL 8
#define COL_SECONDS 14
#define COL_ERROR 15
#define COL_LABEL_TITLE 16
#define COL_NOTE 17

static void
write_fundus (const char *dir, const char *name, int size, gboolean jpeg)
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
  if (jpeg)
    g_assert_true (fovea_encode_jpeg_file (image, path, 90, &error));
  else
    g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
}

/* The mixed folder: 2 good fundus images, a small TIFF, a truncated JPEG,
 * an empty PNG, a text file (not an image: ignored), and sub/ with one more. */
static char *
make_folder (void)
{
  char *dir = fovea_test_mkdtemp ();
  write_fundus (dir, "P001_OD.jpg", 600, TRUE);
  write_fundus (dir, "P001_OS.png", 600, FALSE);
  g_autofree char *tif_src = fovea_test_fixture_path ("decode/tiff-grey-8-lzw.tif");
  g_autofree char *tif = g_build_filename (dir, "P002_left.tif", NULL);
  fovea_test_copy_file (tif_src, tif);

  g_autofree char *jpeg = g_build_filename (dir, "P001_OD.jpg", NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (jpeg, &data, &length, NULL));
  g_autofree char *broken = g_build_filename (dir, "broken, \"quoted\".jpg", NULL);
  g_assert_true (g_file_set_contents (broken, data, (gssize) length / 3, NULL));
  g_autofree char *empty = g_build_filename (dir, "empty.png", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  g_assert_true (g_file_set_contents (text, "not an image", -1, NULL));

  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  write_fundus (sub, "P003_OD.jpg", 600, TRUE);
  return dir;
}

/* A CSV's rows, header included, each of n_columns fields. */
static GPtrArray *
read_rows_of (const char *path, guint n_columns)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  gsize complete = 0;
  g_autoptr (GError) error = NULL;
  GPtrArray *rows = fovea_csv_parse (data, length, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (complete, ==, length);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpuint (g_strv_length (rows->pdata[i]), ==, n_columns);
  return rows;
}

/* The CSV's rows after the header, checked to be complete and ours. */
static GPtrArray *
read_rows (const char *path)
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
  char **header = rows->pdata[0];
  g_assert_cmpuint (g_strv_length (header), ==, FOVEA_CSV_N_COLUMNS);
  g_assert_cmpstr (header[0], ==, "file");
  g_assert_cmpstr (header[COL_ERROR], ==, "error");
  g_ptr_array_remove_index (rows, 0);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpuint (g_strv_length (rows->pdata[i]), ==, FOVEA_CSV_N_COLUMNS);
  return rows;
}

static char **
find_row (GPtrArray *rows, const char *basename)
{
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = rows->pdata[i];
      g_autofree char *base = g_path_get_basename (row[COL_FILE]);
      if (strcmp (base, basename) == 0)
        return row;
    }
  return NULL;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Rows as a sorted set of lines, without the seconds column. */
static char *
row_set (GPtrArray *rows)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = rows->pdata[i];
      g_autoptr (GString) line = g_string_new (NULL);
      for (guint c = 0; c < FOVEA_CSV_N_COLUMNS; c++)
        if (c != COL_SECONDS)
          {
            fovea_csv_append_field (line, row[c]);
            g_string_append_c (line, '|');
          }
      g_ptr_array_add (lines, g_string_free (g_steal_pointer (&line), FALSE));
    }
  g_ptr_array_sort (lines, compare_strings);
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

/* SHA-256 of every file under dir, as "name=hash" lines. */
static void
checksum_tree (const char *dir, GString *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          checksum_tree (path, out);
          continue;
        }
      g_autofree char *data = NULL;
      gsize length = 0;
      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data,
                                                          length);
      g_string_append_printf (out, "%s=%s\n", path, sum);
    }
}

static void
test_grade_mixed (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *images = make_folder ();
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "results.csv", NULL);
  g_autoptr (GString) before = g_string_new (NULL);
  checksum_tree (images, before);

  /* Not recursive: five image files, sub/ ignored; two fail: exit 3. The
   * TIFF, for which the task is the wrong modality, is ungradable by it:
   * the final line agrees with its row (issue 15, item 18), and so does
   * the line of a resumed run, counted from the CSV. */
  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model,
                                         "--task", "tiny-five-class", "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_assert_contains (r.err, "3 file(s) graded, 1 ungradable, 2 failed;");
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--task", "tiny-five-class",
                          "--out", out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_assert_contains (r.err, "3 file(s) graded, 1 ungradable, 2 failed;");
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_null (find_row (rows, "P003_OD.jpg"));
  g_assert_null (find_row (rows, "notes.txt"));

  char **good = find_row (rows, "P001_OD.jpg");
  g_assert_nonnull (good);
  g_assert_cmpstr (good[1], ==, "P001");
  g_assert_cmpstr (good[2], ==, "OD");
  g_assert_cmpstr (good[COL_QUALITY], ==, "gradable");
  g_assert_cmpstr (good[COL_TASK], ==, "tiny-five-class");
  g_assert_true (g_str_has_prefix (good[COL_LABEL], "class-"));
  g_assert_cmpstr (good[COL_ERROR], ==, "");
  g_assert_cmpuint (strlen (good[13]), ==, 64);
  char **png = find_row (rows, "P001_OS.png");
  g_assert_nonnull (png);
  g_assert_cmpstr (png[2], ==, "OS");
  g_assert_cmpstr (png[COL_ERROR], ==, "");

  /* The small grey TIFF looks like OCTA: a fundus task is not run on it. */
  char **tif = find_row (rows, "P002_left.tif");
  g_assert_nonnull (tif);
  g_assert_cmpstr (tif[COL_LABEL], ==, "");
  g_assert_cmpstr (tif[7], ==, "");
  g_assert_true (g_str_has_prefix (tif[COL_ERROR], "not for this task: the image looks like octa"));

  char **broken = find_row (rows, "broken, \"quoted\".jpg");
  g_assert_nonnull (broken);
  g_assert_nonnull (strstr (broken[COL_ERROR], "truncated"));
  g_assert_cmpstr (broken[COL_LABEL], ==, "");
  char **empty = find_row (rows, "empty.png");
  g_assert_nonnull (empty);
  g_assert_nonnull (strstr (empty[COL_ERROR], "empty"));

  /* The output exists: refused without --force, and left untouched. */
  g_autofree char *kept = NULL;
  g_assert_true (g_file_get_contents (out, &kept, NULL, NULL));
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--recursive", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "--force"));
  fovea_test_cli_result_clear (&r);
  g_autofree char *after_refusal = NULL;
  g_assert_true (g_file_get_contents (out, &after_refusal, NULL, NULL));
  g_assert_cmpstr (after_refusal, ==, kept);

  /* Recursive, with --force: sub/ included. Said to be fundus, the TIFF
   * is graded as one: decoded, but ungradable, so no grade. */
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--recursive",
                          "--force", "--jobs", "2", "--modality", "fundus", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) all = read_rows (out);
  g_assert_cmpuint (all->len, ==, 6);
  char **fundus_tif = find_row (all, "P002_left.tif");
  g_assert_nonnull (fundus_tif);
  g_assert_cmpstr (fundus_tif[COL_QUALITY], ==, "ungradable");
  g_assert_nonnull (strstr (fundus_tif[5], "resolution"));
  g_assert_cmpstr (fundus_tif[COL_LABEL], ==, "");
  g_assert_cmpstr (fundus_tif[COL_ERROR], ==, "");
  char **sub = find_row (all, "P003_OD.jpg");
  g_assert_nonnull (sub);
  g_assert_cmpstr (sub[COL_QUALITY], ==, "gradable");

  /* Only good files: exit 0. */
  g_autofree char *sub_dir = g_build_filename (images, "sub", NULL);
  g_autofree char *out_ok = g_build_filename (out_dir, "ok.csv", NULL);
  r = fovea_test_run_cli ("grade", sub_dir, "--model", model, "--out", out_ok, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);

  /* --threshold, as for inspect: a sharpness no photograph reaches makes
   * the same image ungradable, for blur, and it gets no grade. */
  g_autofree char *out_strict = g_build_filename (out_dir, "strict.csv", NULL);
  r = fovea_test_run_cli ("grade", sub_dir, "--model", model, "--out", out_strict,
                          "--threshold", "min_sharpness=1e9", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) strict = read_rows (out_strict);
  char **blurred = find_row (strict, "P003_OD.jpg");
  g_assert_nonnull (blurred);
  g_assert_cmpstr (blurred[COL_QUALITY], ==, "ungradable");
  g_assert_cmpstr (blurred[5], ==, "blur");
  g_assert_cmpstr (blurred[COL_LABEL], ==, "");
  g_assert_cmpstr (blurred[COL_ERROR], ==, "");

  /* Fatal: a missing folder, an unknown task, a bad shard; no output left. */
  g_autofree char *none = g_build_filename (out_dir, "none.csv", NULL);
  g_autofree char *missing = g_build_filename (images, "missing", NULL);
  const char *const bad[][9] = {
    { "grade", missing, "--model", model, "--out", none, NULL },
    { "grade", images, "--model", model, "--task", "nope", "--out", none, NULL },
    { "grade", images, "--model", model, "--shard", "2/2", "--out", none, NULL },
    { "grade", images, "--model", model, "--threshold", "min_sharpness", "--out", none, NULL },
    { "grade", images, "--model", model, "--threshold", "no_such=1", "--out", none, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      r = fovea_test_run_cli_argv (bad[i]);
      g_assert_cmpint (r.status, ==, 1);
      fovea_test_cli_result_clear (&r);
      g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
    }

  /* Sources were only read. */
  g_autoptr (GString) after = g_string_new (NULL);
  checksum_tree (images, after);
  g_assert_cmpstr (after->str, ==, before->str);

  fovea_test_rmdir (images);
  fovea_test_rmdir (model);
  fovea_test_rmdir (out_dir);
}

static guint
count_lines (const char *path)
{
  g_autofree char *data = NULL;
  if (!g_file_get_contents (path, &data, NULL, NULL))
    return 0;
  guint n = 0;
  for (const char *p = data; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_kill_resume (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *images = fovea_test_mkdtemp ();
  /* Enough files that the run is still going when it is killed. */
  for (int i = 0; i < 160; i++)
    {
      g_autofree char *name = g_strdup_printf ("P%03d_%s.jpg", i, i % 2 ? "OS" : "OD");
      write_fundus (images, name, 700, TRUE);
    }
  g_autofree char *empty = g_build_filename (images, "P050_zz.png", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *full = g_build_filename (out_dir, "full.csv", NULL);
  g_autofree char *killed = g_build_filename (out_dir, "killed.csv", NULL);

  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model, "--out", full, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) full_rows = read_rows (full);
  g_assert_cmpuint (full_rows->len, ==, 161);

  const char *cli = g_getenv ("FOVEA_CLI");
  g_assert_nonnull (cli);
  const char *argv[] = { cli, "grade", images, "--model", model, "--out", killed,
                         "--jobs", "1", "--threads", "1", NULL };
  GPid pid;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  /* Kill once some rows are there (header + 10). */
  for (int tries = 0; tries < 2000 && count_lines (killed) < 11; tries++)
    g_usleep (5000);
  kill (pid, SIGKILL);
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  guint n_before = count_lines (killed);
  g_test_message ("killed after %u line(s)", n_before);

  /* Whatever the kill left is a valid prefix... */
  {
    g_autofree char *data = NULL;
    gsize length = 0;
    g_assert_true (g_file_get_contents (killed, &data, &length, NULL));
    g_autoptr (GPtrArray) prefix = fovea_csv_parse (data, length, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (prefix->len, >=, 1);
  }
  /* ...with a half-written row after it, as a crash mid-write would leave. */
  {
    FILE *f = fopen (killed, "ab");
    g_assert_nonnull (f);
    fputs ("\"half,written", f);
    fclose (f);
  }

  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", killed, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) resumed = read_rows (killed);
  g_assert_cmpuint (resumed->len, ==, full_rows->len);
  g_autofree char *a = row_set (full_rows);
  g_autofree char *b = row_set (resumed);
  g_assert_cmpstr (a, ==, b);

  /* Resuming a finished run adds nothing, and its status is still that
   * of the whole CSV: a file failed (P050_zz.png). */
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", killed, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_nonnull (strstr (r.err, " 1 failed"));
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) again = read_rows (killed);
  g_assert_cmpuint (again->len, ==, full_rows->len);

  /* Shards 0/2 and 1/2, merged, are the full run. */
  g_autofree char *s0 = g_build_filename (out_dir, "s0.csv", NULL);
  g_autofree char *s1 = g_build_filename (out_dir, "s1.csv", NULL);
  g_autofree char *merged = g_build_filename (out_dir, "merged.csv", NULL);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", s0, "--shard", "0/2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  /* Sorted, P050_zz.png is file 51: in shard 1. */
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", s1, "--shard", "1/2", NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows0 = read_rows (s0);
  g_assert_cmpuint (rows0->len, ==, 81);  /* 161 files: indices 0, 2, …, 160 */
  g_assert_nonnull (find_row (rows0, "P000_OD.jpg"));
  g_assert_null (find_row (rows0, "P001_OS.jpg"));
  r = fovea_test_run_cli ("merge", "--out", merged, s1, s0, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) merged_rows = read_rows (merged);
  g_autofree char *c = row_set (merged_rows);
  g_assert_cmpstr (a, ==, c);
  /* Sorted by file. */
  for (guint i = 1; i < merged_rows->len; i++)
    g_assert_cmpint (strcmp (((char **) merged_rows->pdata[i - 1])[0],
                             ((char **) merged_rows->pdata[i])[0]), <, 0);

  /* Duplicates and existing outputs are refused. */
  g_autofree char *dup = g_build_filename (out_dir, "dup.csv", NULL);
  r = fovea_test_run_cli ("merge", "--out", dup, s0, s0, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "twice"));
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (dup, G_FILE_TEST_EXISTS));
  r = fovea_test_run_cli ("merge", "--out", merged, s0, s1, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_cli_result_clear (&r);
  /* A CSV that is not ours. */
  g_autofree char *other = g_build_filename (out_dir, "other.csv", NULL);
  g_assert_true (g_file_set_contents (other, "a,b\r\n1,2\r\n", -1, NULL));
  r = fovea_test_run_cli ("merge", "--out", dup, s0, other, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", other, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_cli_result_clear (&r);

  fovea_test_rmdir (images);
  fovea_test_rmdir (model);
  fovea_test_rmdir (out_dir);
}

/* --resume checks the run's identity (OUT.run.json) and names what
 * differs; its exit status describes the whole CSV; report files that
 * could not be written are failures in the CSV's error column, retried by
 * --resume; a second run into the same --report-dir numbers its files. */
static void
test_resume_identity_and_reports (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *images = fovea_test_mkdtemp ();
  g_autofree char *others = fovea_test_mkdtemp ();
  write_fundus (images, "P001_OD.jpg", 600, TRUE);
  write_fundus (images, "P002_OS.png", 600, FALSE);
  g_autofree char *empty = g_build_filename (images, "empty.png", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  write_fundus (others, "P009_OD.jpg", 600, TRUE);
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "results.csv", NULL);
  g_autofree char *reports = g_build_filename (out_dir, "reports", NULL);

  /* Reports into a folder where nothing can be created (even by root). */
  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out,
                                         "--report-dir", "/proc/self", NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_nonnull (strstr (r.err, "0 file(s) graded, 0 ungradable, 3 failed"));
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 3);
  char **row = find_row (rows, "P001_OD.jpg");
  g_assert_true (g_str_has_prefix (row[COL_ERROR],
                                   FOVEA_CSV_RETRYABLE_PREFIX "the report was not written"));
  g_autofree char *identity_path = g_strconcat (out, ".run.json", NULL);
  g_autofree char *identity = NULL;
  g_assert_true (g_file_get_contents (identity_path, &identity, NULL, NULL));
  fovea_test_assert_contains (identity, "sha256 of task tiny-five-class");

  /* Another folder, another threshold, a missing record: refused by name. */
  r = fovea_test_run_cli ("grade", others, "--model", model, "--out", out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "its folders was"));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--resume",
                          "--threshold", "min_resolution=100", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "its thresholds was “”, now “min_resolution=100”"));
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) unchanged = read_rows (out);
  g_assert_cmpuint (unchanged->len, ==, 3);

  /* Resumed with a folder that works: the two retryable files are graded
   * again, the empty one stays failed, and so the status is 3. */
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--resume",
                          "--report-dir", reports, NULL);
  g_assert_cmpint (r.status, ==, 3);
  g_assert_nonnull (strstr (r.err, "2 file(s) graded, 0 ungradable, 1 failed"));
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) retried = read_rows (out);
  g_assert_cmpuint (retried->len, ==, 3);
  g_assert_cmpstr (find_row (retried, "P001_OD.jpg")[COL_ERROR], ==, "");
  g_assert_cmpstr (find_row (retried, "P002_OS.png")[COL_ERROR], ==, "");
  g_assert_cmpstr (find_row (retried, "empty.png")[COL_ERROR], !=, "");
  g_autofree char *summary = g_build_filename (reports, "summary.pdf", NULL);
  g_assert_true (g_file_test (summary, G_FILE_TEST_IS_REGULAR));

  /* A second run into the same folder replaces no report. */
  g_autofree char *second = g_build_filename (out_dir, "second.csv", NULL);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", second,
                          "--report-dir", reports, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);
  g_autofree char *summary2 = g_build_filename (reports, "summary-2.pdf", NULL);
  g_autofree char *report2 = g_build_filename (reports, "P001_OD-tiny-five-class-2.pdf", NULL);
  g_assert_true (g_file_test (summary2, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (report2, G_FILE_TEST_IS_REGULAR));

  /* A CSV with rows but no record beside it is not resumed. */
  g_assert_cmpint (g_unlink (identity_path), ==, 0);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "run record"));
  g_assert_nonnull (strstr (r.err, "missing"));
  fovea_test_cli_result_clear (&r);

  fovea_test_rmdir (images);
  fovea_test_rmdir (others);
  fovea_test_rmdir (model);
  fovea_test_rmdir (out_dir);
}

static void
test_report_dir (void)
{
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext == NULL)
    {
      g_test_skip ("pdftotext not found: install poppler-utils (scripts/install-deps.sh test)");
      return;
    }
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *images = fovea_test_mkdtemp ();
  write_fundus (images, "P001_OD.jpg", 600, TRUE);
  write_fundus (images, "P002_OS.png", 600, FALSE);
  g_autofree char *jpeg = g_build_filename (images, "P001_OD.jpg", NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (jpeg, &data, &length, NULL));
  g_autofree char *broken = g_build_filename (images, "broken.jpg", NULL);
  g_assert_true (g_file_set_contents (broken, data, (gssize) length / 3, NULL));

  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "results.csv", NULL);
  g_autofree char *reports = g_build_filename (out_dir, "reports", NULL);
  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model,
                                         "--task", "tiny-five-class", "--out", out,
                                         "--report-dir", reports, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_cli_result_clear (&r);

  /* Exactly the two per-image reports and the summary: no temporary files,
   * no report for the broken file. */
  g_autoptr (GDir) d = g_dir_open (reports, 0, NULL);
  g_assert_nonnull (d);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  g_autofree char *listing = g_strjoinv (",", (char **) names->pdata);
  g_assert_cmpstr (listing, ==,
                   "P001_OD-tiny-five-class.pdf,P002_OS-tiny-five-class.pdf,summary.pdf");

  g_autofree char *one = g_build_filename (reports, "P002_OS-tiny-five-class.pdf", NULL);
  g_autofree char *text = fovea_test_pdf_text (one);
  fovea_test_assert_contains (text, "P002");
  fovea_test_assert_contains (text, "tiny-five-class");
  g_autoptr (GPtrArray) rows = read_rows (out);
  char **row = find_row (rows, "P002_OS.png");
  g_assert_nonnull (row);
  g_assert_true (g_str_has_prefix (row[COL_LABEL], "class-"));
  fovea_test_assert_contains (text, row[COL_LABEL]);

  g_autofree char *summary = g_build_filename (reports, "summary.pdf", NULL);
  g_autofree char *sum_text = fovea_test_pdf_text (summary);
  fovea_test_assert_contains (sum_text, "P001_OD.jpg");
  fovea_test_assert_contains (sum_text, "P002_OS.png");
  fovea_test_assert_contains (sum_text, "broken.jpg");
  fovea_test_assert_contains (sum_text, "Total files 3");
  fovea_test_assert_contains (sum_text, "Failed (error) 1");
  /* Each file names a patient (broken.jpg too); the card has no held-out
   * figures, so none is referable. */
  fovea_test_assert_contains (sum_text, "Patients (worst eye)");
  fovea_test_assert_contains (sum_text, "3 patients, 0 referable (worst eye)");
  fovea_test_assert_contains (sum_text, "no recommendation");

  fovea_test_rmdir (images);
  fovea_test_rmdir (model);
  fovea_test_rmdir (out_dir);
}

/* Issue 15, item 9: a relative folder and a patient ID that start like
 * formulas reach the CSV neutralised; the rows read back unchanged. */
static void
test_formula_injection (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *images = g_build_filename (dir, "=cmd", NULL);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  write_fundus (images, "@cmd_OD.png", 300, FALSE);
  g_autofree char *cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (dir), ==, 0);
  FoveaCliResult r = fovea_test_run_cli ("grade", "=cmd", "--model", model,
                                         "--task", "tiny-five-class", "--out", "out.csv", NULL);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  if (r.status != 0)
    g_error ("grade exited %d: %s", r.status, r.err);
  fovea_test_cli_result_clear (&r);

  g_autofree char *out = g_build_filename (dir, "out.csv", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  fovea_test_assert_contains (text, "\r\n'=cmd/@cmd_OD.png,'@cmd,OD,");
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) cells = g_strsplit (lines[i], ",", -1);
      for (guint c = 0; cells[c] != NULL; c++)
        if (cells[c][0] != '\0' && strchr ("=+-@", cells[c][0]) != NULL)
          g_error ("line %u, cell %u starts a formula: %s", i + 1, c + 1, cells[c]);
    }
  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((char **) rows->pdata[0])[COL_FILE], ==, "=cmd/@cmd_OD.png");
  g_assert_cmpstr (((char **) rows->pdata[0])[1], ==, "@cmd");
  fovea_test_rmdir (dir);
  fovea_test_rmdir (model);
}

/* Issue 15, item 11: a file name that is not UTF-8 appears as GLib's
 * display name (U+FFFD for the bad byte): --jsonl, inspect --json and the
 * CSV stay valid UTF-8, and --resume still recognises the file. */
static void
test_non_utf8_names (void)
{
  g_autofree char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *images = fovea_test_mkdtemp ();
  write_fundus (images, "P7_OD\xff.png", 300, FALSE);
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "out.csv", NULL);

  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model, "--task",
                                         "tiny-five-class", "--out", out, "--jsonl", NULL);
  if (r.status != 0)
    g_error ("grade exited %d: %s", r.status, r.err);
  g_assert_true (g_utf8_validate (r.out, -1, NULL));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  g_assert_no_error (error);
  JsonObject *line = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (line, "file"),
                                   "/P7_OD\xef\xbf\xbd.png"));
  fovea_test_cli_result_clear (&r);

  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (out, &csv, NULL, NULL));
  g_assert_true (g_utf8_validate (csv, -1, NULL));
  fovea_test_assert_contains (csv, "P7_OD\xef\xbf\xbd.png");

  r = fovea_test_run_cli ("grade", images, "--model", model, "--task", "tiny-five-class",
                          "--out", out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 1);

  r = fovea_test_run_cli ("inspect", "--json", images, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_utf8_validate (r.out, -1, NULL));
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  g_assert_no_error (error);
  fovea_test_assert_contains (r.out, "P7_OD\xef\xbf\xbd.png");
  fovea_test_cli_result_clear (&r);

  fovea_test_rmdir (images);
  fovea_test_rmdir (out_dir);
  fovea_test_rmdir (model);
}

/* The fixture card with a held-out figure, so that it may recommend. */
static char *
make_validated_model (void)
{
  char *model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *card = g_build_filename (model, "task_card.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (card, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"metrics\": []"));
  g_autoptr (GString) edited = g_string_new (text);
  g_string_replace (edited, "\"metrics\": []",
                    "\"metrics\": [{\"name\": \"accuracy\", \"value\": 0.5, "
                    "\"split\": \"fixture test part\", \"held_out\": true}]", 1);
  g_assert_true (g_file_set_contents (card, edited->str, -1, NULL));
  return model;
}

static char *
read_text (const char *path)
{
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* Each patient's line follows from its rows: refer when an eye is
 * referable, the worst eye named. */
static void
check_patients (GPtrArray *rows, const char *patients_path, const char *referral_if_not)
{
  g_autoptr (GPtrArray) lines = read_rows_of (patients_path, FOVEA_PATIENT_CSV_N_COLUMNS);
  char **header = lines->pdata[0];
  g_autofree char *joined = g_strjoinv (",", header);
  g_assert_cmpstr (joined, ==,
                   "patient_id,task,eyes,worst_eye,worst_grade,worst_label,referral,reason");
  g_assert_cmpuint (lines->len, ==, 3);
  const char *const ids[] = { "P001", "P002" };
  for (guint p = 0; p < G_N_ELEMENTS (ids); p++)
    {
      char **line = lines->pdata[p + 1];
      g_assert_cmpstr (line[0], ==, ids[p]);
      g_assert_cmpstr (line[1], ==, "tiny-five-class");
      g_assert_cmpstr (line[2], ==, "OD+OS");
      g_autofree char *od_name = g_strdup_printf ("%s_OD.jpg", ids[p]);
      g_autofree char *os_name = g_strdup_printf ("%s_OS.png", ids[p]);
      char **od = find_row (rows, od_name), **os = find_row (rows, os_name);
      g_assert_nonnull (od);
      g_assert_nonnull (os);
      gboolean od_ref = strcmp (od[9], "yes") == 0, os_ref = strcmp (os[9], "yes") == 0;
      /* Ties go to the first path: OD. */
      char **worst = os_ref && !od_ref ? os : od;
      g_assert_cmpstr (line[3], ==, worst[2]);
      g_assert_cmpstr (line[5], ==, worst[COL_LABEL]);
      if (referral_if_not != NULL)
        g_assert_cmpstr (line[6], ==, referral_if_not);
      else
        g_assert_cmpstr (line[6], ==, od_ref || os_ref ? "refer" : "no referral");
      if (referral_if_not == NULL && (od_ref || os_ref))
        g_assert_true (g_str_has_prefix (line[7], worst[2]));
      else if (referral_if_not != NULL)
        g_assert_true (g_str_has_prefix (line[7], FOVEA_PATIENT_REASON_UNVALIDATED));
    }
}

static void
test_patients (void)
{
  g_autofree char *model = make_validated_model ();
  g_autofree char *images = fovea_test_mkdtemp ();
  write_fundus (images, "P001_OD.jpg", 600, TRUE);
  write_fundus (images, "P001_OS.png", 620, FALSE);
  write_fundus (images, "P002_OD.jpg", 640, TRUE);
  write_fundus (images, "P002_OS.png", 660, FALSE);
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "results.csv", NULL);
  g_autofree char *patients = g_build_filename (out_dir, "results.patients.csv", NULL);

  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 4);
  check_patients (rows, patients, NULL);
  guint n_referable = 0;
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr (GPtrArray) lines = read_rows_of (patients, FOVEA_PATIENT_CSV_N_COLUMNS);
      n_referable += strcmp (((char **) lines->pdata[p + 1])[6], "refer") == 0;
    }
  g_autofree char *said = g_strdup_printf ("2 patient(s), %u referable (worst eye)", n_referable);
  fovea_test_assert_contains (r.err, said);
  fovea_test_assert_contains (r.err, "results.patients.csv");
  fovea_test_cli_result_clear (&r);
  g_autofree char *full = read_text (patients);

  /* An interrupted run (header and two rows left), resumed: the same file,
   * rebuilt from the whole CSV, not from the rows of the second run. */
  g_autofree char *csv = read_text (out);
  const char *cut = csv;
  for (int lines = 0; lines < 3; lines++)
    cut = strchr (cut, '\n') + 1;
  g_assert_true (g_file_set_contents (out, csv, cut - csv, NULL));
  g_assert_true (g_file_set_contents (patients, "stale", -1, NULL));
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", out, "--resume", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "resuming: 2 file(s)");
  fovea_test_cli_result_clear (&r);
  g_autofree char *resumed = read_text (patients);
  g_assert_cmpstr (resumed, ==, full);

  /* Shards, merged: the same file again, for the patients whose eyes were
   * graded on different shards; the shards' summaries say the card has
   * held-out figures. */
  g_autofree char *s0 = g_build_filename (out_dir, "s0.csv", NULL);
  g_autofree char *s1 = g_build_filename (out_dir, "s1.csv", NULL);
  g_autofree char *merged = g_build_filename (out_dir, "merged.csv", NULL);
  g_autofree char *merged_patients = g_build_filename (out_dir, "merged.patients.csv", NULL);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", s0, "--shard", "0/2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("grade", images, "--model", model, "--out", s1, "--shard", "1/2", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autofree char *s0_patients = g_build_filename (out_dir, "s0.patients.csv", NULL);
  g_autofree char *s0_text = read_text (s0_patients);
  g_assert_null (strstr (s0_text, "OD+OS"));
  r = fovea_test_run_cli ("merge", "--out", merged, s0, s1, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "2 patient(s)");
  fovea_test_cli_result_clear (&r);
  g_autofree char *merged_text = read_text (merged_patients);
  g_assert_cmpstr (merged_text, ==, full);

  /* A card without held-out figures recommends nothing. */
  g_autofree char *plain = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
  r = fovea_test_run_cli ("grade", images, "--model", plain, "--out", out, "--force", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "2 patient(s), 0 referable (worst eye)");
  fovea_test_cli_result_clear (&r);
  g_autoptr (GPtrArray) plain_rows = read_rows (out);
  check_patients (plain_rows, patients, "no recommendation");

  fovea_test_rmdir (images);
  fovea_test_rmdir (model);
  fovea_test_rmdir (plain);
  fovea_test_rmdir (out_dir);
}

/* --task auto: the installed models (here one, with a fundus head and a
 * skin adapter) run each carded task on the images of its modality only;
 * an OCTA scan, which no task fits, gets one row saying so, not an error. */
static void
test_task_auto (void)
{
  g_autofree char *root = fovea_test_mkdtemp ();
  g_autofree char *model = fovea_test_install_fundus_skin_model (root);

  g_autofree char *images = fovea_test_mkdtemp ();
  const char *samples[] = { "fundus-healthy.png", "skin-naevus.png", "octa-3mm.png" };
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *from = fovea_test_sample_path (samples[i]);
      g_autofree char *to = g_build_filename (images, samples[i], NULL);
      fovea_test_copy_file (from, to);
    }
  g_autofree char *out_dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (out_dir, "auto.csv", NULL);

  g_setenv ("FOVEA_MODELS_DIR", root, TRUE);
  /* Not with a model of one's own: auto means the installed ones. */
  FoveaCliResult r = fovea_test_run_cli ("grade", images, "--task", "auto", "--model", model,
                                         "--out", out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--task auto");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("grade", images, "--task", "auto", "--out", out, NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_unsetenv ("FOVEA_MODELS_DIR");

  g_autoptr (GPtrArray) rows = read_rows (out);
  g_assert_cmpuint (rows->len, ==, 3);
  char **fundus = find_row (rows, "fundus-healthy.png");
  g_assert_nonnull (fundus);
  g_assert_cmpstr (fundus[3], ==, "fundus");
  g_assert_cmpstr (fundus[COL_TASK], ==, "tiny-five-class");
  g_assert_cmpstr (fundus[COL_ERROR], ==, "");
  g_assert_cmpstr (fundus[COL_NOTE], ==, "");

  char **skin = find_row (rows, "skin-naevus.png");
  g_assert_nonnull (skin);
  g_assert_cmpstr (skin[3], ==, "skin");
  g_assert_cmpstr (skin[COL_QUALITY], ==, "gradable");
  g_assert_cmpstr (skin[COL_TASK], ==, "skin-lesion");
  g_assert_cmpstr (skin[COL_ERROR], ==, "");
  /* A class, not a grade, and spelt out. */
  g_assert_cmpstr (skin[COL_GRADE], ==, "");
  const char *labels[] = { "MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC", NULL };
  g_assert_true (g_strv_contains (labels, skin[COL_LABEL]));
  g_assert_cmpstr (skin[COL_LABEL_TITLE], !=, "");
  g_assert_cmpstr (skin[COL_LABEL_TITLE], !=, skin[COL_LABEL]);

  char **octa = find_row (rows, "octa-3mm.png");
  g_assert_nonnull (octa);
  g_assert_cmpstr (octa[3], ==, "octa");
  g_assert_cmpstr (octa[COL_QUALITY], ==, "ungradable");
  g_assert_cmpstr (octa[COL_TASK], ==, "");
  g_assert_cmpstr (octa[COL_ERROR], ==, "");
  g_assert_cmpstr (octa[COL_NOTE], ==, "no task for modality octa");

  fovea_test_rmdir (root);
  fovea_test_rmdir (images);
  fovea_test_rmdir (out_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/grade/mixed", test_grade_mixed);
  g_test_add_func ("/cli/grade/kill-resume-shards", test_kill_resume);
  g_test_add_func ("/cli/grade/report-dir", test_report_dir);
  g_test_add_func ("/cli/grade/formula-injection", test_formula_injection);
  g_test_add_func ("/cli/grade/non-utf8-names", test_non_utf8_names);
  g_test_add_func ("/cli/grade/patients", test_patients);
  g_test_add_func ("/cli/grade/resume-identity-and-reports", test_resume_identity_and_reports);
  g_test_add_func ("/cli/grade/task-auto", test_task_auto);
  return g_test_run ();
}
