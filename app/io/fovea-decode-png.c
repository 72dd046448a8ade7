/* fovea-decode-png.c: PNG through libpng, 8 and 16 bit.
 *
 * Palettes, low-bit grey and tRNS are expanded; 16-bit stays 16-bit, in
 * native byte order. libpng reports errors by longjmp, so every resource is
 * kept in a PngReader owned by the caller of the function that calls
 * setjmp: nothing that function touches after setjmp lives in its own
 * (non-volatile) locals. */
#define G_LOG_DOMAIN "fovea-decode-png"

#include "fovea-decode-private.h"

#include <png.h>
#include <string.h>

typedef struct {
  const FoveaDecodeJob *job;
  gsize                 position;
  gboolean              truncated;
  char                  message[256];  /* libpng's error text */
  png_structp           png;
  png_infop             info;
  FoveaImage           *image;
  png_bytep            *rows;
} PngReader;

static void
on_png_error (png_structp png, png_const_charp message)
{
  PngReader *reader = png_get_error_ptr (png);
  g_strlcpy (reader->message, message, sizeof reader->message);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png, png_const_charp message)
{
  /* Ancillary-chunk problems: the pixels are still right, and a codec
   * must never print to stderr. */
}

static void
read_png_bytes (png_structp png, png_bytep out, png_size_t count)
{
  PngReader *reader = png_get_io_ptr (png);
  const FoveaDecodeJob *job = reader->job;
  if (count > job->length - reader->position)
    {
      reader->truncated = TRUE;
      png_error (png, "data ends early");
    }
  memcpy (out, job->data + reader->position, count);
  reader->position += count;
}

/* Everything between png_read_info and png_read_end. Returns FALSE with
 * error set, or with reader->message set after a libpng error. */
static gboolean
read_png (PngReader *reader, GError **error)
{
  const FoveaDecodeJob *job = reader->job;
  if (setjmp (png_jmpbuf (reader->png)))
    return FALSE;

  /* Our own pixel budget is the limit, not libpng's default 1e6 × 1e6. */
  png_set_user_limits (reader->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_read_info (reader->png, reader->info);

  png_uint_32 width, height;
  int bit_depth, color_type;
  png_get_IHDR (reader->png, reader->info, &width, &height, &bit_depth, &color_type,
                NULL, NULL, NULL);
  job->info->original_width = (int) MIN (width, (png_uint_32) G_MAXINT);
  job->info->original_height = (int) MIN (height, (png_uint_32) G_MAXINT);
  if (!fovea_decode_check_size (job, width, height, error))
    return FALSE;

  png_set_expand (reader->png);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  png_set_swap (reader->png);
#endif
  png_set_interlace_handling (reader->png);
  png_read_update_info (reader->png, reader->info);

  reader->image = fovea_decode_new_image (job, (int) width, (int) height,
                                          png_get_channels (reader->png, reader->info),
                                          png_get_bit_depth (reader->png, reader->info),
                                          error);
  if (reader->image == NULL)
    return FALSE;
  if (png_get_rowbytes (reader->png, reader->info) != reader->image->stride)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                              "unexpected PNG row layout");
      return FALSE;
    }

  reader->rows = g_new (png_bytep, height);
  for (png_uint_32 y = 0; y < height; y++)
    reader->rows[y] = fovea_image_row (reader->image, (int) y);
  png_read_image (reader->png, reader->rows);
  /* Reading up to IEND is what tells a complete file from a cut one. */
  png_read_end (reader->png, NULL);
  return TRUE;
}

FoveaImage *
fovea_decode_png (const FoveaDecodeJob *job, GError **error)
{
  PngReader reader = { .job = job };
  reader.png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &reader,
                                       on_png_error, on_png_warning);
  if (reader.png != NULL)
    reader.info = png_create_info_struct (reader.png);
  if (reader.png == NULL || reader.info == NULL)
    {
      png_destroy_read_struct (&reader.png, &reader.info, NULL);
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_NO_MEMORY,
                              "cannot start the PNG decoder (out of memory)");
      return NULL;
    }
  png_set_read_fn (reader.png, &reader, read_png_bytes);

  GError *local = NULL;
  gboolean ok = read_png (&reader, &local);
  png_destroy_read_struct (&reader.png, &reader.info, NULL);
  g_free (reader.rows);
  if (ok)
    return reader.image;

  fovea_image_free (reader.image);
  if (local != NULL)
    g_propagate_error (error, local);
  else if (reader.truncated)
    fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                            "PNG data ends early (truncated)");
  else
    fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                            "PNG data is corrupt (%s)", reader.message);
  return NULL;
}
