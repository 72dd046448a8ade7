/* fovea-cnn.h: torchvision and timm ResNets and MobileNetV2, in the style
 * of llm.c and of fovea-vit.h, whose API this one mirrors call for call so
 * that a backbone can be either (see fovea_cnn_architecture_is_known).
 *
 * FoveaCnn is the frozen network: every convolution with its BatchNorm
 * folded in, once, at load, laid out for its kernel (the folded weights
 * are the one copy kept in memory: the file's pages are given back as
 * each is folded), the head likewise. FoveaCnnRun is one activation
 * arena for a (model, batch, image size) tuple, allocated once and reused
 * by every forward pass: no allocation happens on the hot path.
 *
 * Threads: each run has its own pool (fovea-pool.h) that runs every
 * kernel, and each forward sets OpenBLAS to one thread (a process-wide
 * setting). A run is used by one thread at a time; runs on one FoveaCnn
 * may be used from different threads at once. */
#pragma once

#include "fovea-cnn-config.h"
#include "fovea-safetensors.h"

G_BEGIN_DECLS

typedef struct _FoveaCnn FoveaCnn;
typedef struct _FoveaCnnRun FoveaCnnRun;

typedef enum {
  FOVEA_CNN_LOAD_DEFAULT  = 0,
  /* OpenBLAS for the convolutions even where Fovea's AVX-512 GEMM runs:
   * for measuring one against the other, and testing the portable path. */
  FOVEA_CNN_LOAD_OPENBLAS = 1 << 0,
} FoveaCnnLoadFlags;

/* Loads dir/config.json and dir/model.safetensors (or dir/pytorch_model.bin
 * when that is all there is: fovea-model-weights.h). Loading is strict: a
 * tensor missing, of the wrong shape, or that the architecture does not
 * have gives an error naming it. */
FoveaCnn             *fovea_cnn_load        (const char        *dir,
                                             FoveaCnnLoadFlags  flags,
                                             GError           **error);
/* The same from weights already open (a converted PyTorch checkpoint, a
 * bare file with --arch); name is used in messages. The network keeps a
 * reference to weights only as long as it needs one. */
FoveaCnn             *fovea_cnn_new         (const FoveaCnnConfig *config,
                                             FoveaSafetensors     *weights,
                                             const char           *name,
                                             FoveaCnnLoadFlags     flags,
                                             GError              **error);
void                  fovea_cnn_free        (FoveaCnn          *cnn);
const FoveaCnnConfig *fovea_cnn_get_config  (const FoveaCnn    *cnn);
/* Bytes of the weights as the network holds them: the folded (and
 * packed) convolutions and the head. */
gsize                 fovea_cnn_get_weights_size (const FoveaCnn *cnn);
/* SHA-256 of the weights file, hex; computed on first call. NULL if the
 * network was not loaded from a file, or it can no longer be read. */
const char           *fovea_cnn_get_sha256  (FoveaCnn          *cnn);

/* An arena for up to max_batch images of height × width pixels (any size
 * the network's strides leave at least one pixel of). n_threads ≤ 0
 * means one per core. The run refers to cnn, which must outlive it. */
FoveaCnnRun          *fovea_cnn_run_new     (FoveaCnn          *cnn,
                                             int                max_batch,
                                             int                height,
                                             int                width,
                                             int                n_threads,
                                             GError           **error);
void                  fovea_cnn_run_free    (FoveaCnnRun       *run);
/* The network the run is for. */
const FoveaCnn       *fovea_cnn_run_get_cnn (const FoveaCnnRun *run);
/* Images of the last forward pass (0 before the first). */
int                   fovea_cnn_run_get_batch (const FoveaCnnRun *run);
/* Bytes of the run's activation arena and outputs. */
gsize                 fovea_cnn_run_get_memory_size (const FoveaCnnRun *run);

/* Runs batch ≤ max_batch images. pixels is batch × in_chans × height ×
 * width F32 (NCHW, as PyTorch), already normalised. */
gboolean              fovea_cnn_forward     (FoveaCnnRun       *run,
                                             const float       *pixels,
                                             int                batch,
                                             GError           **error);

/* Results of the last forward pass, owned by the run. n_outputs is
 * num_classes (an adapter's head classes, fovea-cnn-adapter.h), or
 * num_features pooled features when headless. */
int                   fovea_cnn_run_get_n_outputs    (const FoveaCnnRun *run);
const float          *fovea_cnn_run_get_logits       (const FoveaCnnRun *run); /* batch × n_outputs */
/* The pooled features (batch × num_features), the head's input. */
const float          *fovea_cnn_run_get_features     (const FoveaCnnRun *run);
/* The last convolutional block's output, before pooling (what Grad-CAM
 * weighs): batch × height × width × channels, channels-last; NULL before
 * the first forward. Its size is the run's, known before any forward. */
const float          *fovea_cnn_run_get_feature_map  (const FoveaCnnRun *run,
                                                      int               *height,
                                                      int               *width,
                                                      int               *channels);

/* Intermediate features (a PatchCore bank's, fovea-patch-cnn-features.h).
 * Blocks are numbered from 0, the stem, as torchvision's `features.N`
 * for a MobileNetV2 (ResNets: the stem, then every residual block).
 * fovea_cnn_get_n_blocks says how many there are; a run gives each
 * block's output shape (after the max pool where one follows it), known
 * before any forward. */
int                   fovea_cnn_get_n_blocks (const FoveaCnn *cnn);
gboolean              fovea_cnn_run_get_block_shape (const FoveaCnnRun *run,
                                                     int                block,
                                                     int               *height,
                                                     int               *width,
                                                     int               *channels);
/* Runs one image (in_chans × height × width F32, NCHW, normalised) through
 * blocks 0 … taps[n_taps - 1] only, copying the output of each block in
 * taps (strictly increasing) channels-last into outs[i], which holds
 * fovea_cnn_run_get_block_shape's height × width × channels floats. */
gboolean              fovea_cnn_forward_taps (FoveaCnnRun       *run,
                                              const float       *pixels,
                                              const int         *taps,
                                              int                n_taps,
                                              float *const      *outs,
                                              GError           **error);

/* What a tensor of a network is, for whoever writes one (a random-weight
 * generator, a checkpoint converter). */
typedef enum {
  FOVEA_CNN_TENSOR_CONV_WEIGHT,  /* [out, in / groups, kernel, kernel] */
  FOVEA_CNN_TENSOR_BN_WEIGHT,    /* BatchNorm's γ, [channels] */
  FOVEA_CNN_TENSOR_BN_BIAS,      /* β */
  FOVEA_CNN_TENSOR_BN_MEAN,      /* running_mean */
  FOVEA_CNN_TENSOR_BN_VAR,       /* running_var */
  FOVEA_CNN_TENSOR_HEAD_WEIGHT,  /* [num_classes, num_features] */
  FOVEA_CNN_TENSOR_HEAD_BIAS,    /* [num_classes] */
} FoveaCnnTensorRole;

typedef void (*FoveaCnnTensorFunc) (const char         *name,
                                    FoveaCnnTensorRole  role,
                                    int                 n_dims,
                                    const gint64       *shape,
                                    gpointer            data);

/* Calls func for every tensor a network of this config has (those
 * fovea_cnn_load requires, no more), in the order of PyTorch's
 * state_dict, without BatchNorm's num_batches_tracked. */
void                  fovea_cnn_config_foreach_tensor (const FoveaCnnConfig *config,
                                                       FoveaCnnTensorFunc    func,
                                                       gpointer              data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaCnn, fovea_cnn_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaCnnRun, fovea_cnn_run_free)

G_END_DECLS
