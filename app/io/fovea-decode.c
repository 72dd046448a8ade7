/* fovea-decode.c: recognising image files and dispatching them to the
 * per-format decoders, plus the checks every decoder shares. */
#define G_LOG_DOMAIN "fovea-decode"

#include "fovea-decode-private.h"

#include <string.h>

#include "fovea-dicom.h"

G_DEFINE_QUARK (fovea-decode-error-quark, fovea_decode_error)

void
fovea_decode_options_init (FoveaDecodeOptions *options)
{
  *options = (FoveaDecodeOptions) {
    .max_pixels = FOVEA_DECODE_DEFAULT_MAX_PIXELS,
    .min_width = 0,
    .min_height = 0,
  };
}

static const struct {
  FoveaFileFormat format;
  const char     *extension;
} extensions[] = {
  { FOVEA_FORMAT_PNG, "png" },
  { FOVEA_FORMAT_JPEG, "jpg" },
  { FOVEA_FORMAT_JPEG, "jpeg" },
  { FOVEA_FORMAT_JPEG, "jpe" },
  { FOVEA_FORMAT_TIFF, "tif" },
  { FOVEA_FORMAT_TIFF, "tiff" },
  { FOVEA_FORMAT_BMP, "bmp" },
  { FOVEA_FORMAT_GIF, "gif" },
  { FOVEA_FORMAT_DICOM, "dcm" },
  { FOVEA_FORMAT_DICOM, "dicom" },
};

const char *
fovea_file_format_to_string (FoveaFileFormat format)
{
  switch (format)
    {
    case FOVEA_FORMAT_PNG:
      return "PNG";
    case FOVEA_FORMAT_JPEG:
      return "JPEG";
    case FOVEA_FORMAT_TIFF:
      return "TIFF";
    case FOVEA_FORMAT_BMP:
      return "BMP";
    case FOVEA_FORMAT_GIF:
      return "GIF";
    case FOVEA_FORMAT_DICOM:
      return "DICOM";
    case FOVEA_FORMAT_UNKNOWN:
    default:
      return "unknown";
    }
}

FoveaFileFormat
fovea_file_format_from_name (const char *path)
{
  if (path == NULL)
    return FOVEA_FORMAT_UNKNOWN;
  const char *base = strrchr (path, G_DIR_SEPARATOR);
  base = base ? base + 1 : path;
  const char *dot = strrchr (base, '.');
  if (dot == NULL)
    return FOVEA_FORMAT_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (dot + 1, extensions[i].extension) == 0)
      return extensions[i].format;
  return FOVEA_FORMAT_UNKNOWN;
}

gboolean
fovea_decode_is_supported_name (const char *path)
{
  return fovea_file_format_from_name (path) != FOVEA_FORMAT_UNKNOWN;
}

gboolean
fovea_decode_is_supported_file (const char *path)
{
  if (fovea_decode_is_supported_name (path))
    return TRUE;
  g_autofree char *base = g_path_get_basename (path);
  if (g_ascii_strcasecmp (base, "DICOMDIR") == 0)
    return FALSE;
  return fovea_dicom_is_file (path);
}

static gboolean
has_prefix (const guint8 *data, gsize length, const char *magic, gsize magic_length)
{
  return length >= magic_length && memcmp (data, magic, magic_length) == 0;
}

/* "BM" alone is too weak a signature (text can start with it), so a header
 * that is long enough must also carry a DIB header size Windows defines.
 * Shorter ones still count as BMP so that truncation is reported as such. */
static gboolean
looks_like_bmp (const guint8 *data, gsize length)
{
  if (!has_prefix (data, length, "BM", 2))
    return FALSE;
  if (length < 18)
    return TRUE;
  guint32 dib_size = data[14] | data[15] << 8 | data[16] << 16 | (guint32) data[17] << 24;
  static const guint32 known_sizes[] = { 12, 16, 40, 52, 56, 64, 108, 124 };
  for (gsize i = 0; i < G_N_ELEMENTS (known_sizes); i++)
    if (dib_size == known_sizes[i])
      return TRUE;
  return FALSE;
}

FoveaFileFormat
fovea_file_format_sniff (const guint8 *data, gsize length)
{
  if (data == NULL)
    return FOVEA_FORMAT_UNKNOWN;
  /* First: a DICOM preamble may itself hold a TIFF header. */
  if (fovea_dicom_sniff (data, length))
    return FOVEA_FORMAT_DICOM;
  if (has_prefix (data, length, "\x89PNG\r\n\x1a\n", 8))
    return FOVEA_FORMAT_PNG;
  if (has_prefix (data, length, "\xff\xd8\xff", 3))
    return FOVEA_FORMAT_JPEG;
  /* Classic TIFF (42) and BigTIFF (43), either byte order. */
  if (has_prefix (data, length, "II*\0", 4) || has_prefix (data, length, "MM\0*", 4) ||
      has_prefix (data, length, "II+\0", 4) || has_prefix (data, length, "MM\0+", 4))
    return FOVEA_FORMAT_TIFF;
  if (has_prefix (data, length, "GIF87a", 6) || has_prefix (data, length, "GIF89a", 6))
    return FOVEA_FORMAT_GIF;
  if (looks_like_bmp (data, length))
    return FOVEA_FORMAT_BMP;
  return FOVEA_FORMAT_UNKNOWN;
}

