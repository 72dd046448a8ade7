/* fovea-evaluation.c: a task's figures on a labelled set, with percentile
 * bootstrap intervals. */
#define G_LOG_DOMAIN "fovea-evaluation"

#include "fovea-evaluation.h"

#include <math.h>
#include <stdlib.h>

#include "fovea-metrics.h"
#include "fovea-rng.h"

/* One resample's view of the set: image k of it is set image idx[k]. */
typedef struct {
  const FoveaEvalSet *set;
  const int          *idx;
  int                 n;
} Sample;

typedef double (*MetricFunc) (const Sample *s, int arg);

typedef struct {
  char      *name;
  MetricFunc func;
  int        arg;
} MetricSpec;

static double
accuracy (const Sample *s, int arg)
{
  int right = 0;
  for (int k = 0; k < s->n; k++)
    right += s->set->predicted[s->idx[k]] == s->set->truth[s->idx[k]];
  return s->n > 0 ? (double) right / s->n : NAN;
}

/* Recall of class c; NaN when the sample has none of it. */
static double
recall (const Sample *s, int c)
{
  int positives = 0, found = 0;
  for (int k = 0; k < s->n; k++)
    if (s->set->truth[s->idx[k]] == c)
      {
        positives++;
        found += s->set->predicted[s->idx[k]] == c;
      }
  return positives > 0 ? (double) found / positives : NAN;
}

static double
balanced_accuracy (const Sample *s, int arg)
{
  double sum = 0;
  int present = 0;
  for (int c = 0; c < s->set->n_classes; c++)
    {
      double r = recall (s, c);
      if (!isnan (r))
        {
          sum += r;
          present++;
        }
    }
  return present > 0 ? sum / present : NAN;
}

/* AUC of class c's probability against the rest (c < 0: the mean over
 * the classes present, MedMNIST's macro AUC). */
static double
class_auc (const Sample *s, int c)
{
  const FoveaEvalSet *set = s->set;
  if (c < 0)
    {
      double sum = 0;
      int present = 0;
      for (int k = 0; k < set->n_classes; k++)
        {
          double a = class_auc (s, k);
          if (!isnan (a))
            {
              sum += a;
              present++;
            }
        }
      return present > 0 ? sum / present : NAN;
    }
  g_autofree float *scores = g_new (float, MAX (s->n, 1));
  g_autofree gboolean *positive = g_new (gboolean, MAX (s->n, 1));
  for (int k = 0; k < s->n; k++)
    {
      scores[k] = set->probs[(gsize) s->idx[k] * set->n_classes + c];
      positive[k] = set->truth[s->idx[k]] == c;
    }
  return fovea_metric_auc (scores, positive, s->n);
}

static double
quadratic_kappa (const Sample *s, int arg)
{
  g_autofree int *truth = g_new (int, MAX (s->n, 1));
  g_autofree int *predicted = g_new (int, MAX (s->n, 1));
  for (int k = 0; k < s->n; k++)
    {
      truth[k] = s->set->truth[s->idx[k]];
      predicted[k] = s->set->predicted[s->idx[k]];
    }
  return fovea_metric_quadratic_kappa (truth, predicted, s->n, s->set->n_classes);
}

static double
referral_auc (const Sample *s, int arg)
{
  g_autofree float *scores = g_new (float, MAX (s->n, 1));
  g_autofree gboolean *positive = g_new (gboolean, MAX (s->n, 1));
  for (int k = 0; k < s->n; k++)
    {
      scores[k] = (float) s->set->referral_score[s->idx[k]];
      positive[k] = s->set->referral_truth[s->idx[k]];
    }
  return fovea_metric_auc (scores, positive, s->n);
}

/* arg 1: sensitivity (referred among referable); 0: specificity (not
 * referred among the rest). */
static double
referral_rate (const Sample *s, int arg)
{
  int total = 0, agree = 0;
  for (int k = 0; k < s->n; k++)
    if (s->set->referral_truth[s->idx[k]] == arg)
      {
        total++;
        agree += s->set->referred[s->idx[k]] == arg;
      }
  return total > 0 ? (double) agree / total : NAN;
}

