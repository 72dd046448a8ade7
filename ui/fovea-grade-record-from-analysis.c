/* fovea-grade-record-from-analysis.c: an interactive analysis as a
 * FoveaGradeRecord. */
#define G_LOG_DOMAIN "fovea-grade-record-from-analysis"

#include "config.h"

#include "fovea-grade-record-from-analysis.h"

#include <math.h>

#include "fovea-model-weights.h"

char *
fovea_grade_record_dup_weights_path (const FoveaAnalysisResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (result->task != NULL && result->task->path != NULL)
    {
      if (g_file_test (result->task->path, G_FILE_TEST_IS_DIR))
        return g_build_filename (result->task->path, "adapter_model.safetensors", NULL);
      return g_strdup (result->task->path);
    }
  if (result->model != NULL)
    return fovea_model_weights_find (result->model->path);
  return NULL;
}

FoveaGradeRecord *
fovea_grade_record_new_from_analysis (FoveaDocument             *document,
                                      const FoveaAnalysisResult *result)
{
  g_autofree char *path = NULL;
  FoveaGradeRecord *record;
  const FoveaTaskCard *card;

  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (result != NULL, NULL);

  path = g_file_get_path (fovea_document_get_file (document));
  record = fovea_grade_record_new (path);
  g_free (record->eye);
  record->eye = g_strdup (fovea_eye_to_string (fovea_document_get_eye (document)));
  record->patient_id = g_strdup (fovea_document_get_patient_id (document));
  record->modality = result->modality;
  record->quality = result->quality;
  record->seconds = result->total_s;
  card = result->task != NULL ? result->task->card : NULL;
  record->task = g_strdup (result->task != NULL ? result->task->name : "backbone");
  record->model_name = g_strdup (result->model != NULL ? result->model->name : NULL);

  if (card != NULL)
    {
      record->training_data = g_strdup (card->training_data);
      record->intended_use = g_strdup (card->intended_use);
      record->research_use_only = card->research_use_only;
      if (card->metrics != NULL)
        {
          record->metrics = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i < card->metrics->len; i++)
            {
              const FoveaTaskMetric *metric = card->metrics->pdata[i];

              g_ptr_array_add (record->metrics,
                               g_strdup_printf ("%s %.4g (%s)", metric->name, metric->value,
                                                metric->split != NULL ? metric->split : ""));
            }
        }
    }
  else
    /* Uncalibrated output is never more than research output. */
    record->research_use_only = TRUE;

  /* Quality comes first: an ungradable image has no grade. */
  if (!result->quality.gradable || result->output == NULL || result->output->batch < 1)
    return record;

  const FoveaTaskResult *task_result = &result->output->results[0];
  record->calibrated = task_result->calibrated;
  record->logits = g_array_sized_new (FALSE, FALSE, sizeof (float), (guint) result->output->n_outputs);
  g_array_append_vals (record->logits, result->output->logits, (guint) result->output->n_outputs);
  if (!task_result->calibrated || card == NULL)
    return record;

  record->label = g_strdup (task_result->label);
  record->labels = g_strdupv (card->labels);
  if (card->kind == FOVEA_TASK_GRADING_REGRESSION)
    record->grade = task_result->label_index;
  else if (task_result->probs != NULL)
    {
      record->probs = g_array_sized_new (FALSE, FALSE, sizeof (float), (guint) task_result->n_outputs);
      g_array_append_vals (record->probs, task_result->probs, (guint) task_result->n_outputs);
      record->confidence = task_result->score;
    }
  record->has_referable = task_result->has_referable;
  record->referable = task_result->referable;
  if (result->referral_min_grade > 0)
    record->referral_rule = g_strdup_printf ("grade ≥ %d (site threshold)", result->referral_min_grade);
  else
    record->referral_rule = g_strdup (card->referral_rule);
  return record;
}
