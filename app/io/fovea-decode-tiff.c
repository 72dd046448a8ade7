/* fovea-decode-tiff.c: TIFF through libtiff, first page only.
 *
 * Grey and RGB, with or without alpha, 8 or 16 bit, contiguous samples, in
 * strips or tiles and any compression libtiff was built with, are read
 * as stored (16-bit stays 16-bit). Anything else (palette, CMYK, YCbCr,
 * separate planes, odd bit depths) goes through libtiff's RGBA reader,
 * which gives 8 bits. The file is read from memory through TIFFClientOpen,
 * and libtiff's messages go to per-file handlers, never to stderr. */
#define G_LOG_DOMAIN "fovea-decode-tiff"

#include "fovea-decode-private.h"

#include <stdio.h>
#include <string.h>
#include <tiffio.h>

typedef struct {
  const FoveaDecodeJob *job;
  toff_t                position;
  gboolean              short_read;  /* libtiff asked for bytes past the end */
  char                  message[256];/* libtiff's last error */
  TIFF                 *tiff;
} TiffReader;

/* The shape of the first page, as far as choosing a reader goes. */
typedef struct {
  guint32  width;
  guint32  height;
  guint16  bits;
  guint16  samples;
  guint16  photometric;  /* G_MAXUINT16 when the tag is missing */
  guint16  planar;
  guint16  sample_format;
  guint16  orientation;
  guint16  n_extra;
  gboolean associated_alpha;
} TiffLayout;

static tmsize_t
read_tiff_bytes (thandle_t handle, void *buffer, tmsize_t size)
{
  TiffReader *reader = handle;
  const FoveaDecodeJob *job = reader->job;
  if (size < 0)
    return -1;
  toff_t available = reader->position < job->length ? job->length - reader->position : 0;
  toff_t count = MIN ((toff_t) size, available);
  if (count < (toff_t) size)
    reader->short_read = TRUE;
  if (count > 0)
    memcpy (buffer, job->data + reader->position, count);
  reader->position += count;
  return (tmsize_t) count;
}

static tmsize_t
write_tiff_bytes (thandle_t handle, void *buffer, tmsize_t size)
{
  return -1;  /* opened read-only */
}

static toff_t
seek_tiff (thandle_t handle, toff_t offset, int whence)
{
  TiffReader *reader = handle;
  toff_t base = whence == SEEK_CUR ? reader->position
              : whence == SEEK_END ? reader->job->length : 0;
  if (offset > G_MAXUINT64 - base)
    return (toff_t) -1;
  reader->position = base + offset;
  return reader->position;
}

static int
close_tiff (thandle_t handle)
{
  return 0;
}

static toff_t
size_tiff (thandle_t handle)
{
  TiffReader *reader = handle;
  return reader->job->length;
}

static int
map_tiff (thandle_t handle, void **base, toff_t *size)
{
  return 0;  /* no mapping: libtiff reads through read_tiff_bytes */
}

static void
unmap_tiff (thandle_t handle, void *base, toff_t size)
{
}

static int G_GNUC_PRINTF (4, 0)
on_tiff_error (TIFF *tiff, void *user_data, const char *module, const char *format, va_list args)
{
  /* The last one: libtiff also reports errors it recovers from, and the
   * one that made a call fail comes last. */
  TiffReader *reader = user_data;
  g_vsnprintf (reader->message, sizeof reader->message, format, args);
  return 1;  /* handled: do not call the global (stderr) handler */
}

static int
on_tiff_warning (TIFF *tiff, void *user_data, const char *module, const char *format, va_list args)
{
  return 1;  /* unknown tags and the like: harmless, and never to stderr */
}

/* A libtiff call failed: say whether the data ran out or was wrong. */
static void
set_libtiff_error (TiffReader *reader, GError **error, const char *what)
{
  if (reader->short_read)
    fovea_decode_set_error (reader->job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                            "TIFF data ends early (truncated)");
  else
    fovea_decode_set_error (reader->job, error, FOVEA_DECODE_ERROR_CORRUPT,
                            "TIFF data is corrupt (%s)",
                            reader->message[0] ? reader->message : what);
}

static gboolean
open_tiff (TiffReader *reader, GError **error)
{
  const FoveaDecodeJob *job = reader->job;
  TIFFOpenOptions *options = TIFFOpenOptionsAlloc ();
  TIFFOpenOptionsSetErrorHandlerExtR (options, on_tiff_error, reader);
  TIFFOpenOptionsSetWarningHandlerExtR (options, on_tiff_warning, reader);
  /* libtiff's own buffers never need more than a 16-bit RGBA frame. */
  if (job->max_pixels < G_MAXINT64 / 8)
    TIFFOpenOptionsSetMaxSingleMemAlloc (options, (tmsize_t) MAX (job->max_pixels * 8, 64 << 20));
  /* "m": no memory mapping, everything goes through read_tiff_bytes. */
  reader->tiff = TIFFClientOpenExt (job->name, "rm", reader, read_tiff_bytes,
                                    write_tiff_bytes, seek_tiff, close_tiff, size_tiff,
                                    map_tiff, unmap_tiff, options);
  TIFFOpenOptionsFree (options);
  if (reader->tiff == NULL)
    set_libtiff_error (reader, error, "cannot read the header");
  return reader->tiff != NULL;
}

