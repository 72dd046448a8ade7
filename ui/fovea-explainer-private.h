/* fovea-explainer-private.h: what the display tests count of the
 * explainer. */
#pragma once

#include "fovea-explainer.h"

G_BEGIN_DECLS

/* How many maps worker threads have made, cancelled ones included (a
 * cache hit makes none). */
guint fovea_explainer_get_n_computed (FoveaExplainer *self);

G_END_DECLS
