/* fovea-lora.h: a task adapter in the form the forward pass applies it.
 *
 * Both adapter formats (PEFT folders, MeLo files) load into this one
 * structure. Adapters are applied unmerged, y = W·x + s·B·(A·x), so the
 * frozen backbone is shared and switching task is a pointer change. */
#pragma once

#include <glib.h>

#include "fovea-safetensors.h"
#include "fovea-vit-config.h"

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

/* A loaded adapter. Weights point into files it keeps mapped, or into
 * buffers it owns (F16/BF16 converted by the safetensors object, a head
 * with its LoRA update merged in). */
typedef struct {
  char             *name;         /* for messages and results */
  char             *path;         /* NULL when loaded from memory */
  int               depth;        /* the backbone's block count it was checked against */
  FoveaLoraSlot    *slots;        /* depth × FOVEA_LORA_N_TARGETS, row-major by block */
  /* A replacement head (PEFT modules_to_save or a LoRA on the head, MeLo
   * fc_*): NULL to keep the backbone's. head_bias may be NULL (MeLo heads
   * have none): a zero bias. */
  int               head_classes;
  int               head_width;   /* its input width: the backbone's embed_dim */
  const float      *head_weight;  /* head_classes × head_width */
  const float      *head_bias;
  GPtrArray        *files;        /* FoveaSafetensors* kept mapped */
  GPtrArray        *buffers;      /* arrays it owns (g_free) */
} FoveaLora;

static inline const FoveaLoraSlot *
fovea_lora_slot (const FoveaLora *lora, int block, FoveaLoraTarget target)
{
  return &lora->slots[block * FOVEA_LORA_N_TARGETS + target];
}

/* An empty adapter (no updates, the backbone's head) for depth blocks. */
FoveaLora  *fovea_lora_new            (const char      *name,
                                       int              depth);
void        fovea_lora_free           (FoveaLora       *lora);
/* Appends an update to a slot; FALSE when the slot is full. */
gboolean    fovea_lora_add_update     (FoveaLora       *lora,
                                       int              block,
                                       FoveaLoraTarget  target,
                                       const FoveaLoraUpdate *update);
/* Bytes of parameters the adapter applies (A, B and head, as F32) plus its
 * slot table: what it adds to memory beside the backbone. */
gsize       fovea_lora_get_n_bytes    (const FoveaLora *lora);

/* The target's module name inside a block, as timm names it ("attn.qkv"). */
const char *fovea_lora_target_module  (FoveaLoraTarget  target);
/* The target layer's input and output widths in this backbone. */
void        fovea_lora_target_shape   (const FoveaVitConfig *config,
                                       FoveaLoraTarget  target,
                                       int             *in_features,
                                       int             *out_features);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaLora, fovea_lora_free)

G_END_DECLS
