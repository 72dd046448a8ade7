/* fovea-model-catalog.c: scanning the model folders (layout in the header). */
#define G_LOG_DOMAIN "fovea-model-catalog"

#include "config.h"

#include "fovea-model-catalog.h"

#include <string.h>

#include "fovea-engine-backbone.h"
#include "fovea-model-weights.h"

G_DEFINE_QUARK (fovea-catalog-error-quark, fovea_catalog_error)

#define CARD_FILE "task_card.json"
#define MELO_SUFFIX ".safetensors"
#define MELO_CARD_SUFFIX ".task_card.json"

struct _FoveaModelCatalog {
  GPtrArray *models;  /* FoveaCatalogModel* */
};

static void
catalog_task_free (gpointer data)
{
  FoveaCatalogTask *task = data;
  g_free (task->name);
  g_free (task->path);
  g_free (task->card_path);
  fovea_task_card_free (task->card);
  g_clear_error (&task->error);
  g_free (task);
}

static void
catalog_model_free (gpointer data)
{
  FoveaCatalogModel *model = data;
  g_free (model->name);
  g_free (model->path);
  g_clear_error (&model->error);
  g_ptr_array_unref (model->tasks);
  g_free (model);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The visible entries of a folder, sorted so the catalog's order is stable;
 * NULL when it cannot be listed. */
static GPtrArray *
list_folder (const char *folder)
{
  GDir *dir = g_dir_open (folder, 0, NULL);
  if (dir == NULL)
    return NULL;

  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static gboolean
require_file (const char *folder, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING,
               "%s: %s is missing", folder, name);
  return FALSE;
}

/* model.safetensors, or pytorch_model.bin in an older hub folder. */
static gboolean
require_weights (const char *folder, GError **error)
{
  g_autofree char *path = fovea_model_weights_find (folder);
  if (path != NULL)
    return TRUE;
  g_set_error (error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING,
               "%s: %s is missing", folder, FOVEA_MODEL_WEIGHTS_SAFETENSORS);
  return FALSE;
}

/* Reads the card at card_path when it exists; a refused card becomes the
 * task's error, so it is listed but never offered. */
static void
read_card (FoveaCatalogTask *task, const char *card_path)
{
  if (!g_file_test (card_path, G_FILE_TEST_EXISTS))
    return;

  g_autoptr (GError) local_error = NULL;
  task->card_path = g_strdup (card_path);
  task->card = fovea_task_card_load_file (card_path, &local_error);
  if (task->card == NULL)
    g_set_error_literal (&task->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID,
                         local_error->message);
}

/* Adds task under the name the engine will give it: two tasks of one name
 * could not both be loaded, so the later one is marked. */
static void
add_task (FoveaCatalogModel *model, FoveaCatalogTask *task, const char *fallback_name)
{
  task->name = g_strdup (task->card != NULL ? task->card->name : fallback_name);
  for (guint i = 0; i < model->tasks->len && task->error == NULL; i++)
    {
      const FoveaCatalogTask *other = model->tasks->pdata[i];
      if (other->error == NULL && strcmp (other->name, task->name) == 0)
        g_set_error (&task->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_DUPLICATE,
                     "%s: a task named “%s” is already in %s",
                     task->card_path != NULL ? task->card_path : task->path,
                     task->name, model->path);
    }
  g_ptr_array_add (model->tasks, task);
}

static void
scan_peft (FoveaCatalogModel *model, const char *path, const char *name)
{
  FoveaCatalogTask *task = g_new0 (FoveaCatalogTask, 1);
  task->path = g_strdup (path);
  if (require_file (path, "adapter_config.json", &task->error) &&
      require_file (path, "adapter_model.safetensors", &task->error))
    {
      g_autofree char *card_path = g_build_filename (path, CARD_FILE, NULL);
      read_card (task, card_path);
    }
  add_task (model, task, name);
}

static void
scan_melo (FoveaCatalogModel *model, const char *folder, const char *file_name)
{
  g_autofree char *base = g_strndup (file_name, strlen (file_name) - strlen (MELO_SUFFIX));
  g_autofree char *card_name = g_strconcat (base, MELO_CARD_SUFFIX, NULL);
  g_autofree char *card_path = g_build_filename (folder, card_name, NULL);
  FoveaCatalogTask *task = g_new0 (FoveaCatalogTask, 1);

  task->path = g_build_filename (folder, file_name, NULL);
  read_card (task, card_path);
  /* Listed, so that it is not silently missing, but never offered. */
  if (task->error == NULL && model->family == FOVEA_BACKBONE_CNN)
    g_set_error (&task->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID,
                 "%s: MeLo files are for Vision Transformers; %s is a CNN (its adapters are "
                 "PEFT folders)", task->path, model->path);
  add_task (model, task, base);
}

/* A card whose MeLo file is missing describes nothing that can run. */
static void
scan_orphan_card (FoveaCatalogModel *model, const char *folder, const char *card_name)
{
  g_autofree char *base = g_strndup (card_name, strlen (card_name) - strlen (MELO_CARD_SUFFIX));
  g_autofree char *weights = g_strconcat (base, MELO_SUFFIX, NULL);
  g_autofree char *weights_path = g_build_filename (folder, weights, NULL);
  if (g_file_test (weights_path, G_FILE_TEST_EXISTS))
    return;

  FoveaCatalogTask *task = g_new0 (FoveaCatalogTask, 1);
  task->card_path = g_build_filename (folder, card_name, NULL);
  task->name = g_strdup (base);
  g_set_error (&task->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_MISSING,
               "%s: %s is missing", task->card_path, weights);
  g_ptr_array_add (model->tasks, task);
}

static void
scan_adapters (FoveaCatalogModel *model)
{
  g_autofree char *folder = g_build_filename (model->path, "adapters", NULL);
  g_autoptr (GPtrArray) names = list_folder (folder);

  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        scan_peft (model, path, name);
      else if (g_str_has_suffix (name, MELO_CARD_SUFFIX))
        scan_orphan_card (model, folder, name);
      else if (g_str_has_suffix (name, MELO_SUFFIX))
        scan_melo (model, folder, name);
    }
}

