/* fovea-adjustments-panel.h: the controls that change how the image is
 * shown: an enhancement (CLAHE or Graham), gamma, brightness, contrast and
 * red-free, with undo, redo and a one-click way back to the original.
 *
 * The panel drives one FoveaImageView. Brightness, contrast and red-free
 * are the view's colour matrix and change at once; enhancement and gamma
 * need new pixels, which are computed in a worker thread shortly after the
 * last change (a newer change cancels an older computation) and shown as
 * the view's enhanced texture; then the "enhanced-ready" signal is
 * emitted. A computation that was superseded is never shown.
 *
 * Actions: adjustments.undo (Ctrl+Z), adjustments.redo (Shift+Ctrl+Z) and
 * adjustments.reset; the shortcuts work while the focus is in the panel. */
#pragma once

#include <adwaita.h>

#include "fovea-adjustments.h"
#include "fovea-document.h"
#include "fovea-image-view.h"

G_BEGIN_DECLS

/* CLAHE as the panel applies it: the usual settings for fundus images. */
#define FOVEA_ADJUSTMENTS_PANEL_CLAHE_CLIP_LIMIT 2.0
#define FOVEA_ADJUSTMENTS_PANEL_CLAHE_TILES      8
/* New pixels are computed this long after the last change. */
#define FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS      150

#define FOVEA_TYPE_ADJUSTMENTS_PANEL (fovea_adjustments_panel_get_type ())

G_DECLARE_FINAL_TYPE (FoveaAdjustmentsPanel, fovea_adjustments_panel, FOVEA, ADJUSTMENTS_PANEL, GtkWidget)

GtkWidget              *fovea_adjustments_panel_new             (void);
/* The image being adjusted (may be NULL); the controls are insensitive
 * until it is READY. A different document goes back to the original and
 * forgets the undo history. */
void                    fovea_adjustments_panel_set_document    (FoveaAdjustmentsPanel *self,
                                                                 FoveaDocument         *document);
/* The view the adjustments are shown in (may be NULL). The previous view
 * is put back to the original. */
void                    fovea_adjustments_panel_set_view        (FoveaAdjustmentsPanel *self,
                                                                 FoveaImageView        *view);
/* Step back or forward through the adjustment states, controls included;
 * FALSE when there was nothing to undo or redo. */
gboolean                fovea_adjustments_panel_undo            (FoveaAdjustmentsPanel *self);
gboolean                fovea_adjustments_panel_redo            (FoveaAdjustmentsPanel *self);
/* Back to the original image, as one undoable step. */
void                    fovea_adjustments_panel_reset           (FoveaAdjustmentsPanel *self);
/* Flips red-free as the switch would (one undoable step); FALSE while the
 * controls are insensitive (no image loaded). */
gboolean fovea_adjustments_panel_toggle_red_free (FoveaAdjustmentsPanel *self);
/* The "can-undo", "can-redo" and "enhanced" properties. Enhanced means that
 * the pixels on show are not the original ones. */
gboolean                fovea_adjustments_panel_get_can_undo    (FoveaAdjustmentsPanel *self);
gboolean                fovea_adjustments_panel_get_can_redo    (FoveaAdjustmentsPanel *self);
gboolean                fovea_adjustments_panel_get_enhanced    (FoveaAdjustmentsPanel *self);
/* The state the controls show. Owned by the panel. */
const FoveaAdjustments *fovea_adjustments_panel_get_adjustments (FoveaAdjustmentsPanel *self);

G_END_DECLS
