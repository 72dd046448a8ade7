/* fovea-train-cnn.c: making a trainable CNN (full, head, LoRA or frozen):
 * the network's ops from the engine's description (train_cnn_build), the
 * mode's parameters, BatchNorm folded as fovea-train-cnn.h says, and the
 * arena (fovea-train-cnn-plan.c).
 *
 * Random initialisation (fovea-train-init.h) draws from one generator
 * seeded with the caller's seed, in parameter order. */
#define G_LOG_DOMAIN "fovea-train-cnn"

#include "fovea-train-cnn-private.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-train-init.h"

/* ---- the op list ---- */

int
train_cnn_add_tensor (FoveaTrainCnn *model, int c, int h, int w)
{
  TrainTensor tensor = { .c = c, .h = h, .w = w, .producer = -1 };
  g_array_append_val (model->tensors, tensor);
  return (int) model->tensors->len - 1;
}

TrainOp *
train_cnn_add_op (FoveaTrainCnn *model, TrainOpKind kind, int in)
{
  TrainOp op = { .kind = kind, .in = in, .out = -1, .residual = -1, .in2 = -1 };
  g_array_append_val (model->ops, op);
  return &g_array_index (model->ops, TrainOp, model->ops->len - 1);
}

TrainOp *
train_cnn_op (FoveaTrainCnn *model, int index)
{
  return &g_array_index (model->ops, TrainOp, index);
}

TrainTensor *
train_cnn_tensor (FoveaTrainCnn *model, int index)
{
  return &g_array_index (model->tensors, TrainTensor, index);
}

/* A buffer freed with the model. */
static float *
owned_floats (FoveaTrainCnn *model, gsize n)
{
  float *buffer = g_new0 (float, MAX (n, 1));
  g_ptr_array_add (model->owned, buffer);
  return buffer;
}

/* ---- parameters ---- */

static void
add_param (FoveaTrainCnn *model, char *name, float **value, float **grad, int rows, int cols,
           gboolean decay, const TrainCnnShape *file_shape)
{
  gsize n = (gsize) rows * cols;
  g_assert (model->n_used + n <= model->n_values);
  FoveaTrainParam param = { .name = name, .value = model->values + model->n_used,
                            .grad = model->grads + model->n_used, .n = n,
                            .shape = { rows, cols }, .decay = decay };
  g_ptr_array_add (model->names, name);
  g_array_append_val (model->params, param);
  g_array_append_val (model->file_shapes, *file_shape);
  model->n_used += n;
  *value = param.value;
  *grad = param.grad;
}

static gboolean
allocate_params (FoveaTrainCnn *model, gsize n, GError **error)
{
  model->n_values = n;
  model->values = g_try_new0 (float, MAX (n, 1));
  model->grads = g_try_new0 (float, MAX (n, 1));
  if (model->values != NULL && model->grads != NULL)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
               "Out of memory for %" G_GSIZE_FORMAT " trainable parameters", n);
  return FALSE;
}

static TrainCnnShape
conv_file_shape (const TrainOp *op)
{
  const FoveaTrainConvGeom *g = &op->geom;
  if (op->kind == TRAIN_OP_HEAD)
    return (TrainCnnShape) { 2, { g->out_c, g->in_c } };
  return (TrainCnnShape) { 4, { g->out_c, g->in_c / g->groups, g->kernel_h, g->kernel_w } };
}

/* The op's weight (and bias) become parameters, keeping their values. */
static void
train_weight (FoveaTrainCnn *model, TrainOp *op)
{
  gsize n = fovea_train_conv_weight_size (&op->geom);
  TrainCnnShape shape = conv_file_shape (op), vector = { 1, { op->geom.out_c } };
  const float *loaded = op->weight, *loaded_bias = op->bias;
  float *value;

  add_param (model, g_strconcat (op->module, ".weight", NULL), &value, &op->dweight,
             op->geom.out_c, (int) (n / op->geom.out_c), TRUE, &shape);
  if (loaded != NULL)
    memcpy (value, loaded, sizeof (float) * n);
  op->weight = value;
  if (loaded_bias != NULL)
    {
      add_param (model, g_strconcat (op->module, ".bias", NULL), &value, &op->dbias,
                 op->geom.out_c, 1, FALSE, &vector);
      memcpy (value, loaded_bias, sizeof (float) * op->geom.out_c);
      op->bias = value;
    }
  op->refresh = TRUE;
}

