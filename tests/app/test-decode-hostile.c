/* test-decode-hostile.c: GIF and BMP files made to fool gdk-pixbuf are
 * refused whole, before it allocates: a frame whose LZW stream is corrupt
 * or stops early (gdk-pixbuf fills the rest with transparency and calls it
 * decoded), and a BMP header whose pixel offset would make it allocate
 * gigabytes. The same bytes are seeds in tests/fuzz/corpus/decode/
 * (tests/scripts/make-hostile-decode-corpus.py). */
#include <string.h>

#include "fovea-decode.h"
#include "fovea-test-common.h"

/* Codes of 3 bits, least significant bit first, into 255-byte sub-blocks. */
typedef struct {
  GByteArray *codes;   /* packed bytes */
  guint32     bits;
  int         n_bits;
} BitWriter;

static void
put_code (BitWriter *w, guint code)
{
  w->bits |= code << w->n_bits;
  w->n_bits += 3;
  while (w->n_bits >= 8)
    {
      guint8 byte = (guint8) w->bits;
      g_byte_array_append (w->codes, &byte, 1);
      w->bits >>= 8;
      w->n_bits -= 8;
    }
}

/* A GIF of a screen_w × screen_h screen and one frame of frame_w × frame_h
 * four-colour pixels, of which only the first n_pixels are coded (with a
 * clear code every two pixels, so codes stay 3 bits). bad_at ≥ 0 puts an
 * invalid code (7, never in the table then) before that pixel. */
static GByteArray *
make_gif (int screen_w, int screen_h, int frame_w, int frame_h, int n_pixels, int bad_at)
{
  GByteArray *gif = g_byte_array_new ();
  guint8 header[13] = { 'G', 'I', 'F', '8', '9', 'a',
                        screen_w & 255, screen_w >> 8, screen_h & 255, screen_h >> 8,
                        0x81, 0, 0 };  /* a global table of 4 colours */
  g_byte_array_append (gif, header, sizeof header);
  static const guint8 palette[12] = { 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255 };
  g_byte_array_append (gif, palette, sizeof palette);
  guint8 descriptor[11] = { 0x2c, 0, 0, 0, 0, frame_w & 255, frame_w >> 8,
                            frame_h & 255, frame_h >> 8, 0, 2 /* LZW code size */ };
  g_byte_array_append (gif, descriptor, sizeof descriptor);

  BitWriter w = { g_byte_array_new (), 0, 0 };
  for (int i = 0; i < n_pixels; i++)
    {
      if (i % 2 == 0)
        put_code (&w, 4);  /* clear */
      put_code (&w, i == bad_at ? 7 : (guint) (i * 7 / 3) % 4);
    }
  put_code (&w, 5);  /* end of information */
  put_code (&w, 0);  /* flushes the last bits */
  for (guint at = 0; at < w.codes->len; at += 255)
    {
      guint8 size = (guint8) MIN (255u, w.codes->len - at);
      g_byte_array_append (gif, &size, 1);
      g_byte_array_append (gif, w.codes->data + at, size);
    }
  g_byte_array_append (gif, (const guint8 *) "\0;", 2);
  g_byte_array_unref (w.codes);
  return gif;
}

static FoveaImage *
decode (GByteArray *file, const char *name, GError **error)
{
  FoveaDecodeOptions options = { 0 };
  options.max_pixels = (guint64) 14000 * 14000;
  return fovea_decode_memory (file->data, file->len, name, &options, NULL, error);
}

static void
assert_refused (GByteArray *file, const char *name, FoveaDecodeError code, const char *why)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  FoveaImage *image = decode (file, name, &error);
  g_test_message ("%s: %s", name, error ? error->message : "decoded");
  g_assert_null (image);
  g_assert_error (error, FOVEA_DECODE_ERROR, (gint) code);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, why));
  /* From the header and the codes alone: no pixels were allocated. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_gif_whole (void)
{
  /* The writer itself makes valid files, which decode to the pixels. */
  g_autoptr (GByteArray) gif = make_gif (8, 4, 8, 4, 32, -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) image = decode (gif, "whole.gif", &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 8);
  g_assert_cmpint (image->height, ==, 4);
  g_assert_cmpint (image->channels, ==, 3);  /* no alpha: every pixel is there */
  static const guint8 colours[4][3] = { { 0, 0, 0 }, { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 } };
  for (int i = 0; i < 32; i++)
    g_assert_cmpmem (fovea_image_row (image, i / 8) + (i % 8) * 3, 3,
                     colours[(i * 7 / 3) % 4], 3);
}

static void
test_gif_corrupt_lzw (void)
{
  g_autoptr (GByteArray) gif = make_gif (64, 64, 64, 64, 64 * 64, 2001);
  assert_refused (gif, "corrupt-lzw.gif", FOVEA_DECODE_ERROR_CORRUPT, "LZW");
}

