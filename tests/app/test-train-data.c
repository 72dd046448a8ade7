/* test-train-data.c: training sets from folders (labels.csv) and .npz
 * files, the strict .npy header parser, augmentation and epoch order.
 *
 * The .npz fixtures and the tensors numpy and PIL make of them come from
 * tests/scripts/make-npz-fixtures.py (tests/fixtures/npz/manifest.json);
 * folders are written here, into temporary directories. RetinaMNIST from
 * the shared data folder is used when it is there. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-npz.h"
#include "fovea-test-common.h"
#include "fovea-train-data.h"

/* The manifest's normalisation, also used for the folder tests. */
static const float MEAN[3] = { 0.5f, 0.4f, 0.3f };
static const float STD[3] = { 0.2f, 0.25f, 0.3f };

static void
init_pre (FoveaPreprocess *pre, int width, int height, FoveaResizeFilter filter)
{
  memset (pre, 0, sizeof *pre);
  pre->width = width;
  pre->height = height;
  pre->interpolation = filter;
  pre->crop_pct = 1.0;
  for (int c = 0; c < 3; c++)
    {
      pre->mean[c] = MEAN[c];
      pre->std[c] = STD[c];
    }
}

static char *
npz_fixture (const char *name)
{
  char *relative = g_build_filename ("npz", name, NULL);
  char *path = fovea_test_fixture_path (relative);
  g_free (relative);
  return path;
}

static FoveaTrainData *
open_ok (const char *path)
{
  GError *error = NULL;
  FoveaTrainData *data = fovea_train_data_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (data);
  return data;
}

static FoveaTrainData *
open_npz_fixture (const char *name)
{
  g_autofree char *path = npz_fixture (name);
  return open_ok (path);
}

static FoveaTrainData *
open_npz_split (const char *name, const char *split)
{
  g_autofree char *path = npz_fixture (name);
  g_autofree char *spec = g_strdup_printf ("%s:%s", path, split);
  return open_ok (spec);
}

static float *
load (FoveaTrainData *data, int index, const FoveaPreprocess *pre, const FoveaAugment *aug,
      guint64 seed, int epoch)
{
  float *out = g_new (float, (gsize) 3 * pre->width * pre->height);
  GError *error = NULL;
  gboolean ok = fovea_train_data_load (data, index, pre, aug, seed, epoch, out, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  return out;
}

static gboolean
same_tensor (const float *a, const float *b, const FoveaPreprocess *pre)
{
  return memcmp (a, b, sizeof (float) * 3 * pre->width * pre->height) == 0;
}

/* ---- folders --------------------------------------------------------------- */

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
write_png (const char *dir, const char *name, int width, int height, guint8 seed)
{
  g_autoptr (FoveaImage) image = fovea_image_new (width, height, 3, 8, NULL);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width * 3; x++)
      fovea_image_row (image, y)[x] = (guint8) (seed + 37 * y + 11 * x + (x * y) % 7);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  fovea_encode_png_file (image, path, &error);
  g_assert_no_error (error);
}

/* A folder with a.png, b.png, sub/c,1.png and d.png. */
static char *
make_folder (void)
{
  char *dir = fovea_test_mkdtemp ();
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  write_png (dir, "a.png", 40, 30, 0);
  write_png (dir, "b.png", 32, 32, 50);
  write_png (dir, "sub/c,1.png", 20, 28, 100);
  write_png (dir, "d.png", 24, 24, 150);
  return dir;
}

static void
test_folder_good (void)
{
  g_autofree char *dir = make_folder ();
  /* A byte order mark, CRLF, quoting with a comma and a doubled quote
   * free field, "./" and trailing empty lines. */
  write_text (dir, "labels.csv",
              "\xef\xbb\xbf" "file,label\r\n"
              "a.png,2\r\n"
              "\"./b.png\",0\r\n"
              "\"sub/c,1.png\",\" 3 \"\r\n"
              "d.png,0\r\n"
              "\r\n\r\n");
  g_autoptr (FoveaTrainData) data = open_ok (dir);
  g_assert_cmpint (fovea_train_data_get_n (data), ==, 4);
  g_assert_cmpint (fovea_train_data_get_n_classes (data), ==, 4);
  const int labels[] = { 2, 0, 3, 0 };
  const char *names[] = { "a.png", "b.png", "sub/c,1.png", "d.png" };
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpint (fovea_train_data_get_label (data, i), ==, labels[i]);
      g_assert_cmpstr (fovea_train_data_get_name (data, i), ==, names[i]);
    }
  g_autofree char *title = g_path_get_basename (dir);
  g_autofree char *expected = g_strdup_printf ("%s (4 images)", title);
  g_autofree char *described = fovea_train_data_describe (data);
  g_assert_cmpstr (described, ==, expected);

  /* The labels.csv path itself opens the same set. */
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_autoptr (FoveaTrainData) again = open_ok (csv);
  g_assert_cmpint (fovea_train_data_get_n (again), ==, 4);

  /* Without augmentation, exactly the inference preprocessing, with and
   * without the fundus crop. */
  for (int fundus = 0; fundus < 2; fundus++)
    for (int i = 0; i < 4; i++)
      {
        FoveaPreprocess pre;
        init_pre (&pre, 16, 16, FOVEA_RESIZE_BICUBIC);
        pre.crop_pct = 0.875;
        pre.fundus_crop = fundus;
        g_autofree char *path = g_build_filename (dir, names[i], NULL);
        g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, NULL);
        g_assert_nonnull (image);
        g_autofree float *want = g_new (float, 3 * 16 * 16);
        g_assert_true (fovea_preprocess_image (&pre, image, want, NULL));
        g_autofree float *got = load (data, i, &pre, NULL, 1, 0);
        g_assert_true (same_tensor (got, want, &pre));
      }
  fovea_test_rmdir (dir);
}

