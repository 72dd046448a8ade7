/* fovea-seg-evaluation.c: pooled pixel metrics of a segmentation model
 * per label, with a bootstrap over images. */
#define G_LOG_DOMAIN "fovea-seg-evaluation"

#include "fovea-seg-evaluation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-pixel-metrics.h"
#include "fovea-rng.h"
#include "fovea-seg-patch.h"
#include "fovea-seg-tiles.h"

#define N_KINDS 4
static const char *const kind_names[N_KINDS] = { "auc", "ap", "dice", "iou" };

struct _FoveaSegEval {
  int               n_images, n_labels;
  FoveaPixelCounts *counts;   /* n_images × n_labels */
};

FoveaSegEval *
fovea_seg_eval_new (int n_images, int n_labels, const double *thresholds)
{
  FoveaSegEval *eval = g_new0 (FoveaSegEval, 1);
  eval->n_images = n_images;
  eval->n_labels = n_labels;
  eval->counts = g_new0 (FoveaPixelCounts, (gsize) MAX (n_images, 1) * n_labels);
  for (int i = 0; i < n_images; i++)
    for (int c = 0; c < n_labels; c++)
      fovea_pixel_counts_init (&eval->counts[i * n_labels + c], thresholds[c]);
  return eval;
}

void
fovea_seg_eval_free (FoveaSegEval *eval)
{
  if (eval == NULL)
    return;
  for (int i = 0; i < eval->n_images * eval->n_labels; i++)
    fovea_pixel_counts_clear (&eval->counts[i]);
  g_free (eval->counts);
  g_free (eval);
}

void
fovea_seg_eval_add (FoveaSegEval *eval, int i, const FoveaSegSample *sample, const float *probs)
{
  gsize plane = (gsize) sample->width * sample->height;
  for (int c = 0; c < eval->n_labels; c++)
    fovea_pixel_counts_add (&eval->counts[i * eval->n_labels + c], probs + plane * c,
                            sample->masks + plane * c, sample->fov, plane);
}

gboolean
fovea_seg_eval_run (FoveaSegEval *eval, FoveaSeg *seg, const GPtrArray *samples, int n_threads,
                    GError **error)
{
  const FoveaSegConfig *config = fovea_seg_get_config (seg);
  int tile = config->pretrained.input_size[1];
  g_autoptr (FoveaSegRun) run = fovea_seg_run_new (seg, 1, tile, tile, n_threads, error);
  if (run == NULL)
    return FALSE;
  for (guint i = 0; i < samples->len && (int) i < eval->n_images; i++)
    {
      const FoveaSegSample *s = samples->pdata[i];
      g_autofree float *pixels = fovea_seg_sample_pixels (s, config->pretrained.mean,
                                                          config->pretrained.std);
      g_autofree float *probs = g_new (float, (gsize) config->classes * s->width * s->height);
      if (!fovea_seg_forward_tiled (run, pixels, s->height, s->width, tile / 4, probs, error))
        return FALSE;
      fovea_seg_eval_add (eval, (int) i, s, probs);
    }
  return TRUE;
}

static double
kind_value (const FoveaPixelCounts *counts, int kind)
{
  switch (kind)
    {
    case 0: return fovea_pixel_auc (counts);
    case 1: return fovea_pixel_ap (counts);
    case 2: return fovea_pixel_dice (counts);
    default: return fovea_pixel_iou (counts);
    }
}

/* All figures of a resample (images idx[0 … n-1]) into values:
 * n_labels × N_KINDS, then N_KINDS means. */
static void
compute (const FoveaSegEval *eval, const int *idx, int n, FoveaPixelCounts *pool,
         double *values)
{
  for (int c = 0; c < eval->n_labels; c++)
    {
      fovea_pixel_counts_reset (pool);
      for (int k = 0; k < n; k++)
        fovea_pixel_counts_merge (pool, &eval->counts[idx[k] * eval->n_labels + c]);
      for (int kind = 0; kind < N_KINDS; kind++)
        values[c * N_KINDS + kind] = kind_value (pool, kind);
    }
  for (int kind = 0; kind < N_KINDS; kind++)
    {
      double sum = 0;
      int defined = 0;
      for (int c = 0; c < eval->n_labels; c++)
        if (!isnan (values[c * N_KINDS + kind]))
          sum += values[c * N_KINDS + kind], defined++;
      values[eval->n_labels * N_KINDS + kind] = defined > 0 ? sum / defined : NAN;
    }
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
quantile (const double *sorted, int n, double q)
{
  double pos = q * (n - 1);
  int lo = (int) floor (pos), hi = MIN (lo + 1, n - 1);
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
fovea_seg_eval_metrics (const FoveaSegEval *eval, const char *const *labels, int n_resamples,
                        guint64 seed)
{
  int n_values = (eval->n_labels + 1) * N_KINDS;
  FoveaPixelCounts pool;
  fovea_pixel_counts_init (&pool, 0.5);
  g_autofree int *idx = g_new (int, MAX (eval->n_images, 1));
  for (int i = 0; i < eval->n_images; i++)
    idx[i] = i;
  g_autofree double *whole = g_new (double, n_values);
  compute (eval, idx, eval->n_images, &pool, whole);

  g_autofree double *draws = g_new (double, (gsize) n_values * MAX (n_resamples, 1));
  g_autofree int *n_draws = g_new0 (int, n_values);
  g_autofree double *values = g_new (double, n_values);
  guint64 state = seed;
  for (int r = 0; r < n_resamples && eval->n_images > 0; r++)
    {
      for (int k = 0; k < eval->n_images; k++)
        idx[k] = (int) (fovea_splitmix64 (&state) % (guint64) eval->n_images);
      compute (eval, idx, eval->n_images, &pool, values);
      for (int v = 0; v < n_values; v++)
        if (!isnan (values[v]))
          draws[(gsize) v * n_resamples + n_draws[v]++] = values[v];
    }
  fovea_pixel_counts_clear (&pool);

  GPtrArray *metrics = g_ptr_array_new_with_free_func (free_metric);
  for (int v = 0; v < n_values; v++)
    {
      int c = v / N_KINDS, kind = v % N_KINDS;
      if (c == eval->n_labels && eval->n_labels == 1)
        break;
      FoveaEvalMetric *m = g_new (FoveaEvalMetric, 1);
      m->name = c < eval->n_labels ? g_strdup_printf ("%s_%s", kind_names[kind], labels[c])
                                   : g_strdup_printf ("mean_%s", kind_names[kind]);
      m->value = whole[v];
      m->ci_low = m->ci_high = NAN;
      double *mine = draws + (gsize) v * n_resamples;
      if (!isnan (m->value) && n_resamples > 0 && n_draws[v] >= MAX (n_resamples / 2, 1))
        {
          qsort (mine, n_draws[v], sizeof (double), compare_doubles);
          m->ci_low = MIN (quantile (mine, n_draws[v], 0.025), m->value);
          m->ci_high = MAX (quantile (mine, n_draws[v], 0.975), m->value);
        }
      g_ptr_array_add (metrics, m);
    }
  return metrics;
}

double
fovea_seg_eval_lookup (GPtrArray *metrics, const char *name)
{
  for (guint i = 0; i < metrics->len; i++)
    {
      const FoveaEvalMetric *m = metrics->pdata[i];
      if (strcmp (m->name, name) == 0)
        return m->value;
    }
  return NAN;
}
