/* STUB: app/fovea-encode-png.c, to be implemented. */
#include <gio/gio.h>
#include "fovea-encode.h"
gboolean fovea_encode_png_file (const FoveaImage *i, const char *p, GError **e) { g_set_error_literal (e, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "not implemented"); return FALSE; }
