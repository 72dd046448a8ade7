/* test-decode.c: image decoding against the fixtures written by
 * tests/scripts/make-decode-corpus.py (see tests/fixtures/decode/manifest.json),
 * the failure modes (truncation, corruption, mismatch, budget), thread
 * safety, and every image in the shared data folder. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-test-common.h"

/* A huge header must be refused from the header alone: well under this. */
#define HUGE_HEADER_MAX_USEC (G_USEC_PER_SEC / 2)

static JsonObject *manifest;

static char *
fixture (const char *name)
{
  char *relative = g_build_filename ("decode", name, NULL);
  char *path = fovea_test_fixture_path (relative);
  g_free (relative);
  return path;
}

static FoveaImage *
decode_fixture (const char *name, const FoveaDecodeOptions *options, FoveaDecodeInfo *info)
{
  char *path = fixture (name);
  GError *error = NULL;
  FoveaImage *image = fovea_decode_file (path, options, info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  g_free (path);
  return image;
}

static guint8 *
read_fixture (const char *name, gsize *length)
{
  char *path = fixture (name);
  char *contents = NULL;
  g_assert_true (g_file_get_contents (path, &contents, length, NULL));
  g_free (path);
  return (guint8 *) contents;
}

/* Sample c of pixel (x, y), whatever the depth. */
static guint
sample (const FoveaImage *image, int x, int y, int c)
{
  gsize at = (gsize) x * image->channels + c;
  return image->bit_depth == 16 ? fovea_image_row16 (image, y)[at]
                                : fovea_image_row (image, y)[at];
}

/* Asserts that decoding failed with code and a message naming name. */
static void
assert_decode_error (GError *error, FoveaDecodeError code, const char *name)
{
  g_assert_error (error, FOVEA_DECODE_ERROR, (gint) code);
  if (strstr (error->message, name) == NULL)
    g_error ("message “%s” does not name “%s”", error->message, name);
}

/* ------------------------------------------------------------ pixels */

static void
test_pixels (gconstpointer data)
{
  JsonObject *entry = (JsonObject *) data;
  const char *file = json_object_get_string_member (entry, "file");
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) image = decode_fixture (file, NULL, &info);

  g_assert_cmpint (image->width, ==, json_object_get_int_member (entry, "width"));
  g_assert_cmpint (image->height, ==, json_object_get_int_member (entry, "height"));
  g_assert_cmpint (image->channels, ==, json_object_get_int_member (entry, "channels"));
  g_assert_cmpint (image->bit_depth, ==, json_object_get_int_member (entry, "bit_depth"));
  g_assert_cmpint (info.format, ==, fovea_file_format_from_name (file));

  gsize length;
  g_autofree guint8 *expected = read_fixture (json_object_get_string_member (entry, "pixels"),
                                              &length);
  gsize per_row = (gsize) image->width * image->channels;
  g_assert_cmpuint (length, ==, per_row * image->height * (image->bit_depth / 8));
  guint tolerance = (guint) json_object_get_int_member (entry, "tolerance");
  guint worst = 0;
  for (int y = 0; y < image->height; y++)
    for (gsize i = 0; i < per_row; i++)
      {
        gsize at = y * per_row + i;
        guint want = image->bit_depth == 16
          ? (guint) (expected[2 * at] | expected[2 * at + 1] << 8)  /* little-endian */
          : expected[at];
        guint got = sample (image, (int) (i / image->channels), y, (int) (i % image->channels));
        worst = MAX (worst, (guint) ABS ((int) got - (int) want));
      }
  g_assert_cmpuint (worst, <=, tolerance);
}

/* ------------------------------------------------------------ corners */

static void
test_corners (gconstpointer data)
{
  JsonObject *entry = (JsonObject *) data;
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) image = decode_fixture (json_object_get_string_member (entry, "file"),
                                                 NULL, &info);
  int w = (int) json_object_get_int_member (entry, "width");
  int h = (int) json_object_get_int_member (entry, "height");
  g_assert_cmpint (image->width, ==, w);
  g_assert_cmpint (image->height, ==, h);
  g_assert_cmpint (image->channels, ==, 3);
  g_assert_cmpint (info.exif_orientation, ==, json_object_get_int_member (entry, "orientation"));
  g_assert_cmpint (info.scale_denom, ==, 1);

  int inset = (int) json_object_get_int_member (entry, "inset");
  int tolerance = (int) json_object_get_int_member (entry, "tolerance");
  const int xs[] = { inset, w - 1 - inset, inset, w - 1 - inset };
  const int ys[] = { inset, inset, h - 1 - inset, h - 1 - inset };
  JsonArray *colours = json_object_get_array_member (entry, "colours");
  for (guint corner = 0; corner < 4; corner++)
    {
      JsonArray *colour = json_array_get_array_element (colours, corner);
      for (int c = 0; c < 3; c++)
        {
          int want = (int) json_array_get_int_element (colour, c);
          int got = (int) sample (image, xs[corner], ys[corner], c);
          g_assert_cmpint (ABS (got - want), <=, tolerance);
        }
    }
}

