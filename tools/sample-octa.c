/* sample-octa.c: a 3 mm × 3 mm en-face OCT angiogram of the superficial
 * capillary plexus around the fovea, as the OCTA-500 3M scans show it
 * (304×304, 10 µm a pixel): bright flow signal in large vessels that come
 * in from the edges and in a fine capillary mesh, a dark avascular zone of
 * about 0.5 mm at the centre, and the speckle of the flow signal. */
#define G_LOG_DOMAIN "sample-octa"

#include "samples.h"
#include "sample-draw.h"

#include <math.h>

#define SIZE 304

typedef struct {
  double radius;
  double amplitude[2];
  double phase[2];
} AvascularZone;

static double
zone_radius (const AvascularZone *faz, double x, double y)
{
  double a = atan2 (y - SIZE / 2.0, x - SIZE / 2.0);
  return faz->radius * (1 + faz->amplitude[0] * sin (3 * a + faz->phase[0])
                          + faz->amplitude[1] * sin (5 * a + faz->phase[1]));
}

static gboolean
in_zone (const AvascularZone *faz, double x, double y)
{
  return hypot (x - SIZE / 2.0, y - SIZE / 2.0) < zone_radius (faz, x, y);
}

/* Capillaries: the edges of a jittered grid, a few missing, none inside
 * the avascular zone. */
static void
draw_capillaries (cairo_t *cr, const AvascularZone *faz, GRand *rand)
{
  enum { CELL = 6, N = SIZE / CELL + 2 };
  double nx[N][N], ny[N][N];

  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++)
      {
        nx[j][i] = i * CELL + 0.35 * CELL * sample_gauss (rand);
        ny[j][i] = j * CELL + 0.35 * CELL * sample_gauss (rand);
      }

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int j = 0; j < N - 1; j++)
    for (int i = 0; i < N - 1; i++)
      for (int l = 0; l < 2; l++)
        {
          int j2 = j + l, i2 = i + 1 - l;
          if (g_rand_double (rand) < 0.25 ||
              in_zone (faz, nx[j][i], ny[j][i]) || in_zone (faz, nx[j2][i2], ny[j2][i2]))
            continue;
          double v = g_rand_double_range (rand, 0.4, 0.75);
          cairo_set_source_rgb (cr, v, v, v);
          cairo_set_line_width (cr, g_rand_double_range (rand, 0.8, 1.3));
          cairo_move_to (cr, nx[j][i], ny[j][i]);
          cairo_line_to (cr, nx[j2][i2], ny[j2][i2]);
          cairo_stroke (cr);
        }
}

/* Arterioles and venules enter from the edges and end at the rim of the
 * avascular zone, branching as they go. */
static void
draw_large_vessels (cairo_t *cr, const AvascularZone *faz, GRand *rand)
{
  g_autoptr (GArray) vessels = g_array_new (FALSE, FALSE, sizeof (SampleSegment));
  SampleVesselStyle style = {
    .cx = SIZE / 2.0, .cy = SIZE / 2.0, .aspect = 1.0,
    .orbit = 0.25, .radial = -1.0, .turn = 0.05, .wiggle = 0.05,
    .keep_out = faz->radius * 1.8,
    .bound_x = SIZE / 2.0, .bound_y = SIZE / 2.0, .bound_r = SIZE * 0.75,
    .step = 2.0, .taper = 0.995, .min_width = 1.0,
    .branch_every = 22, .branch_angle = 0.75, .branch_ratio = 0.75,
    .branch_steer = 1.0, .max_depth = 3,
  };

  for (int i = 0; i < 7; i++)
    {
      double a = i * 2 * G_PI / 7 + 0.25 * sample_gauss (rand);
      double r = SIZE * 0.72;
      double x = SIZE / 2.0 + r * cos (a), y = SIZE / 2.0 + r * sin (a);
      sample_grow_vessel (vessels, &style, rand, x, y, a + G_PI + 0.2 * sample_gauss (rand),
                          g_rand_double_range (rand, 3.0, 4.5));
    }

  cairo_set_source_rgba (cr, 0.8, 0.8, 0.8, 0.35);
  sample_stroke_vessels (cr, vessels, 1.6);
  cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
  sample_stroke_vessels (cr, vessels, 1.0);
}

/* Flow signal is speckled: multiplicative noise, plus a faint noise floor. */
static void
add_speckle (cairo_surface_t *surface, GRand *rand)
{
  cairo_surface_flush (surface);
  for (int y = 0; y < SIZE; y++)
    {
      guint32 *row = sample_argb_row (surface, y);
      for (int x = 0; x < SIZE; x++)
        {
          double v, unused_g, unused_b;
          sample_unpack_rgb (row[x], &v, &unused_g, &unused_b);
          v = v * g_rand_double_range (rand, 0.7, 1.2) + 0.06 * g_rand_double (rand);
          row[x] = sample_pack_rgb (v, v, v);
        }
    }
  cairo_surface_mark_dirty (surface);
}

cairo_surface_t *
sample_octa (guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  AvascularZone faz = { .radius = 25.0 };
  for (int k = 0; k < 2; k++)
    {
      faz.amplitude[k] = g_rand_double_range (rand, 0.05, 0.12);
      faz.phase[k] = g_rand_double_range (rand, 0, 2 * G_PI);
    }

  cairo_surface_t *surface = sample_surface_new (CAIRO_FORMAT_ARGB32, SIZE, SIZE);
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 0.03, 0.03, 0.03);
  cairo_paint (cr);
  draw_capillaries (cr, &faz, rand);
  draw_large_vessels (cr, &faz, rand);
  cairo_destroy (cr);

  sample_blur_surface (surface, 1);
  add_speckle (surface, rand);
  return surface;
}
