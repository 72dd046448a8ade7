/* seg-test-model.c: a segmentation model folder for tests (see the header). */
#define G_LOG_DOMAIN "seg-test-model"

#include "seg-test-model.h"

#include <json-glib/json-glib.h>

#include "tools/fovea-random-seg.h"
#include "fovea-test-common.h"

#define SEED 7

char *
seg_test_model_new (int fov_diameter, int tile)
{
  char *dir = fovea_test_mkdtemp ();
  static const int decoder[] = { 16, 8, 8, 4, 4 };
  g_autofree char *config = fovea_random_seg_config_json (2, decoder, "sigmoid", tile);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_random_seg_write (dir, config, FOVEA_DTYPE_F32, SEED, &error));
  g_assert_no_error (error);

  g_autofree char *fixture = fovea_test_fixture_path ("seg/model/task_card.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, fixture, &error));
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  if (fov_diameter > 0)
    json_object_set_int_member (card, "fov_diameter", fov_diameter);
  else
    json_object_remove_member (card, "fov_diameter");  /* absent: own size */
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  g_assert_true (g_file_set_contents (card_path, text, -1, &error));
  return dir;
}