/* The backbone's own head is a task when it has outputs to read: a card,
 * or a classifier head (num_classes 0 means pooled features only) that
 * config.json does not name as a pretraining head (label_names, such as
 * ImageNet's classes: they say nothing of fundus, skin or OCTA images,
 * and without a card its outputs would be offered for every modality). */
static void
scan_backbone_head (FoveaCatalogModel *model, const FoveaBackboneInfo *info)
{
  g_autofree char *card_path = g_build_filename (model->path, CARD_FILE, NULL);
  FoveaCatalogTask *task = g_new0 (FoveaCatalogTask, 1);

  read_card (task, card_path);
  if (task->card_path == NULL && (info->num_classes == 0 || model->pretraining_head))
    {
      catalog_task_free (task);
      return;
    }
  /* As FoveaEngine counts them: without a head, the pooled features. */
  int n_outputs = info->n_outputs;
  g_autoptr (GError) local_error = NULL;
  if (task->card != NULL &&
      !fovea_task_card_check_outputs (task->card, n_outputs, &local_error))
    g_set_error (&task->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID,
                 "%s: %s", card_path, local_error->message);
  add_task (model, task, "backbone");
}

static FoveaCatalogModel *
model_new (const char *path, const char *name, FoveaCatalogPlace place)
{
  FoveaCatalogModel *model = g_new0 (FoveaCatalogModel, 1);
  model->name = g_strdup (name);
  model->path = g_strdup (path);
  model->place = place;
  model->tasks = g_ptr_array_new_with_free_func (catalog_task_free);
  return model;
}

static FoveaCatalogModel *
scan_model (const char *path, const char *name, FoveaCatalogPlace place)
{
  FoveaCatalogModel *model = model_new (path, name, place);
  g_autoptr (GError) local_error = NULL;
  FoveaBackboneInfo info;
  g_auto (GStrv) label_names = NULL;
  if (!require_file (path, "config.json", &model->error) ||
      !require_weights (path, &model->error))
    return model;
  if (!fovea_backbone_info_read (path, &info, &local_error) ||
      !fovea_hub_config_read_label_names (path, &label_names, &local_error))
    {
      /* Its message names the file already. */
      g_set_error_literal (&model->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_INVALID,
                           local_error->message);
      return model;
    }
  model->family = info.family;
  model->pretraining_head = info.num_classes > 0 && label_names != NULL;
  scan_backbone_head (model, &info);
  scan_adapters (model);
  return model;
}

static const FoveaCatalogModel *
find_model (const FoveaModelCatalog *catalog, const char *name)
{
  for (guint i = 0; i < catalog->models->len; i++)
    {
      const FoveaCatalogModel *model = catalog->models->pdata[i];
      if (strcmp (model->name, name) == 0)
        return model;
    }
  return NULL;
}

