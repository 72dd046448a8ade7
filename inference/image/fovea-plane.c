/* fovea-plane.c: single-channel float planes and area-average shrinking. */
#define G_LOG_DOMAIN "fovea-plane"

#include "fovea-plane.h"

#include <math.h>
#include <string.h>

static void
read_row8 (const guint8 *row, int channels, FoveaPlaneSource source,
           int n, float *out)
{
  if (channels < 3)
    for (int i = 0; i < n; i++)
      out[i] = row[i * channels];
  else if (source == FOVEA_PLANE_LUMINANCE)
    for (int i = 0; i < n; i++)
      out[i] = 0.299f * row[i * channels] + 0.587f * row[i * channels + 1] +
               0.114f * row[i * channels + 2];
  else
    for (int i = 0; i < n; i++)
      out[i] = MAX (row[i * channels], MAX (row[i * channels + 1], row[i * channels + 2]));
}

static void
read_row16 (const guint16 *row, int channels, FoveaPlaneSource source,
            int n, float *out)
{
  const float to_8bit = 1.0f / 257.0f;
  if (channels < 3)
    for (int i = 0; i < n; i++)
      out[i] = row[i * channels] * to_8bit;
  else if (source == FOVEA_PLANE_LUMINANCE)
    for (int i = 0; i < n; i++)
      out[i] = (0.299f * row[i * channels] + 0.587f * row[i * channels + 1] +
                0.114f * row[i * channels + 2]) * to_8bit;
  else
    for (int i = 0; i < n; i++)
      out[i] = MAX (row[i * channels], MAX (row[i * channels + 1], row[i * channels + 2])) * to_8bit;
}

void
fovea_plane_read_row (const FoveaImage *image, FoveaPlaneSource source,
                      int y, int x0, int n, float *out)
{
  /* One loop per depth and source, so each is a tight, vectorisable one. */
  gsize offset = (gsize) x0 * (gsize) image->channels;
  if (image->bit_depth == 8)
    read_row8 (fovea_image_row (image, y) + offset, image->channels, source, n, out);
  else
    read_row16 (fovea_image_row16 (image, y) + offset, image->channels, source, n, out);
}

/* Output cell j of an axis shrunk from n to out_n samples covers input
 * samples first[j]..last[j]; the two end samples count only for the part
 * of them inside the cell (w_first, w_last), the others fully. Sums are
 * divided by the cell's width, n / out_n, to give the average. */
typedef struct {
  int   *first;
  int   *last;
  float *w_first;
  float *w_last;
} AreaTaps;

static void
area_taps_init (AreaTaps *taps, int n, int out_n)
{
  taps->first = g_new (int, out_n);
  taps->last = g_new (int, out_n);
  taps->w_first = g_new (float, out_n);
  taps->w_last = g_new (float, out_n);
  for (int j = 0; j < out_n; j++)
    {
      double a = (double) j * n / out_n, b = (double) (j + 1) * n / out_n;
      int first = (int) a, last = MIN ((int) ceil (b) - 1, n - 1);
      taps->first[j] = first;
      taps->last[j] = last;
      taps->w_first[j] = (float) (MIN (b, first + 1.0) - a);
      taps->w_last[j] = last > first ? (float) (b - last) : 0.0f;
    }
}

static void
area_taps_clear (AreaTaps *taps)
{
  g_free (taps->first);
  g_free (taps->last);
  g_free (taps->w_first);
  g_free (taps->w_last);
}

/* The weighted sum of the samples of one channel of line (interleaved
 * with `stride` values per pixel) that fall in output cell j. */
static float
shrink_cell (const AreaTaps *taps, int j, const float *line, int stride)
{
  int first = taps->first[j], last = taps->last[j];
  float sum = taps->w_first[j] * line[first * stride];
  for (int i = first + 1; i < last; i++)
    sum += line[i * stride];
  if (last > first)
    sum += taps->w_last[j] * line[last * stride];
  return sum;
}

/* The hot loops below are written in blocks of eight independent
 * statements with restrict pointers: GCC's -O2 vectorises such blocks,
 * not the plain loops (they would need a scalar epilogue). */
#define BLOCK 8

