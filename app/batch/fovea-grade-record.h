/* fovea-grade-record.h: what grading one image file found — one row of a
 * batch CSV, one per-image PDF report, one line of the batch summary.
 *
 * Made by fovea-grade-record-build.h, for the batch runner (fovea-batch.h)
 * and the window's Export Report alike; read by the CSV writer and the
 * report writer. Everything is owned by the record. */
#pragma once

#include "fovea-modality.h"
#include "fovea-quality.h"
#include "fovea-seg-measure.h"

G_BEGIN_DECLS

typedef struct {
  char              *path;           /* the image file, as found */
  char              *patient_id;     /* pseudonym: given, or guessed from the file name */
  char              *eye;            /* "OD", "OS" or "" */
  FoveaModality      modality;
  char              *error;          /* NULL on success; else why this file failed */
  /* The error may pass on another try (out of memory, a read or write
   * that failed): the CSV marks it, and --resume grades the file again. */
  gboolean           retryable;
  /* The task is for another modality (the error says which): the file is
   * not gradable by this task, which counts as ungradable, not failed
   * (fovea-cli grade --task auto leaves such records out). */
  gboolean           not_for_task;

  /* Quality comes first: when !quality.gradable nothing below is set. */
  FoveaQualityReport quality;

  char              *task;           /* task name (card name, adapter name or "backbone") */
  gboolean           calibrated;     /* FALSE: no card; only raw outputs, no clinical words */
  int                grade;          /* grading tasks: 0…; else -1 */
  char              *label;          /* grade name or class name; NULL when uncalibrated */
  char              *label_title;    /* label spelt out (the card's label_titles), else
                                      * NULL: the label is its own title */
  double             confidence;     /* probability of label (classification); NaN otherwise */
  GStrv              labels;         /* the card's labels, for probs; NULL when uncalibrated */
  GStrv              label_titles;   /* the card's label_titles, as labels; may be NULL */
  GArray            *probs;          /* float, per label; NULL for grading or uncalibrated */
  GArray            *logits;         /* float, raw outputs */
  gboolean           has_referable;
  gboolean           referable;
  char              *referral_rule;  /* the rule applied, in words */

  /* Provenance of the result. */
  char              *model_name;
  char              *model_sha256;   /* of the weights the task ran with */
  char              *training_data;  /* from the card; NULL without one */
  GPtrArray         *metrics;        /* char*, "name value (split)" from the card */
  char              *intended_use;
  gboolean           research_use_only;
  /* The card reports figures on held-out data (fovea_task_card_is_validated):
   * only then may the result carry a recommendation. */
  gboolean           validated;
  double             seconds;        /* decode to result */
  /* Not an error, not a grade: why no task ran (e.g. "no task for
   * modality skin"); the record is then ungradable and has no task. */
  char              *note;
  /* The image's segmentation measurements when the batch was asked for
   * them (fovea_batch_set_segmentation) and it was segmented; else NULL. */
  FoveaSegMeasures  *segmentation;
} FoveaGradeRecord;

FoveaGradeRecord *fovea_grade_record_new  (const char       *path);
void              fovea_grade_record_free (FoveaGradeRecord *record);
/* A deep copy of record: everything it points to is duplicated. */
FoveaGradeRecord *fovea_grade_record_copy (const FoveaGradeRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaGradeRecord, fovea_grade_record_free)

G_END_DECLS
