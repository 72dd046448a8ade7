/* fovea-image-identity.c: patient, eye and modality from DICOM tags, or
 * guessed from the file's name. */
#define G_LOG_DOMAIN "fovea-image-identity"

#include "fovea-image-identity.h"

#include "fovea-dicom.h"
#include "fovea-name-guess.h"

static FoveaEye
eye_from_code (const char *code)
{
  if (g_strcmp0 (code, "OD") == 0)
    return FOVEA_EYE_OD;
  if (g_strcmp0 (code, "OS") == 0)
    return FOVEA_EYE_OS;
  return FOVEA_EYE_UNKNOWN;
}

void
fovea_image_identity_read (const char *path, FoveaImageIdentity *out)
{
  *out = (FoveaImageIdentity) { .eye = FOVEA_EYE_UNKNOWN, .modality = FOVEA_MODALITY_UNKNOWN };
  if (!fovea_dicom_is_file (path))
    {
      out->eye = fovea_name_guess (path, &out->patient_id);
      return;
    }
  out->from_dicom = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaDicomTags) tags = fovea_dicom_read_tags (path, &error);
  if (tags == NULL)
    {
      g_debug ("%s", error->message);
      return;
    }
  if (tags->patient_id[0] != '\0')
    out->patient_id = g_strdup (tags->patient_id);
  out->eye = eye_from_code (fovea_dicom_tags_eye_code (tags));
  out->modality = fovea_dicom_tags_modality (tags);
}

void
fovea_image_identity_clear (FoveaImageIdentity *identity)
{
  g_clear_pointer (&identity->patient_id, g_free);
}
