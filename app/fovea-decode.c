/* STUB: app/fovea-decode.c, to be implemented. */
#include "fovea-decode.h"
G_DEFINE_QUARK (fovea-decode-error-quark, fovea_decode_error)
void fovea_decode_options_init (FoveaDecodeOptions *o) { *o = (FoveaDecodeOptions) { FOVEA_DECODE_DEFAULT_MAX_PIXELS, 0, 0 }; }
FoveaImage *fovea_decode_file (const char *path, const FoveaDecodeOptions *o, FoveaDecodeInfo *info, GError **error) { g_set_error (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_UNSUPPORTED, "%s: not implemented", path); return NULL; }
FoveaImage *fovea_decode_memory (const guint8 *d, gsize n, const char *name, const FoveaDecodeOptions *o, FoveaDecodeInfo *info, GError **error) { g_set_error (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_UNSUPPORTED, "%s: not implemented", name); return NULL; }
FoveaFileFormat fovea_file_format_sniff (const guint8 *d, gsize n) { return FOVEA_FORMAT_UNKNOWN; }
FoveaFileFormat fovea_file_format_from_name (const char *p) { return FOVEA_FORMAT_UNKNOWN; }
const char *fovea_file_format_to_string (FoveaFileFormat f) { return "unknown"; }
gboolean fovea_decode_is_supported_name (const char *p) { return FALSE; }
