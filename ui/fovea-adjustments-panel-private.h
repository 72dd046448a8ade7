/* fovea-adjustments-panel-private.h: what the display tests see of the
 * adjustments panel beyond its API. */
#pragma once

#include "fovea-adjustments-panel.h"

G_BEGIN_DECLS

/* How many enhanced images have been computed (or started). */
guint fovea_adjustments_panel_get_n_computations (FoveaAdjustmentsPanel *self);

G_END_DECLS
