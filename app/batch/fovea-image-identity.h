/* fovea-image-identity.h: whose image a file is and which eye it shows,
 * for batch grading, `fovea-cli inspect` and the review window alike.
 *
 * A DICOM file says so in its tags: Patient ID (0010,0020), and Image
 * Laterality (0020,0062) or else Laterality (0020,0060), R → OD, L → OS;
 * its modality comes from its SOP class or Modality (fovea-dicom.h). Any
 * other file's name is guessed from (fovea-name-guess.h); a DICOM file's
 * name never is, as the tags are the record. */
#pragma once

#include "fovea-eye.h"
#include "fovea-modality.h"

G_BEGIN_DECLS

typedef struct {
  char         *patient_id;  /* NULL: none */
  FoveaEye      eye;
  FoveaModality modality;    /* from DICOM tags; UNKNOWN: guess from the pixels */
  gboolean      from_dicom;  /* TRUE when the tags gave these */
} FoveaImageIdentity;

/* Fills *out (free its patient_id with fovea_image_identity_clear). Never
 * fails: a DICOM file whose tags cannot be read has an unknown identity
 * (decoding it then reports why). */
void     fovea_image_identity_read   (const char         *path,
                                      FoveaImageIdentity *out);
void     fovea_image_identity_clear  (FoveaImageIdentity *identity);

G_END_DECLS
