/* fovea-train-vit-run.c: the trainable ViT's forward pass, which keeps
 * every activation the backward pass reads, and the backward pass, in
 * reverse order through the same kernels (fovea-train-kernels.h).
 *
 * Per block (pre-norm, timm):
 *   ln1 = LN1 (x); qkv = ln1·Wqkvᵀ (+ LoRA); att_out = attention (qkv);
 *   xmid = x + att_out·Wprojᵀ (+ LoRA); ln2 = LN2 (xmid);
 *   fc1_out = ln2·Wfc1ᵀ (+ LoRA); x' = xmid + GELU (fc1_out)·Wfc2ᵀ (+ LoRA).
 * The GELU output is not kept: the backward recomputes it (one cheap pass)
 * only where a gradient needs it (fc2's weight or a LoRA on fc2), which
 * saves rows × H floats per block. */
#define G_LOG_DOMAIN "fovea-train-vit-run"

#include "fovea-train-vit-private.h"

#include <cblas.h>
#include <string.h>

static int
rows_of (const FoveaTrainVit *model)
{
  return model->batch * model->n_tokens;
}

/* ---- forward ---- */

static void
loras_forward (FoveaTrainVit *model, int index, FoveaLoraTarget layer, float *out,
               int stride, const float *in)
{
  TrainBlock *blk = &model->blocks[index];
  for (int i = 0; i < blk->n_loras; i++)
    if (blk->loras[i].layer == layer)
      fovea_train_lora_forward (model->pool, &blk->loras[i].lora, out, stride,
                                model->acts[index].lora_u[i], in, rows_of (model));
}

/* x = [class, registers, patches] + position embedding (timm adds it to
 * the patches only with no_embed_class). */
static void
embed_forward (FoveaTrainVit *model, const float *pixels)
{
  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim, tokens = model->n_tokens, prefix = model->n_prefix;
  int patches = model->n_patches;
  const TrainLinear *pe = &model->patch_embed;
  float *x = model->acts[0].x, *embedded = model->dln;

  fovea_im2col (model->pool, model->patches, pixels, model->batch, c->in_chans,
                      c->img_size[0], c->img_size[1], c->patch_size);
  fovea_train_linear_forward (model->pool, embedded, NULL, model->patches, pe->weight,
                              pe->packed, pe->bias, model->batch * patches, pe->in_dim, d);
  for (int b = 0; b < model->batch; b++)
    {
      float *xb = x + (gsize) b * tokens * d;
      if (model->cls_token != NULL)
        memcpy (xb, model->cls_token, sizeof (float) * d);
      if (model->reg_token != NULL)
        memcpy (xb + (model->cls_token != NULL ? d : 0), model->reg_token,
                sizeof (float) * (gsize) c->reg_tokens * d);
      memcpy (xb + (gsize) prefix * d, embedded + (gsize) b * patches * d,
              sizeof (float) * (gsize) patches * d);
      float *with_pos = c->no_embed_class ? xb + (gsize) prefix * d : xb;
      gsize n = (gsize) model->n_pos * d;
      for (gsize i = 0; i < n; i++)
        with_pos[i] += model->pos_embed[i];
    }
}

