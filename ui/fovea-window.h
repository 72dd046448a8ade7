/* fovea-window.h: the review window: opened images on the left, the
 * selected one in the centre, adjustments and analysis on the right. */
#pragma once

#include <adwaita.h>

#include "fovea-adjustments-panel.h"
#include "fovea-application.h"
#include "fovea-compare-view.h"
#include "fovea-image-view.h"
#include "fovea-results-panel.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_WINDOW (fovea_window_get_type ())

G_DECLARE_FINAL_TYPE (FoveaWindow, fovea_window, FOVEA, WINDOW, AdwApplicationWindow)

/* Takes its layout from the application's settings, and its models from
 * the catalog's three places (the Preferences folder is rescanned when it
 * changes). */
FoveaWindow           *fovea_window_new                   (FoveaApplication *application);
/* Adds each file to the list (or selects it if already open), starts
 * decoding it in the background and shows the first of them. */
void                   fovea_window_open_files            (FoveaWindow      *self,
                                                           GFile           **files,
                                                           int               n_files);
/* The opened FoveaDocuments, in list order. */
GListModel            *fovea_window_get_documents         (FoveaWindow      *self);
/* The parts of the window, for tests. */
FoveaImageView        *fovea_window_get_image_view        (FoveaWindow      *self);
FoveaCompareView      *fovea_window_get_compare_view      (FoveaWindow      *self);
FoveaResultsPanel     *fovea_window_get_results_panel     (FoveaWindow      *self);
FoveaAdjustmentsPanel *fovea_window_get_adjustments_panel (FoveaWindow      *self);

G_END_DECLS