typedef struct {
  const char *csv;
  int         line;
  const char *says;
} BadLabels;

static void
test_folder_bad_labels (void)
{
  static const BadLabels cases[] = {
    { "", 1, "header" },
    { "name,label\na.png,1\n", 1, "header" },
    { "file,grade\na.png,1\n", 1, "header" },
    { "file,label\na.png,1\nb.png\n", 3, "2 fields" },
    { "file,label,note\na.png,1,x\nb.png,2\n", 3, "3 fields" },
    { "file,label\na.png,1,\n", 2, "2 fields" },
    { "file,label\na.png,one\n", 2, "not an integer" },
    { "file,label\na.png,1.5\n", 2, "not an integer" },
    { "file,label\na.png,\n", 2, "not an integer" },
    { "file,label\na.png,0\nb.png,-1\n", 3, "negative" },
    { "file,label\na.png,99999999\n", 2, "not below" },
    { "file,label\n/etc/passwd,1\n", 2, "absolute" },
    { "file,label\na.png,0\nsub/../../x.png,1\n", 3, "..", },
    { "file,label\na.png,0\nb.png,1\n./a.png,1\n", 4, "first on line 2" },
    { "file,label\na.png,0\nmissing.png,1\n", 3, "does not exist" },
    { "file,label\na.png,0\nsub,1\n", 3, "does not exist" },
    { "file,label\na.png,0\n\nb.png,1\n", 3, "empty line" },
    { "file,label\na.png,0\n\"b.png,1\n", 3, "not closed" },
    { "file,label\na.png,0\n\"b.png\"x,1\n", 3, "after a closing quote" },
    { "file,label\na\"b.png,1\n", 2, "quote" },
    { "file,label\na.png,\"0\n\"\nb.png,x\n", 4, "not an integer" },
  };
  g_autofree char *dir = make_folder ();
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      write_text (dir, "labels.csv", cases[i].csv);
      GError *error = NULL;
      FoveaTrainData *data = fovea_train_data_open (dir, &error);
      g_assert_null (data);
      g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS);
      g_autofree char *line = g_strdup_printf ("labels.csv” line %d:", cases[i].line);
      g_test_message ("case %zu: %s", i, error->message);
      fovea_test_assert_contains (error->message, line);
      fovea_test_assert_contains (error->message, cases[i].says);
      g_error_free (error);
    }

  /* A header and nothing else. */
  write_text (dir, "labels.csv", "file,label\n\n");
  GError *error = NULL;
  g_assert_null (fovea_train_data_open (dir, &error));
  g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY);
  fovea_test_assert_contains (error->message, "labels.csv");
  g_clear_error (&error);

  /* No labels.csv at all. */
  g_autofree char *csv = g_build_filename (dir, "labels.csv", NULL);
  g_assert_cmpint (g_unlink (csv), ==, 0);
  g_assert_null (fovea_train_data_open (dir, &error));
  g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS);
  fovea_test_assert_contains (error->message, "labels.csv");
  g_clear_error (&error);
  fovea_test_rmdir (dir);
}

/* A data set's own table: several columns, labels as class names, a
 * recorded split in another file, images in a sub-folder. */
static void
test_folder_source (void)
{
  g_autofree char *dir = make_folder ();
  write_text (dir, "table.csv",
              "file,dx,age\n"
              "a.png,mel,40\n"
              "b.png,NV,50\n"
              "\"sub/c,1.png\",bcc,60\n"
              "d.png,nv,70\n");
  write_text (dir, "split.csv",
              "file,split\na.png,train\nb.png,val\n\"sub/c,1.png\",train\nd.png,test\n");
  g_autofree char *table = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *split = g_build_filename (dir, "split.csv", NULL);
  static const char *const names[] = { "MEL", "NV", "BCC", NULL };
  FoveaTrainDataSource source = { table, "dx", names, split, NULL };
  g_autofree char *train_path = g_strconcat (dir, ":train", NULL);
  GError *error = NULL;

  FoveaTrainData *train = fovea_train_data_open_source (train_path, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_data_get_n (train), ==, 2);
  g_assert_cmpstr (fovea_train_data_get_name (train, 0), ==, "a.png");
  g_assert_cmpint (fovea_train_data_get_label (train, 0), ==, 0);
  g_assert_cmpstr (fovea_train_data_get_name (train, 1), ==, "sub/c,1.png");
  g_assert_cmpint (fovea_train_data_get_label (train, 1), ==, 2);
  g_autofree char *described = fovea_train_data_describe (train);
  fovea_test_assert_contains (described, ":train, column dx");
  fovea_train_data_free (train);

  /* A split with no image, and a path without its split. */
  g_autofree char *none_path = g_strconcat (dir, ":holdout", NULL);
  g_assert_null (fovea_train_data_open_source (none_path, &source, &error));
  g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY);
  fovea_test_assert_contains (error->message, "holdout");
  g_clear_error (&error);
  g_assert_null (fovea_train_data_open_source (dir, &source, &error));
  fovea_test_assert_contains (error->message, ":train");
  g_clear_error (&error);

  /* A name that is no class; a row missing from the split; a split row
   * that the table does not have; a split without a split file. */
  write_text (dir, "table.csv", "file,dx\na.png,mel\nb.png,scc\n");
  write_text (dir, "split.csv", "file,split\na.png,train\nb.png,train\n");
  g_assert_null (fovea_train_data_open_source (train_path, &source, &error));
  fovea_test_assert_contains (error->message, "“scc” is neither a class index nor one of MEL, NV, BCC");
  g_clear_error (&error);
  write_text (dir, "table.csv", "file,dx\na.png,mel\nb.png,nv\n");
  write_text (dir, "split.csv", "file,split\na.png,train\n");
  g_assert_null (fovea_train_data_open_source (train_path, &source, &error));
  fovea_test_assert_contains (error->message, "line 3: “b.png” is in no split");
  g_clear_error (&error);
  write_text (dir, "split.csv", "file,split\na.png,train\nb.png,val\nd.png,val\n");
  g_assert_null (fovea_train_data_open_source (train_path, &source, &error));
  fovea_test_assert_contains (error->message, "lists “d.png”");
  g_clear_error (&error);
  FoveaTrainDataSource no_split = { table, "dx", names, NULL, NULL };
  g_assert_null (fovea_train_data_open_source (train_path, &no_split, &error));
  fovea_test_assert_contains (error->message, "no split file");
  g_clear_error (&error);

  /* Images in another folder than the table. */
  write_text (dir, "table.csv", "file,dx\n\"c,1.png\",1\n");
  g_autofree char *images = g_build_filename (dir, "sub", NULL);
  FoveaTrainDataSource elsewhere = { table, "dx", NULL, NULL, images };
  FoveaTrainData *moved = fovea_train_data_open_source (dir, &elsewhere, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_data_get_n (moved), ==, 1);
  fovea_train_data_free (moved);
  fovea_test_rmdir (dir);
}

