/* fovea-train-cnn-plan.c: what a training step of a CNN keeps, and one
 * arena that holds it, planned once for (max_batch, height, width).
 *
 * Which tensors need a gradient: those between the loss and a trained
 * parameter (or, when nothing is trained, the feature map Grad-CAM
 * reads). Which are kept for the backward pass: the input of a layer
 * whose weight (or LoRA) is trained, and max pooling's input; the output
 * of a layer whose activation a gradient passes back through is kept
 * too, but when nothing else reads it only as one bit per value (the
 * activation's derivative: with LoRA, MobileNetV2's expanded tensors,
 * half its activations, cost 1/32 of their size). Everything else lives
 * only until its last reader in the forward pass, so training only a
 * head keeps no activation at all, and frozen Grad-CAM keeps only the
 * last stage's.
 *
 * Placement: each buffer has a lifetime on one timeline (forward op i at
 * time i, its backward at 2N − 1 − i) and a size; buffers are placed
 * largest first at the lowest offset where they overlap no placed buffer
 * that is alive at the same time (a greedy interval packing, as TFLite's
 * arena planner does). Gradients thus reuse the memory of activations
 * the backward pass has finished with. */
#define G_LOG_DOMAIN "fovea-train-cnn-plan"

#include "fovea-train-cnn-private.h"

#include <stdlib.h>
#include <string.h>

#include "fovea-train-conv-private.h"

#define ARENA_ALIGN 64

typedef struct {
  gsize   size;      /* bytes, aligned */
  int     start, end;  /* inclusive times */
  float **target;
  gsize   offset;
} Block;

static gboolean
op_trained (const TrainOp *op)
{
  return op->dweight != NULL || op->dbias != NULL || op->lora.da != NULL || op->lora.db != NULL;
}

/* needs_grad, keep and mask_only, in forward order. */
static void
mark_tensors (FoveaTrainCnn *model)
{
  int n_ops = (int) model->ops->len;
  g_autofree gboolean *masked = g_new0 (gboolean, model->tensors->len);

  for (int i = 0; i < n_ops; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      TrainTensor *in = train_cnn_tensor (model, op->in);
      TrainTensor *res = op->residual >= 0 ? train_cnn_tensor (model, op->residual) : NULL;
      TrainTensor *skip = op->in2 >= 0 ? train_cnn_tensor (model, op->in2) : NULL;
      gboolean upstream = op_trained (op) || in->needs_grad || (res && res->needs_grad) ||
                          (skip && skip->needs_grad);
      TrainTensor *out = op->out >= 0 ? train_cnn_tensor (model, op->out) : NULL;

      if (out != NULL)
        out->needs_grad = upstream ||
                          (model->mode == FOVEA_TRAIN_FROZEN && op->out == model->features) ||
                          op->out == model->seg_logits;
      /* The head's output (the logits) always gets a gradient: dlogits. */
      gboolean back = out != NULL ? out->needs_grad : TRUE;
      if (!back)
        continue;
      if (out != NULL && op->act != FOVEA_ACT_NONE)
        masked[op->out] = TRUE;
      if (op->dweight != NULL || op->lora.da != NULL)
        in->keep = TRUE;
      if (op->kind == TRAIN_OP_MAXPOOL && in->needs_grad)
        in->keep = TRUE;
      if (op->kind == TRAIN_OP_GLOBAL_POOL && op->pool != FOVEA_CNN_POOL_AVG && in->needs_grad)
        in->keep = TRUE;
    }
  for (guint t = 0; t < model->tensors->len; t++)
    train_cnn_tensor (model, t)->mask_only = masked[t] && !train_cnn_tensor (model, t)->keep;
}

