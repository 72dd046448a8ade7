/* fovea-image.h: the one in-memory image type used by every layer.
 *
 * Pixels are interleaved, 1 to 4 channels (grey, grey+alpha, RGB, RGBA),
 * 8 or 16 bits per channel. 16-bit samples are stored as native-endian
 * guint16. Rows may be padded: always address them through `stride`.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_IMAGE_ERROR (fovea_image_error_quark ())

typedef enum {
  FOVEA_IMAGE_ERROR_INVALID,    /* bad dimensions, channels or depth */
  FOVEA_IMAGE_ERROR_TOO_LARGE,  /* over the pixel budget or size_t */
  FOVEA_IMAGE_ERROR_NO_MEMORY,  /* the allocation itself failed */
} FoveaImageError;

typedef struct {
  int     width;
  int     height;
  int     channels;   /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  int     bit_depth;  /* 8 or 16 */
  gsize   stride;     /* bytes from one row to the next */
  guint8 *data;       /* owned; g_free()d with the image */
} FoveaImage;

GQuark      fovea_image_error_quark (void);

/* Allocates zeroed pixels with a tight stride. Fails (never aborts) on
 * nonsense dimensions, on arithmetic overflow, or when memory runs out. */
FoveaImage *fovea_image_new          (int            width,
                                      int            height,
                                      int            channels,
                                      int            bit_depth,
                                      GError       **error);
void        fovea_image_free         (FoveaImage    *image);
FoveaImage *fovea_image_copy         (const FoveaImage *image);

/* Converts any image to 8-bit RGB (grey is replicated, alpha is dropped,
 * 16-bit is rounded from v/257). Returns a new image. */
FoveaImage *fovea_image_to_rgb8      (const FoveaImage *image);
/* Converts any image to 8-bit single-channel luminance (BT.601 weights,
 * as PIL's convert("L") and OpenCV's RGB2GRAY use). */
FoveaImage *fovea_image_to_grey8     (const FoveaImage *image);

gsize       fovea_image_bytes_per_pixel (const FoveaImage *image);
gboolean    fovea_image_has_alpha       (const FoveaImage *image);

static inline guint8 *
fovea_image_row (const FoveaImage *image, int y)
{
  return image->data + (gsize) y * image->stride;
}

static inline guint16 *
fovea_image_row16 (const FoveaImage *image, int y)
{
  return (guint16 *) (gpointer) (image->data + (gsize) y * image->stride);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaImage, fovea_image_free)

G_END_DECLS
