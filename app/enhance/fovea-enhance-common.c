/* fovea-enhance-common.c: helpers shared by the enhancement files. */
#define G_LOG_DOMAIN "fovea-enhance-common"

#include "fovea-enhance-private.h"

const FoveaImage *
fovea_enhance_source8 (const FoveaImage *image,
                       FoveaImage      **owned,
                       GError          **error)
{
  *owned = NULL;
  if (image->bit_depth == 8)
    return image;

  FoveaImage *copy = fovea_image_new (image->width, image->height,
                                      image->channels, 8, error);
  if (copy == NULL)
    return NULL;
  gsize samples = (gsize) image->width * (gsize) image->channels;
  for (int y = 0; y < image->height; y++)
    {
      const guint16 *src = fovea_image_row16 (image, y);
      guint8 *dst = fovea_image_row (copy, y);
      for (gsize i = 0; i < samples; i++)
        dst[i] = (guint8) ((src[i] + 128u) / 257u);
    }
  *owned = copy;
  return copy;
}

void
fovea_enhance_copy_alpha (const FoveaImage *src,
                          FoveaImage       *dst)
{
  int n = src->channels;
  for (int y = 0; y < src->height; y++)
    {
      const guint8 *s = fovea_image_row (src, y);
      guint8 *d = fovea_image_row (dst, y);
      for (int x = 0; x < src->width; x++)
        d[n * x + n - 1] = s[n * x + n - 1];
    }
}
