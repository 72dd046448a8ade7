/* fovea-cli-engine.c: loading the engine for `infer`, `bench`, `grade`,
 * `report`, `explain` and `evaluate`, and the options they share. */
#define G_LOG_DOMAIN "fovea-cli-engine"

#include "config.h"

#include <stdio.h>

#include "fovea-cli-engine.h"
#include "fovea-model-catalog.h"

/* --precision: one process runs one command, so the setting lives here,
 * with the code that applies it. */
static FoveaPrecision precision_option = FOVEA_PRECISION_AUTO;

static gboolean
parse_precision_cb (const char *name, const char *value, gpointer data, GError **error)
{
  return fovea_precision_parse (value, &precision_option, error);
}

void
fovea_cli_engine_add_options (GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "precision", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) parse_precision_cb,
      "Arithmetic of the model's big matrix products: fp32, bf16 (CPUs with "
      "AVX512-BF16; outputs differ by about 1e-2) or auto (fp32 until tasks are "
      "measured in bf16; the default)", "auto|fp32|bf16" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

static const FoveaCatalogTask *
find_task (const FoveaCatalogModel *model, const char *name)
{
  for (guint i = 0; i < model->tasks->len; i++)
    {
      const FoveaCatalogTask *task = g_ptr_array_index (model->tasks, i);
      if (task->error == NULL && g_strcmp0 (task->name, name) == 0)
        return task;
    }
  return NULL;
}

static gboolean
has_tasks (const FoveaCatalogModel *model, const char *const *names)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    if (find_task (model, names[i]) == NULL)
      return FALSE;
  return model->error == NULL && model->tasks->len > 0;
}

/* The installed model that has the named tasks, and the adapters to load:
 * the named tasks', or every adapter of the model. */
static const FoveaCatalogModel *
choose_installed (const FoveaModelCatalog *catalog, const char *const *names,
                  GPtrArray *adapters)
{
  for (guint m = 0; m < fovea_model_catalog_get_n_models (catalog); m++)
    {
      const FoveaCatalogModel *model = fovea_model_catalog_get_model (catalog, m);
      if (!has_tasks (model, names))
        continue;
      for (guint i = 0; i < model->tasks->len; i++)
        {
          const FoveaCatalogTask *task = g_ptr_array_index (model->tasks, i);
          gboolean named = names == NULL || names[0] == NULL ||
                           g_strv_contains (names, task->name);
          if (task->error == NULL && task->path != NULL && named)
            g_ptr_array_add (adapters, task->path);
        }
      g_ptr_array_add (adapters, NULL);
      return model;
    }
  return NULL;
}

FoveaEngine *
fovea_cli_load_engine (const char *command, const char *model_dir,
                       const char *const *adapters, const char *const *task_names,
                       int melo_scale, int n_threads)
{
  g_autoptr (FoveaModelCatalog) catalog = NULL;
  g_autoptr (GPtrArray) installed = g_ptr_array_new ();

  if (model_dir == NULL && adapters != NULL && adapters[0] != NULL)
    {
      fprintf (stderr, "fovea-cli %s: --adapter needs --model DIR\n", command);
      return NULL;
    }
  if (model_dir == NULL)
    {
      catalog = fovea_model_catalog_scan_default (NULL);
      const FoveaCatalogModel *model = choose_installed (catalog, task_names, installed);
      if (model == NULL)
        {
          g_autofree char *wanted = task_names != NULL && task_names[0] != NULL
            ? g_strjoinv (", ", (char **) task_names) : g_strdup ("any task");
          g_autofree char *bundled = fovea_model_catalog_dup_bundled_dir ();
          fprintf (stderr, "fovea-cli %s: no installed model has %s (looked in %s and the "
                   "user's models folder); give --model DIR\n", command, wanted, bundled);
          return NULL;
        }
      fprintf (stderr, "fovea-cli %s: using the installed model %s\n", command, model->path);
      model_dir = model->path;
      adapters = (const char *const *) installed->pdata;
    }
  if (melo_scale < 0)
    {
      fprintf (stderr, "fovea-cli %s: --melo-scale must be positive\n", command);
      return NULL;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new_with_precision (model_dir, n_threads,
                                                                    precision_option, &error);
  if (engine == NULL)
    {
      fprintf (stderr, "fovea-cli %s: %s\n", command, error->message);
      return NULL;
    }
  const FoveaAdapterOptions options = { .melo_scale = melo_scale };
  for (guint i = 0; adapters != NULL && adapters[i] != NULL; i++)
    {
      if (fovea_engine_add_adapter (engine, adapters[i], &options, &error) < 0)
        {
          fprintf (stderr, "fovea-cli %s: %s\n", command, error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&engine);
}
