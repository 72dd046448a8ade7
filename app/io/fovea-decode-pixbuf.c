/* fovea-decode-pixbuf.c: BMP and GIF (first frame) through gdk-pixbuf.
 *
 * gdk-pixbuf always gives RGB or RGBA; images that are grey, or opaque,
 * come back with one channel, or without alpha, like the files hold them
 * (OCTA scans and DRIVE masks are 8-bit grey). */
#define G_LOG_DOMAIN "fovea-decode-pixbuf"

#include "fovea-decode-private.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

typedef struct {
  const FoveaDecodeJob *job;
  guint64               width;
  guint64               height;
  gboolean              refused;
} SizeCheck;

/* Runs once the header is parsed and before the loader allocates pixels:
 * a size of 0 × 0 tells the module to stop there. */
static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  SizeCheck *check = user_data;
  check->job->info->original_width = width;
  check->job->info->original_height = height;
  check->width = (guint64) MAX (width, 0);
  check->height = (guint64) MAX (height, 0);
  if (!fovea_decode_check_size (check->job, check->width, check->height, NULL))
    {
      check->refused = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

/* 1 (grey), 3 (RGB) or 4 (RGBA): drops alpha that is opaque everywhere
 * and colour that is grey everywhere. */
static int
needed_channels (const GdkPixbuf *pixbuf)
{
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  gboolean opaque = TRUE, grey = TRUE;
  for (int y = 0; y < height && (grey || opaque); y++)
    {
      const guint8 *p = pixels + (gsize) y * stride;
      for (int x = 0; x < width; x++, p += n)
        {
          grey = grey && p[0] == p[1] && p[1] == p[2];
          opaque = opaque && (n == 3 || p[3] == 255);
        }
    }
  if (!opaque)
    return 4;
  return grey ? 1 : 3;
}

static FoveaImage *
image_from_pixbuf (const FoveaDecodeJob *job, const GdkPixbuf *pixbuf, GError **error)
{
  int channels = needed_channels (pixbuf);
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  FoveaImage *image = fovea_decode_new_image (job, gdk_pixbuf_get_width (pixbuf),
                                              gdk_pixbuf_get_height (pixbuf),
                                              channels, 8, error);
  if (image == NULL)
    return NULL;
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = pixels + (gsize) y * stride;
      guint8 *dst = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++, src += n, dst += channels)
        memcpy (dst, src, channels);
    }
  return image;
}

/* TRUE when a BMP loaded without error still lacks pixel rows. */
static gboolean
is_short_bmp (const FoveaDecodeJob *job, const GdkPixbuf *pixbuf)
{
  return job->info->format == FOVEA_FORMAT_BMP &&
         !fovea_decode_bmp_is_complete (job, gdk_pixbuf_get_width (pixbuf),
                                        gdk_pixbuf_get_height (pixbuf));
}

FoveaImage *
fovea_decode_pixbuf (const FoveaDecodeJob *job, GError **error)
{
  gboolean is_gif = job->info->format == FOVEA_FORMAT_GIF;
  const char *kind = fovea_file_format_to_string (job->info->format);
  /* Only the first GIF frame is fed, then the trailer: later frames are
   * never decoded, nor can they fail the file. */
  gsize length = is_gif ? fovea_decode_gif_first_frame (job, error) : job->length;
  if (length == 0 || (!is_gif && !fovea_decode_bmp_check_header (job, error)))
    return NULL;

  GError *local = NULL;
  GdkPixbufLoader *loader = gdk_pixbuf_loader_new_with_type (is_gif ? "gif" : "bmp", &local);
  if (loader == NULL)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                              "no %s loader in gdk-pixbuf (%s)", kind, local->message);
      g_error_free (local);
      return NULL;
    }
  SizeCheck check = { .job = job };
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &check);

  /* Everything is written at once, so an error at close means the data
   * ran out; an error while writing means it was wrong. */
  gboolean written = gdk_pixbuf_loader_write (loader, job->data, length, &local) &&
                     (!is_gif || gdk_pixbuf_loader_write (loader, (const guint8 *) ";", 1, &local));
  gboolean closed = gdk_pixbuf_loader_close (loader, written ? &local : NULL);
  GdkPixbuf *pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);

  FoveaImage *image = NULL;
  if (check.refused)
    fovea_decode_check_size (job, check.width, check.height, error);
  else if (!written)
    fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT, "%s data is corrupt (%s)",
                            kind, local->message);
  else if (!closed || (pixbuf != NULL && is_short_bmp (job, pixbuf)))
    fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                            "%s data ends early (truncated)", kind);
  else if (pixbuf == NULL)
    fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                            "%s data holds no image", kind);
  else
    image = image_from_pixbuf (job, pixbuf, error);
  g_clear_error (&local);
  g_object_unref (loader);
  return image;
}
