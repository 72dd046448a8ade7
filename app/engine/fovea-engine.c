/* fovea-engine.c: the backbone, its tasks and their cards. */
#define G_LOG_DOMAIN "fovea-engine"

#include "fovea-engine-private.h"
#include "fovea-hash-cache.h"
#include "fovea-model-weights.h"

#include <string.h>

G_DEFINE_QUARK (fovea-engine-error-quark, fovea_engine_error)

#define CARD_FILE "task_card.json"
#define MELO_SUFFIX ".safetensors"
#define MELO_CARD_SUFFIX ".task_card.json"

static void
engine_task_free (gpointer data)
{
  FoveaEngineTask *task = data;
  g_free (task->name);
  g_free (task->weights_path);
  fovea_engine_adapter_free (task->adapter);
  fovea_task_card_free (task->card);
  g_strfreev (task->label_names);
  g_free (task->card_path);
  g_free (task);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngineTask, engine_task_free)

void
fovea_engine_free (FoveaEngine *engine)
{
  if (engine == NULL)
    return;
  if (engine->runs != NULL)
    {
      fovea_engine_runs_clear (engine->runs);
      g_array_unref (engine->runs);
    }
  /* The Grad-CAM models refer to the tasks' adapters and the backbone. */
  g_clear_pointer (&engine->gradcam, g_hash_table_unref);
  if (engine->tasks != NULL)
    g_ptr_array_unref (engine->tasks);
  fovea_engine_backbone_free (engine->backbone);
  g_free (engine);
}

/* A card's hash must be that of the weights it sits next to. The hash
 * comes through the cache: hashing ViT-B/16 alone takes about a second. */
static gboolean
check_card_hash (FoveaEngineTask *task, GError **error)
{
  if (task->card->sha256 == NULL)
    return TRUE;

  g_autoptr (GError) local_error = NULL;
  g_autofree char *actual = fovea_file_sha256 (task->weights_path, NULL, &local_error);
  if (actual == NULL)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_CARD,
                   "%s: cannot check its provenance.sha256: %s",
                   task->card_path, local_error->message);
      return FALSE;
    }
  if (strcmp (actual, task->card->sha256) != 0)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_CARD,
                   "%s: provenance.sha256 is %s, but %s has %s: the card describes "
                   "other weights", task->card_path, task->card->sha256,
                   task->weights_path, actual);
      return FALSE;
    }
  return TRUE;
}

/* Reads the card at card_path, if there is one, and checks it against the
 * task's outputs and weights. */
static gboolean
attach_card (FoveaEngine *engine, FoveaEngineTask *task, const char *card_path,
             GError **error)
{
  if (g_file_test (card_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GError) local_error = NULL;
      task->card = fovea_task_card_load_file (card_path, error);
      if (task->card == NULL)
        return FALSE;
      task->card_path = g_strdup (card_path);
      if (!fovea_task_card_check_outputs (task->card, task->n_outputs, &local_error))
        {
          g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_CARD,
                       "%s: %s", card_path, local_error->message);
          return FALSE;
        }
      if (!check_card_hash (task, error))
        return FALSE;
    }
  fovea_preprocess_init_pretrained (&task->preprocess,
                                    fovea_engine_backbone_get_pretrained (engine->backbone),
                                    task->card);
  return TRUE;
}

/* config.json's label_names for the backbone's own head, when there is
 * one they name: a list that does not fit is left out rather than put
 * on the wrong outputs. */
static gboolean
read_label_names (FoveaEngineTask *task, const char *model_dir, GError **error)
{
  g_auto (GStrv) names = NULL;
  if (!fovea_hub_config_read_label_names (model_dir, &names, error))
    return FALSE;
  if (names != NULL && g_strv_length (names) == (guint) task->n_outputs)
    task->label_names = g_steal_pointer (&names);
  else if (names != NULL)
    g_debug ("%s/config.json: %u label_names for %d outputs; left out", model_dir,
             g_strv_length (names), task->n_outputs);
  return TRUE;
}

static gboolean
add_task (FoveaEngine *engine, FoveaEngineTask *task, const char *fallback_name,
          GError **error)
{
  task->name = g_strdup (task->card != NULL ? task->card->name : fallback_name);
  if (fovea_engine_find_task (engine, task->name) >= 0)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_TASK,
                   "%s: a task named “%s” is already loaded",
                   task->card_path != NULL ? task->card_path : task->weights_path,
                   task->name);
      return FALSE;
    }
  g_ptr_array_add (engine->tasks, task);
  return TRUE;
}

