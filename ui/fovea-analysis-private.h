/* fovea-analysis-private.h: what the display tests reach of an
 * analysis: its backbone loads, and pausing a run. */
#pragma once

#include "fovea-analysis.h"

G_BEGIN_DECLS

/* How many times a backbone has been loaded: switching tasks on one
 * backbone must leave it unchanged. Any thread. */
guint fovea_analysis_get_n_backbone_loads (FoveaAnalysis *self);
/* While paused, runs wait after their quality check, before the model,
 * and Grad-CAM before it starts, until resumed or cancelled: lets tests
 * see and cancel a running analysis however fast the model is. */
void  fovea_analysis_set_paused           (FoveaAnalysis *self,
                                           gboolean       paused);

G_END_DECLS
