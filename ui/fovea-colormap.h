/* fovea-colormap.h: a perceptual colour map, and heat-maps turned into
 * textures with it. */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

#define FOVEA_COLORMAP_SIZE 256

/* The colour of t in [0, 1] (clamped; NaN gives the lowest colour). */
void        fovea_colormap_lookup       (double  t,
                                         guint8  rgb[3]);

/* A width × height float map (rows tightly packed) mapped linearly from
 * [min, max] onto the colour map, as an opaque R8G8B8A8 texture; values
 * outside the range are clamped, and NaN ("no value here", e.g. outside
 * the fundus) becomes fully transparent. Touches no display, so it may run
 * in a worker thread. Fails when max <= min, the size is not positive, or
 * memory runs out. */
GdkTexture *fovea_colormap_texture_new  (const float  *values,
                                         int           width,
                                         int           height,
                                         float         min,
                                         float         max,
                                         GError      **error);

/* The whole map as a FOVEA_COLORMAP_SIZE × 1 texture, for legends. */
GdkTexture *fovea_colormap_ramp_texture (void);

G_END_DECLS