static void
add_scaled_bytes (float *restrict dst, const guint8 *restrict src, float weight, gsize n)
{
  gsize i = 0;
  for (; i + BLOCK <= n; i += BLOCK)
    {
      const guint8 *s = src + i;
      float *d = dst + i;
      d[0] += s[0] * weight; d[1] += s[1] * weight;
      d[2] += s[2] * weight; d[3] += s[3] * weight;
      d[4] += s[4] * weight; d[5] += s[5] * weight;
      d[6] += s[6] * weight; d[7] += s[7] * weight;
    }
  for (; i < n; i++)
    dst[i] += src[i] * weight;
}

static void
add_scaled_words (float *restrict dst, const guint16 *restrict src, float weight, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] += src[i] * weight;
}

/* Adds the samples of n pixels of row y from column x0, times weight and
 * on the 0..255 scale, to sums. */
static void
add_row_samples (const FoveaImage *image, int y, int x0, int n, float weight, float *sums)
{
  gsize count = (gsize) n * (gsize) image->channels;
  gsize offset = (gsize) x0 * (gsize) image->channels;
  if (image->bit_depth == 8)
    add_scaled_bytes (sums, fovea_image_row (image, y) + offset, weight, count);
  else
    add_scaled_words (sums, fovea_image_row16 (image, y) + offset, weight / 257.0f, count);
}

static float
combine (FoveaPlaneSource source, float r, float g, float b)
{
  if (source == FOVEA_PLANE_LUMINANCE)
    return 0.299f * r + 0.587f * g + 0.114f * b;
  return MAX (r, MAX (g, b));
}

FoveaPlane *
fovea_plane_new_area (const FoveaImage *image, FoveaPlaneSource source,
                      int x, int y, int width, int height,
                      int out_width, int out_height)
{
  if (x < 0 || y < 0 || width <= 0 || height <= 0 ||
      x > image->width - width || y > image->height - height ||
      out_width <= 0 || out_height <= 0 ||
      out_width > width || out_height > height)
    return NULL;

  float *data = g_try_new0 (float, (gsize) out_width * (gsize) out_height);
  if (data == NULL)
    return NULL;

  AreaTaps tx, ty;
  area_taps_init (&tx, width, out_width);
  area_taps_init (&ty, height, out_height);
  /* Channels are averaged separately and combined at the end: the same
   * as averaging luminance (it is linear), a cleaner maximum, and far
   * cheaper than converting every full-resolution pixel. */
  int stride = image->channels;
  gsize row_samples = (gsize) width * (gsize) stride;
  float *column_sums = g_new (float, row_samples);
  float norm = (float) ((double) out_width * out_height / ((double) width * height));

  /* Each output row first sums its input rows at full width (contiguous,
   * so it vectorises), then shrinks that sum once: only one full-width row
   * is held, and a row straddling two output rows is simply read twice. */
  for (int j = 0; j < out_height; j++)
    {
      memset (column_sums, 0, sizeof (float) * row_samples);
      for (int yy = ty.first[j]; yy <= ty.last[j]; yy++)
        {
          float weight = yy == ty.first[j] ? ty.w_first[j]
                       : yy == ty.last[j] ? ty.w_last[j] : 1.0f;
          add_row_samples (image, y + yy, x, width, weight, column_sums);
        }
      float *dst = data + (gsize) j * (gsize) out_width;
      for (int i = 0; i < out_width; i++)
        {
          if (stride < 3)
            dst[i] = shrink_cell (&tx, i, column_sums, stride) * norm;
          else
            dst[i] = combine (source,
                              shrink_cell (&tx, i, column_sums, stride) * norm,
                              shrink_cell (&tx, i, column_sums + 1, stride) * norm,
                              shrink_cell (&tx, i, column_sums + 2, stride) * norm);
        }
    }

  g_free (column_sums);
  area_taps_clear (&tx);
  area_taps_clear (&ty);

  FoveaPlane *plane = g_new (FoveaPlane, 1);
  plane->width = out_width;
  plane->height = out_height;
  plane->data = data;
  return plane;
}

void
fovea_plane_free (FoveaPlane *plane)
{
  if (plane == NULL)
    return;
  g_free (plane->data);
  g_free (plane);
}
