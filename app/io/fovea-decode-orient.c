/* fovea-decode-orient.c: turning a decoded image upright according to its
 * EXIF orientation tag (TIFF 6.0 / EXIF 2.3 Orientation, values 1..8). */
#define G_LOG_DOMAIN "fovea-decode-orient"

#include "fovea-decode-private.h"

#include <string.h>

/* For each orientation, where the output pixel (x, y) comes from in the
 * stored image of size w × h. Orientations 5..8 swap width and height. */
static inline void
source_of (int orientation, int x, int y, int w, int h, int *sx, int *sy)
{
  switch (orientation)
    {
    case 2: /* mirrored left to right */
      *sx = w - 1 - x; *sy = y;
      break;
    case 3: /* rotated 180° */
      *sx = w - 1 - x; *sy = h - 1 - y;
      break;
    case 4: /* mirrored top to bottom */
      *sx = x; *sy = h - 1 - y;
      break;
    case 5: /* transposed */
      *sx = y; *sy = x;
      break;
    case 6: /* stored rotated 90° anticlockwise: turn clockwise */
      *sx = y; *sy = h - 1 - x;
      break;
    case 7: /* transversed */
      *sx = w - 1 - y; *sy = h - 1 - x;
      break;
    case 8: /* stored rotated 90° clockwise: turn anticlockwise */
      *sx = w - 1 - y; *sy = x;
      break;
    default:
      *sx = x; *sy = y;
      break;
    }
}

FoveaImage *
fovea_decode_orient (const FoveaDecodeJob *job,
                     const FoveaImage     *image,
                     int                   orientation,
                     GError              **error)
{
  gboolean swaps = orientation >= 5 && orientation <= 8;
  int out_w = swaps ? image->height : image->width;
  int out_h = swaps ? image->width : image->height;
  FoveaImage *out = fovea_decode_new_image (job, out_w, out_h, image->channels,
                                            image->bit_depth, error);
  if (out == NULL)
    return NULL;

  gsize bpp = fovea_image_bytes_per_pixel (image);
  for (int y = 0; y < out_h; y++)
    {
      guint8 *dst = fovea_image_row (out, y);
      for (int x = 0; x < out_w; x++)
        {
          int sx, sy;
          source_of (orientation, x, y, image->width, image->height, &sx, &sy);
          memcpy (dst + (gsize) x * bpp, fovea_image_row (image, sy) + (gsize) sx * bpp, bpp);
        }
    }
  return out;
}
