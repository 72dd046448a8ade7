/* fovea-quality.h: is this image gradable at all? Quality gating comes
 * before any grade: an ungradable verdict, with its reasons, overrides it. */
#pragma once

#include "fovea-fov.h"
#include "fovea-image.h"
#include "fovea-modality.h"

G_BEGIN_DECLS

/* The fixed vocabulary of reasons; a verdict carries a bit set of them. */
typedef enum {
  FOVEA_QUALITY_BLUR          = 1 << 0,
  FOVEA_QUALITY_UNDEREXPOSED  = 1 << 1,
  FOVEA_QUALITY_OVEREXPOSED   = 1 << 2,
  FOVEA_QUALITY_FIELD_OF_VIEW = 1 << 3,
  FOVEA_QUALITY_RESOLUTION    = 1 << 4,
} FoveaQualityReason;

#define FOVEA_QUALITY_N_REASONS 5

/* Defaults are documented in the README; every one can be configured. */
typedef struct {
  double min_sharpness;        /* variance of the Laplacian inside the FOV, at the normalised scale */
  double max_dark_fraction;    /* share of FOV pixels with luminance below dark_level */
  double max_bright_fraction;  /* share of FOV pixels with luminance above bright_level */
  double dark_level;           /* 0..255 */
  double bright_level;         /* 0..255 */
  double min_mean_luminance;   /* 0..255, mean luminance inside the FOV */
  double max_mean_luminance;   /* 0..255 */
  double min_fov_coverage;     /* FoveaFov.coverage below this is a cut FOV */
  double max_fov_cutoff;       /* FoveaFov.cutoff above this is a cut FOV */
  double min_fov_area_fraction;/* FOV too small within the frame */
  double min_resolution;       /* FOV diameter in pixels (fundus) or short side (others) */
} FoveaQualityThresholds;

typedef struct {
  gboolean gradable;
  guint    reasons;          /* FoveaQualityReason bits */
  FoveaFov fov;
  /* The scores the verdict was made from. */
  double   sharpness;
  double   dark_fraction;
  double   bright_fraction;
  double   mean_luminance;
  double   effective_resolution;
} FoveaQualityReport;

void        fovea_quality_thresholds_init (FoveaQualityThresholds *thresholds,
                                           FoveaModality           modality);
/* thresholds may be NULL for the modality's defaults. */
void        fovea_quality_assess          (const FoveaImage             *image,
                                           FoveaModality                 modality,
                                           const FoveaQualityThresholds *thresholds,
                                           FoveaQualityReport           *out_report);
/* "blur", "underexposed", "overexposed", "field_of_view", "resolution". */
const char *fovea_quality_reason_to_string (FoveaQualityReason reason);

G_END_DECLS