/* ---- BatchNorm and the working weights ---- */

static void
fold_batchnorm (FoveaTrainCnn *model, TrainOp *op)
{
  int n = op->geom.out_c;
  if (op->bn[0] == NULL)
    return;
  op->bn_scale = owned_floats (model, n);
  op->bn_shift = owned_floats (model, n);
  for (int c = 0; c < n; c++)
    {
      /* in double, as the scale multiplies every weight of the channel */
      double scale = op->bn[0][c] / sqrt ((double) op->bn[3][c] + model->config.bn_eps);
      op->bn_scale[c] = (float) scale;
      op->bn_shift[c] = (float) (op->bn[1][c] - op->bn[2][c] * scale);
    }
}

/* work = scale ⊙ weight in the working layout, work_bias = shift + scale
 * ⊙ bias; the LoRA's B likewise with its own scale. */
static void
refresh_weight (TrainOp *op)
{
  const FoveaTrainConvGeom *g = &op->geom;
  fovea_train_conv_weight_to_work (g, op->work, op->weight, op->bn_scale);
  if (op->work_bias != NULL)
    for (int c = 0; c < g->out_c; c++)
      {
        float s = op->bn_scale ? op->bn_scale[c] : 1.0f;
        op->work_bias[c] = (op->bn_shift ? op->bn_shift[c] : 0.0f) + (op->bias ? s * op->bias[c] : 0.0f);
      }
}

/* b_work = scale · BatchNorm scale ⊙ b, and the merged working weight
 * work = base_work + b_work · a (a 1×1 layer: work is out × in). */
static void
refresh_lora (TrainOp *op)
{
  int r = op->lora.rank, out = op->geom.out_c, in = op->geom.in_c;
  for (int c = 0; c < out; c++)
    {
      float s = op->lora.scale * (op->bn_scale ? op->bn_scale[c] : 1.0f);
      for (int j = 0; j < r; j++)
        op->lora.b_work[c * r + j] = s * op->lora.b[c * r + j];
    }
  memcpy (op->work, op->lora.base_work, sizeof (float) * (gsize) out * in);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, out, in, r, 1.0f, op->lora.b_work, r,
               op->lora.a, in, 1.0f, op->work, in);
}

static void
repack (TrainOp *op)
{
  fovea_train_conv_pack (&op->geom, &op->weights, op->work, op->packed, op->packed_t);
}

void
train_cnn_refresh_work (FoveaTrainCnn *model)
{
  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind != TRAIN_OP_CONV)
        continue;
      gboolean lora = op->lora.rank > 0 && op->lora.db != NULL;
      if (op->refresh)
        refresh_weight (op);
      if (lora)
        refresh_lora (op);
      if (op->refresh || lora)
        repack (op);
    }
}

static float *
aligned_floats (FoveaTrainCnn *model, gsize n)
{
  void *buffer = NULL;
  if (n == 0)
    return NULL;
  if (posix_memalign (&buffer, 64, n * sizeof (float)) != 0)
    g_error ("out of memory for %" G_GSIZE_FORMAT " floats", n);
  g_ptr_array_add (model->aligned, buffer);
  return buffer;
}

/* Working copies for every convolution; frozen ones are final, and their
 * loaded weight is dropped (the working copy is all they need). */
static void
prepare_work (FoveaTrainCnn *model)
{
  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind != TRAIN_OP_CONV)
        continue;
      gsize n = fovea_train_conv_weight_size (&op->geom), packed, packed_t;
      fold_batchnorm (model, op);
      op->work = owned_floats (model, n);
      if (op->bn_shift != NULL || op->bias != NULL)
        op->work_bias = owned_floats (model, op->geom.out_c);
      fovea_train_conv_packed_sizes (&op->geom, &packed, &packed_t);
      op->packed = aligned_floats (model, packed);
      op->packed_t = aligned_floats (model, packed_t);
      refresh_weight (op);
      if (op->lora.rank > 0)
        {
          op->lora.b_work = owned_floats (model, (gsize) op->geom.out_c * op->lora.rank);
          op->lora.base_work = g_memdup2 (op->work, sizeof (float) * n);
          g_ptr_array_add (model->owned, op->lora.base_work);
          refresh_lora (op);
        }
      repack (op);
      if (!op->refresh)
        op->weight = NULL;
    }
}

