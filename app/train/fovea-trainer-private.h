/* fovea-trainer-private.h: the state of one training run, shared by the
 * loop, the evaluation, the checkpoint and the output writer. */
#pragma once

#include "fovea-optim.h"
#include "fovea-preprocess.h"
#include "fovea-task-card.h"
#include "fovea-trainer.h"

G_BEGIN_DECLS

/* Validation results of one epoch. */
typedef struct {
  double loss;
  double acc;
  double auc;     /* binary AUC (2 classes) or MedMNIST's macro AUC; NaN for regression */
  double qwk;     /* NaN unless ordinal */
} FoveaTrainerMetrics;

typedef struct {
  const FoveaTrainerOptions *options;
  FoveaVit             *backbone;     /* LoRA (frozen backbone) or full-mode init; may be NULL */
  FoveaVitConfig        config;       /* full mode: the model being trained */
  FoveaTaskCard        *card;
  FoveaTrainData       *train;
  FoveaTrainData       *val;
  FoveaPreprocess       pre;
  FoveaTrainVit        *model;
  FoveaAdamW           *optimizer;
  const FoveaTrainParam *params;
  int                   n_params;
  int                   n_classes;    /* outputs of the head (1 for regression) */
  gboolean              regression;
  float                *class_weights; /* n_classes, or NULL */
  gint64                steps_per_epoch;
  gint64                total_steps;
  int                   next_epoch;   /* 0-based: where the loop starts */
  /* The best epoch so far by the selection metric, and its weights. */
  float               **best;         /* n_params copies */
  int                   best_epoch;   /* 1-based; 0: none yet */
  double                best_score;
  FoveaTrainerMetrics   best_metrics;
  char                 *fingerprint;  /* what a checkpoint must match to be resumed */
  /* The command of the first run, kept in the checkpoint: a resumed run's
   * card records it, not the --resume, so its output is byte-identical. */
  char                 *command_line;
} FoveaTrainer;

/* The task label of a sample: the data's label through the label map. */
int      fovea_trainer_label           (const FoveaTrainer   *trainer,
                                        const FoveaTrainData *data,
                                        int                   index);

/* Runs the validation set through the model (no augmentation). */
gboolean fovea_trainer_evaluate        (FoveaTrainer        *trainer,
                                        float               *pixels,
                                        FoveaTrainerMetrics *metrics,
                                        GError             **error);
/* The selection metric's value (higher is better). */
double   fovea_trainer_select_score    (const FoveaTrainer        *trainer,
                                        const FoveaTrainerMetrics *metrics);

/* Writes / reads the whole state after `epochs_done` epochs. */
gboolean fovea_trainer_checkpoint_save (FoveaTrainer *trainer,
                                        int           epochs_done,
                                        GError      **error);
/* FALSE with an error when the file does not fit this run; *found FALSE
 * (and TRUE returned) when there is no checkpoint. */
gboolean fovea_trainer_checkpoint_load (FoveaTrainer *trainer,
                                        gboolean     *found,
                                        GError      **error);

/* Writes the best weights and the filled-in task card to out_dir through
 * a temporary sibling folder renamed into place. */
gboolean fovea_trainer_write_output    (FoveaTrainer *trainer,
                                        GError      **error);

G_END_DECLS
