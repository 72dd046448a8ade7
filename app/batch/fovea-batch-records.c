/* fovea-batch-records.c: a batch run's records: made for each file and
 * task with the grade-record builder, and handed to the record callback
 * in file then task order, with progress after each file. */
#define G_LOG_DOMAIN "fovea-batch-records"

#include "fovea-batch-private.h"

#include <math.h>

#include "fovea-grade-record-build.h"
#include "fovea-model-error.h"

gboolean
batch_error_is_retryable (const GError *error)
{
  return g_error_matches (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_IO) ||
         g_error_matches (error, FOVEA_DECODE_ERROR, FOVEA_DECODE_ERROR_NO_MEMORY) ||
         g_error_matches (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY) ||
         g_error_matches (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY) ||
         g_error_matches (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_NO_MEMORY) ||
         g_error_matches (error, G_THREAD_ERROR, G_THREAD_ERROR_AGAIN);
}

FoveaGradeRecord *
batch_new_record (const BatchRun *run, const BatchItem *item, const BatchTask *rt)
{
  const FoveaTaskCard *card = rt->task->card;
  const FoveaGradeSource source = {
    .path = item->path,
    .patient_id = item->patient_id,
    .eye = item->eye,
    .modality = item->modality,
    .quality = &item->quality,
    .task_name = rt->task->name,
    .card = card,
    .model_name = run->model_name,
    .adapter = rt->index != 0,
    .model_sha256 = rt->sha256,
    .seconds = item->seconds,
  };
  FoveaGradeRecord *record = fovea_grade_record_build (&source);

  if (item->error != NULL)
    {
      record->error = g_strdup (item->error);
      record->retryable = item->retryable;
    }
  else if (item->image != NULL && !fovea_task_card_fits_modality (card, item->modality))
    {
      record->not_for_task = TRUE;
      record->error = g_strdup_printf ("the image looks like %s, but task %s is for %s images "
                                       "(give the modality if it is one)",
                                       fovea_modality_to_string (item->modality), rt->task->name,
                                       fovea_modality_to_string (card->modality));
    }
  return record;
}

static void
report_progress (BatchRun *run, FoveaBatchProgress *progress, gint64 start)
{
  progress->elapsed_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  progress->images_per_s = progress->elapsed_s > 0 ? progress->n_done / progress->elapsed_s : 0;
  progress->eta_s = progress->images_per_s > 0
                    ? (progress->n_total - progress->n_done) / progress->images_per_s : NAN;
  if (run->batch->progress_func != NULL)
    run->batch->progress_func (progress, run->batch->user_data);
}

gboolean
batch_deliver_group (BatchRun *run, BatchItem **group, guint n_group, FoveaGradeRecord ***records,
                     FoveaBatchProgress *progress, gint64 start, GError **error)
{
  gboolean ok = TRUE;
  for (guint i = 0; i < n_group; i++)
    {
      /* A task for another modality leaves the file ungradable by it, as
       * its row says, not failed. */
      gboolean failed = FALSE, not_for_task = FALSE;
      g_autoptr (FoveaSegResult) segmentation = NULL;
      if (ok && run->batch->segmentation != NULL)
        segmentation = batch_segment_item (run, group[i], records[i]);
      run->batch->current_segmentation = segmentation;
      for (guint t = 0; t < run->n_tasks; t++)
        {
          FoveaGradeRecord *record = records[i][t];
          failed |= record->error != NULL && !record->not_for_task;
          not_for_task |= record->not_for_task;
          if (ok && run->batch->record_func != NULL &&
              !run->batch->record_func (record, group[i]->image, t + 1 == run->n_tasks,
                                        run->batch->user_data, error))
            ok = FALSE;
          fovea_grade_record_free (record);
        }
      run->batch->current_segmentation = NULL;
      g_free (records[i]);
      if (!ok)
        continue;
      progress->n_done++;
      if (failed)
        progress->n_failed++;
      else if (!group[i]->quality.gradable || not_for_task)
        progress->n_ungradable++;
      report_progress (run, progress, start);
    }
  return ok;
}
