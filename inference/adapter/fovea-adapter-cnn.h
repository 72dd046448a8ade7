/* fovea-adapter-cnn.h: a PEFT folder on a CNN, read into a
 * FoveaCnnAdapter (fovea-cnn-adapter.h) checked against the network.
 *
 * What fovea_train_cnn_save writes in head and LoRA mode, and what PEFT
 * writes for a torchvision or timm CNN:
 * - adapter_config.json, read with PEFT's module rules
 *   (fovea-adapter-peft-config.h) against the network's convolution names
 *   ("layer1.0.conv1", "features.2.conv.0.0"); target_modules may be
 *   PEFT's placeholder "dummy-target-modules" for a head alone;
 * - adapter_model.safetensors: base_model.model.<module>.lora_A.weight
 *   [r, in, 1, 1] and .lora_B.weight [out, r, 1, 1] for each targeted 1×1
 *   convolution (merged into the adapter's copy of its weights), and the
 *   head of modules_to_save as base_model.model.<head>.weight [classes,
 *   num_features] and .bias.
 * A tensor that fits nothing, a targeted convolution that is not 1×1, a
 * LoRA on the head (save it whole instead) or an adapter that changes
 * nothing is refused, naming the tensor or module: an adapter made for
 * another backbone must not half-apply. MeLo files are ViT adapters. */
#pragma once

#include "fovea-cnn-adapter.h"

G_BEGIN_DECLS

/* path is a PEFT folder. */
FoveaCnnAdapter *fovea_adapter_load_cnn           (const char       *path,
                                                   FoveaCnn         *cnn,
                                                   GError          **error);
/* The same from data already in memory; name stands for the folder's. */
FoveaCnnAdapter *fovea_adapter_load_cnn_peft_data (const char       *config_json,
                                                   gssize            length,
                                                   FoveaSafetensors *weights,
                                                   const char       *name,
                                                   FoveaCnn         *cnn,
                                                   GError          **error);

G_END_DECLS
