/* fovea-batch-view.h: the window showing a folder being graded: progress
 * (n/N, images/s, time left), Cancel, a sortable and filterable results
 * table (file, patient, eye, quality, grade, referable, confidence,
 * error), the list of files that failed, and Export Summary (the batch
 * PDF report). Activating a row asks for its image to be opened
 * ("open-file"). Closing the view does not stop the job.
 *
 * Actions: batch.cancel, batch.export-summary. */
#pragma once

#include <adwaita.h>

#include "fovea-batch-job.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_BATCH_VIEW (fovea_batch_view_get_type ())

G_DECLARE_FINAL_TYPE (FoveaBatchView, fovea_batch_view, FOVEA, BATCH_VIEW, AdwWindow)

/* What the filter drop-down keeps, in its order. */
typedef enum {
  FOVEA_BATCH_FILTER_ALL,
  FOVEA_BATCH_FILTER_REFERABLE,
  FOVEA_BATCH_FILTER_UNGRADABLE,
  FOVEA_BATCH_FILTER_FAILED,
} FoveaBatchFilter;

FoveaBatchView *fovea_batch_view_new             (FoveaBatchJob    *job,
                                                  GtkWindow        *parent);

G_END_DECLS