static void
scan_place (FoveaModelCatalog *catalog, const char *folder, FoveaCatalogPlace place)
{
  g_autoptr (GPtrArray) names = list_folder (folder);

  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (folder, name, NULL);
      /* Anomaly banks live beside the backbones, in a folder of their own
       * (fovea-anomaly-installed.h). */
      if (!g_file_test (path, G_FILE_TEST_IS_DIR) ||
          strcmp (name, FOVEA_CATALOG_BANKS_FOLDER) == 0)
        continue;

      const FoveaCatalogModel *earlier = find_model (catalog, name);
      if (earlier != NULL)
        {
          FoveaCatalogModel *model = model_new (path, name, place);
          g_set_error (&model->error, FOVEA_CATALOG_ERROR, FOVEA_CATALOG_ERROR_DUPLICATE,
                       "%s: shadowed by %s, found first", model->path, earlier->path);
          g_ptr_array_add (catalog->models, model);
          continue;
        }
      g_ptr_array_add (catalog->models, scan_model (path, name, place));
    }
}

FoveaModelCatalog *
fovea_model_catalog_scan (const char *bundled_dir, const char *user_dir,
                          const char *preferences_dir)
{
  const char *places[FOVEA_CATALOG_N_PLACES] = { bundled_dir, user_dir, preferences_dir };
  char *canonical[FOVEA_CATALOG_N_PLACES] = { NULL };
  FoveaModelCatalog *catalog = g_atomic_rc_box_new0 (FoveaModelCatalog);

  catalog->models = g_ptr_array_new_with_free_func (catalog_model_free);
  for (int p = 0; p < FOVEA_CATALOG_N_PLACES; p++)
    {
      if (places[p] == NULL || places[p][0] == '\0' || !g_file_test (places[p], G_FILE_TEST_IS_DIR))
        continue;
      /* By device and inode, so that a link to an earlier place is not
       * scanned twice. */
      g_autoptr (GFile) file = g_file_new_for_path (places[p]);
      g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_ID_FILE,
                                                      G_FILE_QUERY_INFO_NONE, NULL, NULL);
      canonical[p] = g_strdup (info != NULL ? g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_ID_FILE)
                                            : places[p]);
      gboolean seen = FALSE;
      for (int q = 0; q < p; q++)
        seen = seen || g_strcmp0 (canonical[q], canonical[p]) == 0;
      if (!seen)
        scan_place (catalog, places[p], (FoveaCatalogPlace) p);
    }
  for (int p = 0; p < FOVEA_CATALOG_N_PLACES; p++)
    g_free (canonical[p]);
  return catalog;
}

char *
fovea_model_catalog_dup_bundled_dir (void)
{
  const char *override = g_getenv ("FOVEA_MODELS_DIR");
  if (override != NULL && override[0] != '\0')
    return g_strdup (override);
  return g_build_filename (FOVEA_PKGDATADIR, "models", NULL);
}

char *
fovea_model_catalog_dup_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "fovea", "models", NULL);
}

FoveaModelCatalog *
fovea_model_catalog_scan_default (const char *preferences_dir)
{
  g_autofree char *bundled = fovea_model_catalog_dup_bundled_dir ();
  g_autofree char *user = fovea_model_catalog_dup_user_dir ();
  return fovea_model_catalog_scan (bundled, user, preferences_dir);
}

static void
catalog_clear (gpointer data)
{
  FoveaModelCatalog *catalog = data;
  g_ptr_array_unref (catalog->models);
}

FoveaModelCatalog *
fovea_model_catalog_ref (FoveaModelCatalog *catalog)
{
  return g_atomic_rc_box_acquire (catalog);
}

void
fovea_model_catalog_unref (FoveaModelCatalog *catalog)
{
  if (catalog != NULL)
    g_atomic_rc_box_release_full (catalog, catalog_clear);
}

guint
fovea_model_catalog_get_n_models (const FoveaModelCatalog *catalog)
{
  return catalog->models->len;
}

const FoveaCatalogModel *
fovea_model_catalog_get_model (const FoveaModelCatalog *catalog, guint index)
{
  g_return_val_if_fail (index < catalog->models->len, NULL);
  return catalog->models->pdata[index];
}

gboolean
fovea_catalog_task_fits_modality (const FoveaCatalogTask *task, FoveaModality modality)
{
  if (task->error != NULL)
    return FALSE;
  return fovea_task_card_fits_modality (task->card, modality);
}

GPtrArray *
fovea_catalog_model_carded_tasks (const FoveaCatalogModel *model, const FoveaModality *modality)
{
  GPtrArray *tasks = g_ptr_array_new ();

  g_return_val_if_fail (model != NULL, tasks);
  for (guint i = 0; model->error == NULL && i < model->tasks->len; i++)
    {
      const FoveaCatalogTask *task = model->tasks->pdata[i];

      if (task->error == NULL && task->card != NULL &&
          (modality == NULL || fovea_catalog_task_fits_modality (task, *modality)))
        g_ptr_array_add (tasks, (gpointer) task);
    }
  return tasks;
}
