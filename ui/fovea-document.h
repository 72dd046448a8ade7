/* fovea-document.h: one opened image file, its loading state and what the
 * clinician knows about it (patient, eye, modality, review status). */
#pragma once

#include <gdk/gdk.h>

#include "fovea-eye.h"
#include "fovea-grade-record.h"
#include "fovea-image.h"
#include "fovea-modality.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_DOCUMENT_LOADING,
  FOVEA_DOCUMENT_READY,
  FOVEA_DOCUMENT_FAILED,
} FoveaDocumentState;

/* Where the review of a document stands. */
typedef enum {
  FOVEA_DOCUMENT_STATUS_NOT_ANALYSED,
  FOVEA_DOCUMENT_STATUS_GRADABLE,
  FOVEA_DOCUMENT_STATUS_UNGRADABLE,
  FOVEA_DOCUMENT_STATUS_REFERABLE,
  FOVEA_DOCUMENT_STATUS_FAILED,
} FoveaDocumentStatus;

#define FOVEA_TYPE_DOCUMENT (fovea_document_get_type ())

G_DECLARE_FINAL_TYPE (FoveaDocument, fovea_document, FOVEA, DOCUMENT, GObject)

/* The patient ID and eye start as guesses from the file name: "P0042_OD.jpg"
 * gives "P0042" and OD. Eye tokens (OD, OS, R, L, right, left, any case)
 * count only as whole tokens between separators; a trailing one is removed
 * from the patient ID. */
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

const char         *fovea_document_get_patient_id    (FoveaDocument *self);
void                fovea_document_set_patient_id    (FoveaDocument *self,
                                                      const char    *patient_id);
FoveaEye            fovea_document_get_eye           (FoveaDocument *self);
void                fovea_document_set_eye           (FoveaDocument *self,
                                                      FoveaEye       eye);
/* Guessed from the pixels on load unless set before the load finished. */
FoveaModality       fovea_document_get_modality      (FoveaDocument *self);
void                fovea_document_set_modality      (FoveaDocument *self,
                                                      FoveaModality  modality);
/* NOT_ANALYSED until the window records an analysis; FAILED when the file
 * could not be loaded. */
FoveaDocumentStatus fovea_document_get_status        (FoveaDocument *self);
void                fovea_document_set_status        (FoveaDocument       *self,
                                                      FoveaDocumentStatus  status);
/* The record of the last analysis shown for this document, kept so that
 * a patient's eyes can be summarised together; NULL before one. set copies
 * record (NULL clears it). */
const FoveaGradeRecord *fovea_document_get_record (FoveaDocument          *self);
void                fovea_document_set_record        (FoveaDocument          *self,
                                                      const FoveaGradeRecord *record);
/* Made in the worker thread on load; NULL before READY. Owned by self. The
 * thumbnail's longer side is at most 96 pixels, with the aspect kept. */
GdkTexture         *fovea_document_get_thumbnail     (FoveaDocument *self);
/* Once READY, for images larger than 2048 pixels on their longer side: an
 * antialiased copy at that size, for drawing zoomed out. NULL otherwise. */
GdkTexture         *fovea_document_get_preview       (FoveaDocument *self);
GdkTexture         *fovea_document_get_texture       (FoveaDocument *self);

/* Decodes the file, guesses its modality and makes its textures in a worker
 * thread; then (on the main thread) "modality", "thumbnail" and "texture"
 * change, and "state" last, to READY or FAILED. Cancelling makes it FAILED
 * at once, without waiting for the decoder. Call once. */
void                fovea_document_load              (FoveaDocument *self,
                                                      GCancellable  *cancellable);

G_END_DECLS
