/* fovea-task-card.h: what a model's or adapter's outputs mean clinically.
 *
 * A task card is a JSON file next to a model or adapter (schema in the
 * README, "Task cards"): the task kind, label names in output order, the
 * referral rule, the modality, the preprocessing, provenance (training
 * data, metrics with their split, file hash), the intended use and a
 * research-use flag. Parsing is strict: a wrong type, an unknown member,
 * labels that do not fit the kind or unsorted thresholds are errors naming
 * the field, because a mislabelled output is worse than none. Without a
 * card, outputs are shown as uncalibrated raw numbers only. */
#pragma once

#include <glib.h>

#include "fovea-modality.h"
#include "fovea-resize.h"

G_BEGIN_DECLS

#define FOVEA_TASK_CARD_ERROR (fovea_task_card_error_quark ())
#define FOVEA_TASK_CARD_SCHEMA_VERSION 1

typedef enum {
  FOVEA_TASK_CARD_ERROR_INVALID,   /* malformed JSON or a field of the wrong type or value */
  FOVEA_TASK_CARD_ERROR_MISMATCH,  /* the card does not fit the model's outputs */
} FoveaTaskCardError;

typedef enum {
  FOVEA_TASK_CLASSIFICATION,       /* softmax over labels */
  FOVEA_TASK_GRADING_REGRESSION,   /* one output; grade = number of thresholds it exceeds */
  /* One probability map per label, each its own sigmoid (labels may
   * overlap: a haemorrhage inside the optic disc), drawn in the label's
   * colour and measured where it reaches the label's threshold. */
  FOVEA_TASK_SEGMENTATION,
} FoveaTaskKind;

/* What a segmentation model is for (the card's "role"). */
typedef enum {
  FOVEA_SEG_ROLE_SEGMENTATION,  /* the default: its labels are drawn and measured */
  /* An anomaly flagger (LesionPaste): its map is where the image looks
   * abnormal, shown as the window's Anomaly overlay, not as labels. */
  FOVEA_SEG_ROLE_ANOMALY,
} FoveaSegRole;

typedef struct {
  char  *name;    /* e.g. "qwk", "acc", "auc" */
  double value;
  char  *split;   /* the data it was measured on, e.g. "retinamnist val" */
  double ci_low, ci_high;  /* 95 % confidence interval; NaN when not given */
  gboolean held_out;       /* on data no training or choice saw */
} FoveaTaskMetric;

typedef struct _FoveaTaskCard {
  char           *name;             /* short id, e.g. "dr-grading" */
  char           *title;            /* human title */
  FoveaTaskKind   kind;
  gboolean        ordinal;          /* classification of ordered grades: grade = label index */
  FoveaModality   modality;
  GStrv           labels;           /* in output order (grades for grading) */
  GStrv           label_titles;     /* the labels spelt out for people; may be NULL */
  GArray         *thresholds;       /* double; grading only: ascending */
  /* Segmentation only: per label, its display colour ("#rrggbb", as
   * written; fovea_task_card_label_colour reads it) and the probability
   * from which a pixel counts as that label in measurements. */
  GStrv           colours;
  GArray         *label_thresholds; /* double, one per label, 0 < t < 1 */
  /* The field-of-view diameter, in pixels, of the photographs the model
   * was trained on: an image is resized so that its field of view is this
   * wide before it is tiled, because a segmentation model knows vessels
   * and lesions at one scale. 0: the image is segmented at its own size. */
  int             fov_diameter;
  FoveaSegRole    role;
  /* Referral: a grade ≥ referral_min_grade (grading, ordinal
   * classification), or a predicted label in referral_labels
   * (classification). With referral_min_probability (classification), the
   * summed probability of those grades or labels must reach it instead.
   * referral_rule is the wording. */
  int             referral_min_grade;   /* -1: no rule */
  GStrv           referral_labels;      /* may be NULL */
  double          referral_min_probability;  /* 0: the predicted label decides */
  char           *referral_rule;
  /* Preprocessing; unset fields fall back to the model's pretrained_cfg. */
  gboolean        fundus_crop;
  int             input_height, input_width;  /* 0: the model config's */
  gboolean        has_interpolation;
  FoveaResizeFilter interpolation;
  double          crop_pct;                   /* 0: the model config's */
  gboolean        has_normalisation;
  float           mean[3], std[3];
  /* Provenance and honesty. */
  char           *training_data;
  GPtrArray      *metrics;          /* FoveaTaskMetric* */
  char           *sha256;           /* of the weights file the card describes; may be NULL */
  char           *intended_use;
  gboolean        research_use_only;
} FoveaTaskCard;