/* ------------------------------------------------------------ scaling */

static void
test_scaling (gconstpointer data)
{
  JsonObject *entry = (JsonObject *) data;
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.min_width = (int) json_object_get_int_member (entry, "min_width");
  options.min_height = (int) json_object_get_int_member (entry, "min_height");
  FoveaDecodeInfo info, full_info;
  const char *file = json_object_get_string_member (entry, "file");
  g_autoptr (FoveaImage) image = decode_fixture (file, &options, &info);
  fovea_image_free (decode_fixture (file, NULL, &full_info));

  g_assert_cmpint (info.scale_denom, ==, json_object_get_int_member (entry, "scale_denom"));
  g_assert_cmpint (image->width, ==, json_object_get_int_member (entry, "width"));
  g_assert_cmpint (image->height, ==, json_object_get_int_member (entry, "height"));
  /* The original size is the stored one, before scaling and rotation. */
  g_assert_cmpint (info.original_width, ==, full_info.original_width);
  g_assert_cmpint (info.original_height, ==, full_info.original_height);
}

/* The reduced decode must look like the full one averaged down. */
static void
test_scaling_content (void)
{
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.min_width = 64;
  options.min_height = 48;
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) full = decode_fixture ("jpeg-scaling.jpg", NULL, NULL);
  g_autoptr (FoveaImage) small = decode_fixture ("jpeg-scaling.jpg", &options, &info);
  int d = info.scale_denom;
  g_assert_cmpint (d, ==, 4);
  double total = 0;
  for (int y = 0; y < small->height; y++)
    for (int x = 0; x < small->width; x++)
      for (int c = 0; c < 3; c++)
        {
          double mean = 0;
          for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
              mean += sample (full, x * d + i, y * d + j, c);
          total += ABS (mean / (d * d) - sample (small, x, y, c));
        }
  double mean_error = total / (small->width * small->height * 3.0);
  g_test_message ("mean absolute difference at 1/%d: %.2f", d, mean_error);
  g_assert_cmpfloat (mean_error, <, 3.0);
}

/* ------------------------------------------------------------ failures */

static void
test_too_large (gconstpointer data)
{
  JsonObject *entry = (JsonObject *) data;
  g_autofree char *path = fixture (json_object_get_string_member (entry, "file"));
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  FoveaImage *image = fovea_decode_file (path, NULL, NULL, &error);
  gint64 elapsed = g_get_monotonic_time () - start;
  g_assert_null (image);
  assert_decode_error (error, FOVEA_DECODE_ERROR_TOO_LARGE, path);
  g_test_message ("%s: refused in %" G_GINT64_FORMAT " µs: %s", path, elapsed, error->message);
  g_assert_cmpint (elapsed, <, HUGE_HEADER_MAX_USEC);
  g_error_free (error);
}

static void
test_budget (void)
{
  g_autofree char *path = fixture ("png-rgb-8.png");
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) image = fovea_decode_file (path, &options, &info, NULL);
  g_assert_nonnull (image);

  /* Exactly the image's size passes; one pixel less does not. */
  options.max_pixels = (guint64) image->width * image->height;
  g_autoptr (FoveaImage) exact = fovea_decode_file (path, &options, NULL, NULL);
  g_assert_nonnull (exact);
  options.max_pixels--;
  GError *error = NULL;
  g_assert_null (fovea_decode_file (path, &options, &info, &error));
  assert_decode_error (error, FOVEA_DECODE_ERROR_TOO_LARGE, path);
  /* The header was read, so the size is known even though it was refused. */
  g_assert_cmpint (info.original_width, ==, image->width);
  g_error_free (error);
}

