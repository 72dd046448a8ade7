/* fovea-decode-jpeg.c: JPEG through libjpeg-turbo (libjpeg 6.2 API).
 *
 * Honours the EXIF orientation, can decode at 1/2, 1/4 or 1/8 scale for
 * previews, and turns CMYK/YCCK into RGB. Warnings that mean the pixels are
 * wrong (premature end of file, corrupt entropy data) are treated as
 * errors: a half-grey image must never reach a clinician. As libjpeg
 * reports errors by longjmp, all state lives in a JpegReader owned by the
 * caller of the function that calls setjmp. */
#define G_LOG_DOMAIN "fovea-decode-jpeg"

#include "fovea-decode-private.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <libexif/exif-data.h>

/* Progressive files can repeat scans endlessly; real ones have ~10. */
#define MAX_PROGRESSIVE_SCANS 500

typedef struct {
  const FoveaDecodeJob         *job;
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr         errors;
  struct jpeg_progress_mgr      progress;
  jmp_buf                       jump;
  FoveaDecodeError              code;      /* what the longjmp means */
  char                          message[JMSG_LENGTH_MAX];
  FoveaImage                   *image;     /* as stored, before orientation */
  guint8                       *cmyk_row;
} JpegReader;

static G_NORETURN void
fail (j_common_ptr cinfo, FoveaDecodeError code)
{
  JpegReader *reader = cinfo->client_data;
  reader->code = code;
  cinfo->err->format_message (cinfo, reader->message);
  longjmp (reader->jump, 1);
}

static void
on_jpeg_error (j_common_ptr cinfo)
{
  switch (cinfo->err->msg_code)
    {
    case JERR_INPUT_EMPTY:
      fail (cinfo, FOVEA_DECODE_ERROR_TRUNCATED);
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
      fail (cinfo, FOVEA_DECODE_ERROR_UNSUPPORTED);
    default:
      fail (cinfo, FOVEA_DECODE_ERROR_CORRUPT);
    }
}

static void
on_jpeg_message (j_common_ptr cinfo, int level)
{
  if (level >= 0)
    return;  /* trace output */
  switch (cinfo->err->msg_code)
    {
    case JWRN_JPEG_EOF:
      fail (cinfo, FOVEA_DECODE_ERROR_TRUNCATED);
    case JWRN_HIT_MARKER:
    case JWRN_MUST_RESYNC:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_NOT_SEQUENTIAL:
      fail (cinfo, FOVEA_DECODE_ERROR_CORRUPT);
    default:
      break;  /* harmless, e.g. an unknown JFIF revision */
    }
}

static void
on_jpeg_output (j_common_ptr cinfo)
{
  /* libjpeg would print to stderr; our messages go into the GError. */
}

static void
on_jpeg_progress (j_common_ptr cinfo)
{
  j_decompress_ptr dinfo = (j_decompress_ptr) cinfo;
  if (dinfo->input_scan_number > MAX_PROGRESSIVE_SCANS)
    {
      JpegReader *reader = cinfo->client_data;
      reader->code = FOVEA_DECODE_ERROR_CORRUPT;
      g_snprintf (reader->message, sizeof reader->message,
                  "more than %d progressive scans", MAX_PROGRESSIVE_SCANS);
      longjmp (reader->jump, 1);
    }
}

/* The Orientation tag (0x0112) of the first EXIF APP1 segment; 1 if none. */
static int
read_exif_orientation (j_decompress_ptr cinfo)
{
  for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker; marker = marker->next)
    {
      if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 6 ||
          memcmp (marker->data, "Exif\0\0", 6) != 0)
        continue;
      ExifData *exif = exif_data_new ();
      if (exif == NULL)
        return 1;
      /* Only reading: do not let libexif add the tags the spec requires. */
      exif_data_unset_option (exif, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
      exif_data_load_data (exif, marker->data, marker->data_length);
      int orientation = 1;
      ExifEntry *entry = exif_content_get_entry (exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
      if (entry != NULL && entry->format == EXIF_FORMAT_SHORT &&
          entry->components >= 1 && entry->data != NULL && entry->size >= 2)
        orientation = exif_get_short (entry->data, exif_data_get_byte_order (exif));
      exif_data_unref (exif);
      return orientation >= 1 && orientation <= 8 ? orientation : 1;
    }
  return 1;
}

/* The largest reduction whose upright result still covers the minimum
 * size; orientations 5..8 swap width and height. */
static void
choose_scale (JpegReader *reader, int orientation)
{
  j_decompress_ptr cinfo = &reader->cinfo;
  const FoveaDecodeJob *job = reader->job;
  cinfo->scale_num = 1;
  cinfo->scale_denom = 1;
  if (job->min_width <= 0 && job->min_height <= 0)
    return;
  gboolean swaps = orientation >= 5;
  for (unsigned denom = 8; denom >= 2; denom /= 2)
    {
      cinfo->scale_denom = denom;
      jpeg_calc_output_dimensions (cinfo);
      guint w = swaps ? cinfo->output_height : cinfo->output_width;
      guint h = swaps ? cinfo->output_width : cinfo->output_height;
      if (w >= (guint) job->min_width && h >= (guint) job->min_height)
        return;
    }
  cinfo->scale_denom = 1;
}

