/* test-batch.c: the pieces of batch grading without a process: RFC 4180
 * quoting round trips, parsing partial and malformed CSV, resuming a CSV
 * (partial last line, a file's incomplete rows, a foreign header), and the
 * file-name guessing shared with the review window. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-csv-log.h"
#include "fovea-name-guess.h"
#include "fovea-test-common.h"

static void
test_quote_round_trip (void)
{
  const char *fields[] = { "plain", "", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf",
                           " padded ", "\"", ",", "ünïcode 日本" };
  g_autoptr (GString) text = g_string_new (NULL);
  fovea_csv_append_row (text, fields, G_N_ELEMENTS (fields));
  fovea_csv_append_row (text, fields + 2, 3);
  g_assert_true (g_str_has_prefix (text->str, "plain,,\"a,b\",\"say \"\"hi\"\"\","));

  gsize complete = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = fovea_csv_parse (text->str, text->len, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (complete, ==, text->len);
  g_assert_cmpuint (rows->len, ==, 2);
  char **row = rows->pdata[0];
  g_assert_cmpuint (g_strv_length (row), ==, G_N_ELEMENTS (fields));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_assert_cmpstr (row[i], ==, fields[i]);
  g_assert_cmpuint (g_strv_length (rows->pdata[1]), ==, 3);
  g_assert_cmpstr (((char **) rows->pdata[1])[1], ==, "say \"hi\"");
}

/* Issue 15, item 9: a field a spreadsheet would run as a formula gets a
 * leading apostrophe (OWASP), numbers stay numbers, and parsing gives
 * back exactly what was written. */
static void
test_formula_neutralised (void)
{
  const char *fields[] = { "=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x",
                           "\r=x", "-0.25", "+1", "'=x", "'plain", "a=b", "" };
  g_autoptr (GString) text = g_string_new (NULL);
  fovea_csv_append_row (text, fields, G_N_ELEMENTS (fields));
  g_assert_cmpstr (text->str, ==,
                   "'=1+2,'+cmd|' /C calc'!A0,'-2+3,'@SUM(A1),'\t=x,\"'\r=x\",-0.25,+1,''=x,"
                   "'plain,a=b,\r\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = fovea_csv_parse (text->str, text->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  char **row = rows->pdata[0];
  g_assert_cmpuint (g_strv_length (row), ==, G_N_ELEMENTS (fields));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_assert_cmpstr (row[i], ==, fields[i]);
}

static void
test_parse_partial (void)
{
  struct {
    const char *text;
    guint       n_rows;
    gsize       complete;
  } cases[] = {
    { "", 0, 0 },
    { "a,b\r\n", 1, 5 },
    { "a,b\n1,2", 1, 4 },                 /* last line without its end */
    { "a,b\n1,\"open", 1, 4 },           /* unterminated quote */
    { "a,b\n1,\"two\nlines\"\n", 2, 18 },
    { "a,b\r\n1,2\r", 1, 5 },             /* CR whose LF may not have come */
    { "a\n\"x\"\"", 1, 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize complete = 99;
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) rows = fovea_csv_parse (cases[i].text, strlen (cases[i].text),
                                                    &complete, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, cases[i].n_rows);
      g_assert_cmpuint (complete, ==, cases[i].complete);
    }

  const char *bad[] = { "a,b\"c\n", "\"a\"b,c\n" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) rows = fovea_csv_parse (bad[i], strlen (bad[i]), NULL, &error);
      g_assert_null (rows);
      g_assert_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE);
    }
}

static FoveaGradeRecord *
make_record (const char *path, const char *task)
{
  FoveaGradeRecord *record = fovea_grade_record_new (path);
  record->task = g_strdup (task);
  record->quality.gradable = TRUE;
  record->quality.effective_resolution = 600;
  record->label = g_strdup ("No DR, \"none\"");
  record->grade = 0;
  record->seconds = 0.25;
  return record;
}

static char *
read_text (const char *path)
{
  char *data = NULL;
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  return data;
}

