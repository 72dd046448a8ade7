/* fovea-quality.c: the gradable / ungradable verdict and its reasons. */
#define G_LOG_DOMAIN "fovea-quality"

#include "fovea-quality.h"

#include "fovea-quality-scores.h"

void
fovea_quality_thresholds_init (FoveaQualityThresholds *thresholds, FoveaModality modality)
{
  /* The values and the margins they were chosen with are in the header. */
  *thresholds = (FoveaQualityThresholds) {
    .min_sharpness = 2.0,
    .max_dark_fraction = 0.5,
    .max_bright_fraction = 0.1,
    .dark_level = 25,
    .bright_level = 240,
    .min_mean_luminance = 30,
    .max_mean_luminance = 190,
    .min_fov_coverage = 0.75,
    .max_fov_cutoff = 0.25,
    .min_fov_area_fraction = 0.2,
    .min_resolution = 256,
  };
  if (modality == FOVEA_MODALITY_FUNDUS || modality == FOVEA_MODALITY_UNKNOWN)
    return;

  /* Skin and OCTA have no field of view to judge, and OCTA scans are
   * natively small (304 px for 3 mm, 400 px for 6 mm in OCTA-500). */
  thresholds->min_fov_coverage = 0;
  thresholds->max_fov_cutoff = 1;
  thresholds->min_fov_area_fraction = 0;
  thresholds->min_resolution = modality == FOVEA_MODALITY_OCTA ? 200 : 224;
  if (modality != FOVEA_MODALITY_SKIN)
    return;

  /* Dermoscopy is bright skin under a lens, and sharp at 224 px. Measured
   * on the 4786 HAM10000 images (all usable; tests/app/test-quality.c,
   * FOVEA_TEST_HAM_ALL=1): mean luminance 45.9 .. 229.8 (99.9 % ≤ 220.6),
   * bright fraction ≤ 0.564 (99.9 % ≤ 0.244), sharpness 3.31 .. 994. The
   * fundus limits (190, 0.1) failed 172 of them (3.6 %) as overexposed.
   * Gaussian blur σ = 3 gives sharpness 0.13 .. 7.5 (99.9 % ≤ 2.3): 2.5
   * catches 4782 of 4786 and fails no original. ×0.08 darkened copies:
   * mean 3.7 .. 18.4, all caught by the shared limits. */
  thresholds->min_sharpness = 2.5;
  thresholds->max_mean_luminance = 235;
  thresholds->max_bright_fraction = 0.6;
}

static guint
judge (const FoveaQualityReport *report, const FoveaQualityThresholds *t)
{
  guint reasons = 0;
  if (report->sharpness < t->min_sharpness)
    reasons |= FOVEA_QUALITY_BLUR;
  if (report->mean_luminance < t->min_mean_luminance ||
      report->dark_fraction > t->max_dark_fraction)
    reasons |= FOVEA_QUALITY_UNDEREXPOSED;
  if (report->mean_luminance > t->max_mean_luminance ||
      report->bright_fraction > t->max_bright_fraction)
    reasons |= FOVEA_QUALITY_OVEREXPOSED;
  if (report->fov.coverage < t->min_fov_coverage ||
      report->fov.cutoff > t->max_fov_cutoff ||
      report->fov.area_fraction < t->min_fov_area_fraction)
    reasons |= FOVEA_QUALITY_FIELD_OF_VIEW;
  if (report->effective_resolution < t->min_resolution)
    reasons |= FOVEA_QUALITY_RESOLUTION;
  return reasons;
}

void
fovea_quality_assess (const FoveaImage *image, FoveaModality modality,
                      const FoveaQualityThresholds *thresholds,
                      FoveaQualityReport *out_report)
{
  FoveaQualityThresholds defaults;
  if (thresholds == NULL)
    {
      fovea_quality_thresholds_init (&defaults, modality);
      thresholds = &defaults;
    }

  FoveaQualityReport report = { 0 };
  /* An OCTA projection is a square scan: no disc, however dark its corners. */
  if (modality == FOVEA_MODALITY_OCTA)
    fovea_fov_init_whole_image (image, &report.fov);
  else
    fovea_fov_detect (image, &report.fov);

  FoveaQualityScores scores;
  fovea_quality_measure (image, &report.fov, thresholds->dark_level,
                         thresholds->bright_level, &scores);
  report.sharpness = scores.sharpness;
  report.dark_fraction = scores.dark_fraction;
  report.bright_fraction = scores.bright_fraction;
  report.mean_luminance = scores.mean_luminance;
  report.effective_resolution = report.fov.found ? 2.0 * report.fov.r
                                                 : MIN (image->width, image->height);
  report.reasons = judge (&report, thresholds);
  report.gradable = report.reasons == 0;
  *out_report = report;
}

void
fovea_quality_assess_scaled (const FoveaImage *image, int scale_denom, FoveaModality modality,
                             const FoveaQualityThresholds *thresholds,
                             FoveaQualityReport *out_report)
{
  g_return_if_fail (scale_denom >= 1);
  FoveaQualityThresholds defaults;
  if (thresholds == NULL)
    {
      fovea_quality_thresholds_init (&defaults, modality);
      thresholds = &defaults;
    }
  fovea_quality_assess (image, modality, thresholds, out_report);
  if (scale_denom == 1)
    return;
  FoveaQualityReport *report = out_report;
  report->fov.cx *= scale_denom;
  report->fov.cy *= scale_denom;
  report->fov.r *= scale_denom;
  report->effective_resolution *= scale_denom;
  report->reasons = judge (report, thresholds);
  report->gradable = report->reasons == 0;
}

const char *
fovea_quality_reason_to_string (FoveaQualityReason reason)
{
  switch (reason)
    {
    case FOVEA_QUALITY_BLUR:
      return "blur";
    case FOVEA_QUALITY_UNDEREXPOSED:
      return "underexposed";
    case FOVEA_QUALITY_OVEREXPOSED:
      return "overexposed";
    case FOVEA_QUALITY_FIELD_OF_VIEW:
      return "field_of_view";
    case FOVEA_QUALITY_RESOLUTION:
      return "resolution";
    default:
      return "unknown";
    }
}

GStrv
fovea_quality_reason_names (guint reasons, FoveaQualityReasonNameFunc name_func)
{
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();

  if (name_func == NULL)
    name_func = fovea_quality_reason_to_string;
  for (guint bit = 0; bit < FOVEA_QUALITY_N_REASONS; bit++)
    if (reasons & (1u << bit))
      g_strv_builder_add (names, name_func ((FoveaQualityReason) (1u << bit)));
  return g_strv_builder_end (names);
}
