/* fovea-decode-layout.c: the structure checks on BMP and GIF files that
 * gdk-pixbuf does not make itself. */
#define G_LOG_DOMAIN "fovea-decode-layout"

#include "fovea-decode-private.h"

static guint32
read_le16 (const guint8 *p)
{
  return p[0] | (guint32) p[1] << 8;
}

static guint32
read_le32 (const guint8 *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (guint32) p[3] << 24;
}

gboolean
fovea_decode_bmp_is_complete (const FoveaDecodeJob *job, int width, int height)
{
  const guint8 *data = job->data;
  if (job->length < 30)
    return FALSE;
  guint64 offset = read_le32 (data + 10);
  guint64 bits, compression = 0, image_size = 0;
  if (read_le32 (data + 14) == 12)  /* OS/2 BITMAPCOREHEADER */
    bits = read_le16 (data + 24);
  else
    {
      bits = read_le16 (data + 28);
      compression = job->length >= 34 ? read_le32 (data + 30) : 0;
      image_size = job->length >= 38 ? read_le32 (data + 34) : 0;
    }
  guint64 needed;
  if (compression == 0 || compression == 3 || compression == 6)  /* RGB, bit fields */
    needed = offset + ((guint64) width * bits + 31) / 32 * 4 * (guint64) height;
  else  /* RLE: only the size the header states, if any */
    needed = offset + image_size;
  return job->length >= needed;
}

/* Moves *at past a GIF data sub-block sequence (ending with a 0 size). */
static gboolean
skip_sub_blocks (const FoveaDecodeJob *job, gsize *at)
{
  while (*at < job->length)
    {
      guint8 size = job->data[(*at)++];
      if (size == 0)
        return TRUE;
      *at += size;
    }
  return FALSE;
}

/* Size in bytes of a colour table announced by a GIF flags byte. */
static gsize
colour_table_size (guint8 flags)
{
  return flags & 0x80 ? 3u << ((flags & 7) + 1) : 0;
}

gsize
fovea_decode_gif_first_frame (const FoveaDecodeJob *job, GError **error)
{
  const guint8 *data = job->data;
  gsize at = 13;  /* "GIF89a" and the logical screen descriptor */
  if (job->length >= at)
    at += colour_table_size (data[10]);
  while (at < job->length)
    {
      guint8 block = data[at++];
      if (block == 0x21 && at < job->length)  /* extension: label, sub-blocks */
        {
          at++;
          if (!skip_sub_blocks (job, &at))
            break;
        }
      else if (block == 0x2c)  /* image descriptor */
        {
          if (at + 10 > job->length)
            break;
          if (read_le16 (data + at + 4) == 0 || read_le16 (data + at + 6) == 0)
            {
              fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                      "GIF data is corrupt (a frame of zero size)");
              return 0;
            }
          at += 9 + colour_table_size (data[at + 8]) + 1;  /* + LZW code size */
          if (at <= job->length && skip_sub_blocks (job, &at))
            return at;
          break;
        }
      else if (block != 0x21)
        {
          fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                  "GIF data is corrupt (%s)",
                                  block == 0x3b ? "no image before the end"
                                                : "unknown block type");
          return 0;
        }
    }
  fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                          "GIF data ends early (truncated)");
  return 0;
}
