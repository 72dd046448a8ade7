/* fovea-batch-identity.c: the settings that make a batch run's results
 * (fovea-run-identity.h), so a resumed run can be checked to be the same. */
#define G_LOG_DOMAIN "fovea-batch-identity"

#include "fovea-batch-private.h"

#include <stdlib.h>

#include "fovea-hash-cache.h"

/* The folder as an absolute path with links resolved: the same folder
 * reached another way is the same run. */
static char *
folder_identity (const char *folder)
{
  char *real = realpath (folder, NULL);
  if (real == NULL)
    return g_canonicalize_filename (folder, NULL);
  char *copy = g_strdup (real);
  free (real);
  return copy;
}

/* "vessels: /models/vessels (sha256 …); …": the models that make the
 * measurement columns. */
static gboolean
describe_segmentation (const FoveaSegTasks *tasks, FoveaRunIdentity *identity, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  for (guint t = 0; t < fovea_seg_tasks_get_n (tasks); t++)
    {
      const FoveaSegmenter *segmenter = fovea_seg_tasks_get (tasks, t);
      g_autofree char *dir = folder_identity (fovea_segmenter_get_dir (segmenter));
      g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
      g_autofree char *sha = fovea_file_sha256 (weights, NULL, error);
      if (sha == NULL)
        return FALSE;
      g_string_append_printf (text, "%s%s: %s (sha256 %s)", t ? "; " : "",
                              fovea_segmenter_get_card (segmenter)->name, dir, sha);
    }
  fovea_run_identity_add (identity, "segmentation", text->str);
  return TRUE;
}

/* The identity of a run whose tasks are resolved. */
static FoveaRunIdentity *
describe (const BatchRun *run, GError **error)
{
  FoveaBatch *batch = run->batch;
  const FoveaEngineTask *backbone = fovea_engine_get_task (batch->engine, 0);
  g_autofree char *backbone_sha = fovea_file_sha256 (backbone->weights_path, NULL, error);
  if (backbone_sha == NULL)
    return NULL;

  FoveaRunIdentity *identity = fovea_run_identity_new ();
  g_autoptr (GString) folders = g_string_new (NULL);
  for (guint i = 0; i < batch->folders->len; i++)
    {
      g_autofree char *folder = folder_identity (batch->folders->pdata[i]);
      g_string_append_printf (folders, "%s%s", i ? "; " : "", folder);
    }
  fovea_run_identity_add (identity, "folders", folders->str);
  fovea_run_identity_add (identity, "recursive", batch->recursive ? "yes" : "no");
  g_autofree char *shard = g_strdup_printf ("%u/%u", batch->shard, batch->n_shards);
  fovea_run_identity_add (identity, "shard", shard);
  fovea_run_identity_add (identity, "modality", batch->modality == FOVEA_MODALITY_UNKNOWN
                          ? "guessed per image" : fovea_modality_to_string (batch->modality));
  g_autoptr (GString) tasks = g_string_new (NULL);
  for (guint t = 0; t < run->n_tasks; t++)
    g_string_append_printf (tasks, "%s%s", t ? ", " : "", run->tasks[t].task->name);
  fovea_run_identity_add (identity, "tasks", tasks->str);
  fovea_run_identity_add (identity, "backbone sha256", backbone_sha);
  for (guint t = 0; t < run->n_tasks; t++)
    {
      g_autofree char *key = g_strdup_printf ("sha256 of task %s", run->tasks[t].task->name);
      fovea_run_identity_add (identity, key, run->tasks[t].sha256);
    }
  g_autofree char *thresholds = batch->thresholds != NULL
                                ? g_strjoinv (", ", batch->thresholds) : g_strdup ("");
  fovea_run_identity_add (identity, "thresholds", thresholds);
  /* Only when asked: a run without it keeps the record it always had. */
  if (batch->segmentation != NULL && !describe_segmentation (batch->segmentation, identity, error))
    {
      fovea_run_identity_free (identity);
      return NULL;
    }
  return identity;
}

FoveaRunIdentity *
fovea_batch_get_identity (FoveaBatch *batch, GError **error)
{
  BatchRun run = { .batch = batch };
  FoveaRunIdentity *identity = batch_resolve_tasks (&run, error) ? describe (&run, error) : NULL;
  for (guint t = 0; t < run.n_tasks; t++)
    g_free (run.tasks[t].sha256);
  g_free (run.tasks);
  g_free (run.model_name);
  return identity;
}
