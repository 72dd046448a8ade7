/* sample-draw.c: drawing helpers shared by the synthetic sample images. */
#define G_LOG_DOMAIN "sample-draw"

#include "sample-draw.h"

#include <math.h>

#define LATTICE 256

/* ---- numbers ---- */

double
sample_gauss (GRand *rand)
{
  /* Box-Muller; 1 - u keeps the logarithm finite. */
  double u = 1.0 - g_rand_double (rand);
  double v = g_rand_double (rand);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

double
sample_smoothstep (double edge0, double edge1, double x)
{
  double t = CLAMP ((x - edge0) / (edge1 - edge0), 0.0, 1.0);
  return t * t * (3.0 - 2.0 * t);
}

double
sample_mix (double a, double b, double t)
{
  return a + (b - a) * t;
}

/* ---- value noise ---- */

struct SampleNoise {
  float lattice[LATTICE * LATTICE];
};

SampleNoise *
sample_noise_new (GRand *rand)
{
  SampleNoise *noise = g_new (SampleNoise, 1);
  for (int i = 0; i < LATTICE * LATTICE; i++)
    noise->lattice[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  return noise;
}

void
sample_noise_free (SampleNoise *noise)
{
  g_free (noise);
}

static double
lattice_at (const SampleNoise *noise, int x, int y)
{
  return noise->lattice[(y & (LATTICE - 1)) * LATTICE + (x & (LATTICE - 1))];
}

static double
noise_at (const SampleNoise *noise, double x, double y)
{
  double fx = floor (x), fy = floor (y);
  int ix = (int) fx, iy = (int) fy;
  double tx = sample_smoothstep (0.0, 1.0, x - fx);
  double ty = sample_smoothstep (0.0, 1.0, y - fy);
  double top = sample_mix (lattice_at (noise, ix, iy), lattice_at (noise, ix + 1, iy), tx);
  double bottom = sample_mix (lattice_at (noise, ix, iy + 1),
                              lattice_at (noise, ix + 1, iy + 1), tx);
  return sample_mix (top, bottom, ty);
}

double
sample_noise_fbm (const SampleNoise *noise, double x, double y, int octaves)
{
  double sum = 0.0, amplitude = 1.0, total = 0.0, scale = 1.0;

  for (int o = 0; o < octaves; o++)
    {
      /* Each octave reads a different part of the lattice. */
      sum += amplitude * noise_at (noise, x * scale + 37.3 * o, y * scale + 71.9 * o);
      total += amplitude;
      amplitude *= 0.5;
      scale *= 2.0;
    }
  return sum / total * 1.6;
}

/* ---- pixels ---- */

cairo_surface_t *
sample_surface_new (cairo_format_t format, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (format, width, height);
  g_assert (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS);
  return surface;
}

guint32 *
sample_argb_row (cairo_surface_t *surface, int y)
{
  return (guint32 *) (gpointer) (cairo_image_surface_get_data (surface) +
                                 (gsize) y * cairo_image_surface_get_stride (surface));
}

guint8 *
sample_a8_row (cairo_surface_t *surface, int y)
{
  return cairo_image_surface_get_data (surface) +
         (gsize) y * cairo_image_surface_get_stride (surface);
}

static guint32
to_byte (double v)
{
  return (guint32) (CLAMP (v, 0.0, 1.0) * 255.0 + 0.5);
}

guint32
sample_pack_rgb (double r, double g, double b)
{
  return 0xff000000u | to_byte (r) << 16 | to_byte (g) << 8 | to_byte (b);
}

void
sample_unpack_rgb (guint32 pixel, double *r, double *g, double *b)
{
  *r = ((pixel >> 16) & 0xff) / 255.0;
  *g = ((pixel >> 8) & 0xff) / 255.0;
  *b = (pixel & 0xff) / 255.0;
}

/* One box pass along a line of n samples `pitch` bytes apart, edges
 * clamped, with a running sum so the cost does not depend on the radius. */
static void
box_line (guint8 *line, int n, gsize pitch, int radius, guint8 *copy)
{
  int window = 2 * radius + 1;
  int sum = 0;

  for (int i = 0; i < n; i++)
    copy[i] = line[i * pitch];
  for (int k = -radius; k <= radius; k++)
    sum += copy[CLAMP (k, 0, n - 1)];
  for (int i = 0; i < n; i++)
    {
      line[i * pitch] = (guint8) ((sum + window / 2) / window);
      sum += copy[MIN (i + radius + 1, n - 1)] - copy[MAX (i - radius, 0)];
    }
}

void
sample_blur_surface (cairo_surface_t *surface, int radius)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  gsize stride = (gsize) cairo_image_surface_get_stride (surface);
  gboolean a8 = cairo_image_surface_get_format (surface) == CAIRO_FORMAT_A8;
  int bytes = a8 ? 1 : 4;
  /* ARGB32 samples here are opaque: the alpha byte needs no blurring. */
  int channels = a8 ? 1 : 3;
  guint8 *data = cairo_image_surface_get_data (surface);
  g_autofree guint8 *copy = g_malloc (MAX (width, height));

  cairo_surface_flush (surface);
  for (int pass = 0; pass < 3; pass++)
    for (int c = 0; c < channels; c++)
      {
        for (int y = 0; y < height; y++)
          box_line (data + y * stride + c, width, bytes, radius, copy);
        for (int x = 0; x < width; x++)
          box_line (data + (gsize) x * bytes + c, height, stride, radius, copy);
      }
  cairo_surface_mark_dirty (surface);
}

/* ---- vessel trees ---- */

static double
angle_difference (double to, double from)
{
  return remainder (to - from, 2.0 * G_PI);
}

void
sample_grow_vessel (GArray *segments, const SampleVesselStyle *style, GRand *rand,
                    double x, double y, double heading, double width)
{
  /* Go round the centre in whichever direction the vessel starts in. */
  double sign = (x - style->cx) * style->aspect * sin (heading) -
                (y - style->cy) / style->aspect * cos (heading) >= 0 ? 1 : -1;

  for (int steps = 0; steps < 4000; steps++)
    {
      double dx = x - style->cx, dy = y - style->cy;
      double r = hypot (dx, dy);
      if (width < style->min_width || r < style->keep_out ||
          hypot (x - style->bound_x, y - style->bound_y) > style->bound_r)
        return;

      /* Tangent of the ellipse through (x, y), and the outward direction. */
      double tx = -dy / style->aspect, ty = dx * style->aspect;
      double tn = hypot (tx, ty);
      double want_x = style->orbit * sign * tx / tn + style->radial * dx / r;
      double want_y = style->orbit * sign * ty / tn + style->radial * dy / r;
      if (want_x != 0.0 || want_y != 0.0)
        heading += style->turn * angle_difference (atan2 (want_y, want_x), heading);
      heading += style->wiggle * sample_gauss (rand);

      double nx = x + style->step * cos (heading);
      double ny = y + style->step * sin (heading);
      SampleSegment segment = { (float) x, (float) y, (float) nx, (float) ny, (float) width,
                                style->max_depth };
      g_array_append_val (segments, segment);
      x = nx;
      y = ny;
      width *= style->taper;

      if (style->max_depth > 0 &&
          hypot (x - style->quiet_x, y - style->quiet_y) > style->quiet_r &&
          g_rand_double (rand) * style->branch_every < 1.0)
        {
          SampleVesselStyle child = *style;
          double side = g_rand_boolean (rand) ? 1.0 : -1.0;
          double angle = style->branch_angle * g_rand_double_range (rand, 0.6, 1.4);
          child.turn *= style->branch_steer;
          child.max_depth--;
          sample_grow_vessel (segments, &child, rand, x, y, heading + side * angle,
                              width * style->branch_ratio * g_rand_double_range (rand, 0.7, 1.1));
          /* The parent loses the flow the branch takes. */
          width *= 0.93;
        }
    }
}

void
sample_stroke_vessels (cairo_t *cr, const GArray *segments, double width_scale)
{
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < segments->len; i++)
    {
      const SampleSegment *s = &g_array_index (segments, SampleSegment, i);
      cairo_set_line_width (cr, s->width * width_scale);
      cairo_move_to (cr, s->x0, s->y0);
      cairo_line_to (cr, s->x1, s->y1);
      cairo_stroke (cr);
    }
}