/* ---- making one ---- */

static FoveaTrainCnn *
model_new (FoveaTrainMode mode, const FoveaCnnConfig *config, const FoveaTrainCnnSize *size)
{
  FoveaTrainCnn *model = g_new0 (FoveaTrainCnn, 1);
  model->mode = mode;
  model->config = *config;
  model->config.architecture = g_strdup (config->architecture);
  model->max_batch = size->max_batch;
  model->height = size->height;
  model->width = size->width;
  model->ops = g_array_new (FALSE, FALSE, sizeof (TrainOp));
  model->tensors = g_array_new (FALSE, FALSE, sizeof (TrainTensor));
  model->params = g_array_new (FALSE, FALSE, sizeof (FoveaTrainParam));
  model->file_shapes = g_array_new (FALSE, FALSE, sizeof (TrainCnnShape));
  model->names = g_ptr_array_new_with_free_func (g_free);
  model->owned = g_ptr_array_new_with_free_func (g_free);
  model->aligned = g_ptr_array_new_with_free_func (free);
  model->features = model->pooled = model->seg_logits = -1;
  return model;
}

static gboolean
check_size (const FoveaCnnConfig *config, const FoveaTrainCnnSize *size, GError **error)
{
  if (size->max_batch >= 1 && size->height >= 1 && size->width >= 1 &&
      (gint64) size->max_batch * size->height * size->width <= G_MAXINT / 64)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
               "Cannot train %s on batches of %d image(s) of %d × %d pixels",
               config->architecture, size->max_batch, size->width, size->height);
  return FALSE;
}

/* The ops, the pool; the head replaced by a new one of n_classes when
 * n_classes > 0 (always for head and lora; for full when the widths
 * differ). */
static gboolean
build (FoveaTrainCnn *model, FoveaSafetensors *weights, const FoveaTrainCnnSize *size,
       GError **error)
{
  if (!check_size (&model->config, size, error))
    return FALSE;
  model->pool = fovea_pool_new (size->n_threads > 0 ? size->n_threads
                                                    : (int) g_get_num_processors (), error);
  return model->pool != NULL && train_cnn_build (model, weights, error);
}

/* The head op: the loaded one, or a new one of n_classes. */
static TrainOp *
head_op (FoveaTrainCnn *model)
{
  TrainOp *last = train_cnn_op (model, model->ops->len - 1);
  return last->kind == TRAIN_OP_HEAD ? last : NULL;
}

static TrainOp *
new_head (FoveaTrainCnn *model, int n_classes)
{
  TrainOp *head = head_op (model);
  int features = train_cnn_tensor (model, model->pooled)->c;
  if (head == NULL)
    {
      head = train_cnn_add_op (model, TRAIN_OP_HEAD, model->pooled);
      head->module = g_strdup (model->head_module);
    }
  head->geom = (FoveaTrainConvGeom) { .batch = model->max_batch, .in_h = 1, .in_w = 1,
                                      .in_c = features, .out_h = 1, .out_w = 1,
                                      .out_c = n_classes, .kernel_h = 1, .kernel_w = 1,
                                      .stride_h = 1, .stride_w = 1, .dilation_h = 1,
                                      .dilation_w = 1, .groups = 1 };
  head->weight = NULL;  /* loaded values of another width are not kept */
  head->bias = owned_floats (model, n_classes);
  model->config.num_classes = n_classes;
  return head;
}

/* torchvision's init of what was not loaded: a head normal (0, 0.01),
 * a convolution Kaiming-normal (fan out, ReLU gain). */
static void
init_random (TrainOp *op, FoveaInitRng *rng)
{
  gsize n = fovea_train_conv_weight_size (&op->geom);
  if (op->kind == TRAIN_OP_HEAD)
    {
      fovea_init_normal_fill (rng, op->weight, n, 0.01);
      return;
    }
  double fan_out = (double) op->geom.out_c / op->geom.groups * op->geom.kernel_h *
                   op->geom.kernel_w;
  fovea_init_normal_fill (rng, op->weight, n, sqrt (2.0 / fan_out));
}

