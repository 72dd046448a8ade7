/* STUB */
#include "fovea-inspect.h"
JsonNode *fovea_inspect_file (const char *path, FoveaModality modality, gboolean *out_ok) { *out_ok = FALSE; return json_node_new (JSON_NODE_NULL); }
