/* sample-draw.h: drawing helpers shared by the synthetic sample images:
 * seeded noise, blurs, per-pixel access to Cairo surfaces, and branching
 * vessel trees. Everything is driven by a GRand with a fixed seed, so the
 * pictures come out byte for byte the same on every build. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* ---- numbers ---- */

double sample_gauss        (GRand  *rand);
double sample_smoothstep   (double  edge0,
                            double  edge1,
                            double  x);
double sample_mix          (double  a,
                            double  b,
                            double  t);

/* ---- value noise: smooth, about -1..1, on a seeded 256×256 lattice ---- */

typedef struct SampleNoise SampleNoise;

SampleNoise *sample_noise_new  (GRand             *rand);
void         sample_noise_free (SampleNoise       *noise);
/* Fractal sum of `octaves` octaves; features are about 1 unit across. */
double       sample_noise_fbm  (const SampleNoise *noise,
                                double             x,
                                double             y,
                                int                octaves);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SampleNoise, sample_noise_free)

/* ---- pixels ---- */

/* Opaque ARGB32 / A8 surfaces; pixels are addressed through these so the
 * per-pixel passes read like formulas. Colour components are 0..1. */
cairo_surface_t *sample_surface_new (cairo_format_t   format,
                                     int              width,
                                     int              height);
guint32 *sample_argb_row   (cairo_surface_t *surface,
                            int              y);
guint8  *sample_a8_row     (cairo_surface_t *surface,
                            int              y);
guint32  sample_pack_rgb   (double           r,
                            double           g,
                            double           b);
void     sample_unpack_rgb (guint32          pixel,
                            double          *r,
                            double          *g,
                            double          *b);

/* Three box passes of the given radius over every channel: close to a
 * Gaussian of sigma ≈ radius. Works on ARGB32 and A8 surfaces. */
void     sample_blur_surface (cairo_surface_t *surface,
                              int              radius);

/* ---- vessel trees ---- */

typedef struct {
  float x0, y0, x1, y1;
  float width;
  int   depth_left;   /* the style's max_depth here: highest on the trunk */
} SampleSegment;

/* How a vessel grows. It is pulled along the ellipse around (cx, cy), in
 * the direction it starts in, and away from (radial > 0) or toward
 * (radial < 0) that centre; it wanders, tapers, and branches. */
typedef struct {
  double cx, cy;
  double aspect;         /* height / width of the ellipses it follows */
  double orbit;          /* weight of the pull around the centre */
  double radial;         /* weight of the pull outward (+) or inward (-) */
  double turn;           /* fraction of the heading error corrected per step */
  double wiggle;         /* random heading change per step, radians */
  double keep_out;       /* a vessel ends this close to the centre */
  double bound_x, bound_y, bound_r;  /* ... or when it leaves this circle */
  double quiet_x, quiet_y, quiet_r;  /* no branching inside this circle */
  double step;           /* segment length in pixels */
  double taper;          /* width factor per step */
  double min_width;      /* a vessel ends when it is thinner than this */
  double branch_every;   /* mean number of steps between branches */
  double branch_angle;   /* mean angle between a branch and its parent */
  double branch_ratio;   /* width of a branch relative to its parent */
  double branch_steer;   /* factor on `turn` for branches: how much less
                          * they follow the pull than their parent */
  int    max_depth;      /* branching generations */
} SampleVesselStyle;

/* Appends the segments of one vessel and its branches to `segments`. */
void sample_grow_vessel    (GArray                  *segments,
                            const SampleVesselStyle *style,
                            GRand                   *rand,
                            double                   x,
                            double                   y,
                            double                   heading,
                            double                   width);
/* Strokes every segment with round caps, widths scaled by width_scale,
 * in the current source and operator of cr. */
void sample_stroke_vessels (cairo_t                 *cr,
                            const GArray            *segments,
                            double                   width_scale);

G_END_DECLS
