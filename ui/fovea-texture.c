/* fovea-texture.c: turning a FoveaImage into a GdkTexture for display. */
#define G_LOG_DOMAIN "fovea-texture"

#include "fovea-texture.h"

#include <string.h>

static GdkMemoryFormat
choose_memory_format (gboolean alpha,
                      int      bit_depth)
{
  if (bit_depth == 16)
    return alpha ? GDK_MEMORY_R16G16B16A16 : GDK_MEMORY_R16G16B16;
  return alpha ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8;
}

/* Grey (+ alpha) to RGB(A): each sample is copied whole, whatever its size,
 * so one loop serves both depths. */
static void
expand_grey_row (const guint8 *src,
                 guint8       *dst,
                 int           width,
                 int           src_channels,
                 gsize         sample_size)
{
  int dst_channels = src_channels + 2;

  for (int x = 0; x < width; x++)
    {
      const guint8 *pixel = src + (gsize) x * src_channels * sample_size;
      guint8 *out = dst + (gsize) x * dst_channels * sample_size;

      for (int c = 0; c < 3; c++)
        memcpy (out + c * sample_size, pixel, sample_size);
      if (src_channels == 2)
        memcpy (out + 3 * sample_size, pixel + sample_size, sample_size);
    }
}

GdkTexture *
fovea_texture_new_from_image (const FoveaImage  *image,
                              GError           **error)
{
  gboolean alpha = fovea_image_has_alpha (image);
  int channels = alpha ? 4 : 3;
  gsize sample_size = (gsize) image->bit_depth / 8;
  gsize stride, total;

  if (!g_size_checked_mul (&stride, (gsize) image->width, channels * sample_size) ||
      !g_size_checked_mul (&total, stride, (gsize) image->height))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_TOO_LARGE,
                   "Image of %d×%d pixels is too large to display",
                   image->width, image->height);
      return NULL;
    }

  guint8 *pixels = g_try_malloc (total);
  if (pixels == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory preparing a %d×%d image for display",
                   image->width, image->height);
      return NULL;
    }

  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = fovea_image_row (image, y);
      guint8 *dst = pixels + (gsize) y * stride;

      if (image->channels == channels)
        memcpy (dst, src, stride);
      else
        expand_grey_row (src, dst, image->width, image->channels, sample_size);
    }

  g_autoptr(GBytes) bytes = g_bytes_new_take (pixels, total);
  return gdk_memory_texture_new (image->width, image->height,
                                 choose_memory_format (alpha, image->bit_depth),
                                 bytes, stride);
}
