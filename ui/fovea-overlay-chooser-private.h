/* fovea-overlay-chooser-private.h: the overlay chooser's buttons, for the
 * display tests to click. */
#pragma once

#include "fovea-overlay-chooser.h"

G_BEGIN_DECLS

/* The radio button of kind; for SEGMENTATION the chosen model's, else the
 * first model's (NULL when none is installed). */
GtkCheckButton *fovea_overlay_chooser_get_button (FoveaOverlayChooser *self,
                                                  FoveaOverlayKind     kind);

G_END_DECLS
