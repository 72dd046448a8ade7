/* test-encode.c: PNG and JPEG encoding. PNG must round-trip exactly (read
 * back both by Fovea's decoder and by gdk-pixbuf's independent one), JPEG
 * closely; writes are atomic and failures leave nothing behind. */
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-test-common.h"

/* A deterministic pattern using every bit of 8- and 16-bit samples, in an
 * image whose rows are padded so that stride handling is exercised. */
static FoveaImage *
make_pattern (int width, int height, int channels, int bit_depth)
{
  FoveaImage *image = g_new0 (FoveaImage, 1);
  *image = (FoveaImage) { width, height, channels, bit_depth, 0, NULL };
  image->stride = (gsize) width * channels * (bit_depth / 8) + 14;
  image->data = g_malloc0 (image->stride * height);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < channels; c++)
        {
          guint v = (guint) (x * (1237 + 17 * c) + y * (4099 + 31 * c) + x * y * 7);
          gsize at = (gsize) x * channels + c;
          if (bit_depth == 16)
            fovea_image_row16 (image, y)[at] = (guint16) v;
          else
            fovea_image_row (image, y)[at] = (guint8) (v ^ (v >> 8));
        }
  return image;
}

static guint
sample (const FoveaImage *image, int x, int y, int c)
{
  gsize at = (gsize) x * image->channels + c;
  return image->bit_depth == 16 ? fovea_image_row16 (image, y)[at]
                                : fovea_image_row (image, y)[at];
}

static FoveaImage *
decode (const char *path)
{
  GError *error = NULL;
  FoveaImage *image = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  return image;
}

static guint
count_entries (const char *dir)
{
  GDir *listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  guint n = 0;
  while (g_dir_read_name (listing) != NULL)
    n++;
  g_dir_close (listing);
  return n;
}

static void
test_png_round_trip (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  for (int bit_depth = 8; bit_depth <= 16; bit_depth += 8)
    for (int channels = 1; channels <= 4; channels++)
      {
        g_autoptr (FoveaImage) image = make_pattern (53, 31, channels, bit_depth);
        g_autofree char *name = g_strdup_printf ("round-%d-%d.png", channels, bit_depth);
        g_autofree char *path = g_build_filename (dir, name, NULL);
        GError *error = NULL;
        g_assert_true (fovea_encode_png_file (image, path, &error));
        g_assert_no_error (error);

        g_autoptr (FoveaImage) back = decode (path);
        g_assert_cmpint (back->width, ==, image->width);
        g_assert_cmpint (back->height, ==, image->height);
        g_assert_cmpint (back->channels, ==, channels);
        g_assert_cmpint (back->bit_depth, ==, bit_depth);
        for (int y = 0; y < image->height; y++)
          for (int x = 0; x < image->width; x++)
            for (int c = 0; c < channels; c++)
              g_assert_cmpuint (sample (back, x, y, c), ==, sample (image, x, y, c));
      }
  fovea_test_rmdir (dir);
}

/* gdk-pixbuf's PNG loader is a second, independent reader. */
static void
test_png_read_by_pixbuf (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  for (int channels = 3; channels <= 4; channels++)
    {
      g_autoptr (FoveaImage) image = make_pattern (40, 24, channels, 8);
      g_autofree char *path = g_build_filename (dir, "pixbuf.png", NULL);
      g_assert_true (fovea_encode_png_file (image, path, NULL));
      GError *error = NULL;
      GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (gdk_pixbuf_get_n_channels (pixbuf), ==, channels);
      const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
      int stride = gdk_pixbuf_get_rowstride (pixbuf);
      for (int y = 0; y < image->height; y++)
        g_assert_cmpmem (pixels + (gsize) y * stride, image->width * channels,
                         fovea_image_row (image, y), image->width * channels);
      g_object_unref (pixbuf);
    }
  fovea_test_rmdir (dir);
}

/* Over b's channels; 16-bit samples of a are compared at 8-bit scale. */
static double
mean_abs_difference (const FoveaImage *a, const FoveaImage *b)
{
  double total = 0;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      for (int c = 0; c < b->channels; c++)
        {
          double va = sample (a, x, y, c);
          if (a->bit_depth == 16)
            va /= 257.0;
          total += ABS (va - sample (b, x, y, c));
        }
  return total / ((double) a->width * a->height * b->channels);
}

