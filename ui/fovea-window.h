/* fovea-window.h: the review window: opened images on the left, the
 * selected one in the centre, adjustments and analysis on the right. */
#pragma once

#include <adwaita.h>

#include "fovea-application.h"
#include "fovea-batch-dialog.h"
#include "fovea-batch-view.h"

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

/* Batch grading (File → Grade Folder…, Ctrl+Shift+O). */
/* Opens the dialog that picks the folder, subfolders and tasks. */
FoveaBatchDialog      *fovea_window_show_batch_dialog     (FoveaWindow      *self);
/* Shows the batch's view, making a new one if it was closed; NULL when
 * there is no batch. */
FoveaBatchView        *fovea_window_show_batch_view       (FoveaWindow      *self);
/* Export Report (Ctrl+E) without the file chooser: writes the shown
 * image's last analysis to file as a PDF in a worker thread; a toast says
 * how it went. */
void                   fovea_window_export_report         (FoveaWindow      *self,
                                                           GFile            *file);

G_END_DECLS
