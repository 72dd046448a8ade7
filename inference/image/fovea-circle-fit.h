/* fovea-circle-fit.h: robust circle fitting to edge points (private to
 * the FOV detector). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double cx, cy, r;
  guint  n_inliers;  /* points within the tolerance band of the final circle */
} FoveaCircle;

/* Fits a circle to n points (xy holds x0, y0, x1, y1, ...) that may
 * include many outliers, such as the straight edge of a cut field: RANSAC
 * on point triples, then least squares on the inliers. A point is an
 * inlier when its distance to the circle is within MAX (tolerance,
 * 1 % of the radius). Only radii in [min_r, max_r] are considered.
 * Deterministic. FALSE when no circle gathers at least three inliers. */
gboolean fovea_circle_fit_robust (const double *xy,
                                  guint         n,
                                  double        tolerance,
                                  double        min_r,
                                  double        max_r,
                                  FoveaCircle  *out_circle);

G_END_DECLS
