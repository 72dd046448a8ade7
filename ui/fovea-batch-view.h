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

typedef enum {
  FOVEA_BATCH_FILTER_ALL,
  FOVEA_BATCH_FILTER_REFERABLE,
  FOVEA_BATCH_FILTER_UNGRADABLE,
  FOVEA_BATCH_FILTER_FAILED,
} FoveaBatchFilter;

FoveaBatchView *fovea_batch_view_new             (FoveaBatchJob    *job,
                                                  GtkWindow        *parent);
/* The rows as shown: filtered, then sorted by the table's columns. */
GListModel     *fovea_batch_view_get_shown_rows  (FoveaBatchView   *self);
GtkColumnView  *fovea_batch_view_get_column_view (FoveaBatchView   *self);
/* The per-file error list: one row per failed file. */
GtkListBox     *fovea_batch_view_get_errors_list (FoveaBatchView   *self);
/* Sets the search entry's text (the table shows rows whose file, patient,
 * eye, quality, grade or error contain it, case-insensitively). */
void            fovea_batch_view_set_search      (FoveaBatchView   *self,
                                                  const char       *text);
void            fovea_batch_view_set_filter      (FoveaBatchView   *self,
                                                  FoveaBatchFilter  filter);
/* Sorts the table by the column of that id ("file", "patient", "eye",
 * "quality", "grade", "referable", "confidence", "error"). */
void            fovea_batch_view_sort_by         (FoveaBatchView   *self,
                                                  const char       *column_id,
                                                  GtkSortType       direction);
/* The progress line as shown, e.g. "3 / 10 · 12.5 images/s · 1 s left". */
const char     *fovea_batch_view_get_progress_text (FoveaBatchView *self);

G_END_DECLS
