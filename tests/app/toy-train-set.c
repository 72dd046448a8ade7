/* toy-train-set.c: see toy-train-set.h. */
#include "toy-train-set.h"

#include <glib/gstdio.h>

#include "fovea-encode.h"

static const char toy_card[] =
  "{\n"
  "  \"schema_version\": 1,\n"
  "  \"name\": \"toy-colour\",\n"
  "  \"title\": \"Toy colour task\",\n"
  "  \"kind\": \"classification\",\n"
  "  \"modality\": \"fundus\",\n"
  "  \"labels\": [\"red\", \"blue\"],\n"
  "  \"referral\": {\"rule\": \"blue\", \"labels\": [\"blue\"]},\n"
  "  \"preprocessing\": {\"input_size\": [32, 32], \"crop_pct\": 1.0},\n"
  "  \"provenance\": {\"training_data\": \"toy colour images\"},\n"
  "  \"intended_use\": \"Tests of the trainer only.\",\n"
  "  \"research_use_only\": true\n"
  "}\n";

typedef struct {
  int x, y;
} BlobAt;

static void
write_blob_image (const char *path, int label, GRand *rand, gconstpointer data)
{
  const BlobAt *at = data;
  g_autoptr (GError) error = NULL;
  FoveaImage *image = fovea_image_new (TOY_SIDE, TOY_SIDE, 3, 8, &error);
  g_assert_no_error (error);
  for (int y = 0; y < TOY_SIDE; y++)
    for (int x = 0; x < TOY_SIDE; x++)
      {
        guint8 *p = image->data + y * image->stride + x * 3;
        int dx = x - at->x, dy = y - at->y;
        gboolean blob = label == 1 && dx * dx + dy * dy <= TOY_BLOB_RADIUS * TOY_BLOB_RADIUS;
        int grey = blob ? 240 : 60 + g_rand_int_range (rand, 0, 80);
        p[0] = p[1] = p[2] = (guint8) grey;
      }
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
  fovea_image_free (image);
}

static void
write_image (const char *path, int label, GRand *rand, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  FoveaImage *image = fovea_image_new (TOY_SIDE, TOY_SIDE, 3, 8, &error);
  g_assert_no_error (error);
  for (int y = 0; y < TOY_SIDE; y++)
    for (int x = 0; x < TOY_SIDE; x++)
      {
        guint8 *p = image->data + y * image->stride + x * 3;
        int strong = 150 + g_rand_int_range (rand, 0, 100);
        int weak = g_rand_int_range (rand, 0, 110);
        p[0] = (guint8) (label == 0 ? strong : weak);
        p[1] = (guint8) g_rand_int_range (rand, 0, 110);
        p[2] = (guint8) (label == 0 ? weak : strong);
      }
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
  fovea_image_free (image);
}

typedef void (*WriteFunc) (const char *path, int label, GRand *rand, gconstpointer data);

static char *
write_set (const char *dir, const char *name, int n, guint32 seed, WriteFunc write,
           gconstpointer data)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GString) csv = g_string_new ("file,label\n");
  char *folder = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *file = g_strdup_printf ("img%02d.png", i);
      g_autofree char *path = g_build_filename (folder, file, NULL);
      write (path, i % 2, rand, data);
      g_string_append_printf (csv, "%s,%d\n", file, i % 2);
    }
  g_autofree char *labels = g_build_filename (folder, "labels.csv", NULL);
  g_assert_true (g_file_set_contents (labels, csv->str, -1, NULL));
  return folder;
}

char *
toy_write_set (const char *dir, const char *name, int n, guint32 seed)
{
  return write_set (dir, name, n, seed, write_image, NULL);
}

char *
toy_write_blob_set (const char *dir, const char *name, int n, guint32 seed)
{
  return toy_write_blob_set_at (dir, name, n, seed, TOY_BLOB_X, TOY_BLOB_Y);
}

char *
toy_write_blob_set_at (const char *dir, const char *name, int n, guint32 seed, int x, int y)
{
  BlobAt at = { x, y };
  return write_set (dir, name, n, seed, write_blob_image, &at);
}

char *
toy_write_card (const char *dir)
{
  char *path = g_build_filename (dir, "card.json", NULL);
  g_assert_true (g_file_set_contents (path, toy_card, -1, NULL));
  return path;
}
