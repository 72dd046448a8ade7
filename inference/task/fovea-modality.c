/* fovea-modality.c: modality names as they appear in cards, JSON and the CLI. */
#define G_LOG_DOMAIN "fovea-modality"

#include "fovea-modality.h"

static const char *const modality_names[] = {
  [FOVEA_MODALITY_UNKNOWN] = "unknown",
  [FOVEA_MODALITY_FUNDUS] = "fundus",
  [FOVEA_MODALITY_SKIN] = "skin",
  [FOVEA_MODALITY_OCTA] = "octa",
};

const char *
fovea_modality_to_string (FoveaModality modality)
{
  if ((guint) modality >= G_N_ELEMENTS (modality_names))
    return "unknown";
  return modality_names[modality];
}

gboolean
fovea_modality_from_string (const char *name, FoveaModality *out_modality)
{
  for (guint i = 0; i < G_N_ELEMENTS (modality_names); i++)
    {
      if (name != NULL && g_ascii_strcasecmp (name, modality_names[i]) == 0)
        {
          *out_modality = (FoveaModality) i;
          return TRUE;
        }
    }
  return FALSE;
}