/* An image that does not decode opens (the file exists) but fails to
 * load, naming the image, with and without augmentation. */
static void
test_folder_decode_error (void)
{
  g_autofree char *dir = make_folder ();
  write_text (dir, "broken.png", "this is not a PNG file");
  write_text (dir, "labels.csv", "file,label\na.png,0\nbroken.png,1\n");
  g_autoptr (FoveaTrainData) data = open_ok (dir);
  FoveaPreprocess pre;
  init_pre (&pre, 8, 8, FOVEA_RESIZE_BILINEAR);
  FoveaAugment aug;
  fovea_augment_init_fundus (&aug);
  float out[3 * 8 * 8];
  for (int augmented = 0; augmented < 2; augmented++)
    {
      GError *error = NULL;
      g_assert_false (fovea_train_data_load (data, 1, &pre, augmented ? &aug : NULL, 1, 0,
                                             out, &error));
      g_assert_nonnull (error);
      fovea_test_assert_contains (error->message, "broken.png");
      g_error_free (error);
    }
  fovea_test_rmdir (dir);
}

/* ---- .npz ------------------------------------------------------------------- */

static void
test_npz_good (void)
{
  g_autofree char *manifest_path = npz_fixture ("manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);
  JsonObject *manifest = json_node_get_object (json_parser_get_root (parser));
  JsonArray *mean = json_object_get_array_member (manifest, "mean");
  JsonArray *std = json_object_get_array_member (manifest, "std");
  JsonArray *cases = json_object_get_array_member (manifest, "expected");
  g_assert_cmpuint (json_array_get_length (cases), >=, 4);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *split = json_object_get_string_member (c, "split");
      int index = (int) json_object_get_int_member (c, "index");
      FoveaPreprocess pre;
      FoveaResizeFilter filter;
      g_assert_true (fovea_resize_filter_from_string (
        json_object_get_string_member (c, "filter"), &filter));
      init_pre (&pre, (int) json_object_get_int_member (c, "width"),
                (int) json_object_get_int_member (c, "height"), filter);
      pre.fundus_crop = TRUE;  /* npz samples skip the FOV crop anyway */
      for (int k = 0; k < 3; k++)
        {
          pre.mean[k] = (float) json_array_get_double_element (mean, k);
          pre.std[k] = (float) json_array_get_double_element (std, k);
        }
      g_autoptr (FoveaTrainData) data = open_npz_split ("good.npz", split);
      g_autofree float *got = load (data, index, &pre, NULL, 0, 0);

      g_autofree char *want_path = npz_fixture (json_object_get_string_member (c, "file"));
      g_autofree char *want = NULL;
      gsize length;
      g_assert_true (g_file_get_contents (want_path, &want, &length, NULL));
      gsize n = (gsize) 3 * pre.width * pre.height;
      g_assert_cmpuint (length, ==, n * sizeof (float));
      /* At the stored size the numbers are exactly numpy's; resized, PIL's
       * 8-bit resize agrees to one grey level. */
      g_autofree char *name = g_strdup_printf ("%s[%d]", split, index);
      g_assert_cmpstr (fovea_train_data_get_name (data, index), ==, name);
      gboolean resized = json_object_get_boolean_member (c, "resized");
      double tolerance = resized ? 1.0 / 255 / 0.2 + 1e-6 : 0.0;
      double worst = 0;
      for (gsize k = 0; k < n; k++)
        {
          float w;
          memcpy (&w, want + k * sizeof (float), sizeof w);
          worst = MAX (worst, fabs ((double) got[k] - w));
        }
      g_test_message ("%s: worst difference %g", json_object_get_string_member (c, "file"),
                      worst);
      g_assert_cmpfloat (worst, <=, tolerance);
    }

  g_autoptr (FoveaTrainData) train = open_npz_fixture ("good.npz");
  g_assert_cmpint (fovea_train_data_get_n (train), ==, 6);
  g_assert_cmpint (fovea_train_data_get_n_classes (train), ==, 3);
  const int labels[] = { 0, 1, 2, 1, 0, 2 };
  for (int i = 0; i < 6; i++)
    g_assert_cmpint (fovea_train_data_get_label (train, i), ==, labels[i]);
  g_autofree char *described = fovea_train_data_describe (train);
  g_assert_cmpstr (described, ==, "good.npz:train (6 images)");
  g_autoptr (FoveaTrainData) val = open_npz_split ("good.npz", "val");
  g_assert_cmpint (fovea_train_data_get_n (val), ==, 3);
  g_assert_cmpint (fovea_train_data_get_label (val, 0), ==, 2);
}

