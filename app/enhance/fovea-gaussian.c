/* fovea-gaussian.c: separable Gaussian blur of a grid of float 4-vectors.
 *
 * The cells are 4 floats so that each tap is one SIMD multiply-add: the
 * inner loops have a fixed trip count of 4, which compilers vectorise
 * even at -O2. The grid is small (the caller downsamples first), so a
 * direct truncated kernel is fast enough and exact. */
#define G_LOG_DOMAIN "fovea-gaussian"

#include "fovea-gaussian.h"

#include "fovea-image.h"

#include <math.h>
#include <string.h>

#define LANES FOVEA_GAUSSIAN_LANES

/* Half a kernel, w[0] the centre, normalised to a total weight of 1. */
static float *
make_weights (double sigma, int *out_radius)
{
  int radius = MAX (1, (int) ceil (4.0 * sigma));
  float *w = g_new (float, radius + 1);
  double total = 0.0;
  for (int j = 0; j <= radius; j++)
    {
      double v = exp (-0.5 * (j / sigma) * (j / sigma));
      w[j] = (float) v;
      total += j == 0 ? v : 2.0 * v;
    }
  for (int j = 0; j <= radius; j++)
    w[j] = (float) (w[j] / total);
  *out_radius = radius;
  return w;
}

/* Along each row; padded holds a copy of the row with radius zero cells
 * on each side, so the taps need no bounds tests. */
static void
blur_rows (float *cells, int width, int height, const float *w, int radius,
           float *padded)
{
  gsize row_floats = (gsize) width * LANES;
  memset (padded, 0, sizeof (float) * (row_floats + 2 * (gsize) radius * LANES));
  for (int y = 0; y < height; y++)
    {
      float *row = cells + (gsize) y * row_floats;
      float *p = padded + (gsize) radius * LANES;
      memcpy (p, row, sizeof (float) * row_floats);
      for (int x = 0; x < width; x++)
        {
          const float *c = p + (gsize) x * LANES;
          float acc[LANES];
          for (int l = 0; l < LANES; l++)
            acc[l] = w[0] * c[l];
          for (int j = 1; j <= radius; j++)
            for (int l = 0; l < LANES; l++)
              acc[l] += w[j] * (c[l - j * LANES] + c[l + j * LANES]);
          for (int l = 0; l < LANES; l++)
            row[(gsize) x * LANES + l] = acc[l];
        }
    }
}

/* Along each column, one whole row at a time (src is a copy). */
static void
blur_columns (float *cells, const float *src, int width, int height,
              const float *w, int radius)
{
  gsize row_floats = (gsize) width * LANES;
  for (int y = 0; y < height; y++)
    {
      float *out = cells + (gsize) y * row_floats;
      memset (out, 0, sizeof (float) * row_floats);
      int first = MAX (y - radius, 0), last = MIN (y + radius, height - 1);
      for (int yy = first; yy <= last; yy++)
        {
          float weight = w[abs (yy - y)];
          const float *in = src + (gsize) yy * row_floats;
          for (int x = 0; x < width; x++)
            for (int l = 0; l < LANES; l++)
              out[(gsize) x * LANES + l] += weight * in[(gsize) x * LANES + l];
        }
    }
}

gboolean
fovea_gaussian_blur_grid (float   *cells,
                          int      width,
                          int      height,
                          double   sigma,
                          GError **error)
{
  int radius;
  g_autofree float *w = make_weights (sigma, &radius);
  gsize row_floats = (gsize) width * LANES;
  g_autofree float *padded = g_try_new (float, row_floats + 2 * (gsize) radius * LANES);
  g_autofree float *copy = g_try_new (float, row_floats * (gsize) height);
  if (padded == NULL || copy == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory blurring a %d×%d grid", width, height);
      return FALSE;
    }
  blur_rows (cells, width, height, w, radius, padded);
  memcpy (copy, cells, sizeof (float) * row_floats * (gsize) height);
  blur_columns (cells, copy, width, height, w, radius);
  return TRUE;
}
