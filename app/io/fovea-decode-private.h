/* fovea-decode-private.h: what the format dispatcher (fovea-decode.c) shares
 * with the per-format decoders. Not installed, not used outside app/. */
#pragma once

#include "fovea-decode.h"

G_BEGIN_DECLS

/* One decode request, already validated by the dispatcher. */
typedef struct {
  const guint8    *data;
  gsize            length;
  const char      *name;        /* for messages only */
  guint64          max_pixels;  /* resolved: never 0 */
  int              min_width;   /* JPEG DCT scaling; 0 means no constraint */
  int              min_height;
  FoveaDecodeInfo *info;        /* never NULL; format already set */
} FoveaDecodeJob;

/* Every entry point returns a complete image, or NULL with error set. */
FoveaImage *fovea_decode_png    (const FoveaDecodeJob *job, GError **error);
FoveaImage *fovea_decode_jpeg   (const FoveaDecodeJob *job, GError **error);
FoveaImage *fovea_decode_tiff   (const FoveaDecodeJob *job, GError **error);
/* BMP and GIF, through gdk-pixbuf. */
FoveaImage *fovea_decode_pixbuf (const FoveaDecodeJob *job, GError **error);
/* The first frame of a DICOM image object, through DCMTK (fovea-dicom-read.cc). */
FoveaImage *fovea_decode_dicom  (const FoveaDecodeJob *job, GError **error);

/* Structure checks gdk-pixbuf does not make (fovea-decode-layout.c). */
/* FALSE when the file is shorter than the pixel rows its header implies
 * (gdk-pixbuf would leave the missing rows blank). width and height come
 * from the loader, so they are already within the budget. */
gboolean    fovea_decode_bmp_is_complete (const FoveaDecodeJob *job,
                                          int                   width,
                                          int                   height);
/* The length of the GIF up to the end of its first frame, or 0 with
 * error set (TRUNCATED, or CORRUPT for frames gdk-pixbuf mishandles). */
gboolean    fovea_decode_bmp_check_header (const FoveaDecodeJob *job,
                                           GError              **error);
gsize       fovea_decode_gif_first_frame (const FoveaDecodeJob *job,
                                          GError              **error);

/* Sets a FOVEA_DECODE_ERROR whose message starts with the quoted file name. */
void        fovea_decode_set_error (const FoveaDecodeJob *job,
                                    GError              **error,
                                    FoveaDecodeError      code,
                                    const char           *format,
                                    ...) G_GNUC_PRINTF (4, 5);

/* TRUE when width × height (as read from a header) is within the budget;
 * otherwise sets FOVEA_DECODE_ERROR_TOO_LARGE (or CORRUPT for zero sizes). */
gboolean    fovea_decode_check_size (const FoveaDecodeJob *job,
                                     guint64               width,
                                     guint64               height,
                                     GError              **error);

/* fovea_image_new with its error turned into a FOVEA_DECODE_ERROR naming
 * the file. Call fovea_decode_check_size first. */
FoveaImage *fovea_decode_new_image (const FoveaDecodeJob *job,
                                    int                   width,
                                    int                   height,
                                    int                   channels,
                                    int                   bit_depth,
                                    GError              **error);

/* Applies an EXIF orientation (2..8) so that the result is upright: returns
 * a new image, or NULL with error set when memory runs out. */
FoveaImage *fovea_decode_orient (const FoveaDecodeJob *job,
                                 const FoveaImage     *image,
                                 int                   orientation,
                                 GError              **error);

G_END_DECLS