/* The .npz path agrees exactly with the inference preprocessing of the
 * same pixels when the eval transform is a plain resize (crop_pct 1). */
static void
test_npz_matches_preprocess (void)
{
  g_autofree char *path = npz_fixture ("good.npz");
  GError *error = NULL;
  g_autoptr (FoveaNpz) npz = fovea_npz_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaNpyArray) images = fovea_npz_read_array (npz, "square_images", &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainData) data = open_npz_split ("good.npz", "square");
  for (int size = 6; size <= 24; size += 18)
    for (int i = 0; i < 2; i++)
      {
        g_autoptr (FoveaImage) image = fovea_image_new (6, 6, 3, 8, NULL);
        for (int y = 0; y < 6; y++)
          memcpy (fovea_image_row (image, y), images->data + (gsize) i * 108 + y * 18, 18);
        FoveaPreprocess pre;
        init_pre (&pre, size, size, FOVEA_RESIZE_BICUBIC);
        g_autofree float *want = g_new (float, 3 * size * size);
        g_assert_true (fovea_preprocess_image (&pre, image, want, NULL));
        g_autofree float *got = load (data, i, &pre, NULL, 0, 0);
        g_assert_true (same_tensor (got, want, &pre));
      }
}

typedef struct {
  const char *file;
  GQuark      domain;
  int         code;
  const char *says;
} BadNpz;

