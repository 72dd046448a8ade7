/* fovea-batch-dialog-private.h: ticking the dialog's tasks as a user
 * would, for the display tests. */
#pragma once

#include "fovea-batch-dialog.h"

G_BEGIN_DECLS

/* Ticks (or unticks) the offered task of that name; FALSE if none. */
gboolean fovea_batch_dialog_select_task (FoveaBatchDialog *self,
                                         const char       *name,
                                         gboolean          selected);

G_END_DECLS
