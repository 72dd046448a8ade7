/* fovea-grade-record.c: allocation of grading records. */
#define G_LOG_DOMAIN "fovea-grade-record"

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

static GArray *
copy_array (GArray *array)
{
  return array != NULL ? g_array_copy (array) : NULL;
}

FoveaGradeRecord *
fovea_grade_record_copy (const FoveaGradeRecord *record)
{
  FoveaGradeRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (FoveaGradeRecord, 1);
  *copy = *record;
  copy->path = g_strdup (record->path);
  copy->patient_id = g_strdup (record->patient_id);
  copy->eye = g_strdup (record->eye);
  copy->error = g_strdup (record->error);
  copy->task = g_strdup (record->task);
  copy->label = g_strdup (record->label);
  copy->label_title = g_strdup (record->label_title);
  copy->label_titles = g_strdupv (record->label_titles);
  copy->note = g_strdup (record->note);
  copy->labels = g_strdupv (record->labels);
  copy->probs = copy_array (record->probs);
  copy->logits = copy_array (record->logits);
  copy->referral_rule = g_strdup (record->referral_rule);
  copy->model_name = g_strdup (record->model_name);
  copy->model_sha256 = g_strdup (record->model_sha256);
  copy->training_data = g_strdup (record->training_data);
  copy->metrics = NULL;
  if (record->metrics != NULL)
    {
      copy->metrics = g_ptr_array_new_full (record->metrics->len, g_free);
      for (guint i = 0; i < record->metrics->len; i++)
        g_ptr_array_add (copy->metrics, g_strdup (record->metrics->pdata[i]));
    }
  copy->intended_use = g_strdup (record->intended_use);
  copy->segmentation = fovea_seg_measures_copy (record->segmentation);
  return copy;
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
  g_free (record->label_title);
  g_strfreev (record->label_titles);
  g_free (record->note);
  g_strfreev (record->labels);
  g_clear_pointer (&record->probs, g_array_unref);
  g_clear_pointer (&record->logits, g_array_unref);
  g_free (record->referral_rule);
  g_free (record->model_name);
  g_free (record->model_sha256);
  g_free (record->training_data);
  g_clear_pointer (&record->metrics, g_ptr_array_unref);
  g_free (record->intended_use);
  fovea_seg_measures_free (record->segmentation);
  g_free (record);
}
