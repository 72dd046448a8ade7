/* fovea-input-map.h: maps computed over a model's input (attention
 * rollout on the patch grid, Grad-CAM, ...) put back onto the original
 * image, undoing fovea_preprocess_image's geometry.
 *
 * The preprocessing only scales and shifts: the fundus route crops the
 * square around the FOV and resizes it to the input; timm's route resizes
 * and centre-crops. So each image position (x, y) lands at
 *   u = x · scale_x + offset_x,   v = y · scale_y + offset_y
 * in the input, in continuous coordinates (a pixel covers [x, x + 1)).
 * Image pixels whose centres land outside the input, or outside the FOV,
 * get 0. */
#pragma once

#include "fovea-fov.h"
#include "fovea-preprocess.h"

G_BEGIN_DECLS

typedef struct {
  int    image_width, image_height;
  int    input_width, input_height;
  double scale_x, scale_y;    /* input pixels per image pixel */
  double offset_x, offset_y;  /* where the image's top-left corner lands */
} FoveaInputGeometry;

/* Where fovea_preprocess_image puts an image of this size. fov is the one
 * fovea_fov_detect finds on the image made RGB (the fundus route crops
 * around it); it is not read without pre->fundus_crop and may be NULL
 * then. */
void    fovea_input_geometry_init (FoveaInputGeometry    *geometry,
                                   const FoveaPreprocess *pre,
                                   int                    image_width,
                                   int                    image_height,
                                   const FoveaFov        *fov);

/* Samples map (rows × cols cells spread over the whole input) into out,
 * out_width × out_height pixels spread over the whole image: at each
 * pixel's centre, bilinearly between cell centres, clamped at the input's
 * edges. mask (image_width × image_height, 0 = outside the FOV) may be
 * NULL. */
void    fovea_input_map_sample    (const FoveaInputGeometry *geometry,
                                   const float              *map,
                                   int                       rows,
                                   int                       cols,
                                   const guint8             *mask,
                                   int                       out_width,
                                   int                       out_height,
                                   float                    *out);

/* The whole way back for a map computed on the input pre made of image:
 * the FOV detected as the preprocessing does, its mask applied. The
 * result has the image's size, or, when its longer side exceeds max_side
 * (> 0), that size scaled down to max_side, aspect kept: it is drawn over
 * the image, and a map of 14 × 14 patches has no detail finer than that.
 * Free with g_free. */
float  *fovea_input_map_to_image  (const FoveaPreprocess *pre,
                                   const FoveaImage      *image,
                                   const float           *map,
                                   int                    rows,
                                   int                    cols,
                                   int                    max_side,
                                   int                   *out_width,
                                   int                   *out_height,
                                   GError               **error);

G_END_DECLS
