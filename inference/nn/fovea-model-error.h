/* fovea-model-error.h: the error domain of loading and running models,
 * shared by everything from the thread pool up to the adapters, so it
 * lives at the bottom of the engine. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_MODEL_ERROR (fovea_model_error_quark ())

typedef enum {
  FOVEA_MODEL_ERROR_CONFIG,       /* config.json missing, malformed or unsupported */
  FOVEA_MODEL_ERROR_WEIGHTS,      /* a weight missing or of the wrong shape */
  FOVEA_MODEL_ERROR_INPUT,        /* an input of the wrong size */
  FOVEA_MODEL_ERROR_ADAPTER,      /* an adapter that does not fit the backbone */
  FOVEA_MODEL_ERROR_NO_MEMORY,
  FOVEA_MODEL_ERROR_PRECISION,    /* a precision this CPU does not run */
} FoveaModelError;

GQuark fovea_model_error_quark (void);

G_END_DECLS
