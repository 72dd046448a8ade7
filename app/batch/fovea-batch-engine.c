/* fovea-batch-engine.c: the engine's side of a batch run: which tasks
 * run (and the hashes of their weights), and groups of decoded images
 * through the engine, one forward pass per task. */
#define G_LOG_DOMAIN "fovea-batch-engine"

#include "fovea-batch-private.h"

#include <math.h>
#include <string.h>

#include "fovea-grade-record-build.h"
#include "fovea-hash-cache.h"
#include "fovea-quality.h"

/* Quality is measured at ≤ 512 px (fovea-quality.h): decode not much
 * smaller (FOVEA_QUALITY_MIN_DECODE_SIZE). 448 lets a 2000 px JPEG decode at 1/4 (500 px) rather than 1/2,
 * which bench-grade measured at 0.77 → 0.87 of the engine's images/s on 2
 * cores; the resolution verdict is corrected for the scale. */

gboolean
batch_resolve_tasks (BatchRun *run, GError **error)
{
  FoveaEngine *engine = run->batch->engine;
  g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_tasks = fovea_engine_get_n_tasks (engine);
  if (run->batch->task_names == NULL)
    for (guint i = n_tasks > 1 ? 1 : 0; i < n_tasks; i++)
      g_array_append_val (indices, i);
  else
    for (guint n = 0; run->batch->task_names[n] != NULL; n++)
      {
        int found = fovea_engine_find_task (engine, run->batch->task_names[n]);
        if (found < 0)
          {
            g_autoptr (GString) names = g_string_new (NULL);
            for (guint i = 0; i < n_tasks; i++)
              g_string_append_printf (names, "%s%s", i ? ", " : "",
                                      fovea_engine_get_task (engine, i)->name);
            g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                         "no task named “%s” (loaded: %s)", run->batch->task_names[n],
                         names->str);
            return FALSE;
          }
        guint index = (guint) found;
        g_array_append_val (indices, index);
      }

  const FoveaEngineTask *backbone = fovea_engine_get_task (engine, 0);
  g_autofree char *model_dir = g_path_get_dirname (backbone->weights_path);
  run->model_name = g_path_get_basename (model_dir);
  run->n_tasks = indices->len;
  run->tasks = g_new0 (BatchTask, run->n_tasks);
  int min_size = FOVEA_QUALITY_MIN_DECODE_SIZE;
  for (guint t = 0; t < run->n_tasks; t++)
    {
      BatchTask *rt = &run->tasks[t];
      rt->index = g_array_index (indices, guint, t);
      rt->task = fovea_engine_get_task (engine, rt->index);
      rt->sha256 = fovea_file_sha256 (rt->task->weights_path, NULL, error);
      if (rt->sha256 == NULL)
        return FALSE;
      min_size = MAX (min_size, fovea_preprocess_decode_size (&rt->task->preprocess));
    }
  fovea_decode_options_init (&run->decode);
  run->decode.min_width = min_size;
  run->decode.min_height = min_size;
  return TRUE;
}

void
batch_grade_group (BatchRun *run, BatchItem **group, guint n_group, FoveaGradeRecord ***records)
{
  for (guint t = 0; t < run->n_tasks; t++)
    {
      const BatchTask *rt = &run->tasks[t];
      const FoveaPreprocess *pre = &rt->task->preprocess;
      gsize size = (gsize) 3 * pre->height * pre->width;
      g_autofree float *pixels = g_new (float, size * n_group);
      g_autofree guint *which = g_new (guint, n_group);
      int n = 0;
      for (guint i = 0; i < n_group; i++)
        if (group[i]->error == NULL && group[i]->tensors != NULL && group[i]->tensors[t] != NULL)
          {
            memcpy (pixels + size * (gsize) n, group[i]->tensors[t], size * sizeof (float));
            which[n++] = i;
          }
      if (n == 0)
        continue;

      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      batch_set_engine_busy (run, TRUE);
      g_autoptr (FoveaEngineOutput) output = fovea_engine_run_tensor (run->batch->engine,
                                                                      rt->index, pixels, n,
                                                                      pre->height, pre->width,
                                                                      &error);
      batch_set_engine_busy (run, FALSE);
      double per_image = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC / n;
      for (int k = 0; k < n; k++)
        {
          FoveaGradeRecord *record = records[which[k]][t];
          if (output == NULL)
            {
              record->error = g_strdup (error->message);
              record->retryable = batch_error_is_retryable (error);
            }
          else
            {
              fovea_grade_record_set_outcome (record, rt->task->card, output, k, 0);
              record->seconds += per_image;
            }
        }
    }
}
