/* fovea-model-error.c: see fovea-model-error.h. */
#define G_LOG_DOMAIN "fovea-model-error"

#include "fovea-model-error.h"

G_DEFINE_QUARK (fovea-model-error-quark, fovea_model_error)
