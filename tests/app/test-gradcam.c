/* test-gradcam.c: Grad-CAM points at what the model looks at. A tiny
 * LoRA adapter (and head) is trained by Fovea's trainer, on a backbone
 * with timm's initial weights, to tell images with a bright blob at a
 * known place from images without; on held-out blob images the Grad-CAM
 * peak must be the patch that holds the blob, and the map put back onto
 * the image must peak within the blob. (The fixture backbones' random
 * weights are far larger than initialised or trained ones: their
 * attention smears every token over the image by the last block, so no
 * adapter on them localises.) */
#include <glib/gstdio.h>
#include <math.h>

#include "fovea-adapter.h"
#include "fovea-gradcam.h"
#include "fovea-input-map.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-trainer.h"
#include "toy-train-set.h"

static void
test_blob_peak (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *train = toy_write_blob_set (dir, "train", 48, 11);
  g_autofree char *val = toy_write_blob_set (dir, "val", 12, 12);
  g_autofree char *card = toy_write_card (dir);
  g_autofree char *fixture = fovea_test_fixture_path ("vit/models/tiny-token/config.json");
  g_autofree char *config_dir = g_build_filename (dir, "config", NULL);
  g_autofree char *config = g_build_filename (config_dir, "config.json", NULL);
  g_assert_cmpint (g_mkdir (config_dir, 0755), ==, 0);
  fovea_test_copy_file (fixture, config);
  g_autofree char *out = g_build_filename (dir, "blob", NULL);
  g_autofree char *backbone = g_build_filename (dir, "backbone", NULL);

  /* A backbone with timm's initial weights (trained weights have that
   * scale; the fixtures' random ones are far larger). */
  FoveaVitConfig config_values = { 0 };
  g_assert_true (fovea_vit_config_load_file (&config_values, config, &error));
  {
    g_autoptr (FoveaTrainVit) init = fovea_train_vit_new_full (&config_values, NULL, 3, 1, 1,
                                                               &error);
    g_assert_no_error (error);
    g_assert_true (fovea_train_vit_save (init, backbone, NULL, &error));
  }
  fovea_vit_config_clear (&config_values);

  FoveaTrainerOptions o;
  fovea_trainer_options_init (&o);
  o.model_dir = backbone;
  o.card_path = card;
  o.data_path = train;
  o.val_path = val;
  o.out_dir = out;
  o.epochs = 30;
  o.batch = 8;
  o.lr = 1e-2;
  o.warmup_epochs = 1;
  o.augment = FALSE;
  o.threads = 2;
  o.lora.rank = 8;
  o.lora.alpha = 16;
  o.lora.targets = FOVEA_TRAIN_TARGET_QKV | FOVEA_TRAIN_TARGET_PROJ | FOVEA_TRAIN_TARGET_FC1;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (FoveaVit) vit = fovea_vit_load (backbone, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaLora) lora = fovea_adapter_load (out, vit, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainVit) frozen = fovea_train_vit_new_frozen (vit, lora, 1, 1, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTaskCard) task = fovea_task_card_load_file (card, &error);
  g_assert_no_error (error);
  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, fovea_vit_get_config (vit), task);

  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  int grid = TOY_SIDE / c->patch_size;
  int blob_patch = (TOY_BLOB_Y / c->patch_size) * grid + TOY_BLOB_X / c->patch_size;
  g_autoptr (FoveaTrainData) held_out = fovea_train_data_open (val, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new (float, 3 * TOY_SIDE * TOY_SIDE);
  g_autofree float *map = g_new (float, grid * grid);
  int explained = 0;
  for (int i = 0; i < fovea_train_data_get_n (held_out); i++)
    {
      if (fovea_train_data_get_label (held_out, i) != 1)
        continue;
      FoveaGradcamInfo info;
      g_assert_true (fovea_train_data_load (held_out, i, &pre, NULL, 0, 0, pixels, &error));
      g_assert_true (fovea_gradcam (frozen, pixels, 1, -1, map, &info, &error));
      g_assert_no_error (error);
      g_assert_cmpint (info.class_index, ==, 1);
      int peak = 0;
      for (int p = 1; p < grid * grid; p++)
        if (map[p] > map[peak])
          peak = p;
      g_assert_cmpfloat (map[peak], >, 0);
      g_assert_cmpint (peak, ==, blob_patch);
      explained++;
    }
  g_assert_cmpint (explained, ==, 6);

  /* Back on the image (no crop here: the geometry is the identity). */
  FoveaImage *image = fovea_image_new (TOY_SIDE, TOY_SIDE, 3, 8, &error);
  int width = 0, height = 0;
  g_autofree float *on_image = fovea_input_map_to_image (&pre, image, map, grid, grid, 0,
                                                         &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, TOY_SIDE);
  int best = 0;
  for (int p = 1; p < width * height; p++)
    if (on_image[p] > on_image[best])
      best = p;
  int dx = best % width - TOY_BLOB_X, dy = best / width - TOY_BLOB_Y;
  g_assert_cmpint (dx * dx + dy * dy, <=, 2 * c->patch_size * c->patch_size);
  fovea_image_free (image);
  fovea_test_rmdir (dir);
}

static void
test_refuses_bad_class (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *model = fovea_test_fixture_path ("vit/models/tiny-token");
  g_autoptr (FoveaVit) vit = fovea_vit_load (model, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainVit) frozen = fovea_train_vit_new_frozen (vit, NULL, 1, 1, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new0 (float, 3 * 32 * 32);
  float map[16];
  FoveaGradcamInfo info;
  g_assert_false (fovea_gradcam (frozen, pixels, 99, -1, map, &info, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gradcam/blob-peak", test_blob_peak);
  g_test_add_func ("/gradcam/refuses-bad-class", test_refuses_bad_class);
  return g_test_run ();
}
