/* fovea-decode-layout.c: the structure checks on BMP and GIF files that
 * gdk-pixbuf does not make itself (header sizes before it allocates, a
 * GIF frame's LZW stream whole and valid). */
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

/* Refuses a BMP header that would make gdk-pixbuf allocate more than the
 * file or the pixel budget justifies: its loader sizes a buffer from the
 * pixel-data offset and rows from width × bits, before any size check (a
 * 572-byte file could ask for 4 GiB). A valid file has its pixel data
 * inside it, after both headers. */
gboolean
fovea_decode_bmp_check_header (const FoveaDecodeJob *job, GError **error)
{
  const guint8 *data = job->data;
  if (job->length < 26)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                              "BMP data ends early (truncated)");
      return FALSE;
    }
  guint64 offset = read_le32 (data + 10);
  guint64 header = read_le32 (data + 14);
  gboolean core = header == 12;  /* OS/2 BITMAPCOREHEADER: 16-bit sizes */
  if (header != 12 && header != 16 && header != 40 && header != 52 && header != 56 &&
      header != 64 && header != 108 && header != 124)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "BMP header is corrupt (an info header of %" G_GUINT64_FORMAT
                              " bytes)", header);
      return FALSE;
    }
  if (job->length < 14 + header)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                              "BMP data ends early (truncated)");
      return FALSE;
    }
  if (offset < 14 + header || offset > job->length)
    {
      fovea_decode_set_error (job, error, offset < 14 + header ? FOVEA_DECODE_ERROR_CORRUPT
                                                               : FOVEA_DECODE_ERROR_TRUNCATED,
                              "BMP data %s (its pixels start at byte %" G_GUINT64_FORMAT
                              " of %" G_GSIZE_FORMAT ")",
                              offset < 14 + header ? "is corrupt" : "ends early (truncated)",
                              offset, job->length);
      return FALSE;
    }
  gint64 width = core ? (gint64) read_le16 (data + 18) : (gint32) read_le32 (data + 18);
  gint64 height = core ? (gint64) read_le16 (data + 20) : (gint32) read_le32 (data + 22);
  guint64 bits = core ? read_le16 (data + 24) : read_le16 (data + 28);
  if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "BMP header is corrupt (%" G_GUINT64_FORMAT " bits per pixel)",
                              bits);
      return FALSE;
    }
  /* gdk-pixbuf sizes the palette from "colours used" too (4 GiB for
   * 0xffffff08): a palette has at most 2^bits entries, all in the file
   * between the headers and the pixels. */
  guint64 colours = core || header < 40 ? 0 : read_le32 (data + 46);
  if ((bits <= 8 && colours > (1u << bits)) || colours * 4 > offset - 14 - header)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "BMP header is corrupt (a palette of %" G_GUINT64_FORMAT
                              " colours)", colours);
      return FALSE;
    }
  /* Negative heights are top-down images; negative widths are invalid. */
  if (!fovea_decode_check_size (job, (guint64) MAX (width, 0), (guint64) ABS (height), error))
    return FALSE;
  /* Rows the file cannot hold are not allocated for either (both sizes
   * are now from 1 to G_MAXINT). */
  if (!fovea_decode_bmp_is_complete (job, (int) width, (int) ABS (height)))
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                              "BMP data ends early (truncated)");
      return FALSE;
    }
  return TRUE;
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

/* The LZW stream of a GIF frame, read from its sub-blocks. */
typedef struct {
  const FoveaDecodeJob *job;
  gsize                 at;       /* next data byte */
  gsize                 block_end;
  guint32               bits;     /* buffered bits, least significant first */
  int                   n_bits;
} LzwReader;

/* The next code_size-bit code, or -1 when the sub-blocks end. */
static int
lzw_next_code (LzwReader *r, int code_size)
{
  while (r->n_bits < code_size)
    {
      if (r->at == r->block_end)
        {
          guint8 size = r->at < r->job->length ? r->job->data[r->at] : 0;
          if (size == 0)
            return -1;
          r->at++;
          r->block_end = r->at + size;
        }
      r->bits |= (guint32) r->job->data[r->at++] << r->n_bits;
      r->n_bits += 8;
    }
  int code = (int) (r->bits & ((1u << code_size) - 1));
  r->bits >>= code_size;
  r->n_bits -= code_size;
  return code;
}

/* Runs the first frame's LZW stream (its code size byte at at, its
 * sub-blocks already known to be whole) without storing pixels: a code
 * that is not yet in the table is corrupt data, and a stream that gives
 * fewer than width × height pixels is a partial frame. gdk-pixbuf accepts
 * both and fills the rest with transparency, which would then be graded. */
static gboolean
check_gif_lzw (const FoveaDecodeJob *job, gsize at, guint64 width, guint64 height,
               GError **error)
{
  int min_size = job->data[at];
  if (min_size < 2 || min_size > 11)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "GIF data is corrupt (an LZW code size of %d)", min_size);
      return FALSE;
    }
  guint16 length[4096];  /* pixels each table entry stands for */
  int clear = 1 << min_size, end = clear + 1;
  for (int i = 0; i < clear; i++)
    length[i] = 1;
  int code_size = min_size + 1, next = clear + 2, previous = -1;
  guint64 pixels = 0, wanted = width * height;
  LzwReader r = { job, at + 1, at + 1, 0, 0 };
  for (int code; pixels < wanted && (code = lzw_next_code (&r, code_size)) != end; )
    {
      if (code < 0)
        break;
      if (code == clear)
        {
          code_size = min_size + 1;
          next = clear + 2;
          previous = -1;
          continue;
        }
      if (code > next || (code == next && previous < 0) || code == end)
        {
          fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                  "GIF data is corrupt (an invalid LZW code after %"
                                  G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " pixels)",
                                  pixels, wanted);
          return FALSE;
        }
      if (previous >= 0 && next < 4096)
        {
          /* The new entry is the previous string plus one pixel. */
          length[next] = (guint16) MIN (length[previous] + 1, G_MAXUINT16);
          next++;
          if (next == 1 << code_size && code_size < 12)
            code_size++;
        }
      pixels += length[code];
      previous = code;
    }
  if (pixels < wanted)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                              "GIF data ends early (the first frame has %" G_GUINT64_FORMAT
                              " of its %" G_GUINT64_FORMAT " pixels)", pixels, wanted);
      return FALSE;
    }
  return TRUE;
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
          guint64 width = read_le16 (data + at + 4), height = read_le16 (data + at + 6);
          if (width == 0 || height == 0)
            {
              fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                      "GIF data is corrupt (a frame of zero size)");
              return 0;
            }
          /* The frame is decoded whole whatever the screen says. */
          if (!fovea_decode_check_size (job, width, height, error))
            return 0;
          at += 9 + colour_table_size (data[at + 8]);
          gsize lzw = at++;  /* the LZW code size byte */
          if (at <= job->length && skip_sub_blocks (job, &at))
            return check_gif_lzw (job, lzw, width, height, error) ? at : 0;
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
