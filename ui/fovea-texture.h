/* fovea-texture.h: turning a FoveaImage into a GdkTexture for display. */
#pragma once

#include <gdk/gdk.h>

#include "fovea-image.h"

G_BEGIN_DECLS

/* Copies the pixels of image into a new GdkMemoryTexture; image stays the
 * caller's. The depth is kept: 8-bit images become R8G8B8(A8) and 16-bit
 * ones R16G16B16(A16), so later colour matrices work on the full range.
 * GTK 4.8 has no grey formats, so grey is replicated into R, G and B.
 * Touches no display, so it may run in a worker thread. Fails only when the
 * pixel buffer cannot be allocated. */
GdkTexture *fovea_texture_new_from_image (const FoveaImage *image,
                                          GError          **error);

G_END_DECLS
