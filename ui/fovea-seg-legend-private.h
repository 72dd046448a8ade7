/* fovea-seg-legend-private.h: the legend's parts, for the display tests. */
#pragma once

#include "fovea-seg-legend.h"

G_BEGIN_DECLS

/* The check button of label index of the overlay shown, or NULL. */
GtkCheckButton *fovea_seg_legend_get_check_button (FoveaSegLegend *self,
                                                   int             index);
/* The measurement line of label index, as shown, or NULL. */
const char     *fovea_seg_legend_get_summary      (FoveaSegLegend *self,
                                                   int             index);
/* Whether the "not validated" note is shown. */
gboolean        fovea_seg_legend_get_unvalidated  (FoveaSegLegend *self);

G_END_DECLS
