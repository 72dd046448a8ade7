/* fovea-vit-forward.c: timm's VisionTransformer.forward as a sequence of
 * kernel calls over the run's arena.
 *
 * Buffer reuse within a block: the LayerNorm output `ln` is dead once the
 * qkv GEMM has read it, so attention writes its output there; `wide`
 * holds qkv until attention has read it, then the MLP's hidden layer
 * (and, before the first block, the im2col patches).
 *
 * Fusions, to make fewer passes over memory and fewer thread hand-offs:
 * the residual additions are the proj and fc2 GEMMs adding onto x
 * (beta = 1); their biases are added to x in the next pass over the
 * rows, the LayerNorm's ("pending" bias); and that pass also fills the
 * next GEMM's output with its bias, for the GEMM to add onto. */
#define G_LOG_DOMAIN "fovea-vit-forward"

#include "fovea-vit-private.h"

#include <cblas.h>
#include <string.h>

/* x = [class, registers, patches] + position embedding, per image. timm
 * adds the embedding to the patches only when no_embed_class is set. */
static void
embed_forward (FoveaVitRun *run, const float *pixels, int batch)
{
  const FoveaVit *vit = run->vit;
  const FoveaVitConfig *c = &vit->config;
  int dim = c->embed_dim, tokens = run->n_tokens, prefix = vit->n_prefix;
  gsize image_floats = (gsize) tokens * dim;
  float *patches = run->wide;
  fovea_im2col (run->pool, patches, pixels, batch, c->in_chans, run->height, run->width,
                c->patch_size);
  for (int b = 0; b < batch; b++)
    {
      float *x = run->x + b * image_floats;

      fovea_linear_forward (run->pool, x + (gsize) prefix * dim, dim,
                            patches + (gsize) b * run->n_patches * vit->patch_embed.in_dim,
                            &vit->patch_embed, run->n_patches);
      if (vit->cls_token != NULL)
        memcpy (x, vit->cls_token, sizeof (float) * dim);
      if (vit->reg_token != NULL)
        memcpy (x + (vit->cls_token != NULL ? dim : 0), vit->reg_token,
                sizeof (float) * (gsize) c->reg_tokens * dim);
      if (c->no_embed_class)
        fovea_add_forward (x + (gsize) prefix * dim, run->pos_embed,
                           (gsize) run->n_patches * dim);
      else
        fovea_add_forward (x, run->pos_embed, image_floats);
    }
}

static void
lora_forward (FoveaVitRun *run, const FoveaLora *lora, int block,
              FoveaLoraTarget target, float *out, int out_stride,
              const float *in, int rows)
{
  if (lora != NULL)
    fovea_lora_apply (run->pool, fovea_lora_slot (lora, block, target), out,
                      out_stride, in, rows, run->lora_scratch);
}

/* One pre-norm block: x += attn(norm1(x)); x += mlp(norm2(x)). Returns
 * the bias still to be added to x (fc2's). */
static const float *
block_forward (FoveaVitRun *run, int index, int batch, const FoveaLora *lora,
               const float *pending_bias)
{
  const FoveaVitConfig *c = &run->vit->config;
  const FoveaVitBlock *blk = &run->vit->blocks[index];
  FoveaPool *pool = run->pool;
  int dim = c->embed_dim, hidden = run->vit->hidden_dim;
  int rows = batch * run->n_tokens;
  float *qkv = run->wide, *hid = run->wide, *att_out = run->ln;
  float *att = NULL;
  FoveaBiasFill qkv_fill = { qkv, 3 * dim, &blk->qkv };
  FoveaBiasFill fc1_fill = { hid, hidden, &blk->fc1 };

  if (run->attention != NULL)
    att = (float *) fovea_vit_run_get_attention (run, index);

  fovea_layernorm_forward (pool, run->ln, run->x, rows, dim, pending_bias, &blk->norm1, &qkv_fill);
  fovea_matmul_accumulate (pool, qkv, 3 * dim, run->ln, &blk->qkv, rows);
  lora_forward (run, lora, index, FOVEA_LORA_QKV, qkv, 3 * dim, run->ln, rows);
  fovea_attention_forward (pool, att_out, att, run->scores, qkv, batch,
                           run->n_tokens, c->num_heads, dim / c->num_heads);
  fovea_matmul_accumulate (pool, run->x, dim, att_out, &blk->proj, rows);
  lora_forward (run, lora, index, FOVEA_LORA_PROJ, run->x, dim, att_out, rows);

  fovea_layernorm_forward (pool, run->ln, run->x, rows, dim, blk->proj.bias, &blk->norm2, &fc1_fill);
  fovea_matmul_accumulate (pool, hid, hidden, run->ln, &blk->fc1, rows);
  lora_forward (run, lora, index, FOVEA_LORA_FC1, hid, hidden, run->ln, rows);
  fovea_gelu_forward (pool, hid, (gsize) rows * hidden);
  fovea_matmul_accumulate (pool, run->x, dim, hid, &blk->fc2, rows);
  lora_forward (run, lora, index, FOVEA_LORA_FC2, run->x, dim, hid, rows);
  return blk->fc2.bias;
}

