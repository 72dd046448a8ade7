/* fovea-seg-patch.h: training patches of a segmentation set, with
 * geometric and domain augmentation.
 *
 * A patch is a square of side pixels: its centre is a positive pixel of a
 * label drawn at random (with probability lesion_fraction, among the
 * labels the image has, so that rare lesions are seen) or a point drawn
 * uniformly in the field of view's bounding box. One affine map from the
 * patch to the image, drawn once — flips, a quarter turn, a small
 * rotation and a scale — samples the photograph (bilinear), every mask and
 * the FOV (nearest), so that they stay aligned; outside the image is
 * black and outside the FOV.
 *
 * Domain augmentation (AADG's point: what changes between cameras), on
 * the photograph only, in this order: per-channel gain (colour cast),
 * brightness, contrast, saturation, gamma, a linear illumination
 * gradient, Gaussian blur, Gaussian noise.
 *
 * Every draw comes from a generator seeded by (seed, epoch, index)
 * (fovea-train-rng.h): a patch is the same whatever thread makes it or
 * whether the run was resumed. */
#pragma once

#include "fovea-seg-data.h"
#include "fovea-train-rng.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_SEG_AUGMENT_NONE,     /* the patch as it is */
  FOVEA_SEG_AUGMENT_PLAIN,    /* geometry only */
  FOVEA_SEG_AUGMENT_DOMAIN,   /* geometry and the photometric steps */
} FoveaSegAugmentMode;

typedef struct {
  FoveaSegAugmentMode mode;
  int    side;                /* patch side, a multiple of 32 */
  double lesion_fraction;     /* share of patches centred on a positive pixel */
  double rotate_degrees;      /* ± */
  double scale_range;         /* scale uniform in [1 − r, 1 + r] (log) */
  double gain, brightness, contrast, saturation;   /* each ± */
  double gamma;               /* log-uniform in [1/(1 + g), 1 + g] */
  double gradient;            /* illumination ramp amplitude ± */
  double blur_prob, blur_sigma_max;
  double noise_prob, noise_sigma_max;   /* on 0 … 1 pixel values */
  float  mean[3], std[3];     /* normalisation of the output pixels */
} FoveaSegAugment;

/* Defaults: 256-pixel patches, half centred on a lesion, flips, quarter
 * turns, ±15°, scale ±10 %, and AADG-like domain settings. */
void        fovea_seg_augment_init (FoveaSegAugment *aug,
                                    FoveaSegAugmentMode mode,
                                    int              side);
gboolean    fovea_seg_augment_parse_mode (const char          *name,
                                          FoveaSegAugmentMode *out);

/* Makes patch `index` of `epoch` from samples (drawn uniformly):
 * pixels 3 × side × side normalised floats (planar), targets side × side
 * × n_labels (channels-last, 0 or 1), fov side × side (0 or 1). */
void        fovea_seg_patch_make (const FoveaSegAugment *aug,
                                  const GPtrArray       *samples,
                                  int                    n_labels,
                                  guint64                seed,
                                  gint64                 epoch,
                                  gint64                 index,
                                  float                 *pixels,
                                  float                 *targets,
                                  float                 *fov);

/* A whole sample as normalised planar floats (3 × height × width). */
float      *fovea_seg_sample_pixels (const FoveaSegSample *sample,
                                     const float           mean[3],
                                     const float           std[3]);

G_END_DECLS
