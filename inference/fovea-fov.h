/* fovea-fov.h: the circular field of view (FOV) of a fundus photograph.
 *
 * A fundus camera records a bright disc on a black surround. Grading,
 * enhancement and quality scores only make sense inside that disc, and the
 * DR-grading pipeline crops the black border to a square around it. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

typedef struct {
  gboolean found;          /* FALSE when no disc could be separated from the background */
  double   cx, cy;         /* centre in image pixels (may lie outside the image) */
  double   r;              /* radius in pixels of the fitted circle */
  double   area_fraction;  /* FOV mask pixels / image pixels */
  double   coverage;       /* FOV mask pixels / in-image area of the fitted circle */
  double   cutoff;         /* share of the fitted circle's area lying outside the image */
} FoveaFov;

/* Detects the FOV. Never fails on a valid image: when there is no dark
 * surround (a skin photo, an OCTA map) the whole image is the FOV and
 * found is FALSE. */
void        fovea_fov_detect      (const FoveaImage *image,
                                   FoveaFov         *out_fov);

/* A width × height byte mask (1 inside the FOV, 0 outside), row-major with
 * stride == width: the fitted circle intersected with the bright pixels. */
guint8     *fovea_fov_mask_new    (const FoveaImage *image,
                                   const FoveaFov   *fov);

/* Crops to the square bounding the FOV circle; the parts of that square
 * outside the image are filled with black, so the disc stays centred. */
FoveaImage *fovea_fov_crop_square (const FoveaImage *image,
                                   const FoveaFov   *fov,
                                   GError          **error);

G_END_DECLS
