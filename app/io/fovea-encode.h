/* fovea-encode.h: writing images. The file is encoded in memory and written
 * with g_file_set_contents_full (temporary file in
 * the same folder, then rename), so a failure never leaves a
 * partial file behind and never clobbers the old one. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

/* 8- or 16-bit PNG of any channel count. */
gboolean fovea_encode_png_file  (const FoveaImage *image,
                                 const char       *path,
                                 GError          **error);
/* 8-bit grey or RGB baseline JPEG; quality 1..100. */
gboolean fovea_encode_jpeg_file (const FoveaImage *image,
                                 const char       *path,
                                 int               quality,
                                 GError          **error);

G_END_DECLS
