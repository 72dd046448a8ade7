/* STUB: inference/fovea-preprocess.c, to be implemented. */
#include "fovea-preprocess.h"
void fovea_preprocess_init (FoveaPreprocess *p, const FoveaVitConfig *c, const FoveaTaskCard *card) { }
gboolean fovea_preprocess_image (const FoveaPreprocess *p, const FoveaImage *i, float *o, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT, "not implemented"); return FALSE; }
