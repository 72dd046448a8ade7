/* fovea-graham.c: Graham's local-average subtraction inside the FOV.
 *
 * The local average is a normalised convolution, gauss(img·mask) /
 * gauss(mask), so that the black surround does not darken the average
 * near the FOV edge (a flat disc stays flat up to its rim).
 *
 * σ = r/30 is about 33 px on a 2000 px photograph, and a blur that wide
 * is smooth on the scale of a few pixels. So the sums of img·mask and of
 * mask are first gathered on a grid of k × k pixel cells (k ≈ σ/4; box
 * sums are exact for the normalised convolution), blurred there with
 * σ/k, divided, and read back with bilinear interpolation. */
#define G_LOG_DOMAIN "fovea-graham"

#include "fovea-enhance.h"
#include "fovea-enhance-private.h"
#include "fovea-gaussian.h"

#include <math.h>
#include <string.h>

#define LANES FOVEA_GAUSSIAN_LANES
/* Grid cells per σ: the blur's worst bilinear-interpolation error is
 * then about 2 % of a level per level of local contrast change. */
#define CELLS_PER_SIGMA 4.0

typedef struct {
  int    k;              /* pixels per cell side */
  int    width, height;  /* in cells */
  float *cells;          /* LANES floats per cell: colour sums, mask sum */
} LocalMean;

/* Adds the masked colours (up to 3) and the mask count of each k × k
 * block of pixels into its cell. */
static void
gather_cells (const FoveaImage *src, const guint8 *mask, int colours,
              LocalMean *mean)
{
  int n = src->channels, k = mean->k;
  for (int y = 0; y < src->height; y++)
    {
      const guint8 *s = fovea_image_row (src, y);
      const guint8 *m = mask + (gsize) y * src->width;
      float *cell = mean->cells + (gsize) (y / k) * mean->width * LANES;
      for (int x0 = 0; x0 < src->width; x0 += k, cell += LANES)
        {
          guint sums[LANES] = { 0 };
          int x1 = MIN (x0 + k, src->width);
          for (int x = x0; x < x1; x++)
            {
              guint inside = m[x] != 0;
              for (int c = 0; c < colours; c++)
                sums[c] += inside * s[n * x + c];
              sums[LANES - 1] += inside;
            }
          for (int l = 0; l < LANES; l++)
            cell[l] += (float) sums[l];
        }
    }
}

/* Turns blurred sums into means. A cell with (almost) no FOV within a
 * few σ is only read for pixels outside the FOV, which are not drawn. */
static void
divide_cells (LocalMean *mean)
{
  gsize count = (gsize) mean->width * mean->height;
  for (gsize i = 0; i < count; i++)
    {
      float *cell = mean->cells + i * LANES;
      float weight = cell[LANES - 1];
      float inverse = weight > 1e-3f ? 1.0f / weight : 0.0f;
      for (int l = 0; l < LANES - 1; l++)
        cell[l] = CLAMP (cell[l] * inverse, 0.0f, 255.0f);
    }
}

/* Cell coordinate of pixel p (cell centres sit at c·k + (k − 1)/2). */
static void
cell_position (int p, int k, int cells, int *c0, int *c1, float *weight)
{
  float u = ((float) p - 0.5f * (float) (k - 1)) / (float) k;
  u = CLAMP (u, 0.0f, (float) (cells - 1));
  int lower = (int) u;
  *c0 = lower;
  *c1 = MIN (lower + 1, cells - 1);
  *weight = u - (float) lower;
}

/* d = clamp (round (4·s + offset)) over count samples. Called with a
 * constant count it compiles to vector code. */
static inline void
apply_offsets (const guint8 *restrict s, const float *restrict offset,
               guint8 *restrict d, int count)
{
  for (int i = 0; i < count; i++)
    {
      /* Truncation rounds up from −0.5, but those values clamp to 0. */
      int v = (int) (4.0f * (float) s[i] + offset[i] + 0.5f);
      d[i] = (guint8) CLAMP (v, 0, 255);
    }
}

#define CHUNK 64

