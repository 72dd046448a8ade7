/* test-model-catalog.c: model discovery over a temporary tree of valid,
 * broken and missing entries in the three places: their order, the
 * de-duplication of places and of names, the cards read, and the errors
 * reported per entry; CNN backbones, whose ImageNet head is no task and
 * which take no MeLo file. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "fovea-model-catalog.h"
#include "fovea-test-common.h"
#include "tools/fovea-random-cnn.h"

/* A skin card for the 7-output MeLo fixture, with metrics to read back. */
static const char melo_card[] =
  "{\"schema_version\": 1, \"name\": \"lesion-7\", \"title\": \"Lesion class (7)\","
  " \"kind\": \"classification\", \"modality\": \"skin\","
  " \"labels\": [\"MEL\", \"NV\", \"BCC\", \"AKIEC\", \"BKL\", \"DF\", \"VASC\"],"
  " \"provenance\": {\"training_data\": \"none: random weights\","
  "   \"metrics\": [{\"name\": \"acc\", \"value\": 0.25, \"split\": \"fixture val\"}]},"
  " \"intended_use\": \"Tests only.\", \"research_use_only\": true}";
/* Another task already named as the backbone's card. */
static const char twin_card[] =
  "{\"schema_version\": 1, \"name\": \"tiny-five-class\", \"kind\": \"classification\","
  " \"modality\": \"fundus\", \"labels\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\"],"
  " \"provenance\": {\"training_data\": \"none\"}, \"intended_use\": \"Tests only.\","
  " \"research_use_only\": true}";

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
link_fixture (const char *dir, const char *name, const char *fixture)
{
  g_autofree char *target = fovea_test_fixture_path (fixture);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

static char *
make_dir (const char *parent, const char *name)
{
  char *path = g_build_filename (parent, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  return path;
}

/* A backbone folder using tiny-token's config.json; its weights are
 * garbage, which a scan must not notice since it never reads them. */
static char *
make_backbone (const char *place, const char *name)
{
  char *dir = make_dir (place, name);
  link_fixture (dir, "config.json", "vit/models/tiny-token/config.json");
  write_file (dir, "model.safetensors", "not safetensors");
  return dir;
}

static void
build_tree (const char *root)
{
  g_autofree char *bundled = make_dir (root, "bundled");
  g_autofree char *user = make_dir (root, "user");

  g_autofree char *alpha = make_backbone (bundled, "alpha");
  link_fixture (alpha, "task_card.json", "cards/tiny-five-class.json");
  g_autofree char *adapters = make_dir (alpha, "adapters");
  link_fixture (adapters, "melo-tiny_lora_4_8.safetensors",
                "vit/adapters/melo-tiny_lora_4_8.safetensors");
  write_file (adapters, "melo-tiny_lora_4_8.task_card.json", melo_card);
  /* Files are linked one by one: fovea_test_rmdir() follows links to
   * folders, and would empty the fixtures'. */
  g_autofree char *peft = make_dir (adapters, "peft-layers-rank");
  link_fixture (peft, "adapter_config.json", "vit/adapters/peft-layers-rank/adapter_config.json");
  link_fixture (peft, "adapter_model.safetensors",
                "vit/adapters/peft-layers-rank/adapter_model.safetensors");
  g_free (make_dir (adapters, "empty-peft"));
  write_file (adapters, "orphan.task_card.json", melo_card);
  write_file (adapters, "bad.safetensors", "");
  write_file (adapters, "bad.task_card.json", "{\"schema_version\": ");
  write_file (adapters, "twin.safetensors", "");
  write_file (adapters, "twin.task_card.json", twin_card);
  write_file (adapters, "notes.txt", "ignored");
  g_free (make_dir (adapters, ".hidden"));

  g_autofree char *broken = make_dir (bundled, "broken-config");
  write_file (broken, "config.json", "{\"architecture\": ");
  write_file (broken, "model.safetensors", "");
  g_autofree char *no_weights = make_dir (bundled, "no-weights");
  link_fixture (no_weights, "config.json", "vit/models/tiny-token/config.json");
  g_autofree char *wrong_card = make_backbone (bundled, "wrong-card");
  link_fixture (wrong_card, "task_card.json", "cards/dr-grading.json");
  write_file (bundled, "README", "files at the top level are not models");

  g_free (make_backbone (user, "alpha"));
  g_free (make_backbone (user, "beta"));
  /* The Preferences folder is the user's one, through a link. */
  g_autofree char *prefs = g_build_filename (root, "prefs", NULL);
  g_assert_cmpint (symlink (user, prefs), ==, 0);
}

static const FoveaCatalogModel *
get_model (const FoveaModelCatalog *catalog, guint index, const char *name,
           FoveaCatalogPlace place)
{
  const FoveaCatalogModel *model = fovea_model_catalog_get_model (catalog, index);
  g_assert_cmpstr (model->name, ==, name);
  g_assert_cmpint (model->place, ==, place);
  if (model->error != NULL)
    g_test_message ("%s: %s", name, model->error->message);
  return model;
}

static const FoveaCatalogTask *
get_task (const FoveaCatalogModel *model, guint index, const char *name)
{
  g_assert_cmpuint (index, <, model->tasks->len);
  const FoveaCatalogTask *task = model->tasks->pdata[index];
  g_assert_cmpstr (task->name, ==, name);
  if (task->error != NULL)
    g_test_message ("task %s: %s", name, task->error->message);
  return task;
}

static void
test_catalog_tree (void)
{
  g_autofree char *root = fovea_test_mkdtemp ();
  build_tree (root);
  g_autofree char *bundled = g_build_filename (root, "bundled", NULL);
  g_autofree char *user = g_build_filename (root, "user", NULL);
  g_autofree char *prefs = g_build_filename (root, "prefs", NULL);

  g_autoptr(FoveaModelCatalog) catalog = fovea_model_catalog_scan (bundled, user, prefs);

  /* Bundled first, by name; then the user's; prefs is the user's folder. */
  g_assert_cmpuint (fovea_model_catalog_get_n_models (catalog), ==, 6);
  const FoveaCatalogModel *alpha = get_model (catalog, 0, "alpha", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_no_error (alpha->error);
  const FoveaCatalogModel *broken = get_model (catalog, 1, "broken-config", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_error (broken->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID);
  g_assert_nonnull (strstr (broken->error->message, "config.json"));
  g_assert_cmpuint (broken->tasks->len, ==, 0);
  const FoveaCatalogModel *no_weights = get_model (catalog, 2, "no-weights", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_error (no_weights->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING);
  g_assert_nonnull (strstr (no_weights->error->message, "model.safetensors"));
  const FoveaCatalogModel *wrong = get_model (catalog, 3, "wrong-card", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_no_error (wrong->error);
  const FoveaCatalogTask *wrong_head = get_task (wrong, 0, "dr-grading");
  g_assert_error (wrong_head->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID);
  const FoveaCatalogModel *shadowed = get_model (catalog, 4, "alpha", FOVEA_CATALOG_PLACE_USER);
  g_assert_error (shadowed->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (shadowed->error->message, alpha->path));
  const FoveaCatalogModel *beta = get_model (catalog, 5, "beta", FOVEA_CATALOG_PLACE_USER);
  g_assert_no_error (beta->error);

  /* alpha: its head, then adapters by file name. */
  g_assert_cmpuint (alpha->tasks->len, ==, 7);
  const FoveaCatalogTask *head = get_task (alpha, 0, "tiny-five-class");
  g_assert_no_error (head->error);
  g_assert_null (head->path);
  g_assert_nonnull (head->card);
  g_assert_cmpint (head->card->kind, ==, FOVEA_TASK_CLASSIFICATION);
  g_assert_cmpint (head->card->modality, ==, FOVEA_MODALITY_FUNDUS);
  g_assert_true (head->card->research_use_only);

  const FoveaCatalogTask *bad = get_task (alpha, 1, "bad");
  g_assert_error (bad->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID);
  g_assert_nonnull (strstr (bad->error->message, "bad.task_card.json"));
  const FoveaCatalogTask *empty = get_task (alpha, 2, "empty-peft");
  g_assert_error (empty->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING);
  g_assert_nonnull (strstr (empty->error->message, "adapter_config.json"));

  const FoveaCatalogTask *melo = get_task (alpha, 3, "lesion-7");
  g_assert_no_error (melo->error);
  g_assert_true (g_str_has_suffix (melo->path, "melo-tiny_lora_4_8.safetensors"));
  g_assert_cmpstr (melo->card->title, ==, "Lesion class (7)");
  g_assert_cmpint (melo->card->modality, ==, FOVEA_MODALITY_SKIN);
  g_assert_cmpuint (g_strv_length (melo->card->labels), ==, 7);
  g_assert_cmpuint (melo->card->metrics->len, ==, 1);
  const FoveaTaskMetric *metric = melo->card->metrics->pdata[0];
  g_assert_cmpstr (metric->name, ==, "acc");
  g_assert_cmpfloat (metric->value, ==, 0.25);
  g_assert_cmpstr (metric->split, ==, "fixture val");

  const FoveaCatalogTask *orphan = get_task (alpha, 4, "orphan");
  g_assert_error (orphan->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING);
  g_assert_nonnull (strstr (orphan->error->message, "orphan.safetensors"));
  const FoveaCatalogTask *peft = get_task (alpha, 5, "peft-layers-rank");
  g_assert_no_error (peft->error);
  g_assert_null (peft->card);
  g_assert_null (peft->card_path);
  const FoveaCatalogTask *twin = get_task (alpha, 6, "tiny-five-class");
  g_assert_error (twin->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_DUPLICATE);

  /* beta has no card: its head is uncalibrated, named as the engine names it. */
  g_assert_cmpuint (beta->tasks->len, ==, 1);
  const FoveaCatalogTask *beta_head = get_task (beta, 0, "backbone");
  g_assert_no_error (beta_head->error);
  g_assert_null (beta_head->card);

  /* What a task picker offers per modality: matching cards, and the
   * uncalibrated tasks (labelled as such) for any modality. */
  g_assert_true (fovea_catalog_task_fits_modality (head, FOVEA_MODALITY_FUNDUS));
  g_assert_false (fovea_catalog_task_fits_modality (head, FOVEA_MODALITY_SKIN));
  g_assert_true (fovea_catalog_task_fits_modality (melo, FOVEA_MODALITY_SKIN));
  g_assert_false (fovea_catalog_task_fits_modality (melo, FOVEA_MODALITY_FUNDUS));
  g_assert_true (fovea_catalog_task_fits_modality (peft, FOVEA_MODALITY_OCTA));
  g_assert_false (fovea_catalog_task_fits_modality (bad, FOVEA_MODALITY_SKIN));
  g_assert_false (fovea_catalog_task_fits_modality (twin, FOVEA_MODALITY_FUNDUS));

  g_assert_cmpint (g_unlink (prefs), ==, 0);
  fovea_test_rmdir (root);
}

/* Places that do not exist, or are empty strings or NULL, are skipped; the
 * Preferences folder alone still works. */
static void
test_catalog_missing_places (void)
{
  g_autofree char *root = fovea_test_mkdtemp ();
  g_autofree char *missing = g_build_filename (root, "missing", NULL);
  g_autofree char *prefs = make_dir (root, "prefs");
  g_free (make_backbone (prefs, "gamma"));

  g_autoptr(FoveaModelCatalog) empty = fovea_model_catalog_scan (missing, "", NULL);
  g_assert_cmpuint (fovea_model_catalog_get_n_models (empty), ==, 0);

  g_autoptr(FoveaModelCatalog) catalog = fovea_model_catalog_scan (NULL, missing, prefs);
  g_assert_cmpuint (fovea_model_catalog_get_n_models (catalog), ==, 1);
  get_model (catalog, 0, "gamma", FOVEA_CATALOG_PLACE_PREFERENCES);

  fovea_test_rmdir (root);
}

/* The default places: $FOVEA_MODELS_DIR and $XDG_DATA_HOME/fovea/models
 * (set in main(), before GLib caches it), in that order. */
static void
test_catalog_default_places (void)
{
  const char *root = g_getenv ("XDG_DATA_HOME");
  g_autofree char *user = fovea_model_catalog_dup_user_dir ();
  g_autofree char *expected_user = g_build_filename (root, "fovea", "models", NULL);
  g_assert_cmpstr (user, ==, expected_user);

  g_autofree char *bundled_root = g_build_filename (root, "bundled", NULL);
  g_free (make_backbone (bundled_root, "same"));
  g_free (make_backbone (user, "same"));
  g_free (make_backbone (user, "user-only"));

  g_setenv ("FOVEA_MODELS_DIR", bundled_root, TRUE);
  g_autofree char *bundled_dir = fovea_model_catalog_dup_bundled_dir ();
  g_assert_cmpstr (bundled_dir, ==, bundled_root);

  g_autoptr(FoveaModelCatalog) catalog = fovea_model_catalog_scan_default (NULL);
  g_assert_cmpuint (fovea_model_catalog_get_n_models (catalog), ==, 3);
  const FoveaCatalogModel *first = get_model (catalog, 0, "same", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_no_error (first->error);
  const FoveaCatalogModel *second = get_model (catalog, 1, "same", FOVEA_CATALOG_PLACE_USER);
  g_assert_error (second->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_DUPLICATE);
  get_model (catalog, 2, "user-only", FOVEA_CATALOG_PLACE_USER);

  g_unsetenv ("FOVEA_MODELS_DIR");
  g_autofree char *installed = fovea_model_catalog_dup_bundled_dir ();
  g_autofree char *expected_installed = g_build_filename (FOVEA_PKGDATADIR, "models", NULL);
  g_assert_cmpstr (installed, ==, expected_installed);
}

/* A CNN folder (config.json only, garbage weights), its head named by
 * label_names when labelled. */
static char *
make_cnn (const char *place, const char *name, int classes, gboolean labelled)
{
  char *dir = make_dir (place, name);
  g_autofree char *config = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", classes,
                                                          NULL, NULL);
  g_assert_true (config[0] == '{');
  g_autofree char *with_names = g_strconcat ("{\"label_names\": [\"cat\", \"dog\", \"bird\"],",
                                             config + 1, NULL);
  write_file (dir, "config.json", labelled ? with_names : config);
  write_file (dir, "model.safetensors", "not safetensors");
  return dir;
}

static void
test_catalog_cnn (void)
{
  g_autofree char *place = fovea_test_mkdtemp ();
  g_autofree char *imagenet = make_cnn (place, "imagenet", 3, TRUE);
  g_autofree char *adapters = make_dir (imagenet, "adapters");
  g_autofree char *peft = make_dir (adapters, "head");
  write_file (peft, "adapter_config.json", "{}");
  write_file (peft, "adapter_model.safetensors", "not read by a scan");
  write_file (adapters, "melo.safetensors", "not read by a scan");
  g_autofree char *fundus = make_cnn (place, "fundus-cnn", 5, FALSE);
  link_fixture (fundus, "task_card.json", "cards/tiny-five-class.json");

  g_autoptr (FoveaModelCatalog) catalog = fovea_model_catalog_scan (place, "", NULL);
  g_assert_cmpuint (fovea_model_catalog_get_n_models (catalog), ==, 2);
  const FoveaCatalogModel *model = get_model (catalog, 0, "fundus-cnn",
                                              FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_no_error (model->error);
  g_assert_cmpint (model->family, ==, FOVEA_BACKBONE_CNN);
  g_assert_false (model->pretraining_head);
  g_assert_cmpuint (model->tasks->len, ==, 1);
  g_assert_no_error (get_task (model, 0, "tiny-five-class")->error);

  /* the ImageNet head is no task; its adapters are */
  model = get_model (catalog, 1, "imagenet", FOVEA_CATALOG_PLACE_BUNDLED);
  g_assert_no_error (model->error);
  g_assert_cmpint (model->family, ==, FOVEA_BACKBONE_CNN);
  g_assert_true (model->pretraining_head);
  g_assert_cmpuint (model->tasks->len, ==, 2);
  g_assert_no_error (get_task (model, 0, "head")->error);
  const FoveaCatalogTask *melo = get_task (model, 1, "melo");
  g_assert_error (melo->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID);
  fovea_test_assert_contains (melo->error->message, "MeLo files are for Vision Transformers");
  fovea_test_rmdir (place);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = fovea_test_mkdtemp ();
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/model-catalog/tree", test_catalog_tree);
  g_test_add_func ("/model-catalog/missing-places", test_catalog_missing_places);
  g_test_add_func ("/model-catalog/default-places", test_catalog_default_places);
  g_test_add_func ("/model-catalog/cnn", test_catalog_cnn);
  int status = g_test_run ();

  fovea_test_rmdir (data_home);
  return status;
}
