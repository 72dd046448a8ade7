/* fovea-train-cnn-private.h: the trainable CNN as a list of operations
 * over numbered channels-last tensors, shared by the files that build,
 * plan, run and save it.
 *
 * The network is a sequence of ops (convolutions with their frozen
 * BatchNorm, epilogue and optional LoRA, max pooling, the global pool,
 * the head), each reading earlier tensors and writing one new tensor.
 * That covers ResNet's blocks (the shortcut is an earlier tensor given
 * as the last convolution's residual) and MobileNetV2's inverted
 * residuals. Tensor 0 is the input image, channels-last. */
#pragma once

#include "fovea-train-cnn.h"
#include "fovea-train-conv.h"
#include "fovea-train-kernels.h"
#include "fovea-seg-config.h"

G_BEGIN_DECLS

typedef enum {
  TRAIN_OP_CONV,
  TRAIN_OP_MAXPOOL,
  TRAIN_OP_GLOBAL_POOL,   /* the feature map to batch × channels */
  TRAIN_OP_HEAD,          /* the linear classifier */
  TRAIN_OP_UPSAMPLE_CONCAT,  /* a segmentation decoder's: [nearest ×2 (in), in2] */
} TrainOpKind;

/* A LoRA on a 1×1 convolution (PEFT's Conv2d LoRA). The layer runs on
 * the merged working weight base_work + b_work · a. */
typedef struct {
  int    rank;
  float  scale;           /* alpha / r, or alpha / √r (rsLoRA) */
  float *a, *b;           /* rank × in, out × rank: the parameters */
  float *da, *db;         /* their gradients, NULL when frozen */
  float *b_work;          /* scale · BatchNorm scale ⊙ b */
  float *base_work;       /* the frozen layer's folded working weight */
} TrainConvLora;

typedef struct {
  TrainOpKind        kind;
  int                in, out;       /* tensor indices */
  int                residual;      /* tensor added before the activation, or -1 */
  int                in2;           /* TRAIN_OP_UPSAMPLE_CONCAT: the skip, or -1 */
  FoveaTrainConvGeom geom;          /* at max_batch; maxpool and global max pool too */
  FoveaAct      act;
  FoveaCnnPool       pool;          /* TRAIN_OP_GLOBAL_POOL */

  /* TRAIN_OP_CONV and TRAIN_OP_HEAD */
  char              *module;        /* "features.2.conv.0.0": "<module>.weight" in files */
  char              *bn_module;     /* its BatchNorm ("features.2.conv.0.1"), or NULL */
  float             *weight;        /* PyTorch's layout [out][in/g][kh][kw] (head: out × in) */
  float             *dweight;       /* NULL: frozen */
  float             *bias;          /* the layer's own bias, or NULL */
  float             *dbias;
  float             *bn[4];         /* γ, β, running mean, running var as loaded, or NULL */
  float             *bn_scale;      /* γ / √(var + eps), or NULL: no BatchNorm */
  float             *bn_shift;      /* β − mean · scale */
  float             *work;          /* working layout, BatchNorm scale folded in */
  float             *work_bias;     /* shift + scale · bias (NULL: none) */
  float             *packed;        /* for the engine's GEMM, or NULL */
  float             *packed_t;
  FoveaTrainConvWeights weights;    /* what the kernels read: work and its packed copies */
  gboolean           refresh;       /* work is recomputed from weight each forward */
  TrainConvLora      lora;          /* rank 0: none */
} TrainOp;

typedef struct {
  int      c, h, w;                 /* per image */
  int      producer;                /* op index, -1 for the input */
  gboolean keep;                    /* its values are read by the backward pass */
  gboolean mask_only;               /* only its activation's derivative is: kept as bits */
  gboolean needs_grad;
  float   *data, *grad;             /* arena */
  guint8  *mask;                    /* arena, when mask_only */
} TrainTensor;

struct _FoveaTrainCnn {
  FoveaTrainMode   mode;
  gboolean         head_only;
  FoveaCnnConfig   config;          /* own copy; num_classes is the head's */
  FoveaLoraSpec    spec;            /* lora mode */
  int              max_batch, height, width;
  int              batch;           /* of the last forward, 0 before */
  int              n_outputs;
  FoveaPool       *pool;

  GArray          *ops;             /* TrainOp */
  GArray          *tensors;         /* TrainTensor */
  int              features;        /* the tensor Grad-CAM reads: the last feature map */
  int              pooled;          /* the global pool's output tensor */
  char            *head_module;     /* "classifier.1", "fc", "classifier" */
  /* A segmentation network (fovea-seg.h): its config (owned), and the
   * tensor of its logits (batch × h × w × classes), the last op's
   * output; NULL and -1 for a classifier. */
  FoveaSegConfig  *seg;
  int              seg_logits;
  gboolean         save_f16;        /* full mode: model.safetensors in F16 */

  /* Trainable tensors: one allocation for values, one for gradients. */
  float           *values, *grads;
  gsize            n_values, n_used;
  GArray          *params;          /* FoveaTrainParam */
  GArray          *file_shapes;     /* TrainCnnShape, parallel to params */
  GPtrArray       *names;
  GPtrArray       *owned;           /* other buffers the model frees */
  GPtrArray       *aligned;         /* 64-byte aligned ones (free) */

  /* The arena, planned once for (max_batch, height, width). */
  gpointer         arena;
  gsize            arena_bytes;
  float           *scratch;         /* per-thread im2col tiles, LoRA chunks */
  float           *partials;        /* weight gradients' partial sums */
  float           *dwork;           /* a trained layer's working-layout gradient */
  float           *logits;
  float           *dpooled;
};

typedef struct {
  int    n_dims;
  gint64 shape[4];
} TrainCnnShape;

/* Building (fovea-train-cnn-build.c, from the engine's description of
 * the architecture): the tensors and ops of config's network at the
 * model's input size, each convolution with its module names, its loaded
 * weight (PyTorch's layout, F32, owned) and BatchNorm, or with weight
 * NULL when weights is NULL; the head op when config has a head; and
 * features, pooled, head_module. */
gboolean train_cnn_build        (FoveaTrainCnn    *model,
                                 FoveaSafetensors *weights,
                                 GError          **error);

int      train_cnn_add_tensor   (FoveaTrainCnn *model,
                                 int            c,
                                 int            h,
                                 int            w);
TrainOp *train_cnn_add_op       (FoveaTrainCnn *model,
                                 TrainOpKind    kind,
                                 int            in);
TrainOp *train_cnn_op           (FoveaTrainCnn *model,
                                 int            index);
TrainTensor *train_cnn_tensor   (FoveaTrainCnn *model,
                                 int            index);

/* A PEFT folder's LoRA updates and head, on a frozen model
 * (fovea-train-cnn-adapter.c). */
gboolean train_cnn_apply_adapter (FoveaTrainCnn *model,
                                  const char    *dir,
                                  GError       **error);

/* Planning (fovea-train-cnn-plan.c): which tensors the backward pass
 * reads and which need gradients, then one arena for all of it. */
gboolean train_cnn_plan         (FoveaTrainCnn *model,
                                 GError       **error);

/* Running (fovea-train-cnn-run.c). */
void     train_cnn_refresh_work (FoveaTrainCnn *model);

G_END_DECLS
