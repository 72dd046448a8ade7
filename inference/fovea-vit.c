/* STUB: inference/fovea-vit.c, to be implemented. */
#include "fovea-vit.h"
FoveaVit *fovea_vit_load (const char *dir, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "not implemented"); return NULL; }
void fovea_vit_free (FoveaVit *vit) { }
const FoveaVitConfig *fovea_vit_get_config (const FoveaVit *vit) { return NULL; }
const char *fovea_vit_get_sha256 (FoveaVit *vit) { return NULL; }
FoveaVitRun *fovea_vit_run_new (FoveaVit *vit, int b, int h, int w, FoveaVitOutputs o, int t, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "not implemented"); return NULL; }
void fovea_vit_run_free (FoveaVitRun *run) { }
gboolean fovea_vit_forward (FoveaVitRun *run, const float *p, int b, const FoveaLora *l, GError **error) { return FALSE; }
int fovea_vit_run_get_n_outputs (const FoveaVitRun *run) { return 0; }
const float *fovea_vit_run_get_logits (const FoveaVitRun *run) { return NULL; }
int fovea_vit_run_get_n_tokens (const FoveaVitRun *run) { return 0; }
int fovea_vit_run_get_n_prefix (const FoveaVitRun *run) { return 0; }
int fovea_vit_run_get_grid (const FoveaVitRun *run, int *gh, int *gw) { return 0; }
const float *fovea_vit_run_get_attention (const FoveaVitRun *run, int b) { return NULL; }
const float *fovea_vit_run_get_patch_tokens (const FoveaVitRun *run) { return NULL; }
