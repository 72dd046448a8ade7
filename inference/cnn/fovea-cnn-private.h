/* fovea-cnn-private.h: a CNN's layers and activation arena, shared by
 * the files that describe, load and run it.
 *
 * Every network here is a chain of blocks of one to three convolutions:
 *   out = act (conv_last (... act (conv_1 (x))) + shortcut)
 * where shortcut is nothing, x itself, or a convolution of x (ResNet's
 * downsample). A ResNet's stem is a block of one convolution followed by
 * a max pool; a MobileNetV2's stem and its final 1×1 convolution are
 * blocks of one. */
#pragma once

#include "fovea-cnn.h"
#include "fovea-cnn-kernels.h"
#include "fovea-safetensors.h"

G_BEGIN_DECLS

#define FOVEA_CNN_MAX_CONVS 3

typedef struct {
  int       n_convs;
  FoveaConv convs[FOVEA_CNN_MAX_CONVS];
  FoveaAct  acts[FOVEA_CNN_MAX_CONVS];  /* the last one's after the shortcut is added */
  gboolean  identity_shortcut;          /* add the block's input */
  gboolean  has_downsample;             /* add downsample (input) */
  FoveaConv downsample;
} FoveaCnnBlock;

/* Where a convolution's weights come from: its tensor name prefix and
 * its BatchNorm's (the two are folded into conv at load). bn_name NULL:
 * a convolution with its own bias (conv_name.bias) and no BatchNorm, as
 * a segmentation head (fovea-seg.h). */
typedef struct {
  FoveaConv *conv;
  char      *conv_name;
  char      *bn_name;
} FoveaCnnConvSource;

struct _FoveaCnn {
  FoveaCnnConfig    config;
  char             *weights_name;    /* for messages */
  FoveaSafetensors *weights;
  gboolean          from_file;       /* weights read by fovea_cnn_load from weights_name,
                                      * which can be hashed */
  gboolean          mapped;          /* ... and mapped (model.safetensors): the pages
                                      * of a folded weight may be given back */
  FoveaCnnLoadFlags flags;
  char             *sha256;          /* NULL until asked for */
  char             *tensor_prefix;   /* before every tensor name ("encoder." in a
                                      * segmentation model), or NULL */

  FoveaCnnBlock    *blocks;
  int               n_blocks;
  int               max_pool_after;  /* block index, or -1 for no max pool */
  FoveaWindow       max_pool;
  /* The linear head as a 1×1 convolution on the pooled features (a 1×1
   * image per input), so that it runs on the same packed GEMM. */
  gboolean          has_head;        /* FALSE when headless */
  FoveaConv         head;
  char             *head_name;       /* its tensor name prefix */

  gpointer          weight_memory;   /* every convolution's folded weights */
  gsize             weight_bytes;
  /* Where each convolution's weights came from (FoveaCnnConvSource), in
   * blocks order: adapters name convolutions by these module names. */
  GArray           *sources;
};

/* A variant of a network's weights (fovea-cnn-adapter.h): its own copy
 * of the blocks, whose adapted convolutions point at merged weights it
 * owns (every other one at the network's), and its own head. */
struct _FoveaCnnAdapter {
  FoveaCnn      *cnn;          /* not owned; outlives the adapter */
  char          *name;
  FoveaCnnBlock *blocks;       /* cnn->n_blocks */
  gboolean       has_head;     /* FALSE: the network's own */
  FoveaConv      head;
  GPtrArray     *memory;       /* the merged weights and the head, aligned */
  int            n_merged;     /* convolutions with a LoRA merged in */
  gsize          weight_bytes;
};

/* One conv's shapes in a run: the block's convolutions, then downsample. */
#define FOVEA_CNN_BLOCK_SHAPES (FOVEA_CNN_MAX_CONVS + 1)

/* The activation arena: one allocation carved into the buffers below,
 * each channels-last. x holds a block's input and y its output (then
 * they swap); t[0] and t[1] the convolutions in between and the
 * downsample. */
struct _FoveaCnnRun {
  FoveaCnn         *cnn;
  int               max_batch;
  int               height, width;
  FoveaPool        *pool;

  FoveaWindowShape *shapes;         /* n_blocks × FOVEA_CNN_BLOCK_SHAPES */
  FoveaWindowShape  max_pool_shape;
  int               feature_h, feature_w, feature_c;

  gpointer          arena;
  gsize             arena_bytes;
  float            *x, *y;
  float            *t[2];
  float            *scratch;        /* im2col rows */
  float            *pooled;         /* max_batch × num_features */
  float            *pool_scratch;   /* num_features */
  float            *features;       /* the last block's output, after a forward */
  /* Images that go through the blocks together (see images_per_pass in
   * fovea-cnn-run.c); when fewer than max_batch, each pass's feature maps
   * are gathered in feature_stash (max_batch of them), else NULL. */
  int               images_per_pass;
  float            *feature_stash;

  float            *logits;         /* max_batch × logits_width */
  int               logits_width;   /* grown for an adapter's wider head */
  int               n_outputs;      /* of the last forward (the network's before one) */
  int               batch;          /* of the last forward */
};

/* Lays out the network of cnn->config: cnn->blocks, the max pool and the
 * head's name (each name after cnn->tensor_prefix); returns where each
 * convolution's weights come from (FoveaCnnConvSource, freed with the
 * array). */
GArray  *fovea_cnn_describe           (FoveaCnn *cnn);
/* The same for each family, appending to sources. */
void     fovea_cnn_resnet_describe    (FoveaCnn *cnn,
                                       GArray   *sources);
void     fovea_cnn_mobilenet_describe (FoveaCnn *cnn,
                                       GArray   *sources);

/* Sets a convolution's geometry; padding is PyTorch's (kernel - 1) / 2
 * · dilation, or TensorFlow's SAME when the config says so. */
void     fovea_cnn_conv_init          (const FoveaCnn *cnn,
                                       FoveaConv      *conv,
                                       int             in_channels,
                                       int             out_channels,
                                       int             kernel,
                                       int             stride,
                                       int             groups);

/* Folds, packs and checks every weight of cnn (described already). */
gboolean fovea_cnn_weights_load       (FoveaCnn *cnn,
                                       GArray   *sources,
                                       GError  **error);

/* fovea_cnn_config_foreach_tensor with every name after prefix (NULL:
 * none). */
void     fovea_cnn_foreach_tensor_prefixed (const FoveaCnnConfig *config,
                                            const char           *prefix,
                                            FoveaCnnTensorFunc    func,
                                            gpointer              data);

/* Runs blocks first to last (inclusive) on run->x, leaving their output
 * in run->x (and the max pool where it follows one of them): a part of
 * fovea_cnn_forward, for a network that reads intermediate features (a
 * segmentation encoder's skips). The caller has set OpenBLAS to one
 * thread and filled run->x. */
void     fovea_cnn_blocks_forward     (FoveaCnnRun         *run,
                                       const FoveaCnnBlock *blocks,
                                       int                  first,
                                       int                  last,
                                       int                  batch);

G_END_DECLS