/* smp's initialisation of a new decoder and head (initialize_decoder,
 * initialize_head): Kaiming-uniform in fan-in mode for the decoder's
 * convolutions, Xavier-uniform for the head, biases zero. With the
 * decoder's BatchNorm frozen as identity, fan-in scaling keeps the
 * activations' scale through the decoder, where torchvision's fan-out
 * init (which a BatchNorm in training mode would correct) grows them
 * about fifty-fold by the logits. */
static void
init_smp (TrainOp *op, FoveaInitRng *rng)
{
  const FoveaTrainConvGeom *g = &op->geom;
  gsize n = fovea_train_conv_weight_size (g);
  double area = (double) g->kernel_h * g->kernel_w;
  double fan_in = (double) g->in_c / g->groups * area, fan_out = (double) g->out_c * area;
  double bound = op->bn_module != NULL ? sqrt (6.0 / fan_in) : sqrt (6.0 / (fan_in + fan_out));
  fovea_init_uniform_fill (rng, op->weight, n, bound);
}

static gboolean
finish (FoveaTrainCnn *model, GError **error)
{
  TrainOp *head = head_op (model);
  if (model->seg != NULL)
    model->n_outputs = model->height * model->width * model->seg->classes;
  else
    model->n_outputs = head != NULL ? head->geom.out_c
                                    : train_cnn_tensor (model, model->pooled)->c;
  prepare_work (model);
  return train_cnn_plan (model, error);
}

static gboolean
check_classes (const FoveaCnnConfig *config, int n_classes, GError **error)
{
  if (n_classes >= 1 && n_classes <= 1 << 20)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Cannot train %s: the head needs 1 to %d classes, not %d", config->architecture,
               1 << 20, n_classes);
  return FALSE;
}

static gsize
count_weights (FoveaTrainCnn *model)
{
  gsize n = 0;
  for (guint i = 0; i < model->ops->len; i++)
    {
      const TrainOp *op = train_cnn_op (model, i);
      if (op->kind == TRAIN_OP_CONV || op->kind == TRAIN_OP_HEAD)
        n += fovea_train_conv_weight_size (&op->geom) + (op->bias != NULL ? op->geom.out_c : 0);
    }
  return n;
}

