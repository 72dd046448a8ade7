/* fovea-plane.h: one float channel of an image, area-averaged down to an
 * analysis scale.
 *
 * Field-of-view detection and quality scores look at a single brightness
 * channel at a few hundred pixels across, whatever the camera's resolution:
 * averaging (rather than picking) pixels suppresses JPEG and sensor noise
 * and makes measurements comparable between cameras. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_PLANE_LUMINANCE,    /* BT.601 luma; grey images as they are */
  FOVEA_PLANE_MAX_CHANNEL,  /* max (R, G, B): bright for any colour cast */
} FoveaPlaneSource;

typedef struct {
  int    width;
  int    height;
  float *data;   /* width × height values on the 0..255 scale, row-major */
} FoveaPlane;

/* Converts n pixels of row y, starting at column x0, to the source channel
 * on the 0..255 scale (16-bit samples are divided by 257; alpha is ignored). */
void        fovea_plane_read_row (const FoveaImage *image,
                                  FoveaPlaneSource  source,
                                  int               y,
                                  int               x0,
                                  int               n,
                                  float            *out);

/* Area-averages the rectangle (x, y, width, height) of image to
 * out_width × out_height (each no larger than the rectangle: this only
 * shrinks). R, G and B are averaged separately and then combined, so
 * FOVEA_PLANE_MAX_CHANNEL is the largest of the averaged channels. Returns
 * NULL if the rectangle or output size is invalid or memory runs out. */
FoveaPlane *fovea_plane_new_area (const FoveaImage *image,
                                  FoveaPlaneSource  source,
                                  int               x,
                                  int               y,
                                  int               width,
                                  int               height,
                                  int               out_width,
                                  int               out_height);
void        fovea_plane_free     (FoveaPlane       *plane);

static inline float *
fovea_plane_row (const FoveaPlane *plane, int y)
{
  return plane->data + (gsize) y * (gsize) plane->width;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPlane, fovea_plane_free)

G_END_DECLS
