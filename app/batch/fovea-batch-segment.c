/* fovea-batch-segment.c: a batch run's segmentation (fovea_batch_set_segmentation):
 * a gradable file, decoded again at its full size, through every
 * segmentation task, just before its records are handed over; the
 * measurements go on each of its records, and the whole result is the
 * record callback's to read (fovea_batch_get_segmentation_result). */
#define G_LOG_DOMAIN "fovea-batch-segment"

#include "fovea-batch-private.h"

/* Whether the file's records have a grade to go with measurements: read,
 * gradable, of a modality the tasks are for, and with a record some task
 * gave (not only errors, such as tasks for another modality's images:
 * with --task auto each model's run visits every file). */
static gboolean
wants_segmentation (const BatchRun *run, const BatchItem *item, FoveaGradeRecord **records)
{
  if (item->error != NULL || item->image == NULL || !item->quality.gradable ||
      !fovea_seg_tasks_fit_modality (run->batch->segmentation, item->modality))
    return FALSE;
  for (guint t = 0; t < run->n_tasks; t++)
    if (records[t]->error == NULL)
      return TRUE;
  return FALSE;
}

FoveaSegResult *
batch_segment_item (BatchRun *run, BatchItem *item, FoveaGradeRecord **records)
{
  if (!wants_segmentation (run, item, records))
    return NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  /* The decoders take turns with this as with the engine. */
  batch_set_engine_busy (run, TRUE);
  FoveaSegResult *result = fovea_seg_tasks_run_file (run->batch->segmentation, item->path,
                                                     &error);
  batch_set_engine_busy (run, FALSE);
  double seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  for (guint t = 0; t < run->n_tasks; t++)
    {
      FoveaGradeRecord *record = records[t];
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
  return result;
}