static void
read_layout (TIFF *tiff, TiffLayout *layout)
{
  guint16 *extra_types = NULL;
  *layout = (TiffLayout) { .photometric = G_MAXUINT16 };
  TIFFGetField (tiff, TIFFTAG_IMAGEWIDTH, &layout->width);
  TIFFGetField (tiff, TIFFTAG_IMAGELENGTH, &layout->height);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_BITSPERSAMPLE, &layout->bits);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_SAMPLESPERPIXEL, &layout->samples);
  TIFFGetField (tiff, TIFFTAG_PHOTOMETRIC, &layout->photometric);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_PLANARCONFIG, &layout->planar);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_SAMPLEFORMAT, &layout->sample_format);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_ORIENTATION, &layout->orientation);
  TIFFGetFieldDefaulted (tiff, TIFFTAG_EXTRASAMPLES, &layout->n_extra, &extra_types);
  layout->associated_alpha = layout->n_extra > 0 && extra_types != NULL &&
                             extra_types[0] == EXTRASAMPLE_ASSOCALPHA;
}

/* TRUE when the samples can be copied as they are into a FoveaImage. */
static gboolean
is_direct_layout (const TiffLayout *layout)
{
  if ((layout->bits != 8 && layout->bits != 16) ||
      layout->sample_format != SAMPLEFORMAT_UINT || layout->n_extra > 1 ||
      (layout->planar != PLANARCONFIG_CONTIG && layout->samples > 1))
    return FALSE;
  int colours = layout->samples - layout->n_extra;
  return (layout->photometric == PHOTOMETRIC_MINISBLACK && colours == 1) ||
         (layout->photometric == PHOTOMETRIC_RGB && colours == 3);
}

static gboolean
read_strips (TiffReader *reader, FoveaImage *image, GError **error)
{
  guint32 rows_per_strip = 0;
  TIFFGetFieldDefaulted (reader->tiff, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = CLAMP (rows_per_strip, 1, (guint32) image->height);
  for (guint32 y = 0, strip = 0; y < (guint32) image->height; y += rows_per_strip, strip++)
    {
      guint32 rows = MIN (rows_per_strip, (guint32) image->height - y);
      tmsize_t want = (tmsize_t) (rows * image->stride);
      if (TIFFReadEncodedStrip (reader->tiff, strip, fovea_image_row (image, (int) y), want) != want)
        {
          set_libtiff_error (reader, error, "a strip cannot be decoded");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_tiles (TiffReader *reader, FoveaImage *image, GError **error)
{
  const FoveaDecodeJob *job = reader->job;
  guint32 tile_w = 0, tile_h = 0;
  TIFFGetField (reader->tiff, TIFFTAG_TILEWIDTH, &tile_w);
  TIFFGetField (reader->tiff, TIFFTAG_TILELENGTH, &tile_h);
  gsize bpp = fovea_image_bytes_per_pixel (image);
  tmsize_t tile_size = TIFFTileSize (reader->tiff);
  /* A tile may exceed a small image, but not the pixel budget. */
  if (tile_w == 0 || tile_h == 0 || tile_size <= 0 ||
      (guint64) tile_w * tile_h > MAX (job->max_pixels, 1u << 22) ||
      (guint64) tile_size != (guint64) tile_w * tile_h * bpp)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "TIFF data is corrupt (bad %u×%u tile size)", tile_w, tile_h);
      return FALSE;
    }
  guint8 *buffer = g_try_malloc (tile_size);
  if (buffer == NULL)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_NO_MEMORY,
                              "out of memory for a %u×%u TIFF tile", tile_w, tile_h);
      return FALSE;
    }
  gboolean ok = TRUE;
  for (guint32 ty = 0; ok && ty < (guint32) image->height; ty += tile_h)
    for (guint32 tx = 0; ok && tx < (guint32) image->width; tx += tile_w)
      {
        ttile_t tile = TIFFComputeTile (reader->tiff, tx, ty, 0, 0);
        ok = TIFFReadEncodedTile (reader->tiff, tile, buffer, tile_size) == tile_size;
        guint32 rows = MIN (tile_h, (guint32) image->height - ty);
        gsize bytes = MIN (tile_w, (guint32) image->width - tx) * bpp;
        for (guint32 r = 0; ok && r < rows; r++)
          memcpy (fovea_image_row (image, (int) (ty + r)) + tx * bpp,
                  buffer + (gsize) r * tile_w * bpp, bytes);
      }
  g_free (buffer);
  if (!ok)
    set_libtiff_error (reader, error, "a tile cannot be decoded");
  return ok;
}

