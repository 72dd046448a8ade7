/* fovea-image.c: allocation and format conversion of FoveaImage. */
#define G_LOG_DOMAIN "fovea-image"

#include "fovea-image.h"

#include <stdint.h>
#include <string.h>

G_DEFINE_QUARK (fovea-image-error-quark, fovea_image_error)

gsize
fovea_image_bytes_per_pixel (const FoveaImage *image)
{
  return (gsize) image->channels * (gsize) (image->bit_depth / 8);
}

gboolean
fovea_image_has_alpha (const FoveaImage *image)
{
  return image->channels == 2 || image->channels == 4;
}

FoveaImage *
fovea_image_new (int width, int height, int channels, int bit_depth,
                 GError **error)
{
  if (width <= 0 || height <= 0 || channels < 1 || channels > 4 ||
      (bit_depth != 8 && bit_depth != 16))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_INVALID,
                   "Invalid image geometry %d×%d, %d channel(s), %d bit",
                   width, height, channels, bit_depth);
      return NULL;
    }

  /* Overflow-checked: stride * height must fit in gsize. */
  gsize bpp = (gsize) channels * (gsize) (bit_depth / 8);
  gsize stride, total;
  if (!g_size_checked_mul (&stride, (gsize) width, bpp) ||
      !g_size_checked_mul (&total, stride, (gsize) height))
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_TOO_LARGE,
                   "Image of %d×%d pixels is too large to address", width, height);
      return NULL;
    }

  guint8 *data = g_try_malloc0 (total);
  if (data == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory allocating a %d×%d image (%" G_GSIZE_FORMAT " bytes)",
                   width, height, total);
      return NULL;
    }

  FoveaImage *image = g_new0 (FoveaImage, 1);
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->bit_depth = bit_depth;
  image->stride = stride;
  image->data = data;
  return image;
}

void
fovea_image_free (FoveaImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

FoveaImage *
fovea_image_copy (const FoveaImage *image)
{
  FoveaImage *copy = fovea_image_new (image->width, image->height,
                                      image->channels, image->bit_depth, NULL);
  if (copy == NULL)
    return NULL;
  gsize row_bytes = (gsize) image->width * fovea_image_bytes_per_pixel (image);
  for (int y = 0; y < image->height; y++)
    memcpy (fovea_image_row (copy, y), fovea_image_row (image, y), row_bytes);
  return copy;
}

/* Reads channel c of pixel x in row y, scaled to 8 bits. */
static inline guint8
read_sample8 (const FoveaImage *image, int x, int y, int c)
{
  if (image->bit_depth == 8)
    return fovea_image_row (image, y)[(gsize) x * image->channels + c];
  guint16 v = fovea_image_row16 (image, y)[(gsize) x * image->channels + c];
  return (guint8) ((v + 128) / 257);
}

FoveaImage *
fovea_image_to_rgb8 (const FoveaImage *image)
{
  FoveaImage *out = fovea_image_new (image->width, image->height, 3, 8, NULL);
  if (out == NULL)
    return NULL;
  gboolean grey = image->channels < 3;
  for (int y = 0; y < image->height; y++)
    {
      guint8 *dst = fovea_image_row (out, y);
      for (int x = 0; x < image->width; x++)
        {
          for (int c = 0; c < 3; c++)
            dst[3 * x + c] = read_sample8 (image, x, y, grey ? 0 : c);
        }
    }
  return out;
}

FoveaImage *
fovea_image_to_grey8 (const FoveaImage *image)
{
  FoveaImage *out = fovea_image_new (image->width, image->height, 1, 8, NULL);
  if (out == NULL)
    return NULL;
  for (int y = 0; y < image->height; y++)
    {
      guint8 *dst = fovea_image_row (out, y);
      for (int x = 0; x < image->width; x++)
        {
          if (image->channels < 3)
            {
              dst[x] = read_sample8 (image, x, y, 0);
              continue;
            }
          /* Fixed-point BT.601, rounded like PIL's L conversion. */
          guint r = read_sample8 (image, x, y, 0);
          guint g = read_sample8 (image, x, y, 1);
          guint b = read_sample8 (image, x, y, 2);
          dst[x] = (guint8) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
    }
  return out;
}