static void
test_resume (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr (GError) error = NULL;

  /* Two files, two tasks each. */
  {
    g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (path, FOVEA_CSV_CREATE, 2, NULL, &error);
    g_assert_no_error (error);
    const char *files[] = { "a,1.jpg", "b.jpg" };
    for (guint f = 0; f < 2; f++)
      {
        g_autoptr (FoveaGradeRecord) r1 = make_record (files[f], "dr");
        g_autoptr (FoveaGradeRecord) r2 = make_record (files[f], "skin");
        const FoveaGradeRecord *records[] = { r1, r2 };
        g_assert_true (fovea_csv_log_append (log, records, 2, &error));
      }
    g_assert_true (fovea_csv_log_close (log, &error));
  }
  g_autofree char *complete = read_text (path);

  /* Exists: refused without force, untouched. */
  g_assert_null (fovea_csv_log_open (path, FOVEA_CSV_CREATE, 2, NULL, &error));
  g_assert_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_EXISTS);
  g_clear_error (&error);
  g_autofree char *untouched = read_text (path);
  g_assert_cmpstr (untouched, ==, complete);

  /* A file's first row plus half of another: both cut on resume. */
  {
    g_autoptr (GString) damaged = g_string_new (complete);
    g_autoptr (FoveaGradeRecord) r = make_record ("c.jpg", "dr");
    g_auto (GStrv) fields = fovea_csv_record_fields (r);
    fovea_csv_append_row (damaged, (const char *const *) fields, FOVEA_CSV_N_COLUMNS);
    g_string_append (damaged, "c.jpg,c,,fundus,grad");
    g_assert_true (g_file_set_contents (path, damaged->str, -1, NULL));
  }
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (path, FOVEA_CSV_RESUME, 2, done, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (fovea_csv_log_get_n_resumed (log), ==, 4);
  }
  g_assert_cmpuint (g_hash_table_size (done), ==, 2);
  g_assert_true (g_hash_table_contains (done, "a,1.jpg"));
  g_assert_true (g_hash_table_contains (done, "b.jpg"));
  g_autofree char *cut = read_text (path);
  g_assert_cmpstr (cut, ==, complete);

  /* A foreign CSV is not resumed, nor changed. */
  g_assert_true (g_file_set_contents (path, "x,y\r\n1,2\r\n", -1, NULL));
  g_assert_null (fovea_csv_log_open (path, FOVEA_CSV_RESUME, 1, NULL, &error));
  g_assert_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE);
  g_clear_error (&error);
  g_autofree char *foreign = read_text (path);
  g_assert_cmpstr (foreign, ==, "x,y\r\n1,2\r\n");

  /* A partial header (killed at once) is started afresh. */
  g_assert_true (g_file_set_contents (path, "file,pat", -1, NULL));
  {
    g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (path, FOVEA_CSV_RESUME, 1, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (fovea_csv_log_get_n_resumed (log), ==, 0);
  }
  g_autofree char *fresh = read_text (path);
  g_assert_true (g_str_has_prefix (fresh, "file,patient,eye,"));
  g_assert_true (g_str_has_suffix (fresh, ",seconds,error,label_title,note\r\n"));

  fovea_test_rmdir (dir);
}

/* Resuming reads back what the kept rows came to (failed, ungradable),
 * so that the exit status describes the whole CSV; rows of a retryable
 * error are dropped, in the middle too, so the file is graded again. */
static void
test_resume_counts_and_retry (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr (GError) error = NULL;
  {
    g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (path, FOVEA_CSV_CREATE, 1, NULL, &error);
    g_assert_no_error (error);
    const char *files[] = { "ok.jpg", "broken.jpg", "blurred.jpg", "oom.jpg", "last.jpg" };
    for (guint f = 0; f < G_N_ELEMENTS (files); f++)
      {
        g_autoptr (FoveaGradeRecord) r = make_record (files[f], "dr");
        if (f == 1)
          r->error = g_strdup ("JPEG data is corrupt");
        if (f == 2)
          r->quality.gradable = FALSE;
        if (f == 3)
          {
            r->error = g_strdup ("out of memory");
            r->retryable = TRUE;
          }
        const FoveaGradeRecord *records[] = { r };
        g_assert_true (fovea_csv_log_append (log, records, 1, &error));
      }
  }
  g_autofree char *written = read_text (path);
  /* The error column, then the empty label_title and note. */
  g_assert_nonnull (strstr (written, "," FOVEA_CSV_RETRYABLE_PREFIX "out of memory,,\r\n"));

  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (path, FOVEA_CSV_RESUME, 1, done, &error);
    g_assert_no_error (error);
    guint n_files, n_failed, n_ungradable;
    fovea_csv_log_get_resumed_files (log, &n_files, &n_failed, &n_ungradable);
    g_assert_cmpuint (n_files, ==, 4);
    g_assert_cmpuint (n_failed, ==, 1);
    g_assert_cmpuint (n_ungradable, ==, 1);
    g_assert_cmpuint (fovea_csv_log_get_n_resumed (log), ==, 4);
    /* Appended after the rows kept. */
    g_autoptr (FoveaGradeRecord) again = make_record ("oom.jpg", "dr");
    const FoveaGradeRecord *records[] = { again };
    g_assert_true (fovea_csv_log_append (log, records, 1, &error));
  }
  g_assert_false (g_hash_table_contains (done, "oom.jpg"));
  g_assert_true (g_hash_table_contains (done, "last.jpg"));
  g_autofree char *after = read_text (path);
  g_assert_null (strstr (after, FOVEA_CSV_RETRYABLE_PREFIX));
  g_assert_true (g_str_has_prefix (strstr (after, "last.jpg"), "last.jpg"));
  g_assert_nonnull (strstr (strstr (after, "last.jpg"), "oom.jpg"));

  /* Not ours, even where it is not valid CSV: said as such. */
  g_assert_true (g_file_set_contents (path, "%PDF-1.4 \"x\" y\n", -1, NULL));
  g_assert_null (fovea_csv_log_open (path, FOVEA_CSV_RESUME, 1, NULL, &error));
  g_assert_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "not a Fovea batch CSV"));
  fovea_test_rmdir (dir);
}

