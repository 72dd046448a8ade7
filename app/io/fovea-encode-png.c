/* fovea-encode-png.c: PNG of 1 to 4 channels, 8 or 16 bit, via libpng.
 *
 * The file is built in memory and written in one go. libpng reports errors
 * by longjmp, so all state lives in a PngWriter owned by the caller of the
 * function that calls setjmp. */
#define G_LOG_DOMAIN "fovea-encode-png"

#include "fovea-encode-private.h"

#include <gio/gio.h>
#include <png.h>

typedef struct {
  const FoveaImage *image;
  GByteArray       *bytes;
  png_structp       png;
  png_infop         info;
  png_bytep        *rows;
  char              message[256];
} PngWriter;

static void
on_png_error (png_structp png, png_const_charp message)
{
  PngWriter *writer = png_get_error_ptr (png);
  g_strlcpy (writer->message, message, sizeof writer->message);
  png_longjmp (png, 1);
}

static void
on_png_warning (png_structp png, png_const_charp message)
{
  /* Never print to stderr; nothing we write triggers one anyway. */
}

static void
append_png_bytes (png_structp png, png_bytep data, png_size_t length)
{
  PngWriter *writer = png_get_io_ptr (png);
  g_byte_array_append (writer->bytes, data, (guint) length);
}

static void
flush_png (png_structp png)
{
}

static gboolean
write_png (PngWriter *writer)
{
  static const int colour_types[] = {
    PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA,
  };
  const FoveaImage *image = writer->image;
  if (setjmp (png_jmpbuf (writer->png)))
    return FALSE;

  png_set_write_fn (writer->png, writer, append_png_bytes, flush_png);
  png_set_IHDR (writer->png, writer->info, (png_uint_32) image->width,
                (png_uint_32) image->height, image->bit_depth,
                colour_types[image->channels - 1], PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  /* 16-bit grey is a map (segmentation, saliency, anomaly): several per
   * photograph, at its full size. zlib level 1 with the Up filter writes
   * a 12 MP map about six times faster than libpng's defaults (adaptive
   * filters, level 6) for files about a quarter larger
   * (scripts/bench-segment.sh). */
  if (image->channels == 1 && image->bit_depth == 16)
    {
      png_set_compression_level (writer->png, 1);
      png_set_filter (writer->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    }
  png_write_info (writer->png, writer->info);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  /* PNG is big-endian; our 16-bit samples are native. libpng swaps a copy
   * of each row, never the caller's pixels. */
  png_set_swap (writer->png);
#endif
  writer->rows = g_new (png_bytep, image->height);
  for (int y = 0; y < image->height; y++)
    writer->rows[y] = fovea_image_row (image, y);
  png_write_image (writer->png, writer->rows);
  png_write_end (writer->png, NULL);
  return TRUE;
}

gboolean
fovea_encode_png_file (const FoveaImage *image,
                       const char       *path,
                       GError          **error)
{
  if (!fovea_encode_check_image (image, path, "PNG", error))
    return FALSE;

  PngWriter writer = { .image = image, .bytes = g_byte_array_new () };
  writer.png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &writer,
                                        on_png_error, on_png_warning);
  if (writer.png != NULL)
    writer.info = png_create_info_struct (writer.png);
  gboolean ok = writer.info != NULL && write_png (&writer);
  png_destroy_write_struct (&writer.png, &writer.info);
  g_free (writer.rows);

  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot encode “%s” as PNG: %s",
                 path, writer.message[0] ? writer.message : "out of memory");
  else
    ok = fovea_encode_write_file (path, writer.bytes->data, writer.bytes->len, error);
  g_byte_array_unref (writer.bytes);
  return ok;
}
