/* fovea-viewport.h: the zoom and pan of an image view, as an object that
 * several views can share so that they move together (compare mode). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FOVEA_TYPE_VIEWPORT (fovea_viewport_get_type ())

G_DECLARE_FINAL_TYPE (FoveaViewport, fovea_viewport, FOVEA, VIEWPORT, GObject)

FoveaViewport *fovea_viewport_new        (void);
/* In fit mode each view shows the whole image, centred, at the largest
 * scale that fits its own size; scale and centre are then unused. */
gboolean       fovea_viewport_get_fit    (FoveaViewport *self);
void           fovea_viewport_set_fit    (FoveaViewport *self);
/* View pixels per image pixel, outside fit mode. */
double         fovea_viewport_get_scale  (FoveaViewport *self);
/* The image point, in image pixels, shown at the centre of each view. */
void           fovea_viewport_get_center (FoveaViewport *self,
                                          double        *x,
                                          double        *y);
/* Leaves fit mode for this scale and centre. Emits ::changed once. */
void           fovea_viewport_set        (FoveaViewport *self,
                                          double         scale,
                                          double         center_x,
                                          double         center_y);

G_END_DECLS
