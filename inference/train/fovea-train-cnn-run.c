/* fovea-train-cnn-run.c: the trainable CNN's forward pass, op after op,
 * and its backward pass in reverse through the paired kernels
 * (fovea-train-conv.h).
 *
 * Backward, per convolution: the gradient of its output is masked by its
 * activation's derivative (read from the kept output), handed on as is
 * to its residual input, then turned into the input's gradient and, if
 * trained, the working weight's gradient, which goes back to PyTorch's
 * layout times the BatchNorm scale. A tensor read by several ops (a
 * ResNet block's input: its first convolution and its shortcut) has its
 * gradient written by the first of them in backward order and added to by
 * the others. */
#define G_LOG_DOMAIN "fovea-train-cnn-run"

#include "fovea-train-cnn-private.h"
#include "fovea-seg-kernels.h"

#include <cblas.h>
#include <string.h>

/* ---- forward ---- */

typedef struct {
  float       *out;
  const float *pixels;
  int          channels, height, width;
} LayoutJob;

/* Row y of image b: channel-planar pixels to channels-last. */
static void
to_channels_last_item (gpointer data, int item, int thread)
{
  const LayoutJob *job = data;
  int b = item / job->height, y = item % job->height, c = job->channels;
  gsize plane = (gsize) job->height * job->width;
  const float *image = job->pixels + (gsize) b * c * plane + (gsize) y * job->width;
  float *row = job->out + ((gsize) b * job->height + y) * job->width * c;

  for (int x = 0; x < job->width; x++)
    for (int k = 0; k < c; k++)
      row[(gsize) x * c + k] = image[(gsize) k * plane + x];
}

static gsize
tensor_floats (const FoveaTrainCnn *model, const TrainTensor *t)
{
  return (gsize) model->batch * t->c * t->h * t->w;
}

/* op's geometry at the running batch. */
static FoveaTrainConvGeom
geom_of (const FoveaTrainCnn *model, const TrainOp *op)
{
  FoveaTrainConvGeom g = op->geom;
  g.batch = model->batch;
  return g;
}

static void
global_pool_forward (FoveaTrainCnn *model, const TrainOp *op, float *out, const float *in)
{
  FoveaTrainConvGeom g = geom_of (model, op);
  int batch = model->batch, c = g.in_c, pixels = g.in_h * g.in_w;

  if (op->pool == FOVEA_CNN_POOL_AVG)
    {
      fovea_train_avgpool_forward (model->pool, out, in, batch, pixels, c);
      return;
    }
  fovea_train_maxpool_forward (model->pool, &g, out, in);
  if (op->pool == FOVEA_CNN_POOL_AVGMAX)
    {
      /* timm's avgmax: the mean of the two */
      float *avg = model->dpooled;
      fovea_train_avgpool_forward (model->pool, avg, in, batch, pixels, c);
      for (gsize i = 0; i < (gsize) batch * c; i++)
        out[i] = 0.5f * (out[i] + avg[i]);
    }
}

static void
op_forward (FoveaTrainCnn *model, const TrainOp *op)
{
  TrainTensor *in = train_cnn_tensor (model, op->in);
  float *out = op->out >= 0 ? train_cnn_tensor (model, op->out)->data : model->logits;
  FoveaTrainConvGeom g = geom_of (model, op);

  switch (op->kind)
    {
    case TRAIN_OP_CONV:
      {
        const float *residual = op->residual >= 0 ? train_cnn_tensor (model, op->residual)->data
                                                  : NULL;
        fovea_train_conv_forward (model->pool, &g, out, in->data, &op->weights, op->work_bias,
                                  residual, op->act, model->scratch);
        break;
      }
    case TRAIN_OP_MAXPOOL:
      fovea_train_maxpool_forward (model->pool, &g, out, in->data);
      break;
    case TRAIN_OP_GLOBAL_POOL:
      global_pool_forward (model, op, out, in->data);
      break;
    case TRAIN_OP_UPSAMPLE_CONCAT:
      fovea_upsample_concat_forward (model->pool, out, in->data,
                                     op->in2 >= 0 ? train_cnn_tensor (model, op->in2)->data
                                                  : NULL,
                                     model->batch, g.in_h, g.in_w, g.in_c, g.out_c - g.in_c);
      break;
    case TRAIN_OP_HEAD:
      fovea_train_linear_forward (model->pool, out, NULL, in->data, op->weight, NULL, op->bias,
                                  model->batch, g.in_c, g.out_c);
      break;
    }
}

