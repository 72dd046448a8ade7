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
  double bacc;    /* balanced accuracy: the mean per-class recall */
} FoveaTrainerMetrics;

typedef struct _FoveaTrainerSpmix FoveaTrainerSpmix;

typedef struct {
  const FoveaTrainerOptions *options;
  /* A ViT: */
  FoveaVit             *backbone;     /* LoRA (frozen backbone) or full-mode init; may be NULL */
  FoveaVitConfig        config;       /* full mode: the model being trained */
  FoveaTrainVit        *model;
  /* or a CNN: */
  FoveaCnnConfig        cnn_config;
  FoveaSafetensors     *cnn_weights;  /* NULL: full training from a config alone */
  FoveaTrainCnn        *cnn;
  FoveaTaskCard        *card;
  FoveaTrainData       *train;
  FoveaTrainData       *val;
  FoveaPreprocess       pre;
  FoveaAdamW           *optimizer;
  const FoveaTrainParam *params;
  int                   n_params;
  int                   n_classes;    /* outputs of the head (1 for regression) */
  gboolean              regression;
  float                *class_weights; /* n_classes, or NULL */
  FoveaTrainerSpmix    *spmix;         /* NULL unless --spmix */
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

/* The network (fovea-trainer-model.c): made from the options' model
 * folder, with t->pre set to the size it trains at. */
gboolean     fovea_trainer_model_build       (FoveaTrainer       *t,
                                              GError            **error);
void         fovea_trainer_model_clear       (FoveaTrainer       *t);
int          fovea_trainer_model_n_outputs   (const FoveaTrainer *t);
const float *fovea_trainer_model_forward     (FoveaTrainer       *t,
                                              const float        *pixels,
                                              int                 batch,
                                              GError            **error);
/* Zeroes the gradients, then back-propagates dlogits. */
void         fovea_trainer_model_backward    (FoveaTrainer       *t,
                                              const float        *dlogits);
gboolean     fovea_trainer_model_save        (FoveaTrainer       *t,
                                              const char         *dir,
                                              GError            **error);
/* The head's module name in the weights ("head", "classifier.1", "fc"). */
const char  *fovea_trainer_model_head_prefix (const FoveaTrainer *t);
/* "full", "head" or "lora". */
const char  *fovea_trainer_mode_name         (const FoveaTrainerOptions *o);

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

/* SPMix (fovea-trainer-spmix.c): the tail classes and buffers, made
 * after the model (nothing when the option is off); then, per step,
 * mixes the batch's chosen tail-class rows of pixels (labels are the
 * task labels) in place and says how many. */
gboolean fovea_trainer_spmix_setup     (FoveaTrainer       *trainer,
                                        GError            **error);
void     fovea_trainer_spmix_free      (FoveaTrainerSpmix  *spmix);
/* n_classes flags, or NULL when SPMix is off. */
const gboolean *fovea_trainer_spmix_get_tail (const FoveaTrainer *trainer);
gboolean fovea_trainer_spmix_batch     (FoveaTrainer       *trainer,
                                        int                 epoch,
                                        int                 first,
                                        int                 batch,
                                        const int          *labels,
                                        const FoveaAugment *augment,
                                        float              *pixels,
                                        int                *n_mixed,
                                        GError            **error);

/* Writes the best weights and the filled-in task card to out_dir through
 * a temporary sibling folder renamed into place. */
gboolean fovea_trainer_write_output    (FoveaTrainer *trainer,
                                        GError      **error);

G_END_DECLS