static void
add_block (GArray *blocks, float **target, double n_floats, int start, int end)
{
  Block block = { .start = start, .end = end, .target = target };
  double bytes = n_floats * sizeof (float);
  block.size = bytes > 0x1p46 ? (gsize) 1 << 46
                              : ((gsize) bytes + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
  g_array_append_val (blocks, block);
}

static int
compare_size (gconstpointer a, gconstpointer b)
{
  const Block *x = a, *y = b;
  if (x->size != y->size)
    return x->size > y->size ? -1 : 1;
  return x->start - y->start;
}

static int
compare_offset (gconstpointer a, gconstpointer b)
{
  const Block *const *x = a, *const *y = b;
  return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

/* Greedy placement; returns the arena's size. */
static gsize
place_blocks (GArray *blocks)
{
  gsize total = 0;
  g_array_sort (blocks, compare_size);
  g_autoptr (GPtrArray) live = g_ptr_array_new ();

  for (guint i = 0; i < blocks->len; i++)
    {
      Block *b = &g_array_index (blocks, Block, i);
      g_ptr_array_set_size (live, 0);
      for (guint j = 0; j < i; j++)
        {
          Block *p = &g_array_index (blocks, Block, j);
          if (p->start <= b->end && b->start <= p->end)
            g_ptr_array_add (live, p);
        }
      g_ptr_array_sort (live, compare_offset);
      gsize offset = 0;
      for (guint j = 0; j < live->len; j++)
        {
          const Block *p = g_ptr_array_index (live, j);
          if (p->offset >= offset + b->size)
            break;
          offset = MAX (offset, p->offset + p->size);
        }
      b->offset = offset;
      total = MAX (total, offset + b->size);
    }
  return total;
}

gboolean
train_cnn_plan (FoveaTrainCnn *model, GError **error)
{
  int n_ops = (int) model->ops->len, end = 2 * n_ops;
  double batch = model->max_batch;
  int threads = fovea_pool_get_n_threads (model->pool);
  g_autoptr (GArray) blocks = g_array_new (FALSE, FALSE, sizeof (Block));
  g_autofree int *last_use = g_new (int, model->tensors->len);
  double scratch = 0, partials = 0, dwork = 0;
  double dpooled = model->pooled >= 0 ? batch * train_cnn_tensor (model, model->pooled)->c : 0;

  mark_tensors (model);
  for (guint t = 0; t < model->tensors->len; t++)
    last_use[t] = train_cnn_tensor (model, t)->producer;
  for (int i = 0; i < n_ops; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      last_use[op->in] = MAX (last_use[op->in], i);
      if (op->residual >= 0)
        last_use[op->residual] = MAX (last_use[op->residual], i);
      if (op->in2 >= 0)
        last_use[op->in2] = MAX (last_use[op->in2], i);
      if (op->kind != TRAIN_OP_CONV)
        continue;
      const FoveaTrainConvGeom *g = &op->geom;
      TrainTensor *out = train_cnn_tensor (model, op->out);
      gboolean backward = out->needs_grad &&
                          (op_trained (op) || train_cnn_tensor (model, op->in)->needs_grad);
      scratch = MAX (scratch, (double) fovea_train_conv_thread_scratch (g, backward) * threads);
      partials = MAX (partials, (double) fovea_train_conv_partials_size (g));
      if (op->dweight != NULL)
        dwork = MAX (dwork, (double) fovea_train_conv_weight_size (g));
      if (op->dbias != NULL)
        dpooled = MAX (dpooled, g->out_c);
      if (op->lora.da != NULL || op->lora.db != NULL)
        {
          int r = op->lora.rank;
          dwork = MAX (dwork, (double) r * (g->in_c + g->out_c));
          partials = MAX (partials, (double) fovea_train_conv_lora_partials_size (g, r));
          scratch = MAX (scratch, (double) fovea_train_conv_lora_thread_scratch (g, r) * threads);
        }
    }

  for (guint t = 0; t < model->tensors->len; t++)
    {
      TrainTensor *tensor = train_cnn_tensor (model, t);
      double n = batch * tensor->c * tensor->h * tensor->w;
      int start = MAX (tensor->producer, 0);
      add_block (blocks, &tensor->data, n, start, tensor->keep ? end : last_use[t]);
      if (tensor->mask_only)
        add_block (blocks, (float **) &tensor->mask, (n + 31) / 32, start, end);
      if (tensor->needs_grad)
        add_block (blocks, &tensor->grad, n, end - 1 - last_use[t],
                   end - 1 - MAX (tensor->producer, 0));
    }
  add_block (blocks, &model->scratch, scratch, 0, end);
  add_block (blocks, &model->partials, partials, 0, end);
  add_block (blocks, &model->dwork, dwork, 0, end);
  add_block (blocks, &model->logits, batch * model->n_outputs, 0, end);
  add_block (blocks, &model->dpooled, dpooled, 0, end);

  gsize total = place_blocks (blocks);
  model->arena_bytes = total;
  if (total >= (gsize) 1 << 46 ||
      posix_memalign (&model->arena, ARENA_ALIGN, MAX (total, ARENA_ALIGN)) != 0)
    {
      model->arena = NULL;
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for training %s on %d image(s) of %d × %d "
                   "(%.0f MB of activations)", model->config.architecture, model->max_batch,
                   model->width, model->height, (double) total / 1e6);
      return FALSE;
    }
  for (guint i = 0; i < blocks->len; i++)
    {
      Block *b = &g_array_index (blocks, Block, i);
      *b->target = b->size > 0 ? (float *) ((char *) model->arena + b->offset) : NULL;
    }
  return TRUE;
}
