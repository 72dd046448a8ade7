/* fovea-augment-private.h: the augmentation steps, for the training set. */
#pragma once

#include "fovea-resize.h"
#include "fovea-train-data.h"
#include "fovea-train-rng.h"

G_BEGIN_DECLS

/* FALSE, with a message, for settings out of range (negative, not finite,
 * a crop scale above 1, a rotation above 180°). */
gboolean    fovea_augment_check (const FoveaAugment *aug,
                                 GError            **error);

/* From an 8-bit RGB image to an augmented 8-bit RGB image of exactly
 * width × height, in this order: random resized crop (which resizes to
 * width × height with filter), flips, a multiple of 90°, a small rotation,
 * colour jitter, and a final resize when a quarter turn of a non-square
 * input changed the size. */
FoveaImage *fovea_augment_apply (const FoveaAugment *aug,
                                 const FoveaImage   *rgb,
                                 int                 width,
                                 int                 height,
                                 FoveaResizeFilter   filter,
                                 FoveaTrainRng      *rng,
                                 GError            **error);

G_END_DECLS