static void
block_forward (FoveaTrainVit *model, int index)
{
  const FoveaVitConfig *c = &model->config;
  const TrainBlock *blk = &model->blocks[index];
  TrainBlockActs *a = &model->acts[index], *next = &model->acts[index + 1];
  FoveaPool *pool = model->pool;
  int d = c->embed_dim, h = model->hidden, rows = rows_of (model);

  fovea_train_layernorm_forward (pool, a->ln1, a->mean1, a->rstd1, a->x, blk->norm1.weight,
                                 blk->norm1.bias, rows, d);
  fovea_train_linear_forward (pool, a->qkv, NULL, a->ln1, blk->qkv.weight, blk->qkv.packed,
                              blk->qkv.bias, rows, d, 3 * d);
  loras_forward (model, index, FOVEA_LORA_QKV, a->qkv, 3 * d, a->ln1);
  fovea_train_attention_forward (pool, a->att_out, a->att, a->qkv, model->batch,
                                 model->n_tokens, c->num_heads, d / c->num_heads);
  fovea_train_linear_forward (pool, a->xmid, a->x, a->att_out, blk->proj.weight,
                              blk->proj.packed, blk->proj.bias, rows, d, d);
  loras_forward (model, index, FOVEA_LORA_PROJ, a->xmid, d, a->att_out);

  fovea_train_layernorm_forward (pool, a->ln2, a->mean2, a->rstd2, a->xmid, blk->norm2.weight,
                                 blk->norm2.bias, rows, d);
  fovea_train_linear_forward (pool, a->fc1_out, NULL, a->ln2, blk->fc1.weight, blk->fc1.packed,
                              blk->fc1.bias, rows, d, h);
  loras_forward (model, index, FOVEA_LORA_FC1, a->fc1_out, h, a->ln2);
  fovea_train_gelu_forward (pool, model->hidden_buf, a->fc1_out, (gsize) rows * h);
  fovea_train_linear_forward (pool, next->x, a->xmid, model->hidden_buf, blk->fc2.weight,
                              blk->fc2.packed, blk->fc2.bias, rows, h, d);
  loras_forward (model, index, FOVEA_LORA_FC2, next->x, d, model->hidden_buf);
}

/* The features the head reads: fc_norm's output, or the pooled tokens. */
static const float *
head_input (const FoveaTrainVit *model)
{
  return model->fc_norm.weight != NULL ? model->fc_normed : model->pooled;
}

/* Final norm, pooling (class token, or mean of the patch tokens), fc_norm
 * and the head. */
static void
head_forward (FoveaTrainVit *model)
{
  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim, tokens = model->n_tokens, batch = model->batch;
  const float *final = model->acts[c->depth].x;

  if (model->norm.weight != NULL)
    {
      fovea_train_layernorm_forward (model->pool, model->normed, model->norm_mean,
                                     model->norm_rstd, final, model->norm.weight,
                                     model->norm.bias, rows_of (model), d);
      final = model->normed;
    }
  for (int b = 0; b < batch; b++)
    {
      float *pooled = model->pooled + (gsize) b * d;
      const float *image = final + (gsize) b * tokens * d;
      if (c->global_pool == FOVEA_VIT_POOL_TOKEN)
        {
          memcpy (pooled, image, sizeof (float) * d);
          continue;
        }
      memset (pooled, 0, sizeof (float) * d);
      for (int t = model->n_prefix; t < tokens; t++)
        for (int i = 0; i < d; i++)
          pooled[i] += image[(gsize) t * d + i];
      for (int i = 0; i < d; i++)
        pooled[i] /= (float) model->n_patches;
    }
  if (model->fc_norm.weight != NULL)
    fovea_train_layernorm_forward (model->pool, model->fc_normed, model->fc_mean,
                                   model->fc_rstd, model->pooled, model->fc_norm.weight,
                                   model->fc_norm.bias, batch, d);
  if (model->head.weight != NULL)
    fovea_train_linear_forward (model->pool, model->logits, NULL, head_input (model),
                                model->head.weight, NULL, model->head.bias, batch, d,
                                model->head.out_dim);
  else
    memcpy (model->logits, head_input (model), sizeof (float) * (gsize) batch * d);
}

const float *
fovea_train_vit_forward (FoveaTrainVit *model, const float *pixels, int batch,
                         GError **error)
{
  g_return_val_if_fail (model != NULL && pixels != NULL, NULL);

  if (batch < 1 || batch > model->max_batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train on a batch of %d image(s): the model was made for 1 to %d",
                   batch, model->max_batch);
      return NULL;
    }
  /* The pool splits the GEMMs itself (fovea-train-kernels.c). */
  openblas_set_num_threads (1);
  model->batch = batch;
  embed_forward (model, pixels);
  for (int i = 0; i < model->config.depth; i++)
    block_forward (model, i);
  head_forward (model);
  return model->logits;
}

/* ---- backward ---- */

static void
loras_backward (FoveaTrainVit *model, int index, FoveaLoraTarget layer, float *din,
                const float *dout, int stride, const float *in)
{
  TrainBlock *blk = &model->blocks[index];
  for (int i = 0; i < blk->n_loras; i++)
    if (blk->loras[i].layer == layer)
      fovea_train_lora_backward (model->pool, &blk->loras[i].lora, din, model->du, dout,
                                 stride, model->acts[index].lora_u[i], in, rows_of (model));
}