static void
test_npz_malformed (void)
{
  const BadNpz cases[] = {
    { "truncated.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_IO, "truncated" },
    { "bad-crc.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_IO, "CRC" },
    { "wrong-dtype.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED, "'<f4'" },
    { "fortran.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED, "Fortran" },
    { "size-mismatch.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_FORMAT, "need 360" },
    { "missing-labels.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_MISSING, "train_labels" },
    { "count-mismatch.npz", FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_ARRAYS,
      "5 labels in “train_labels” for 6 images" },
    { "negative-label.npz", FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_ARRAYS,
      "“train_labels”[4] is -1" },
    { "big-endian-labels.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED, "'>i8'" },
    { "float-labels.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED, "'<f4'" },
    { "flat-images.npz", FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_ARRAYS,
      "not N × H × W" },
    { "short-header.npz", FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_FORMAT, "header" },
    { "two-column-labels.npz", FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_ARRAYS,
      "not N or N × 1" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = npz_fixture (cases[i].file);
      GError *error = NULL;
      FoveaTrainData *data = fovea_train_data_open (path, &error);
      g_assert_null (data);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", cases[i].file, error->message);
      g_assert_error (error, cases[i].domain, cases[i].code);
      fovea_test_assert_contains (error->message, cases[i].file);
      fovea_test_assert_contains (error->message, cases[i].says);
      g_error_free (error);
    }

  /* A split that is not there, one that is not a name, and no file. */
  const char *specs[][2] = { { "good.npz:nope", "nope_images" },
                             { "good.npz:../x", "not a split name" },
                             { "absent.npz", "no such file" },
                             { "absent.txt", "neither" } };
  g_autofree char *good = npz_fixture ("good.npz");
  g_autofree char *dir = g_path_get_dirname (good);
  for (gsize i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree char *spec = g_build_filename (dir, specs[i][0], NULL);
      GError *error = NULL;
      g_assert_null (fovea_train_data_open (spec, &error));
      g_assert_nonnull (error);
      fovea_test_assert_contains (error->message, specs[i][1]);
      g_error_free (error);
    }
}

typedef struct {
  const char *header;  /* the dict, padded and ended by '\n' here */
  guint64     data;    /* bytes after the header */
  int         code;    /* -1 when it must parse */
  const char *says;
} HeaderCase;

static GByteArray *
npy_bytes (int major, const char *dict, gsize padded_to)
{
  GByteArray *bytes = g_byte_array_new ();
  g_byte_array_append (bytes, (const guint8 *) "\x93NUMPY", 6);
  guint8 version[2] = { (guint8) major, 0 };
  g_byte_array_append (bytes, version, 2);
  gsize prefix = major == 1 ? 10 : 12;
  g_autoptr (GString) header = g_string_new (dict);
  while ((prefix + header->len + 1) % padded_to != 0)
    g_string_append_c (header, ' ');
  g_string_append_c (header, '\n');
  guint8 len[4] = { header->len & 0xff, (header->len >> 8) & 0xff, 0, 0 };
  g_byte_array_append (bytes, len, major == 1 ? 2 : 4);
  g_byte_array_append (bytes, (const guint8 *) header->str, header->len);
  return bytes;
}

/* The header parser accepts numpy's headers and refuses everything else. */
static void
test_npy_header (void)
{
  const HeaderCase cases[] = {
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6, -1, NULL },
    { "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", 32, -1, NULL },
    { "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": ()}", 4, -1, NULL },
    { "{'shape': (3,), 'fortran_order': False, 'descr': '<u2'}", 6, -1, NULL },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 3), }", 0, -1, NULL },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 5,
      FOVEA_NPZ_ERROR_FORMAT, "need 6" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 7,
      FOVEA_NPZ_ERROR_FORMAT, "need 6" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8,
      FOVEA_NPZ_ERROR_UNSUPPORTED, "'<f8'" },
    { "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", 4,
      FOVEA_NPZ_ERROR_UNSUPPORTED, "'>i4'" },
    { "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", 4,
      FOVEA_NPZ_ERROR_UNSUPPORTED, "structured" },
    { "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", 6,
      FOVEA_NPZ_ERROR_UNSUPPORTED, "Fortran" },
    { "{'descr': '|u1', 'fortran_order': 0, 'shape': (2, 3), }", 6,
      FOVEA_NPZ_ERROR_FORMAT, "fortran_order" },
    { "{'descr': '|u1', 'shape': (2, 3), }", 6, FOVEA_NPZ_ERROR_FORMAT, "required" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "'x'" },
    { "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (6,)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "repeated" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (6)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "not a tuple" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (-6,)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "non-negative" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (6L,)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "expected" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "too large" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, 4294967296,"
      " 4294967296)}", 6, FOVEA_NPZ_ERROR_FORMAT, "too large" },
    { "{'descr': '|u1', 'fortran_order': False, 'shape': (6,)} junk", 6,
      FOVEA_NPZ_ERROR_FORMAT, "after the dict" },
    { "{'descr': '|u1\\n', 'fortran_order': False, 'shape': (6,)}", 6,
      FOVEA_NPZ_ERROR_FORMAT, "string" },
    { "('descr', '|u1')", 6, FOVEA_NPZ_ERROR_FORMAT, "“{”" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int major = 1; major <= 3; major++)
      {
        g_autoptr (GByteArray) bytes = npy_bytes (major, cases[i].header, 64);
        FoveaNpyHeader header;
        GError *error = NULL;
        gboolean ok = fovea_npy_parse_header (bytes->data, bytes->len,
                                              bytes->len + cases[i].data, "x", &header,
                                              &error);
        if (cases[i].code < 0)
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_cmpuint (header.header_size, ==, bytes->len);
            g_assert_cmpuint (header.n_elements * header.item_size, ==, cases[i].data);
            continue;
          }
        g_assert_false (ok);
        g_test_message ("case %zu v%d: %s", i, major, error ? error->message : "(none)");
        g_assert_error (error, FOVEA_NPZ_ERROR, cases[i].code);
        fovea_test_assert_contains (error->message, cases[i].says);
        g_error_free (error);
      }

  /* The fixed part: magic, version, a header longer than the file. */
  g_autoptr (GByteArray) good = npy_bytes (1, "{'descr': '|u1', 'fortran_order': False, "
                                           "'shape': (1,)}", 16);
  FoveaNpyHeader header;
  GError *error = NULL;
  g_assert_true (fovea_npy_parse_header (good->data, good->len, good->len + 1, "x",
                                         &header, &error));
  g_assert_no_error (error);
  g_assert_cmpint (header.n_dims, ==, 1);
  const struct { gsize at; guint8 value; const char *says; } damage[] = {
    { 0, 'X', "magic" }, { 6, 4, "version" }, { 7, 1, "version" },
    { 8, 0xff, "ends inside the header" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (damage); i++)
    {
      g_autofree guint8 *copy = g_memdup2 (good->data, good->len);
      copy[damage[i].at] = damage[i].value;
      g_assert_false (fovea_npy_parse_header (copy, good->len, good->len + 1, "x", &header,
                                              &error));
      g_assert_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_FORMAT);
      fovea_test_assert_contains (error->message, damage[i].says);
      g_clear_error (&error);
    }
  /* Any prefix of a good header is refused, never read past. */
  for (gsize cut = 0; cut < good->len; cut++)
    {
      g_autofree guint8 *copy = g_memdup2 (good->data, cut ? cut : 1);
      g_assert_false (fovea_npy_parse_header (copy, cut, cut, "x", &header, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
}

/* ---- augmentation -------------------------------------------------------- */

static FoveaAugment
only_geometry (gboolean hflip, gboolean vflip, gboolean rot90)
{
  FoveaAugment aug = { 0 };
  aug.enabled = TRUE;
  aug.crop_scale_min = 1.0;
  aug.crop_ratio_max = 1.0;
  aug.hflip = hflip;
  aug.vflip = vflip;
  aug.rot90 = rot90;
  return aug;
}

typedef struct {
  FoveaTrainData       *data;
  const FoveaPreprocess *pre;
  const FoveaAugment   *aug;
  int                   reverse;
  float                *out;   /* n × tensor */
} LoadJob;

static gpointer
load_all_thread (gpointer user_data)
{
  LoadJob *job = user_data;
  int n = fovea_train_data_get_n (job->data);
  gsize size = (gsize) 3 * job->pre->width * job->pre->height;
  for (int k = 0; k < n; k++)
    {
      int i = job->reverse ? n - 1 - k : k;
      if (!fovea_train_data_load (job->data, i, job->pre, job->aug, 42, 7,
                                  job->out + i * size, NULL))
        return GINT_TO_POINTER (FALSE);
    }
  return GINT_TO_POINTER (TRUE);
}

static void
test_augment_deterministic (void)
{
  g_autoptr (FoveaTrainData) data = open_npz_fixture ("good.npz");
  FoveaPreprocess pre;
  init_pre (&pre, 12, 12, FOVEA_RESIZE_BICUBIC);
  FoveaAugment aug;
  fovea_augment_init_fundus (&aug);
  int n = fovea_train_data_get_n (data);
  gsize size = (gsize) 3 * 12 * 12;

  /* Serially, then in four threads at once, two of them backwards. */
  g_autofree float *serial = g_new (float, n * size);
  LoadJob first = { data, &pre, &aug, 0, serial };
  g_assert_true (GPOINTER_TO_INT (load_all_thread (&first)));
  LoadJob jobs[4];
  GThread *threads[4];
  for (int t = 0; t < 4; t++)
    {
      jobs[t] = (LoadJob) { data, &pre, &aug, t % 2, g_new (float, n * size) };
      threads[t] = g_thread_new ("load", load_all_thread, &jobs[t]);
    }
  for (int t = 0; t < 4; t++)
    {
      g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[t])));
      g_assert_cmpmem (jobs[t].out, n * size * sizeof (float), serial,
                       n * size * sizeof (float));
      g_free (jobs[t].out);
    }

  /* Another epoch, another seed, another sample: different tensors. */
  g_autofree float *plain = load (data, 2, &pre, NULL, 42, 7);
  g_autofree float *e8 = load (data, 2, &pre, &aug, 42, 8);
  g_autofree float *s43 = load (data, 2, &pre, &aug, 43, 7);
  g_assert_false (same_tensor (serial + 2 * size, e8, &pre));
  g_assert_false (same_tensor (serial + 2 * size, s43, &pre));
  g_assert_false (same_tensor (serial + 2 * size, plain, &pre));
  /* And all of them are images: values within the normalised range. */
  for (gsize k = 0; k < n * size; k++)
    {
      int c = (int) ((k % size) / (12 * 12));
      g_assert_cmpfloat (serial[k], >=, (0 - MEAN[c]) / STD[c] - 1e-5);
      g_assert_cmpfloat (serial[k], <=, (1 - MEAN[c]) / STD[c] + 1e-5);
    }
}

static void
test_augment_disabled (void)
{
  FoveaAugment aug;
  fovea_augment_init_fundus (&aug);
  aug.enabled = FALSE;
  FoveaPreprocess pre;
  init_pre (&pre, 10, 10, FOVEA_RESIZE_BICUBIC);

  g_autoptr (FoveaTrainData) npz = open_npz_fixture ("good.npz");
  for (int i = 0; i < fovea_train_data_get_n (npz); i++)
    {
      g_autofree float *a = load (npz, i, &pre, NULL, 5, 3);
      g_autofree float *b = load (npz, i, &pre, &aug, 5, 3);
      g_autofree float *c = load (npz, i, &pre, &aug, 6, 4);
      g_assert_true (same_tensor (a, b, &pre));
      g_assert_true (same_tensor (a, c, &pre));
    }

  g_autofree char *dir = make_folder ();
  write_text (dir, "labels.csv", "file,label\na.png,0\nb.png,1\n");
  g_autoptr (FoveaTrainData) folder = open_ok (dir);
  pre.crop_pct = 0.9;
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *path = g_build_filename (dir, fovea_train_data_get_name (folder, i),
                                                NULL);
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, NULL);
      g_autofree float *want = g_new (float, 3 * 10 * 10);
      g_assert_true (fovea_preprocess_image (&pre, image, want, NULL));
      g_autofree float *got = load (folder, i, &pre, &aug, 5, 3);
      g_assert_true (same_tensor (got, want, &pre));
    }
  fovea_test_rmdir (dir);
}

/* Pixel (x, y) of a transformed 6 × 6 tensor comes from this source
 * pixel: flips, then k quarter turns counter-clockwise (np.rot90). */
static void
source_pixel (int transform, int x, int y, int *sx, int *sy)
{
  int n = 6;
  int k = transform >> 2;
  /* Undo the quarter turns: np.rot90(m, k)[y][x]. */
  for (int t = 0; t < k; t++)
    {
      int ox = x;
      x = n - 1 - y;
      y = ox;
    }
  if (transform & 2)  /* vflip */
    y = n - 1 - y;
  if (transform & 1)  /* hflip */
    x = n - 1 - x;
  *sx = x;
  *sy = y;
}

static gboolean
is_transform (const float *got, const float *plain, int transform)
{
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 6; y++)
      for (int x = 0; x < 6; x++)
        {
          int sx, sy;
          source_pixel (transform, x, y, &sx, &sy);
          if (got[c * 36 + y * 6 + x] != plain[c * 36 + sy * 6 + sx])
            return FALSE;
        }
  return TRUE;
}

/* With a crop of the whole image and nothing else, flips and quarter
 * turns only move pixels, and over epochs every variant turns up. */
static void
test_augment_permutes (void)
{
  g_autoptr (FoveaTrainData) data = open_npz_split ("good.npz", "square");
  FoveaPreprocess pre;
  init_pre (&pre, 6, 6, FOVEA_RESIZE_BICUBIC);
  const struct { FoveaAugment aug; guint allowed; } cases[] = {
    { only_geometry (TRUE, FALSE, FALSE), 0x3 },        /* identity, hflip */
    { only_geometry (FALSE, TRUE, FALSE), 0x5 },        /* identity, vflip */
    { only_geometry (FALSE, FALSE, TRUE), 0x1111 },     /* the 4 quarter turns */
    { only_geometry (TRUE, TRUE, TRUE), 0xffff },       /* any of the 16 */
  };
  g_autofree float *plain = load (data, 1, &pre, NULL, 0, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint seen = 0;
      for (int epoch = 0; epoch < 64; epoch++)
        {
          g_autofree float *got = load (data, 1, &pre, &cases[i].aug, 9, epoch);
          gboolean matched = FALSE;
          for (int t = 0; t < 16; t++)
            if (cases[i].allowed & (1u << t) && is_transform (got, plain, t))
              {
                seen |= 1u << t;
                matched = TRUE;
              }
          g_assert_true (matched);
        }
      /* Some of the 16 combinations coincide (hflip + vflip is a half
       * turn): what matters is that each kind of variant shows up. */
      g_test_message ("case %zu: seen %#x of %#x", i, seen, cases[i].allowed);
      if (cases[i].allowed != 0xffff)
        g_assert_cmpuint (seen, ==, cases[i].allowed);
      else
        g_assert_cmpuint (__builtin_popcount (seen), >=, 8);
    }
}

/* Each remaining step on its own does what it says. */
static void
test_augment_steps (void)
{
  g_autoptr (FoveaTrainData) data = open_npz_split ("good.npz", "square");
  FoveaPreprocess pre;
  init_pre (&pre, 6, 6, FOVEA_RESIZE_BICUBIC);
  for (int c = 0; c < 3; c++)
    pre.mean[c] = 0, pre.std[c] = 1;  /* the tensor is the image / 255 */
  g_autofree float *plain = load (data, 0, &pre, NULL, 0, 0);

  /* Brightness only: every value scaled by one factor in [0.5, 1.5]. */
  FoveaAugment aug = only_geometry (FALSE, FALSE, FALSE);
  aug.brightness = 0.5;
  gboolean changed = FALSE;
  for (int epoch = 0; epoch < 8; epoch++)
    {
      g_autofree float *got = load (data, 0, &pre, &aug, 1, epoch);
      /* The factor by least squares over the pixels that did not clip. */
      double num = 0, den = 0;
      for (int k = 0; k < 108; k++)
        if (got[k] < 1.0f)
          num += got[k] * plain[k], den += plain[k] * plain[k];
      double factor = num / den;
      for (int k = 0; k < 108; k++)
        if (got[k] < 1.0f)
          g_assert_cmpfloat (fabs (got[k] - factor * plain[k]), <=, 0.75 / 255);
        else
          g_assert_cmpfloat (factor * plain[k], >=, 1 - 0.75 / 255);
      g_assert_cmpfloat (factor, >=, 0.45);
      g_assert_cmpfloat (factor, <=, 1.55);
      changed = changed || fabs (factor - 1) > 0.02;
    }
  g_assert_true (changed);

  /* Saturation 1 at its lowest factor 0 makes grey; any factor keeps
   * each pixel's grey level. */
  aug = only_geometry (FALSE, FALSE, FALSE);
  aug.saturation = 1.0;
  for (int epoch = 0; epoch < 8; epoch++)
    {
      g_autofree float *got = load (data, 0, &pre, &aug, 1, epoch);
      for (int p = 0; p < 36; p++)
        {
          double g0 = 0.2989 * plain[p] + 0.587 * plain[36 + p] + 0.114 * plain[72 + p];
          double g1 = 0.2989 * got[p] + 0.587 * got[36 + p] + 0.114 * got[72 + p];
          gboolean clipped = got[p] >= 1 || got[36 + p] >= 1 || got[72 + p] >= 1 ||
                             got[p] <= 0 || got[36 + p] <= 0 || got[72 + p] <= 0;
          if (!clipped)
            g_assert_cmpfloat (fabs (g1 - g0), <=, 1.5 / 255);
        }
    }

  /* A random resized crop changes the picture but keeps it finite and in
   * range; a rotation leaves the centre pixel's neighbourhood mostly. */
  aug = only_geometry (FALSE, FALSE, FALSE);
  aug.crop_scale_min = 0.3;
  aug.crop_ratio_max = 2.0;
  aug.rotate_degrees = 30;
  aug.contrast = 0.4;
  int differ = 0;
  for (int epoch = 0; epoch < 8; epoch++)
    {
      g_autofree float *got = load (data, 0, &pre, &aug, 1, epoch);
      differ += !same_tensor (got, plain, &pre);
      for (int k = 0; k < 108; k++)
        g_assert_true (got[k] >= 0 && got[k] <= 1);
    }
  g_assert_cmpint (differ, ==, 8);

  /* Settings out of range are refused. */
  FoveaAugment bad[5];
  for (int i = 0; i < 5; i++)
    bad[i] = only_geometry (TRUE, FALSE, FALSE);
  bad[0].crop_scale_min = 1.5;
  bad[1].crop_ratio_max = 0.5;
  bad[2].rotate_degrees = 270;
  bad[3].brightness = -0.1;
  bad[4].saturation = NAN;
  float out[108];
  for (int i = 0; i < 5; i++)
    {
      GError *error = NULL;
      g_assert_false (fovea_train_data_load (data, 0, &pre, &bad[i], 1, 0, out, &error));
      g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID);
      g_error_free (error);
    }
  GError *error = NULL;
  g_assert_false (fovea_train_data_load (data, 2, &pre, NULL, 1, 0, out, &error));
  g_assert_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_INVALID);
  g_clear_error (&error);
}

