/* fovea-window.h: the main window: opened images on the left, the
 * selected one in the centre. */
#pragma once

#include <adwaita.h>

#include "fovea-application.h"
#include "fovea-image-view.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_WINDOW (fovea_window_get_type ())

G_DECLARE_FINAL_TYPE (FoveaWindow, fovea_window, FOVEA, WINDOW, AdwApplicationWindow)

FoveaWindow    *fovea_window_new            (FoveaApplication *application);
/* Adds each file to the list (or selects it if already open), starts
 * decoding it in the background and shows the first of them. */
void            fovea_window_open_files     (FoveaWindow      *self,
                                             GFile           **files,
                                             int               n_files);
/* The opened FoveaDocuments, in list order. */
GListModel     *fovea_window_get_documents  (FoveaWindow      *self);
FoveaImageView *fovea_window_get_image_view (FoveaWindow      *self);

G_END_DECLS
