/* fovea-grade-record.c: allocation of grading records. */
#include "fovea-grade-record.h"

#include <math.h>

FoveaGradeRecord *
fovea_grade_record_new (const char *path)
{
  FoveaGradeRecord *record = g_new0 (FoveaGradeRecord, 1);

  record->path = g_strdup (path);
  record->eye = g_strdup ("");
  record->grade = -1;
  record->confidence = NAN;
  return record;
}

void
fovea_grade_record_free (FoveaGradeRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->path);
  g_free (record->patient_id);
  g_free (record->eye);
  g_free (record->error);
  g_free (record->task);
  g_free (record->label);
  g_strfreev (record->labels);
  g_clear_pointer (&record->probs, g_array_unref);
  g_clear_pointer (&record->logits, g_array_unref);
  g_free (record->referral_rule);
  g_free (record->model_name);
  g_free (record->model_sha256);
  g_free (record->training_data);
  g_clear_pointer (&record->metrics, g_ptr_array_unref);
  g_free (record->intended_use);
  g_free (record);
}
