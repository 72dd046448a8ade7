/* fovea-cnn-adapter.h: a task's variant of a frozen CNN, as the forward
 * pass runs it: a new head, and LoRA updates of its 1×1 convolutions.
 *
 * PEFT's Conv2d LoRA adds scale · B (A (x)) to a convolution's output
 * before its BatchNorm (lora_A [r, in, 1, 1], lora_B [out, r, 1, 1]).
 * With the BatchNorm folded in (W' = s · W, s = γ / √(σ² + ε)) that is
 * the convolution W' + s · scale · B·A, so the update is merged once, at
 * load, into the adapter's own copy of that convolution's folded weights;
 * every other convolution stays the network's, shared. An adapter so
 * costs the weights of the convolutions it adapts (for a LoRA on every
 * 1×1 convolution of MobileNetV2, about 13 MB), and nothing per call,
 * where applying A and B at run time would add two small GEMMs to every
 * adapted convolution of every forward pass.
 *
 * Only 1×1 convolutions of one group are adapted: those Fovea's trainer
 * adapts (fovea-train-cnn.h), at any stride (a 1×1 kernel has no padding,
 * so the merge is exact there too). Reading a PEFT folder into an adapter
 * is fovea-adapter-cnn.h's. */
#pragma once

#include "fovea-cnn.h"

G_BEGIN_DECLS

typedef struct _FoveaCnnAdapter FoveaCnnAdapter;

/* A convolution as an adapter names it: PEFT's module name (the tensor
 * prefix, "layer1.0.conv1", "features.2.conv.0.0") and its shape. */
typedef struct {
  const char *module;  /* owned by the network */
  int         in_channels;
  int         out_channels;
  int         kernel_h, kernel_w;
  int         stride_h, stride_w;
  int         groups;
} FoveaCnnModule;

/* The network's convolutions, in forward order (the head excluded). */
guint            fovea_cnn_get_n_modules          (const FoveaCnn  *cnn);
void             fovea_cnn_get_module             (const FoveaCnn  *cnn,
                                                   guint            index,
                                                   FoveaCnnModule  *module);
/* The head's module name ("fc", "classifier.1", "classifier"), which a
 * headless network would give its head too. */
const char      *fovea_cnn_get_head_module        (const FoveaCnn  *cnn);

/* An adapter that changes nothing yet. cnn must outlive it. name is used
 * in messages. */
FoveaCnnAdapter *fovea_cnn_adapter_new            (FoveaCnn        *cnn,
                                                   const char      *name);
void             fovea_cnn_adapter_free           (FoveaCnnAdapter *adapter);
const char      *fovea_cnn_adapter_get_name       (const FoveaCnnAdapter *adapter);
const FoveaCnn  *fovea_cnn_adapter_get_cnn        (const FoveaCnnAdapter *adapter);

/* Replaces the head: weight [classes, num_features] (a Linear's), bias
 * [classes] or NULL for none. The values are copied. */
gboolean         fovea_cnn_adapter_set_head       (FoveaCnnAdapter *adapter,
                                                   int              classes,
                                                   const float     *weight,
                                                   const float     *bias,
                                                   GError         **error);
/* Merges scale · B·A into module's folded weights: a is [rank, in], b
 * [out, rank]. Each module takes one update; a module that is not a 1×1
 * convolution of one group is refused, naming it. */
gboolean         fovea_cnn_adapter_merge_lora     (FoveaCnnAdapter *adapter,
                                                   guint            module,
                                                   int              rank,
                                                   float            scale,
                                                   const float     *a,
                                                   const float     *b,
                                                   GError         **error);

/* The head's classes, or the network's outputs without a head of its own. */
int              fovea_cnn_adapter_get_n_outputs  (const FoveaCnnAdapter *adapter);
/* Row target_class of the head the forward pass runs with adapter (NULL:
 * the network's own), as PyTorch's Linear holds it: num_features weights
 * into row (what a class activation map weighs the feature map by).
 * FALSE with an error when there is no head or no such class. */
gboolean         fovea_cnn_get_head_row           (const FoveaCnn        *cnn,
                                                   const FoveaCnnAdapter *adapter,
                                                   int                    target_class,
                                                   float                 *row,
                                                   GError               **error);
/* Convolutions with a LoRA merged in. */
int              fovea_cnn_adapter_get_n_merged   (const FoveaCnnAdapter *adapter);
/* Bytes the adapter holds beside the network: merged weights and head. */
gsize            fovea_cnn_adapter_get_weights_size (const FoveaCnnAdapter *adapter);

/* fovea_cnn_forward with the adapter's weights (NULL: the network's own).
 * The adapter must be of the run's network. The run's logits grow to an
 * adapter's wider head on its first forward: the one allocation a
 * forward can make. */
gboolean         fovea_cnn_forward_adapted        (FoveaCnnRun           *run,
                                                   const float           *pixels,
                                                   int                    batch,
                                                   const FoveaCnnAdapter *adapter,
                                                   GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaCnnAdapter, fovea_cnn_adapter_free)

G_END_DECLS
