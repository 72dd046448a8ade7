/* fovea-seg-legend.h: the legend of a segmentation overlay: the model's
 * title, "not validated" when its card reports no held-out figures, and
 * per label a check button (whether it is drawn) with its colour swatch,
 * title and what was measured (regions and area; the optic disc's
 * diameter; vessel density), then the layer's opacity.
 *
 * Which labels are hidden is remembered by model and label, so that the
 * next image shows the same ones. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-seg-overlay.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_SEG_LEGEND (fovea_seg_legend_get_type ())

G_DECLARE_FINAL_TYPE (FoveaSegLegend, fovea_seg_legend, FOVEA, SEG_LEGEND, GtkWidget)

GtkWidget *fovea_seg_legend_new            (void);
/* Shows overlay's labels and measurements (copied: overlay is borrowed);
 * NULL empties the legend. */
void       fovea_seg_legend_set_overlay    (FoveaSegLegend        *self,
                                            const FoveaSegOverlay *overlay);
/* Whether label index of the overlay shown is drawn; "shown-changed" is
 * emitted when a check button changes it. */
gboolean   fovea_seg_legend_get_label_shown (FoveaSegLegend       *self,
                                             int                   index);
void       fovea_seg_legend_set_label_shown (FoveaSegLegend       *self,
                                             int                   index,
                                             gboolean              shown);
/* The slider's value ("layer-opacity"); bind it to the view's
 * "heatmap-opacity". */
double     fovea_seg_legend_get_layer_opacity (FoveaSegLegend     *self);

G_END_DECLS
