/* fovea-train-cnn-build.c: the trainable CNN's ops from the engine's own
 * description of the architecture (fovea_cnn_describe: blocks of one to
 * three convolutions with their activations, the shortcut, ResNet's
 * downsample and max pool, the tensor names of every convolution and its
 * BatchNorm, the head's name), so that the two never disagree on a
 * network. The weights are read here, unfolded, in PyTorch's layout:
 * training needs the convolution and the BatchNorm apart.
 *
 * A block becomes: its downsample (if any, from the block's input), its
 * convolutions in order, the last one adding the shortcut (the input or
 * the downsample's output) before its activation; then ResNet's max pool
 * after the stem; then the global pool and the head. */
#define G_LOG_DOMAIN "fovea-train-cnn-build"

#include "fovea-train-cnn-private.h"

#include <string.h>

#include "fovea-cnn-private.h"
#include "fovea-seg-private.h"

#define SEG_ENCODER_PREFIX "encoder."

typedef struct {
  FoveaTrainCnn    *model;
  FoveaSafetensors *weights;
  GArray           *sources;   /* FoveaCnnConvSource */
  GError          **error;
} Builder;

static FoveaAct
train_act (FoveaAct act)
{
  switch (act)
    {
    case FOVEA_ACT_RELU: return FOVEA_ACT_RELU;
    case FOVEA_ACT_RELU6: return FOVEA_ACT_RELU6;
    case FOVEA_ACT_NONE:
    default: return FOVEA_ACT_NONE;
    }
}

static const FoveaCnnConvSource *
find_source (Builder *b, const FoveaConv *conv)
{
  for (guint i = 0; i < b->sources->len; i++)
    {
      const FoveaCnnConvSource *s = &g_array_index (b->sources, FoveaCnnConvSource, i);
      if (s->conv == conv)
        return s;
    }
  g_assert_not_reached ();
}

/* A copy of tensor name (n floats, of the given shape), owned by the
 * model; NULL with an error when missing or of another shape. */