static void
test_truncated (void)
{
  static const char *files[] = {
    "png-rgb-8.png", "png-rgb-16-interlaced.png", "jpeg-rgb.jpg", "jpeg-rgb-progressive.jpg",
    "tiff-rgb-8-raw.tif", "tiff-rgb-8-lzw.tif", "tiff-rgb-16-tiled-deflate.tif",
    "tiff-rgb-16-bigendian.tif", "bmp-rgb-24.bmp", "bmp-palette-8.bmp", "gif-palette.gif",
  };
  for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
    {
      gsize length;
      g_autofree guint8 *data = read_fixture (files[f], &length);
      /* Not length - 1: a GIF needs its trailer byte only after frame 1. */
      const gsize cuts[] = { 40, length / 4, length / 2, length * 3 / 4, length - 2 };
      for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
        {
          GError *error = NULL;
          g_test_message ("%s cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes",
                          files[f], cuts[i], length);
          g_assert_null (fovea_decode_memory (data, cuts[i], files[f], NULL, NULL, &error));
          assert_decode_error (error, FOVEA_DECODE_ERROR_TRUNCATED, files[f]);
          g_error_free (error);
        }
    }
}

/* Random bytes behind each signature: a clean error, never a crash. */
static void
test_random_bytes (void)
{
  static const struct { const char *name; const char *magic; gsize length; } cases[] = {
    { "noise.png", "\x89PNG\r\n\x1a\n", 8 }, { "noise.jpg", "\xff\xd8\xff", 3 },
    { "noise.tif", "II*\0", 4 }, { "noise.gif", "GIF89a", 6 }, { "noise.bmp", "BM", 2 },
    { "noise.png", "", 0 },
  };
  GRand *rand = g_rand_new_with_seed (20240);
  guint8 data[4096];
  for (int round = 0; round < 20; round++)
    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        for (gsize j = 0; j < sizeof data; j++)
          data[j] = (guint8) g_rand_int_range (rand, 0, 256);
        memcpy (data, cases[i].magic, cases[i].length);
        GError *error = NULL;
        FoveaImage *image = fovea_decode_memory (data, sizeof data, cases[i].name,
                                                 NULL, NULL, &error);
        /* A random BMP body can be a valid image: then it must be whole. */
        if (image != NULL)
          {
            g_assert_no_error (error);
            g_assert_cmpint (image->width, >, 0);
            fovea_image_free (image);
            continue;
          }
        g_assert_nonnull (error);
        g_assert_true (error->domain == FOVEA_DECODE_ERROR);
        g_assert_cmpint (error->code, !=, FOVEA_DECODE_ERROR_IO);
        g_assert_nonnull (strstr (error->message, cases[i].name));
        if (cases[i].length == 0)
          g_assert_cmpint (error->code, ==, FOVEA_DECODE_ERROR_UNKNOWN_FORMAT);
        g_error_free (error);
      }
  g_rand_free (rand);
}

