/* fovea-adapter.h: loading LoRA task adapters from the files the PyTorch
 * ecosystem writes, into a FoveaLora checked against a backbone.
 *
 * - PEFT folder: adapter_config.json + adapter_model.safetensors, tensors
 *   base_model.model.<module>.lora_A.weight / .lora_B.weight, heads in
 *   modules_to_save as base_model.model.head.weight / .bias; scaling
 *   lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora; config keys r,
 *   lora_alpha, target_modules (list or regex), use_rslora, fan_in_fan_out,
 *   modules_to_save, layers_to_transform, rank_pattern, alpha_pattern.
 * - MeLo file (.safetensors): w_a_NNN (r × D) / w_b_NNN (D × r) on the q
 *   (index 2i) and v (2i + 1) slices of block i's fused qkv, and a head
 *   fc_{D}in_{C}out without bias; scale = alpha // r, from a
 *   "_lora_{r}_{alpha}" tag in the file name, else melo_scale, else 1.
 * An adapter that does not fit is refused whole, naming the tensor. */
#pragma once

#include "fovea-lora.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

typedef struct {
  int melo_scale;  /* 0: from the file name's tag, else 1; a tag that
                    * gives another scale is an error */
} FoveaAdapterOptions;

/* path is a PEFT folder or a MeLo .safetensors file. options may be NULL.
 * The adapter is checked with fovea_vit_check_lora before it is returned.
 * It keeps its own files mapped and points into nothing of vit's. */
FoveaLora *fovea_adapter_load           (const char                *path,
                                         const FoveaVit            *vit,
                                         const FoveaAdapterOptions *options,
                                         GError                   **error);

/* The same from data already in memory (the fuzzing entry points). name
 * stands for the folder's or file's name: messages use it, and a MeLo
 * scale tag is read from it. The adapter keeps a reference to weights. */
FoveaLora *fovea_adapter_load_peft_data (const char                *config_json,
                                         gssize                     length,
                                         FoveaSafetensors          *weights,
                                         const char                *name,
                                         const FoveaVit            *vit,
                                         GError                   **error);
FoveaLora *fovea_adapter_load_melo_data (FoveaSafetensors          *weights,
                                         const char                *name,
                                         const FoveaVit            *vit,
                                         const FoveaAdapterOptions *options,
                                         GError                   **error);

G_END_DECLS
