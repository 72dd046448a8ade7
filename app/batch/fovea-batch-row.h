/* fovea-batch-row.h: one row of the batch view's results table, a GObject
 * wrapping a FoveaGradeRecord, with the text of each column as properties
 * so that sorters and filters can reach them through expressions. */
#pragma once

#include <glib-object.h>

#include "fovea-grade-record.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_BATCH_ROW (fovea_batch_row_get_type ())

G_DECLARE_FINAL_TYPE (FoveaBatchRow, fovea_batch_row, FOVEA, BATCH_ROW, GObject)

/* Takes ownership of record. folder, when not NULL, is the batch's folder:
 * "file" is then the path relative to it. */
FoveaBatchRow          *fovea_batch_row_new                (FoveaGradeRecord *record,
                                                            const char       *folder);
const FoveaGradeRecord *fovea_batch_row_get_record         (FoveaBatchRow    *self);
/* The columns' text: file (relative to the batch folder), patient, eye,
 * quality ("Gradable", or "Ungradable: blur, …"; "" for a failed file),
 * grade (the grade's or class's name, or the raw score when uncalibrated),
 * referable ("Yes", "No" or ""), confidence (a percentage, or "") and
 * error ("" on success). */
const char             *fovea_batch_row_get_file           (FoveaBatchRow    *self);
const char             *fovea_batch_row_get_quality        (FoveaBatchRow    *self);
const char             *fovea_batch_row_get_grade_text     (FoveaBatchRow    *self);
const char             *fovea_batch_row_get_referable_text (FoveaBatchRow    *self);
const char             *fovea_batch_row_get_confidence_text(FoveaBatchRow    *self);
/* For numeric sorting: the grade (-1 when none) and the confidence (-1
 * when none). */
int                     fovea_batch_row_get_grade          (FoveaBatchRow    *self);
double                  fovea_batch_row_get_confidence     (FoveaBatchRow    *self);
/* The "search-text" property (read through an expression by the view's
 * filter): everything a search matches: file, patient, eye, quality,
 * grade, error. */

G_END_DECLS
