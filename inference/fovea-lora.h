/* fovea-lora.h: a task adapter in the form the forward pass applies it.
 *
 * Both adapter formats (PEFT folders, MeLo files) load into this one
 * structure. Adapters are applied unmerged, y = W·x + s·B·(A·x), so the
 * frozen backbone is shared and switching task is a pointer change. */
#pragma once

#include <glib.h>

#include "fovea-safetensors.h"

G_BEGIN_DECLS

/* The linear layers of a ViT block an adapter can target. */
typedef enum {
  FOVEA_LORA_QKV,   /* attn.qkv: D → 3D */
  FOVEA_LORA_PROJ,  /* attn.proj: D → D */
  FOVEA_LORA_FC1,   /* mlp.fc1: D → H */
  FOVEA_LORA_FC2,   /* mlp.fc2: H → D */
  FOVEA_LORA_N_TARGETS,
} FoveaLoraTarget;

/* One low-rank update of (a slice of) a linear layer's output:
 *   y[:, out_offset : out_offset + out_features] += scale · (x·Aᵀ)·Bᵀ
 * A is rank × in_features, B is out_features × rank, both row-major F32.
 * MeLo's q and v updates are two of these on the qkv layer, at offsets 0
 * and 2D; a PEFT update of the whole qkv has offset 0 and out 3D. */
typedef struct {
  int          rank;
  int          in_features;
  int          out_features;
  int          out_offset;
  float        scale;
  const float *a;
  const float *b;
} FoveaLoraUpdate;

#define FOVEA_LORA_MAX_UPDATES 2

typedef struct {
  int             n_updates;
  FoveaLoraUpdate updates[FOVEA_LORA_MAX_UPDATES];
} FoveaLoraSlot;

/* A loaded adapter. Weights point into files it keeps mapped. */
typedef struct {
  char             *name;         /* for messages and results */
  char             *path;
  int               depth;        /* the backbone's block count it was checked against */
  FoveaLoraSlot    *slots;        /* depth × FOVEA_LORA_N_TARGETS, row-major by block */
  /* A replacement head (PEFT modules_to_save, MeLo fc_*): NULL to keep the
   * backbone's. head_bias may be NULL (MeLo heads have none). */
  int               head_classes;
  const float      *head_weight;  /* head_classes × embed_dim */
  const float      *head_bias;
  GPtrArray        *files;        /* FoveaSafetensors* kept mapped */
} FoveaLora;

static inline const FoveaLoraSlot *
fovea_lora_slot (const FoveaLora *lora, int block, FoveaLoraTarget target)
{
  return &lora->slots[block * FOVEA_LORA_N_TARGETS + target];
}

void fovea_lora_free (FoveaLora *lora);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaLora, fovea_lora_free)

G_END_DECLS
