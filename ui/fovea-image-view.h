/* fovea-image-view.h: the widget that shows an image with its enhanced
 * version, a heat-map overlay, display adjustments, zoom and pan. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-image.h"
#include "fovea-viewport.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_IMAGE_VIEW (fovea_image_view_get_type ())

G_DECLARE_FINAL_TYPE (FoveaImageView, fovea_image_view, FOVEA, IMAGE_VIEW, GtkWidget)

GtkWidget     *fovea_image_view_new                   (void);

/* Shows image, or nothing when image is NULL. The image is borrowed: its
 * pixels are copied once into a GdkMemoryTexture (see fovea-texture.h) and
 * the view keeps no pointer to it. On failure the view is left empty. */
gboolean       fovea_image_view_set_image             (FoveaImageView   *self,
                                                       const FoveaImage *image,
                                                       GError          **error);
/* Shows texture (a new reference is taken), so that views can share one
 * upload. A different texture than before resets the viewport to fit.
 * Its size is the image's size: the other layers are stretched to it. */
void           fovea_image_view_set_texture           (FoveaImageView   *self,
                                                       GdkTexture       *texture);
/* The original image's texture, or NULL. Owned by the view. */
GdkTexture    *fovea_image_view_get_texture           (FoveaImageView   *self);
/* A smaller copy of the texture (same aspect), drawn instead of it while
 * the view shows no more pixels than the copy has. Set it after the
 * texture: a new texture drops the old preview. NULL for none. */
void        fovea_image_view_set_preview_texture (FoveaImageView *self,
                                                  GdkTexture     *preview);

/* An enhanced version of the image, shown instead of the original while
 * set; NULL goes back to the original. The viewport is kept. */
void           fovea_image_view_set_enhanced_texture  (FoveaImageView   *self,
                                                       GdkTexture       *texture);
GdkTexture    *fovea_image_view_get_enhanced_texture  (FoveaImageView   *self);
/* Whether the picture on screen is the enhanced one ("showing-enhanced"),
 * so that the window can label it. */
gboolean       fovea_image_view_get_showing_enhanced  (FoveaImageView   *self);

/* A heat-map texture (see fovea-colormap.h) drawn over the image at the
 * overlay opacity when visible; NULL removes it. */
void           fovea_image_view_set_heatmap           (FoveaImageView   *self,
                                                       GdkTexture       *texture);
GdkTexture    *fovea_image_view_get_heatmap           (FoveaImageView   *self);
void           fovea_image_view_set_heatmap_visible   (FoveaImageView   *self,
                                                       gboolean          visible);
gboolean       fovea_image_view_get_heatmap_visible   (FoveaImageView   *self);
/* 0 (invisible) to 1 (opaque). */
void           fovea_image_view_set_heatmap_opacity   (FoveaImageView   *self,
                                                       double            opacity);
double         fovea_image_view_get_heatmap_opacity   (FoveaImageView   *self);

/* Display adjustments, applied on the GPU to the image only (never to the
 * heat-map, whose colours are its values): out = contrast·(in − ½) + ½ +
 * brightness per channel, after the green channel is copied to red and
 * blue when red-free is on. */
void           fovea_image_view_set_brightness        (FoveaImageView   *self,
                                                       double            brightness);
double         fovea_image_view_get_brightness        (FoveaImageView   *self);
void           fovea_image_view_set_contrast          (FoveaImageView   *self,
                                                       double            contrast);
double         fovea_image_view_get_contrast          (FoveaImageView   *self);
void           fovea_image_view_set_red_free          (FoveaImageView   *self,
                                                       gboolean          red_free);
gboolean       fovea_image_view_get_red_free          (FoveaImageView   *self);

/* The zoom and pan, which views may share; NULL gives the view its own. */
void           fovea_image_view_set_viewport          (FoveaImageView   *self,
                                                       FoveaViewport    *viewport);
FoveaViewport *fovea_image_view_get_viewport          (FoveaImageView   *self);

/* View pixels per image pixel as shown now, fit mode included ("scale"). */
double         fovea_image_view_get_scale             (FoveaImageView   *self);
/* Zooms to scale (clamped) about the centre of the view. */
void           fovea_image_view_set_scale             (FoveaImageView   *self,
                                                       double            scale);
/* Multiplies the scale by factor (clamped), keeping the image point under
 * the view point (x, y) where it is, as zooming at the cursor does. */
void           fovea_image_view_zoom_at               (FoveaImageView   *self,
                                                       double            factor,
                                                       double            x,
                                                       double            y);
void           fovea_image_view_zoom_fit              (FoveaImageView   *self);

/* Between widget coordinates and image pixels, as currently drawn. */
void           fovea_image_view_view_to_image         (FoveaImageView   *self,
                                                       double            view_x,
                                                       double            view_y,
                                                       double           *image_x,
                                                       double           *image_y);
void           fovea_image_view_image_to_view         (FoveaImageView   *self,
                                                       double            image_x,
                                                       double            image_y,
                                                       double           *view_x,
                                                       double           *view_y);

G_END_DECLS