static void
test_gif_partial_frame (void)
{
  g_autoptr (GByteArray) small = make_gif (64, 64, 64, 64, 1000, -1);
  assert_refused (small, "partial.gif", FOVEA_DECODE_ERROR_TRUNCATED, "1000 of its 4096");
  g_autoptr (GByteArray) huge = make_gif (14000, 14000, 14000, 14000, 1, -1);
  assert_refused (huge, "one-pixel.gif", FOVEA_DECODE_ERROR_TRUNCATED, "1 of its");
}

/* A 65535² frame is over the budget, said as such (not "out of memory"). */
static void
test_gif_frame_over_budget (void)
{
  g_autoptr (GByteArray) gif = make_gif (16, 16, 65535, 65535, 1, -1);
  assert_refused (gif, "huge-frame.gif", FOVEA_DECODE_ERROR_TOO_LARGE, "over the limit");
}

/* A 54-byte-header BMP of width × height 24-bit pixels; offset overrides
 * the pixel data offset when non-zero. Its pixel rows are all there. */
static GByteArray *
make_bmp (int width, int height, guint32 offset, int bits)
{
  guint32 row = (guint32) ((width * bits + 31) / 32 * 4);
  guint32 size = 54 + row * (guint32) ABS (height);
  guint8 header[54] = { 'B', 'M' };
  offset = offset != 0 ? offset : 54;
  const guint32 fields[][2] = { { 2, size }, { 10, offset }, { 14, 40 }, { 18, (guint32) width },
                                { 22, (guint32) height }, { 34, row * (guint32) ABS (height) } };
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    for (int b = 0; b < 4; b++)
      header[fields[i][0] + b] = (guint8) (fields[i][1] >> (8 * b));
  header[26] = 1;  /* planes */
  header[28] = (guint8) bits;
  GByteArray *bmp = g_byte_array_new ();
  g_byte_array_append (bmp, header, sizeof header);
  g_byte_array_set_size (bmp, size);
  memset (bmp->data + 54, 0x80, size - 54);
  return bmp;
}

static void
test_bmp_header (void)
{
  g_autoptr (GByteArray) good = make_bmp (4, 2, 0, 24);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) image = decode (good, "good.bmp", &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 4);

  /* gdk-pixbuf sizes a buffer from the offset: 4 GiB for this one. */
  g_autoptr (GByteArray) far = make_bmp (4, 2, 0xfffffff0u, 24);
  assert_refused (far, "far-offset.bmp", FOVEA_DECODE_ERROR_TRUNCATED, "4294967280");
  g_autoptr (GByteArray) inside = make_bmp (4, 2, 20, 24);
  assert_refused (inside, "offset-in-header.bmp", FOVEA_DECODE_ERROR_CORRUPT, "byte 20");
  g_autoptr (GByteArray) depth = make_bmp (4, 2, 0, 7);
  assert_refused (depth, "depth.bmp", FOVEA_DECODE_ERROR_CORRUPT, "7 bits per pixel");
  /* A huge row (width × bits) is bounded by the pixel budget. */
  g_autoptr (GByteArray) wide = make_bmp (1, 1, 0, 24);
  const guint32 huge_width = 0x7fffffffu;
  memcpy (wide->data + 18, &huge_width, 4);
  assert_refused (wide, "wide.bmp", FOVEA_DECODE_ERROR_TOO_LARGE, "over the limit");
  /* "Colours used" sizes gdk-pixbuf's palette (found by fuzzing: 4 GiB). */
  g_autoptr (GByteArray) palette = make_bmp (4, 2, 0, 24);
  const guint32 colours = 0xffffff08u;
  memcpy (palette->data + 46, &colours, 4);
  assert_refused (palette, "palette.bmp", FOVEA_DECODE_ERROR_CORRUPT, "palette");
  /* Within the budget, but rows the 78-byte file cannot hold: refused
   * before gdk-pixbuf allocates 14000 × 14000 pixels. */
  g_autoptr (GByteArray) big = make_bmp (2, 2, 0, 24);
  const guint32 big_size[2] = { 14000, 14000 };
  memcpy (big->data + 18, big_size, sizeof big_size);
  assert_refused (big, "big.bmp", FOVEA_DECODE_ERROR_TRUNCATED, "ends early");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decode-hostile/gif-whole", test_gif_whole);
  g_test_add_func ("/decode-hostile/gif-corrupt-lzw", test_gif_corrupt_lzw);
  g_test_add_func ("/decode-hostile/gif-partial-frame", test_gif_partial_frame);
  g_test_add_func ("/decode-hostile/gif-frame-over-budget", test_gif_frame_over_budget);
  g_test_add_func ("/decode-hostile/bmp-header", test_bmp_header);
  return g_test_run ();
}
