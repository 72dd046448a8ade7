/* STUB: inference/fovea-resize.c, to be implemented. */
#include "fovea-resize.h"
FoveaImage *fovea_resize (const FoveaImage *src, int w, int h, FoveaResizeFilter f, GError **error) { g_set_error_literal (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID, "not implemented"); return NULL; }
gboolean fovea_resize_filter_from_string (const char *name, FoveaResizeFilter *out) { return FALSE; }