static void
test_empty_and_missing (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *empty = g_build_filename (dir, "empty.png", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  GError *error = NULL;
  g_assert_null (fovea_decode_file (empty, NULL, NULL, &error));
  assert_decode_error (error, FOVEA_DECODE_ERROR_EMPTY, empty);
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_assert_null (fovea_decode_file (missing, NULL, NULL, &error));
  assert_decode_error (error, FOVEA_DECODE_ERROR_IO, missing);
  g_clear_error (&error);

  g_autofree char *text = g_build_filename (dir, "notes.tif", NULL);
  g_assert_true (g_file_set_contents (text, "BMW and other words", -1, NULL));
  g_assert_null (fovea_decode_file (text, NULL, NULL, &error));
  assert_decode_error (error, FOVEA_DECODE_ERROR_UNKNOWN_FORMAT, text);
  g_clear_error (&error);
  fovea_test_rmdir (dir);
}

static void
test_mismatch (void)
{
  gsize length;
  g_autofree guint8 *jpeg = read_fixture ("jpeg-rgb.jpg", &length);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *png_name = g_build_filename (dir, "photo.png", NULL);
  g_assert_true (g_file_set_contents (png_name, (const char *) jpeg, (gssize) length, NULL));
  GStatBuf before, after;
  g_assert_cmpint (g_stat (png_name, &before), ==, 0);

  GError *error = NULL;
  g_assert_null (fovea_decode_file (png_name, NULL, NULL, &error));
  assert_decode_error (error, FOVEA_DECODE_ERROR_MISMATCH, png_name);
  g_assert_nonnull (strstr (error->message, "PNG"));
  g_assert_nonnull (strstr (error->message, "JPEG"));
  g_clear_error (&error);

  /* Upper-case extensions and unknown ones are fine: contents decide. */
  for (gsize i = 0; i < 2; i++)
    {
      g_autofree char *other = g_build_filename (dir, i == 0 ? "PHOTO.JPG" : "photo.dat", NULL);
      g_assert_true (g_file_set_contents (other, (const char *) jpeg, (gssize) length, NULL));
      g_autoptr (FoveaImage) image = fovea_decode_file (other, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, ==, 48);
    }

  /* Decoding never touches the source file. */
  g_autofree guint8 *reread = NULL;
  gsize reread_length;
  g_assert_true (g_file_get_contents (png_name, (char **) &reread, &reread_length, NULL));
  g_assert_cmpmem (reread, reread_length, jpeg, length);
  g_assert_cmpint (g_stat (png_name, &after), ==, 0);
  g_assert_cmpint (after.st_mtime, ==, before.st_mtime);
  fovea_test_rmdir (dir);
}

static void
test_format_names (void)
{
  static const struct { const char *name; FoveaFileFormat format; } names[] = {
    { "a.png", FOVEA_FORMAT_PNG }, { "A.PNG", FOVEA_FORMAT_PNG },
    { "b.jpg", FOVEA_FORMAT_JPEG }, { "b.JPEG", FOVEA_FORMAT_JPEG }, { "b.jpe", FOVEA_FORMAT_JPEG },
    { "c.tif", FOVEA_FORMAT_TIFF }, { "c.Tiff", FOVEA_FORMAT_TIFF },
    { "d.bmp", FOVEA_FORMAT_BMP }, { "e.gif", FOVEA_FORMAT_GIF },
    { "/dir.png/readme", FOVEA_FORMAT_UNKNOWN }, { "f.png.txt", FOVEA_FORMAT_UNKNOWN },
    { "png", FOVEA_FORMAT_UNKNOWN }, { "g.", FOVEA_FORMAT_UNKNOWN }, { "", FOVEA_FORMAT_UNKNOWN },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpint (fovea_file_format_from_name (names[i].name), ==, names[i].format);
      g_assert_cmpint (fovea_decode_is_supported_name (names[i].name), ==,
                       names[i].format != FOVEA_FORMAT_UNKNOWN);
    }
  g_assert_cmpstr (fovea_file_format_to_string (FOVEA_FORMAT_TIFF), ==, "TIFF");
  g_assert_cmpstr (fovea_file_format_to_string (FOVEA_FORMAT_UNKNOWN), ==, "unknown");

  static const struct { const char *bytes; gsize length; FoveaFileFormat format; } magics[] = {
    { "\x89PNG\r\n\x1a\n....", 12, FOVEA_FORMAT_PNG }, { "\x89PNG\r\n", 6, FOVEA_FORMAT_UNKNOWN },
    { "\xff\xd8\xff\xe0", 4, FOVEA_FORMAT_JPEG }, { "MM\0*\0\0\0\x08", 8, FOVEA_FORMAT_TIFF },
    { "II*\0\x08\0\0\0", 8, FOVEA_FORMAT_TIFF }, { "GIF87a", 6, FOVEA_FORMAT_GIF },
    { "BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0", 18, FOVEA_FORMAT_BMP },
    { "BMW is a make of car", 20, FOVEA_FORMAT_UNKNOWN }, { "", 0, FOVEA_FORMAT_UNKNOWN },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (magics); i++)
    g_assert_cmpint (fovea_file_format_sniff ((const guint8 *) magics[i].bytes,
                                              magics[i].length), ==, magics[i].format);
}

/* The codecs must never print: every fixture, cut short and with bytes
 * flipped, is decoded in a subprocess whose stderr must stay empty. */
static void
test_silent (void)
{
  if (g_test_subprocess ())
    {
      JsonArray *entries = json_object_get_array_member (manifest, "pixels");
      for (guint i = 0; i < json_array_get_length (entries); i++)
        {
          const char *file = json_object_get_string_member (
            json_array_get_object_element (entries, i), "file");
          gsize length;
          g_autofree guint8 *data = read_fixture (file, &length);
          for (gsize at = 8; at < length; at += MAX (length / 16, 1))
            {
              guint8 saved = data[at];
              data[at] ^= 0x5a;
              fovea_image_free (fovea_decode_memory (data, length, file, NULL, NULL, NULL));
              data[at] = saved;
              fovea_image_free (fovea_decode_memory (data, at, file, NULL, NULL, NULL));
            }
        }
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("?*");
}

/* ------------------------------------------------------------ threads */

/* Sum of all samples weighted by position: equal images, equal sums. */
static guint64
checksum (const FoveaImage *image)
{
  guint64 sum = (guint64) image->width * 31 + (guint64) image->channels * 7 + image->bit_depth;
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      for (int c = 0; c < image->channels; c++)
        sum = sum * 1000003 + sample (image, x, y, c);
  return sum;
}

/* Decodes every fixture in manifest order, plus one failure of each kind;
 * returns one checksum per file. */
static gpointer
decode_all (gpointer unused)
{
  JsonArray *entries = json_object_get_array_member (manifest, "pixels");
  GArray *sums = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      g_autoptr (FoveaImage) image = decode_fixture (json_object_get_string_member (entry, "file"),
                                                     NULL, NULL);
      guint64 sum = checksum (image);
      g_array_append_val (sums, sum);
    }
  entries = json_object_get_array_member (manifest, "too_large");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      g_autofree char *path = fixture (json_object_get_string_member (entry, "file"));
      GError *error = NULL;
      g_assert_null (fovea_decode_file (path, NULL, NULL, &error));
      g_assert_error (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_TOO_LARGE);
      g_error_free (error);
    }
  return sums;
}

