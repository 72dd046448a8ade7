/* fovea-heatmap-legend.h: the colour ramp of a heat-map with its title and
 * the values at either end. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FOVEA_TYPE_HEATMAP_LEGEND (fovea_heatmap_legend_get_type ())

G_DECLARE_FINAL_TYPE (FoveaHeatmapLegend, fovea_heatmap_legend, FOVEA, HEATMAP_LEGEND, GtkWidget)

GtkWidget  *fovea_heatmap_legend_new       (void);
/* What the values are, e.g. "Saliency" ("title"). */
void        fovea_heatmap_legend_set_title (FoveaHeatmapLegend *self,
                                            const char         *title);
const char *fovea_heatmap_legend_get_title (FoveaHeatmapLegend *self);
/* The values mapped to the two ends of the colour map ("min", "max"), as
 * given to fovea_colormap_texture_new(). */
void        fovea_heatmap_legend_set_range (FoveaHeatmapLegend *self,
                                            double              min,
                                            double              max);
double      fovea_heatmap_legend_get_min   (FoveaHeatmapLegend *self);
double      fovea_heatmap_legend_get_max   (FoveaHeatmapLegend *self);
/* A reference value marked on the ramp, with a caption saying what it is
 * (e.g. the highest score of a normal image); NaN or no label removes it. */
void        fovea_heatmap_legend_set_mark  (FoveaHeatmapLegend *self,
                                            double              value,
                                            const char         *label);
/* The marked value, NaN when none is. */
double      fovea_heatmap_legend_get_mark  (FoveaHeatmapLegend *self);
/* The mark's caption as shown, NULL when none is. */
const char *fovea_heatmap_legend_get_mark_label (FoveaHeatmapLegend *self);

G_END_DECLS