static float *
read_copy (Builder *b, const char *name, int n_dims, const gint64 *shape)
{
  const float *data = fovea_safetensors_get_f32 (b->weights, name, n_dims, shape, b->error);
  if (data == NULL)
    return NULL;
  gsize n = 1;
  for (int i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  float *copy = g_memdup2 (data, sizeof (float) * MAX (n, 1));
  g_ptr_array_add (b->model->owned, copy);
  return copy;
}

static float *
filled (Builder *b, int n, float value)
{
  float *buffer = g_new (float, MAX (n, 1));
  for (int i = 0; i < n; i++)
    buffer[i] = value;
  g_ptr_array_add (b->model->owned, buffer);
  return buffer;
}

/* The convolution's and its BatchNorm's tensors; with no weights, the
 * BatchNorm as identity (γ 1, β 0, mean 0, var 1) and no weight yet. */
static gboolean
load_conv (Builder *b, TrainOp *op, const FoveaCnnConvSource *source)
{
  static const char *const bn_names[4] = { "weight", "bias", "running_mean", "running_var" };
  static const float identity[4] = { 1.0f, 0.0f, 0.0f, 1.0f };
  const FoveaTrainConvGeom *g = &op->geom;
  gint64 shape[4] = { g->out_c, g->in_c / g->groups, g->kernel_h, g->kernel_w };
  gint64 vector[1] = { g->out_c };

  op->module = g_strdup (source->conv_name);
  op->bn_module = g_strdup (source->bn_name);
  for (int k = 0; source->bn_name != NULL && k < 4; k++)
    {
      if (b->weights == NULL)
        op->bn[k] = filled (b, g->out_c, identity[k]);
      else
        {
          g_autofree char *name = g_strconcat (source->bn_name, ".", bn_names[k], NULL);
          if ((op->bn[k] = read_copy (b, name, 1, vector)) == NULL)
            return FALSE;
        }
    }
  if (b->weights == NULL)
    {
      /* A convolution with its own bias and no BatchNorm (a segmentation
       * head): the bias starts at zero, as PyTorch's init leaves it near. */
      if (source->bn_name == NULL)
        op->bias = filled (b, g->out_c, 0.0f);
      return TRUE;
    }
  g_autofree char *weight = g_strconcat (source->conv_name, ".weight", NULL);
  g_autofree char *bias = g_strconcat (source->conv_name, ".bias", NULL);
  if ((op->weight = read_copy (b, weight, 4, shape)) == NULL)
    return FALSE;
  if (fovea_safetensors_lookup (b->weights, bias) != NULL &&
      (op->bias = read_copy (b, bias, 1, vector)) == NULL)
    return FALSE;
  return TRUE;
}

static void
set_geom (FoveaTrainConvGeom *g, const FoveaTrainCnn *model, const FoveaWindowShape *shape,
          const FoveaWindow *window, int in_c, int out_c, int groups)
{
  *g = (FoveaTrainConvGeom) {
    .batch = model->max_batch, .in_h = shape->in_h, .in_w = shape->in_w, .in_c = in_c,
    .out_h = shape->out_h, .out_w = shape->out_w, .out_c = out_c,
    .kernel_h = window->kernel_h, .kernel_w = window->kernel_w,
    .stride_h = window->stride_h, .stride_w = window->stride_w,
    .pad_top = shape->pad_top, .pad_left = shape->pad_left,
    .dilation_h = window->dilation_h, .dilation_w = window->dilation_w, .groups = groups,
  };
}

/* A convolution op from tensor in; returns its output tensor or -1. */
static int
add_conv (Builder *b, const FoveaConv *conv, int in, FoveaAct act, int residual)
{
  FoveaTrainCnn *model = b->model;
  const TrainTensor *x = train_cnn_tensor (model, in);
  FoveaWindowShape shape;

  fovea_window_shape (&conv->window, x->h, x->w, &shape);
  if (shape.out_h < 1 || shape.out_w < 1)
    {
      g_set_error (b->error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train %s on %d × %d images: they are too small for its layer %s",
                   model->config.architecture, model->width, model->height,
                   find_source (b, conv)->conv_name);
      return -1;
    }
  int out = train_cnn_add_tensor (model, conv->out_channels, shape.out_h, shape.out_w);
  TrainOp *op = train_cnn_add_op (model, TRAIN_OP_CONV, in);
  op->out = out;
  op->residual = residual;
  op->act = train_act (act);
  set_geom (&op->geom, model, &shape, &conv->window, conv->in_channels, conv->out_channels,
            conv->groups);
  train_cnn_tensor (model, out)->producer = (int) model->ops->len - 1;
  return load_conv (b, op, find_source (b, conv)) ? out : -1;
}

static int
add_block (Builder *b, const FoveaCnnBlock *block, int x)
{
  int shortcut = block->identity_shortcut ? x : -1;
  if (block->has_downsample &&
      (shortcut = add_conv (b, &block->downsample, x, FOVEA_ACT_NONE, -1)) < 0)
    return -1;
  int cur = x;
  for (int k = 0; k < block->n_convs && cur >= 0; k++)
    cur = add_conv (b, &block->convs[k], cur, block->acts[k],
                    k == block->n_convs - 1 ? shortcut : -1);
  return cur;
}

static int
add_max_pool (Builder *b, const FoveaWindow *window, int in)
{
  FoveaTrainCnn *model = b->model;
  const TrainTensor *x = train_cnn_tensor (model, in);
  FoveaWindowShape shape;
  int channels = x->c;

  fovea_window_shape (window, x->h, x->w, &shape);
  if (shape.out_h < 1 || shape.out_w < 1)
    {
      g_set_error (b->error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train %s on %d × %d images: they are too small for its max pool",
                   model->config.architecture, model->width, model->height);
      return -1;
    }
  int out = train_cnn_add_tensor (model, channels, shape.out_h, shape.out_w);
  TrainOp *op = train_cnn_add_op (model, TRAIN_OP_MAXPOOL, in);
  op->out = out;
  set_geom (&op->geom, model, &shape, window, channels, channels, 1);
  train_cnn_tensor (model, out)->producer = (int) model->ops->len - 1;
  return out;
}

/* The global pool over the whole last feature map (max as a window of
 * its size), then the head when the config has one. */
static gboolean
add_pool_and_head (Builder *b, const FoveaCnn *cnn, int features)
{
  FoveaTrainCnn *model = b->model;
  const TrainTensor *x = train_cnn_tensor (model, features);
  int channels = x->c;
  FoveaWindow whole = { x->h, x->w, 1, 1, 1, 1, 0, 0, FALSE };
  FoveaWindowShape shape;

  fovea_window_shape (&whole, x->h, x->w, &shape);
  model->features = features;
  model->pooled = train_cnn_add_tensor (model, channels, shape.out_h, shape.out_w);
  TrainOp *pool = train_cnn_add_op (model, TRAIN_OP_GLOBAL_POOL, features);
  pool->out = model->pooled;
  pool->pool = model->config.global_pool;
  set_geom (&pool->geom, model, &shape, &whole, channels, channels, 1);
  train_cnn_tensor (model, model->pooled)->producer = (int) model->ops->len - 1;
  model->head_module = g_strdup (cnn->head_name);

  int classes = model->config.num_classes;
  if (classes <= 0)
    return TRUE;
  TrainOp *head = train_cnn_add_op (model, TRAIN_OP_HEAD, model->pooled);
  head->module = g_strdup (cnn->head_name);
  head->geom = (FoveaTrainConvGeom) { .batch = model->max_batch, .in_h = 1, .in_w = 1,
                                      .in_c = channels, .out_h = 1, .out_w = 1,
                                      .out_c = classes, .kernel_h = 1, .kernel_w = 1,
                                      .stride_h = 1, .stride_w = 1, .dilation_h = 1,
                                      .dilation_w = 1, .groups = 1 };
  if (b->weights == NULL)
    return TRUE;
  g_autofree char *weight = g_strconcat (cnn->head_name, ".weight", NULL);
  g_autofree char *bias = g_strconcat (cnn->head_name, ".bias", NULL);
  gint64 w_shape[2] = { classes, channels }, b_shape[1] = { classes };
  return (head->weight = read_copy (b, weight, 2, w_shape)) != NULL &&
         (head->bias = read_copy (b, bias, 1, b_shape)) != NULL;
}

/* [nearest ×2 (x), skip] (skip -1: none); returns the output tensor. */
static int
add_upsample_concat (Builder *b, int x, int skip)
{
  FoveaTrainCnn *model = b->model;
  const TrainTensor *in = train_cnn_tensor (model, x);
  int skip_c = skip >= 0 ? train_cnn_tensor (model, skip)->c : 0;
  int out = train_cnn_add_tensor (model, in->c + skip_c, 2 * in->h, 2 * in->w);
  TrainOp *op = train_cnn_add_op (model, TRAIN_OP_UPSAMPLE_CONCAT, x);
  op->out = out;
  op->in2 = skip;
  op->geom = (FoveaTrainConvGeom) { .batch = model->max_batch, .in_h = in->h, .in_w = in->w,
                                    .in_c = in->c, .out_h = 2 * in->h, .out_w = 2 * in->w,
                                    .out_c = in->c + skip_c, .kernel_h = 1, .kernel_w = 1,
                                    .stride_h = 1, .stride_w = 1, .dilation_h = 1,
                                    .dilation_w = 1, .groups = 1 };
  train_cnn_tensor (model, out)->producer = (int) model->ops->len - 1;
  return out;
}

/* The encoder's modules under "encoder.", as a Unet's file names them,
 * when they were read under torchvision's own names. */
static void
prefix_modules (FoveaTrainCnn *model, guint first_op)
{
  for (guint i = first_op; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      char *module = op->module != NULL ? g_strconcat (SEG_ENCODER_PREFIX, op->module, NULL)
                                        : NULL;
      char *bn_module = op->bn_module != NULL
                        ? g_strconcat (SEG_ENCODER_PREFIX, op->bn_module, NULL) : NULL;
      g_free (op->module);
      g_free (op->bn_module);
      op->module = module;
      op->bn_module = bn_module;
    }
}

/* A Unet (fovea-seg.h): the encoder's blocks under "encoder.", keeping
 * the tensors after each feature block, then the decoder and the head,
 * described by the inference engine's own fovea_seg_describe_decoder.
 * weights may also be a bare torchvision MobileNetV2 (features.N..., as
 * the bundled ImageNet one, whose classifier is not read): the encoder
 * starts from it, the decoder and head from torchvision's init. */
static gboolean
build_seg (FoveaTrainCnn *model, FoveaSafetensors *weights, GError **error)
{
  gboolean bare = weights != NULL &&
                  fovea_safetensors_lookup (weights, SEG_ENCODER_PREFIX "features.0.0.weight")
                  == NULL &&
                  fovea_safetensors_lookup (weights, "features.0.0.weight") != NULL;
  g_autoptr (FoveaCnn) cnn = g_new0 (FoveaCnn, 1);
  cnn->config = model->config;
  cnn->config.architecture = g_strdup (model->config.architecture);
  cnn->tensor_prefix = bare ? NULL : g_strdup (SEG_ENCODER_PREFIX);
  g_autoptr (GArray) sources = fovea_cnn_describe (cnn);
  FoveaSeg seg = { .config = *model->seg, .encoder = cnn };
  fovea_seg_describe_decoder (&seg, sources);
  Builder b = { model, weights, sources, error };
  Builder decoder = { model, bare ? NULL : weights, sources, error };
  int features[FOVEA_SEG_N_FEATURES], next = 0;

  int x = train_cnn_add_tensor (model, model->config.in_chans, model->height, model->width);
  for (int i = 0; i < cnn->n_blocks && x >= 0; i++)
    {
      x = add_block (&b, &cnn->blocks[i], x);
      if (next < FOVEA_SEG_N_FEATURES && i == fovea_seg_feature_blocks[next])
        features[next++] = x;
    }
  if (bare)
    prefix_modules (model, 0);
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS && x >= 0; i++)
    {
      int skip = FOVEA_SEG_N_FEATURES - 2 - i;
      x = add_upsample_concat (&decoder, x, skip >= 0 ? features[skip] : -1);
      x = add_conv (&decoder, &seg.blocks[i].conv1, x, FOVEA_ACT_RELU, -1);
      if (x >= 0)
        x = add_conv (&decoder, &seg.blocks[i].conv2, x, FOVEA_ACT_RELU, -1);
    }
  if (x >= 0)
    x = add_conv (&decoder, &seg.head, x, FOVEA_ACT_NONE, -1);
  model->seg_logits = model->features = x;
  return x >= 0;
}

gboolean
train_cnn_build (FoveaTrainCnn *model, FoveaSafetensors *weights, GError **error)
{
  if (model->seg != NULL)
    return build_seg (model, weights, error);

  g_autoptr (FoveaCnn) cnn = g_new0 (FoveaCnn, 1);
  cnn->config = model->config;
  cnn->config.architecture = g_strdup (model->config.architecture);
  g_autoptr (GArray) sources = fovea_cnn_describe (cnn);
  Builder b = { model, weights, sources, error };

  int x = train_cnn_add_tensor (model, model->config.in_chans, model->height, model->width);
  for (int i = 0; i < cnn->n_blocks && x >= 0; i++)
    {
      x = add_block (&b, &cnn->blocks[i], x);
      if (x >= 0 && i == cnn->max_pool_after)
        x = add_max_pool (&b, &cnn->max_pool, x);
    }
  return x >= 0 && add_pool_and_head (&b, cnn, x);
}