/* Whether fc2's input (the GELU output) is needed for a gradient. */
static gboolean
needs_fc2_input (const TrainBlock *blk)
{
  if (blk->fc2.dweight != NULL)
    return TRUE;
  for (int i = 0; i < blk->n_loras; i++)
    if (blk->loras[i].layer == FOVEA_LORA_FC2 && blk->loras[i].lora.da != NULL)
      return TRUE;
  return FALSE;
}

/* Pooling, fc_norm and the head backwards: fills the last block's
 * output gradient. */
static void
head_backward (FoveaTrainVit *model, const float *dlogits)
{
  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim, tokens = model->n_tokens, batch = model->batch, rows = rows_of (model);
  TrainBlockActs *last = &model->acts[c->depth];
  float *dfeatures = model->dfc;

  if (model->head.weight != NULL)
    fovea_train_linear_backward (model->pool, dfeatures, FALSE, model->head.dweight,
                                 model->head.dbias, dlogits, head_input (model),
                                 model->head.weight, batch, d, model->head.out_dim);
  else
    memcpy (dfeatures, dlogits, sizeof (float) * (gsize) batch * d);

  const float *dpooled = dfeatures;
  if (model->fc_norm.weight != NULL)
    {
      memset (model->dpooled, 0, sizeof (float) * (gsize) batch * d);
      fovea_train_layernorm_backward (model->pool, model->dpooled, model->fc_norm.dweight,
                                      model->fc_norm.dbias, dfeatures, model->pooled,
                                      model->fc_mean, model->fc_rstd, model->fc_norm.weight,
                                      batch, d);
      dpooled = model->dpooled;
    }

  float *dfinal = model->norm.weight != NULL ? model->dln : last->dx;
  memset (dfinal, 0, sizeof (float) * (gsize) rows * d);
  for (int b = 0; b < batch; b++)
    {
      const float *g = dpooled + (gsize) b * d;
      float *image = dfinal + (gsize) b * tokens * d;
      if (c->global_pool == FOVEA_VIT_POOL_TOKEN)
        memcpy (image, g, sizeof (float) * d);
      else
        for (int t = model->n_prefix; t < tokens; t++)
          for (int i = 0; i < d; i++)
            image[(gsize) t * d + i] = g[i] / (float) model->n_patches;
    }
  if (model->norm.weight != NULL)
    {
      memset (last->dx, 0, sizeof (float) * (gsize) rows * d);
      fovea_train_layernorm_backward (model->pool, last->dx, model->norm.dweight,
                                      model->norm.dbias, dfinal, last->x, model->norm_mean,
                                      model->norm_rstd, model->norm.weight, rows, d);
    }
}

