/* fovea-batch.c: grading a folder: the batch's configuration, and the
 * run: decoder threads (fovea-batch-decode.c) feed a bounded, ordered
 * window; the calling thread takes groups from it through the engine
 * (fovea-batch-engine.c) and hands their records over in order
 * (fovea-batch-records.c). */
#define G_LOG_DOMAIN "fovea-batch"

#include "fovea-batch-private.h"

#include <math.h>

G_DEFINE_QUARK (fovea-batch-error-quark, fovea_batch_error)

/* Configuration */

FoveaBatch *
fovea_batch_new (FoveaEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  FoveaBatch *batch = g_new0 (FoveaBatch, 1);
  batch->engine = engine;
  batch->folders = g_ptr_array_new_with_free_func (g_free);
  batch->n_shards = 1;
  return batch;
}

void
fovea_batch_free (FoveaBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->folders);
  g_strfreev (batch->task_names);
  g_strfreev (batch->thresholds);
  g_clear_pointer (&batch->skip, g_hash_table_unref);
  g_clear_pointer (&batch->files, g_ptr_array_unref);
  g_free (batch);
}

static void
forget_files (FoveaBatch *batch)
{
  g_clear_pointer (&batch->files, g_ptr_array_unref);
}

void
fovea_batch_add_folder (FoveaBatch *batch, const char *folder)
{
  g_return_if_fail (batch != NULL && folder != NULL);
  g_ptr_array_add (batch->folders, g_strdup (folder));
  forget_files (batch);
}

void
fovea_batch_set_recursive (FoveaBatch *batch, gboolean recursive)
{
  batch->recursive = recursive;
  forget_files (batch);
}

void
fovea_batch_set_tasks (FoveaBatch *batch, const char *const *task_names)
{
  g_strfreev (batch->task_names);
  batch->task_names = task_names != NULL && task_names[0] != NULL
                      ? g_strdupv ((char **) task_names) : NULL;
}

void
fovea_batch_set_jobs (FoveaBatch *batch, int jobs)
{
  batch->jobs = jobs;
}

void
fovea_batch_set_modality (FoveaBatch *batch, FoveaModality modality)
{
  g_return_if_fail (batch != NULL);
  batch->modality = modality;
}

void
fovea_batch_set_schedule (FoveaBatch *batch, FoveaBatchSchedule schedule)
{
  g_return_if_fail (batch != NULL);
  batch->schedule = schedule;
}

void
fovea_batch_set_shard (FoveaBatch *batch, guint shard, guint n_shards)
{
  batch->shard = shard;
  batch->n_shards = n_shards;
  forget_files (batch);
}

void
fovea_batch_set_skip (FoveaBatch *batch, GHashTable *done_paths)
{
  g_clear_pointer (&batch->skip, g_hash_table_unref);
  if (done_paths != NULL)
    batch->skip = g_hash_table_ref (done_paths);
}

void
fovea_batch_set_thresholds (FoveaBatch *batch, const char *const *overrides)
{
  g_return_if_fail (batch != NULL);
  g_strfreev (batch->thresholds);
  batch->thresholds = g_strdupv ((char **) overrides);
}

void
fovea_batch_set_segmentation (FoveaBatch *batch, FoveaSegTasks *tasks)
{
  g_return_if_fail (batch != NULL);
  batch->segmentation = tasks;
}

const FoveaSegResult *
fovea_batch_get_segmentation_result (const FoveaBatch *batch)
{
  g_return_val_if_fail (batch != NULL, NULL);
  return batch->current_segmentation;
}

void
fovea_batch_set_callbacks (FoveaBatch *batch, FoveaBatchRecordFunc record_func,
                           FoveaBatchProgressFunc progress_func, gpointer user_data)
{
  batch->record_func = record_func;
  batch->progress_func = progress_func;
  batch->user_data = user_data;
}

/* Running */

static void
run_clear (BatchRun *run)
{
  for (guint t = 0; t < run->n_tasks; t++)
    g_free (run->tasks[t].sha256);
  g_free (run->tasks);
  g_free (run->model_name);
  for (guint i = 0; i < run->n_items; i++)
    batch_item_free (run->items[i]);
  g_free (run->items);
  g_mutex_clear (&run->mutex);
  g_cond_clear (&run->cond);
}

gboolean
fovea_batch_run (FoveaBatch *batch, GCancellable *cancellable, FoveaBatchProgress *out_progress,
                 GError **error)
{
  g_return_val_if_fail (batch != NULL, FALSE);
  FoveaBatchProgress progress = { 0 };
  progress.eta_s = NAN;
  if (out_progress != NULL)
    *out_progress = progress;

  const GPtrArray *files = fovea_batch_list_files (batch, error);
  if (files == NULL)
    return FALSE;

  BatchRun run = { 0 };
  run.batch = batch;
  g_mutex_init (&run.mutex);
  g_cond_init (&run.cond);
  if (!batch_resolve_thresholds (&run, error) || !batch_resolve_tasks (&run, error))
    {
      run_clear (&run);
      return FALSE;
    }
  run.items = g_new0 (BatchItem *, files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      /* The CSV holds display names (fovea_csv_record_fields). */
      g_autofree char *shown = batch->skip != NULL ? g_filename_display_name (path) : NULL;
      if (shown != NULL && g_hash_table_contains (batch->skip, shown))
        continue;
      BatchItem *item = g_new0 (BatchItem, 1);
      item->path = path;
      run.items[run.n_items++] = item;
    }
  progress.n_total = run.n_items;

  g_autoptr (GPtrArray) threads = batch_start_decoders (&run);

  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;
  guint pos = 0;
  while (ok && pos < run.n_items)
    {
      BatchItem *group[BATCH_MAX_GROUP];
      guint n_group = 0;
      int n_gradable = 0;
      while (pos < run.n_items && n_group < BATCH_MAX_GROUP && n_gradable < FOVEA_BATCH_SIZE)
        {
          if (!batch_wait_ready (&run, pos, cancellable))
            break;
          BatchItem *item = run.items[pos++];
          group[n_group++] = item;
          if (item->error == NULL && item->tensors != NULL)
            n_gradable++;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }

      FoveaGradeRecord **records[BATCH_MAX_GROUP];
      for (guint i = 0; i < n_group; i++)
        {
          records[i] = g_new (FoveaGradeRecord *, run.n_tasks);
          for (guint t = 0; t < run.n_tasks; t++)
            records[i][t] = batch_new_record (&run, group[i], &run.tasks[t]);
        }
      batch_grade_group (&run, group, n_group, records);
      ok = batch_deliver_group (&run, group, n_group, records, &progress, start, error);
      batch_release_items (&run, pos);
    }
  batch_stop_decoders (&run, threads);

  if (out_progress != NULL)
    *out_progress = progress;
  run_clear (&run);
  return ok;
}
