/* fovea-batch-dialog.h: File → Grade Folder…: pick a folder (with
 * GtkFileChooserNative, SELECT_FOLDER), whether to include subfolders,
 * and the tasks to run, from the model catalog. "Grade" is enabled once a
 * folder and at least one task are chosen, all of one model; it emits
 * "grade" and closes the dialog.
 *
 * Actions: dialog.choose-folder, dialog.grade. */
#pragma once

#include <adwaita.h>

#include "fovea-model-catalog.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_BATCH_DIALOG (fovea_batch_dialog_get_type ())

G_DECLARE_FINAL_TYPE (FoveaBatchDialog, fovea_batch_dialog, FOVEA, BATCH_DIALOG, AdwWindow)

/* Offers catalog's usable tasks (catalog may be NULL: none). */
FoveaBatchDialog        *fovea_batch_dialog_new           (GtkWindow         *parent,
                                                           FoveaModelCatalog *catalog);
void                     fovea_batch_dialog_set_folder    (FoveaBatchDialog  *self,
                                                           const char        *folder);
const char              *fovea_batch_dialog_get_folder    (FoveaBatchDialog  *self);
void                     fovea_batch_dialog_set_recursive (FoveaBatchDialog  *self,
                                                           gboolean           recursive);
gboolean                 fovea_batch_dialog_get_recursive (FoveaBatchDialog  *self);
/* The ticked tasks (FoveaCatalogTask*, borrowed from the catalog), and
 * their model in *out_model; NULL (and *out_model NULL) unless at least
 * one is ticked and all are of one model. */
GPtrArray               *fovea_batch_dialog_dup_tasks     (FoveaBatchDialog  *self,
                                                           const FoveaCatalogModel **out_model);

G_END_DECLS