/* ---- epoch order ---------------------------------------------------------- */

static void
test_order_shuffle (void)
{
  g_autoptr (FoveaTrainData) data = open_npz_fixture ("imbalanced.npz");
  int n = fovea_train_data_get_n (data);
  g_assert_cmpint (n, ==, 200);
  g_autofree int *a = g_new (int, n);
  g_autofree int *b = g_new (int, n);
  g_autofree int *c = g_new (int, n);
  fovea_train_data_epoch_order (data, 3, 0, FALSE, a);
  fovea_train_data_epoch_order (data, 3, 0, FALSE, b);
  fovea_train_data_epoch_order (data, 3, 1, FALSE, c);
  g_assert_cmpmem (a, n * sizeof (int), b, n * sizeof (int));
  g_assert_true (memcmp (a, c, n * sizeof (int)) != 0);
  /* A permutation, not the identity. */
  g_autofree int *seen = g_new0 (int, n);
  int fixed = 0;
  for (int i = 0; i < n; i++)
    {
      g_assert_cmpint (a[i], >=, 0);
      g_assert_cmpint (a[i], <, n);
      seen[a[i]]++;
      fixed += a[i] == i;
    }
  for (int i = 0; i < n; i++)
    g_assert_cmpint (seen[i], ==, 1);
  g_assert_cmpint (fixed, <, 10);
}

