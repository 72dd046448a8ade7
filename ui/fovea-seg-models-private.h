/* fovea-seg-models-private.h: a hook for the display tests to hold
 * segmentations back, so that a switch can happen while one is pending. */
#pragma once

#include "fovea-seg-models.h"

G_BEGIN_DECLS

/* While paused, fovea_seg_models_segment waits before segmenting (and
 * then gives up if it was cancelled meanwhile). */
void fovea_seg_models_set_paused (FoveaSegModels *models,
                                  gboolean        paused);

G_END_DECLS
