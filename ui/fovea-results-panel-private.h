/* fovea-results-panel-private.h: picking the panel's task by name as a
 * user would, for the display tests. */
#pragma once

#include "fovea-results-panel.h"

G_BEGIN_DECLS

/* Selects the offered task of that name; FALSE if none is offered. */
gboolean fovea_results_panel_select_task (FoveaResultsPanel *self,
                                          const char        *name);

G_END_DECLS
