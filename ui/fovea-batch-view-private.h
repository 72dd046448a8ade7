/* fovea-batch-view-private.h: the batch view's table, errors and
 * progress line, and driving its search, filter and sort as a user
 * would, for the display tests. */
#pragma once

#include "fovea-batch-view.h"

G_BEGIN_DECLS

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
