/* STUB: inference/fovea-adapter.c, to be implemented. */
#include "fovea-adapter.h"
FoveaLora *fovea_adapter_load (const char *p, const FoveaVit *v, const FoveaAdapterOptions *o, GError **error) { g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER, "not implemented"); return NULL; }
