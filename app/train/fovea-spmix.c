/* fovea-spmix.c: SPMix's tail classes, patch saliency and patch mixing
 * (fovea-spmix.h). */
#define G_LOG_DOMAIN "fovea-spmix"

#include "fovea-spmix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int
compare_ints (const void *a, const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

int
fovea_spmix_tail_classes (const int *counts, int n_classes, gboolean *tail)
{
  g_autofree int *present = g_new (int, MAX (n_classes, 1));
  int n_present = 0, n_tail = 0;

  for (int c = 0; c < n_classes; c++)
    if (counts[c] > 0)
      present[n_present++] = counts[c];
  qsort (present, (size_t) n_present, sizeof (int), compare_ints);
  double median = n_present == 0 ? 0
                : n_present % 2 ? present[n_present / 2]
                : 0.5 * ((double) present[n_present / 2 - 1] + present[n_present / 2]);
  for (int c = 0; c < n_classes; c++)
    {
      tail[c] = counts[c] > 0 && counts[c] < median;
      n_tail += tail[c];
    }
  return n_tail;
}

int
fovea_spmix_n_keep (int grid, double keep)
{
  int n = grid * grid;
  int k = (int) lround (keep * n);
  return n == 1 ? 1 : CLAMP (k, 1, n - 1);
}

/* The length two half-open intervals share. */
static double
overlap (double a0, double a1, double b0, double b1)
{
  return MAX (0.0, MIN (a1, b1) - MAX (a0, b0));
}

void
fovea_spmix_patch_saliency (const float *map, int map_h, int map_w, int height, int width,
                            int grid, float *patch)
{
  double cell_h = (double) height / map_h, cell_w = (double) width / map_w;

  for (int py = 0; py < grid; py++)
    for (int px = 0; px < grid; px++)
      {
        double y0 = py * height / grid, y1 = (py + 1) * height / grid;
        double x0 = px * width / grid, x1 = (px + 1) * width / grid;
        double sum = 0;
        for (int i = 0; i < map_h; i++)
          {
            double wy = overlap (y0, y1, i * cell_h, (i + 1) * cell_h);
            if (wy == 0)
              continue;
            for (int j = 0; j < map_w; j++)
              sum += wy * overlap (x0, x1, j * cell_w, (j + 1) * cell_w) * map[i * map_w + j];
          }
        patch[py * grid + px] = (float) sum;
      }
}

typedef struct {
  float saliency;
  int   index;
} Ranked;

/* Most salient first; NaN after everything; ties to the lower index, so
 * that the order is total and the result does not depend on qsort. */
static int
compare_ranked (const void *a, const void *b)
{
  const Ranked *x = a, *y = b;
  gboolean xn = isnan (x->saliency), yn = isnan (y->saliency);
  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x->saliency != y->saliency)
    return x->saliency > y->saliency ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

void
fovea_spmix_mix (float *tail, const float *head, int channels, int height, int width, int grid,
                 const float *patch_saliency, int n_keep, gboolean *kept)
{
  int n = grid * grid;
  g_autofree Ranked *ranked = g_new (Ranked, n);
  g_autofree gboolean *keep = g_new0 (gboolean, n);

  for (int i = 0; i < n; i++)
    ranked[i] = (Ranked) { patch_saliency[i], i };
  qsort (ranked, (size_t) n, sizeof (Ranked), compare_ranked);
  for (int i = 0; i < MIN (n_keep, n); i++)
    keep[ranked[i].index] = TRUE;

  for (int py = 0; py < grid; py++)
    for (int px = 0; px < grid; px++)
      {
        if (keep[py * grid + px])
          continue;
        int y0 = py * height / grid, y1 = (py + 1) * height / grid;
        int x0 = px * width / grid, x1 = (px + 1) * width / grid;
        for (int c = 0; c < channels; c++)
          for (int y = y0; y < y1; y++)
            {
              gsize at = ((gsize) c * height + y) * width + x0;
              memcpy (tail + at, head + at, (gsize) (x1 - x0) * sizeof (float));
            }
      }
  if (kept != NULL)
    memcpy (kept, keep, (gsize) n * sizeof (gboolean));
}
