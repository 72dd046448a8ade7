/* fovea-modality-guess.h: a first guess at an image's modality, which the
 * user can always correct. */
#pragma once

#include "fovea-image.h"
#include "fovea-modality.h"

G_BEGIN_DECLS

FoveaModality fovea_modality_guess (const FoveaImage *image);

G_END_DECLS
