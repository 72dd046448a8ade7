/* fovea-patient-csv.c: the per-patient summary of a batch CSV, read back
 * from the CSV and written next to it. */
#define G_LOG_DOMAIN "fovea-patient-csv"

#include "fovea-patient-csv.h"

#include <string.h>

#include "fovea-csv-log.h"

/* The batch CSV's columns that a summary reads (fovea-csv-log.h). */
enum {
  COL_FILE = 0,
  COL_PATIENT = 1,
  COL_EYE = 2,
  COL_QUALITY = 4,
  COL_TASK = 6,
  COL_GRADE = 7,
  COL_LABEL = 8,
  COL_REFERABLE = 9,
  COL_ERROR = 15,
};

static const char *const columns[FOVEA_PATIENT_CSV_N_COLUMNS + 1] = {
  "patient_id", "task", "eyes", "worst_eye", "worst_grade", "worst_label", "referral",
  "reason", NULL,
};

const char *const *
fovea_patient_csv_columns (void)
{
  return columns;
}

char *
fovea_patient_csv_path (const char *csv_path)
{
  g_return_val_if_fail (csv_path != NULL, NULL);
  gsize length = strlen (csv_path);
  if (length > 4 && g_ascii_strcasecmp (csv_path + length - 4, ".csv") == 0)
    return g_strdup_printf ("%.*s.patients.csv", (int) (length - 4), csv_path);
  return g_strdup_printf ("%s.patients.csv", csv_path);
}

/* Extra columns (grade --segment's) may follow ours: a summary reads
 * only ours. */
static gboolean
check_header (const char *path, char **row, GError **error)
{
  gboolean ours = fovea_csv_header_is_ours (row);
  if (!ours)
    g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                 "%s: not a Fovea batch CSV (its header differs)", path);
  return ours;
}

static FoveaGradeRecord *
record_from_row (char **row, const char *const *validated_tasks)
{
  FoveaGradeRecord *record = fovea_grade_record_new (row[COL_FILE]);
  record->patient_id = g_strdup (row[COL_PATIENT]);
  g_free (record->eye);
  record->eye = g_strdup (row[COL_EYE]);
  record->task = g_strdup (row[COL_TASK]);
  record->quality.gradable = strcmp (row[COL_QUALITY], "gradable") == 0;
  record->error = *row[COL_ERROR] != '\0' ? g_strdup (row[COL_ERROR]) : NULL;
  guint64 grade;
  if (g_ascii_string_to_unsigned (row[COL_GRADE], 10, 0, G_MAXINT, &grade, NULL))
    record->grade = (int) grade;
  record->label = *row[COL_LABEL] != '\0' ? g_strdup (row[COL_LABEL]) : NULL;
  record->calibrated = record->label != NULL;
  record->has_referable = *row[COL_REFERABLE] != '\0';
  record->referable = strcmp (row[COL_REFERABLE], "yes") == 0;
  record->validated = validated_tasks != NULL &&
                      g_strv_contains (validated_tasks, record->task);
  return record;
}

GPtrArray *
fovea_patient_csv_read_records (const char *csv_path, const char *const *validated_tasks,
                                GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  if (!g_file_get_contents (csv_path, &data, &length, error))
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) rows = fovea_csv_parse (data, length, NULL, &local);
  if (rows == NULL)
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE, "%s: %s", csv_path,
                   local->message);
      return NULL;
    }
  if (rows->len == 0)
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                   "%s: not a Fovea batch CSV (no header row)", csv_path);
      return NULL;
    }
  if (!check_header (csv_path, rows->pdata[0], error))
    return NULL;

  g_autoptr (GPtrArray) records = g_ptr_array_new_full (rows->len,
                                                        (GDestroyNotify) fovea_grade_record_free);
  guint n_columns = g_strv_length (rows->pdata[0]);
  for (guint r = 1; r < rows->len; r++)
    {
      char **row = rows->pdata[r];
      if (g_strv_length (row) != n_columns)
        {
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                       "%s: row %u has %u fields, not %u", csv_path, r + 1,
                       g_strv_length (row), n_columns);
          return NULL;
        }
      g_ptr_array_add (records, record_from_row (row, validated_tasks));
    }
  return g_steal_pointer (&records);
}

char *
fovea_patient_csv_format (GPtrArray *summaries)
{
  g_autoptr (GString) text = g_string_new (NULL);
  fovea_csv_append_row (text, columns, FOVEA_PATIENT_CSV_N_COLUMNS);
  for (guint i = 0; i < summaries->len; i++)
    {
      const FoveaPatientSummary *s = summaries->pdata[i];
      g_autofree char *grade = s->worst_grade >= 0 ? g_strdup_printf ("%d", s->worst_grade)
                                                   : g_strdup ("");
      const char *fields[FOVEA_PATIENT_CSV_N_COLUMNS] = {
        s->patient_id, s->task, s->eyes, s->has_worst ? s->worst_eye : "", grade,
        s->worst_label, fovea_referral_to_string (s->referral), s->reason,
      };
      fovea_csv_append_row (text, fields, FOVEA_PATIENT_CSV_N_COLUMNS);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

gboolean
fovea_patient_csv_read_validated (const char *patients_path, GPtrArray *tasks, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (patients_path, &data, &length, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_autoptr (GPtrArray) rows = fovea_csv_parse (data, length, NULL, &local);
  gboolean ours = rows != NULL && rows->len > 0 &&
                  g_strv_length (rows->pdata[0]) == FOVEA_PATIENT_CSV_N_COLUMNS;
  for (guint i = 0; ours && i < FOVEA_PATIENT_CSV_N_COLUMNS; i++)
    ours = strcmp (((char **) rows->pdata[0])[i], columns[i]) == 0;
  if (!ours)
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                   "%s: not a per-patient summary of fovea-cli grade", patients_path);
      return FALSE;
    }
  for (guint r = 1; r < rows->len; r++)
    {
      char **row = rows->pdata[r];
      if (g_strv_length (row) != FOVEA_PATIENT_CSV_N_COLUMNS)
        {
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                       "%s: row %u has %u fields, not %d", patients_path, r + 1,
                       g_strv_length (row), FOVEA_PATIENT_CSV_N_COLUMNS);
          return FALSE;
        }
      if (!g_str_has_prefix (row[7], FOVEA_PATIENT_REASON_UNVALIDATED) &&
          !g_ptr_array_find_with_equal_func (tasks, row[1], g_str_equal, NULL))
        g_ptr_array_add (tasks, g_strdup (row[1]));
    }
  return TRUE;
}

gboolean
fovea_patient_csv_write_for (const char *csv_path, const char *const *validated_tasks,
                             GPtrArray **out_summaries, GError **error)
{
  g_autoptr (GPtrArray) records = fovea_patient_csv_read_records (csv_path, validated_tasks,
                                                                  error);
  if (records == NULL)
    return FALSE;
  g_autoptr (GPtrArray) summaries = fovea_patient_summarise (
    (FoveaGradeRecord *const *) records->pdata, records->len);
  g_autofree char *text = fovea_patient_csv_format (summaries);
  g_autofree char *path = fovea_patient_csv_path (csv_path);
  /* GLib's message names the file. */
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;
  if (out_summaries != NULL)
    *out_summaries = g_steal_pointer (&summaries);
  return TRUE;
}