/* 50 epochs of 200 draws on a set of 140 / 40 / 15 / 5: each class drawn
 * 2500 times expected, sd about 43; allowed ±200 (4.6 sd). Every member
 * of the rarest class is drawn. */
static void
test_order_balanced (void)
{
  g_autoptr (FoveaTrainData) data = open_npz_fixture ("imbalanced.npz");
  int n = fovea_train_data_get_n (data);
  g_assert_cmpint (fovea_train_data_get_n_classes (data), ==, 4);
  int counts[4] = { 0 };
  g_autofree int *member_draws = g_new0 (int, n);
  g_autofree int *order = g_new (int, n);
  g_autofree int *again = g_new (int, n);
  for (int epoch = 0; epoch < 50; epoch++)
    {
      fovea_train_data_epoch_order (data, 11, epoch, TRUE, order);
      fovea_train_data_epoch_order (data, 11, epoch, TRUE, again);
      g_assert_cmpmem (order, n * sizeof (int), again, n * sizeof (int));
      for (int i = 0; i < n; i++)
        {
          g_assert_cmpint (order[i], >=, 0);
          g_assert_cmpint (order[i], <, n);
          counts[fovea_train_data_get_label (data, order[i])]++;
          member_draws[order[i]]++;
        }
    }
  for (int k = 0; k < 4; k++)
    {
      g_test_message ("class %d: %d draws", k, counts[k]);
      g_assert_cmpint (abs (counts[k] - 2500), <=, 200);
    }
  for (int i = 0; i < n; i++)
    if (fovea_train_data_get_label (data, i) == 3)
      g_assert_cmpint (member_draws[i], >, 250);
}

