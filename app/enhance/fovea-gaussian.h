/* fovea-gaussian.h: Gaussian blur of a small grid of float 4-vectors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_GAUSSIAN_LANES 4

/* Blurs, in place, width × height cells of FOVEA_GAUSSIAN_LANES
 * interleaved floats with a Gaussian of standard deviation sigma cells
 * (sigma > 0), truncated at 4 sigma, taking everything outside the grid
 * as zero. Fails only when memory runs out. */
gboolean fovea_gaussian_blur_grid (float   *cells,
                                   int      width,
                                   int      height,
                                   double   sigma,
                                   GError **error);

G_END_DECLS
