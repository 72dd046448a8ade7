/* fovea-inspect.h: what `fovea-cli inspect` reports about one image file:
 * its geometry, modality, field of view and quality verdict, and for a
 * DICOM file its tags (a "dicom" object, fovea_dicom_tags_add_json), whose
 * SOP class or Modality then names the modality when it is not given. */
#pragma once

#include <json-glib/json-glib.h>

#include "fovea-decode.h"
#include "fovea-modality.h"
#include "fovea-quality.h"

G_BEGIN_DECLS

/* Decodes path and assesses it. modality FOVEA_MODALITY_UNKNOWN means guess.
 * threshold_overrides ("NAME=NUMBER", NULL-terminated, may be NULL) are
 * applied over the modality's default quality thresholds.
 * Never fails: a file that cannot be read gives an object with "path" and
 * "error". Sets *out_ok to FALSE in that case. */
JsonNode *fovea_inspect_file (const char        *path,
                              FoveaModality      modality,
                              const char *const *threshold_overrides,
                              gboolean          *out_ok);

G_END_DECLS