void
fovea_decode_set_error (const FoveaDecodeJob *job,
                        GError              **error,
                        FoveaDecodeError      code,
                        const char           *format,
                        ...)
{
  va_list args;
  va_start (args, format);
  char *detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_DECODE_ERROR, code, "“%s”: %s", job->name, detail);
  g_free (detail);
}

gboolean
fovea_decode_check_size (const FoveaDecodeJob *job,
                         guint64               width,
                         guint64               height,
                         GError              **error)
{
  if (width == 0 || height == 0)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "%s header gives an empty size (%" G_GUINT64_FORMAT "×%"
                              G_GUINT64_FORMAT ")",
                              fovea_file_format_to_string (job->info->format), width, height);
      return FALSE;
    }
  /* Both factors fit in 32 bits for every format, but guard anyway. */
  if (width > G_MAXINT || height > G_MAXINT || width * height > job->max_pixels)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TOO_LARGE,
                              "image of %" G_GUINT64_FORMAT "×%" G_GUINT64_FORMAT
                              " pixels is over the limit of %" G_GUINT64_FORMAT " pixels",
                              width, height, job->max_pixels);
      return FALSE;
    }
  return TRUE;
}

FoveaImage *
fovea_decode_new_image (const FoveaDecodeJob *job,
                        int                   width,
                        int                   height,
                        int                   channels,
                        int                   bit_depth,
                        GError              **error)
{
  GError *local = NULL;
  FoveaImage *image = fovea_image_new (width, height, channels, bit_depth, &local);
  if (image == NULL)
    {
      FoveaDecodeError code = local->code == FOVEA_IMAGE_ERROR_INVALID ? FOVEA_DECODE_ERROR_UNSUPPORTED
                            : local->code == FOVEA_IMAGE_ERROR_NO_MEMORY ? FOVEA_DECODE_ERROR_NO_MEMORY
                            : FOVEA_DECODE_ERROR_TOO_LARGE;
      fovea_decode_set_error (job, error, code, "%s", local->message);
      g_error_free (local);
    }
  return image;
}

FoveaImage *
fovea_decode_memory (const guint8             *data,
                     gsize                     length,
                     const char               *name,
                     const FoveaDecodeOptions *options,
                     FoveaDecodeInfo          *out_info,
                     GError                  **error)
{
  FoveaDecodeOptions defaults;
  if (options == NULL)
    {
      fovea_decode_options_init (&defaults);
      options = &defaults;
    }
  FoveaDecodeInfo local_info;
  FoveaDecodeInfo *info = out_info ? out_info : &local_info;
  *info = (FoveaDecodeInfo) {
    .format = fovea_file_format_sniff (data, length),
    .exif_orientation = 1,
    .scale_denom = 1,
  };
  FoveaDecodeJob job = {
    .data = data,
    .length = length,
    .name = name ? name : "(image in memory)",
    .max_pixels = options->max_pixels ? options->max_pixels : FOVEA_DECODE_DEFAULT_MAX_PIXELS,
    .min_width = MAX (options->min_width, 0),
    .min_height = MAX (options->min_height, 0),
    .info = info,
  };

  if (data == NULL || length == 0)
    {
      fovea_decode_set_error (&job, error, FOVEA_DECODE_ERROR_EMPTY, "the file is empty (0 bytes)");
      return NULL;
    }
  FoveaFileFormat named = fovea_file_format_from_name (name);
  if (info->format == FOVEA_FORMAT_UNKNOWN)
    {
      if (named != FOVEA_FORMAT_UNKNOWN)
        fovea_decode_set_error (&job, error, FOVEA_DECODE_ERROR_UNKNOWN_FORMAT,
                                "not a %s file, nor any image format Fovea reads",
                                fovea_file_format_to_string (named));
      else
        fovea_decode_set_error (&job, error, FOVEA_DECODE_ERROR_UNKNOWN_FORMAT,
                                "not an image format Fovea reads (PNG, JPEG, TIFF, BMP, GIF or DICOM)");
      return NULL;
    }
  if (named != FOVEA_FORMAT_UNKNOWN && named != info->format)
    {
      fovea_decode_set_error (&job, error, FOVEA_DECODE_ERROR_MISMATCH,
                              "the name says %s but the contents are %s",
                              fovea_file_format_to_string (named),
                              fovea_file_format_to_string (info->format));
      return NULL;
    }

  switch (info->format)
    {
    case FOVEA_FORMAT_PNG:
      return fovea_decode_png (&job, error);
    case FOVEA_FORMAT_JPEG:
      return fovea_decode_jpeg (&job, error);
    case FOVEA_FORMAT_TIFF:
      return fovea_decode_tiff (&job, error);
    case FOVEA_FORMAT_BMP:
    case FOVEA_FORMAT_GIF:
      return fovea_decode_pixbuf (&job, error);
    case FOVEA_FORMAT_DICOM:
      return fovea_decode_dicom (&job, error);
    case FOVEA_FORMAT_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
}

FoveaImage *
fovea_decode_file (const char               *path,
                   const FoveaDecodeOptions *options,
                   FoveaDecodeInfo          *out_info,
                   GError                  **error)
{
  /* A private copy rather than a mapping: a file that shrinks while mapped
   * (a network share, a copy in progress) would crash us with SIGBUS. */
  char *contents = NULL;
  gsize length = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  FoveaImage *image = fovea_decode_memory ((const guint8 *) contents, length, path,
                                           options, out_info, error);
  g_free (contents);
  return image;
}
