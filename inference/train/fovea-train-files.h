/* fovea-train-files.h: what the writers of trained models share: a list
 * of tensors to write as one safetensors file (with "format": "pt" and
 * the caller's metadata), and JSON written the way config.json and
 * adapter_config.json are. */
#pragma once

#include <json-glib/json-glib.h>

#include "fovea-safetensors.h"

G_BEGIN_DECLS

typedef struct {
  GArray    *views;    /* FoveaTensorView */
  GPtrArray *strings;  /* names owned */
  GPtrArray *buffers;  /* data owned */
} FoveaTensorList;

void     fovea_tensor_list_init  (FoveaTensorList *list);
void     fovea_tensor_list_clear (FoveaTensorList *list);
/* Adds an F32 tensor (name taken over) of n_dims axes; data is not
 * copied and must outlive the write. */
void     fovea_tensor_list_add   (FoveaTensorList *list,
                                  char            *name,
                                  const float     *data,
                                  int              n_dims,
                                  const gint64    *shape);
/* A buffer of n floats freed with the list. */
float   *fovea_tensor_list_buffer (FoveaTensorList *list,
                                   gsize            n);
/* Stores every F32 tensor of the list as F16 (round to nearest even;
 * copies owned by the list): half the bytes of a bundled model, which
 * loads as F32 again (fovea_safetensors_get_weights). */
void     fovea_tensor_list_to_f16 (FoveaTensorList *list);
/* Writes the tensors atomically, with "format": "pt" and extra (may be
 * NULL) in __metadata__. */
gboolean fovea_tensor_list_write (FoveaTensorList *list,
                                  const char      *path,
                                  GHashTable      *extra,
                                  GError         **error);

/* Writes builder's document, pretty-printed with a final newline,
 * atomically. */
gboolean fovea_json_write_file   (const char      *path,
                                  JsonBuilder     *builder,
                                  GError         **error);
/* Members of the object being built. */
void     fovea_json_add_int      (JsonBuilder     *b,
                                  const char      *key,
                                  gint64           value);
void     fovea_json_add_bool     (JsonBuilder     *b,
                                  const char      *key,
                                  gboolean         value);
void     fovea_json_add_double   (JsonBuilder     *b,
                                  const char      *key,
                                  double           value);
/* value NULL writes null. */
void     fovea_json_add_string   (JsonBuilder     *b,
                                  const char      *key,
                                  const char      *value);
void     fovea_json_add_numbers  (JsonBuilder     *b,
                                  const char      *key,
                                  const double    *values,
                                  int              n,
                                  gboolean         integers);

G_END_DECLS
