/* fovea-seg.h: segmentation networks in segmentation_models_pytorch's
 * Unet layout, on the CNN engine (fovea-cnn.h), in its style: the frozen
 * network with every BatchNorm folded at load, and a run, one activation
 * arena for a (model, batch, image size) tuple, reused by every forward.
 *
 *   encoder.features.N...      torchvision's MobileNetV2 (smp's mobilenet_v2
 *                              encoder), its skips after features 1, 3, 6, 13
 *                              and 18 (strides 2 to 32: 16, 24, 32, 96 and
 *                              1280 channels)
 *   decoder.blocks.N (0..4)    ×2 nearest upsampling, concatenation with the
 *                              skip of that stride (none for the last),
 *                              conv1 and conv2: 3×3 conv (no bias) + BN + ReLU,
 *                              as .convK.0 and .convK.1
 *   segmentation_head.0        3×3 conv with a bias to the classes
 *
 * The image's height and width must be multiples of 32, as smp's. */
#pragma once

#include "fovea-cnn.h"
#include "fovea-seg-config.h"

G_BEGIN_DECLS

typedef struct _FoveaSeg FoveaSeg;
typedef struct _FoveaSegRun FoveaSegRun;

/* The encoder's strides: an input's sides must be multiples of this. */
#define FOVEA_SEG_STRIDE 32

/* Loads dir/config.json and dir/model.safetensors, as strictly as
 * fovea_cnn_load: a tensor missing, of another shape, or that the model
 * does not have gives an error naming it. */
FoveaSeg             *fovea_seg_load       (const char           *dir,
                                            FoveaCnnLoadFlags     flags,
                                            GError              **error);
/* The same from weights already open; name is used in messages. */
FoveaSeg             *fovea_seg_new        (const FoveaSegConfig *config,
                                            FoveaSafetensors     *weights,
                                            const char           *name,
                                            FoveaCnnLoadFlags     flags,
                                            GError              **error);
void                  fovea_seg_free       (FoveaSeg             *seg);
const FoveaSegConfig *fovea_seg_get_config (const FoveaSeg       *seg);

/* What a tensor of the model is (FoveaCnnTensorRole's roles; the head's
 * weight is a CONV_WEIGHT, its bias a HEAD_BIAS), in state_dict order:
 * the encoder's, the decoder's, the head's. */
void                  fovea_seg_config_foreach_tensor (const FoveaSegConfig *config,
                                                       FoveaCnnTensorFunc    func,
                                                       gpointer              data);

/* An arena for up to max_batch images of height × width pixels (each a
 * multiple of FOVEA_SEG_STRIDE). n_threads ≤ 0: one per core. */
FoveaSegRun          *fovea_seg_run_new    (FoveaSeg             *seg,
                                            int                   max_batch,
                                            int                   height,
                                            int                   width,
                                            int                   n_threads,
                                            GError              **error);
void                  fovea_seg_run_free   (FoveaSegRun          *run);
/* Bytes of the run's arenas (encoder and decoder). */
gsize                 fovea_seg_run_get_memory_size (const FoveaSegRun *run);

/* pixels: batch × in_channels × height × width F32 (NCHW), normalised. */
gboolean              fovea_seg_forward    (FoveaSegRun          *run,
                                            const float          *pixels,
                                            int                   batch,
                                            GError              **error);
/* The last forward's logits, batch × height × width × classes
 * (channels-last), owned by the run. */
const float          *fovea_seg_run_get_logits        (const FoveaSegRun *run);
/* Its probabilities (the config's sigmoid or softmax), batch × classes ×
 * height × width (one plane per class), computed on the first call
 * after a forward. */
const float          *fovea_seg_run_get_probabilities (FoveaSegRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSeg, fovea_seg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegRun, fovea_seg_run_free)

G_END_DECLS
