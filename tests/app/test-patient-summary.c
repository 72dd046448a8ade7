/* test-patient-summary.c: the per-patient summary's rules (the worst eye
 * decides referral; an ungradable eye asks for re-imaging unless the other
 * is referable; no recommendation from a model without held-out figures;
 * records without a patient id left out), its CSV and its path. */
#include <glib/gstdio.h>
#include <string.h>

#include "fovea-csv-log.h"
#include "fovea-patient-csv.h"
#include "fovea-patient-summary.h"
#include "fovea-test-common.h"

static const char *const dr_labels[] = {
  "No DR", "Mild NPDR", "Moderate NPDR", "Severe NPDR", "PDR",
};

/* A graded record of a validated DR-grading task: referable at grade ≥ 2. */
static FoveaGradeRecord *
graded (const char *patient, const char *eye, int grade)
{
  g_autofree char *path = g_strdup_printf ("/images/%s_%s.jpg", patient ? patient : "x", eye);
  FoveaGradeRecord *r = fovea_grade_record_new (path);
  r->patient_id = g_strdup (patient);
  g_free (r->eye);
  r->eye = g_strdup (eye);
  r->task = g_strdup ("dr-grading");
  r->quality.gradable = TRUE;
  r->calibrated = TRUE;
  r->validated = TRUE;
  r->grade = grade;
  r->label = g_strdup (dr_labels[grade]);
  r->has_referable = TRUE;
  r->referable = grade >= 2;
  return r;
}

static FoveaGradeRecord *
ungradable (const char *patient, const char *eye)
{
  FoveaGradeRecord *r = graded (patient, eye, 0);
  r->quality.gradable = FALSE;
  r->grade = -1;
  g_clear_pointer (&r->label, g_free);
  r->has_referable = r->referable = FALSE;
  return r;
}

static GPtrArray *
summarise (GPtrArray *records)
{
  return fovea_patient_summarise ((FoveaGradeRecord *const *) records->pdata, records->len);
}

static GPtrArray *
records_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_grade_record_free);
}

static void
test_both_eyes (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded ("P001", "OD", 1));
  g_ptr_array_add (records, graded ("P001", "OS", 3));
  g_ptr_array_add (records, graded ("P002", "OD", 0));
  g_ptr_array_add (records, graded ("P002", "OS", 1));
  g_autoptr (GPtrArray) s = summarise (records);
  g_assert_cmpuint (s->len, ==, 2);

  FoveaPatientSummary *p1 = s->pdata[0];
  g_assert_cmpstr (p1->patient_id, ==, "P001");
  g_assert_cmpstr (p1->task, ==, "dr-grading");
  g_assert_cmpstr (p1->eyes, ==, "OD+OS");
  g_assert_cmpuint (p1->n_images, ==, 2);
  g_assert_true (p1->has_worst);
  g_assert_cmpstr (p1->worst_eye, ==, "OS");
  g_assert_cmpint (p1->worst_grade, ==, 3);
  g_assert_cmpstr (p1->worst_label, ==, "Severe NPDR");
  g_assert_cmpint (p1->referral, ==, FOVEA_REFERRAL_REFER);
  g_assert_cmpstr (p1->reason, ==, "OS referable: grade 3 Severe NPDR");
  g_autofree char *line = fovea_patient_summary_dup_line (p1);
  g_assert_cmpstr (line, ==, "Patient P001: refer (worst eye OS, grade 3)");

  FoveaPatientSummary *p2 = s->pdata[1];
  g_assert_cmpstr (p2->worst_eye, ==, "OS");
  g_assert_cmpint (p2->worst_grade, ==, 1);
  g_assert_cmpint (p2->referral, ==, FOVEA_REFERRAL_NONE);
  g_assert_cmpstr (p2->reason, ==, "OD and OS not referable; worst OS: grade 1 Mild NPDR");

  guint n_patients = 0, n_referable = 0;
  fovea_patient_summary_count (s, &n_patients, &n_referable);
  g_assert_cmpuint (n_patients, ==, 2);
  g_assert_cmpuint (n_referable, ==, 1);
}

