/* sample-fundus.c: colour fundus photograph look-alikes.
 *
 * Anatomy in disc diameters (DD), the clinician's ruler: the field of view
 * is about six DD across, the fovea sits 2.5 DD temporal to the disc and a
 * little below it, and the vascular arcades arch around the macula. The
 * retina is painted per pixel, lesions and vessels are drawn with Cairo on
 * top (vessels by multiplying, as blood absorbs light), and the black
 * surround of the camera's aperture is applied last. */
#define G_LOG_DOMAIN "sample-fundus"

#include "samples.h"
#include "sample-draw.h"

#include <math.h>

typedef struct {
  int    width, height;
  double cx, cy, fov_r;        /* field of view */
  double disc_x, disc_y, dd;   /* optic disc centre and diameter */
  double fovea_x, fovea_y;
  double temporal;             /* -1: fovea left of the disc (right eye); +1 */
  double px;                   /* pixels per pixel of the 1150-pixel field */
} FundusGeometry;

static FundusGeometry
fundus_geometry (int width, int height, double fov_r, gboolean right_eye)
{
  FundusGeometry g = {
    .width = width, .height = height,
    .cx = width / 2.0, .cy = height / 2.0, .fov_r = fov_r,
  };
  g.dd = fov_r / 3.0;
  g.temporal = right_eye ? -1.0 : 1.0;
  g.disc_x = g.cx - g.temporal * 1.25 * g.dd;
  g.disc_y = g.cy - 0.12 * g.dd;
  g.fovea_x = g.cx + g.temporal * 1.25 * g.dd;
  g.fovea_y = g.cy + 0.15 * g.dd;
  g.px = fov_r / 575.0;
  return g;
}

/* ---- the retina ---- */

/* Orange-pink neuroretinal rim, brighter toward the pale yellow cup. */
static void
disc_colour (const FundusGeometry *g, double x, double y, double rho, double grain,
             double *r, double *gr, double *b)
{
  /* The cup is a paler, slightly temporal hollow in the rim. */
  double cup_x = g->disc_x + g->temporal * 0.06 * g->dd;
  double rho_cup = hypot ((x - cup_x) / (0.2 * g->dd), (y - g->disc_y) / (0.23 * g->dd));
  double cup = sample_smoothstep (1.0, 0.5, rho_cup);
  double rim = (1.0 + 0.03 * grain) * (1.0 - 0.12 * rho * rho);

  *r = sample_mix (0.97 * rim, 1.0, cup);
  *gr = sample_mix (0.64 * rim, 0.88, cup);
  *b = sample_mix (0.36 * rim, 0.62, cup);
}

static void
paint_retina (cairo_surface_t *surface, const FundusGeometry *g, const SampleNoise *noise)
{
  cairo_surface_flush (surface);
  for (int y = 0; y < g->height; y++)
    {
      guint32 *row = sample_argb_row (surface, y);
      for (int x = 0; x < g->width; x++)
        {
          double d = hypot (x - g->cx, y - g->cy) / g->fov_r;
          if (d > 1.01)
            {
              row[x] = 0xff000000u;
              continue;
            }

          /* Illumination falls off toward the edge of the field. */
          double d2 = d * d;
          double light = 1.0 - 0.28 * d2 - 0.3 * d2 * d2 * d2 * d2;
          double choroid = sample_noise_fbm (noise, x / (9.0 * g->px), y / (9.0 * g->px), 3);
          double mottle = sample_noise_fbm (noise, x / (45.0 * g->px) + 200, y / (45.0 * g->px), 2);
          double grain = sample_noise_fbm (noise, x / (4.0 * g->px) + 500, y / (4.0 * g->px), 1);
          double uneven = sample_noise_fbm (noise, x / (400.0 * g->px) + 900, y / (400.0 * g->px), 1);
          /* The periphery is redder than the posterior pole. */
          double pole = 1.0 - 0.25 * sample_smoothstep (0.3, 1.0, d);
          double r = 0.84 * light * (1 + 0.03 * choroid + 0.03 * mottle + 0.06 * uneven);
          double gr = 0.36 * light * pole * (1 + 0.05 * choroid + 0.04 * mottle + 0.02 * grain
                                             + 0.05 * uneven);
          double b = 0.13 * light * pole * (1 + 0.07 * choroid + 0.05 * mottle + 0.04 * grain);

          /* Macular pigment darkens the centre; the foveal pit reflects. */
          double fd = hypot (x - g->fovea_x, y - g->fovea_y);
          double macula = exp (-(fd * fd) / (2.0 * pow (0.36 * g->dd, 2)));
          double reflex = exp (-(fd * fd) / (2.0 * pow (3.0 * g->px, 2)));
          r = r * (1 - 0.20 * macula) + 0.10 * reflex;
          gr = gr * (1 - 0.38 * macula) + 0.10 * reflex;
          b = b * (1 - 0.30 * macula) + 0.08 * reflex;

          /* The disc, a vertical oval with a pale halo around it. */
          double rho = hypot ((x - g->disc_x) / (0.5 * g->dd), (y - g->disc_y) / (0.54 * g->dd));
          double halo = 1.0 + 0.08 * sample_smoothstep (1.6, 1.0, rho);
          double inside = sample_smoothstep (1.0, 0.78, rho + 0.03 * mottle);
          double dr, dg, db;
          disc_colour (g, x, y, rho, grain, &dr, &dg, &db);
          r = sample_mix (r * halo, dr, inside);
          gr = sample_mix (gr * halo, dg, inside);
          b = sample_mix (b * halo, db, inside);

          row[x] = sample_pack_rgb (r, gr, b);
        }
    }
  cairo_surface_mark_dirty (surface);
}

