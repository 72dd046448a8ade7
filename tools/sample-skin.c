/* sample-skin.c: a dermoscopy look-alike of a benign pigmented naevus:
 * textured skin with creases and a few hairs, an irregular brown lesion
 * with a darker reticular pigment network and some globules, seen through
 * the round window of a contact dermatoscope. */
#define G_LOG_DOMAIN "sample-skin"

#include "samples.h"
#include "sample-draw.h"

#include <math.h>

#define WIDTH  1024
#define HEIGHT 768
#define N_HARMONICS 4

typedef struct {
  double cx, cy, radius;
  double amplitude[N_HARMONICS];
  double phase[N_HARMONICS];
} LesionOutline;

/* Distance from the centre to the border in direction a, in pixels. */
static double
outline_radius (const LesionOutline *o, double a)
{
  double r = 1.0;
  for (int k = 0; k < N_HARMONICS; k++)
    r += o->amplitude[k] * sin ((k + 2) * a + o->phase[k]);
  return o->radius * r;
}

static void
outline_path (cairo_t *cr, const LesionOutline *o, double scale)
{
  for (int i = 0; i < 360; i++)
    {
      double a = i * G_PI / 180.0;
      double r = scale * outline_radius (o, a);
      cairo_line_to (cr, o->cx + r * cos (a), o->cy + r * sin (a));
    }
  cairo_close_path (cr);
}

