/* test-segmenter.c: the segmenter on a random-weight model folder: maps of
 * the image's size, zero outside the field of view; the same numbers as
 * the network run directly on an image the size of a tile or smaller; the
 * model-scale memory independent of the image's size; clear errors for a
 * card that does not fit the model; installed models found by name, and
 * anomaly flaggers by their cards' role. */
#define G_LOG_DOMAIN "test-segmenter"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-preprocess.h"
#include "fovea-seg-measure.h"
#include "fovea-seg.h"
#include "fovea-segmenter.h"
#include "fovea-test-common.h"
#include "seg-test-model.h"

#define TILE 64

static void
test_maps_fit_image (void)
{
  g_autofree char *dir = seg_test_model_new (128, TILE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_segmenter_get_tile (segmenter), ==, TILE);

  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (300, 240, 150, 120, 100);
  g_autoptr (FoveaSegmentation) result = fovea_segmenter_run (segmenter, image, &error);
  g_assert_no_error (error);
  g_assert_true (result->fov.found);
  g_assert_cmpint (result->n_labels, ==, 2);
  gint64 inside_nonzero = 0;
  for (int l = 0; l < 2; l++)
    {
      const FoveaImage *map = result->maps[l];
      g_assert_cmpint (map->width, ==, 300);
      g_assert_cmpint (map->height, ==, 240);
      g_assert_cmpint (map->channels, ==, 1);
      g_assert_cmpint (map->bit_depth, ==, 16);
      for (int y = 0; y < 240; y++)
        for (int x = 0; x < 300; x++)
          {
            guint16 v = fovea_image_row16 (map, y)[x];
            if (!result->fov_mask[y * 300 + x])
              g_assert_cmpuint (v, ==, 0);
            else
              inside_nonzero += v > 0;
          }
    }
  /* Sigmoids of random logits: hardly ever exactly 0 inside. */
  g_assert_cmpint (inside_nonzero, >, 2 * 0.9 * G_PI * 100 * 100);
  /* The corners lie outside the disc. */
  g_assert_cmpuint (fovea_image_row16 (result->maps[0], 0)[0], ==, 0);
  g_assert_cmpuint (fovea_image_row16 (result->maps[1], 239)[299], ==, 0);

  g_autoptr (FoveaSegMeasures) m = fovea_seg_measure (result, fovea_segmenter_get_card (segmenter));
  g_assert_nonnull (m);
  g_assert_cmpint (m->fov_pixels, >, 0.95 * G_PI * 100 * 100);
  fovea_test_rmdir (dir);
}

/* The network run directly on the image, normalised and zero-padded to a
 * tile, as the segmenter must give for an image no larger than a tile and
 * segmented at its own size (fov_diameter absent). */
static void
check_against_direct (int width, int height)
{
  g_autofree char *dir = seg_test_model_new (0, TILE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (dir, 1, &error);
  g_assert_no_error (error);
  /* A plain gradient: no dark surround, so the whole image is the FOV. */
  g_autoptr (FoveaImage) image = fovea_image_new (width, height, 3, 8, &error);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = fovea_image_row (image, y) + 3 * x;
        p[0] = (guint8) (120 + x);
        p[1] = (guint8) (60 + y);
        p[2] = (guint8) (90 + (x * y) % 50);
      }
  g_autoptr (FoveaSegmentation) result = fovea_segmenter_run (segmenter, image, &error);
  g_assert_no_error (error);

  g_autoptr (FoveaSeg) seg = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegRun) run = fovea_seg_run_new (seg, 1, TILE, TILE, 1, &error);
  g_assert_no_error (error);
  FoveaPreprocess pre;
  fovea_preprocess_init_pretrained (&pre, &fovea_seg_get_config (seg)->pretrained, NULL);
  g_autofree float *pixels = g_new (float, 3 * width * height);
  fovea_preprocess_normalise_rgb8 (&pre, image, pixels);
  g_autofree float *tile = g_new0 (float, 3 * TILE * TILE);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < height; y++)
      memcpy (tile + (c * TILE + y) * TILE, pixels + (c * height + y) * width,
              sizeof (float) * width);
  g_assert_true (fovea_seg_forward (run, tile, 1, &error));
  const float *probabilities = fovea_seg_run_get_probabilities (run);

  double worst = 0;
  for (int l = 0; l < 2; l++)
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++)
        {
          g_assert_true (result->fov_mask[y * width + x]);
          double want = probabilities[(l * TILE + y) * TILE + x];
          double got = fovea_image_row16 (result->maps[l], y)[x] / 65535.0;
          worst = MAX (worst, fabs (want - got));
        }
  g_test_message ("%d×%d: worst difference %.2g", width, height, worst);
  g_assert_cmpfloat (worst, <=, 1.0 / 65535 + 1e-6);
  fovea_test_rmdir (dir);
}

static void
test_tile_equals_direct (void)
{
  check_against_direct (TILE, TILE);
}

static void
test_small_equals_direct (void)
{
  check_against_direct (40, 50);
}

/* With fov_diameter, the work at model scale is the same for a small and a
 * large photograph of the same field. */