static void
add_spec (GArray *specs, char *name, MetricFunc func, int arg)
{
  MetricSpec spec = { name, func, arg };
  g_array_append_val (specs, spec);
}

static void
clear_spec (gpointer data)
{
  g_free (((MetricSpec *) data)->name);
}

/* The metrics that apply to the card's kind and referral rule. */
static GArray *
plan_metrics (const FoveaEvalSet *set)
{
  const FoveaTaskCard *card = set->card;
  GArray *specs = g_array_new (FALSE, FALSE, sizeof (MetricSpec));
  g_array_set_clear_func (specs, clear_spec);
  add_spec (specs, g_strdup ("acc"), accuracy, 0);
  add_spec (specs, g_strdup ("balanced_acc"), balanced_accuracy, 0);
  if (set->ordinal)
    add_spec (specs, g_strdup ("qwk"), quadratic_kappa, 0);
  if (set->probs != NULL)
    add_spec (specs, g_strdup (set->n_classes == 2 ? "auc" : "macro_auc"), class_auc,
              set->n_classes == 2 ? 1 : -1);
  if (card->referral_rule != NULL)
    {
      add_spec (specs, g_strdup ("referral_auc"), referral_auc, 0);
      add_spec (specs, g_strdup ("sensitivity"), referral_rate, 1);
      add_spec (specs, g_strdup ("specificity"), referral_rate, 0);
    }
  for (int c = 0; c < set->n_classes; c++)
    add_spec (specs, g_strdup_printf ("recall:%s", card->labels[c]), recall, c);
  return specs;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The q-quantile of sorted values, by linear interpolation (numpy's
 * default). */
static double
quantile (const double *sorted, int n, double q)
{
  double pos = q * (n - 1);
  int lo = (int) floor (pos);
  int hi = MIN (lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

static void
free_metric (gpointer data)
{
  FoveaEvalMetric *m = data;
  g_free (m->name);
  g_free (m);
}

GPtrArray *
fovea_eval_metrics (const FoveaEvalSet *set, int n_resamples, guint64 seed)
{
  g_autoptr (GArray) specs = plan_metrics (set);
  int n_metrics = (int) specs->len;
  g_autofree int *identity = g_new (int, MAX (set->n, 1));
  for (int i = 0; i < set->n; i++)
    identity[i] = i;
  Sample whole = { set, identity, set->n };

  /* draws[m][r]: metric m on resample r, with NaN resamples dropped (a
   * resample without positives has no AUC). */
  g_autofree double *draws = g_new (double, (gsize) n_metrics * MAX (n_resamples, 1));
  g_autofree int *n_draws = g_new0 (int, n_metrics);
  g_autofree int *idx = g_new (int, MAX (set->n, 1));
  guint64 state = seed;
  for (int r = 0; r < n_resamples && set->n > 0; r++)
    {
      for (int k = 0; k < set->n; k++)
        idx[k] = (int) (fovea_splitmix64 (&state) % (guint64) set->n);
      Sample sample = { set, idx, set->n };
      for (int m = 0; m < n_metrics; m++)
        {
          const MetricSpec *spec = &g_array_index (specs, MetricSpec, m);
          double v = spec->func (&sample, spec->arg);
          if (!isnan (v))
            draws[(gsize) m * n_resamples + n_draws[m]++] = v;
        }
    }

  GPtrArray *metrics = g_ptr_array_new_with_free_func (free_metric);
  for (int m = 0; m < n_metrics; m++)
    {
      const MetricSpec *spec = &g_array_index (specs, MetricSpec, m);
      FoveaEvalMetric *metric = g_new (FoveaEvalMetric, 1);
      metric->name = g_strdup (spec->name);
      metric->value = spec->func (&whole, spec->arg);
      metric->ci_low = metric->ci_high = NAN;
      double *mine = draws + (gsize) m * n_resamples;
      /* An interval needs most resamples to define the metric. */
      if (!isnan (metric->value) && n_draws[m] >= MAX (n_resamples / 2, 1))
        {
          qsort (mine, n_draws[m], sizeof (double), compare_doubles);
          metric->ci_low = MIN (quantile (mine, n_draws[m], 0.025), metric->value);
          metric->ci_high = MAX (quantile (mine, n_draws[m], 0.975), metric->value);
        }
      g_ptr_array_add (metrics, metric);
    }
  return metrics;
}

double
fovea_eval_threshold_for_sensitivity (const FoveaEvalSet *set, double target,
                                      double *out_specificity)
{
  g_autofree double *positives = g_new (double, MAX (set->n, 1));
  int n_pos = 0;
  for (int i = 0; i < set->n; i++)
    if (set->referral_truth[i])
      positives[n_pos++] = set->referral_score[i];
  if (out_specificity != NULL)
    *out_specificity = NAN;
  if (n_pos == 0)
    return NAN;
  /* Descending: the k-th highest positive score keeps k of them. */
  qsort (positives, n_pos, sizeof (double), compare_doubles);
  int keep = (int) ceil (target * n_pos - 1e-9);
  keep = CLAMP (keep, 1, n_pos);
  double threshold = positives[n_pos - keep];
  if (out_specificity != NULL)
    {
      int negatives = 0, rejected = 0;
      for (int i = 0; i < set->n; i++)
        if (!set->referral_truth[i])
          {
            negatives++;
            rejected += set->referral_score[i] < threshold;
          }
      *out_specificity = negatives > 0 ? (double) rejected / negatives : NAN;
    }
  return threshold;
}

FoveaEvalSet *
fovea_eval_set_new (const FoveaTaskCard *card, int n)
{
  FoveaEvalSet *set = g_new0 (FoveaEvalSet, 1);
  set->card = card;
  set->n = n;
  set->n_classes = (int) g_strv_length (card->labels);
  set->ordinal = card->kind == FOVEA_TASK_GRADING_REGRESSION || card->ordinal;
  set->truth = g_new0 (int, MAX (n, 1));
  set->predicted = g_new0 (int, MAX (n, 1));
  if (card->kind == FOVEA_TASK_CLASSIFICATION)
    set->probs = g_new0 (float, (gsize) MAX (n, 1) * set->n_classes);
  set->referral_score = g_new0 (double, MAX (n, 1));
  set->referral_truth = g_new0 (gboolean, MAX (n, 1));
  set->referred = g_new0 (gboolean, MAX (n, 1));
  return set;
}

void
fovea_eval_set_free (FoveaEvalSet *set)
{
  if (set == NULL)
    return;
  g_free (set->truth);
  g_free (set->predicted);
  g_free (set->probs);
  g_free (set->referral_score);
  g_free (set->referral_truth);
  g_free (set->referred);
  g_free (set);
}

/* Whether the true label counts as referable under the card's rule. */
static gboolean
truth_is_referable (const FoveaTaskCard *card, int truth)
{
  if (card->referral_min_grade >= 0)
    return truth >= card->referral_min_grade;
  return card->referral_labels != NULL && truth < (int) g_strv_length (card->labels) &&
         g_strv_contains ((const char *const *) card->referral_labels, card->labels[truth]);
}

void
fovea_eval_set_record (FoveaEvalSet *set, int i, int truth, const FoveaTaskResult *result)
{
  g_return_if_fail (i >= 0 && i < set->n);
  set->truth[i] = truth;
  set->predicted[i] = result->label_index;
  if (set->probs != NULL && result->probs != NULL)
    for (int c = 0; c < set->n_classes; c++)
      set->probs[(gsize) i * set->n_classes + c] = result->probs[c];
  set->referral_score[i] = result->referral_score;
  set->referral_truth[i] = truth_is_referable (set->card, truth);
  set->referred[i] = result->referable;
}