static cairo_surface_t *
lesion_mask (const LesionOutline *o)
{
  cairo_surface_t *mask = sample_surface_new (CAIRO_FORMAT_A8, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (mask);
  outline_path (cr, o, 1.0);
  cairo_fill (cr);
  cairo_destroy (cr);
  /* A naevus border fades over a few pixels. */
  sample_blur_surface (mask, 5);
  return mask;
}

/* The pigment network: brown lines along the borders of cells around
 * jittered sites (a Worley pattern), which gives the honeycomb of a
 * reticular naevus. */
enum { NET_CELL = 17, NET_COLS = WIDTH / NET_CELL + 1, NET_ROWS = HEIGHT / NET_CELL + 1 };

typedef struct {
  double x[NET_ROWS][NET_COLS];
  double y[NET_ROWS][NET_COLS];
} NetworkSites;

static NetworkSites *
network_sites_new (GRand *rand)
{
  NetworkSites *sites = g_new (NetworkSites, 1);
  for (int j = 0; j < NET_ROWS; j++)
    for (int i = 0; i < NET_COLS; i++)
      {
        sites->x[j][i] = (i + g_rand_double_range (rand, 0.1, 0.9)) * NET_CELL;
        sites->y[j][i] = (j + g_rand_double_range (rand, 0.1, 0.9)) * NET_CELL;
      }
  return sites;
}

/* 1 on a cell border, fading to 0 within a few pixels of it. */
static double
network_at (const NetworkSites *sites, double x, double y)
{
  int ci = (int) (x / NET_CELL), cj = (int) (y / NET_CELL);
  double f1 = G_MAXDOUBLE, f2 = G_MAXDOUBLE;

  for (int j = MAX (cj - 1, 0); j <= MIN (cj + 1, NET_ROWS - 1); j++)
    for (int i = MAX (ci - 1, 0); i <= MIN (ci + 1, NET_COLS - 1); i++)
      {
        double d = hypot (x - sites->x[j][i], y - sites->y[j][i]);
        if (d < f1)
          {
            f2 = f1;
            f1 = d;
          }
        else if (d < f2)
          f2 = d;
      }
  return sample_smoothstep (6.0, 0.5, f2 - f1);
}

/* Fine creases of the skin surface, in two main directions. */
static cairo_surface_t *
crease_mask (GRand *rand)
{
  cairo_surface_t *mask = sample_surface_new (CAIRO_FORMAT_A8, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (mask);

  cairo_set_line_width (cr, 1.6);
  for (int i = 0; i < 90; i++)
    {
      double a = (i % 2 ? 0.5 : 2.2) + 0.15 * sample_gauss (rand);
      double x = g_rand_double_range (rand, 0, WIDTH), y = g_rand_double_range (rand, 0, HEIGHT);
      double len = g_rand_double_range (rand, 80, 300);
      cairo_set_source_rgba (cr, 0, 0, 0, g_rand_double_range (rand, 0.3, 0.8));
      cairo_move_to (cr, x, y);
      cairo_curve_to (cr, x + len * 0.33 * cos (a + 0.1), y + len * 0.33 * sin (a + 0.1),
                      x + len * 0.66 * cos (a - 0.1), y + len * 0.66 * sin (a - 0.1),
                      x + len * cos (a), y + len * sin (a));
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  sample_blur_surface (mask, 1);
  return mask;
}

static void
paint_skin_and_lesion (cairo_surface_t *surface, const LesionOutline *o,
                       const SampleNoise *noise, GRand *rand)
{
  cairo_surface_t *lesion = lesion_mask (o);
  g_autofree NetworkSites *sites = network_sites_new (rand);
  cairo_surface_t *creases = crease_mask (rand);
  /* An eccentric darker area, as in many naevi. */
  double dark_x = o->cx + 0.25 * o->radius, dark_y = o->cy - 0.15 * o->radius;

  cairo_surface_flush (surface);
  for (int y = 0; y < HEIGHT; y++)
    {
      guint32 *row = sample_argb_row (surface, y);
      const guint8 *les = sample_a8_row (lesion, y);
      const guint8 *crease = sample_a8_row (creases, y);
      for (int x = 0; x < WIDTH; x++)
        {
          double tone = 1 + 0.025 * sample_noise_fbm (noise, x / 70.0, y / 70.0, 3)
                          + 0.025 * sample_noise_fbm (noise, x / 3.0 + 300, y / 3.0, 1);
          double redness = 0.035 * sample_noise_fbm (noise, x / 160.0 + 700, y / 160.0, 2);
          double fold = 1 - 0.07 * crease[x] / 255.0;
          double r = (0.89 + redness) * tone * fold;
          double g = 0.70 * tone * fold;
          double b = 0.61 * tone * fold;

          double m = les[x] / 255.0;
          if (m == 0.0)
            {
              row[x] = sample_pack_rgb (r, g, b);
              continue;
            }

          double rho = hypot (x - o->cx, y - o->cy) / outline_radius (o, atan2 (y - o->cy, x - o->cx));
          /* The network is strongest inside and fades toward the rim. */
          double net = network_at (sites, x, y) * (0.3 + 0.7 * sample_smoothstep (1.0, 0.6, rho))
                       * (0.75 + 0.25 * sample_noise_fbm (noise, x / 30.0, y / 30.0 + 400, 2));
          double mottle = 1 + 0.08 * sample_noise_fbm (noise, x / 22.0 + 1100, y / 22.0, 3);
          double dark = exp (-(pow (x - dark_x, 2) + pow (y - dark_y, 2)) / (2 * pow (0.3 * o->radius, 2)));
          double shade = mottle * (1 - 0.28 * dark)
                         * (1 - 0.42 * net);
          double t = sample_smoothstep (0.0, 1.0, rho);
          double lr = sample_mix (0.45, 0.70, t) * shade;
          double lg = sample_mix (0.25, 0.46, t) * shade;
          double lb = sample_mix (0.13, 0.31, t) * shade;

          row[x] = sample_pack_rgb (sample_mix (r, lr, m), sample_mix (g, lg, m), sample_mix (b, lb, m));
        }
    }
  cairo_surface_mark_dirty (surface);
  cairo_surface_destroy (lesion);
  cairo_surface_destroy (creases);
}

static void
draw_globules (cairo_t *cr, const LesionOutline *o, GRand *rand)
{
  for (int i = 0; i < 22; i++)
    {
      double a = g_rand_double_range (rand, 0, 2 * G_PI);
      double r = 0.6 * outline_radius (o, a) * sqrt (g_rand_double (rand));
      double x = o->cx + r * cos (a), y = o->cy + r * sin (a);
      double size = g_rand_double_range (rand, 3.0, 7.0);
      cairo_pattern_t *p = cairo_pattern_create_radial (x, y, 0, x, y, size);
      cairo_pattern_add_color_stop_rgba (p, 0.0, 0.25, 0.13, 0.08, 0.9);
      cairo_pattern_add_color_stop_rgba (p, 1.0, 0.25, 0.13, 0.08, 0.0);
      cairo_set_source (cr, p);
      cairo_arc (cr, x, y, size, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_pattern_destroy (p);
    }
}

static void
draw_hairs (cairo_t *cr, GRand *rand)
{
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < 7; i++)
    {
      double x = g_rand_double_range (rand, 0, WIDTH), y = g_rand_double_range (rand, 0, HEIGHT);
      double a = g_rand_double_range (rand, 0, 2 * G_PI);
      double len = g_rand_double_range (rand, 250, 600);
      double bend = 0.4 * sample_gauss (rand);
      cairo_set_line_width (cr, g_rand_double_range (rand, 2.5, 4.0));
      cairo_set_source_rgba (cr, 0.13, 0.08, 0.06, 0.92);
      cairo_move_to (cr, x, y);
      cairo_curve_to (cr, x + len * 0.4 * cos (a + bend), y + len * 0.4 * sin (a + bend),
                      x + len * 0.7 * cos (a + bend), y + len * 0.7 * sin (a + bend),
                      x + len * cos (a), y + len * sin (a));
      cairo_stroke (cr);
    }
}

/* The dermatoscope's round window: dark beyond its rim. */
static void
apply_dermatoscope_window (cairo_surface_t *surface)
{
  double radius = 0.6 * WIDTH;

  cairo_surface_flush (surface);
  for (int y = 0; y < HEIGHT; y++)
    {
      guint32 *row = sample_argb_row (surface, y);
      for (int x = 0; x < WIDTH; x++)
        {
          double d = hypot (x - WIDTH / 2.0, y - HEIGHT / 2.0);
          double open = sample_smoothstep (radius, radius - 60, d);
          double r, g, b;
          sample_unpack_rgb (row[x], &r, &g, &b);
          row[x] = sample_pack_rgb (r * open, g * open, b * open);
        }
    }
  cairo_surface_mark_dirty (surface);
}

cairo_surface_t *
sample_skin_naevus (guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (SampleNoise) noise = sample_noise_new (rand);
  LesionOutline outline = { .cx = WIDTH * 0.5, .cy = HEIGHT * 0.52, .radius = 185 };
  for (int k = 0; k < N_HARMONICS; k++)
    {
      outline.amplitude[k] = g_rand_double_range (rand, 0.03, 0.11) / (1 + 0.4 * k);
      outline.phase[k] = g_rand_double_range (rand, 0, 2 * G_PI);
    }

  cairo_surface_t *surface = sample_surface_new (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  paint_skin_and_lesion (surface, &outline, noise, rand);

  cairo_t *cr = cairo_create (surface);
  draw_globules (cr, &outline, rand);
  draw_hairs (cr, rand);
  cairo_destroy (cr);

  apply_dermatoscope_window (surface);
  return surface;
}
