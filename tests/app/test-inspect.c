/* test-inspect.c: modality guessing and the JSON object `inspect` builds. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-inspect.h"
#include "fovea-modality-guess.h"
#include "fovea-quality.h"
#include "fovea-test-common.h"

/* Skin-like: textured colour filling the whole frame, no dark surround. */
static FoveaImage *
make_skin_like (int width, int height)
{
  FoveaImage *image = fovea_image_new (width, height, 3, 8, NULL);
  for (int y = 0; y < height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < width; x++)
        {
          double t = 10.0 * sin (x * 0.3) * cos (y * 0.2);
          double d = hypot (x - width / 2.0, y - height / 2.0);
          double lesion = d < width / 6.0 ? 90.0 : 0.0;
          row[3 * x + 0] = (guint8) CLAMP (220 + t - lesion, 0, 255);
          row[3 * x + 1] = (guint8) CLAMP (170 + t - lesion * 1.1, 0, 255);
          row[3 * x + 2] = (guint8) CLAMP (140 + t - lesion * 1.0, 0, 255);
        }
    }
  return image;
}

/* Dermoscopy photos often show the dermatoscope's dark circular vignette:
 * a bright disc on black, like a fundus, but skin-coloured. */
static FoveaImage *
make_vignetted_skin (int width, int height)
{
  FoveaImage *image = make_skin_like (width, height);
  double r = 0.48 * width;
  for (int y = 0; y < height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < width; x++)
        {
          if (hypot (x - width / 2.0, y - height / 2.0) > r)
            row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = 4;
        }
    }
  return image;
}

static void
test_guess_real_images (void)
{
  g_autofree char *drive = fovea_test_data_path ("drive/training/images");
  if (drive == NULL)
    return;
  g_autofree char *octa = fovea_test_data_path ("octa500/3M/ProjectionMaps/OCTA(FULL)");
  if (octa == NULL)
    return;

  const struct { const char *dir; FoveaModality expected; } sets[] = {
    { drive, FOVEA_MODALITY_FUNDUS },
    { octa, FOVEA_MODALITY_OCTA },
  };
  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      GDir *dir = g_dir_open (sets[s].dir, 0, NULL);
      g_assert_nonnull (dir);
      guint n = 0;
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (sets[s].dir, name, NULL);
          g_autoptr (GError) error = NULL;
          g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
          g_assert_no_error (error);
          if (fovea_modality_guess (image) != sets[s].expected)
            g_error ("%s guessed as %s", path,
                     fovea_modality_to_string (fovea_modality_guess (image)));
          n++;
        }
      g_dir_close (dir);
      g_assert_cmpuint (n, >, 0);
    }
}

static void
test_guess_modality (void)
{
  g_autoptr (FoveaImage) fundus = fovea_test_synthetic_fundus (400, 360, 200, 180, 160);
  g_assert_cmpint (fovea_modality_guess (fundus), ==, FOVEA_MODALITY_FUNDUS);

  g_autoptr (FoveaImage) skin = make_skin_like (320, 240);
  g_assert_cmpint (fovea_modality_guess (skin), ==, FOVEA_MODALITY_SKIN);
  g_autoptr (FoveaImage) vignetted = make_vignetted_skin (320, 240);
  g_assert_cmpint (fovea_modality_guess (vignetted), ==, FOVEA_MODALITY_SKIN);

  /* OCTA projections are grey, whether stored with one channel or three. */
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (skin);
  g_assert_cmpint (fovea_modality_guess (grey), ==, FOVEA_MODALITY_OCTA);
  g_autoptr (FoveaImage) grey_rgb = fovea_image_to_rgb8 (grey);
  g_assert_cmpint (fovea_modality_guess (grey_rgb), ==, FOVEA_MODALITY_OCTA);
}

static JsonObject *
inspect_ok (const char *path, FoveaModality modality, JsonNode **out_node)
{
  gboolean ok = FALSE;
  *out_node = fovea_inspect_file (path, modality, NULL, &ok);
  g_assert_true (ok);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*out_node));
  return json_node_get_object (*out_node);
}

