/* fovea-seg-patch.c: sampling and augmenting segmentation patches (see the
 * header for the steps and their order). */
#define G_LOG_DOMAIN "fovea-seg-patch"

#include "fovea-seg-patch.h"

#include <math.h>
#include <string.h>

/* "segpatch": the stream of patch draws. */
#define SEG_PATCH_STREAM ((guint64) 0x7365677061746368)

void
fovea_seg_augment_init (FoveaSegAugment *aug, FoveaSegAugmentMode mode, int side)
{
  *aug = (FoveaSegAugment) {
    .mode = mode, .side = side, .lesion_fraction = 0.5,
    .rotate_degrees = 15, .scale_range = 0.1,
    .gain = 0.1, .brightness = 0.25, .contrast = 0.3, .saturation = 0.3, .gamma = 0.4,
    .gradient = 0.3, .blur_prob = 0.3, .blur_sigma_max = 1.5,
    .noise_prob = 0.3, .noise_sigma_max = 0.03,
    .mean = { 0.5f, 0.5f, 0.5f }, .std = { 0.5f, 0.5f, 0.5f },
  };
}

gboolean
fovea_seg_augment_parse_mode (const char *name, FoveaSegAugmentMode *out)
{
  if (g_strcmp0 (name, "domain") == 0)
    *out = FOVEA_SEG_AUGMENT_DOMAIN;
  else if (g_strcmp0 (name, "plain") == 0)
    *out = FOVEA_SEG_AUGMENT_PLAIN;
  else if (g_strcmp0 (name, "none") == 0)
    *out = FOVEA_SEG_AUGMENT_NONE;
  else
    return FALSE;
  return TRUE;
}

static double
gaussian (FoveaTrainRng *rng)
{
  double u = fovea_train_rng_uniform (rng), v = fovea_train_rng_uniform (rng);
  return sqrt (-2.0 * log (1.0 - u)) * cos (2 * G_PI * v);
}

/* The patch's centre in image coordinates (continuous). */
static void
draw_centre (const FoveaSegAugment *aug, const FoveaSegSample *s, int n_labels,
             FoveaTrainRng *rng, double *cx, double *cy)
{
  if (fovea_train_rng_uniform (rng) < aug->lesion_fraction)
    {
      int present[FOVEA_SEG_DATA_MAX_LABELS], n = 0;
      for (int c = 0; c < n_labels; c++)
        if (s->positives[c]->len > 0)
          present[n++] = c;
      if (n > 0)
        {
          GArray *pos = s->positives[present[fovea_train_rng_below (rng, n)]];
          guint32 at = g_array_index (pos, guint32, fovea_train_rng_below (rng, pos->len));
          *cx = at % s->width + 0.5;
          *cy = at / s->width + 0.5;
          return;
        }
    }
  *cx = fovea_train_rng_range (rng, s->fov_box[0], s->fov_box[2]);
  *cy = fovea_train_rng_range (rng, s->fov_box[1], s->fov_box[3]);
}

static float
bilinear (const guint8 *rgb, int w, int h, double x, double y, int c)
{
  x -= 0.5, y -= 0.5;
  int x0 = (int) floor (x), y0 = (int) floor (y);
  double fx = x - x0, fy = y - y0, sum = 0;
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        int xi = x0 + i, yj = y0 + j;
        if (xi < 0 || yj < 0 || xi >= w || yj >= h)
          continue;
        double wt = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
        sum += wt * rgb[((gsize) yj * w + xi) * 3 + c];
      }
  return (float) (sum / 255.0);
}

/* A separable Gaussian blur of one side × side plane, edges clamped. */
static void
blur_plane (float *plane, float *tmp, int side, double sigma)
{
  int radius = (int) ceil (3 * sigma);
  float kernel[32];
  radius = MIN (radius, 15);
  double total = 0;
  for (int k = -radius; k <= radius; k++)
    total += kernel[k + radius] = (float) exp (-0.5 * k * k / (sigma * sigma));
  for (int k = 0; k <= 2 * radius; k++)
    kernel[k] /= (float) total;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        float v = 0;
        for (int k = -radius; k <= radius; k++)
          v += kernel[k + radius] * plane[y * side + CLAMP (x + k, 0, side - 1)];
        tmp[y * side + x] = v;
      }
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        float v = 0;
        for (int k = -radius; k <= radius; k++)
          v += kernel[k + radius] * tmp[CLAMP (y + k, 0, side - 1) * side + x];
        plane[y * side + x] = v;
      }
}

