/* fovea-encode-write.c: checks and the atomic file write shared by the
 * encoders. */
#define G_LOG_DOMAIN "fovea-encode-write"

#include "fovea-encode-private.h"

#include "fovea-output-guard.h"

#include <gio/gio.h>

gboolean
fovea_encode_check_image (const FoveaImage *image,
                          const char       *path,
                          const char       *format,
                          GError          **error)
{
  if (image == NULL || image->data == NULL || image->width <= 0 || image->height <= 0 ||
      image->channels < 1 || image->channels > 4 ||
      (image->bit_depth != 8 && image->bit_depth != 16) ||
      image->stride < (gsize) image->width * fovea_image_bytes_per_pixel (image))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot write “%s” as %s: the image is not valid", path, format);
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_encode_write_file (const char   *path,
                         const guint8 *data,
                         gsize         length,
                         GError      **error)
{
  return fovea_output_write_atomic (path, data, length, 0644, error);
}
