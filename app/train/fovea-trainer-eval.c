/* fovea-trainer-eval.c: how the model does on the validation set after an
 * epoch, with the metrics MedMNIST reports (ACC, AUC) and, for ordered
 * grades, the quadratic weighted kappa. */
#define G_LOG_DOMAIN "fovea-trainer-eval"

#include "fovea-trainer-private.h"

#include <math.h>
#include <string.h>

#include "fovea-loss.h"
#include "fovea-metrics.h"
#include "fovea-softmax.h"

/* A regression output read as a grade: the thresholds -0.5 + i it exceeds
 * (the card's own thresholds when it has them). */
static int
regression_grade (const FoveaTrainer *t, float output)
{
  const GArray *thresholds = t->card->thresholds;
  int grade = 0;

  for (guint i = 0; thresholds != NULL && i < thresholds->len; i++)
    grade += output > g_array_index (thresholds, double, i);
  return grade;
}

static void
compute_metrics (const FoveaTrainer *t, const float *outputs, const int *labels, int n,
                 FoveaTrainerMetrics *m)
{
  int n_labels = (int) g_strv_length (t->card->labels);
  g_autofree int *predicted = g_new (int, n);

  m->auc = m->qwk = m->bacc = NAN;
  if (t->regression)
    {
      int correct = 0;
      for (int i = 0; i < n; i++)
        {
          predicted[i] = regression_grade (t, outputs[i]);
          correct += predicted[i] == labels[i];
        }
      m->acc = (double) correct / n;
    }
  else
    {
      g_autofree float *probs = g_new (float, (gsize) n * t->n_classes);
      for (int i = 0; i < n; i++)
        fovea_softmax_precise (outputs + (gsize) i * t->n_classes, t->n_classes,
                               probs + (gsize) i * t->n_classes);
      m->acc = fovea_metric_accuracy (probs, labels, n, t->n_classes);
      if (t->n_classes == 2)
        {
          g_autofree float *scores = g_new (float, n);
          g_autofree gboolean *positive = g_new (gboolean, n);
          for (int i = 0; i < n; i++)
            {
              scores[i] = probs[(gsize) i * 2 + 1];
              positive[i] = labels[i] == 1;
            }
          m->auc = fovea_metric_auc (scores, positive, n);
        }
      else
        m->auc = fovea_metric_macro_auc (probs, labels, n, t->n_classes);
      for (int i = 0; i < n; i++)
        {
          predicted[i] = fovea_argmax (probs + (gsize) i * t->n_classes, t->n_classes);
        }
    }
  m->bacc = fovea_metric_balanced_accuracy (labels, predicted, n, n_labels);
  if (t->options->ordinal || t->regression)
    m->qwk = fovea_metric_quadratic_kappa (labels, predicted, n, n_labels);
}

gboolean
fovea_trainer_evaluate (FoveaTrainer *t, float *pixels, FoveaTrainerMetrics *metrics,
                        GError **error)
{
  int n = fovea_train_data_get_n (t->val);
  int batch_max = t->options->batch, n_outputs = fovea_trainer_model_n_outputs (t);
  gsize image_floats = (gsize) 3 * t->pre.height * t->pre.width;
  g_autofree float *outputs = g_new (float, (gsize) n * n_outputs);
  g_autofree float *dlogits = g_new (float, (gsize) batch_max * n_outputs);
  g_autofree int *labels = g_new (int, n);
  double loss_sum = 0;

  for (int first = 0; first < n; first += batch_max)
    {
      int batch = MIN (batch_max, n - first);
      for (int i = 0; i < batch; i++)
        {
          labels[first + i] = fovea_trainer_label (t, t->val, first + i);
          if (!fovea_train_data_load (t->val, first + i, &t->pre, NULL, 0, 0,
                                      pixels + i * image_floats, error))
            return FALSE;
        }
      const float *logits = fovea_trainer_model_forward (t, pixels, batch, error);
      if (logits == NULL)
        return FALSE;
      memcpy (outputs + (gsize) first * n_outputs, logits,
              sizeof (float) * (gsize) batch * n_outputs);
      /* The plain loss (no smoothing or weights), comparable across runs. */
      if (t->regression)
        {
          g_autofree float *targets = g_new (float, batch);
          for (int i = 0; i < batch; i++)
            targets[i] = (float) labels[first + i];
          loss_sum += fovea_loss_mse (logits, targets, batch, dlogits) * batch;
        }
      else
        loss_sum += fovea_loss_cross_entropy (logits, labels + first, batch, n_outputs,
                                              NULL, 0, dlogits) * batch;
    }
  metrics->loss = loss_sum / n;
  compute_metrics (t, outputs, labels, n, metrics);
  return TRUE;
}

double
fovea_trainer_select_score (const FoveaTrainer *t, const FoveaTrainerMetrics *m)
{
  double score;

  switch (t->options->select)
    {
    case FOVEA_TRAINER_SELECT_ACC: score = m->acc; break;
    case FOVEA_TRAINER_SELECT_QWK: score = m->qwk; break;
    case FOVEA_TRAINER_SELECT_BACC: score = m->bacc; break;
    case FOVEA_TRAINER_SELECT_AUC:
    default: score = m->auc; break;
    }
  /* A metric that cannot be computed (one class absent) falls back to
   * accuracy rather than selecting nothing. */
  return isnan (score) ? m->acc : score;
}