/* Both referable: the higher grade is the worst; the other is named too. */
static void
test_both_referable (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded ("P1", "OD", 4));
  g_ptr_array_add (records, graded ("P1", "OS", 2));
  g_autoptr (GPtrArray) s = summarise (records);
  FoveaPatientSummary *p = s->pdata[0];
  g_assert_cmpstr (p->worst_eye, ==, "OD");
  g_assert_cmpint (p->referral, ==, FOVEA_REFERRAL_REFER);
  g_assert_cmpstr (p->reason, ==, "OD referable: grade 4 PDR (OD and OS referable)");
}

/* A referable eye beats a higher grade that is not (a classification
 * task's labels need not be ordered). */
static void
test_referable_beats_grade (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  FoveaGradeRecord *od = graded ("P1", "OD", 3);
  od->referable = FALSE;
  g_ptr_array_add (records, od);
  g_ptr_array_add (records, graded ("P1", "OS", 2));
  g_autoptr (GPtrArray) s = summarise (records);
  FoveaPatientSummary *p = s->pdata[0];
  g_assert_cmpstr (p->worst_eye, ==, "OS");
  g_assert_cmpint (p->referral, ==, FOVEA_REFERRAL_REFER);
}

static void
test_one_eye (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded ("P9", "OS", 0));
  g_autoptr (GPtrArray) s = summarise (records);
  g_assert_cmpuint (s->len, ==, 1);
  FoveaPatientSummary *p = s->pdata[0];
  g_assert_cmpstr (p->eyes, ==, "OS");
  g_assert_cmpint (p->referral, ==, FOVEA_REFERRAL_NONE);
  g_assert_cmpstr (p->reason, ==, "OS not referable; worst OS: grade 0 No DR");
}

static void
test_ungradable_eye (void)
{
  /* Other eye not referable: the patient must be re-imaged. */
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, ungradable ("P1", "OD"));
  g_ptr_array_add (records, graded ("P1", "OS", 1));
  /* Other eye referable: that decides. */
  g_ptr_array_add (records, ungradable ("P2", "OD"));
  g_ptr_array_add (records, graded ("P2", "OS", 3));
  /* A failed file counts as ungradable. */
  FoveaGradeRecord *failed = graded ("P3", "OD", 0);
  failed->error = g_strdup ("P3_OD.jpg: truncated JPEG");
  g_ptr_array_add (records, failed);
  g_ptr_array_add (records, graded ("P3", "OS", 0));
  /* A second, gradable image of the same eye makes that eye gradable. */
  g_ptr_array_add (records, ungradable ("P4", "OD"));
  g_ptr_array_add (records, graded ("P4", "OD", 1));
  g_ptr_array_add (records, graded ("P4", "OS", 0));
  /* Only ungradable images: no worst eye at all. */
  g_ptr_array_add (records, ungradable ("P5", "OD"));
  g_autoptr (GPtrArray) s = summarise (records);
  g_assert_cmpuint (s->len, ==, 5);

  FoveaPatientSummary *p1 = s->pdata[0];
  g_assert_cmpint (p1->referral, ==, FOVEA_REFERRAL_UNGRADABLE);
  g_assert_cmpstr (p1->reason, ==, "OD ungradable — re-image");
  g_assert_cmpstr (p1->worst_eye, ==, "OS");
  g_autofree char *line = fovea_patient_summary_dup_line (p1);
  g_assert_cmpstr (line, ==, "Patient P1: ungradable — re-image (worst eye OS, grade 1)");

  FoveaPatientSummary *p2 = s->pdata[1];
  g_assert_cmpint (p2->referral, ==, FOVEA_REFERRAL_REFER);
  g_assert_cmpstr (p2->reason, ==, "OS referable: grade 3 Severe NPDR");

  FoveaPatientSummary *p3 = s->pdata[2];
  g_assert_cmpint (p3->referral, ==, FOVEA_REFERRAL_UNGRADABLE);
  g_assert_cmpstr (p3->reason, ==, "OD ungradable or failed — re-image");

  FoveaPatientSummary *p4 = s->pdata[3];
  g_assert_cmpuint (p4->n_images, ==, 3);
  g_assert_cmpint (p4->referral, ==, FOVEA_REFERRAL_NONE);
  g_assert_cmpstr (p4->worst_eye, ==, "OD");

  FoveaPatientSummary *p5 = s->pdata[4];
  g_assert_false (p5->has_worst);
  g_assert_null (p5->worst_eye);
  g_assert_cmpint (p5->worst_grade, ==, -1);
  g_assert_cmpint (p5->referral, ==, FOVEA_REFERRAL_UNGRADABLE);
  g_autofree char *line5 = fovea_patient_summary_dup_line (p5);
  g_assert_cmpstr (line5, ==, "Patient P5: ungradable — re-image");

  guint n_patients = 0, n_referable = 0;
  fovea_patient_summary_count (s, &n_patients, &n_referable);
  g_assert_cmpuint (n_patients, ==, 5);
  g_assert_cmpuint (n_referable, ==, 1);
}