/* The photometric steps on 3 planes of values in 0 … 1. */
static void
domain_augment (const FoveaSegAugment *aug, float *rgb, int side, FoveaTrainRng *rng)
{
  gsize n = (gsize) side * side;
  double gain[3], grey_mean = 0;
  for (int c = 0; c < 3; c++)
    gain[c] = 1 + fovea_train_rng_range (rng, -aug->gain, aug->gain);
  double brightness = 1 + fovea_train_rng_range (rng, -aug->brightness, aug->brightness);
  double contrast = 1 + fovea_train_rng_range (rng, -aug->contrast, aug->contrast);
  double saturation = 1 + fovea_train_rng_range (rng, -aug->saturation, aug->saturation);
  double gamma = exp (fovea_train_rng_range (rng, -log1p (aug->gamma), log1p (aug->gamma)));
  double ramp = fovea_train_rng_range (rng, -aug->gradient, aug->gradient);
  double angle = fovea_train_rng_range (rng, 0, 2 * G_PI);
  gboolean blur = fovea_train_rng_uniform (rng) < aug->blur_prob;
  double sigma = fovea_train_rng_range (rng, 0.3, MAX (0.3, aug->blur_sigma_max));
  gboolean noise = fovea_train_rng_uniform (rng) < aug->noise_prob;
  double noise_sigma = fovea_train_rng_range (rng, 0, aug->noise_sigma_max);

  for (int c = 0; c < 3; c++)
    for (gsize i = 0; i < n; i++)
      rgb[c * n + i] *= (float) (gain[c] * brightness);
  for (gsize i = 0; i < n; i++)
    grey_mean += 0.299 * rgb[i] + 0.587 * rgb[n + i] + 0.114 * rgb[2 * n + i];
  grey_mean /= n;
  double ca = cos (angle), sa = sin (angle), half = side / 2.0;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        gsize i = (gsize) y * side + x;
        float *p[3] = { &rgb[i], &rgb[n + i], &rgb[2 * n + i] };
        double grey = 0.299 * *p[0] + 0.587 * *p[1] + 0.114 * *p[2];
        double light = 1 + ramp * ((x + 0.5 - half) * ca + (y + 0.5 - half) * sa) / half;
        for (int c = 0; c < 3; c++)
          {
            double v = grey + saturation * (*p[c] - grey);
            v = grey_mean + contrast * (v - grey_mean);
            v = pow (CLAMP (v, 0.0, 1.0), gamma) * light;
            *p[c] = (float) CLAMP (v, 0.0, 1.0);
          }
      }
  if (blur)
    {
      g_autofree float *tmp = g_new (float, n);
      for (int c = 0; c < 3; c++)
        blur_plane (rgb + c * n, tmp, side, sigma);
    }
  if (noise)
    for (gsize i = 0; i < 3 * n; i++)
      rgb[i] = (float) CLAMP (rgb[i] + noise_sigma * gaussian (rng), 0.0, 1.0);
}

void
fovea_seg_patch_make (const FoveaSegAugment *aug, const GPtrArray *samples, int n_labels,
                      guint64 seed, gint64 epoch, gint64 index, float *pixels, float *targets,
                      float *fov)
{
  FoveaTrainRng rng;
  fovea_train_rng_seed (&rng, seed, SEG_PATCH_STREAM, epoch, index);
  const FoveaSegSample *s = samples->pdata[fovea_train_rng_below (&rng, samples->len)];
  int side = aug->side;
  gsize n = (gsize) side * side, plane = (gsize) s->width * s->height;
  double cx, cy;
  draw_centre (aug, s, n_labels, &rng, &cx, &cy);

  /* Patch offsets (a, b) map to the image offsets m · (a, b). */
  double m[4] = { 1, 0, 0, 1 };
  if (aug->mode != FOVEA_SEG_AUGMENT_NONE)
    {
      double fx = fovea_train_rng_uniform (&rng) < 0.5 ? -1 : 1;
      double fy = fovea_train_rng_uniform (&rng) < 0.5 ? -1 : 1;
      int turns = (int) fovea_train_rng_below (&rng, 4);
      double theta = fovea_train_rng_range (&rng, -aug->rotate_degrees, aug->rotate_degrees)
                     * G_PI / 180 + turns * G_PI / 2;
      double zoom = exp (fovea_train_rng_range (&rng, log1p (-aug->scale_range),
                                                log1p (aug->scale_range)));
      double c = cos (theta) * zoom, sn = sin (theta) * zoom;
      m[0] = c * fx, m[1] = -sn * fy, m[2] = sn * fx, m[3] = c * fy;
    }

  for (int v = 0; v < side; v++)
    for (int u = 0; u < side; u++)
      {
        double a = u + 0.5 - side / 2.0, b = v + 0.5 - side / 2.0;
        double x = cx + m[0] * a + m[1] * b, y = cy + m[2] * a + m[3] * b;
        gsize o = (gsize) v * side + u;
        for (int c = 0; c < 3; c++)
          pixels[c * n + o] = bilinear (s->rgb, s->width, s->height, x, y, c);
        int xi = (int) floor (x), yi = (int) floor (y);
        gboolean inside = xi >= 0 && yi >= 0 && xi < s->width && yi < s->height;
        gsize at = inside ? (gsize) yi * s->width + xi : 0;
        fov[o] = inside && s->fov[at] ? 1.0f : 0.0f;
        for (int c = 0; c < n_labels; c++)
          targets[o * n_labels + c] = inside && s->masks[plane * c + at] ? 1.0f : 0.0f;
      }
  if (aug->mode == FOVEA_SEG_AUGMENT_DOMAIN)
    domain_augment (aug, pixels, side, &rng);
  for (int c = 0; c < 3; c++)
    for (gsize i = 0; i < n; i++)
      pixels[c * n + i] = (pixels[c * n + i] - aug->mean[c]) / aug->std[c];
}

float *
fovea_seg_sample_pixels (const FoveaSegSample *s, const float mean[3], const float std[3])
{
  gsize n = (gsize) s->width * s->height;
  float *out = g_new (float, 3 * n);
  for (gsize i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      out[c * n + i] = (s->rgb[i * 3 + c] / 255.0f - mean[c]) / std[c];
  return out;
}
