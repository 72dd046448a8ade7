/* fovea-safetensors-private.h: what the reader and the writer share. */
#pragma once

#include "fovea-safetensors.h"

G_BEGIN_DECLS

/* "[144, 48]"; a -1 (any size) is shown as "*". Free with g_free(). */
char *fovea_shape_to_string (const gint64 *shape,
                             int           n_dims);

/* The header of a file holding tensors laid out contiguously in the
 * order given: the JSON, padded with spaces to a multiple of 8 bytes.
 * Checks each view's name (unique), dtype and shape against its
 * n_elements and n_bytes, and that data is set when need_data (a caller
 * filling an image in memory builds the header first), and the header's
 * size. NULL with an error naming path and the tensor otherwise. */
GString *fovea_safetensors_build_header (const char            *path,
                                         const FoveaTensorView *tensors,
                                         guint                  n_tensors,
                                         GHashTable            *metadata,
                                         gboolean               need_data,
                                         GError               **error);

G_END_DECLS
