/* fovea-train-vit.h: a ViT that learns, in llm.c's style.
 *
 * FoveaTrainVit owns a parameter set, gradient buffers that mirror it
 * (only for what is trained), and an activation arena that keeps what the
 * backward pass needs. The kernels come in *_forward / *_backward pairs
 * (fovea-train-kernels.h). Three ways to make one:
 *   - full:   every weight of a (small) ViT is trained; random timm init
 *             with a seed, or a copy of a loaded backbone;
 *   - lora:   the backbone is frozen (its weights referenced, never copied,
 *             no gradients kept) and LoRA A/B matrices on the chosen
 *             layers plus a new head are trained;
 *   - frozen: nothing is trained (a backbone and optionally a loaded
 *             adapter); only gradients with respect to activations are
 *             computed — what Grad-CAM needs.
 * Semantics are timm's VisionTransformer (as fovea-vit-forward.c) and
 * PEFT's LoRA (y = W·x + scale·B·(A·x)). Numerically the forward matches
 * fovea_vit_forward within float rounding. */
#pragma once

#include "fovea-lora.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

/* Layers a LoRA can be trained on, in every block of a ViT. Q, K and V
 * are the slices of the fused qkv (MeLo trains Q and V). */
typedef enum {
  FOVEA_TRAIN_TARGET_Q    = 1 << 0,
  FOVEA_TRAIN_TARGET_K    = 1 << 1,
  FOVEA_TRAIN_TARGET_V    = 1 << 2,
  FOVEA_TRAIN_TARGET_QKV  = 1 << 3,  /* the whole fused qkv (3D outputs) */
  FOVEA_TRAIN_TARGET_PROJ = 1 << 4,
  FOVEA_TRAIN_TARGET_FC1  = 1 << 5,
  FOVEA_TRAIN_TARGET_FC2  = 1 << 6,
  /* CNNs (fovea-train-cnn.h): every 1×1 stride-1 convolution */
  FOVEA_TRAIN_TARGET_CONV1X1 = 1 << 7,
} FoveaTrainTargets;

typedef struct {
  int      rank;
  double   alpha;
  gboolean use_rslora;  /* scale alpha / sqrt (rank) rather than alpha / rank */
  guint    targets;     /* FoveaTrainTargets, at least one */
} FoveaLoraSpec;

typedef enum {
  FOVEA_TRAIN_FULL,
  FOVEA_TRAIN_LORA,
  FOVEA_TRAIN_FROZEN,
} FoveaTrainMode;

typedef struct _FoveaTrainVit FoveaTrainVit;

/* One trainable tensor. Names are the ones written to files: timm's for
 * full training ("blocks.0.attn.qkv.weight"), and for LoRA
 * "blocks.N.<target>.lora_A" / ".lora_B" (target "attn.qkv.q" etc.) and
 * "head.weight" / "head.bias". */
typedef struct {
  const char *name;
  float      *value;
  float      *grad;
  gsize       n;
  int         shape[2];    /* rows, cols (cols 1 for vectors) */
  gboolean    decay;       /* AdamW weight decay applies: matrices yes;
                            * biases, norms, pos_embed, cls_token no (timm) */
} FoveaTrainParam;

/* Full training. init may be NULL (timm's init_weights_vit_timm, drawn
 * from seed: trunc_normal std 0.02 for the linear weights, the head and
 * pos_embed; normal std 1e-6 for cls_token and reg_token; patch_embed
 * keeps nn.Conv2d's own U(±1/√fan_in); zero biases; LayerNorm 1/0); or a
 * backbone of the same shape whose weights are copied (its head too when
 * as wide). config's num_classes is the head's width (> 0). Inputs are
 * config's img_size. */
FoveaTrainVit *fovea_train_vit_new_full   (const FoveaVitConfig *config,
                                           const FoveaVit       *init,
                                           guint64               seed,
                                           int                   max_batch,
                                           int                   n_threads,
                                           GError              **error);
/* LoRA on a frozen backbone: A kaiming-uniform (PEFT's init, from seed),
 * B zero; a new head of n_classes outputs (std 0.02, zero bias). The
 * parameters, in order: for each block, for each target (Q, K, V, QKV,
 * PROJ, FC1, FC2 order) lora_A (r × in) then lora_B (out × r), then the
 * head; all matrices have decay set. */
FoveaTrainVit *fovea_train_vit_new_lora   (FoveaVit             *vit,
                                           const FoveaLoraSpec  *spec,
                                           int                   n_classes,
                                           guint64               seed,
                                           int                   max_batch,
                                           int                   n_threads,
                                           GError              **error);
/* Nothing trained: the backbone with lora (may be NULL) applied. */
FoveaTrainVit *fovea_train_vit_new_frozen (FoveaVit             *vit,
                                           const FoveaLora      *lora,
                                           int                   max_batch,
                                           int                   n_threads,
                                           GError              **error);
void           fovea_train_vit_free       (FoveaTrainVit        *model);

FoveaTrainMode        fovea_train_vit_get_mode      (const FoveaTrainVit *model);
const FoveaVitConfig *fovea_train_vit_get_config    (const FoveaTrainVit *model);
int                   fovea_train_vit_get_n_outputs (const FoveaTrainVit *model);
/* The trainable tensors in a fixed order (empty when frozen). */
const FoveaTrainParam *fovea_train_vit_get_params   (FoveaTrainVit *model,
                                                     int           *n_params);

/* Runs batch ≤ max_batch images (batch × 3 × H × W, normalised, H × W the
 * config's input size) and keeps the activations for backward. Returns
 * the logits (batch × n_outputs), owned by the model. */
const float *fovea_train_vit_forward  (FoveaTrainVit *model,
                                       const float   *pixels,
                                       int            batch,
                                       GError       **error);
/* Sets every gradient to zero. */
void         fovea_train_vit_zero_grad (FoveaTrainVit *model);
/* Back-propagates dlogits (batch × n_outputs) of the last forward,
 * accumulating into the parameters' gradients. */
void         fovea_train_vit_backward (FoveaTrainVit *model,
                                       const float   *dlogits);

/* Grad-CAM: the tokens entering block `block` (its residual input,
 * batch × tokens × D) from the last forward, and after a backward their
 * gradient. Token order: prefix tokens, then patches row-major. */
const float *fovea_train_vit_get_block_input      (const FoveaTrainVit *model,
                                                   int                  block);
const float *fovea_train_vit_get_block_input_grad (const FoveaTrainVit *model,
                                                   int                  block);
/* Backward stops once the gradient of block `block`'s input is known
 * (0, the default, goes all the way down). Saves time when only the
 * last blocks matter; blocks below get no gradients (their input grads
 * are then NULL, and trained parameters below keep theirs untouched). */
void         fovea_train_vit_set_backward_stop    (FoveaTrainVit *model,
                                                   int            block);

/* Writes what was trained, atomically (temporary files, then rename):
 * full → a timm hub-layout folder (config.json with num_classes,
 * model.safetensors with timm's names); lora → a PEFT folder
 * (adapter_config.json, adapter_model.safetensors with
 * base_model.model.blocks.N.attn.qkv.lora_A.weight …, the head as
 * modules_to_save) that fovea_adapter_load and real PEFT both read. Q/K/V
 * slice targets are written exactly as one qkv LoRA of rank k·r whose B
 * is block-structured (zero outside each slice). Extra metadata strings
 * go in the safetensors __metadata__ (may be NULL). */
gboolean     fovea_train_vit_save     (FoveaTrainVit *model,
                                       const char    *dir,
                                       GHashTable    *metadata,
                                       GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaTrainVit, fovea_train_vit_free)

G_END_DECLS
