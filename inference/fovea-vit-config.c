/* STUB: inference/fovea-vit-config.c, to be implemented. */
#include "fovea-vit-config.h"
G_DEFINE_QUARK (fovea-model-error-quark, fovea_model_error)
gboolean fovea_vit_config_load_file (FoveaVitConfig *c, const char *p, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "not implemented"); return FALSE; }
gboolean fovea_vit_config_load_data (FoveaVitConfig *c, const char *j, gssize l, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "not implemented"); return FALSE; }
void fovea_vit_config_clear (FoveaVitConfig *c) { }
