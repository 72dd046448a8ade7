/* fovea-seg-private.h: a segmentation network's decoder and arena,
 * shared by the files that load and run it (and train it). */
#pragma once

#include "fovea-seg.h"
#include "fovea-cnn-private.h"

G_BEGIN_DECLS

/* The encoder blocks (of the CNN engine's MobileNetV2) after which a
 * feature map is taken: strides 2, 4, 8, 16 and 32. */
#define FOVEA_SEG_N_FEATURES 5
extern const int fovea_seg_feature_blocks[FOVEA_SEG_N_FEATURES];

typedef struct {
  int       in_channels;    /* from the block below (upsampled) */
  int       skip_channels;  /* 0 for the last block */
  int       out_channels;
  FoveaConv conv1, conv2;   /* BatchNorm folded, ReLU after each */
} FoveaSegBlock;

struct _FoveaSeg {
  FoveaSegConfig config;
  FoveaCnn      *encoder;   /* owns the weights file and every folded weight */
  FoveaSegBlock  blocks[FOVEA_SEG_DECODER_BLOCKS];
  FoveaConv      head;
};

struct _FoveaSegRun {
  FoveaSeg         *seg;
  FoveaCnnRun      *encoder;        /* its arena and pool run the encoder */
  int               max_batch, height, width;
  /* Each decoder block's output size, and its convolutions' shapes. */
  int               out_h[FOVEA_SEG_DECODER_BLOCKS], out_w[FOVEA_SEG_DECODER_BLOCKS];
  FoveaWindowShape  conv1_shape[FOVEA_SEG_DECODER_BLOCKS];
  FoveaWindowShape  conv2_shape[FOVEA_SEG_DECODER_BLOCKS];
  FoveaWindowShape  head_shape;

  gpointer          arena;
  gsize             arena_bytes;
  /* The encoder's features at strides 2, 4, 8 and 16 (the skips),
   * channels-last; stride 32's stays in the encoder run. */
  float            *skips[FOVEA_SEG_N_FEATURES - 1];
  float            *cat;            /* a block's upsampled input + skip */
  float            *t;              /* conv1's output */
  float            *d;              /* a block's output */
  float            *scratch;        /* im2col rows */
  float            *logits;         /* batch × height × width × classes */
  float            *probabilities;  /* batch × classes × height × width */
  gboolean          probabilities_ready;
  int               batch;
};

/* Sets seg->blocks and seg->head from seg->config (their padding from
 * seg->encoder's config) and, when sources is not NULL, appends where
 * each convolution's weights come from (the head's with no BatchNorm):
 * what loading, the tensor list and training all describe the decoder
 * by. */
void fovea_seg_describe_decoder (FoveaSeg *seg,
                                 GArray   *sources);

G_END_DECLS
