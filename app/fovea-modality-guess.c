/* STUB */
#include "fovea-modality-guess.h"
FoveaModality fovea_modality_guess (const FoveaImage *image) { return FOVEA_MODALITY_FUNDUS; }
