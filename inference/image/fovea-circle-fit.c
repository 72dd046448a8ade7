/* fovea-circle-fit.c: RANSAC plus least-squares circle fitting. */
#define G_LOG_DOMAIN "fovea-circle-fit"

#include "fovea-circle-fit.h"

#include <math.h>

#define RANSAC_ITERATIONS 300
#define REFINE_ROUNDS 4
/* Fixed so that the same image always gives the same circle. */
#define RANSAC_SEED 0x5eed

/* The band around a circle that holds its inliers, as squared distances
 * from the centre, so the hot loop needs no square roots. */
typedef struct {
  double cx, cy, lo2, hi2;
} Band;

static Band
band_of (const FoveaCircle *c, double tolerance)
{
  double t = MAX (tolerance, 0.01 * c->r);
  double lo = MAX (c->r - t, 0.0), hi = c->r + t;
  return (Band) { c->cx, c->cy, lo * lo, hi * hi };
}

static gboolean
in_band (const Band *b, const double *p)
{
  double dx = p[0] - b->cx, dy = p[1] - b->cy, d2 = dx * dx + dy * dy;
  return d2 >= b->lo2 && d2 <= b->hi2;
}

static guint
count_inliers (const double *xy, guint n, double tolerance, const FoveaCircle *c)
{
  Band b = band_of (c, tolerance);
  guint count = 0;
  for (guint i = 0; i < n; i++)
    count += in_band (&b, xy + 2 * i);
  return count;
}

/* The circle through three points; FALSE when they are (nearly) collinear. */
static gboolean
circle_through (const double *p, const double *q, const double *s, FoveaCircle *out)
{
  double d = 2.0 * (p[0] * (q[1] - s[1]) + q[0] * (s[1] - p[1]) + s[0] * (p[1] - q[1]));
  if (fabs (d) < 1e-9)
    return FALSE;
  double pp = p[0] * p[0] + p[1] * p[1];
  double qq = q[0] * q[0] + q[1] * q[1];
  double ss = s[0] * s[0] + s[1] * s[1];
  out->cx = (pp * (q[1] - s[1]) + qq * (s[1] - p[1]) + ss * (p[1] - q[1])) / d;
  out->cy = (pp * (s[0] - q[0]) + qq * (p[0] - s[0]) + ss * (q[0] - p[0])) / d;
  out->r = hypot (p[0] - out->cx, p[1] - out->cy);
  return TRUE;
}

static double
det3 (double a, double b, double c,
      double d, double e, double f,
      double g, double h, double i)
{
  return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
}

/* Algebraic (Kåsa) least-squares fit of x² + y² + Dx + Ey + F = 0 to the
 * inliers of `c`, on coordinates centred at their mean for conditioning. */
static gboolean
refit_inliers (const double *xy, guint n, double tolerance, FoveaCircle *c)
{
  Band b = band_of (c, tolerance);
  double mx = 0, my = 0;
  guint m = 0;
  for (guint i = 0; i < n; i++)
    if (in_band (&b, xy + 2 * i))
      {
        mx += xy[2 * i];
        my += xy[2 * i + 1];
        m++;
      }
  if (m < 3)
    return FALSE;
  mx /= m;
  my /= m;

  double suu = 0, suv = 0, svv = 0, su = 0, sv = 0, szu = 0, szv = 0, sz = 0;
  for (guint i = 0; i < n; i++)
    {
      if (!in_band (&b, xy + 2 * i))
        continue;
      double u = xy[2 * i] - mx, v = xy[2 * i + 1] - my, z = u * u + v * v;
      suu += u * u; suv += u * v; svv += v * v;
      su += u; sv += v;
      szu += z * u; szv += z * v; sz += z;
    }
  double det = det3 (suu, suv, su, suv, svv, sv, su, sv, m);
  if (fabs (det) < 1e-12)
    return FALSE;
  double dd = det3 (-szu, suv, su, -szv, svv, sv, -sz, sv, m) / det;
  double ee = det3 (suu, -szu, su, suv, -szv, sv, su, -sz, m) / det;
  double ff = det3 (suu, suv, -szu, suv, svv, -szv, su, sv, -sz) / det;
  double r2 = (dd * dd + ee * ee) / 4.0 - ff;
  if (r2 <= 0)
    return FALSE;
  c->cx = mx - dd / 2.0;
  c->cy = my - ee / 2.0;
  c->r = sqrt (r2);
  return TRUE;
}

gboolean
fovea_circle_fit_robust (const double *xy, guint n, double tolerance,
                         double min_r, double max_r, FoveaCircle *out_circle)
{
  if (n < 3)
    return FALSE;

  GRand *rand = g_rand_new_with_seed (RANSAC_SEED);
  FoveaCircle best = { 0, 0, 0, 0 };
  for (int it = 0; it < RANSAC_ITERATIONS; it++)
    {
      guint a = g_rand_int_range (rand, 0, (gint32) n);
      guint b = g_rand_int_range (rand, 0, (gint32) n);
      guint s = g_rand_int_range (rand, 0, (gint32) n);
      FoveaCircle c;
      if (a == b || b == s || a == s ||
          !circle_through (xy + 2 * a, xy + 2 * b, xy + 2 * s, &c) ||
          c.r < min_r || c.r > max_r)
        continue;
      c.n_inliers = count_inliers (xy, n, tolerance, &c);
      if (c.n_inliers > best.n_inliers)
        best = c;
    }
  g_rand_free (rand);
  if (best.n_inliers < 3)
    return FALSE;

  /* The consensus set is refined by least squares, which can move the
   * circle enough to gain or lose points, so it is iterated a few times. */
  for (int round = 0; round < REFINE_ROUNDS; round++)
    {
      FoveaCircle refined = best;
      if (!refit_inliers (xy, n, tolerance, &refined) ||
          refined.r < min_r || refined.r > max_r)
        break;
      best = refined;
    }
  best.n_inliers = count_inliers (xy, n, tolerance, &best);
  *out_circle = best;
  return best.n_inliers >= 3;
}
