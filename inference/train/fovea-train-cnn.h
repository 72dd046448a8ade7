/* fovea-train-cnn.h: a CNN (ResNet, MobileNetV2) that learns, in
 * llm.c's style, as FoveaTrainVit does for ViTs: its own forward pass that
 * keeps what the backward pass reads, paired kernels
 * (fovea-train-conv.h), gradient buffers only for what is trained, one
 * activation arena planned at creation, results independent of the
 * number of threads.
 *
 * Modes:
 *   - full:   every convolution's and the head's weight is trained;
 *   - head:   a new head on the frozen backbone (no backbone gradient);
 *   - lora:   LoRA on every 1×1 stride-1 convolution plus a new head,
 *             the backbone frozen (PEFT's Conv2d LoRA: y = conv (x) +
 *             scale · B (A x), A [r, in, 1, 1], B [out, r, 1, 1]);
 *   - frozen: nothing trained (optionally a LoRA adapter applied); the
 *             backward pass computes the gradient of the last feature map
 *             only, for Grad-CAM.
 *
 * BatchNorm: always frozen, in eval form, as the per-channel affine map
 * y = s · x + t with s = γ / √(var + eps), t = β − mean · s from the
 * loaded running statistics, which are never updated (the usual choice
 * for fine-tuning on small batches). s is folded into the working copy of
 * the convolution's weight (and t into its bias): once at creation for a
 * frozen layer, before every forward for a trained one, whose gradient is
 * then s times the folded weight's gradient. A LoRA's update passes
 * through its layer's BatchNorm too (PEFT wraps the convolution, the
 * BatchNorm follows), so B is folded the same way. γ and β are not
 * trained. No dropout: the head is trained in eval semantics.
 *
 * Inputs: batch × 3 × height × width normalised pixels (channel-planar,
 * as fovea_preprocess_image writes them), height and width fixed when the
 * model is made (any size the network accepts, not only its config's). */
#pragma once

#include "fovea-cnn-config.h"
#include "fovea-seg-config.h"
#include "fovea-safetensors.h"
#include "fovea-train-vit.h"

G_BEGIN_DECLS

typedef struct _FoveaTrainCnn FoveaTrainCnn;

/* The geometry and threads of a model being made. */
typedef struct {
  int max_batch;
  int height, width;   /* of the input images */
  int n_threads;       /* ≤ 0: one per core */
} FoveaTrainCnnSize;

/* Full training from a config and its weights (a hub folder's
 * model.safetensors; NULL: torchvision's random initialisation from seed,
 * for benchmarks and tests: Kaiming-normal convolutions, BatchNorm as
 * identity, the head normal (0, 0.01)). n_classes > 0 sets the head's
 * width; a loaded head of another width is replaced by a new one. */
FoveaTrainCnn *fovea_train_cnn_new_full   (const FoveaCnnConfig    *config,
                                           FoveaSafetensors        *weights,
                                           int                      n_classes,
                                           guint64                  seed,
                                           const FoveaTrainCnnSize *size,
                                           GError                 **error);
/* A new head of n_classes (normal (0, 0.01), zero bias, from seed) on the
 * frozen backbone. */
FoveaTrainCnn *fovea_train_cnn_new_head   (const FoveaCnnConfig    *config,
                                           FoveaSafetensors        *weights,
                                           int                      n_classes,
                                           guint64                  seed,
                                           const FoveaTrainCnnSize *size,
                                           GError                 **error);
/* LoRA (spec's rank, alpha, rsLoRA; its targets must be
 * FOVEA_TRAIN_TARGET_CONV1X1) on the frozen backbone and a new head. A
 * is PEFT's kaiming-uniform (from seed), B zero. Parameters in order:
 * for each adapted convolution, lora_A then lora_B, then the head. */
FoveaTrainCnn *fovea_train_cnn_new_lora   (const FoveaCnnConfig    *config,
                                           FoveaSafetensors        *weights,
                                           const FoveaLoraSpec     *spec,
                                           int                      n_classes,
                                           guint64                  seed,
                                           const FoveaTrainCnnSize *size,
                                           GError                 **error);
/* Nothing trained: the backbone, with the PEFT folder adapter_dir (written
 * by fovea_train_cnn_save in lora or head mode) applied when not NULL. */
FoveaTrainCnn *fovea_train_cnn_new_frozen (const FoveaCnnConfig    *config,
                                           FoveaSafetensors        *weights,
                                           const char              *adapter_dir,
                                           const FoveaTrainCnnSize *size,
                                           GError                 **error);
