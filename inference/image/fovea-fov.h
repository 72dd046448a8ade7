/* fovea-fov.h: the circular field of view (FOV) of a fundus photograph.
 *
 * A fundus camera records a bright disc on a black surround. Grading,
 * enhancement and quality scores only make sense inside that disc, and the
 * DR-grading pipeline crops the black border to a square around it. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

/* Coordinates are continuous: pixel (x, y) covers [x, x + 1) × [y, y + 1),
 * so its centre is (x + 0.5, y + 0.5). */
typedef struct {
  gboolean found;          /* FALSE when no disc could be separated from the background */
  double   cx, cy;         /* centre in image pixels (may lie outside the image) */
  double   r;              /* radius in pixels of the fitted circle */
  double   area_fraction;  /* FOV mask pixels / image pixels */
  double   coverage;       /* FOV mask pixels / in-image area of the fitted circle */
  double   cutoff;         /* share of the fitted circle's area lying outside the image */
  double   threshold;      /* brightness (max of R, G, B on 0..255) separating the
                            * disc from the surround; 0 when found is FALSE */
} FoveaFov;

/* The FOV of an image without a surround: the whole frame (found FALSE,
 * area_fraction and coverage 1, cutoff 0). The circle is centred with the
 * radius of half the longer side, so fovea_fov_crop_square() pads the
 * image to a square without losing any of it. */
void        fovea_fov_init_whole_image (const FoveaImage *image,
                                        FoveaFov         *out_fov);

/* Detects the FOV. Never fails on a valid image: when there is no dark
 * surround (a skin photo, an OCTA map) the whole image is the FOV, as
 * fovea_fov_init_whole_image() sets it.
 *
 * The image is area-averaged to at most 512 pixels across; the threshold
 * lies 30 % of the way from the surround level (2nd percentile of max (R,
 * G, B)) to the disc level (90th percentile). The disc edge is traced
 * along every row and column from the frame inwards (a run of three bright
 * samples, so isolated JPEG noise does not count; edges at the frame itself
 * are skipped), and a circle is fitted to those points with RANSAC and
 * least squares, so a straight cut through the disc does not pull the
 * circle. found is TRUE only when the circle leaves some surround in the
 * frame, almost nothing outside it is bright, and the fit is consistent. */
void        fovea_fov_detect      (const FoveaImage *image,
                                   FoveaFov         *out_fov);

/* A width × height byte mask (1 inside the FOV, 0 outside), row-major with
 * stride == width: the fitted circle intersected with the bright region,
 * taken on each row from the first to the last run of bright pixels, so
 * dark lesions inside the disc stay inside the FOV while a blacked-out part
 * of the field does not. All ones when fov->found is FALSE. */
guint8     *fovea_fov_mask_new    (const FoveaImage *image,
                                   const FoveaFov   *fov);

/* Crops to the square bounding the FOV circle (side round (2r), same
 * channels and depth); the parts of that square outside the image are
 * filled with black (opaque where there is alpha), so the disc stays
 * centred. */
FoveaImage *fovea_fov_crop_square (const FoveaImage *image,
                                   const FoveaFov   *fov,
                                   GError          **error);

G_END_DECLS
