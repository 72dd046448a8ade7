/* fovea-batch-job.h: one folder being graded for the GUI, in a GTask
 * thread, with its results kept as FoveaBatchRows.
 *
 * The job belongs to the review window, not to the batch view that shows
 * it: closing the view leaves it running. The worker thread runs
 * fovea_batch_run (fovea-batch.h) on an engine of its own (so the review
 * window's analyses go on meanwhile); every record and progress report is
 * handed to the main thread as an idle source, in order, where the rows are
 * appended and the properties notified. Nothing is touched from the worker
 * but the job's own locked pause state. */
#pragma once

#include <gio/gio.h>

#include "fovea-batch.h"
#include "fovea-model-catalog.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_BATCH_JOB (fovea_batch_job_get_type ())

G_DECLARE_FINAL_TYPE (FoveaBatchJob, fovea_batch_job, FOVEA, BATCH_JOB, GObject)

/* Grades folder (recursively or not) with tasks (FoveaCatalogTask*, all of
 * model, both in catalog, which the job keeps a reference to). */
FoveaBatchJob      *fovea_batch_job_new           (FoveaModelCatalog       *catalog,
                                                   const FoveaCatalogModel *model,
                                                   GPtrArray               *tasks,
                                                   const char              *folder,
                                                   gboolean                 recursive);
/* Starts the worker; once only. "running" turns TRUE now and FALSE when it
 * has finished, failed or been cancelled. */
void                fovea_batch_job_start         (FoveaBatchJob *self);
void                fovea_batch_job_cancel        (FoveaBatchJob *self);

const char         *fovea_batch_job_get_folder    (FoveaBatchJob *self);
/* FoveaBatchRow, in the order the batch finished them. */
GListModel         *fovea_batch_job_get_rows      (FoveaBatchJob *self);
gboolean            fovea_batch_job_get_running   (FoveaBatchJob *self);
gboolean            fovea_batch_job_get_cancelled (FoveaBatchJob *self);
/* The last progress report (zeros and NaN ETA before the first). */
const FoveaBatchProgress *fovea_batch_job_get_progress (FoveaBatchJob *self);
/* Why the whole batch failed (not a file: those are rows); NULL if not. */
const char         *fovea_batch_job_get_error_message (FoveaBatchJob *self);
/* "n / N · x images/s · y s left" */
char               *fovea_batch_job_dup_progress_text (FoveaBatchJob *self);
/* 0…1 */
double              fovea_batch_job_get_fraction  (FoveaBatchJob *self);

/* While paused, the worker waits after each finished file until resumed
 * or cancelled: lets tests see and cancel a running batch however fast
 * the model is. Any thread. */
void                fovea_batch_job_set_paused    (FoveaBatchJob *self,
                                                   gboolean       paused);

G_END_DECLS
