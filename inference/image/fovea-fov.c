/* fovea-fov.c: detecting the circular field of view of a fundus photograph,
 * its mask, and the square crop around it. */
#define G_LOG_DOMAIN "fovea-fov"

#include "fovea-fov.h"

#include <math.h>
#include <string.h>

#include "fovea-circle-fit.h"
#include "fovea-plane.h"

/* Detection works on a copy at most this many pixels across. */
#define ANALYSIS_SIZE 512
/* Consecutive bright samples that make an edge: lone noisy pixels do not. */
#define EDGE_RUN 3
/* Percentiles of brightness taken as the surround and the disc levels. */
#define SURROUND_PERCENTILE 0.02
#define DISC_PERCENTILE 0.90
/* Where between those two levels the threshold lies. */
#define THRESHOLD_POSITION 0.3
/* Below this difference of levels (0..255) there is no disc to separate. */
#define MIN_CONTRAST 6.0
#define HISTOGRAM_BINS 1024
/* Acceptance of a detected disc: the surround must exist, be dark, and the
 * disc must fill a fair share of its circle. */
#define MIN_SURROUND_SHARE 0.01
#define MAX_BRIGHT_SURROUND 0.05
#define MIN_DETECTED_COVERAGE 0.25
#define MIN_INLIER_SHARE 0.3
#define MIN_RADIUS_SHARE 0.15
#define MIN_DETECT_SIZE 32

void
fovea_fov_init_whole_image (const FoveaImage *image, FoveaFov *out_fov)
{
  *out_fov = (FoveaFov) {
    .found = FALSE,
    .cx = image->width / 2.0,
    .cy = image->height / 2.0,
    .r = MAX (image->width, image->height) / 2.0,
    .area_fraction = 1.0,
    .coverage = 1.0,
    .cutoff = 0.0,
    .threshold = 0.0,
  };
}

/* Index (in scan order) of the first of `run` consecutive samples at or
 * above threshold along p[0], p[step], ..., p[(n-1)·step]; -1 if none. */
static int
find_run (const float *p, ptrdiff_t step, int n, float threshold)
{
  int count = 0;
  for (int i = 0; i < n; i++)
    {
      if (p[i * step] < threshold)
        count = 0;
      else if (++count == EDGE_RUN)
        return i - EDGE_RUN + 1;
    }
  return -1;
}

/* The surround and disc levels from the brightness histogram, and the
 * threshold between them; FALSE when they are too close to tell apart. */
static gboolean
choose_threshold (const FoveaPlane *plane, float *out_threshold)
{
  guint *histogram = g_new0 (guint, HISTOGRAM_BINS);
  gsize n = (gsize) plane->width * (gsize) plane->height;
  for (gsize i = 0; i < n; i++)
    {
      int bin = (int) (plane->data[i] * (HISTOGRAM_BINS / 256.0f));
      histogram[CLAMP (bin, 0, HISTOGRAM_BINS - 1)]++;
    }

  double levels[2] = { -1, -1 };
  const double quantiles[2] = { SURROUND_PERCENTILE, DISC_PERCENTILE };
  gsize seen = 0;
  for (int bin = 0, q = 0; bin < HISTOGRAM_BINS && q < 2; bin++)
    {
      seen += histogram[bin];
      while (q < 2 && seen >= quantiles[q] * n)
        levels[q++] = (bin + 0.5) * (256.0 / HISTOGRAM_BINS);
    }
  g_free (histogram);

  if (levels[1] - levels[0] < MIN_CONTRAST)
    return FALSE;
  *out_threshold = (float) (levels[0] + THRESHOLD_POSITION * (levels[1] - levels[0]));
  return TRUE;
}

/* Where, in sample units from the scan's first sample centre, brightness
 * crosses the threshold just before the first bright run; -1 when the run
 * starts at the frame (the disc is cut there, not bounded) or is absent. */
static double
edge_position (const float *p, ptrdiff_t step, int n, float threshold)
{
  int i = find_run (p, step, n, threshold);
  if (i <= 0)
    return -1;
  float before = p[(i - 1) * step], after = p[i * step];
  double t = after > before ? (threshold - before) / (after - before) : 0.5;
  return i - 1 + CLAMP (t, 0.0, 1.0);
}

static void
add_point (GArray *points, double x, double y)
{
  g_array_append_val (points, x);
  g_array_append_val (points, y);
}

/* The disc's outline: the first edge met from each side along every row
 * and column, in full-resolution image coordinates. */