FoveaTrainCnn *
fovea_train_cnn_new_full (const FoveaCnnConfig *config, FoveaSafetensors *weights,
                          int n_classes, guint64 seed, const FoveaTrainCnnSize *size,
                          GError **error)
{
  g_return_val_if_fail (config != NULL && size != NULL, NULL);

  if (!check_classes (config, n_classes, error))
    return NULL;
  g_autoptr (FoveaTrainCnn) model = model_new (FOVEA_TRAIN_FULL, config, size);
  if (!build (model, weights, size, error))
    return NULL;
  TrainOp *head = head_op (model);
  if (head == NULL || head->geom.out_c != n_classes)
    new_head (model, n_classes);
  if (!allocate_params (model, count_weights (model), error))
    return NULL;
  FoveaInitRng rng = { seed };
  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind != TRAIN_OP_CONV && op->kind != TRAIN_OP_HEAD)
        continue;
      gboolean loaded = op->weight != NULL;
      train_weight (model, op);
      if (!loaded)
        init_random (op, &rng);
    }
  g_assert (model->n_used == model->n_values);
  if (!finish (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

FoveaTrainCnn *
fovea_train_cnn_new_seg (const FoveaSegConfig *config, FoveaSafetensors *weights, guint64 seed,
                         const FoveaTrainCnnSize *size, GError **error)
{
  g_return_val_if_fail (config != NULL && size != NULL, NULL);

  if (size->height % 32 != 0 || size->width % 32 != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train a Unet on %d × %d images: the sides must be multiples of 32",
                   size->width, size->height);
      return NULL;
    }
  g_autoptr (FoveaTrainCnn) model = model_new (FOVEA_TRAIN_FULL, &config->encoder, size);
  model->seg = g_new (FoveaSegConfig, 1);
  *model->seg = *config;
  model->seg->encoder_name = g_strdup (config->encoder_name);
  model->seg->encoder.architecture = g_strdup (config->encoder.architecture);
  if (!build (model, weights, size, error) ||
      !allocate_params (model, count_weights (model), error))
    return NULL;
  FoveaInitRng rng = { seed };
  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind != TRAIN_OP_CONV)
        continue;
      gboolean loaded = op->weight != NULL;
      train_weight (model, op);
      if (loaded)
        continue;
      if (g_str_has_prefix (op->module, "encoder."))
        init_random (op, &rng);
      else
        init_smp (op, &rng);
    }
  g_assert (model->n_used == model->n_values);
  if (!finish (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* A new head's parameters (the only ones of head mode, the last of lora). */
static void
train_new_head (FoveaTrainCnn *model, int n_classes, FoveaInitRng *rng)
{
  TrainOp *head = new_head (model, n_classes);
  train_weight (model, head);
  init_random (head, rng);
}

FoveaTrainCnn *
fovea_train_cnn_new_head (const FoveaCnnConfig *config, FoveaSafetensors *weights,
                          int n_classes, guint64 seed, const FoveaTrainCnnSize *size,
                          GError **error)
{
  g_return_val_if_fail (config != NULL && weights != NULL && size != NULL, NULL);

  if (!check_classes (config, n_classes, error))
    return NULL;
  g_autoptr (FoveaTrainCnn) model = model_new (FOVEA_TRAIN_LORA, config, size);
  model->head_only = TRUE;
  if (!build (model, weights, size, error))
    return NULL;
  int features = train_cnn_tensor (model, model->pooled)->c;
  if (!allocate_params (model, (gsize) n_classes * (features + 1), error))
    return NULL;
  FoveaInitRng rng = { seed };
  train_new_head (model, n_classes, &rng);
  if (!finish (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

static gboolean
check_spec (const FoveaCnnConfig *config, const FoveaLoraSpec *spec, GError **error)
{
  const char *problem = NULL;
  if (spec->rank < 1 || spec->rank > 4096)
    problem = "the rank must be from 1 to 4096";
  else if (!isfinite (spec->alpha) || spec->alpha <= 0)
    problem = "alpha must be positive";
  else if (spec->targets != FOVEA_TRAIN_TARGET_CONV1X1)
    problem = "a CNN's LoRA targets its 1×1 convolutions (conv1x1)";
  if (problem == NULL)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Cannot train this LoRA on %s: %s", config->architecture, problem);
  return FALSE;
}

/* The convolutions a LoRA adapts. */
static gboolean
lora_target (const TrainOp *op)
{
  return op->kind == TRAIN_OP_CONV && fovea_train_conv_is_pointwise (&op->geom);
}

FoveaTrainCnn *
fovea_train_cnn_new_lora (const FoveaCnnConfig *config, FoveaSafetensors *weights,
                          const FoveaLoraSpec *spec, int n_classes, guint64 seed,
                          const FoveaTrainCnnSize *size, GError **error)
{
  g_return_val_if_fail (config != NULL && weights != NULL && spec != NULL && size != NULL, NULL);

  if (!check_classes (config, n_classes, error) || !check_spec (config, spec, error))
    return NULL;
  g_autoptr (FoveaTrainCnn) model = model_new (FOVEA_TRAIN_LORA, config, size);
  model->spec = *spec;
  if (!build (model, weights, size, error))
    return NULL;

  int r = spec->rank, features = train_cnn_tensor (model, model->pooled)->c;
  float scale = (float) (spec->use_rslora ? spec->alpha / sqrt (r) : spec->alpha / r);
  gsize n = (gsize) n_classes * (features + 1);
  int n_targets = 0;
  for (guint i = 0; i < model->ops->len; i++)
    if (lora_target (train_cnn_op (model, i)))
      {
        const FoveaTrainConvGeom *g = &train_cnn_op (model, i)->geom;
        n += (gsize) r * (g->in_c + g->out_c);
        n_targets++;
      }
  if (n_targets == 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "Cannot train a LoRA on %s: it has no 1×1 convolution of stride 1; "
                   "train its head only or the whole network", config->architecture);
      return NULL;
    }
  if (!allocate_params (model, n, error))
    return NULL;

  FoveaInitRng rng = { seed };
  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (!lora_target (op))
        continue;
      const FoveaTrainConvGeom *g = &op->geom;
      TrainCnnShape a_shape = { 4, { r, g->in_c, 1, 1 } }, b_shape = { 4, { g->out_c, r, 1, 1 } };
      op->lora.rank = r;
      op->lora.scale = scale;
      add_param (model, g_strconcat (op->module, ".lora_A", NULL), &op->lora.a, &op->lora.da,
                 r, g->in_c, TRUE, &a_shape);
      add_param (model, g_strconcat (op->module, ".lora_B", NULL), &op->lora.b, &op->lora.db,
                 g->out_c, r, TRUE, &b_shape);
      fovea_init_uniform_fill (&rng, op->lora.a, (gsize) r * g->in_c, 1.0 / sqrt ((double) g->in_c));
    }
  train_new_head (model, n_classes, &rng);
  g_assert (model->n_used == model->n_values);
  if (!finish (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

FoveaTrainCnn *
fovea_train_cnn_new_frozen (const FoveaCnnConfig *config, FoveaSafetensors *weights,
                            const char *adapter_dir, const FoveaTrainCnnSize *size,
                            GError **error)
{
  g_return_val_if_fail (config != NULL && weights != NULL && size != NULL, NULL);

  g_autoptr (FoveaTrainCnn) model = model_new (FOVEA_TRAIN_FROZEN, config, size);
  if (!build (model, weights, size, error) ||
      (adapter_dir != NULL && !train_cnn_apply_adapter (model, adapter_dir, error)) ||
      !allocate_params (model, 0, error) || !finish (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

void
fovea_train_cnn_free (FoveaTrainCnn *model)
{
  if (model == NULL)
    return;
  for (guint i = 0; model->ops != NULL && i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      g_free (op->module);
      g_free (op->bn_module);
    }
  fovea_cnn_config_clear (&model->config);
  if (model->seg != NULL)
    fovea_seg_config_clear (model->seg);
  g_free (model->seg);
  g_free (model->head_module);
  g_free (model->values);
  g_free (model->grads);
  g_array_unref (model->ops);
  g_array_unref (model->tensors);
  g_array_unref (model->params);
  g_array_unref (model->file_shapes);
  g_ptr_array_unref (model->names);
  g_ptr_array_unref (model->owned);
  g_ptr_array_unref (model->aligned);
  free (model->arena);
  if (model->pool != NULL)
    fovea_pool_free (model->pool);
  g_free (model);
}

/* ---- accessors ---- */

FoveaTrainMode
fovea_train_cnn_get_mode (const FoveaTrainCnn *model)
{
  return model->mode;
}

gboolean
fovea_train_cnn_is_head_only (const FoveaTrainCnn *model)
{
  return model->head_only;
}

const FoveaCnnConfig *
fovea_train_cnn_get_config (const FoveaTrainCnn *model)
{
  return &model->config;
}

int
fovea_train_cnn_get_n_outputs (const FoveaTrainCnn *model)
{
  return model->n_outputs;
}

int
fovea_train_cnn_get_max_batch (const FoveaTrainCnn *model)
{
  return model->max_batch;
}

const char *
fovea_train_cnn_get_head_module (const FoveaTrainCnn *model)
{
  return model->head_module;
}

gsize
fovea_train_cnn_get_arena_bytes (const FoveaTrainCnn *model)
{
  return model->arena_bytes;
}

const FoveaTrainParam *
fovea_train_cnn_get_params (FoveaTrainCnn *model, int *n_params)
{
  if (n_params != NULL)
    *n_params = (int) model->params->len;
  return (const FoveaTrainParam *) model->params->data;
}

void
fovea_train_cnn_zero_grad (FoveaTrainCnn *model)
{
  memset (model->grads, 0, sizeof (float) * MAX (model->n_values, 1));
}

const float *
fovea_train_cnn_get_features (const FoveaTrainCnn *model, int *h, int *w, int *channels)
{
  const TrainTensor *t = &g_array_index (model->tensors, TrainTensor, model->features);
  if (h != NULL)
    *h = t->h;
  if (w != NULL)
    *w = t->w;
  if (channels != NULL)
    *channels = t->c;
  return model->batch > 0 ? t->data : NULL;
}

const float *
fovea_train_cnn_get_features_grad (const FoveaTrainCnn *model)
{
  const TrainTensor *t = &g_array_index (model->tensors, TrainTensor, model->features);
  /* in the other modes the backward pass masks it in place and then
   * reuses its memory */
  return model->batch > 0 && model->mode == FOVEA_TRAIN_FROZEN ? t->grad : NULL;
}