/* Naive CMYK → RGB, without a colour profile. Adobe files (what Photoshop
 * and libjpeg with an Adobe marker write) store the inks inverted. */
static void
cmyk_to_rgb (const guint8 *cmyk, guint8 *rgb, guint width, gboolean inverted)
{
  for (guint x = 0; x < width; x++, cmyk += 4, rgb += 3)
    {
      guint k = inverted ? cmyk[3] : 255u - cmyk[3];
      for (int c = 0; c < 3; c++)
        {
          guint v = inverted ? cmyk[c] : 255u - cmyk[c];
          rgb[c] = (guint8) ((v * k + 127) / 255);
        }
    }
}

static gboolean
read_jpeg (JpegReader *reader, GError **error)
{
  const FoveaDecodeJob *job = reader->job;
  j_decompress_ptr cinfo = &reader->cinfo;
  if (setjmp (reader->jump))
    return FALSE;

  jpeg_create_decompress (cinfo);
  cinfo->progress = &reader->progress;
  jpeg_mem_src (cinfo, job->data, job->length);
  jpeg_save_markers (cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header (cinfo, TRUE);

  job->info->original_width = (int) cinfo->image_width;
  job->info->original_height = (int) cinfo->image_height;
  /* Budget on the full size: progressive decoding holds every coefficient
   * of the full image whatever the output scale. */
  if (!fovea_decode_check_size (job, cinfo->image_width, cinfo->image_height, error))
    return FALSE;

  int orientation = read_exif_orientation (cinfo);
  job->info->exif_orientation = orientation;
  gboolean cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  if (cmyk)
    cinfo->out_color_space = JCS_CMYK;
  else if (cinfo->jpeg_color_space != JCS_GRAYSCALE)
    cinfo->out_color_space = JCS_RGB;
  choose_scale (reader, orientation);
  job->info->scale_denom = (int) cinfo->scale_denom;

  jpeg_start_decompress (cinfo);
  reader->image = fovea_decode_new_image (job, (int) cinfo->output_width,
                                          (int) cinfo->output_height,
                                          cmyk ? 3 : cinfo->output_components, 8, error);
  if (reader->image == NULL)
    return FALSE;
  if (cmyk)
    reader->cmyk_row = g_new (guint8, (gsize) cinfo->output_width * 4);

  while (cinfo->output_scanline < cinfo->output_height)
    {
      guint8 *row = fovea_image_row (reader->image, (int) cinfo->output_scanline);
      JSAMPROW target = cmyk ? reader->cmyk_row : row;
      jpeg_read_scanlines (cinfo, &target, 1);
      if (cmyk)
        cmyk_to_rgb (reader->cmyk_row, row, cinfo->output_width, cinfo->saw_Adobe_marker);
    }
  /* Reads up to EOI, so a file cut after the last scanline is noticed. */
  jpeg_finish_decompress (cinfo);
  return TRUE;
}

FoveaImage *
fovea_decode_jpeg (const FoveaDecodeJob *job, GError **error)
{
  JpegReader reader = { .job = job };
  reader.cinfo.err = jpeg_std_error (&reader.errors);
  reader.errors.error_exit = on_jpeg_error;
  reader.errors.emit_message = on_jpeg_message;
  reader.errors.output_message = on_jpeg_output;
  reader.progress.progress_monitor = on_jpeg_progress;
  reader.cinfo.client_data = &reader;

  GError *local = NULL;
  gboolean ok = read_jpeg (&reader, &local);
  jpeg_destroy_decompress (&reader.cinfo);
  g_free (reader.cmyk_row);

  FoveaImage *image = NULL;
  if (ok && job->info->exif_orientation != 1)
    image = fovea_decode_orient (job, reader.image, job->info->exif_orientation, &local);
  else if (ok)
    image = g_steal_pointer (&reader.image);
  fovea_image_free (reader.image);
  if (image != NULL)
    return image;

  if (local != NULL)
    g_propagate_error (error, local);
  else if (reader.code == FOVEA_DECODE_ERROR_TRUNCATED)
    fovea_decode_set_error (job, error, reader.code, "JPEG data ends early (truncated)");
  else if (reader.code == FOVEA_DECODE_ERROR_UNSUPPORTED)
    fovea_decode_set_error (job, error, reader.code, "JPEG variant not supported (%s)",
                            reader.message);
  else
    fovea_decode_set_error (job, error, reader.code, "JPEG data is corrupt (%s)",
                            reader.message);
  return NULL;
}
