/* fovea-encode-private.h: what the PNG and JPEG encoders share. */
#pragma once

#include "fovea-encode.h"

G_BEGIN_DECLS

/* TRUE when the image is well formed (geometry, depth, stride, pixels);
 * otherwise a G_IO_ERROR_INVALID_ARGUMENT naming the path and the format. */
gboolean fovea_encode_check_image (const FoveaImage *image,
                                   const char       *path,
                                   const char       *format,
                                   GError          **error);

/* Writes the encoded bytes to a temporary file next to path, then renames
 * it over path (mode 0644): no partial or half-replaced file, ever. */
gboolean fovea_encode_write_file  (const char       *path,
                                   const guint8     *data,
                                   gsize             length,
                                   GError          **error);

G_END_DECLS