/* ---- vessels ---- */

static SampleVesselStyle
arcade_style (const FundusGeometry *g)
{
  SampleVesselStyle style = {
    .cx = g->fovea_x, .cy = g->fovea_y, .aspect = 0.55,
    .orbit = 1.0, .radial = 0.03, .turn = 0.08, .wiggle = 0.04,
    .keep_out = 0.4 * g->dd,
    .bound_x = g->cx, .bound_y = g->cy, .bound_r = g->fov_r + 8 * g->px,
    .quiet_x = g->disc_x, .quiet_y = g->disc_y, .quiet_r = 0.6 * g->dd,
    .step = 4.0 * g->px, .taper = 0.995, .min_width = 1.3 * g->px,
    .branch_every = 30, .branch_angle = 0.8, .branch_ratio = 0.6,
    .branch_steer = 0.2, .max_depth = 3,
  };
  return style;
}

/* Blood absorbs: each tree multiplies the picture by its transmission.
 * Light crosses more blood through the middle of a vessel than near its
 * walls (the chord of a cylinder), so nested strokes darken inward;
 * arteries also show a thin central light reflex. */
static void
paint_vessel_tree (cairo_t *cr, const GArray *tree, const double core[3],
                   gboolean light_reflex)
{
  enum { LEVELS = 4 };

  cairo_push_group (cr);
  for (int k = 0; k < LEVELS; k++)
    {
      double inner = 1.0 - (k + 1.0) / LEVELS;
      double depth = sqrt (1.0 - inner * inner);
      cairo_set_source_rgb (cr, pow (core[0], depth), pow (core[1], depth),
                            pow (core[2], depth));
      sample_stroke_vessels (cr, tree, 1.0 - (double) k / LEVELS);
    }
  if (light_reflex)
    {
      cairo_set_source_rgb (cr, pow (core[0], 0.4), pow (core[1], 0.4), pow (core[2], 0.4));
      sample_stroke_vessels (cr, tree, 0.15);
    }
  cairo_pop_group_to_source (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_MULTIPLY);
  cairo_paint (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
}

/* Small branches leave the arcade trunks for the macula and end at the
 * rim of the foveal avascular zone. */
static void
add_macular_twigs (GArray *tree, const FundusGeometry *g, const SampleVesselStyle *arcade,
                   GRand *rand)
{
  SampleVesselStyle twig = *arcade;
  twig.orbit = 0.0;
  twig.radial = -1.0;
  twig.turn = 0.03;
  twig.wiggle = 0.04;
  twig.taper = 0.988;
  twig.max_depth = 1;

  guint n_trunk = tree->len;
  for (int added = 0, tries = 0; added < 6 && tries < 1000; tries++)
    {
      const SampleSegment *s =
        &g_array_index (tree, SampleSegment, g_rand_int_range (rand, 0, (gint32) n_trunk));
      double from_fovea = hypot (s->x0 - g->fovea_x, s->y0 - g->fovea_y) / g->dd;
      double from_disc = hypot (s->x0 - g->disc_x, s->y0 - g->disc_y) / g->dd;
      if (s->depth_left != arcade->max_depth || from_fovea < 1.0 || from_fovea > 2.2 ||
          from_disc < 1.2)
        continue;

      double heading = atan2 (g->fovea_y - s->y0, g->fovea_x - s->x0) + 0.35 * sample_gauss (rand);
      sample_grow_vessel (tree, &twig, rand, s->x0, s->y0, heading,
                          MIN (s->width * 0.5, g_rand_double_range (rand, 2.0, 3.2) * g->px));
      added++;
    }
}

static void
draw_vessels (cairo_surface_t *surface, const FundusGeometry *g, GRand *rand)
{
  g_autoptr (GArray) veins = g_array_new (FALSE, FALSE, sizeof (SampleSegment));
  g_autoptr (GArray) arteries = g_array_new (FALSE, FALSE, sizeof (SampleSegment));
  SampleVesselStyle arcade = arcade_style (g);
  SampleVesselStyle nasal = arcade;
  nasal.orbit = 0.3;
  nasal.radial = 1.0;
  nasal.turn = 0.03;

  double t = g->temporal, up = -G_PI / 2, down = G_PI / 2;
  /* heading, width in pixels of the 1150-pixel field, style, vein? */
  const struct { double heading, width; const SampleVesselStyle *style; gboolean vein; } trunks[] = {
    { up + t * 0.5, 13.0, &arcade, TRUE },
    { down - t * 0.45, 13.5, &arcade, TRUE },
    { up + t * 0.15, 9.5, &arcade, FALSE },
    { down - t * 0.1, 9.5, &arcade, FALSE },
    { up - t * 0.5, 8.5, &nasal, TRUE },
    { down + t * 0.55, 8.0, &nasal, TRUE },
    { up - t * 0.9, 6.5, &nasal, FALSE },
    { down + t * 0.95, 6.5, &nasal, FALSE },
    { G_PI / 2 - t * G_PI / 2 + 0.1, 6.0, &nasal, TRUE },
    { G_PI / 2 - t * G_PI / 2 - 0.15, 5.0, &nasal, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (trunks); i++)
    {
      double h = trunks[i].heading;
      double off = 0.05 * g->dd;
      sample_grow_vessel (trunks[i].vein ? veins : arteries, trunks[i].style, rand,
                          g->disc_x + off * cos (h), g->disc_y + off * sin (h),
                          h, trunks[i].width * g->px);
    }

  add_macular_twigs (veins, g, &arcade, rand);
  add_macular_twigs (arteries, g, &arcade, rand);

  static const double vein[3] = { 0.5, 0.24, 0.36 };
  static const double artery[3] = { 0.72, 0.46, 0.56 };
  cairo_t *cr = cairo_create (surface);
  paint_vessel_tree (cr, arteries, artery, TRUE);
  paint_vessel_tree (cr, veins, vein, FALSE);
  cairo_destroy (cr);
}

/* ---- lesions of diabetic retinopathy ---- */

/* A soft round spot: full colour in the middle, fading out at radius r. */
static void
spot (cairo_t *cr, double x, double y, double r, double red, double green,
      double blue, double alpha, double hardness)
{
  cairo_pattern_t *p = cairo_pattern_create_radial (x, y, 0, x, y, r);
  cairo_pattern_add_color_stop_rgba (p, 0.0, red, green, blue, alpha);
  cairo_pattern_add_color_stop_rgba (p, hardness, red, green, blue, alpha);
  cairo_pattern_add_color_stop_rgba (p, 1.0, red, green, blue, 0.0);
  cairo_set_source (cr, p);
  cairo_arc (cr, x, y, r, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_pattern_destroy (p);
}

/* A random point of the posterior pole: between inner and outer DD from
 * the fovea, clear of the disc. */
static void
pick_pole_point (const FundusGeometry *g, GRand *rand, double inner, double outer,
                 double *x, double *y)
{
  do
    {
      double a = g_rand_double_range (rand, 0, 2 * G_PI);
      double r = g->dd * sqrt (g_rand_double_range (rand, inner * inner, outer * outer));
      *x = g->fovea_x + r * cos (a);
      *y = g->fovea_y + r * sin (a);
    }
  while (hypot (*x - g->disc_x, *y - g->disc_y) < 0.9 * g->dd ||
         hypot (*x - g->cx, *y - g->cy) > 0.85 * g->fov_r);
}

static void
microaneurysm (cairo_t *cr, const FundusGeometry *g, GRand *rand, double x, double y)
{
  spot (cr, x, y, g_rand_double_range (rand, 3.0, 5.0) * g->px, 0.45, 0.05, 0.04, 0.95, 0.6);
}

static void
draw_haemorrhages (cairo_t *cr, const FundusGeometry *g, GRand *rand)
{
  for (int i = 0; i < 9; i++)
    {
      double x, y;
      pick_pole_point (g, rand, 0.6, 2.6, &x, &y);
      double size = g_rand_double_range (rand, 8.0, 18.0) * g->px;
      /* Blots are irregular: a few overlapping lobes. */
      for (int lobe = 0; lobe < 4; lobe++)
        spot (cr, x + 0.45 * size * sample_gauss (rand), y + 0.45 * size * sample_gauss (rand),
              size * g_rand_double_range (rand, 0.6, 1.0), 0.40, 0.04, 0.03, 0.8, 0.55);
    }
  for (int i = 0; i < 30; i++)
    {
      double x, y;
      pick_pole_point (g, rand, 0.5, 2.8, &x, &y);
      microaneurysm (cr, g, rand, x, y);
    }
}

static void
exudate (cairo_t *cr, const FundusGeometry *g, GRand *rand, double x, double y, double size)
{
  double r = size * g->px;
  spot (cr, x, y, r, 0.90, 0.76, 0.34, 0.9, 0.6);
  /* Waxy: a small highlight off-centre. */
  spot (cr, x - 0.25 * r, y - 0.25 * r, 0.4 * r, 1.0, 0.93, 0.66, 0.5, 0.3);
}

static void
draw_exudates (cairo_t *cr, const FundusGeometry *g, GRand *rand)
{
  /* A circinate ring around a group of leaking microaneurysms, supero-
   * temporal to the fovea. */
  double ring_x = g->fovea_x + g->temporal * 0.75 * g->dd;
  double ring_y = g->fovea_y - 0.65 * g->dd;
  double ring_r = 0.42 * g->dd;
  for (int i = 0; i < 46; i++)
    {
      double a = g_rand_double_range (rand, 0, 2 * G_PI);
      double r = ring_r * (1 + 0.1 * sample_gauss (rand));
      exudate (cr, g, rand, ring_x + r * cos (a), ring_y + r * sin (a),
               g_rand_double_range (rand, 2.0, 5.5));
    }
  for (int i = 0; i < 7; i++)
    microaneurysm (cr, g, rand, ring_x + 0.4 * ring_r * sample_gauss (rand),
                   ring_y + 0.4 * ring_r * sample_gauss (rand));

  /* And a few scattered clusters. */
  for (int c = 0; c < 4; c++)
    {
      double x, y;
      pick_pole_point (g, rand, 0.8, 2.4, &x, &y);
      for (int i = 0; i < 8; i++)
        exudate (cr, g, rand, x + 14 * g->px * sample_gauss (rand),
                 y + 14 * g->px * sample_gauss (rand), g_rand_double_range (rand, 2.0, 5.0));
    }
}

static void
draw_cotton_wool_spots (cairo_t *cr, const FundusGeometry *g, GRand *rand)
{
  for (int i = 0; i < 4; i++)
    {
      /* Near the disc and along the arcades, where nerve fibres are thick. */
      double a = g_rand_double_range (rand, -2.2, -0.9) * (i % 2 ? 1 : -1);
      double r = g->dd * g_rand_double_range (rand, 0.9, 1.7);
      double x = g->disc_x + g->temporal * r * fabs (cos (a)) * 0.6;
      double y = g->disc_y + r * sin (a);
      double size = g_rand_double_range (rand, 28.0, 40.0) * g->px;

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rotate (cr, a);
      cairo_scale (cr, 1.0, 0.6);
      for (int lobe = 0; lobe < 8; lobe++)
        spot (cr, 0.35 * size * sample_gauss (rand), 0.35 * size * sample_gauss (rand),
              size * g_rand_double_range (rand, 0.5, 0.9), 0.93, 0.84, 0.72, 0.28, 0.1);
      cairo_restore (cr);
    }
}

static void
draw_lesions (cairo_surface_t *surface, const FundusGeometry *g, GRand *rand)
{
  cairo_t *cr = cairo_create (surface);
  draw_haemorrhages (cr, g, rand);
  draw_exudates (cr, g, rand);
  draw_cotton_wool_spots (cr, g, rand);
  cairo_destroy (cr);
}

/* ---- the camera ---- */

/* Black outside the circular aperture, with an antialiased edge, and a
 * little sensor noise everywhere. */
static void
mask_field_of_view (cairo_surface_t *surface, const FundusGeometry *g, GRand *rand)
{
  cairo_surface_flush (surface);
  for (int y = 0; y < g->height; y++)
    {
      guint32 *row = sample_argb_row (surface, y);
      for (int x = 0; x < g->width; x++)
        {
          double open = CLAMP (g->fov_r - hypot (x - g->cx, y - g->cy) + 0.5, 0.0, 1.0);
          double r, gr, b;
          sample_unpack_rgb (row[x], &r, &gr, &b);
          double noise = g_rand_double_range (rand, -0.01, 0.01);
          row[x] = sample_pack_rgb (r * open + noise + 0.008, gr * open + noise + 0.008,
                                    b * open + noise + 0.008);
        }
    }
  cairo_surface_mark_dirty (surface);
}

static cairo_surface_t *
draw_fundus (int width, int height, double fov_r, gboolean right_eye,
             gboolean diabetic, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (SampleNoise) noise = sample_noise_new (rand);
  FundusGeometry g = fundus_geometry (width, height, fov_r, right_eye);
  cairo_surface_t *surface = sample_surface_new (CAIRO_FORMAT_ARGB32, width, height);

  paint_retina (surface, &g, noise);
  if (diabetic)
    draw_lesions (surface, &g, rand);
  draw_vessels (surface, &g, rand);
  mask_field_of_view (surface, &g, rand);
  return surface;
}

cairo_surface_t *
sample_fundus_healthy (guint32 seed)
{
  return draw_fundus (1600, 1200, 575, TRUE, FALSE, seed);
}

cairo_surface_t *
sample_fundus_lesions (guint32 seed)
{
  return draw_fundus (2000, 2000, 900, FALSE, TRUE, seed);
}

cairo_surface_t *
sample_fundus_blurred (cairo_surface_t *photo)
{
  int width = cairo_image_surface_get_width (photo);
  int height = cairo_image_surface_get_height (photo);
  cairo_surface_t *surface = sample_surface_new (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_surface (cr, photo, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);

  /* Strong defocus (sigma ≈ 1 % of the width), then a dim, hazy exposure;
   * the aperture edge itself stays sharp, as the camera's own mask does. */
  sample_blur_surface (surface, width / 100);
  cairo_surface_flush (photo);
  cairo_surface_flush (surface);
  for (int y = 0; y < height; y++)
    {
      const guint32 *sharp = sample_argb_row (photo, y);
      guint32 *row = sample_argb_row (surface, y);
      for (int x = 0; x < width; x++)
        {
          double r, g, b, sr, sg, sb;
          sample_unpack_rgb (row[x], &r, &g, &b);
          sample_unpack_rgb (sharp[x], &sr, &sg, &sb);
          double open = sample_smoothstep (0.02, 0.06, MAX (sr, MAX (sg, sb)));
          row[x] = sample_pack_rgb (open * (0.05 + 0.5 * r), open * (0.04 + 0.5 * g),
                                    open * (0.03 + 0.5 * b));
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}