static void
block_backward (FoveaTrainVit *model, int index)
{
  const FoveaVitConfig *c = &model->config;
  const TrainBlock *blk = &model->blocks[index];
  TrainBlockActs *a = &model->acts[index];
  const float *dx_out = model->acts[index + 1].dx;
  FoveaPool *pool = model->pool;
  int d = c->embed_dim, h = model->hidden, rows = rows_of (model);
  float *dx = a->dx, *dh = model->dwide, *dqkv = model->dwide, *dln = model->dln;

  /* MLP: x' = xmid + fc2 (GELU (fc1 (LN2 (xmid)))) */
  memcpy (dx, dx_out, sizeof (float) * (gsize) rows * d);
  if (needs_fc2_input (blk))
    fovea_train_gelu_forward (pool, model->hidden_buf, a->fc1_out, (gsize) rows * h);
  fovea_train_linear_backward (pool, dh, FALSE, blk->fc2.dweight, blk->fc2.dbias, dx_out,
                               model->hidden_buf, blk->fc2.weight, rows, h, d);
  loras_backward (model, index, FOVEA_LORA_FC2, dh, dx_out, d, model->hidden_buf);
  fovea_train_gelu_backward (pool, dh, dh, a->fc1_out, (gsize) rows * h);
  fovea_train_linear_backward (pool, dln, FALSE, blk->fc1.dweight, blk->fc1.dbias, dh,
                               a->ln2, blk->fc1.weight, rows, d, h);
  loras_backward (model, index, FOVEA_LORA_FC1, dln, dh, h, a->ln2);
  fovea_train_layernorm_backward (pool, dx, blk->norm2.dweight, blk->norm2.dbias, dln,
                                  a->xmid, a->mean2, a->rstd2, blk->norm2.weight, rows, d);

  /* attention: xmid = x + proj (attention (qkv (LN1 (x)))); dx is dxmid here */
  fovea_train_linear_backward (pool, dln, FALSE, blk->proj.dweight, blk->proj.dbias, dx,
                               a->att_out, blk->proj.weight, rows, d, d);
  loras_backward (model, index, FOVEA_LORA_PROJ, dln, dx, d, a->att_out);
  fovea_train_attention_backward (pool, dqkv, model->att_scratch, dln, a->qkv, a->att,
                                  model->batch, model->n_tokens, c->num_heads,
                                  d / c->num_heads);
  fovea_train_linear_backward (pool, dln, FALSE, blk->qkv.dweight, blk->qkv.dbias, dqkv,
                               a->ln1, blk->qkv.weight, rows, d, 3 * d);
  loras_backward (model, index, FOVEA_LORA_QKV, dln, dqkv, 3 * d, a->ln1);
  fovea_train_layernorm_backward (pool, dx, blk->norm1.dweight, blk->norm1.dbias, dln,
                                  a->x, a->mean1, a->rstd1, blk->norm1.weight, rows, d);
}

typedef struct {
  FoveaTrainVit *model;
  const float   *dx;
} EmbedJob;

/* Token t's gradient summed over the images in order: pos_embed, and the
 * class and register tokens. */
static void
embed_token_item (gpointer data, int t, int thread)
{
  const EmbedJob *job = data;
  FoveaTrainVit *model = job->model;
  int d = model->config.embed_dim, prefix = model->n_prefix;
  int has_cls = model->cls_token != NULL ? 1 : 0;
  float *targets[2] = { NULL, NULL };

  if (!model->config.no_embed_class)
    targets[0] = model->dpos_embed + (gsize) t * d;
  else if (t >= prefix)
    targets[0] = model->dpos_embed + (gsize) (t - prefix) * d;
  if (t == 0 && has_cls)
    targets[1] = model->dcls_token;
  else if (t < prefix)
    targets[1] = model->dreg_token + (gsize) (t - has_cls) * d;

  for (int k = 0; k < 2; k++)
    if (targets[k] != NULL)
      for (int b = 0; b < model->batch; b++)
        {
          const float *g = job->dx + ((gsize) b * model->n_tokens + t) * d;
          for (int i = 0; i < d; i++)
            targets[k][i] += g[i];
        }
}

/* Position embedding, prefix tokens and the patch embedding (full mode). */
static void
embed_backward (FoveaTrainVit *model)
{
  int d = model->config.embed_dim, patches = model->n_patches;
  const float *dx = model->acts[0].dx;
  const TrainLinear *pe = &model->patch_embed;
  EmbedJob job = { model, dx };

  fovea_pool_run (model->pool, model->n_tokens, embed_token_item, &job);
  for (int b = 0; b < model->batch; b++)
    memcpy (model->dln + (gsize) b * patches * d,
            dx + ((gsize) b * model->n_tokens + model->n_prefix) * d,
            sizeof (float) * (gsize) patches * d);
  fovea_train_linear_backward (model->pool, NULL, FALSE, pe->dweight, pe->dbias, model->dln,
                               model->patches, pe->weight, model->batch * patches,
                               pe->in_dim, d);
}

void
fovea_train_vit_backward (FoveaTrainVit *model, const float *dlogits)
{
  g_return_if_fail (model != NULL && dlogits != NULL);
  g_return_if_fail (model->batch > 0);

  openblas_set_num_threads (1);
  head_backward (model, dlogits);
  for (int i = model->config.depth - 1; i >= model->backward_stop; i--)
    block_backward (model, i);
  if (model->backward_stop == 0 && model->mode == FOVEA_TRAIN_FULL)
    embed_backward (model);
}