static void
test_memory_bounded (void)
{
  g_autofree char *dir = seg_test_model_new (128, TILE);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegmenter) segmenter = fovea_segmenter_load (dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaImage) small = fovea_test_synthetic_fundus (320, 300, 160, 150, 140);
  g_autoptr (FoveaImage) large = fovea_test_synthetic_fundus (2400, 2000, 1200, 1000, 950);
  g_autoptr (FoveaSegmentation) a = fovea_segmenter_run (segmenter, small, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegmentation) b = fovea_segmenter_run (segmenter, large, &error);
  g_assert_no_error (error);
  g_test_message ("model-scale bytes: %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT,
                  a->model_scale_bytes, b->model_scale_bytes);
  g_assert_cmpuint (a->model_scale_bytes, ==, b->model_scale_bytes);
  /* 128² pixels × (3 + 2 + 1) floats, plus one 64² tile's arena (about
   * 11 MB): less than the large photograph's own RGB bytes. */
  g_assert_cmpuint (b->model_scale_bytes, <, (gsize) 2400 * 2000 * 3);
  g_assert_cmpint (b->maps[0]->width, ==, 2400);
  g_assert_cmpint (b->maps[1]->height, ==, 2000);
  /* Maps of a large image come back at its size and inside its FOV. */
  g_assert_cmpuint (fovea_image_row16 (b->maps[0], 1000)[1200], >, 0);
  g_assert_cmpuint (fovea_image_row16 (b->maps[0], 10)[10], ==, 0);
  fovea_test_rmdir (dir);
}

static void
test_card_must_fit (void)
{
  g_autofree char *dir = seg_test_model_new (128, TILE);
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  /* Three labels for a two-class model. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_path, &error));
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  json_object_remove_member (card, "label_titles");
  json_object_set_double_member (card, "threshold", 0.5);
  JsonArray *labels = json_array_new (), *colours = json_array_new ();
  const char *names[] = { "vessels", "optic_disc", "x" };
  for (int i = 0; i < 3; i++)
    {
      json_array_add_string_element (labels, names[i]);
      json_array_add_string_element (colours, "#ff3030");
    }
  json_object_set_array_member (card, "labels", labels);
  json_object_set_array_member (card, "colours", colours);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (card_path, text, -1, &error));
  g_autoptr (FoveaSegmenter) bad = fovea_segmenter_load (dir, 1, &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "task_card.json"));
  g_assert_nonnull (strstr (error->message, "3 labels"));
  g_assert_nonnull (strstr (error->message, "2 classes"));
  g_clear_error (&error);

  g_assert_cmpint (g_unlink (card_path), ==, 0);
  g_autoptr (FoveaSegmenter) none = fovea_segmenter_load (dir, 1, &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "task_card.json"));
  fovea_test_rmdir (dir);
}

static void
test_find_model (void)
{
  g_autofree char *models = fovea_test_mkdtemp ();
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);
  g_setenv ("XDG_DATA_HOME", models, TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree char *none = fovea_segmenter_find_model ("anatomy", &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "anatomy"));
  g_assert_nonnull (strstr (error->message, "--model"));
  g_clear_error (&error);

  g_autofree char *dir = seg_test_model_new (128, TILE);
  g_autofree char *installed = g_build_filename (models, "seg-anatomy", NULL);
  g_assert_cmpint (g_rename (dir, installed), ==, 0);
  g_autofree char *found = fovea_segmenter_find_model ("anatomy", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, installed);
  fovea_test_rmdir (models);
}

/* An anomaly flagger is found by its card's role; `segment --task` still
 * finds it by name, as any segmentation model. */
static void
test_find_flaggers (void)
{
  g_autofree char *models = fovea_test_mkdtemp ();
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);
  g_setenv ("XDG_DATA_HOME", models, TRUE);
  g_autoptr (GPtrArray) none = fovea_segmenter_find_flaggers ();
  g_assert_cmpuint (none->len, ==, 0);

  g_autofree char *anatomy = seg_test_model_new (128, TILE);
  g_autofree char *anatomy_installed = g_build_filename (models, "seg-anatomy", NULL);
  g_assert_cmpint (g_rename (anatomy, anatomy_installed), ==, 0);
  g_autofree char *dir = seg_test_model_new (128, TILE);
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_path, &error));
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  json_object_set_string_member (card, "name", "flagger");
  json_object_set_string_member (card, "role", "anomaly");
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (card_path, text, -1, &error));
  g_autofree char *installed = g_build_filename (models, "seg-flagger", NULL);
  g_assert_cmpint (g_rename (dir, installed), ==, 0);

  g_autoptr (GPtrArray) flaggers = fovea_segmenter_find_flaggers ();
  g_assert_cmpuint (flaggers->len, ==, 1);
  g_assert_cmpstr (flaggers->pdata[0], ==, installed);
  g_autofree char *by_name = fovea_segmenter_find_model ("flagger", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_name, ==, installed);
  g_autofree char *other = fovea_segmenter_find_model ("anatomy", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other, ==, anatomy_installed);
  fovea_test_rmdir (models);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/segmenter/maps-fit-image", test_maps_fit_image);
  g_test_add_func ("/segmenter/tile-equals-direct", test_tile_equals_direct);
  g_test_add_func ("/segmenter/small-equals-direct", test_small_equals_direct);
  g_test_add_func ("/segmenter/memory-bounded", test_memory_bounded);
  g_test_add_func ("/segmenter/card-must-fit", test_card_must_fit);
  g_test_add_func ("/segmenter/find-model", test_find_model);
  g_test_add_func ("/segmenter/find-flaggers", test_find_flaggers);
  return g_test_run ();
}
