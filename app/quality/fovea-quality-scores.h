/* fovea-quality-scores.h: the measurements behind a quality verdict
 * (private to fovea-quality.c). */
#pragma once

#include "fovea-fov.h"
#include "fovea-image.h"

G_BEGIN_DECLS

/* The FOV is resampled so that its diameter (or, without a disc, the
 * image's short side) is at most this many pixels before anything is
 * measured, so that scores do not depend on the camera's resolution. */
#define FOVEA_QUALITY_NORMALISED_DIAMETER 512

typedef struct {
  double sharpness;        /* variance of the Laplacian, as at mean luminance 128 */
  double dark_fraction;
  double bright_fraction;
  double mean_luminance;
} FoveaQualityScores;

/* Measures luminance inside the FOV (shrunk by a margin, so the disc's dark
 * rim and its edge do not count). All zero if nothing could be measured. */
void fovea_quality_measure (const FoveaImage  *image,
                            const FoveaFov    *fov,
                            double             dark_level,
                            double             bright_level,
                            FoveaQualityScores *out_scores);

G_END_DECLS
