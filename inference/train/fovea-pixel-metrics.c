/* fovea-pixel-metrics.c: AUC-ROC, average precision, Dice and IoU of
 * probability maps against masks, from per-bin counts. */
#define G_LOG_DOMAIN "fovea-pixel-metrics"

#include "fovea-pixel-metrics.h"

#include <math.h>
#include <string.h>

void
fovea_pixel_counts_init (FoveaPixelCounts *counts, double threshold)
{
  *counts = (FoveaPixelCounts) {
    .pos = g_new0 (guint64, FOVEA_PIXEL_BINS),
    .neg = g_new0 (guint64, FOVEA_PIXEL_BINS),
    .threshold = threshold,
  };
}

void
fovea_pixel_counts_clear (FoveaPixelCounts *counts)
{
  g_free (counts->pos);
  g_free (counts->neg);
  memset (counts, 0, sizeof *counts);
}

void
fovea_pixel_counts_reset (FoveaPixelCounts *counts)
{
  memset (counts->pos, 0, sizeof (guint64) * FOVEA_PIXEL_BINS);
  memset (counts->neg, 0, sizeof (guint64) * FOVEA_PIXEL_BINS);
  counts->tp = counts->fp = counts->fn = counts->tn = 0;
}

static inline void
count_one (FoveaPixelCounts *counts, float p, gboolean positive)
{
  int bin = isfinite (p) ? (int) CLAMP (p * FOVEA_PIXEL_BINS, 0.0f, FOVEA_PIXEL_BINS - 1.0f)
                         : 0;
  gboolean predicted = p >= counts->threshold;
  if (positive)
    {
      counts->pos[bin]++;
      if (predicted)
        counts->tp++;
      else
        counts->fn++;
    }
  else
    {
      counts->neg[bin]++;
      if (predicted)
        counts->fp++;
      else
        counts->tn++;
    }
}

void
fovea_pixel_counts_add (FoveaPixelCounts *counts, const float *probs, const guint8 *truth,
                        const guint8 *mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (mask == NULL || mask[i])
      count_one (counts, probs[i], truth[i] != 0);
}

void
fovea_pixel_counts_add_strided (FoveaPixelCounts *counts, const float *probs, gsize stride,
                                const float *truth, const float *mask, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (mask == NULL || mask[i] > 0)
      count_one (counts, probs[i * stride], truth[i * stride] > 0.5f);
}

void
fovea_pixel_counts_merge (FoveaPixelCounts *into, const FoveaPixelCounts *from)
{
  for (int b = 0; b < FOVEA_PIXEL_BINS; b++)
    {
      into->pos[b] += from->pos[b];
      into->neg[b] += from->neg[b];
    }
  into->tp += from->tp, into->fp += from->fp, into->fn += from->fn, into->tn += from->tn;
}

double
fovea_pixel_auc (const FoveaPixelCounts *counts)
{
  /* Each positive beats the negatives in lower bins and ties half of
   * its own bin's. */
  double below = 0, wins = 0, n_pos = 0;
  for (int b = 0; b < FOVEA_PIXEL_BINS; b++)
    {
      wins += counts->pos[b] * (below + 0.5 * counts->neg[b]);
      below += counts->neg[b];
      n_pos += counts->pos[b];
    }
  return n_pos > 0 && below > 0 ? wins / (n_pos * below) : NAN;
}

double
fovea_pixel_ap (const FoveaPixelCounts *counts)
{
  double n_pos = 0, tp = 0, fp = 0, ap = 0;
  for (int b = 0; b < FOVEA_PIXEL_BINS; b++)
    n_pos += counts->pos[b];
  if (n_pos == 0)
    return NAN;
  for (int b = FOVEA_PIXEL_BINS - 1; b >= 0; b--)
    {
      if (counts->pos[b] == 0 && counts->neg[b] == 0)
        continue;
      tp += counts->pos[b];
      fp += counts->neg[b];
      ap += counts->pos[b] / n_pos * (tp / (tp + fp));
    }
  return ap;
}

double
fovea_pixel_dice (const FoveaPixelCounts *counts)
{
  double d = 2.0 * counts->tp + counts->fp + counts->fn;
  return d > 0 ? 2.0 * counts->tp / d : NAN;
}

double
fovea_pixel_iou (const FoveaPixelCounts *counts)
{
  double d = (double) counts->tp + counts->fp + counts->fn;
  return d > 0 ? counts->tp / d : NAN;
}
