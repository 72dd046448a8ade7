/* STUB: inference/fovea-safetensors.c, to be implemented. */
#include "fovea-safetensors.h"
G_DEFINE_QUARK (fovea-safetensors-error-quark, fovea_safetensors_error)
FoveaSafetensors *fovea_safetensors_open (const char *path, GError **error) { g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO, "%s: not implemented", path); return NULL; }
FoveaSafetensors *fovea_safetensors_new_from_bytes (GBytes *b, const char *name, GError **error) { g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO, "%s: not implemented", name); return NULL; }
FoveaSafetensors *fovea_safetensors_ref (FoveaSafetensors *st) { return st; }
void fovea_safetensors_unref (FoveaSafetensors *st) { }
const char *fovea_safetensors_get_path (const FoveaSafetensors *st) { return NULL; }
guint fovea_safetensors_get_n_tensors (const FoveaSafetensors *st) { return 0; }
const FoveaTensorView *fovea_safetensors_get_nth (const FoveaSafetensors *st, guint i) { return NULL; }
const FoveaTensorView *fovea_safetensors_lookup (const FoveaSafetensors *st, const char *n) { return NULL; }
const char *fovea_safetensors_get_metadata (const FoveaSafetensors *st, const char *k) { return NULL; }
const float *fovea_safetensors_get_f32 (FoveaSafetensors *st, const char *n, int d, const gint64 *s, GError **error) { g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_MISSING, "not implemented"); return NULL; }
gboolean fovea_safetensors_write (const char *p, const FoveaTensorView *t, guint n, GHashTable *m, GError **error) { g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO, "not implemented"); return FALSE; }
float fovea_f16_to_f32 (guint16 h) { return 0; }
float fovea_bf16_to_f32 (guint16 b) { return 0; }
guint16 fovea_f32_to_f16 (float f) { return 0; }
guint16 fovea_f32_to_bf16 (float f) { return 0; }
