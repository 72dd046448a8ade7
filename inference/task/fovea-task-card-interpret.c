/* fovea-task-card-interpret.c: from a model's raw outputs to their clinical
 * reading, as the card defines it. */
#define G_LOG_DOMAIN "fovea-task-card-interpret"

#include "fovea-task-card.h"
#include "fovea-softmax.h"

#include <math.h>

gboolean
fovea_task_card_check_outputs (const FoveaTaskCard *card, int n_outputs, GError **error)
{
  int expected = card->kind != FOVEA_TASK_GRADING_REGRESSION
                 ? (int) g_strv_length (card->labels) : 1;
  if (n_outputs == expected)
    return TRUE;
  if (card->kind == FOVEA_TASK_SEGMENTATION)
    g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH,
                 "Task card “%s” names %d labels, but the model gives %d maps",
                 card->name, expected, n_outputs);
  else if (card->kind == FOVEA_TASK_CLASSIFICATION)
    g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH,
                 "Task card “%s” names %d labels, but the model has %d outputs",
                 card->name, expected, n_outputs);
  else
    g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH,
                 "Task card “%s” is for a grading regression with a single output, "
                 "but the model has %d outputs", card->name, n_outputs);
  return FALSE;
}

static float *
softmax_new (const float *logits, int n)
{
  float *probs = g_new (float, n);
  fovea_softmax_precise (logits, n, probs);
  return probs;
}

/* Whether class k counts towards referral. */
static gboolean
is_referral_class (const FoveaTaskCard *card, int k)
{
  if (card->referral_min_grade >= 0)
    return k >= card->referral_min_grade;
  return card->referral_labels != NULL &&
         g_strv_contains ((const char *const *) card->referral_labels, card->labels[k]);
}

static void
interpret_classification (const FoveaTaskCard *card, const float *logits, int n_outputs,
                          FoveaTaskResult *result)
{
  result->probs = softmax_new (logits, n_outputs);
  result->label_index = fovea_argmax (logits, n_outputs);
  result->label = card->labels[result->label_index];
  result->score = result->probs[result->label_index];
  result->has_referable = card->referral_labels != NULL || card->referral_min_grade >= 0;
  result->referral_score = NAN;
  if (!result->has_referable)
    return;
  double p = 0;
  for (int k = 0; k < n_outputs; k++)
    if (is_referral_class (card, k))
      p += result->probs[k];
  result->referral_score = p;
  result->referable = card->referral_min_probability > 0
                      ? p >= card->referral_min_probability
                      : is_referral_class (card, result->label_index);
}

static void
interpret_grading (const FoveaTaskCard *card, const float *logits, FoveaTaskResult *result)
{
  result->score = logits[0];
  int grade = 0;
  for (guint i = 0; i < card->thresholds->len; i++)
    {
      if (result->score > g_array_index (card->thresholds, double, i))
        grade++;
    }
  result->label_index = grade;
  result->label = card->labels[grade];
  result->has_referable = card->referral_min_grade >= 0;
  result->referable = result->has_referable && grade >= card->referral_min_grade;
  result->referral_score = result->has_referable ? result->score : NAN;
}

void
fovea_task_card_interpret (const FoveaTaskCard *card, const float *logits, int n_outputs,
                           FoveaTaskResult *result)
{
  g_return_if_fail (result != NULL);

  *result = (FoveaTaskResult) { .n_outputs = n_outputs, .label_index = -1,
                                .referral_score = NAN };
  g_return_if_fail (logits != NULL && n_outputs > 0);
  if (card == NULL || card->kind == FOVEA_TASK_SEGMENTATION ||
      !fovea_task_card_check_outputs (card, n_outputs, NULL))
    return;

  result->calibrated = TRUE;
  if (card->kind == FOVEA_TASK_CLASSIFICATION)
    interpret_classification (card, logits, n_outputs, result);
  else
    interpret_grading (card, logits, result);
}

void
fovea_task_result_clear (FoveaTaskResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->probs, g_free);
}

gboolean
fovea_task_card_apply_min_grade (const FoveaTaskCard *card,
                                 int                  min_grade,
                                 FoveaTaskResult     *result)
{
  int n_grades = (int) g_strv_length (card->labels);

  if (card->kind != FOVEA_TASK_GRADING_REGRESSION || !result->calibrated ||
      min_grade < 1 || min_grade >= n_grades)
    return FALSE;
  result->has_referable = TRUE;
  result->referable = result->label_index >= min_grade;
  return TRUE;
}

gboolean
fovea_task_card_is_validated (const FoveaTaskCard *card)
{
  for (guint i = 0; card != NULL && card->metrics != NULL && i < card->metrics->len; i++)
    if (((const FoveaTaskMetric *) g_ptr_array_index (card->metrics, i))->held_out)
      return TRUE;
  return FALSE;
}

gboolean
fovea_task_card_fits_modality (const FoveaTaskCard *card, FoveaModality modality)
{
  return card == NULL || card->modality == FOVEA_MODALITY_UNKNOWN || card->modality == modality;
}