/* Premultiplied (associated) alpha back to straight alpha, which is what
 * FoveaImage holds. */
static void
unpremultiply (FoveaImage *image)
{
  gboolean wide = image->bit_depth == 16;
  guint64 max = wide ? 65535 : 255;
  int n = image->channels;
  for (int y = 0; y < image->height; y++)
    for (gsize at = 0; at < (gsize) image->width * n; at += n)
      {
        guint8 *row8 = fovea_image_row (image, y);
        guint16 *row16 = fovea_image_row16 (image, y);
        guint64 a = wide ? row16[at + n - 1] : row8[at + n - 1];
        for (int c = 0; a > 0 && c < n - 1; c++)
          {
            guint64 v = wide ? row16[at + c] : row8[at + c];
            v = MIN (max, (v * max + a / 2) / a);
            if (wide)
              row16[at + c] = (guint16) v;
            else
              row8[at + c] = (guint8) v;
          }
      }
}

static FoveaImage *
read_direct (TiffReader *reader, const TiffLayout *layout, GError **error)
{
  FoveaImage *image = fovea_decode_new_image (reader->job, (int) layout->width,
                                              (int) layout->height, layout->samples,
                                              layout->bits, error);
  if (image == NULL)
    return NULL;
  gboolean ok = TIFFIsTiled (reader->tiff) ? read_tiles (reader, image, error)
                                           : read_strips (reader, image, error);
  if (!ok)
    {
      fovea_image_free (image);
      return NULL;
    }
  if (layout->associated_alpha)
    unpremultiply (image);
  return image;
}

/* libtiff's RGBA reader writes packed ABGR words; turn them into R, G, B
 * (and A, when the file has alpha) bytes, in place. */
static void
unpack_rgba (FoveaImage *image, gboolean keep_alpha)
{
  gsize n = (gsize) image->width * image->height;
  const guint32 *words = (const guint32 *) (gpointer) image->data;
  int channels = keep_alpha ? 4 : 3;
  for (gsize i = 0; i < n; i++)
    {
      guint32 word = words[i];
      guint8 *out = image->data + i * channels;  /* never ahead of words[i] */
      out[0] = TIFFGetR (word);
      out[1] = TIFFGetG (word);
      out[2] = TIFFGetB (word);
      if (keep_alpha)
        out[3] = TIFFGetA (word);
    }
  image->channels = channels;
  image->stride = (gsize) image->width * channels;
}

static FoveaImage *
read_rgba (TiffReader *reader, const TiffLayout *layout, GError **error)
{
  char message[1024] = "";
  if (!TIFFRGBAImageOK (reader->tiff, message))
    {
      fovea_decode_set_error (reader->job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                              "TIFF variant not supported (%s)", message);
      return NULL;
    }
  FoveaImage *image = fovea_decode_new_image (reader->job, (int) layout->width,
                                              (int) layout->height, 4, 8, error);
  if (image == NULL)
    return NULL;
  /* Asking for the file's own orientation means "no flips": the rows
   * come in stored order and fovea_decode_orient turns them upright. */
  int stored = layout->orientation >= 1 && layout->orientation <= 8
    ? layout->orientation : ORIENTATION_TOPLEFT;
  if (!TIFFReadRGBAImageOriented (reader->tiff, layout->width, layout->height,
                                  (guint32 *) (gpointer) image->data, stored, 1))
    {
      set_libtiff_error (reader, error, "cannot convert to RGBA");
      fovea_image_free (image);
      return NULL;
    }
  unpack_rgba (image, layout->n_extra > 0);
  return image;
}

static FoveaImage *
read_first_page (TiffReader *reader, GError **error)
{
  const FoveaDecodeJob *job = reader->job;
  TiffLayout layout;
  read_layout (reader->tiff, &layout);
  job->info->original_width = (int) MIN (layout.width, (guint32) G_MAXINT);
  job->info->original_height = (int) MIN (layout.height, (guint32) G_MAXINT);
  if (!fovea_decode_check_size (job, layout.width, layout.height, error))
    return NULL;

  guint16 compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted (reader->tiff, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFIsCODECConfigured (compression))
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                              "TIFF compression scheme %u is not supported", compression);
      return NULL;
    }

  FoveaImage *image = is_direct_layout (&layout) ? read_direct (reader, &layout, error)
                                                 : read_rgba (reader, &layout, error);
  if (image == NULL || layout.orientation <= 1 || layout.orientation > 8)
    return image;
  job->info->exif_orientation = layout.orientation;
  FoveaImage *upright = fovea_decode_orient (job, image, layout.orientation, error);
  fovea_image_free (image);
  return upright;
}

FoveaImage *
fovea_decode_tiff (const FoveaDecodeJob *job, GError **error)
{
  TiffReader reader = { .job = job };
  if (!open_tiff (&reader, error))
    return NULL;
  FoveaImage *image = read_first_page (&reader, error);
  TIFFClose (reader.tiff);
  return image;
}
