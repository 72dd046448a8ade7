/* fovea-quality-scores.c: sharpness and exposure inside the field of view,
 * at a normalised scale. */
#define G_LOG_DOMAIN "fovea-quality-scores"

#include "fovea-quality-scores.h"

#include <math.h>
#include <string.h>

#include "fovea-plane.h"

/* Share of the radius trimmed off the disc: its rim is dark and soft. */
#define FOV_EROSION 0.04
/* A normalised pixel counts as inside when the mask covers this much of it. */
#define MIN_MASK_COVER 0.99f
/* Luminance below this is not scaled up when normalising sharpness, so the
 * noise of a nearly black image does not pass for detail. */
#define MIN_SHARPNESS_MEAN 8.0

/* The image rectangle the FOV occupies, and the normalised size for it. */
typedef struct {
  int x, y, width, height;
  int out_width, out_height;
} AnalysisFrame;

static void
analysis_frame_init (AnalysisFrame *frame, const FoveaImage *image, const FoveaFov *fov)
{
  double diameter = MIN (image->width, image->height);
  *frame = (AnalysisFrame) { 0, 0, image->width, image->height, 0, 0 };
  if (fov->found)
    {
      int x1 = (int) CLAMP (ceil (fov->cx + fov->r), 1, image->width);
      int y1 = (int) CLAMP (ceil (fov->cy + fov->r), 1, image->height);
      frame->x = (int) CLAMP (floor (fov->cx - fov->r), 0, x1 - 1);
      frame->y = (int) CLAMP (floor (fov->cy - fov->r), 0, y1 - 1);
      frame->width = x1 - frame->x;
      frame->height = y1 - frame->y;
      diameter = 2.0 * fov->r;
    }
  double scale = MIN (1.0, FOVEA_QUALITY_NORMALISED_DIAMETER / diameter);
  frame->out_width = CLAMP ((int) lround (frame->width * scale), 1, frame->width);
  frame->out_height = CLAMP ((int) lround (frame->height * scale), 1, frame->height);
}

/* Which normalised pixels are measured: covered by the FOV mask and inside
 * the eroded circle. NULL when the allocation fails. */
static guint8 *
inside_new (const FoveaImage *image, const FoveaFov *fov, const AnalysisFrame *frame)
{
  gsize n = (gsize) frame->out_width * (gsize) frame->out_height;
  guint8 *inside = g_try_malloc (n);
  if (inside == NULL)
    return NULL;
  memset (inside, 1, n);
  if (!fov->found)
    return inside;

  guint8 *mask = fovea_fov_mask_new (image, fov);
  /* The mask as a grey image, so it shrinks to per-pixel coverage. */
  FoveaImage mask_image = { image->width, image->height, 1, 8, (gsize) image->width, mask };
  g_autoptr (FoveaPlane) cover = fovea_plane_new_area (&mask_image, FOVEA_PLANE_LUMINANCE,
                                                       frame->x, frame->y,
                                                       frame->width, frame->height,
                                                       frame->out_width, frame->out_height);
  g_free (mask);
  if (cover == NULL)
    {
      g_free (inside);
      return NULL;
    }

  double sx = (double) frame->width / frame->out_width;
  double sy = (double) frame->height / frame->out_height;
  double r = fov->r * (1.0 - FOV_EROSION);
  for (int j = 0; j < frame->out_height; j++)
    {
      double dy = frame->y + (j + 0.5) * sy - fov->cy;
      for (int i = 0; i < frame->out_width; i++)
        {
          double dx = frame->x + (i + 0.5) * sx - fov->cx;
          gsize k = (gsize) j * frame->out_width + i;
          inside[k] = cover->data[k] >= MIN_MASK_COVER && dx * dx + dy * dy <= r * r;
        }
    }
  return inside;
}

static void
measure_exposure (const FoveaPlane *lum, const guint8 *inside,
                  double dark_level, double bright_level, FoveaQualityScores *out)
{
  gsize n = (gsize) lum->width * (gsize) lum->height, count = 0, dark = 0, bright = 0;
  double sum = 0;
  for (gsize k = 0; k < n; k++)
    {
      if (!inside[k])
        continue;
      float v = lum->data[k];
      count++;
      sum += v;
      dark += v < dark_level;
      bright += v > bright_level;
    }
  if (count == 0)
    return;
  out->mean_luminance = sum / count;
  out->dark_fraction = (double) dark / count;
  out->bright_fraction = (double) bright / count;
}

/* Variance of the 4-neighbour Laplacian where a pixel and its neighbours
 * are all inside, scaled by (128 / mean)² so that exposure, which has its
 * own scores, does not pass for blur. */
static double
measure_sharpness (const FoveaPlane *lum, const guint8 *inside, double mean)
{
  int w = lum->width;
  gsize count = 0;
  double sum = 0, sum2 = 0;
  for (int y = 1; y + 1 < lum->height; y++)
    for (int x = 1; x + 1 < w; x++)
      {
        gsize k = (gsize) y * w + x;
        if (!(inside[k] && inside[k - 1] && inside[k + 1] && inside[k - w] && inside[k + w]))
          continue;
        const float *p = lum->data + k;
        double laplacian = p[-1] + p[1] + p[-w] + p[w] - 4.0 * p[0];
        sum += laplacian;
        sum2 += laplacian * laplacian;
        count++;
      }
  if (count == 0)
    return 0;
  double variance = MAX (sum2 / count - (sum / count) * (sum / count), 0.0);
  double gain = 128.0 / MAX (mean, MIN_SHARPNESS_MEAN);
  return variance * gain * gain;
}

void
fovea_quality_measure (const FoveaImage *image, const FoveaFov *fov,
                       double dark_level, double bright_level,
                       FoveaQualityScores *out_scores)
{
  *out_scores = (FoveaQualityScores) { 0, 0, 0, 0 };
  AnalysisFrame frame;
  analysis_frame_init (&frame, image, fov);
  g_autoptr (FoveaPlane) lum = fovea_plane_new_area (image, FOVEA_PLANE_LUMINANCE,
                                                     frame.x, frame.y, frame.width, frame.height,
                                                     frame.out_width, frame.out_height);
  guint8 *inside = lum ? inside_new (image, fov, &frame) : NULL;
  if (inside == NULL)
    return;
  measure_exposure (lum, inside, dark_level, bright_level, out_scores);
  out_scores->sharpness = measure_sharpness (lum, inside, out_scores->mean_luminance);
  g_free (inside);
}
