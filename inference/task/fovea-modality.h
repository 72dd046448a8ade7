/* fovea-modality.h: the imaging modalities Fovea knows about. Task cards,
 * quality gating and the UI all key their behaviour on this. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FOVEA_MODALITY_UNKNOWN = 0,
  FOVEA_MODALITY_FUNDUS,
  FOVEA_MODALITY_SKIN,
  FOVEA_MODALITY_OCTA,
} FoveaModality;

/* "fundus", "skin", "octa" or "unknown". */
const char *fovea_modality_to_string   (FoveaModality modality);
/* Parses the names above (case-insensitive); FALSE for anything else. */
gboolean    fovea_modality_from_string (const char    *name,
                                        FoveaModality *out_modality);

G_END_DECLS
