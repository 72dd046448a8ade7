/* fovea-overlay-chooser.h: which explanation is laid over the image —
 * None, Saliency (attention rollout), Saliency (Grad-CAM), Anomaly, or
 * one per installed segmentation model — as a labelled group of radio
 * buttons, with a spinner while the chosen map is being made. A choice
 * that cannot be used is insensitive, and says why in its tooltip (and
 * beneath it, for Anomaly). */
#pragma once

#include <gtk/gtk.h>

#include "fovea-explain-map.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_OVERLAY_CHOOSER (fovea_overlay_chooser_get_type ())

G_DECLARE_FINAL_TYPE (FoveaOverlayChooser, fovea_overlay_chooser, FOVEA, OVERLAY_CHOOSER, GtkWidget)

GtkWidget        *fovea_overlay_chooser_new           (void);
/* The chosen overlay ("kind", a FoveaOverlayKind). "kind" also notifies
 * when the choice moves from one segmentation model to another. */
FoveaOverlayKind  fovea_overlay_chooser_get_kind      (FoveaOverlayChooser *self);
void              fovea_overlay_chooser_set_kind      (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind);
/* The chosen segmentation model's task name while kind is SEGMENTATION,
 * else NULL. */
const char       *fovea_overlay_chooser_get_segmentation_task (FoveaOverlayChooser *self);
/* Chooses the segmentation model of task_name; FALSE if it has no button. */
gboolean          fovea_overlay_chooser_set_segmentation_task (FoveaOverlayChooser *self,
                                                               const char          *task_name);
/* One button per segmentation model, named by task (names) and titled
 * (titles), NULL-terminated and in step, after the other kinds. Nothing
 * changes when they are the buttons there already; otherwise a chosen
 * segmentation gives way to None. */
void              fovea_overlay_chooser_set_segmentation_tasks (FoveaOverlayChooser *self,
                                                                const char * const  *names,
                                                                const char * const  *titles);
/* Whether the model of task_name can be chosen; reason (NULL when it can)
 * is its tooltip. */
void              fovea_overlay_chooser_set_segmentation_available (FoveaOverlayChooser *self,
                                                                    const char          *task_name,
                                                                    gboolean             available,
                                                                    const char          *reason);
/* Whether kind (not SEGMENTATION) can be chosen; reason (NULL when it
 * can) is shown. */
void              fovea_overlay_chooser_set_available (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind,
                                                       gboolean             available,
                                                       const char          *reason);
/* Names the method Anomaly would use ("Anomaly — PatchCore"); NULL: plain
 * "Anomaly". */
void              fovea_overlay_chooser_set_anomaly_method (FoveaOverlayChooser *self,
                                                            const char          *method);
gboolean          fovea_overlay_chooser_get_available (FoveaOverlayChooser *self,
                                                       FoveaOverlayKind     kind);
/* Whether the chosen map is being made ("busy"): shows the spinner. */
void              fovea_overlay_chooser_set_busy      (FoveaOverlayChooser *self,
                                                       gboolean             busy);
gboolean          fovea_overlay_chooser_get_busy      (FoveaOverlayChooser *self);

G_END_DECLS
