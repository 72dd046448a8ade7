/* fovea-grade-record-build.h: the one way a FoveaGradeRecord is made from
 * a task's run on an image, for batch grading (CSV rows, PDFs) and the
 * review window's Export Report alike, so that they cannot word the same
 * result differently. The results panel words the referral rule with
 * fovea_grade_record_dup_referral_rule too.
 *
 * A record is built in two steps, because batch grading knows the image
 * (decoded, quality assessed) before the engine has run: first what the
 * image and task are, then, for a gradable image that ran, the outcome. */
#pragma once

#include "fovea-engine.h"
#include "fovea-eye.h"
#include "fovea-grade-record.h"

G_BEGIN_DECLS

/* What the record is about; everything is copied. */
typedef struct {
  const char               *path;
  const char               *patient_id;    /* NULL: none */
  FoveaEye                  eye;
  FoveaModality             modality;
  const FoveaQualityReport *quality;
  const char               *task_name;     /* NULL: "backbone" */
  const FoveaTaskCard      *card;          /* NULL: uncalibrated raw output */
  const char               *model_name;    /* the backbone's folder name */
  gboolean                  adapter;       /* the task is an adapter's: the record's
                                            * model is then "MODEL+TASK" */
  const char               *model_sha256;  /* of the task's weights; NULL: not known */
  double                    seconds;       /* so far */
} FoveaGradeSource;

/* The record of source before any outcome: identity, quality, task and
 * the card's provenance (labels, training data, metrics as "name value
 * (split)" with %g, intended use, research use: always without a card).
 * calibrated is TRUE when there is a card. */
FoveaGradeRecord *fovea_grade_record_build        (const FoveaGradeSource  *source);

/* Fills in row of output, the run of record's task (whose card is card):
 * the raw logits, and when the card calibrates it, the grade (grading) or
 * class with its probabilities (classification), referable and the rule
 * that decided it. site_min_grade > 0: the site's threshold was applied
 * instead of the card's rule (fovea_task_card_apply_min_grade). Does
 * nothing for an ungradable image: quality comes first. */
void              fovea_grade_record_set_outcome  (FoveaGradeRecord        *record,
                                                   const FoveaTaskCard     *card,
                                                   const FoveaEngineOutput *output,
                                                   int                      row,
                                                   int                      site_min_grade);

/* The referral rule applied to a result of card, in words (translated):
 * the card's own, or for a site threshold (site_min_grade > 0, a grade of
 * the card) "Grade N (name) or worse, the threshold set in Preferences". */
char             *fovea_grade_record_dup_referral_rule (const FoveaTaskCard *card,
                                                        int                  site_min_grade);

G_END_DECLS
