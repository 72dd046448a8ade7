/* fovea-enhance.h: display enhancements of a fundus, skin or OCTA image.
 * Each is a pure function: the source is never modified and a new image of
 * the same size is returned (8-bit; 16-bit input is reduced to 8-bit,
 * rounding v/257). Apart from red-free, the result has the channels of
 * the source, and an alpha channel is carried through unchanged. */
#pragma once

#include "fovea-fov.h"
#include "fovea-image.h"

G_BEGIN_DECLS

/* Contrast-limited adaptive histogram equalisation on luminance, with
 * OpenCV's createCLAHE semantics: clip_limit is relative to the mean bin
 * count (OpenCV default 40, 2.0 is typical for fundus), tiles_x × tiles_y
 * tiles (OpenCV default 8×8). Grey images are equalised directly; colour
 * images have the L channel of CIE L*a*b* equalised and a*, b* kept.
 * Fails with FOVEA_IMAGE_ERROR_INVALID unless 0 < clip_limit ≤ 10⁶ and
 * 1 ≤ tiles ≤ min (256, image side) on each axis. */
FoveaImage *fovea_enhance_clahe  (const FoveaImage *image,
                                  double            clip_limit,
                                  int               tiles_x,
                                  int               tiles_y,
                                  GError          **error);

/* Red-free view: the green channel as a grey image. */
FoveaImage *fovea_enhance_red_free (const FoveaImage *image);

/* Graham's local-average subtraction (Kaggle DR 2015):
 *   out = 4·img − 4·gauss(img, σ = fov.r / 30) + 128,
 * inside the FOV only (fovea_fov_mask_new()); outside it the output is
 * black. fov may be NULL, in which case it is detected. Fails with
 * FOVEA_IMAGE_ERROR_INVALID when the FOV radius is not a positive number. */
FoveaImage *fovea_enhance_graham (const FoveaImage *image,
                                  const FoveaFov   *fov,
                                  GError          **error);

/* out = clamp(((in/255)^(1/gamma) − 0.5)·contrast + 0.5 + brightness)·255,
 * gamma > 0 (1 = unchanged), contrast ≥ 0 (1 = unchanged),
 * brightness in [−1, 1] (0 = unchanged). Alpha is kept. Values outside
 * those ranges are clamped into them, and NaN means unchanged. */
FoveaImage *fovea_enhance_adjust (const FoveaImage *image,
                                  double            gamma,
                                  double            brightness,
                                  double            contrast);

G_END_DECLS
