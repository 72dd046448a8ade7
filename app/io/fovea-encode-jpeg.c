/* fovea-encode-jpeg.c: baseline JPEG via libjpeg-turbo, 8-bit grey or RGB.
 *
 * Alpha is dropped and 16-bit samples are rounded to 8 bits. The file is
 * built in memory and written in one go. libjpeg reports errors by
 * longjmp, so all state lives in a JpegWriter owned by the caller of the
 * function that calls setjmp. */
#define G_LOG_DOMAIN "fovea-encode-jpeg"

#include "fovea-encode-private.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <jpeglib.h>

typedef struct {
  const FoveaImage           *image;
  int                         quality;
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr       errors;
  jmp_buf                     jump;
  char                        message[JMSG_LENGTH_MAX];
  unsigned char              *output;       /* malloc()ed by libjpeg */
  unsigned long               output_size;
  guint8                     *row;          /* repacked row, when needed */
} JpegWriter;

static void
on_jpeg_error (j_common_ptr cinfo)
{
  JpegWriter *writer = cinfo->client_data;
  cinfo->err->format_message (cinfo, writer->message);
  longjmp (writer->jump, 1);
}

static void
on_jpeg_output (j_common_ptr cinfo)
{
  /* libjpeg would print warnings to stderr. */
}

/* Row y as 8-bit grey or RGB: the image's own row when it already is. */
static JSAMPROW
pack_row (JpegWriter *writer, int y)
{
  const FoveaImage *image = writer->image;
  int n = image->channels;
  int out = n >= 3 ? 3 : 1;
  if (image->bit_depth == 8 && n == out)
    return fovea_image_row (image, y);
  for (int x = 0; x < image->width; x++)
    for (int c = 0; c < out; c++)
      {
        gsize at = (gsize) x * n + c;
        writer->row[(gsize) x * out + c] = image->bit_depth == 8
          ? fovea_image_row (image, y)[at]
          : (guint8) ((fovea_image_row16 (image, y)[at] + 128u) / 257u);
      }
  return writer->row;
}

static gboolean
write_jpeg (JpegWriter *writer)
{
  const FoveaImage *image = writer->image;
  j_compress_ptr cinfo = &writer->cinfo;
  if (setjmp (writer->jump))
    return FALSE;

  jpeg_create_compress (cinfo);
  jpeg_mem_dest (cinfo, &writer->output, &writer->output_size);
  cinfo->image_width = (JDIMENSION) image->width;
  cinfo->image_height = (JDIMENSION) image->height;
  cinfo->input_components = image->channels >= 3 ? 3 : 1;
  cinfo->in_color_space = image->channels >= 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults (cinfo);
  jpeg_set_quality (cinfo, writer->quality, TRUE);
  jpeg_start_compress (cinfo, TRUE);
  writer->row = g_new (guint8, (gsize) image->width * cinfo->input_components);
  while (cinfo->next_scanline < cinfo->image_height)
    {
      JSAMPROW row = pack_row (writer, (int) cinfo->next_scanline);
      jpeg_write_scanlines (cinfo, &row, 1);
    }
  jpeg_finish_compress (cinfo);
  return TRUE;
}

gboolean
fovea_encode_jpeg_file (const FoveaImage *image,
                        const char       *path,
                        int               quality,
                        GError          **error)
{
  if (!fovea_encode_check_image (image, path, "JPEG", error))
    return FALSE;
  if (quality < 1 || quality > 100)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot write “%s” as JPEG: quality %d is not within 1..100", path, quality);
      return FALSE;
    }

  JpegWriter writer = { .image = image, .quality = quality };
  writer.cinfo.err = jpeg_std_error (&writer.errors);
  writer.errors.error_exit = on_jpeg_error;
  writer.errors.output_message = on_jpeg_output;
  writer.cinfo.client_data = &writer;

  gboolean ok = write_jpeg (&writer);
  jpeg_destroy_compress (&writer.cinfo);
  g_free (writer.row);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot encode “%s” as JPEG: %s",
                 path, writer.message);
  else
    ok = fovea_encode_write_file (path, writer.output, writer.output_size, error);
  free (writer.output);
  return ok;
}
