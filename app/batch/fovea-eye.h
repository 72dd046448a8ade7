/* fovea-eye.h: which eye an ophthalmic image shows, for batch grading, its
 * records and the review window alike. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Oculus dexter or sinister. The UI registers it as a GType
 * (FOVEA_TYPE_EYE, ui/meson.build's mkenums) for the document's "eye". */
typedef enum {
  FOVEA_EYE_UNKNOWN,
  FOVEA_EYE_OD,
  FOVEA_EYE_OS,
} FoveaEye;

/* "OD", "OS", or "" when unknown. */
const char *fovea_eye_to_string (FoveaEye eye);

G_END_DECLS
