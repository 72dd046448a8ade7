/* fuzz-dicom.c: the DICOM reader through Fovea's wrapper (DCMTK behind
 * fovea-dicom.h): decoding through fovea_decode_memory, named .dcm and
 * unnamed (recognised by content), and the tags alone. The seed corpus
 * (corpus/dicom) is made by tests/scripts/make-dicom-samples.py at 16×12;
 * longer runs add python3-pydicom's test files (README, "Tests"). */
#include "fuzz-target.h"

#include "fovea-decode.h"
#include "fovea-dicom.h"

/* Small enough that each input decodes in milliseconds. */
#define FUZZ_MAX_PIXELS (4 * 1000 * 1000)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *names[] = { "x.dcm", "x" };
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.max_pixels = FUZZ_MAX_PIXELS;
  /* Unnamed, DICOM contents take the same path as named: once is enough. */
  gboolean dicom = fovea_dicom_sniff (data, size);
  gsize n_names = dicom ? 1 : G_N_ELEMENTS (names);
  for (gsize i = 0; i < n_names; i++)
    {
      GError *error = NULL;
      FoveaDecodeInfo info;
      FoveaImage *image = fovea_decode_memory (data, size, names[i], &options, &info, &error);
      /* Exactly one of the two, and never a half image; a .dcm name or
       * DICOM contents decode as DICOM, other unnamed contents (a GIF the
       * mutations made) as what they are. */
      if ((image == NULL) == (error == NULL) ||
          (image != NULL && (image->width <= 0 || image->height <= 0 || image->data == NULL ||
                             ((dicom || i == 0) && info.format != FOVEA_FORMAT_DICOM))))
        __builtin_trap ();
      fovea_image_free (image);
      g_clear_error (&error);
    }

  GError *error = NULL;
  FoveaDicomTags *tags = fovea_dicom_read_tags_memory (data, size, "x.dcm", &error);
  if ((tags == NULL) == (error == NULL))
    __builtin_trap ();
  if (tags != NULL)
    {
      /* Every string is set and valid UTF-8, whatever the bytes said. */
      const char *strings[] = { tags->patient_id, tags->patient_name, tags->laterality,
                                tags->study_instance_uid, tags->sop_class_uid };
      for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
        if (strings[i] == NULL || !g_utf8_validate (strings[i], -1, NULL))
          __builtin_trap ();
      JsonBuilder *builder = json_builder_new ();
      json_builder_begin_object (builder);
      fovea_dicom_tags_add_json (tags, builder);
      json_builder_end_object (builder);
      g_object_unref (builder);
      (void) fovea_dicom_tags_eye_code (tags);
      (void) fovea_dicom_tags_modality (tags);
    }
  fovea_dicom_tags_free (tags);
  g_clear_error (&error);
  return 0;
}
