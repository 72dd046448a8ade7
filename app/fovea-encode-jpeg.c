/* STUB: app/fovea-encode-jpeg.c, to be implemented. */
#include <gio/gio.h>
#include "fovea-encode.h"
gboolean fovea_encode_jpeg_file (const FoveaImage *i, const char *p, int q, GError **e) { g_set_error_literal (e, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not implemented"); return FALSE; }
