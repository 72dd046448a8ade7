/* fovea-document-row.h: a row of the sidebar listing opened documents. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-document.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_DOCUMENT_ROW (fovea_document_row_get_type ())

G_DECLARE_FINAL_TYPE (FoveaDocumentRow, fovea_document_row, FOVEA, DOCUMENT_ROW, GtkListBoxRow)

GtkWidget     *fovea_document_row_new          (FoveaDocument    *document);
FoveaDocument *fovea_document_row_get_document (FoveaDocumentRow *self);

G_END_DECLS
