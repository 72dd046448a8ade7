/* fovea-vit-private.h: the ViT's weight views and activation arena,
 * shared by the files that load, resample, run and adapt it. */
#pragma once

#include "fovea-kernels.h"
#include "fovea-safetensors.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

typedef struct {
  FoveaNorm   norm1;
  FoveaLinear qkv;
  FoveaLinear proj;
  FoveaNorm   norm2;
  FoveaLinear fc1;
  FoveaLinear fc2;
} FoveaVitBlock;

struct _FoveaVit {
  FoveaVitConfig    config;
  char             *weights_path;
  FoveaSafetensors *weights;
  char             *sha256;        /* NULL until asked for */

  int               n_prefix;      /* class + register tokens */
  int               grid_h, grid_w;  /* the patch grid at config.img_size */
  int               hidden_dim;    /* MLP width: int(embed_dim · mlp_ratio), as timm */

  FoveaLinear       patch_embed;   /* Conv2d(p, stride p) as a GEMM on C·p·p patches */
  const float      *cls_token;     /* embed_dim, or NULL */
  const float      *reg_token;     /* reg_tokens × embed_dim, or NULL */
  const float      *pos_embed;     /* (prefix unless no_embed_class + grid) × embed_dim */
  FoveaVitBlock    *blocks;        /* depth */
  FoveaPrecision    precision;     /* FP32 or BF16: the GEMM the blocks' weights are packed for */
  gpointer          packed_memory; /* the blocks' packed weights (fovea-vit-pack.c), or NULL */
  FoveaNorm         norm;          /* weight NULL: nn.Identity (with fc_norm) */
  FoveaNorm         fc_norm;       /* weight NULL: nn.Identity (without) */
  FoveaLinear       head;          /* weight NULL when num_classes is 0 */
};

/* The activation arena: one allocation carved into the buffers below,
 * each row-major with rows = image · tokens + token. Buffers whose
 * lifetimes do not overlap share memory (see fovea-vit-forward.c). */
struct _FoveaVitRun {
  FoveaVit        *vit;
  int              max_batch;
  int              height, width;
  int              grid_h, grid_w;
  int              n_patches;
  int              n_tokens;
  FoveaVitOutputs  outputs;
  FoveaPool       *pool;          /* the threads of the kernels between GEMMs */

  gpointer         arena;
  const float     *pos_embed;     /* vit's, or resampled into the arena */
  float           *x;             /* the residual stream, tokens × D */
  float           *ln;            /* a LayerNorm's output, then attention's */
  float           *wide;          /* qkv (3D), then the MLP's hidden (H); patches first */
  float           *scores;        /* one tokens × tokens block per thread */
  float           *attention;     /* depth × max_batch × heads × T × T, or NULL */
  float           *patch_tokens;  /* max_batch × patches × D, or NULL */
  int              token_block;   /* patch_tokens after this block; -1: final norm */
  float           *pooled;        /* max_batch × D */
  float           *lora_scratch;  /* tokens × FOVEA_LORA_RANK_CHUNK */

  /* Apart from the arena: an adapter's head may be wider than the
   * backbone's, and then this grows (once) on the next forward. */
  float           *logits;
  int              logits_width;  /* capacity per image */
  int              n_outputs;     /* of the last forward */
  int              batch;         /* of the last forward */
};

/* Makes room for n_outputs logits per image; FALSE if out of memory. */
gboolean fovea_vit_run_reserve_logits (FoveaVitRun *run,
                                       int          n_outputs,
                                       GError     **error);

/* Loads and shape-checks every weight view of vit (config filled in). */
gboolean fovea_vit_weights_load   (FoveaVit  *vit,
                                   GError   **error);

/* Packs the blocks' linear weights for the AVX-512 GEMM, when the CPU
 * has it, or for the bf16 GEMM when vit->precision is BF16, and lets go
 * of their pages in the mapping. */
gboolean fovea_vit_weights_pack   (FoveaVit  *vit,
                                   GError   **error);

/* Writes the position embedding for a grid_h × grid_w patch grid into out
 * (same layout as vit->pos_embed): the prefix rows copied, the patch grid
 * resampled from the trained grid with antialiased bicubic interpolation
 * (PyTorch's F.interpolate(mode="bicubic", antialias=True), as timm's
 * resample_abs_pos_embed). */
gboolean fovea_vit_pos_embed_resample (const FoveaVit *vit,
                                       int             grid_h,
                                       int             grid_w,
                                       float          *out,
                                       GError        **error);

/* Rows of scratch the LoRA updates use per chunk of rank: a rank above
 * this is applied a chunk at a time, so no adapter needs more memory. */
#define FOVEA_LORA_RANK_CHUNK 64

/* Adds each update of slot to out (rows × out_stride), the output of the
 * linear layer whose input is in (rows × in_dim):
 *   out[:, off : off + n] += scale · (in·Aᵀ)·Bᵀ
 * scratch holds rows × FOVEA_LORA_RANK_CHUNK floats. */
void     fovea_lora_apply         (FoveaPool           *pool,
                                   const FoveaLoraSlot *slot,
                                   float               *out,
                                   int                  out_stride,
                                   const float         *in,
                                   int                  rows,
                                   float               *scratch);

G_END_DECLS