static void
test_record_fields (void)
{
  g_autoptr (FoveaGradeRecord) ok = make_record ("x.jpg", "dr");
  ok->has_referable = TRUE;
  ok->referable = TRUE;
  ok->referral_rule = g_strdup ("grade >= 2");
  g_auto (GStrv) f = fovea_csv_record_fields (ok);
  g_assert_cmpstr (f[4], ==, "gradable");
  g_assert_cmpstr (f[7], ==, "0");
  g_assert_cmpstr (f[9], ==, "yes");
  g_assert_cmpstr (f[10], ==, "");   /* NaN confidence of grading */
  g_assert_cmpstr (f[14], ==, "0.250");

  g_autoptr (FoveaGradeRecord) bad = fovea_grade_record_new ("y.jpg");
  bad->error = g_strdup ("truncated");
  g_auto (GStrv) b = fovea_csv_record_fields (bad);
  g_assert_cmpstr (b[4], ==, "");
  g_assert_cmpstr (b[7], ==, "");
  g_assert_cmpstr (b[15], ==, "truncated");

  g_autoptr (FoveaGradeRecord) ungradable = make_record ("z.jpg", "dr");
  ungradable->quality.gradable = FALSE;
  ungradable->quality.reasons = FOVEA_QUALITY_BLUR | FOVEA_QUALITY_RESOLUTION;
  g_auto (GStrv) u = fovea_csv_record_fields (ungradable);
  g_assert_cmpstr (u[4], ==, "ungradable");
  g_assert_cmpstr (u[5], ==, "blur;resolution");
  g_assert_cmpstr (u[7], ==, "");
  g_assert_cmpstr (u[8], ==, "");
}

static void
test_name_guess (void)
{
  struct {
    const char  *name;
    const char  *patient;
    FoveaEye     eye;
  } cases[] = {
    { "P017_OD.jpg", "P017", FOVEA_EYE_OD },
    { "/data/site/P017-left.png", "P017", FOVEA_EYE_OS },
    { "left_OD.tif", "left_OD", FOVEA_EYE_UNKNOWN },
    { "scan42.jpg", "scan42", FOVEA_EYE_UNKNOWN },
    { ".png", ".png", FOVEA_EYE_UNKNOWN },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *patient = NULL;
      g_assert_cmpint (fovea_name_guess (cases[i].name, &patient), ==, cases[i].eye);
      g_assert_cmpstr (patient, ==, cases[i].patient);
    }
  g_assert_cmpstr (fovea_eye_to_string (FOVEA_EYE_OS), ==, "OS");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/batch/csv/quote-round-trip", test_quote_round_trip);
  g_test_add_func ("/batch/csv/formula-neutralised", test_formula_neutralised);
  g_test_add_func ("/batch/csv/parse-partial", test_parse_partial);
  g_test_add_func ("/batch/csv/resume", test_resume);
  g_test_add_func ("/batch/csv/resume-counts-and-retry", test_resume_counts_and_retry);
  g_test_add_func ("/batch/csv/record-fields", test_record_fields);
  g_test_add_func ("/batch/name-guess", test_name_guess);
  return g_test_run ();
}
