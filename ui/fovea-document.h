/* fovea-document.h: one opened image file and its loading state. */
#pragma once

#include <gio/gio.h>

#include "fovea-image.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_DOCUMENT_LOADING,
  FOVEA_DOCUMENT_READY,
  FOVEA_DOCUMENT_FAILED,
} FoveaDocumentState;

#define FOVEA_TYPE_DOCUMENT (fovea_document_get_type ())

G_DECLARE_FINAL_TYPE (FoveaDocument, fovea_document, FOVEA, DOCUMENT, GObject)

FoveaDocument      *fovea_document_new               (GFile         *file);
GFile              *fovea_document_get_file          (FoveaDocument *self);
/* The file's base name, in UTF-8 for display. */
const char         *fovea_document_get_display_name  (FoveaDocument *self);
FoveaDocumentState  fovea_document_get_state         (FoveaDocument *self);
/* The decoded pixels once the state is READY, NULL before. Owned by self. */
const FoveaImage   *fovea_document_get_image         (FoveaDocument *self);
/* Why loading failed once the state is FAILED, NULL otherwise. */
const char         *fovea_document_get_error_message (FoveaDocument *self);
/* A one-line summary for display: "2000 × 1500 · 8-bit RGB" when ready,
 * otherwise what is happening or went wrong. */
char               *fovea_document_dup_summary       (FoveaDocument *self);

/* Decodes the file in a worker thread; the "state" property changes (on
 * the main thread) to READY or FAILED when done. Cancelling makes it FAILED
 * at once, without waiting for the decoder. Call once. */
void                fovea_document_load              (FoveaDocument *self,
                                                      GCancellable  *cancellable);

G_END_DECLS
