/* fovea-safetensors-private.h: what the reader and the writer share. */
#pragma once

#include "fovea-safetensors.h"

G_BEGIN_DECLS

/* "[144, 48]"; a -1 (any size) is shown as "*". Free with g_free(). */
char *fovea_shape_to_string (const gint64 *shape,
                             int           n_dims);

G_END_DECLS