static GArray *
collect_edge_points (const FoveaPlane *plane, float threshold, double sx, double sy)
{
  int w = plane->width, h = plane->height;
  GArray *points = g_array_new (FALSE, FALSE, sizeof (double));
  for (int y = 0; y < h; y++)
    {
      const float *row = fovea_plane_row (plane, y);
      double from_left = edge_position (row, 1, w, threshold);
      double from_right = edge_position (row + w - 1, -1, w, threshold);
      if (from_left >= 0)
        add_point (points, (from_left + 0.5) * sx, (y + 0.5) * sy);
      if (from_right >= 0)
        add_point (points, (w - 0.5 - from_right) * sx, (y + 0.5) * sy);
    }
  for (int x = 0; x < w; x++)
    {
      const float *top = plane->data + x;
      const float *bottom = fovea_plane_row (plane, h - 1) + x;
      double from_top = edge_position (top, w, h, threshold);
      double from_bottom = edge_position (bottom, -(ptrdiff_t) w, h, threshold);
      if (from_top >= 0)
        add_point (points, (x + 0.5) * sx, (from_top + 0.5) * sy);
      if (from_bottom >= 0)
        add_point (points, (x + 0.5) * sx, (h - 0.5 - from_bottom) * sy);
    }
  return points;
}

/* Finds the bright span [*first, *last] of row[0..n-1]: from the first
 * bright run to the last one. FALSE when the row has no bright run. */
static gboolean
bright_span (const float *row, int n, float threshold, int *first, int *last)
{
  int from_left = find_run (row, 1, n, threshold);
  if (from_left < 0)
    return FALSE;
  *first = from_left;
  *last = n - 1 - find_run (row + n - 1, -1, n, threshold);
  return TRUE;
}

/* Area of the circle, summed as one chord per pixel row (the midpoint
 * rule); only the part inside a width × height frame when clip is set. */
static double
circle_area (double cx, double cy, double r, int width, int height, gboolean clip)
{
  double area = 0;
  int y0 = (int) floor (cy - r), y1 = (int) ceil (cy + r);
  if (clip)
    {
      y0 = MAX (y0, 0);
      y1 = MIN (y1, height);
    }
  for (int y = y0; y < y1; y++)
    {
      double dy = y + 0.5 - cy;
      if (fabs (dy) >= r)
        continue;
      double half = sqrt (r * r - dy * dy);
      double a = cx - half, b = cx + half;
      if (clip)
        {
          a = MAX (a, 0.0);
          b = MIN (b, (double) width);
        }
      area += MAX (b - a, 0.0);
    }
  return area;
}

/* Counts, on the analysis plane, what decides whether a fitted circle is
 * a real FOV: its pixels in the frame, the bright region's pixels within
 * it, and the surround outside it (and how much of that is bright). */
typedef struct {
  gsize in_circle;
  gsize in_mask;
  gsize surround;
  gsize bright_surround;
} FovCounts;

static void
count_on_plane (const FoveaPlane *plane, float threshold, double sx, double sy,
                const FoveaCircle *c, FovCounts *counts)
{
  /* Soft edges and the fit's tolerance: a band that is neither. */
  double margin = 2.0 * MAX (sx, sy) + 0.01 * c->r;
  double inner2 = c->r * c->r;
  double outer2 = (c->r + margin) * (c->r + margin);
  memset (counts, 0, sizeof *counts);
  for (int y = 0; y < plane->height; y++)
    {
      const float *row = fovea_plane_row (plane, y);
      int first = 0, last = -1;
      bright_span (row, plane->width, threshold, &first, &last);
      double dy = (y + 0.5) * sy - c->cy;
      for (int x = 0; x < plane->width; x++)
        {
          double dx = (x + 0.5) * sx - c->cx;
          double d2 = dx * dx + dy * dy;
          if (d2 <= inner2)
            {
              counts->in_circle++;
              counts->in_mask += x >= first && x <= last;
            }
          else if (d2 > outer2)
            {
              counts->surround++;
              counts->bright_surround += row[x] >= threshold;
            }
        }
    }
}