const float *
fovea_train_cnn_forward (FoveaTrainCnn *model, const float *pixels, int batch, GError **error)
{
  g_return_val_if_fail (model != NULL && pixels != NULL, NULL);

  if (batch < 1 || batch > model->max_batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train on a batch of %d image(s): the model was made for 1 to %d",
                   batch, model->max_batch);
      return NULL;
    }
  /* The pool splits the GEMMs itself. */
  openblas_set_num_threads (1);
  model->batch = batch;
  train_cnn_refresh_work (model);

  TrainTensor *input = train_cnn_tensor (model, 0);
  LayoutJob job = { input->data, pixels, input->c, input->h, input->w };
  fovea_pool_run (model->pool, batch * input->h, to_channels_last_item, &job);
  for (guint i = 0; i < model->ops->len; i++)
    {
      const TrainOp *op = train_cnn_op (model, i);
      op_forward (model, op);
      TrainTensor *out = op->out >= 0 ? train_cnn_tensor (model, op->out) : NULL;
      if (out != NULL && out->mask_only)
        fovea_train_act_mask (model->pool, out->mask, out->data, tensor_floats (model, out),
                              op->act);
    }
  if (model->seg_logits >= 0)
    memcpy (model->logits, train_cnn_tensor (model, model->seg_logits)->data,
            sizeof (float) * (gsize) batch * model->n_outputs);
  else if (train_cnn_op (model, model->ops->len - 1)->kind != TRAIN_OP_HEAD)
    memcpy (model->logits, train_cnn_tensor (model, model->pooled)->data,
            sizeof (float) * (gsize) batch * model->n_outputs);
  return model->logits;
}

/* ---- backward ---- */

typedef struct {
  FoveaTrainCnn *model;
  gboolean      *started;   /* per tensor: its gradient has been written */
} Backward;

/* grad[t] = d, or += d once written. */
static void
pass_gradient (Backward *bw, int t, const float *d)
{
  FoveaTrainCnn *model = bw->model;
  TrainTensor *tensor = train_cnn_tensor (model, t);
  gsize n = tensor_floats (model, tensor);

  if (!bw->started[t])
    memcpy (tensor->grad, d, sizeof (float) * n);
  else
    cblas_saxpy ((int) n, 1.0f, d, 1, tensor->grad, 1);
  bw->started[t] = TRUE;
}

/* A LoRA's gradients: the kernel writes them into dwork (db then da),
 * the parameters add them up, B's through its folded scale. Its share of
 * din came with the merged weight. */
static void
lora_backward (Backward *bw, const TrainOp *op, const FoveaTrainConvGeom *g, const float *dy,
               const float *in)
{
  FoveaTrainCnn *model = bw->model;
  const TrainConvLora *l = &op->lora;
  FoveaTrainConvLora lora = { l->rank, l->a, l->b_work };
  int r = l->rank;
  float *db = model->dwork, *da = model->dwork + (gsize) g->out_c * r;

  if (l->da == NULL && l->db == NULL)
    return;
  fovea_train_conv_lora_backward (model->pool, g, &lora, da, db, dy, in, model->scratch,
                                  model->partials);
  if (l->da != NULL)
    cblas_saxpy (r * g->in_c, 1.0f, da, 1, l->da, 1);
  if (l->db != NULL)
    for (int o = 0; o < g->out_c; o++)
      {
        float s = l->scale * (op->bn_scale ? op->bn_scale[o] : 1.0f);
        for (int j = 0; j < r; j++)
          l->db[o * r + j] += s * db[o * r + j];
      }
}

static void
conv_backward (Backward *bw, const TrainOp *op, float *dy)
{
  FoveaTrainCnn *model = bw->model;
  FoveaTrainConvGeom g = geom_of (model, op);
  TrainTensor *in = train_cnn_tensor (model, op->in), *out = train_cnn_tensor (model, op->out);
  gsize n_out = tensor_floats (model, out);

  if (out->mask_only)
    fovea_train_act_backward_mask (model->pool, dy, out->mask, n_out);
  else
    fovea_train_act_backward (model->pool, dy, out->data, n_out, op->act);
  if (op->residual >= 0 && train_cnn_tensor (model, op->residual)->needs_grad)
    pass_gradient (bw, op->residual, dy);

  float *din = in->needs_grad ? in->grad : NULL;
  float *dwork = op->dweight != NULL ? model->dwork : NULL;
  /* the layer's own bias sits behind the BatchNorm scale */
  float *dbias = op->dbias != NULL ? model->dpooled : NULL;
  if (dbias != NULL)
    memset (dbias, 0, sizeof (float) * g.out_c);
  fovea_train_conv_backward (model->pool, &g, din, din != NULL && bw->started[op->in], dwork,
                             dbias, dy, in->data, &op->weights, model->scratch, model->partials);
  if (dwork != NULL)
    fovea_train_conv_grad_from_work (&g, op->dweight, dwork, op->bn_scale);
  if (dbias != NULL)
    for (int c = 0; c < g.out_c; c++)
      op->dbias[c] += dbias[c] * (op->bn_scale ? op->bn_scale[c] : 1.0f);
  if (din != NULL)
    bw->started[op->in] = TRUE;
  if (op->lora.rank > 0)
    lora_backward (bw, op, &g, dy, in->data);
}

/* Each input's share of the gradient, added to what it has (the skip is
 * also read by the next encoder block). */
