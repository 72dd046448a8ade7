/* fovea-seg-tiles.c: tiled segmentation (see the header). */
#define G_LOG_DOMAIN "fovea-seg-tiles"

#include "fovea-seg-tiles.h"
#include "fovea-seg-private.h"

#include <math.h>
#include <string.h>

/* Where tiles start along a side of length size: every step, the last
 * flush with the far edge (one tile at 0 when the side is shorter). */
static int
tile_starts (int size, int tile, int step, int **starts)
{
  int n = size <= tile ? 1 : (size - tile + step - 1) / step + 1;
  *starts = g_new (int, n);
  for (int i = 0; i < n; i++)
    (*starts)[i] = MIN (i * step, MAX (size - tile, 0));
  return n;
}

/* The tile at (y0, x0) of pixels into tile (channels × tile × tile),
 * zeros past the image's edges. */
static void
copy_tile (float *tile_pixels, const float *pixels, int channels, int height, int width,
           int tile, int y0, int x0)
{
  memset (tile_pixels, 0, sizeof (float) * channels * tile * tile);
  int rows = MIN (tile, height - y0), cols = MIN (tile, width - x0);
  for (int c = 0; c < channels; c++)
    for (int y = 0; y < rows; y++)
      memcpy (tile_pixels + ((gsize) c * tile + y) * tile,
              pixels + ((gsize) c * height + y0 + y) * width + x0, sizeof (float) * cols);
}

gboolean
fovea_seg_forward_tiled (FoveaSegRun *run, const float *pixels, int height, int width,
                         int overlap, float *out, GError **error)
{
  g_return_val_if_fail (run != NULL && pixels != NULL && out != NULL, FALSE);

  int tile = run->height, classes = run->seg->config.classes;
  int channels = run->seg->config.in_channels;
  if (run->width != tile || overlap < 0 || overlap >= tile || height < 1 || width < 1)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot tile a %d×%d image with %d×%d tiles overlapping by %d pixels: "
                   "tiles must be square and overlap by less than their side",
                   width, height, run->width, run->height, overlap);
      return FALSE;
    }

  g_autofree float *window = g_new (float, tile);
  for (int i = 0; i < tile; i++)
    {
      double s = sin (G_PI * (i + 0.5) / tile);
      window[i] = (float) (s * s);
    }
  g_autofree int *rows = NULL, *cols = NULL;
  int n_rows = tile_starts (height, tile, tile - overlap, &rows);
  int n_cols = tile_starts (width, tile, tile - overlap, &cols);
  gsize plane = (gsize) height * width;
  g_autofree float *weights = g_try_new0 (float, plane);
  g_autofree float *tile_pixels = g_try_new (float, (gsize) channels * tile * tile);
  if (weights == NULL || tile_pixels == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for the blending weights of a %d×%d image", width, height);
      return FALSE;
    }
  memset (out, 0, sizeof (float) * plane * classes);

  for (int r = 0; r < n_rows; r++)
    for (int k = 0; k < n_cols; k++)
      {
        int y0 = rows[r], x0 = cols[k];
        copy_tile (tile_pixels, pixels, channels, height, width, tile, y0, x0);
        if (!fovea_seg_forward (run, tile_pixels, 1, error))
          return FALSE;
        const float *p = fovea_seg_run_get_probabilities (run);
        int tile_rows = MIN (tile, height - y0), tile_cols = MIN (tile, width - x0);
        for (int y = 0; y < tile_rows; y++)
          for (int x = 0; x < tile_cols; x++)
            {
              float w = window[y] * window[x];
              gsize at = (gsize) (y0 + y) * width + x0 + x;
              weights[at] += w;
              for (int c = 0; c < classes; c++)
                out[c * plane + at] += w * p[((gsize) c * tile + y) * tile + x];
            }
      }
  for (gsize i = 0; i < plane; i++)
    for (int c = 0; c < classes; c++)
      out[c * plane + i] /= weights[i];
  return TRUE;
}
