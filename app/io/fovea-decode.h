/* fovea-decode.h: reading clinical image files into a FoveaImage.
 *
 * The format is sniffed from the file's first bytes and must agree with its
 * extension. The pixel budget is checked from the header, before any pixel
 * memory is allocated. On any failure the result is NULL and the GError
 * names the file and the problem: nothing is ever half-loaded. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

#define FOVEA_DECODE_ERROR (fovea_decode_error_quark ())
#define FOVEA_DECODE_DEFAULT_MAX_PIXELS ((guint64) 200 * 1000 * 1000)

typedef enum {
  FOVEA_DECODE_ERROR_IO,            /* the file could not be opened or read */
  FOVEA_DECODE_ERROR_EMPTY,         /* zero bytes */
  FOVEA_DECODE_ERROR_UNKNOWN_FORMAT,/* not a format Fovea reads */
  FOVEA_DECODE_ERROR_MISMATCH,      /* contents do not match the extension */
  FOVEA_DECODE_ERROR_TRUNCATED,     /* the data ends early */
  FOVEA_DECODE_ERROR_CORRUPT,       /* the codec rejected the data */
  FOVEA_DECODE_ERROR_TOO_LARGE,     /* over the pixel budget */
  FOVEA_DECODE_ERROR_UNSUPPORTED,   /* a valid file in a variant we do not read */
  FOVEA_DECODE_ERROR_NO_MEMORY,     /* within the budget, but the allocation failed */
} FoveaDecodeError;

typedef enum {
  FOVEA_FORMAT_UNKNOWN = 0,
  FOVEA_FORMAT_PNG,
  FOVEA_FORMAT_JPEG,
  FOVEA_FORMAT_TIFF,
  FOVEA_FORMAT_BMP,
  FOVEA_FORMAT_GIF,
  FOVEA_FORMAT_DICOM,  /* recognised by content: 128-byte preamble, then "DICM" */
} FoveaFileFormat;

typedef struct {
  guint64 max_pixels;  /* refuse width*height above this; 0 means the default */
  int     min_width;   /* JPEG only: if > 0, pick the largest DCT scale (1/2,
                        * 1/4, 1/8) that still gives at least min_width ×
                        * min_height pixels. 0 decodes at full size. */
  int     min_height;
} FoveaDecodeOptions;

/* The image as decoded plus what was learned from the file on the way. */
typedef struct {
  FoveaFileFormat format;
  int             original_width;   /* before DCT scaling / EXIF rotation */
  int             original_height;
  int             exif_orientation; /* 1..8; 1 when absent */
  int             scale_denom;      /* 1, 2, 4 or 8 */
} FoveaDecodeInfo;

GQuark          fovea_decode_error_quark      (void);
void            fovea_decode_options_init     (FoveaDecodeOptions *options);

FoveaImage     *fovea_decode_file             (const char               *path,
                                               const FoveaDecodeOptions *options,
                                               FoveaDecodeInfo          *out_info,
                                               GError                  **error);
/* name is used in error messages and its extension is checked, if any. */
FoveaImage     *fovea_decode_memory           (const guint8             *data,
                                               gsize                     length,
                                               const char               *name,
                                               const FoveaDecodeOptions *options,
                                               FoveaDecodeInfo          *out_info,
                                               GError                  **error);

FoveaFileFormat fovea_file_format_sniff       (const guint8 *data,
                                               gsize         length);
FoveaFileFormat fovea_file_format_from_name   (const char   *path);
const char     *fovea_file_format_to_string   (FoveaFileFormat format);
/* TRUE when the path's extension names a format Fovea reads. */
gboolean        fovea_decode_is_supported_name (const char  *path);
/* TRUE when the extension names a format Fovea reads, or, for a name with
 * another extension or none (PACS exports: "IM000001", "1.2.840….3"), when
 * the contents are DICOM. A file named DICOMDIR is an index, not an image. */
gboolean        fovea_decode_is_supported_file (const char  *path);

G_END_DECLS
