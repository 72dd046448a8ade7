/* fovea-window.h: the review window: opened images on the left, the
 * selected one in the centre, adjustments and analysis on the right. */
#pragma once

#include <adwaita.h>

#include "fovea-adjustments-panel.h"
#include "fovea-application.h"
#include "fovea-batch-dialog.h"
#include "fovea-batch-job.h"
#include "fovea-batch-view.h"
#include "fovea-compare-view.h"
#include "fovea-explainer.h"
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

/* Batch grading (File → Grade Folder…, Ctrl+Shift+O). */
/* Opens the dialog that picks the folder, subfolders and tasks. */
FoveaBatchDialog      *fovea_window_show_batch_dialog     (FoveaWindow      *self);
/* Grades folder with the catalog's tasks of those names (all of one
 * model), as the dialog's Grade does, and shows the batch view. paused:
 * the job starts paused (fovea_batch_job_set_paused), for tests. FALSE if
 * a task is not in the catalog or a batch is already running. */
gboolean               fovea_window_start_batch           (FoveaWindow        *self,
                                                           const char         *folder,
                                                           gboolean            recursive,
                                                           const char * const *task_names,
                                                           gboolean            paused);
/* The running (or last) batch; NULL before the first. */
FoveaBatchJob         *fovea_window_get_batch_job         (FoveaWindow      *self);
/* Shows the batch's view, making a new one if it was closed; NULL when
 * there is no batch. */
FoveaBatchView        *fovea_window_show_batch_view       (FoveaWindow      *self);
/* Export Report (Ctrl+E) without the file chooser: writes the shown
 * image's last analysis to file as a PDF in a worker thread; a toast says
 * how it went. */
void                   fovea_window_export_report         (FoveaWindow      *self,
                                                           GFile            *file);
/* What makes the explanation overlays and caches them (tests count its
 * computations). */
FoveaExplainer        *fovea_window_get_explainer         (FoveaWindow      *self);

G_END_DECLS