static void
test_threads (void)
{
  GArray *reference = decode_all (NULL);
  GThread *threads[4];
  for (gsize t = 0; t < G_N_ELEMENTS (threads); t++)
    threads[t] = g_thread_new ("decode", decode_all, NULL);
  for (gsize t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      GArray *sums = g_thread_join (threads[t]);
      g_assert_cmpmem (sums->data, sums->len * sizeof (guint64),
                       reference->data, reference->len * sizeof (guint64));
      g_array_unref (sums);
    }
  g_array_unref (reference);
}

/* ------------------------------------------------------------ real data */

static void
decode_tree (const char *dir, guint *count)
{
  GDir *listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  const char *name;
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          decode_tree (path, count);
          continue;
        }
      if (!fovea_decode_is_supported_name (path))
        continue;
      GError *error = NULL;
      FoveaDecodeInfo info;
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, &info, &error);
      g_assert_no_error (error);
      g_assert_cmpint (image->width, >=, 16);
      g_assert_cmpint (image->height, >=, 16);
      g_assert_cmpint (image->width, <=, 20000);
      g_assert_cmpint (image->height, <=, 20000);
      g_assert_cmpint (info.format, ==, fovea_file_format_from_name (path));
      /* The data README: DRIVE is 565×584; OCTA-500 is 8-bit grey BMP. */
      if (strstr (path, "/drive/") != NULL)
        {
          g_assert_cmpint (image->width, ==, 565);
          g_assert_cmpint (image->height, ==, 584);
        }
      if (strstr (path, "/octa500/") != NULL)
        g_assert_cmpint (image->channels, ==, 1);
      (*count)++;
    }
  g_dir_close (listing);
}

static void
test_real_data (void)
{
  g_autofree char *root = fovea_test_data_path ("");
  if (root == NULL)
    return;
  guint count = 0;
  decode_tree (root, &count);
  g_test_message ("decoded %u images under %s", count, root);
  g_assert_cmpuint (count, >, 0);
}

/* ------------------------------------------------------------ main */

static void
add_manifest_tests (const char *section, GTestDataFunc func)
{
  JsonArray *entries = json_object_get_array_member (manifest, section);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      char *path;
      if (json_object_has_member (entry, "min_width"))
        path = g_strdup_printf ("/decode/%s/%s/%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, section,
                                json_object_get_string_member (entry, "file"),
                                json_object_get_int_member (entry, "min_width"),
                                json_object_get_int_member (entry, "min_height"));
      else
        path = g_strdup_printf ("/decode/%s/%s", section,
                                json_object_get_string_member (entry, "file"));
      g_test_add_data_func (path, entry, func);
      g_free (path);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autofree char *manifest_path = fixture ("manifest.json");
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);
  manifest = json_node_get_object (json_parser_get_root (parser));

  add_manifest_tests ("pixels", test_pixels);
  add_manifest_tests ("corners", test_corners);
  add_manifest_tests ("scaling", test_scaling);
  add_manifest_tests ("too_large", test_too_large);
  g_test_add_func ("/decode/scaling-content", test_scaling_content);
  g_test_add_func ("/decode/budget", test_budget);
  g_test_add_func ("/decode/truncated", test_truncated);
  g_test_add_func ("/decode/random-bytes", test_random_bytes);
  g_test_add_func ("/decode/empty-and-missing", test_empty_and_missing);
  g_test_add_func ("/decode/mismatch", test_mismatch);
  g_test_add_func ("/decode/format-names", test_format_names);
  g_test_add_func ("/decode/silent", test_silent);
  g_test_add_func ("/decode/threads", test_threads);
  g_test_add_func ("/decode/real-data", test_real_data);

  int status = g_test_run ();
  g_object_unref (parser);
  return status;
}
