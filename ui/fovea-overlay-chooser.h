/* fovea-overlay-chooser.h: which explanation is laid over the image —
 * None, Saliency (attention rollout), Saliency (Grad-CAM) or Anomaly — as
 * a labelled group of radio buttons, with a spinner while the chosen map
 * is being made. A choice that cannot be used is insensitive, and says
 * why beneath it and in its tooltip. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-explain-map.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_OVERLAY_CHOOSER (fovea_overlay_chooser_get_type ())

G_DECLARE_FINAL_TYPE (FoveaOverlayChooser, fovea_overlay_chooser, FOVEA, OVERLAY_CHOOSER, GtkWidget)

GtkWidget        *fovea_overlay_chooser_new           (void);
/* The chosen overlay ("kind", a FoveaOverlayKind). */
FoveaOverlayKind  fovea_overlay_chooser_get_kind      (FoveaOverlayChooser *self);
void              fovea_overlay_chooser_set_kind      (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind);
/* Whether kind can be chosen; reason (NULL when it can) is shown. */
void              fovea_overlay_chooser_set_available (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind,
                                                       gboolean             available,
                                                       const char          *reason);
gboolean          fovea_overlay_chooser_get_available (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind);
/* Whether the chosen map is being made ("busy"): shows the spinner. */
void              fovea_overlay_chooser_set_busy      (FoveaOverlayChooser *self,
                                                       gboolean             busy);
gboolean          fovea_overlay_chooser_get_busy      (FoveaOverlayChooser *self);

G_END_DECLS