static void
test_not_validated (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded ("P1", "OD", 1));
  g_ptr_array_add (records, graded ("P1", "OS", 4));
  g_ptr_array_add (records, ungradable ("P2", "OD"));
  g_ptr_array_add (records, graded ("P2", "OS", 0));
  for (guint i = 0; i < records->len; i++)
    ((FoveaGradeRecord *) records->pdata[i])->validated = FALSE;
  g_autoptr (GPtrArray) s = summarise (records);

  FoveaPatientSummary *p1 = s->pdata[0];
  g_assert_cmpint (p1->referral, ==, FOVEA_REFERRAL_NO_RECOMMENDATION);
  /* The worst grade is still given. */
  g_assert_cmpstr (p1->worst_eye, ==, "OS");
  g_assert_cmpint (p1->worst_grade, ==, 4);
  g_assert_cmpstr (p1->reason, ==, "model without held-out figures; worst OS: grade 4 PDR");
  FoveaPatientSummary *p2 = s->pdata[1];
  g_assert_cmpint (p2->referral, ==, FOVEA_REFERRAL_NO_RECOMMENDATION);
  g_assert_cmpstr (p2->reason, ==, "model without held-out figures; worst OS: grade 0 No DR; "
                                   "OD ungradable — re-image");

  guint n_referable = 1;
  fovea_patient_summary_count (s, NULL, &n_referable);
  g_assert_cmpuint (n_referable, ==, 0);

  /* A card without a referral rule: no recommendation either. */
  g_autoptr (GPtrArray) plain = records_new ();
  FoveaGradeRecord *r = graded ("P3", "OD", 2);
  r->has_referable = r->referable = FALSE;
  g_ptr_array_add (plain, r);
  g_autoptr (GPtrArray) s3 = summarise (plain);
  g_assert_cmpint (((FoveaPatientSummary *) s3->pdata[0])->referral, ==,
                   FOVEA_REFERRAL_NO_RECOMMENDATION);
  g_assert_cmpstr (((FoveaPatientSummary *) s3->pdata[0])->reason, ==,
                   "no referral rule on the task card; worst OD: grade 2 Moderate NPDR");
}

static void
test_missing_patient_and_tasks (void)
{
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded (NULL, "OD", 4));
  g_ptr_array_add (records, graded ("", "OS", 4));
  /* Two tasks of one patient: one line each, in order of appearance;
   * an image without a known eye is shown as "?". */
  g_ptr_array_add (records, graded ("B", "OD", 0));
  FoveaGradeRecord *dme = graded ("B", "", 1);
  g_free (dme->task);
  dme->task = g_strdup ("dme");
  g_ptr_array_add (records, dme);
  g_ptr_array_add (records, graded ("A", "OD", 2));
  g_autoptr (GPtrArray) s = summarise (records);
  g_assert_cmpuint (s->len, ==, 3);
  g_assert_cmpstr (((FoveaPatientSummary *) s->pdata[0])->patient_id, ==, "A");
  FoveaPatientSummary *b1 = s->pdata[1], *b2 = s->pdata[2];
  g_assert_cmpstr (b1->task, ==, "dr-grading");
  g_assert_cmpstr (b2->task, ==, "dme");
  g_assert_cmpstr (b2->eyes, ==, "?");
  g_assert_cmpstr (b2->worst_eye, ==, "");
  g_assert_cmpstr (b2->reason, ==, "unknown eye not referable; worst unknown eye: grade 1 Mild NPDR");
  guint n_patients = 0, n_referable = 0;
  fovea_patient_summary_count (s, &n_patients, &n_referable);
  g_assert_cmpuint (n_patients, ==, 2);
  g_assert_cmpuint (n_referable, ==, 1);
}

