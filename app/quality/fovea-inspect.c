/* fovea-inspect.c: the facts `fovea-cli inspect` reports about one file,
 * as a JSON object (the table form is rendered from the same object). */
#define G_LOG_DOMAIN "fovea-inspect"

#include "fovea-inspect.h"

#include <math.h>

#include "fovea-dicom.h"
#include "fovea-modality-guess.h"

/* Scores are measurements, not exact values: four significant decimals
 * keep the JSON readable without losing anything a threshold can see. */
static double
round4 (double value)
{
  return round (value * 1e4) / 1e4;
}

static JsonNode *
build_error_node (const char *path, const GError *error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *message = g_utf8_make_valid (error->message, -1);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, shown);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_fov (JsonBuilder *builder, const FoveaFov *fov)
{
  json_builder_set_member_name (builder, "fov");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "found");
  json_builder_add_boolean_value (builder, fov->found);
  json_builder_set_member_name (builder, "cx");
  json_builder_add_double_value (builder, round4 (fov->cx));
  json_builder_set_member_name (builder, "cy");
  json_builder_add_double_value (builder, round4 (fov->cy));
  json_builder_set_member_name (builder, "r");
  json_builder_add_double_value (builder, round4 (fov->r));
  json_builder_end_object (builder);
}

static void
add_quality (JsonBuilder *builder, const FoveaQualityReport *report)
{
  json_builder_set_member_name (builder, "quality");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "gradable");
  json_builder_add_boolean_value (builder, report->gradable);

  json_builder_set_member_name (builder, "reasons");
  json_builder_begin_array (builder);
  g_auto (GStrv) reasons = fovea_quality_reason_names (report->reasons, NULL);
  for (guint i = 0; reasons[i] != NULL; i++)
    json_builder_add_string_value (builder, reasons[i]);
  json_builder_end_array (builder);

  const struct { const char *name; double value; } scores[] = {
    { "sharpness", report->sharpness },
    { "dark_fraction", report->dark_fraction },
    { "bright_fraction", report->bright_fraction },
    { "mean_luminance", report->mean_luminance },
    { "fov_area_fraction", report->fov.area_fraction },
    { "fov_coverage", report->fov.coverage },
    { "fov_cutoff", report->fov.cutoff },
    { "effective_resolution", report->effective_resolution },
  };
  json_builder_set_member_name (builder, "scores");
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (scores); i++)
    {
      json_builder_set_member_name (builder, scores[i].name);
      json_builder_add_double_value (builder, round4 (scores[i].value));
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

JsonNode *
fovea_inspect_file (const char        *path,
                    FoveaModality      modality,
                    const char *const *threshold_overrides,
                    gboolean          *out_ok)
{
  g_autoptr (GError) error = NULL;
  /* As grade does: a large JPEG is decoded at the DCT scale the quality
   * scores need, several times faster than at full size, and the two
   * commands then give the same verdicts. */
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.min_width = FOVEA_QUALITY_MIN_DECODE_SIZE;
  options.min_height = FOVEA_QUALITY_MIN_DECODE_SIZE;
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) image = fovea_decode_file (path, &options, &info, &error);
  if (image == NULL)
    {
      *out_ok = FALSE;
      return build_error_node (path, error);
    }

  g_autoptr (FoveaDicomTags) tags = NULL;
  if (info.format == FOVEA_FORMAT_DICOM)
    {
      g_autoptr (GError) tag_error = NULL;
      tags = fovea_dicom_read_tags (path, &tag_error);
      if (tags == NULL)
        g_debug ("%s", tag_error->message);
    }
  if (modality == FOVEA_MODALITY_UNKNOWN)
    modality = fovea_dicom_tags_modality (tags);
  if (modality == FOVEA_MODALITY_UNKNOWN)
    modality = fovea_modality_guess (image);

  FoveaQualityThresholds thresholds;
  fovea_quality_thresholds_init (&thresholds, modality);
  if (!fovea_quality_thresholds_apply (&thresholds, threshold_overrides, &error))
    {
      *out_ok = FALSE;
      return build_error_node (path, error);
    }
  FoveaQualityReport report;
  fovea_quality_assess_scaled (image, info.scale_denom, modality, &thresholds, &report);

  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  /* JSON strings are UTF-8: a file name that is not is shown as GLib's
   * display name. */
  g_autofree char *shown = g_filename_display_name (path);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, shown);
  /* Lower case, like the modality: these are identifiers, not prose. */
  g_autofree char *format = g_ascii_strdown (fovea_file_format_to_string (info.format), -1);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, format);
  /* The file's own size, upright, whatever scale it was decoded at. */
  int width = image->width, height = image->height;
  if (info.scale_denom > 1)
    {
      gboolean turned = info.exif_orientation >= 5;
      width = turned ? info.original_height : info.original_width;
      height = turned ? info.original_width : info.original_height;
    }
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, height);
  json_builder_set_member_name (builder, "channels");
  json_builder_add_int_value (builder, image->channels);
  json_builder_set_member_name (builder, "bit_depth");
  json_builder_add_int_value (builder, image->bit_depth);
  json_builder_set_member_name (builder, "modality");
  json_builder_add_string_value (builder, fovea_modality_to_string (modality));
  add_fov (builder, &report.fov);
  add_quality (builder, &report);
  if (tags != NULL)
    {
      json_builder_set_member_name (builder, "dicom");
      json_builder_begin_object (builder);
      fovea_dicom_tags_add_json (tags, builder);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  *out_ok = TRUE;
  return json_builder_get_root (builder);
}
