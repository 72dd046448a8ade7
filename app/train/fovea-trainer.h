/* fovea-trainer.h: the training loop behind `fovea-cli train`.
 *
 * One run trains a LoRA adapter plus head on a frozen backbone, a new head
 * alone (CNNs), or a whole network — a ViT or a CNN (ResNet, MobileNetV2),
 * whichever config.json names — on a labelled set (fovea-train-data.h),
 * evaluates on a
 * validation set after every epoch, keeps the best epoch's weights by the
 * selection metric, and writes the result with a task card that records
 * its provenance (data, command, seed, commit) and validation metrics.
 *
 * Interruptions lose nothing: after every epoch the whole state (weights,
 * AdamW moments, step, best weights and metric) goes to a checkpoint file
 * next to the output, atomically. Resuming from it gives exactly the same
 * files as an uninterrupted run, because every random choice is a function
 * of (seed, epoch, sample) and the kernels are deterministic. */
#pragma once

#include <gio/gio.h>

#include "fovea-train-cnn.h"
#include "fovea-train-data.h"
#include "fovea-train-vit.h"

G_BEGIN_DECLS

#define FOVEA_TRAINER_ERROR (fovea_trainer_error_quark ())

typedef enum {
  FOVEA_TRAINER_ERROR_OPTIONS,     /* options that do not fit together */
  FOVEA_TRAINER_ERROR_EXISTS,      /* the output exists (use force) */
  FOVEA_TRAINER_ERROR_CHECKPOINT,  /* a checkpoint that does not fit this run */
  FOVEA_TRAINER_ERROR_DIVERGED,    /* the loss became NaN or infinite */
} FoveaTrainerError;

typedef enum {
  FOVEA_TRAINER_SELECT_AUC,
  FOVEA_TRAINER_SELECT_ACC,
  FOVEA_TRAINER_SELECT_QWK,
  FOVEA_TRAINER_SELECT_BACC,
} FoveaTrainerSelect;

typedef struct {
  const char        *model_dir;    /* backbone (LoRA, head), or config (+ optional init weights) (full) */
  gboolean           full;
  /* A new head alone on the frozen backbone (CNNs; a PEFT folder whose
   * only trained module is the head). Neither full nor head_only: LoRA. */
  gboolean           head_only;
  /* Full mode: write the backbone without its head (num_classes 0), for
   * task adapters to be trained on; its card becomes backbone_card.json. */
  gboolean           headless;
  FoveaLoraSpec      lora;         /* CNNs: targets FOVEA_TRAIN_TARGET_CONV1X1 */
  /* CNNs: the input size (0: the task card's, else the model's
   * pretrained_cfg). ViTs train at their img_size. */
  int                input_height, input_width;
  const char        *card_path;    /* the task card to fill in: labels, kind, preprocessing */
  const char        *data_path;     /* a folder, DIR:SPLIT with split_csv, or FILE.npz[:SPLIT] */
  const char        *val_path;
  /* Where a folder's labels come from (FoveaTrainDataSource); NULL: its
   * labels.csv, column "label", images beside it, no split table. Labels
   * may be class names of the card. */
  const char        *labels_csv;
  const char        *label_column;
  const char        *split_csv;
  const char        *images_dir;
  const char        *out_dir;
  int                epochs;
  int                batch;
  double             lr;
  double             min_lr;
  double             weight_decay;
  double             warmup_epochs;
  double             clip_norm;       /* ≤ 0: no clipping */
  double             label_smoothing;
  gboolean           class_weights;   /* weight the loss by inverse class frequency */
  gboolean           balanced;        /* class-balanced sampling */
  /* SPMix (fovea-spmix.h, CNN classification): a sampled tail-class image
   * is mixed with probability spmix_prob with a head-class image on a
   * spmix_grid² patch grid, keeping spmix_keep of its patches, the most
   * salient by the model's class activation map. */
  gboolean           spmix;
  double             spmix_prob;
  int                spmix_grid;
  double             spmix_keep;
  gboolean           augment;
  gboolean           ordinal;         /* labels are ordered grades: report QWK */
  FoveaTrainerSelect select;
  /* Data label i counts as task label label_map[i] (e.g. grades 0–4 to
   * referable 0,0,1,1,1); NULL: as they are. */
  const int         *label_map;
  int                n_label_map;
  guint64            seed;
  int                threads;         /* ≤ 0: one per core */
  gboolean           resume;
  gboolean           force;
  const char        *command_line;    /* recorded in the card */
} FoveaTrainerOptions;

typedef struct {
  int    epoch, epochs;      /* 1-based epoch */
  gint64 step, steps;        /* optimiser steps so far, and in all */
  double loss;               /* running mean of this epoch so far */
  double lr;
  double images_per_second;
  double eta_seconds;
  gboolean evaluated;        /* the epoch ended: the metrics below are set */
  double val_acc, val_auc, val_qwk, val_bacc;
  gboolean best;             /* this epoch is the best so far */
} FoveaTrainerProgress;

typedef void (*FoveaTrainerProgressFunc) (const FoveaTrainerProgress *progress,
                                          gpointer                    user_data);

/* Defaults for everything but the paths. */
void      fovea_trainer_options_init (FoveaTrainerOptions *options);

GQuark    fovea_trainer_error_quark  (void);

/* Trains and writes options->out_dir. progress (may be NULL) is called
 * every few steps and at each epoch's end. Cancelling stops after the
 * current step; the last epoch's checkpoint stays for --resume. */
gboolean  fovea_trainer_run          (const FoveaTrainerOptions *options,
                                      FoveaTrainerProgressFunc   progress,
                                      gpointer                   user_data,
                                      GCancellable              *cancellable,
                                      GError                   **error);

/* The checkpoint file of an output: OUT_DIR.checkpoint.safetensors. */
char     *fovea_trainer_checkpoint_path (const char *out_dir);

G_END_DECLS
