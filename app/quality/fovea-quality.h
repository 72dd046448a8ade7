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

/* Scores are measured inside the FOV (fovea_fov_detect(); for OCTA the
 * whole image), trimmed by 4 % of its radius, after area-averaging so that
 * the FOV diameter (or the short side, without a disc) is at most 512 px:
 * thresholds then hold whatever the camera's resolution.
 *
 * Defaults (fovea_quality_thresholds_init()), every one configurable:
 *
 *   threshold              fundus / unknown   skin    OCTA
 *   min_sharpness          2.0                2.5     same
 *   dark_level             25                 same    same
 *   max_dark_fraction      0.5                same    same
 *   bright_level           240                same    same
 *   max_bright_fraction    0.1                0.6     same
 *   min_mean_luminance     30                 same    same
 *   max_mean_luminance     190                235     same
 *   min_fov_coverage       0.75               0 (off) 0 (off)
 *   max_fov_cutoff         0.25               1 (off) 1 (off)
 *   min_fov_area_fraction  0.2                0 (off) 0 (off)
 *   min_resolution         256                224     200
 *
 * They were set between the scores of the 20 DRIVE training images (all
 * gradable) and of degraded copies (tests/app/test-quality.c):
 *   sharpness       DRIVE 9.4 .. 62.2;  Gaussian blur σ = 7: 0.13 .. 0.40
 *   mean luminance  DRIVE 77 .. 152;    ×0.08: 6.2 .. 12.1;  ×4: 223 .. 255
 *   bright fraction DRIVE ≤ 0.0025;     ×4: 0.20 .. 1.0
 *   dark fraction   DRIVE 0;            ×0.08: 1.0
 *   coverage        DRIVE ≥ 0.990;      left half black: 0.49 .. 0.52
 *   resolution      DRIVE 535 px;       150 px wide copy: ~143 px
 * OCTA-500 projections score sharpness 4400 .. 9700, mean 112 .. 126.
 * Skin's were measured on the 4786 HAM10000 dermoscopy images (224 px) and
 * their copies (fovea-quality.c gives the figures): all pass; blur σ = 3
 * is caught in 4782, ×0.08 darkening in all 4786.
 * max_fov_cutoff and min_fov_area_fraction are judgement, not measured:
 * cameras crop the top and bottom of the disc a little (a frame 0.7 of
 * the diameter high cuts off 19 % of it), and a disc under a fifth of the
 * frame is a mis-framed shot. */
typedef struct {
  double min_sharpness;        /* variance of the 4-neighbour Laplacian of luminance inside the
                                * FOV, at the normalised scale, times (128 / mean luminance)²
                                * (mean floored at 8) so that exposure does not read as blur */
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

#define FOVEA_QUALITY_ERROR (fovea_quality_error_quark ())

typedef enum {
  FOVEA_QUALITY_ERROR_INVALID,  /* an unknown threshold or a value out of range */
} FoveaQualityError;

GQuark      fovea_quality_error_quark     (void);

void        fovea_quality_thresholds_init (FoveaQualityThresholds *thresholds,
                                           FoveaModality           modality);
/* Sets one threshold by its field name above (e.g. "min_sharpness"). */
gboolean    fovea_quality_thresholds_set  (FoveaQualityThresholds *thresholds,
                                           const char             *name,
                                           double                  value,
                                           GError                **error);
/* Applies "NAME=NUMBER" overrides in order; NULL-terminated, may be NULL.
 * Stops at the first bad one, which the error names. */
gboolean    fovea_quality_thresholds_apply (FoveaQualityThresholds *thresholds,
                                            const char *const      *overrides,
                                            GError                **error);
/* thresholds may be NULL for the modality's defaults. */
void        fovea_quality_assess          (const FoveaImage             *image,
                                           FoveaModality                 modality,
                                           const FoveaQualityThresholds *thresholds,
                                           FoveaQualityReport           *out_report);
/* The same for a copy decoded at 1/scale_denom of the file's size (JPEG
 * DCT scaling, FoveaDecodeInfo.scale_denom): the field of view's centre
 * and radius and the effective resolution are given in the file's own
 * pixels, and resolution is judged on the camera's, not the copy's. */
void        fovea_quality_assess_scaled   (const FoveaImage             *image,
                                           int                           scale_denom,
                                           FoveaModality                 modality,
                                           const FoveaQualityThresholds *thresholds,
                                           FoveaQualityReport           *out_report);
/* The smallest side a photograph is decoded at for the quality scores:
 * sharpness and exposure are measured at this scale or finer, so that
 * inspect and grade, which both decode at a reduced DCT scale, agree. */
#define FOVEA_QUALITY_MIN_DECODE_SIZE 448

/* "blur", "underexposed", "overexposed", "field_of_view", "resolution". */
const char *fovea_quality_reason_to_string (FoveaQualityReason reason);

/* A wording of a reason: fovea_quality_reason_to_string's, or a caller's
 * own (a translated sentence for a report). */
typedef const char *(*FoveaQualityReasonNameFunc) (FoveaQualityReason reason);

/* The reasons set in reasons (FoveaQualityReason bits), in the enum's
 * order, each worded by name_func (NULL: fovea_quality_reason_to_string):
 * a NULL-terminated array, empty when none is set. */
GStrv       fovea_quality_reason_names     (guint                      reasons,
                                            FoveaQualityReasonNameFunc name_func);

G_END_DECLS
