/* fovea-seg-trainer.h: training a segmentation network (fovea-seg.h's
 * Unet on MobileNetV2) behind `fovea-cli train` when the task card's kind
 * is segmentation.
 *
 * The encoder starts from a MobileNetV2 hub folder (the bundled ImageNet
 * one: resources/models/mobilenetv2-imagenet, SAME-padded, which the
 * written config.json records as fovea_encoder_pad_type), the decoder
 * and head from torchvision's initialisation. An epoch is `patches`
 * random patches (fovea-seg-patch.h) of the set's training part, in
 * batches; the loss is bce_weight × BCE (per-label class weights and
 * PyTorch's pos_weight) +
 * dice_weight × soft Dice, both inside the FOV (fovea-seg-loss.h); AdamW
 * with a linear warm-up and a cosine decay. After every epoch the
 * validation images are segmented whole (tiled) and scored
 * (fovea-seg-evaluation.h); the best epoch by the selection metric is
 * kept. The whole state goes to OUT_DIR.checkpoint.safetensors after
 * every epoch, and a resumed run is bit-identical to an uninterrupted
 * one (every draw is a function of (seed, epoch, index)). The output is
 * a folder, published atomically: config.json, model.safetensors and
 * task_card.json (the template's, with fov_diameter and the validation
 * figures). */
#pragma once

#include <gio/gio.h>

#include "fovea-seg-patch.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_SEG_SELECT_AP,     /* mean average precision over the labels */
  FOVEA_SEG_SELECT_DICE,   /* mean Dice at the card's thresholds */
  FOVEA_SEG_SELECT_AUC,
  FOVEA_SEG_SELECT_IOU,
} FoveaSegSelect;

typedef struct {
  const char         *init_dir;       /* MobileNetV2 hub folder (config.json, model.safetensors) */
  const char         *card_path;      /* template card, kind segmentation */
  const char         *data_root;
  const char         *split_csv;
  const char         *out_dir;
  int                 epochs;
  int                 patches;        /* per epoch */
  int                 batch;
  int                 patch;          /* side, multiple of 32 */
  double              lr, min_lr, weight_decay, warmup_epochs;
  double              bce_weight, dice_weight;
  const double       *class_weights;  /* per label, or NULL: 1 */
  int                 n_class_weights;
  const double       *pos_weights;    /* BCE's pos_weight per label, or NULL: 1 */
  int                 n_pos_weights;
  FoveaSegAugmentMode augment;
  FoveaSegSelect      select;
  guint64             seed;
  int                 threads;
  gboolean            resume, force;
  /* Stop after this many epochs of this invocation (0: none): tests
   * interrupt a run with it, as a crash would. */
  int                 stop_after;
  /* Early stopping: end the run, writing the best epoch, once this many
   * epochs pass without a better validation score (0: run every epoch).
   * Not part of the checkpoint's fingerprint: it decides when to stop, not
   * what an epoch does, so a resumed run may set it. */
  int                 patience;
  /* Write the model (and the copies validation segments) in F16: half the
   * bytes, and the figures are those of what ships. Not in the
   * fingerprint either: training is unchanged. */
  gboolean            save_f16;
  const char         *command_line;
} FoveaSegTrainerOptions;

typedef struct {
  int    epoch, epochs;
  gint64 step, steps;
  double loss, lr, patches_per_second;
  gboolean evaluated, best;
  double score;               /* the selection metric, when evaluated */
} FoveaSegTrainerProgress;

typedef void (*FoveaSegTrainerProgressFunc) (const FoveaSegTrainerProgress *progress,
                                             gpointer                       user_data);

void     fovea_seg_trainer_options_init (FoveaSegTrainerOptions *options);
gboolean fovea_seg_select_parse          (const char             *name,
                                          FoveaSegSelect         *out);
gboolean fovea_seg_trainer_run           (const FoveaSegTrainerOptions *options,
                                          FoveaSegTrainerProgressFunc   progress,
                                          gpointer                      user_data,
                                          GCancellable                 *cancellable,
                                          GError                      **error);

G_END_DECLS