/* Final norm, pooling (class token or mean of the patch tokens), fc_norm
 * and the head (the adapter's when it has one). */
static void
head_forward (FoveaVitRun *run, int batch, const FoveaLora *lora,
              const float *pending_bias)
{
  const FoveaVit *vit = run->vit;
  const FoveaVitConfig *c = &vit->config;
  int dim = c->embed_dim, tokens = run->n_tokens, prefix = vit->n_prefix;
  int rows = batch * tokens;
  gboolean has_norm = vit->norm.weight != NULL;
  const float *final = has_norm ? run->ln : run->x;

  fovea_layernorm_forward (run->pool, run->ln, run->x, rows, dim, pending_bias,
                           has_norm ? &vit->norm : NULL, NULL);

  if (run->patch_tokens != NULL)
    for (int b = 0; b < batch; b++)
      memcpy (run->patch_tokens + (gsize) b * run->n_patches * dim,
              final + ((gsize) b * tokens + prefix) * dim,
              sizeof (float) * (gsize) run->n_patches * dim);

  if (c->global_pool == FOVEA_VIT_POOL_AVG)
    fovea_mean_tokens (run->pooled, final, batch, tokens, prefix, run->n_patches, dim);
  else
    for (int b = 0; b < batch; b++)
      memcpy (run->pooled + (gsize) b * dim, final + (gsize) b * tokens * dim,
              sizeof (float) * dim);

  if (vit->fc_norm.weight != NULL)
    fovea_layernorm_forward (run->pool, run->pooled, run->pooled, batch, dim, NULL,
                             &vit->fc_norm, NULL);

  FoveaLinear adapter_head = { 0 };
  const FoveaLinear *head = &vit->head;
  if (lora != NULL && lora->head_weight != NULL)
    {
      adapter_head = (FoveaLinear) { .weight = lora->head_weight, .bias = lora->head_bias,
                                     .in_dim = dim, .out_dim = lora->head_classes };
      head = &adapter_head;
    }

  if (head->weight != NULL)
    fovea_linear_forward (run->pool, run->logits, head->out_dim, run->pooled, head, batch);
  else
    memcpy (run->logits, run->pooled, sizeof (float) * (gsize) batch * dim);
  run->n_outputs = head->weight != NULL ? head->out_dim : dim;
}

/* The residual stream's patch rows after a block, with the bias the block
 * left pending (fc2's) added: the block's true output. */
static void
block_tokens_forward (FoveaVitRun *run, int batch, const float *pending_bias)
{
  int dim = run->vit->config.embed_dim, prefix = run->vit->n_prefix;
  for (int b = 0; b < batch; b++)
    for (int t = 0; t < run->n_patches; t++)
      {
        const float *src = run->x + ((gsize) b * run->n_tokens + prefix + t) * dim;
        float *dst = run->patch_tokens + ((gsize) b * run->n_patches + t) * dim;
        for (int i = 0; i < dim; i++)
          dst[i] = src[i] + (pending_bias != NULL ? pending_bias[i] : 0.0f);
      }
}

gboolean
fovea_vit_forward (FoveaVitRun *run, const float *pixels, int batch,
                   const FoveaLora *lora, GError **error)
{
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (pixels != NULL, FALSE);

  if (batch < 1 || batch > run->max_batch)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot run a batch of %d image(s) on a run made for 1 to %d",
                   batch, run->max_batch);
      return FALSE;
    }
  /* The check is cheap (it reads the slot table); running an adapter
   * that does not fit would read outside its matrices. */
  if (lora != NULL && !fovea_vit_check_lora (run->vit, lora, error))
    return FALSE;
  if (lora != NULL && lora->head_weight != NULL &&
      !fovea_vit_run_reserve_logits (run, lora->head_classes, error))
    return FALSE;

  /* The run's pool splits the GEMMs itself (see fovea-kernels.c). */
  openblas_set_num_threads (1);

  embed_forward (run, pixels, batch);
  const float *pending_bias = NULL;
  for (int i = 0; i < run->vit->config.depth; i++)
    {
      pending_bias = block_forward (run, i, batch, lora, pending_bias);
      if (i == run->token_block)
        {
          block_tokens_forward (run, batch, pending_bias);
          run->n_outputs = 0;
          run->batch = batch;
          return TRUE;
        }
    }
  head_forward (run, batch, lora, pending_bias);

  run->batch = batch;
  return TRUE;
}