static void
write_output (const FoveaImage *src, const guint8 *mask, int colours,
              const LocalMean *mean, FoveaImage *out)
{
  int n = src->channels, k = mean->k;
  int samples = src->width * n;
  gsize row_floats = (gsize) mean->width * LANES;
  int *left = g_new (int, 2 * (gsize) src->width);
  int *right = left + src->width;
  float *wx = g_new (float, src->width);
  float *row = g_new (float, row_floats);
  float *offset = g_new0 (float, samples);
  for (int x = 0; x < src->width; x++)
    {
      int c0, c1;
      cell_position (x, k, mean->width, &c0, &c1, &wx[x]);
      left[x] = c0 * LANES;
      right[x] = c1 * LANES;
    }

  for (int y = 0; y < src->height; y++)
    {
      int r0, r1;
      float wy;
      cell_position (y, k, mean->height, &r0, &r1, &wy);
      const float *top = mean->cells + (gsize) r0 * row_floats;
      const float *bottom = mean->cells + (gsize) r1 * row_floats;
      for (gsize i = 0; i < row_floats; i++)
        row[i] = top[i] + wy * (bottom[i] - top[i]);

      /* out = 4·s + (128 − 4·mean) inside the FOV; outside, an offset
       * that takes any sample below 0, so that one expression serves. */
      const guint8 *m = mask + (gsize) y * src->width;
      for (int x = 0; x < src->width; x++)
        {
          const float *a = row + left[x], *b = row + right[x];
          for (int c = 0; c < colours; c++)
            offset[n * x + c] = m[x] ? 128.0f - 4.0f * (a[c] + wx[x] * (b[c] - a[c]))
                                     : -2048.0f;
        }

      const guint8 *s = fovea_image_row (src, y);
      guint8 *d = fovea_image_row (out, y);
      if (samples < CHUNK)
        apply_offsets (s, offset, d, samples);
      /* Whole chunks; the last one overlaps the one before if need be. */
      for (int i = 0; samples >= CHUNK && i < samples; i += CHUNK)
        {
          int start = MIN (i, samples - CHUNK);
          apply_offsets (s + start, offset + start, d + start, CHUNK);
        }
    }
  g_free (offset);
  g_free (row);
  g_free (wx);
  g_free (left);
}

static gboolean
subtract_local_mean (const FoveaImage *src, const guint8 *mask, double sigma,
                     FoveaImage *out, GError **error)
{
  int colours = src->channels >= 3 ? 3 : 1;
  LocalMean mean;
  mean.k = MAX (1, (int) (sigma / CELLS_PER_SIGMA));
  mean.width = (src->width + mean.k - 1) / mean.k;
  mean.height = (src->height + mean.k - 1) / mean.k;
  mean.cells = g_try_new0 (float, (gsize) mean.width * mean.height * LANES);
  if (mean.cells == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory for the local mean of a %d×%d image",
                   src->width, src->height);
      return FALSE;
    }
  gather_cells (src, mask, colours, &mean);
  /* Summing k × k boxes and reading back bilinearly widen the kernel by
   * about (k² − 1)/12 + (k² − 1)/6 of variance: blur that much less. */
  double k = mean.k;
  double grid_sigma = sqrt (sigma * sigma - (k * k - 1.0) / 4.0) / k;
  gboolean ok = fovea_gaussian_blur_grid (mean.cells, mean.width, mean.height,
                                          grid_sigma, error);
  if (ok)
    {
      divide_cells (&mean);
      write_output (src, mask, colours, &mean, out);
    }
  g_free (mean.cells);
  return ok;
}

FoveaImage *
fovea_enhance_graham (const FoveaImage *image,
                      const FoveaFov   *fov,
                      GError          **error)
{
  g_return_val_if_fail (image != NULL, NULL);

  FoveaFov detected;
  if (fov == NULL)
    {
      fovea_fov_detect (image, &detected);
      fov = &detected;
    }
  if (!(fov->r > 0.0 && fov->r < 1e7))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "Graham enhancement needs a FOV radius > 0, not %g", fov->r);
      return NULL;
    }

  g_autoptr (FoveaImage) owned = NULL;
  const FoveaImage *src = fovea_enhance_source8 (image, &owned, error);
  if (src == NULL)
    return NULL;
  FoveaImage *out = fovea_image_new (src->width, src->height, src->channels, 8, error);
  if (out == NULL)
    return NULL;
  g_autofree guint8 *mask = fovea_fov_mask_new (image, fov);
  if (!subtract_local_mean (src, mask, fov->r / 30.0, out, error))
    {
      fovea_image_free (out);
      return NULL;
    }
  if (fovea_image_has_alpha (src))
    fovea_enhance_copy_alpha (src, out);
  return out;
}
