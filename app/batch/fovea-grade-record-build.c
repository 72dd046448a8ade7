/* fovea-grade-record-build.c: a task's run on an image as a
 * FoveaGradeRecord. */
#define G_LOG_DOMAIN "fovea-grade-record-build"

#include "config.h"

#include "fovea-grade-record-build.h"

#include <glib/gi18n-lib.h>

static GArray *
float_array_new (const float *values, int n)
{
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (float), (guint) n);

  g_array_append_vals (array, values, (guint) n);
  return array;
}

static void
copy_provenance (FoveaGradeRecord *record, const FoveaTaskCard *card)
{
  if (card == NULL)
    {
      /* Uncalibrated output is never more than research output. */
      record->research_use_only = TRUE;
      return;
    }
  record->labels = g_strdupv (card->labels);
  record->label_titles = g_strdupv (card->label_titles);
  record->training_data = g_strdup (card->training_data);
  record->intended_use = g_strdup (card->intended_use);
  record->research_use_only = card->research_use_only;
  record->validated = fovea_task_card_is_validated (card);
  if (card->metrics == NULL)
    return;
  record->metrics = g_ptr_array_new_full (card->metrics->len, g_free);
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *metric = card->metrics->pdata[i];

      /* %g keeps up to six significant digits: a report does not round
       * a card's figures. */
      g_ptr_array_add (record->metrics,
                       g_strdup_printf ("%s %g (%s)", metric->name, metric->value,
                                        metric->split != NULL ? metric->split : ""));
    }
}

FoveaGradeRecord *
fovea_grade_record_build (const FoveaGradeSource *source)
{
  FoveaGradeRecord *record;
  const char *task_name;

  g_return_val_if_fail (source != NULL && source->quality != NULL, NULL);

  task_name = source->task_name != NULL ? source->task_name : "backbone";
  record = fovea_grade_record_new (source->path);
  g_free (record->eye);
  record->eye = g_strdup (fovea_eye_to_string (source->eye));
  record->patient_id = g_strdup (source->patient_id);
  record->modality = source->modality;
  record->quality = *source->quality;
  record->task = g_strdup (task_name);
  record->model_name = source->adapter && source->model_name != NULL
                       ? g_strdup_printf ("%s+%s", source->model_name, task_name)
                       : g_strdup (source->model_name);
  record->model_sha256 = g_strdup (source->model_sha256);
  record->seconds = source->seconds;
  record->calibrated = source->card != NULL;
  copy_provenance (record, source->card);
  return record;
}

void
fovea_grade_record_set_outcome (FoveaGradeRecord        *record,
                                const FoveaTaskCard     *card,
                                const FoveaEngineOutput *output,
                                int                      row,
                                int                      site_min_grade)
{
  const FoveaTaskResult *result;

  g_return_if_fail (record != NULL && output != NULL);
  g_return_if_fail (row >= 0 && row < output->batch);

  /* Quality comes first: an ungradable image has no outcome. */
  if (!record->quality.gradable)
    return;

  result = &output->results[row];
  g_clear_pointer (&record->logits, g_array_unref);
  record->logits = float_array_new (output->logits + (gsize) row * output->n_outputs,
                                    output->n_outputs);
  record->calibrated = card != NULL && result->calibrated;
  if (!record->calibrated)
    return;

  record->label = g_strdup (result->label);
  if (card->label_titles != NULL && result->label_index >= 0)
    record->label_title = g_strdup (fovea_task_card_label_title (card, result->label_index));
  /* Grades fill the grade column whatever the kind: an ordinal
   * classification's label index is its grade. */
  if (card->kind == FOVEA_TASK_GRADING_REGRESSION || card->ordinal)
    record->grade = result->label_index;
  if (result->probs != NULL)
    {
      record->probs = float_array_new (result->probs, result->n_outputs);
      record->confidence = result->score;
    }
  record->has_referable = result->has_referable;
  record->referable = result->referable;
  if (result->has_referable)
    record->referral_rule = fovea_grade_record_dup_referral_rule (card, site_min_grade);
}

char *
fovea_grade_record_dup_referral_rule (const FoveaTaskCard *card,
                                      int                  site_min_grade)
{
  g_return_val_if_fail (card != NULL, NULL);

  if (site_min_grade <= 0 || site_min_grade >= (int) g_strv_length (card->labels))
    return g_strdup (card->referral_rule);
  /* Translators: a grade and its name, e.g. "Grade 3 (Severe NPDR) or worse". */
  return g_strdup_printf (_("Grade %d (%s) or worse, the threshold set in Preferences"),
                          site_min_grade, card->labels[site_min_grade]);
}
