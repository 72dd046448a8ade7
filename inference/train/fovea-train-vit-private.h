/* fovea-train-vit-private.h: the trainable ViT's layers, parameters and
 * activation arena, shared by the files that build, run and save it. */
#pragma once

#include "fovea-train-kernels.h"
#include "fovea-train-vit.h"
#include "fovea-vit-private.h"

G_BEGIN_DECLS

/* A linear layer: weights to read (the model's own, or a frozen
 * backbone's, then perhaps packed) and gradients (NULL when frozen). */
typedef struct {
  const float *weight;
  const float *bias;      /* NULL: no bias */
  const float *packed;    /* fovea-gemm.h's copy of a frozen weight, or NULL */
  float       *dweight;
  float       *dbias;
  int          in_dim;
  int          out_dim;
} TrainLinear;

typedef struct {
  const float *weight;
  const float *bias;
  float       *dweight;
  float       *dbias;
} TrainNorm;

/* Q, K, V, QKV, PROJ, FC1, FC2 when trained; up to 2 per layer of a
 * loaded FoveaLora. */
#define TRAIN_MAX_BLOCK_LORAS 8

typedef struct {
  FoveaTrainLora  lora;
  FoveaLoraTarget layer;    /* the linear layer it adds to */
  guint           target;   /* the FoveaTrainTargets bit, 0 for a loaded update */
} TrainBlockLora;

typedef struct {
  TrainNorm      norm1, norm2;
  TrainLinear    qkv, proj, fc1, fc2;
  int            n_loras;
  TrainBlockLora loras[TRAIN_MAX_BLOCK_LORAS];
} TrainBlock;

/* What one block's forward keeps (rows = batch · tokens). */
typedef struct {
  float *x;             /* the block's input, rows × D */
  float *dx;            /* its gradient after a backward */
  float *ln1, *mean1, *rstd1;
  float *qkv;           /* rows × 3D */
  float *att;           /* batch × heads × T × T */
  float *att_out;       /* rows × D, proj's input */
  float *xmid;          /* x + attention, rows × D */
  float *ln2, *mean2, *rstd2;
  float *fc1_out;       /* rows × H, before GELU */
  float *lora_u[TRAIN_MAX_BLOCK_LORAS];  /* rows × rank each */
} TrainBlockActs;

/* One parameter tensor's shape in files (timm's, e.g. 4-D conv weight). */
typedef struct {
  int    n_dims;
  gint64 shape[4];
} TrainFileShape;

struct _FoveaTrainVit {
  FoveaTrainMode   mode;
  FoveaVitConfig   config;       /* own copy */
  FoveaVit        *vit;          /* the frozen backbone (lora, frozen), not owned */
  FoveaLoraSpec    spec;         /* lora mode */
  int              max_batch;
  int              batch;        /* of the last forward, 0 before */
  int              backward_stop;

  int              n_prefix, grid_h, grid_w, n_patches, n_tokens;
  int              hidden, n_outputs, n_pos;
  FoveaPool       *pool;

  TrainLinear      patch_embed;
  const float     *cls_token, *reg_token, *pos_embed;
  float           *dcls_token, *dreg_token, *dpos_embed;
  TrainBlock      *blocks;       /* depth */
  TrainNorm        norm;         /* weight NULL: identity (fc_norm models) */
  TrainNorm        fc_norm;      /* weight NULL: identity */
  TrainLinear      head;         /* weight NULL: no head, pooled features out */

  /* Trainable tensors: one allocation for values, one for gradients. */
  float           *values, *grads;
  gsize            n_values, n_used;
  GArray          *params;       /* FoveaTrainParam */
  GArray          *file_shapes;  /* TrainFileShape, parallel to params */
  GPtrArray       *names;        /* owns the params' names */

  /* The activation arena. */
  gpointer         arena;
  TrainBlockActs  *acts;         /* depth + 1: acts[depth].x is the last block's output */
  float           *patches;      /* batch · patches × C·p·p */
  float           *normed, *norm_mean, *norm_rstd;  /* final norm over all rows */
  float           *pooled;       /* batch × D */
  float           *fc_normed, *fc_mean, *fc_rstd;   /* batch × D, batch, batch */
  float           *logits;       /* batch × n_outputs */
  /* backward scratch */
  float           *dwide;        /* rows × max (3D, H) */
  float           *hidden_buf;   /* rows × H: GELU output, forward and backward */
  float           *dln;          /* rows × D */
  float           *du;           /* rows × largest rank */
  float           *att_scratch;  /* threads × T × T */
  float           *dpooled;      /* batch × D, twice */
  float           *dfc;
};

G_END_DECLS