/* Full training of a segmentation network (fovea-seg.h's Unet: encoder,
 * decoder and head, every convolution trained, BatchNorm frozen as
 * above) from its config and weights: a Unet's, or a bare torchvision
 * MobileNetV2's (features.N..., the bundled ImageNet encoder: the
 * decoder and head then start from smp's initialisation from seed:
 * Kaiming-uniform fan-in, Xavier-uniform for the head; with weights NULL
 * the encoder starts from torchvision's). Its logits are batch × height × width × classes,
 * channels-last (fovea_train_cnn_get_n_outputs: height · width ·
 * classes per image); height and width multiples of 32.
 * fovea_train_cnn_save writes it as an smp hub folder. */
FoveaTrainCnn *fovea_train_cnn_new_seg    (const FoveaSegConfig    *config,
                                           FoveaSafetensors        *weights,
                                           guint64                  seed,
                                           const FoveaTrainCnnSize *size,
                                           GError                 **error);
void           fovea_train_cnn_free       (FoveaTrainCnn           *model);

FoveaTrainMode        fovea_train_cnn_get_mode        (const FoveaTrainCnn *model);
gboolean              fovea_train_cnn_is_head_only    (const FoveaTrainCnn *model);
const FoveaCnnConfig *fovea_train_cnn_get_config      (const FoveaTrainCnn *model);
int                   fovea_train_cnn_get_n_outputs   (const FoveaTrainCnn *model);
int                   fovea_train_cnn_get_max_batch   (const FoveaTrainCnn *model);
/* The head's module name in files ("classifier.1", "fc", "classifier"). */
const char           *fovea_train_cnn_get_head_module (const FoveaTrainCnn *model);
/* The bytes of the activation arena planned for (max_batch, height,
 * width): activations kept for the backward pass, gradients, scratch. */
gsize                 fovea_train_cnn_get_arena_bytes (const FoveaTrainCnn *model);
/* The trainable tensors in a fixed order (empty when frozen). Names are
 * the module's tensor names ("features.2.conv.0.0.weight"), and for LoRA
 * "<module>.lora_A" / "<module>.lora_B"; shapes rows × cols with a
 * convolution's weight as out × (in / groups · kh · kw). */
const FoveaTrainParam *fovea_train_cnn_get_params     (FoveaTrainCnn *model,
                                                       int           *n_params);

/* Runs batch ≤ max_batch images and keeps what the backward pass reads.
 * Returns the logits (batch × n_outputs; the pooled features when the
 * model has no head), owned by the model. */
const float *fovea_train_cnn_forward   (FoveaTrainCnn *model,
                                        const float   *pixels,
                                        int            batch,
                                        GError       **error);
void         fovea_train_cnn_zero_grad (FoveaTrainCnn *model);
/* Back-propagates dlogits of the last forward, accumulating into the
 * parameters' gradients. */
void         fovea_train_cnn_backward  (FoveaTrainCnn *model,
                                        const float   *dlogits);

/* Grad-CAM: the last feature map (the global pool's input) of the last
 * forward, channels-last (batch × h × w × channels), and after a backward
 * of a frozen model its gradient (NULL in the other modes). */
const float *fovea_train_cnn_get_features      (const FoveaTrainCnn *model,
                                                int                 *h,
                                                int                 *w,
                                                int                 *channels);
const float *fovea_train_cnn_get_features_grad (const FoveaTrainCnn *model);

/* Writes what was trained, atomically (temporary files, then rename):
 * full → a hub folder (config.json, model.safetensors with every tensor
 * of the loaded model under its own name, trained weights replaced,
 * BatchNorm as loaded); lora and head → a PEFT folder (adapter_config.json
 * with target_modules and the head in modules_to_save,
 * adapter_model.safetensors with base_model.model.<module>.lora_A.weight
 * [r, in, 1, 1] …). Extra metadata strings go in the safetensors
 * __metadata__ (may be NULL). */
/* Full mode: store model.safetensors in F16 instead of F32 (half the
 * bytes; what a bundled model ships as). Training is unchanged. */
void         fovea_train_cnn_set_save_f16 (FoveaTrainCnn *model,
                                           gboolean       f16);
gboolean     fovea_train_cnn_save      (FoveaTrainCnn *model,
                                        const char    *dir,
                                        GHashTable    *metadata,
                                        GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaTrainCnn, fovea_train_cnn_free)

G_END_DECLS