/* The clinical reading of one image's outputs. */
typedef struct {
  gboolean    calibrated;   /* FALSE without a card: only logits are meaningful */
  int         n_outputs;
  float      *probs;        /* classification: softmax, n_outputs; else NULL */
  int         label_index;  /* classification: argmax; grading: grade; -1 uncalibrated */
  const char *label;        /* owned by the card; NULL when uncalibrated */
  double      score;        /* grading: the regression output; classification: probs[label_index] */
  gboolean    has_referable;
  gboolean    referable;
  /* What referral is decided on, for ROC analysis: the summed probability
   * of the referable grades or labels (classification), the regression
   * output (grading); NaN without a referral rule. */
  double      referral_score;
} FoveaTaskResult;

GQuark         fovea_task_card_error_quark (void);
/* TRUE when the card reports a metric measured on held-out data: only such
 * a task's results may carry a recommendation. */
gboolean       fovea_task_card_is_validated (const FoveaTaskCard *card);
/* Errors from a file name it; errors in a field name the field. */
FoveaTaskCard *fovea_task_card_load_file   (const char  *path,
                                            GError     **error);
FoveaTaskCard *fovea_task_card_load_data   (const char  *json,
                                            gssize       length,
                                            GError     **error);
void           fovea_task_card_free        (FoveaTaskCard *card);
/* Checks the card against a model's number of outputs: one per label for
 * classification and segmentation (a map each), a single one for
 * grading. */
gboolean       fovea_task_card_check_outputs (const FoveaTaskCard *card,
                                              int                  n_outputs,
                                              GError             **error);
/* card may be NULL, or not fit n_outputs: the result is then uncalibrated
 * (label NULL, label_index -1), as for a segmentation card, whose outputs
 * are maps, not one reading per image. Fills result; free with
 * fovea_task_result_clear. Grading counts the thresholds the output
 * strictly exceeds. */
void           fovea_task_card_interpret   (const FoveaTaskCard *card,
                                            const float         *logits,
                                            int                  n_outputs,
                                            FoveaTaskResult     *result);
void           fovea_task_result_clear     (FoveaTaskResult     *result);
/* A site's own referral threshold instead of the card's: for a calibrated
 * grading result, referable becomes grade ≥ min_grade. Returns TRUE when it
 * was applied; FALSE (result unchanged) for other kinds, uncalibrated
 * results, or min_grade outside 1 … the highest grade. */
gboolean       fovea_task_card_apply_min_grade (const FoveaTaskCard *card,
                                                int                  min_grade,
                                                FoveaTaskResult     *result);

/* Whether a task with this card may run on an image of this modality:
 * no card (uncalibrated output claims no modality), a card without one,
 * or the same one. A fundus grade of an OCTA scan would read like a
 * finding, so every caller asks this before running a task. */
gboolean       fovea_task_card_fits_modality (const FoveaTaskCard *card,
                                              FoveaModality        modality);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaTaskCard, fovea_task_card_free)

/* The label's title when the card gives titles, else the label itself. */
const char *fovea_task_card_label_title (const FoveaTaskCard *card,
                                         int                  index);

/* A segmentation label's colour as red, green, blue in [0, 1]. */
void        fovea_task_card_label_colour (const FoveaTaskCard *card,
                                          int                  index,
                                          double               rgb[3]);

G_END_DECLS
