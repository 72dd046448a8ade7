/* fovea-dicom-tags.c: the C side of DICOM: recognising a file, what its
 * tags mean to Fovea (eye, modality, the inspect JSON) and new UIDs. */
#define G_LOG_DOMAIN "fovea-dicom-tags"

#include "fovea-dicom.h"

#include <stdio.h>
#include <string.h>

#define PREAMBLE_LENGTH 128

G_DEFINE_QUARK (fovea-dicom-error-quark, fovea_dicom_error)

gboolean
fovea_dicom_sniff (const guint8 *data, gsize length)
{
  return data != NULL && length >= PREAMBLE_LENGTH + 4 &&
         memcmp (data + PREAMBLE_LENGTH, "DICM", 4) == 0;
}

gboolean
fovea_dicom_is_file (const char *path)
{
  guint8 head[PREAMBLE_LENGTH + 4];
  FILE *file = fopen (path, "rb");
  if (file == NULL)
    return FALSE;
  gsize n = fread (head, 1, sizeof head, file);
  fclose (file);
  return fovea_dicom_sniff (head, n);
}

void
fovea_dicom_tags_free (FoveaDicomTags *tags)
{
  if (tags == NULL)
    return;
  char **fields[] = {
    &tags->patient_id, &tags->patient_name, &tags->birth_date, &tags->sex,
    &tags->study_date, &tags->study_time, &tags->study_id, &tags->accession_number,
    &tags->referring_physician, &tags->study_description, &tags->study_instance_uid,
    &tags->series_instance_uid, &tags->sop_instance_uid, &tags->sop_class_uid,
    &tags->modality, &tags->manufacturer, &tags->model_name, &tags->laterality,
    &tags->transfer_syntax_uid,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    g_free (*fields[i]);
  g_free (tags);
}

const char *
fovea_dicom_tags_eye_code (const FoveaDicomTags *tags)
{
  if (tags == NULL || tags->laterality == NULL)
    return NULL;
  if (strcmp (tags->laterality, "R") == 0)
    return "OD";
  if (strcmp (tags->laterality, "L") == 0)
    return "OS";
  return NULL;
}

FoveaModality
fovea_dicom_tags_modality (const FoveaDicomTags *tags)
{
  static const struct {
    const char   *sop_class_uid;
    FoveaModality modality;
  } classes[] = {
    { "1.2.840.10008.5.1.4.1.1.77.1.5.1", FOVEA_MODALITY_FUNDUS }, /* OP 8 bit */
    { "1.2.840.10008.5.1.4.1.1.77.1.5.2", FOVEA_MODALITY_FUNDUS }, /* OP 16 bit */
    { "1.2.840.10008.5.1.4.1.1.77.1.5.7", FOVEA_MODALITY_OCTA },   /* OCT en face */
    { "1.2.840.10008.5.1.4.1.1.77.1.7", FOVEA_MODALITY_SKIN },     /* dermoscopic */
  };
  if (tags == NULL)
    return FOVEA_MODALITY_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_strcmp0 (tags->sop_class_uid, classes[i].sop_class_uid) == 0)
      return classes[i].modality;
  /* Secondary Capture and VL Photographic carry the device's Modality. */
  if (g_strcmp0 (tags->modality, "OP") == 0)
    return FOVEA_MODALITY_FUNDUS;
  if (g_strcmp0 (tags->modality, "DMS") == 0)
    return FOVEA_MODALITY_SKIN;
  return FOVEA_MODALITY_UNKNOWN;
}

void
fovea_dicom_tags_add_json (const FoveaDicomTags *tags, JsonBuilder *builder)
{
  const struct {
    const char *name;
    const char *value;
  } members[] = {
    { "patient_id", tags->patient_id },
    { "patient_name", tags->patient_name },
    { "birth_date", tags->birth_date },
    { "sex", tags->sex },
    { "study_date", tags->study_date },
    { "study_time", tags->study_time },
    { "accession_number", tags->accession_number },
    { "study_instance_uid", tags->study_instance_uid },
    { "series_instance_uid", tags->series_instance_uid },
    { "sop_instance_uid", tags->sop_instance_uid },
    { "sop_class_uid", tags->sop_class_uid },
    { "modality", tags->modality },
    { "manufacturer", tags->manufacturer },
    { "model_name", tags->model_name },
    { "laterality", tags->laterality },
    { "transfer_syntax_uid", tags->transfer_syntax_uid },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      json_builder_set_member_name (builder, members[i].name);
      json_builder_add_string_value (builder, members[i].value != NULL ? members[i].value : "");
    }
  json_builder_set_member_name (builder, "frames");
  json_builder_add_int_value (builder, tags->n_frames);
}

/* The 128-bit number big-endian in bytes, as decimal digits: long
 * division by ten, most significant byte first. */
static char *
bytes_to_decimal (guint8 number[16])
{
  char digits[48];
  int n = 0;
  gboolean zero;
  do
    {
      guint remainder = 0;
      zero = TRUE;
      for (int i = 0; i < 16; i++)
        {
          guint value = remainder << 8 | number[i];
          number[i] = (guint8) (value / 10);
          remainder = value % 10;
          if (number[i] != 0)
            zero = FALSE;
        }
      digits[n++] = (char) ('0' + remainder);
    }
  while (!zero);
  char *out = g_malloc (n + 1);
  for (int i = 0; i < n; i++)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return out;
}

char *
fovea_dicom_new_uid (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  guint8 number[16];
  int k = 0;
  for (const char *p = uuid; *p != '\0' && k < 32; p++)
    if (g_ascii_isxdigit (*p))
      {
        int nibble = g_ascii_xdigit_value (*p);
        number[k / 2] = k % 2 ? (guint8) (number[k / 2] | nibble)
                              : (guint8) (nibble << 4);
        k++;
      }
  g_autofree char *decimal = bytes_to_decimal (number);
  return g_strconcat ("2.25.", decimal, NULL);
}
