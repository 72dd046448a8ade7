/* STUB: to be implemented. */
#include "fovea-vit.h"
gboolean fovea_vit_check_lora (const FoveaVit *vit, const FoveaLora *l, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER, "not implemented"); return FALSE; }
