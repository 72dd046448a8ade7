/* fovea-compare-view.h: the original and the enhanced image side by side,
 * zoomed and panned together. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-image-view.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_COMPARE_VIEW (fovea_compare_view_get_type ())

G_DECLARE_FINAL_TYPE (FoveaCompareView, fovea_compare_view, FOVEA, COMPARE_VIEW, GtkWidget)

GtkWidget      *fovea_compare_view_new                (void);
/* Shows original on the left and enhanced on the right; both are shared,
 * not copied, and either may be NULL. */
void            fovea_compare_view_set_textures       (FoveaCompareView *self,
                                                       GdkTexture       *original,
                                                       GdkTexture       *enhanced);
/* The zoom and pan both sides follow. */
FoveaViewport  *fovea_compare_view_get_viewport       (FoveaCompareView *self);
/* The two sides, e.g. to apply the same display adjustments to both. */
FoveaImageView *fovea_compare_view_get_original_view  (FoveaCompareView *self);
FoveaImageView *fovea_compare_view_get_enhanced_view  (FoveaCompareView *self);

G_END_DECLS
