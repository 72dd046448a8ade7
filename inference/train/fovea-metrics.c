/* fovea-metrics.c: accuracy, ROC AUC and quadratic weighted kappa.
 *
 * Undefined cases give NaN rather than a number that could be mistaken
 * for a measurement: no images; an AUC with one class absent or a NaN
 * score; a kappa whose chance agreement is already perfect (both gradings
 * put every image in one same grade: 0/0, NaN in scikit-learn too). */
#define G_LOG_DOMAIN "fovea-metrics"

#include "fovea-metrics.h"

#include <math.h>
#include <stdlib.h>

double
fovea_metric_accuracy (const float *probs,
                       const int   *labels,
                       int          n,
                       int          n_classes)
{
  g_return_val_if_fail (n >= 0 && n_classes > 0, NAN);
  if (n == 0)
    return NAN;
  g_return_val_if_fail (probs && labels, NAN);

  gsize correct = 0;
  for (int i = 0; i < n; i++)
    {
      const float *row = probs + (gsize) i * n_classes;
      int best = 0;  /* the first maximum, as numpy's and torch's argmax */
      for (int c = 1; c < n_classes; c++)
        if (row[c] > row[best])
          best = c;
      correct += best == labels[i];
    }
  return (double) correct / n;
}

typedef struct {
  float    score;
  gboolean positive;
} Scored;

static int
compare_scores (const void *a, const void *b)
{
  float x = ((const Scored *) a)->score, y = ((const Scored *) b)->score;
  return (x > y) - (x < y);
}

/* The Mann-Whitney form: with the scores ranked 1 … n (tied scores share
 * their average rank), AUC = (R⁺ - n⁺(n⁺+1)/2) / (n⁺ n⁻), where R⁺ is the
 * positives' rank sum. It equals the share of (positive, negative) pairs
 * ordered correctly with ties counted half, which is sklearn's
 * trapezoidal area, in O(n log n). `items` is sorted in place. */
static double
auc_of_sorted (Scored *items, int n)
{
  qsort (items, n, sizeof *items, compare_scores);
  double rank_sum = 0, n_pos = 0;
  for (int i = 0; i < n;)
    {
      int j = i;
      while (j < n && items[j].score == items[i].score)
        j++;
      /* Ranks i+1 … j share their mean. */
      double rank = 0.5 * ((double) (i + 1) + (double) j);
      for (int k = i; k < j; k++)
        if (items[k].positive)
          {
            rank_sum += rank;
            n_pos++;
          }
      i = j;
    }
  double n_neg = n - n_pos;
  if (n_pos == 0 || n_neg == 0)
    return NAN;
  return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

/* Scores with a stride, so one column of probs needs no copy first. */
static double
auc_strided (const float *scores, gsize stride, const int *labels, int label,
             const gboolean *positive, int n)
{
  if (n <= 0)
    return NAN;
  Scored *items = g_new (Scored, n);
  for (int i = 0; i < n; i++)
    {
      float s = scores[(gsize) i * stride];
      if (isnan (s))
        {
          g_free (items);
          return NAN;
        }
      items[i].score = s;
      items[i].positive = positive ? positive[i] != FALSE : labels[i] == label;
    }
  double auc = auc_of_sorted (items, n);
  g_free (items);
  return auc;
}

double
fovea_metric_auc (const float    *scores,
                  const gboolean *positive,
                  int             n)
{
  g_return_val_if_fail (n >= 0, NAN);
  if (n == 0)
    return NAN;
  g_return_val_if_fail (scores && positive, NAN);
  return auc_strided (scores, 1, NULL, 0, positive, n);
}

/* For two classes whose probabilities sum to one both one-vs-rest AUCs
 * equal the AUC of probs[:, 1], MedMNIST's binary figure. */
double
fovea_metric_macro_auc (const float *probs,
                        const int   *labels,
                        int          n,
                        int          n_classes)
{
  g_return_val_if_fail (n >= 0 && n_classes > 0, NAN);
  if (n == 0)
    return NAN;
  g_return_val_if_fail (probs && labels, NAN);

  double sum = 0;
  int counted = 0;
  for (int c = 0; c < n_classes; c++)
    {
      double auc = auc_strided (probs + c, n_classes, labels, c, NULL, n);
      if (isnan (auc))
        continue;
      sum += auc;
      counted++;
    }
  return counted > 0 ? sum / counted : NAN;
}

/* κ = 1 - Σ w_ij O_ij / Σ w_ij E_ij with w_ij = (i-j)², O the confusion
 * matrix and E = outer (row sums, column sums) / N: sklearn's
 * cohen_kappa_score (truth, predicted, labels=range (n_classes),
 * weights="quadratic"). As sklearn does with `labels`, pairs with a grade
 * outside 0 … n_classes-1 are left out. */
double
fovea_metric_quadratic_kappa (const int *truth,
                              const int *predicted,
                              int        n,
                              int        n_classes)
{
  g_return_val_if_fail (n >= 0 && n_classes > 0, NAN);
  if (n == 0)
    return NAN;
  g_return_val_if_fail (truth && predicted, NAN);

  int k = n_classes;
  double *observed = g_new0 (double, (gsize) k * k);
  double *rows = g_new0 (double, k), *cols = g_new0 (double, k);
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      int a = truth[i], b = predicted[i];
      if (a < 0 || a >= k || b < 0 || b >= k)
        continue;
      observed[(gsize) a * k + b] += 1;
      rows[a] += 1;
      cols[b] += 1;
      total += 1;
    }

  double disagreement = 0, expected = 0;
  if (total > 0)
    for (int a = 0; a < k; a++)
      for (int b = 0; b < k; b++)
        {
          double w = (double) (a - b) * (a - b);
          disagreement += w * observed[(gsize) a * k + b];
          expected += w * rows[a] * cols[b] / total;
        }
  g_free (observed);
  g_free (rows);
  g_free (cols);
  if (expected == 0)
    return NAN;
  return 1.0 - disagreement / expected;
}

double
fovea_metric_balanced_accuracy (const int *truth,
                                const int *predicted,
                                int        n,
                                int        n_classes)
{
  g_return_val_if_fail (n >= 0 && n_classes > 0, NAN);
  g_return_val_if_fail (n == 0 || (truth && predicted), NAN);

  g_autofree int *positives = g_new0 (int, n_classes);
  g_autofree int *found = g_new0 (int, n_classes);
  for (int i = 0; i < n; i++)
    if (truth[i] >= 0 && truth[i] < n_classes)
      {
        positives[truth[i]]++;
        found[truth[i]] += predicted[i] == truth[i];
      }
  double sum = 0;
  int present = 0;
  for (int c = 0; c < n_classes; c++)
    if (positives[c] > 0)
      {
        sum += (double) found[c] / positives[c];
        present++;
      }
  return present > 0 ? sum / present : NAN;
}