FoveaEngine *
fovea_engine_new (const char *model_dir, int n_threads, GError **error)
{
  return fovea_engine_new_with_precision (model_dir, n_threads, FOVEA_PRECISION_AUTO, error);
}

FoveaPrecision
fovea_engine_get_precision (const FoveaEngine *engine)
{
  return fovea_engine_backbone_get_precision (engine->backbone);
}

FoveaEngine *
fovea_engine_new_with_precision (const char *model_dir, int n_threads,
                                 FoveaPrecision precision, GError **error)
{
  g_return_val_if_fail (model_dir != NULL, NULL);

  g_autoptr (FoveaEngine) engine = g_new0 (FoveaEngine, 1);
  engine->n_threads = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  engine->tasks = g_ptr_array_new_with_free_func (engine_task_free);
  engine->runs = g_array_new (FALSE, TRUE, sizeof (FoveaEngineRun));
  engine->backbone = fovea_engine_backbone_load (model_dir, precision, error);
  if (engine->backbone == NULL)
    return NULL;

  g_autoptr (FoveaEngineTask) task = g_new0 (FoveaEngineTask, 1);
  /* The file the backbone was read from, which its card's hash is of. */
  task->weights_path = fovea_model_weights_find (model_dir);
  if (task->weights_path == NULL)  /* removed since: the hash check says so */
    task->weights_path = g_build_filename (model_dir, FOVEA_MODEL_WEIGHTS_SAFETENSORS, NULL);
  task->n_outputs = fovea_engine_backbone_get_n_outputs (engine->backbone, NULL);
  g_autofree char *card_path = g_build_filename (model_dir, CARD_FILE, NULL);
  if (!read_label_names (task, model_dir, error) ||
      !attach_card (engine, task, card_path, error) ||
      !add_task (engine, task, "backbone", error))
    return NULL;
  g_steal_pointer (&task);
  return g_steal_pointer (&engine);
}

int
fovea_engine_add_adapter (FoveaEngine *engine, const char *path,
                          const FoveaAdapterOptions *options, GError **error)
{
  g_return_val_if_fail (engine != NULL && path != NULL, -1);

  g_autoptr (FoveaEngineTask) task = g_new0 (FoveaEngineTask, 1);
  task->adapter = fovea_engine_adapter_load (engine->backbone, path, options, error);
  if (task->adapter == NULL)
    return -1;
  task->n_outputs = fovea_engine_backbone_get_n_outputs (engine->backbone, task->adapter);

  /* PEFT folder, or MeLo file with its card beside it. */
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *card_path = NULL;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      task->weights_path = g_build_filename (path, "adapter_model.safetensors", NULL);
      card_path = g_build_filename (path, CARD_FILE, NULL);
    }
  else
    {
      task->weights_path = g_strdup (path);
      if (g_str_has_suffix (base, MELO_SUFFIX))
        base[strlen (base) - strlen (MELO_SUFFIX)] = '\0';
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *card_name = g_strconcat (base, MELO_CARD_SUFFIX, NULL);
      card_path = g_build_filename (dir, card_name, NULL);
    }
  if (!attach_card (engine, task, card_path, error) ||
      !add_task (engine, task, base, error))
    return -1;
  g_steal_pointer (&task);
  return (int) engine->tasks->len - 1;
}

void
fovea_engine_set_rollout (FoveaEngine *engine, gboolean rollout)
{
  g_return_if_fail (engine != NULL);
  engine->rollout = rollout;
}

gboolean
fovea_engine_has_attention (const FoveaEngine *engine)
{
  return fovea_engine_backbone_get_vit (engine->backbone) != NULL;
}

FoveaBackboneFamily
fovea_engine_get_family (const FoveaEngine *engine)
{
  return fovea_engine_backbone_get_family (engine->backbone);
}

int
fovea_engine_get_n_threads (const FoveaEngine *engine)
{
  return engine->n_threads;
}

guint
fovea_engine_get_n_tasks (const FoveaEngine *engine)
{
  return engine->tasks->len;
}

const FoveaEngineTask *
fovea_engine_get_task (const FoveaEngine *engine, guint index)
{
  g_return_val_if_fail (index < engine->tasks->len, NULL);
  return engine->tasks->pdata[index];
}

int
fovea_engine_find_task (const FoveaEngine *engine, const char *name)
{
  for (guint i = 0; i < engine->tasks->len; i++)
    {
      const FoveaEngineTask *task = engine->tasks->pdata[i];
      if (g_strcmp0 (task->name, name) == 0)
        return (int) i;
    }
  return -1;
}