static void
test_csv (void)
{
  g_autofree char *p = fovea_patient_csv_path ("/out/results.csv");
  g_assert_cmpstr (p, ==, "/out/results.patients.csv");
  g_autofree char *q = fovea_patient_csv_path ("/out/results");
  g_assert_cmpstr (q, ==, "/out/results.patients.csv");

  /* A batch CSV written by the log, read back and summarised. */
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *csv = g_build_filename (dir, "run.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaCsvLog) log = fovea_csv_log_open (csv, FOVEA_CSV_CREATE, 1, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) records = records_new ();
  g_ptr_array_add (records, graded ("P1", "OD", 1));
  g_ptr_array_add (records, graded ("P1", "OS", 3));
  g_ptr_array_add (records, ungradable ("P2, \"x\"", "OD"));
  g_ptr_array_add (records, graded (NULL, "OS", 3));
  g_assert_true (fovea_csv_log_append (log, (const FoveaGradeRecord *const *) records->pdata,
                                       records->len, &error));
  g_assert_true (fovea_csv_log_close (log, &error));

  const char *const validated[] = { "dr-grading", NULL };
  g_autoptr (GPtrArray) summaries = NULL;
  g_assert_true (fovea_patient_csv_write_for (csv, validated, &summaries, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (summaries->len, ==, 2);
  g_autofree char *out = g_build_filename (dir, "run.patients.csv", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_assert_cmpstr (text, ==,
                   "patient_id,task,eyes,worst_eye,worst_grade,worst_label,referral,reason\r\n"
                   "P1,dr-grading,OD+OS,OS,3,Severe NPDR,refer,OS referable: grade 3 Severe NPDR\r\n"
                   "\"P2, \"\"x\"\"\",dr-grading,OD,,,,ungradable,OD ungradable — re-image\r\n");
  /* Nothing else left in the folder: no temporary file. */
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n_files = 0;
  while (g_dir_read_name (d) != NULL)
    n_files++;
  g_assert_cmpuint (n_files, ==, 2);

  /* Without the task among the validated ones: no recommendation. */
  g_assert_true (fovea_patient_csv_write_for (csv, NULL, NULL, &error));
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (out, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, ",no recommendation,model without held-out figures; worst OS"));

  /* Not a batch CSV: an error naming the file, the old summary kept. */
  g_autofree char *other = g_build_filename (dir, "other.csv", NULL);
  g_assert_true (g_file_set_contents (other, "a,b\r\n1,2\r\n", -1, NULL));
  g_assert_false (fovea_patient_csv_write_for (other, NULL, NULL, &error));
  g_assert_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "other.csv"));
  g_clear_error (&error);
  g_autofree char *other_out = g_build_filename (dir, "other.patients.csv", NULL);
  g_assert_false (g_file_test (other_out, G_FILE_TEST_EXISTS));

  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/patient-summary/both-eyes", test_both_eyes);
  g_test_add_func ("/patient-summary/both-referable", test_both_referable);
  g_test_add_func ("/patient-summary/referable-beats-grade", test_referable_beats_grade);
  g_test_add_func ("/patient-summary/one-eye", test_one_eye);
  g_test_add_func ("/patient-summary/ungradable-eye", test_ungradable_eye);
  g_test_add_func ("/patient-summary/not-validated", test_not_validated);
  g_test_add_func ("/patient-summary/missing-patient-and-tasks", test_missing_patient_and_tasks);
  g_test_add_func ("/patient-summary/csv", test_csv);
  return g_test_run ();
}
