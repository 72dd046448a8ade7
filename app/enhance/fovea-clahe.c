/* fovea-clahe.c: contrast-limited adaptive histogram equalisation.
 *
 * This follows OpenCV's CLAHE for 8-bit images step by step, so that the
 * output agrees with cv2.createCLAHE(...).apply():
 *  - when the size does not divide by the grid, the histograms are taken
 *    on the image padded with BORDER_REFLECT_101 on the right and bottom
 *    (both sides are padded, by a whole tile row or column if one of them
 *    did divide), and the tile size is that of the padded image;
 *  - each tile's histogram is clipped at max(clip·area/256, 1); the excess
 *    is spread evenly, and the remainder one count every 256/remainder
 *    bins from bin 0;
 *  - the LUT is the cumulative histogram times 255/area, rounded;
 *  - each pixel interpolates bilinearly between the LUTs of the four
 *    nearest tile centres, in single precision, rounded half to even. */
#define G_LOG_DOMAIN "fovea-clahe"

#include "fovea-enhance.h"
#include "fovea-enhance-private.h"
#include "fovea-lab.h"

#include <math.h>
#include <string.h>

/* Bounds the LUT memory (256 bytes per tile) to 16 MiB. */
#define MAX_TILES_PER_AXIS 256

typedef struct {
  int     tiles_x, tiles_y;
  int     tile_w, tile_h;   /* in the padded image */
  int     clip;             /* in counts per bin */
  float   lut_scale;        /* 255 / tile area */
  guint8 *luts;             /* tiles_y × tiles_x × 256 */
} ClaheGrid;

/* OpenCV's BORDER_REFLECT_101 index: …2 1 | 0 1 2 … n−1 | n−2 n−3… */
static int
reflect101 (int p, int n)
{
  if (n == 1)
    return 0;
  while (p < 0 || p >= n)
    p = p < 0 ? -p : 2 * (n - 1) - p;
  return p;
}

/* Clips a tile's histogram, redistributes the excess and turns the
 * cumulative counts into a LUT, as OpenCV's CLAHE_CalcLut_Body does. */
static void
histogram_to_lut (int hist[256], int clip, float scale, guint8 lut[256])
{
  int clipped = 0;
  for (int i = 0; i < 256; i++)
    if (hist[i] > clip)
      {
        clipped += hist[i] - clip;
        hist[i] = clip;
      }
  int batch = clipped / 256;
  int residual = clipped - batch * 256;
  for (int i = 0; i < 256; i++)
    hist[i] += batch;
  if (residual > 0)
    {
      int step = MAX (256 / residual, 1);
      for (int i = 0; i < 256 && residual > 0; i += step, residual--)
        hist[i]++;
    }

  int sum = 0;
  for (int i = 0; i < 256; i++)
    {
      sum += hist[i];
      /* sum ≤ area, so the product is at most 255 (plus rounding). */
      lut[i] = (guint8) MIN (fovea_round_even ((float) sum * scale), 255);
    }
}

/* Adds one row of the padded image to the histograms of a row of tiles.
 * pad_x maps the padded columns width.. to image columns. */
static void
accumulate_row (const guint8 *row, int width, const int *pad_x,
                const ClaheGrid *grid, int *hists)
{
  for (int tx = 0; tx < grid->tiles_x; tx++)
    {
      int *hist = hists + 256 * tx;
      int x0 = tx * grid->tile_w;
      int x1 = x0 + grid->tile_w;
      int inside = MIN (x1, width);
      for (int x = x0; x < inside; x++)
        hist[row[x]]++;
      for (int x = MAX (x0, width); x < x1; x++)
        hist[row[pad_x[x - width]]]++;
    }
}

static void
compute_luts (const guint8 *src, gsize stride, int width, int height,
              ClaheGrid *grid)
{
  int padded_w = grid->tiles_x * grid->tile_w;
  int *pad_x = g_new (int, padded_w - width + 1);
  for (int x = width; x < padded_w; x++)
    pad_x[x - width] = reflect101 (x, width);
  int *hists = g_new (int, 256 * (gsize) grid->tiles_x);

  for (int ty = 0; ty < grid->tiles_y; ty++)
    {
      memset (hists, 0, sizeof (int) * 256 * (gsize) grid->tiles_x);
      for (int py = ty * grid->tile_h; py < (ty + 1) * grid->tile_h; py++)
        accumulate_row (src + (gsize) reflect101 (py, height) * stride,
                        width, pad_x, grid, hists);
      for (int tx = 0; tx < grid->tiles_x; tx++)
        histogram_to_lut (hists + 256 * tx, grid->clip, grid->lut_scale,
                          grid->luts + 256 * ((gsize) ty * grid->tiles_x + tx));
    }
  g_free (hists);
  g_free (pad_x);
}

/* Tile-centre coordinates as OpenCV computes them: t = p/size − 0.5 in
 * single precision, split into the lower tile and its weight. */
static void
tile_position (int p, int size, int tiles, int *t0, int *t1, float *weight)
{
  float t = (float) p * (1.0f / (float) size) - 0.5f;
  int lower = (int) floorf (t);
  *weight = t - (float) lower;
  *t0 = MAX (lower, 0);
  *t1 = MIN (lower + 1, tiles - 1);
}

