/* fovea-batch-segment.c: a batch run's segmentation (fovea_batch_set_segmentation):
 * each gradable file of a group, decoded again at its full size, through
 * every segmentation task; the measurements go on each of its records. */
#define G_LOG_DOMAIN "fovea-batch-segment"

#include "fovea-batch-private.h"

/* Whether the file's records have a grade to go with measurements: read,
 * gradable, and of a modality the tasks are for. */
static gboolean
wants_segmentation (const BatchRun *run, const BatchItem *item)
{
  return item->error == NULL && item->image != NULL && item->quality.gradable &&
         fovea_seg_tasks_fit_modality (run->batch->segmentation, item->modality);
}

void
batch_segment_group (BatchRun *run, BatchItem **group, guint n_group,
                     FoveaGradeRecord ***records)
{
  for (guint i = 0; i < n_group; i++)
    {
      if (!wants_segmentation (run, group[i]))
        continue;
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      /* The decoders take turns with this as with the engine. */
      batch_set_engine_busy (run, TRUE);
      g_autoptr (FoveaSegResult) result = fovea_seg_tasks_run_file (run->batch->segmentation,
                                                                    group[i]->path, &error);
      batch_set_engine_busy (run, FALSE);
      double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      for (guint t = 0; t < run->n_tasks; t++)
        {
          FoveaGradeRecord *record = records[i][t];
          record->seconds += seconds;
          if (record->error != NULL)
            continue;  /* the engine's error, or not for this task: it stands */
          if (result == NULL)
            {
              record->error = g_strdup (error->message);
              record->retryable = batch_error_is_retryable (error);
            }
          else
            record->segmentation = fovea_seg_measures_copy (result->measures);
        }
    }
}