static void
upsample_concat_backward (Backward *bw, const TrainOp *op, const float *dy)
{
  FoveaTrainCnn *model = bw->model;
  TrainTensor *in = train_cnn_tensor (model, op->in);
  TrainTensor *skip = op->in2 >= 0 ? train_cnn_tensor (model, op->in2) : NULL;
  const FoveaTrainConvGeom *g = &op->geom;

  fovea_upsample_concat_backward (model->pool, in->needs_grad ? in->grad : NULL,
                                  skip != NULL && skip->needs_grad ? skip->grad : NULL, dy,
                                  model->batch, g->in_h, g->in_w, g->in_c, g->out_c - g->in_c,
                                  bw->started[op->in],
                                  skip != NULL && bw->started[op->in2]);
  if (in->needs_grad)
    bw->started[op->in] = TRUE;
  if (skip != NULL && skip->needs_grad)
    bw->started[op->in2] = TRUE;
}

static void
pool_backward (Backward *bw, const TrainOp *op, const float *dy)
{
  FoveaTrainCnn *model = bw->model;
  FoveaTrainConvGeom g = geom_of (model, op);
  TrainTensor *in = train_cnn_tensor (model, op->in);
  int batch = model->batch, c = g.in_c, pixels = g.in_h * g.in_w;

  if (!in->needs_grad)
    return;
  /* These ops write their input's gradient whole: the network gives
   * their inputs no other reader. */
  g_assert (!bw->started[op->in]);
  bw->started[op->in] = TRUE;
  if (op->kind == TRAIN_OP_MAXPOOL)
    {
      fovea_train_maxpool_backward (model->pool, &g, in->grad, dy, in->data);
      return;
    }
  if (op->pool == FOVEA_CNN_POOL_AVG)
    {
      fovea_train_avgpool_backward (model->pool, in->grad, dy, batch, pixels, c);
      return;
    }
  if (op->pool == FOVEA_CNN_POOL_MAX)
    {
      fovea_train_maxpool_backward (model->pool, &g, in->grad, dy, in->data);
      return;
    }
  /* avgmax: half the gradient to each window's maximum, half spread */
  float *half = model->dpooled;
  for (gsize i = 0; i < (gsize) batch * c; i++)
    half[i] = 0.5f * dy[i];
  fovea_train_maxpool_backward (model->pool, &g, in->grad, half, in->data);
  for (int b = 0; b < batch; b++)
    for (int p = 0; p < pixels; p++)
      for (int k = 0; k < c; k++)
        in->grad[((gsize) b * pixels + p) * c + k] += half[(gsize) b * c + k] / (float) pixels;
}

void
fovea_train_cnn_backward (FoveaTrainCnn *model, const float *dlogits)
{
  g_return_if_fail (model != NULL && dlogits != NULL);
  g_return_if_fail (model->batch > 0);

  openblas_set_num_threads (1);
  g_autofree gboolean *started = g_new0 (gboolean, model->tensors->len);
  Backward bw = { model, started };
  TrainTensor *pooled = model->pooled >= 0 ? train_cnn_tensor (model, model->pooled) : NULL;
  int last = (int) model->ops->len - 1;
  const TrainOp *head = train_cnn_op (model, last);

  if (model->seg_logits >= 0)
    pass_gradient (&bw, model->seg_logits, dlogits);
  else if (head->kind == TRAIN_OP_HEAD)
    {
      float *din = pooled->needs_grad ? pooled->grad : NULL;
      fovea_train_linear_backward (model->pool, din, FALSE, head->dweight, head->dbias, dlogits,
                                   pooled->data, head->weight, model->batch, head->geom.in_c,
                                   head->geom.out_c);
      started[model->pooled] = din != NULL;
      last--;
    }
  else if (pooled->needs_grad)
    pass_gradient (&bw, model->pooled, dlogits);

  for (int i = last; i >= 0; i--)
    {
      const TrainOp *op = train_cnn_op (model, i);
      TrainTensor *out = train_cnn_tensor (model, op->out);
      gboolean passes = train_cnn_tensor (model, op->in)->needs_grad ||
                        (op->residual >= 0 && train_cnn_tensor (model, op->residual)->needs_grad) ||
                        (op->in2 >= 0 && train_cnn_tensor (model, op->in2)->needs_grad);
      gboolean trained = op->dweight != NULL || op->dbias != NULL || op->lora.da != NULL ||
                         op->lora.db != NULL;
      /* Nothing below wants a gradient (frozen Grad-CAM stops here, its
       * feature map's gradient left as the layer above gave it). */
      if (!out->needs_grad || (!passes && !trained))
        continue;
      if (!started[op->out])  /* read by nothing that passes a gradient */
        memset (out->grad, 0, sizeof (float) * tensor_floats (model, out));
      if (op->kind == TRAIN_OP_CONV)
        conv_backward (&bw, op, out->grad);
      else if (op->kind == TRAIN_OP_UPSAMPLE_CONCAT)
        upsample_concat_backward (&bw, op, out->grad);
      else
        pool_backward (&bw, op, out->grad);
    }
}