static void
interpolate (const guint8 *src, gsize src_stride, guint8 *dst, gsize dst_stride,
             int width, int height, const ClaheGrid *grid)
{
  /* Per column: offsets of the left and right LUTs and their weights. */
  int *left = g_new (int, 2 * (gsize) width);
  int *right = left + width;
  float *wx = g_new (float, 2 * (gsize) width);
  float *wx1 = wx + width;
  for (int x = 0; x < width; x++)
    {
      int t0, t1;
      tile_position (x, grid->tile_w, grid->tiles_x, &t0, &t1, &wx[x]);
      wx1[x] = 1.0f - wx[x];
      left[x] = 256 * t0;
      right[x] = 256 * t1;
    }

  for (int y = 0; y < height; y++)
    {
      int t0, t1;
      float wy;
      tile_position (y, grid->tile_h, grid->tiles_y, &t0, &t1, &wy);
      float wy1 = 1.0f - wy;
      const guint8 *top = grid->luts + 256 * (gsize) t0 * grid->tiles_x;
      const guint8 *bottom = grid->luts + 256 * (gsize) t1 * grid->tiles_x;
      const guint8 *s = src + (gsize) y * src_stride;
      guint8 *d = dst + (gsize) y * dst_stride;
      for (int x = 0; x < width; x++)
        {
          int v = s[x];
          float res = (top[left[x] + v] * wx1[x] + top[right[x] + v] * wx[x]) * wy1
                    + (bottom[left[x] + v] * wx1[x] + bottom[right[x] + v] * wx[x]) * wy;
          /* A convex mix of bytes: always within 0..255. */
          d[x] = (guint8) fovea_round_even (res);
        }
    }
  g_free (wx);
  g_free (left);
}

/* Equalises a width × height grey plane; dst may be src. */
static void
clahe_plane (const guint8 *src, gsize src_stride, guint8 *dst, gsize dst_stride,
             int width, int height, double clip_limit, int tiles_x, int tiles_y)
{
  ClaheGrid grid = { .tiles_x = tiles_x, .tiles_y = tiles_y };
  gboolean divides = width % tiles_x == 0 && height % tiles_y == 0;
  grid.tile_w = (width + (divides ? 0 : tiles_x - width % tiles_x)) / tiles_x;
  grid.tile_h = (height + (divides ? 0 : tiles_y - height % tiles_y)) / tiles_y;
  int area = grid.tile_w * grid.tile_h;
  grid.lut_scale = 255.0f / (float) area;
  grid.clip = MAX ((int) (clip_limit * area / 256), 1);
  grid.luts = g_new (guint8, 256 * (gsize) tiles_x * tiles_y);

  compute_luts (src, src_stride, width, height, &grid);
  interpolate (src, src_stride, dst, dst_stride, width, height, &grid);
  g_free (grid.luts);
}

static gboolean
check_parameters (const FoveaImage *image, double clip_limit,
                  int tiles_x, int tiles_y, GError **error)
{
  /* Written so that NaN fails too. */
  if (!(clip_limit > 0.0 && clip_limit <= 1e6))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "CLAHE clip limit must be positive, not %g", clip_limit);
      return FALSE;
    }
  if (tiles_x < 1 || tiles_y < 1 ||
      tiles_x > MAX_TILES_PER_AXIS || tiles_y > MAX_TILES_PER_AXIS)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "CLAHE tile grid %d×%d is invalid (1 to %d tiles per axis)",
                   tiles_x, tiles_y, MAX_TILES_PER_AXIS);
      return FALSE;
    }
  if (tiles_x > image->width || tiles_y > image->height)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "CLAHE tile grid %d×%d is finer than the %d×%d image",
                   tiles_x, tiles_y, image->width, image->height);
      return FALSE;
    }
  return TRUE;
}

FoveaImage *
fovea_enhance_clahe (const FoveaImage *image,
                     double            clip_limit,
                     int               tiles_x,
                     int               tiles_y,
                     GError          **error)
{
  g_return_val_if_fail (image != NULL, NULL);

  if (!check_parameters (image, clip_limit, tiles_x, tiles_y, error))
    return NULL;
  g_autoptr (FoveaImage) owned = NULL;
  const FoveaImage *src = fovea_enhance_source8 (image, &owned, error);
  if (src == NULL)
    return NULL;
  FoveaImage *out = fovea_image_new (src->width, src->height, src->channels, 8, error);
  if (out == NULL)
    return NULL;

  int w = src->width, h = src->height, n = src->channels;
  if (n == 1)
    {
      clahe_plane (src->data, src->stride, out->data, out->stride,
                   w, h, clip_limit, tiles_x, tiles_y);
      return out;
    }

  /* Grey+alpha and colour: equalise a lightness plane, then rebuild. */
  gsize pixels = (gsize) w * h;
  guint8 *plane = g_try_malloc (pixels);
  FoveaLabChroma *chroma = n > 2 ? g_try_new (FoveaLabChroma, pixels) : NULL;
  if (plane == NULL || (n > 2 && chroma == NULL))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory equalising a %d×%d image", w, h);
      g_free (plane);
      g_free (chroma);
      fovea_image_free (out);
      return NULL;
    }
  for (int y = 0; y < h; y++)
    {
      const guint8 *s = fovea_image_row (src, y);
      guint8 *p = plane + (gsize) y * w;
      if (n == 2)
        for (int x = 0; x < w; x++)
          p[x] = s[2 * x];
      else
        fovea_lab_split_row (s, n, p, chroma + (gsize) y * w, w);
    }
  clahe_plane (plane, w, plane, w, w, h, clip_limit, tiles_x, tiles_y);
  for (int y = 0; y < h; y++)
    {
      const guint8 *p = plane + (gsize) y * w;
      guint8 *d = fovea_image_row (out, y);
      if (n == 2)
        for (int x = 0; x < w; x++)
          d[2 * x] = p[x];
      else
        fovea_lab_join_row (p, chroma + (gsize) y * w, d, n, w);
    }
  g_free (chroma);
  g_free (plane);
  if (fovea_image_has_alpha (src))
    fovea_enhance_copy_alpha (src, out);
  return out;
}