/* ---- RetinaMNIST ------------------------------------------------------------ */

static void
test_retinamnist (void)
{
  g_autofree char *path = fovea_test_data_path ("retinamnist/retinamnist_trainval.npz");
  if (path == NULL)
    return;
  gint64 opened = g_get_monotonic_time ();
  g_autoptr (FoveaTrainData) train = open_ok (path);
  g_test_message ("RetinaMNIST train opened in %.1f ms",
                  (g_get_monotonic_time () - opened) / 1000.0);
  g_autofree char *val_spec = g_strconcat (path, ":val", NULL);
  g_autoptr (FoveaTrainData) val = open_ok (val_spec);
  g_assert_cmpint (fovea_train_data_get_n (train), ==, 1080);
  g_assert_cmpint (fovea_train_data_get_n (val), ==, 120);
  g_assert_cmpint (fovea_train_data_get_n_classes (train), ==, 5);
  int counts[5] = { 0 };
  for (int i = 0; i < 1080; i++)
    counts[fovea_train_data_get_label (train, i)]++;
  const int expected[5] = { 486, 128, 206, 194, 66 };
  for (int k = 0; k < 5; k++)
    g_assert_cmpint (counts[k], ==, expected[k]);
  g_autofree char *described = fovea_train_data_describe (train);
  g_assert_cmpstr (described, ==, "retinamnist_trainval.npz:train (1080 images)");

  /* A batch at the ViT input size, augmented, timed. */
  FoveaPreprocess pre;
  init_pre (&pre, 224, 224, FOVEA_RESIZE_BICUBIC);
  FoveaAugment aug;
  fovea_augment_init_fundus (&aug);
  g_autofree float *out = g_new (float, 3 * 224 * 224);
  gint64 start = g_get_monotonic_time ();
  for (int i = 0; i < 64; i++)
    {
      GError *error = NULL;
      g_assert_true (fovea_train_data_load (train, i, &pre, &aug, 1, 0, out, &error));
      g_assert_no_error (error);
    }
  g_test_message ("64 augmented 224 px RetinaMNIST samples: %.1f ms each",
                  (g_get_monotonic_time () - start) / 64.0 / 1000.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-data/folder/good", test_folder_good);
  g_test_add_func ("/train-data/folder/bad-labels", test_folder_bad_labels);
  g_test_add_func ("/train-data/folder/source", test_folder_source);
  g_test_add_func ("/train-data/folder/decode-error", test_folder_decode_error);
  g_test_add_func ("/train-data/npz/good", test_npz_good);
  g_test_add_func ("/train-data/npz/matches-preprocess", test_npz_matches_preprocess);
  g_test_add_func ("/train-data/npz/malformed", test_npz_malformed);
  g_test_add_func ("/train-data/npy/header", test_npy_header);
  g_test_add_func ("/train-data/augment/deterministic", test_augment_deterministic);
  g_test_add_func ("/train-data/augment/disabled", test_augment_disabled);
  g_test_add_func ("/train-data/augment/permutes", test_augment_permutes);
  g_test_add_func ("/train-data/augment/steps", test_augment_steps);
  g_test_add_func ("/train-data/order/shuffle", test_order_shuffle);
  g_test_add_func ("/train-data/order/balanced", test_order_balanced);
  g_test_add_func ("/train-data/retinamnist", test_retinamnist);
  return g_test_run ();
}
