/* fovea-vit.h: a timm Vision Transformer, in the style of llm.c.
 *
 * FoveaVit is the frozen backbone: a struct of weight views pointing into
 * the memory-mapped model.safetensors, loaded from a hub-layout folder
 * (config.json + model.safetensors, timm's tensor names). FoveaVitRun is
 * one activation arena for a (model, batch, image size, outputs) tuple,
 * allocated once and reused by every forward pass: no allocation happens
 * on the hot path.
 *
 * Threads: each run has its own pool (fovea-pool.h) that runs every
 * kernel, GEMMs included, and each forward sets OpenBLAS to one thread
 * (a process-wide setting). A run is used by one thread at a time; runs
 * on one FoveaVit may be used from different threads at once. */
#pragma once

#include "fovea-lora.h"
#include "fovea-precision.h"
#include "fovea-vit-config.h"

G_BEGIN_DECLS

typedef struct _FoveaVit FoveaVit;
typedef struct _FoveaVitRun FoveaVitRun;

/* Optional outputs: each costs nothing unless asked for. */
typedef enum {
  FOVEA_VIT_OUTPUT_LOGITS       = 0,       /* always produced */
  FOVEA_VIT_OUTPUT_ATTENTION    = 1 << 0,  /* softmax attention of every block */
  FOVEA_VIT_OUTPUT_PATCH_TOKENS = 1 << 1,  /* final-norm patch tokens */
} FoveaVitOutputs;

/* How to load a model; all zeros is the default. */
typedef struct {
  /* The blocks' linear layers in FP32 or BF16 (fovea-precision.h): their
   * weights are packed once, here, for the chosen GEMM. AUTO is FP32.
   * BF16 on a CPU without AVX512-BF16 fails the load with
   * FOVEA_MODEL_ERROR_PRECISION. */
  FoveaPrecision precision;
} FoveaVitLoadOptions;

/* Loads dir/config.json and maps dir/model.safetensors (or reads
 * dir/pytorch_model.bin when that is all there is: fovea-model-weights.h),
 * checking every weight's presence and shape. */
FoveaVit             *fovea_vit_load        (const char *dir,
                                             GError    **error);
/* The same with options (NULL: the defaults). */
FoveaVit             *fovea_vit_load_with_options (const char                *dir,
                                                   const FoveaVitLoadOptions *options,
                                                   GError                   **error);
/* What the linear layers run in: FOVEA_PRECISION_FP32 or _BF16. */
FoveaPrecision        fovea_vit_get_precision (const FoveaVit *vit);
void                  fovea_vit_free        (FoveaVit   *vit);
const FoveaVitConfig *fovea_vit_get_config  (const FoveaVit *vit);
/* SHA-256 of the weights file (model.safetensors or pytorch_model.bin),
 * hex; computed on first call. NULL if the file can no longer be read. */
const char           *fovea_vit_get_sha256  (FoveaVit   *vit);
/* Checks that an adapter fits this backbone: depth, every update's
 * shapes and the head's width. The error names the offending tensor. */
gboolean              fovea_vit_check_lora  (const FoveaVit  *vit,
                                             const FoveaLora *lora,
                                             GError         **error);

/* An arena for up to max_batch images of height × width pixels (multiples
 * of the patch size; other sizes than the config's resample the position
 * embedding bicubically, as timm's resample_abs_pos_embed). n_threads ≤ 0
 * means one per core. The run refers to vit, which must outlive it. */
FoveaVitRun          *fovea_vit_run_new     (FoveaVit        *vit,
                                             int              max_batch,
                                             int              height,
                                             int              width,
                                             FoveaVitOutputs  outputs,
                                             int              n_threads,
                                             GError         **error);
void                  fovea_vit_run_free    (FoveaVitRun     *run);
/* Which tokens FOVEA_VIT_OUTPUT_PATCH_TOKENS gives: -1 (the default) the
 * final-norm patch tokens; 0 ≤ block < depth the residual stream after
 * that block (timm's forward_intermediates without norm), for anomaly
 * features from a middle layer. The forward then stops after that block:
 * no logits are computed (n_outputs reads 0), and the blocks after it
 * cost nothing. FALSE with an error for a block out of range or a run
 * made without FOVEA_VIT_OUTPUT_PATCH_TOKENS. */
gboolean              fovea_vit_run_set_patch_token_block (FoveaVitRun *run,
                                                           int          block,
                                                           GError     **error);

/* Runs batch ≤ max_batch images. pixels is batch × 3 × height × width F32,
 * already normalised. lora may be NULL for the bare backbone; it must have
 * passed fovea_vit_check_lora (it is checked again, cheaply, and refused
 * with FOVEA_MODEL_ERROR_ADAPTER rather than read out of bounds). The run
 * keeps room for the backbone's logits (or embed_dim pooled features when
 * it has no head); an adapter with a wider head grows that buffer on its
 * first forward, the one allocation a forward can make. */
gboolean              fovea_vit_forward     (FoveaVitRun     *run,
                                             const float     *pixels,
                                             int              batch,
                                             const FoveaLora *lora,
                                             GError         **error);

/* Results of the last forward pass, owned by the run. n_outputs is the
 * adapter's head_classes, the backbone's num_classes, or embed_dim pooled
 * features when neither has a head. */
int                   fovea_vit_run_get_n_outputs    (const FoveaVitRun *run);
const float          *fovea_vit_run_get_logits       (const FoveaVitRun *run); /* batch × n_outputs */
int                   fovea_vit_run_get_n_tokens     (const FoveaVitRun *run); /* prefix + patches */
/* The patch grid; returns the number of patches. */
int                   fovea_vit_run_get_grid         (const FoveaVitRun *run, int *grid_h, int *grid_w);
/* batch × heads × tokens × tokens for that block; NULL unless requested. */
const float          *fovea_vit_run_get_attention    (const FoveaVitRun *run, int block);
/* batch × patches × embed_dim; NULL unless requested. */
const float          *fovea_vit_run_get_patch_tokens (const FoveaVitRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaVit, fovea_vit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaVitRun, fovea_vit_run_free)

G_END_DECLS