void
fovea_fov_detect (const FoveaImage *image, FoveaFov *out_fov)
{
  int w = image->width, h = image->height;
  fovea_fov_init_whole_image (image, out_fov);
  if (w < MIN_DETECT_SIZE || h < MIN_DETECT_SIZE)
    return;

  double scale = MIN (1.0, (double) ANALYSIS_SIZE / MAX (w, h));
  int pw = MAX ((int) lround (w * scale), 1), ph = MAX ((int) lround (h * scale), 1);
  g_autoptr (FoveaPlane) plane = fovea_plane_new_area (image, FOVEA_PLANE_MAX_CHANNEL,
                                                       0, 0, w, h, pw, ph);
  float threshold;
  if (plane == NULL || !choose_threshold (plane, &threshold))
    return;

  double sx = (double) w / pw, sy = (double) h / ph;
  GArray *points = collect_edge_points (plane, threshold, sx, sy);
  guint n_points = points->len / 2;
  FoveaCircle c;
  gboolean fitted = fovea_circle_fit_robust ((const double *) (gpointer) points->data,
                                             n_points, 1.5 * MAX (sx, sy),
                                             MIN_RADIUS_SHARE * MIN (w, h),
                                             hypot (w, h), &c);
  g_array_unref (points);
  if (!fitted || c.n_inliers < MIN_INLIER_SHARE * n_points)
    return;

  FovCounts counts;
  count_on_plane (plane, threshold, sx, sy, &c, &counts);
  gsize n_plane = (gsize) pw * (gsize) ph;
  double coverage = counts.in_circle ? (double) counts.in_mask / counts.in_circle : 0;
  if (counts.surround < MIN_SURROUND_SHARE * n_plane ||
      counts.bright_surround > MAX_BRIGHT_SURROUND * counts.surround ||
      coverage < MIN_DETECTED_COVERAGE)
    return;

  out_fov->found = TRUE;
  out_fov->cx = c.cx;
  out_fov->cy = c.cy;
  out_fov->r = c.r;
  out_fov->area_fraction = (double) counts.in_mask / n_plane;
  out_fov->coverage = MIN (coverage, 1.0);
  out_fov->cutoff = CLAMP (1.0 - circle_area (c.cx, c.cy, c.r, w, h, TRUE) /
                                 circle_area (c.cx, c.cy, c.r, w, h, FALSE), 0.0, 1.0);
  out_fov->threshold = threshold;
}

guint8 *
fovea_fov_mask_new (const FoveaImage *image, const FoveaFov *fov)
{
  int w = image->width, h = image->height;
  gsize n = (gsize) w * (gsize) h;
  if (!fov->found)
    {
      guint8 *all = g_malloc (n);
      memset (all, 1, n);
      return all;
    }

  guint8 *mask = g_malloc0 (n);
  float *line = g_new (float, w);
  for (int y = 0; y < h; y++)
    {
      double dy = y + 0.5 - fov->cy;
      if (fabs (dy) > fov->r)
        continue;
      /* Pixels whose centres lie on the chord. */
      double half = sqrt (fov->r * fov->r - dy * dy);
      int x0 = MAX ((int) ceil (fov->cx - half - 0.5), 0);
      int x1 = MIN ((int) floor (fov->cx + half - 0.5), w - 1);
      if (x1 < x0)
        continue;
      fovea_plane_read_row (image, FOVEA_PLANE_MAX_CHANNEL, y, x0, x1 - x0 + 1, line);
      int first, last;
      if (bright_span (line, x1 - x0 + 1, (float) fov->threshold, &first, &last))
        memset (mask + (gsize) y * w + x0 + first, 1, (gsize) (last - first + 1));
    }
  g_free (line);
  return mask;
}

/* Sets every alpha sample of an image with alpha to its maximum. */
static void
make_opaque (FoveaImage *image)
{
  gsize bpp = fovea_image_bytes_per_pixel (image);
  gsize sample = bpp / (gsize) image->channels;
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++)
        memset (row + (gsize) x * bpp + bpp - sample, 0xff, sample);
    }
}

FoveaImage *
fovea_fov_crop_square (const FoveaImage *image, const FoveaFov *fov, GError **error)
{
  double side_f = round (2.0 * fov->r);
  if (!(side_f >= 1.0 && side_f <= G_MAXINT &&
        fabs (fov->cx) < G_MAXINT && fabs (fov->cy) < G_MAXINT))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "Cannot crop to a field of view of radius %g at (%g, %g)",
                   fov->r, fov->cx, fov->cy);
      return NULL;
    }
  int side = (int) side_f;
  FoveaImage *out = fovea_image_new (side, side, image->channels, image->bit_depth, error);
  if (out == NULL)
    return NULL;
  if (fovea_image_has_alpha (out))
    make_opaque (out);

  /* The square's origin in image coordinates; the overlap is copied. */
  gint64 ox = llround (fov->cx - side / 2.0), oy = llround (fov->cy - side / 2.0);
  gint64 x0 = MAX (ox, 0), x1 = MIN (ox + side, (gint64) image->width);
  gint64 y0 = MAX (oy, 0), y1 = MIN (oy + side, (gint64) image->height);
  gsize bpp = fovea_image_bytes_per_pixel (image);
  for (gint64 y = y0; y < y1 && x0 < x1; y++)
    memcpy (fovea_image_row (out, (int) (y - oy)) + (gsize) (x0 - ox) * bpp,
            fovea_image_row (image, (int) y) + (gsize) x0 * bpp,
            (gsize) (x1 - x0) * bpp);
  return out;
}