static void
test_inspect_synthetic_fundus (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "eye.png", NULL);
  g_autoptr (FoveaImage) fundus = fovea_test_synthetic_fundus (640, 600, 330, 300, 270);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (fundus, path, &error));
  g_assert_no_error (error);

  g_autoptr (JsonNode) node = NULL;
  JsonObject *object = inspect_ok (path, FOVEA_MODALITY_UNKNOWN, &node);
  g_assert_cmpstr (json_object_get_string_member (object, "path"), ==, path);
  g_assert_cmpstr (json_object_get_string_member (object, "format"), ==, "png");
  g_assert_cmpint (json_object_get_int_member (object, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (object, "height"), ==, 600);
  g_assert_cmpint (json_object_get_int_member (object, "channels"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, "bit_depth"), ==, 8);
  g_assert_cmpstr (json_object_get_string_member (object, "modality"), ==, "fundus");

  JsonObject *fov = json_object_get_object_member (object, "fov");
  g_assert_true (json_object_get_boolean_member (fov, "found"));
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "cx") - 330), <, 6);
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "cy") - 300), <, 6);
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "r") - 270), <, 6);

  JsonObject *quality = json_object_get_object_member (object, "quality");
  g_assert_true (json_object_has_member (quality, "gradable"));
  g_assert_nonnull (json_object_get_array_member (quality, "reasons"));
  JsonObject *scores = json_object_get_object_member (quality, "scores");
  g_assert_cmpfloat (json_object_get_double_member (scores, "effective_resolution"), >, 500);

  /* An explicit modality wins over the guess. */
  g_autoptr (JsonNode) forced = NULL;
  object = inspect_ok (path, FOVEA_MODALITY_SKIN, &forced);
  g_assert_cmpstr (json_object_get_string_member (object, "modality"), ==, "skin");

  g_unlink (path);
  fovea_test_rmdir (dir);
}

/* A large JPEG is decoded at a reduced DCT scale, as grade decodes it, but
 * the file's own size and the field of view in its own pixels are what
 * inspect reports. */
static void
test_inspect_large_jpeg (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "eye.jpg", NULL);
  g_autoptr (FoveaImage) fundus = fovea_test_synthetic_fundus (2400, 1800, 1230, 900, 820);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_jpeg_file (fundus, path, 92, &error));
  g_assert_no_error (error);

  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  options.min_width = options.min_height = FOVEA_QUALITY_MIN_DECODE_SIZE;
  FoveaDecodeInfo info;
  g_autoptr (FoveaImage) decoded = fovea_decode_file (path, &options, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info.scale_denom, ==, 4);   /* 600 × 450: the smallest ≥ 448 */
  g_assert_cmpint (decoded->width, ==, 600);

  g_autoptr (JsonNode) node = NULL;
  JsonObject *object = inspect_ok (path, FOVEA_MODALITY_UNKNOWN, &node);
  g_assert_cmpint (json_object_get_int_member (object, "width"), ==, 2400);
  g_assert_cmpint (json_object_get_int_member (object, "height"), ==, 1800);
  JsonObject *fov = json_object_get_object_member (object, "fov");
  g_assert_true (json_object_get_boolean_member (fov, "found"));
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "cx") - 1230), <, 12);
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "cy") - 900), <, 12);
  g_assert_cmpfloat (fabs (json_object_get_double_member (fov, "r") - 820), <, 12);
  JsonObject *scores = json_object_get_object_member (
    json_object_get_object_member (object, "quality"), "scores");
  g_assert_cmpfloat (fabs (json_object_get_double_member (scores, "effective_resolution") - 1640),
                     <, 24);

  g_unlink (path);
  fovea_test_rmdir (dir);
}

static void
test_inspect_unreadable_file (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "broken.jpg", NULL);
  g_assert_true (g_file_set_contents (path, "\xff\xd8\xff\xe0 not really a jpeg", -1, NULL));

  gboolean ok = TRUE;
  g_autoptr (JsonNode) node = fovea_inspect_file (path, FOVEA_MODALITY_UNKNOWN, NULL, &ok);
  g_assert_false (ok);
  JsonObject *object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "path"), ==, path);
  const char *message = json_object_get_string_member (object, "error");
  g_assert_nonnull (message);
  /* The message names the file, so a batch log is self-explanatory. */
  g_assert_nonnull (strstr (message, "broken.jpg"));
  g_assert_false (json_object_has_member (object, "quality"));

  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inspect/guess-modality", test_guess_modality);
  g_test_add_func ("/inspect/guess-modality-real", test_guess_real_images);
  g_test_add_func ("/inspect/synthetic-fundus", test_inspect_synthetic_fundus);
  g_test_add_func ("/inspect/large-jpeg", test_inspect_large_jpeg);
  g_test_add_func ("/inspect/unreadable", test_inspect_unreadable_file);
  return g_test_run ();
}