static void
test_jpeg_round_trip (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (FoveaImage) fundus = fovea_test_synthetic_fundus (160, 120, 80, 60, 55);
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (fundus);
  /* RGBA and 16-bit inputs: alpha dropped, samples rounded to 8 bits. */
  g_autoptr (FoveaImage) rgba = fovea_image_new (160, 120, 4, 16, NULL);
  for (int y = 0; y < 120; y++)
    for (int x = 0; x < 160; x++)
      for (int c = 0; c < 4; c++)
        fovea_image_row16 (rgba, y)[x * 4 + c] =
          (guint16) (c == 3 ? 1000 : sample (fundus, x, y, c) * 257);
  const FoveaImage *inputs[] = { fundus, grey, rgba };
  const int want_channels[] = { 3, 1, 3 };
  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autofree char *path = g_build_filename (dir, "round.jpg", NULL);
      GError *error = NULL;
      g_assert_true (fovea_encode_jpeg_file (inputs[i], path, 95, &error));
      g_assert_no_error (error);
      g_autoptr (FoveaImage) back = decode (path);
      g_assert_cmpint (back->width, ==, 160);
      g_assert_cmpint (back->height, ==, 120);
      g_assert_cmpint (back->channels, ==, want_channels[i]);
      g_assert_cmpint (back->bit_depth, ==, 8);
      double error_level = mean_abs_difference (inputs[i], back);
      g_test_message ("input %" G_GSIZE_FORMAT ": mean absolute error %.2f", i, error_level);
      g_assert_cmpfloat (error_level, <, 2.0);
    }

  /* Lower quality, smaller file. */
  g_autofree char *high = g_build_filename (dir, "q95.jpg", NULL);
  g_autofree char *low = g_build_filename (dir, "q20.jpg", NULL);
  g_assert_true (fovea_encode_jpeg_file (fundus, high, 95, NULL));
  g_assert_true (fovea_encode_jpeg_file (fundus, low, 20, NULL));
  GStatBuf high_stat, low_stat;
  g_assert_cmpint (g_stat (high, &high_stat), ==, 0);
  g_assert_cmpint (g_stat (low, &low_stat), ==, 0);
  g_assert_cmpint (low_stat.st_size, <, high_stat.st_size);
  fovea_test_rmdir (dir);
}

static void
test_invalid_input (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "bad.jpg", NULL);
  g_autoptr (FoveaImage) image = make_pattern (8, 8, 3, 8);
  GError *error = NULL;
  g_assert_false (fovea_encode_jpeg_file (image, path, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (fovea_encode_jpeg_file (image, path, 101, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  FoveaImage broken = *image;
  broken.channels = 5;
  g_assert_false (fovea_encode_png_file (&broken, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (dir), ==, 0);
  fovea_test_rmdir (dir);
}

/* Fails to write to path; nothing at all may appear in check_dir. */
static void
assert_unwritable (const char *path, const char *check_dir)
{
  g_autoptr (FoveaImage) image = make_pattern (16, 16, 3, 8);
  guint before = check_dir ? count_entries (check_dir) : 0;
  GError *error = NULL;
  g_assert_false (fovea_encode_png_file (image, path, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_false (fovea_encode_jpeg_file (image, path, 90, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  if (check_dir)
    g_assert_cmpuint (count_entries (check_dir), ==, before);
}

static void
test_unwritable_missing_dir (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "no-such-dir", "out.png", NULL);
  assert_unwritable (path, dir);
  fovea_test_rmdir (dir);
}

static void
test_unwritable_parent_is_file (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *file = g_build_filename (dir, "plain-file", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_autofree char *path = g_build_filename (file, "out.png", NULL);
  assert_unwritable (path, dir);
  fovea_test_rmdir (dir);
}

static void
test_unwritable_read_only_dir (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  if (access (dir, W_OK) == 0)
    g_test_skip ("running as root: a read-only directory is still writable");
  else
    {
      g_autofree char *path = g_build_filename (dir, "out.png", NULL);
      assert_unwritable (path, dir);
    }
  g_chmod (dir, 0755);
  fovea_test_rmdir (dir);
}

static void
test_atomic_replace (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "replace.png", NULL);
  g_autoptr (FoveaImage) first = make_pattern (30, 20, 3, 8);
  g_autoptr (FoveaImage) second = make_pattern (20, 30, 1, 16);
  g_assert_true (fovea_encode_png_file (first, path, NULL));
  g_autofree char *first_bytes = NULL;
  gsize first_length;
  g_assert_true (g_file_get_contents (path, &first_bytes, &first_length, NULL));

  /* A reader that has the old file open keeps seeing all of it. */
  int fd = g_open (path, O_RDONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (fovea_encode_png_file (second, path, NULL));
  g_autofree char *old_view = g_malloc (first_length + 1);
  g_assert_cmpint (read (fd, old_view, first_length + 1), ==, (gssize) first_length);
  g_assert_cmpmem (old_view, first_length, first_bytes, first_length);
  close (fd);

  g_autoptr (FoveaImage) back = decode (path);
  g_assert_cmpint (back->width, ==, 20);
  g_assert_cmpint (back->bit_depth, ==, 16);
  g_assert_cmpuint (count_entries (dir), ==, 1);  /* no temporary file left */

  mode_t mask = umask (0);
  umask (mask);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644 & ~mask);

  /* A failed encode (over JPEG's 65500-pixel limit) keeps the old file. */
  g_autoptr (FoveaImage) too_wide = fovea_image_new (70000, 1, 3, 8, NULL);
  GError *error = NULL;
  g_assert_false (fovea_encode_jpeg_file (too_wide, path, 90, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);
  g_autoptr (FoveaImage) still = decode (path);
  g_assert_cmpint (still->width, ==, 20);
  g_assert_cmpuint (count_entries (dir), ==, 1);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/encode/png/round-trip", test_png_round_trip);
  g_test_add_func ("/encode/png/read-by-gdk-pixbuf", test_png_read_by_pixbuf);
  g_test_add_func ("/encode/jpeg/round-trip", test_jpeg_round_trip);
  g_test_add_func ("/encode/invalid-input", test_invalid_input);
  g_test_add_func ("/encode/unwritable/missing-dir", test_unwritable_missing_dir);
  g_test_add_func ("/encode/unwritable/parent-is-file", test_unwritable_parent_is_file);
  g_test_add_func ("/encode/unwritable/read-only-dir", test_unwritable_read_only_dir);
  g_test_add_func ("/encode/atomic-replace", test_atomic_replace);
  return g_test_run ();
}
