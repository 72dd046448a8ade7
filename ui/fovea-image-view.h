/* fovea-image-view.h: the widget that shows an image, letterboxed. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-image.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_IMAGE_VIEW (fovea_image_view_get_type ())

G_DECLARE_FINAL_TYPE (FoveaImageView, fovea_image_view, FOVEA, IMAGE_VIEW, GtkWidget)

GtkWidget  *fovea_image_view_new         (void);
/* Shows image, or nothing when image is NULL. The image is borrowed: its
 * pixels are copied once into a GdkMemoryTexture (see fovea-texture.h) and
 * the view keeps no pointer to it. On failure the view is left empty. */
gboolean    fovea_image_view_set_image   (FoveaImageView   *self,
                                          const FoveaImage *image,
                                          GError          **error);
/* The texture being shown, or NULL. Owned by the view. */
GdkTexture *fovea_image_view_get_texture (FoveaImageView   *self);

G_END_DECLS
