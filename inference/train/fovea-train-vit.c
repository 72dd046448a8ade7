/* fovea-train-vit.c: making a trainable ViT (full, LoRA or frozen), its
 * parameter list and its activation arena.
 *
 * Random initialisation (fovea-train-init.h) draws from one generator
 * seeded with the caller's seed, tensor after tensor in the order of
 * fovea_train_vit_get_params. */
#define G_LOG_DOMAIN "fovea-train-vit"

#include "fovea-train-vit-private.h"
#include "fovea-train-init.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-arena.h"
#include "fovea-rng.h"

/* ---- parameters ---- */

/* Hands out the next rows × cols floats of the value and gradient arrays
 * and lists them as a parameter. */
static float *
add_param (FoveaTrainVit *model, char *name, int rows, int cols, gboolean decay,
           const TrainFileShape *file_shape, float **grad)
{
  gsize n = (gsize) rows * cols;
  g_assert (model->n_used + n <= model->n_values);

  FoveaTrainParam param = {
    .name = name, .value = model->values + model->n_used,
    .grad = model->grads + model->n_used, .n = n, .shape = { rows, cols }, .decay = decay,
  };
  TrainFileShape shape = { 2, { rows, cols } };
  if (cols == 1)
    shape = (TrainFileShape) { 1, { rows } };
  if (file_shape != NULL)
    shape = *file_shape;
  g_ptr_array_add (model->names, name);
  g_array_append_val (model->params, param);
  g_array_append_val (model->file_shapes, shape);
  model->n_used += n;
  if (grad != NULL)
    *grad = param.grad;
  return param.value;
}

static gboolean
allocate_params (FoveaTrainVit *model, gsize n, GError **error)
{
  model->n_values = n;
  model->values = g_try_new0 (float, MAX (n, 1));
  model->grads = g_try_new0 (float, MAX (n, 1));
  if (model->values == NULL || model->grads == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for %" G_GSIZE_FORMAT " trainable parameters", n);
      return FALSE;
    }
  return TRUE;
}

static void
add_linear (FoveaTrainVit *model, TrainLinear *linear, const char *prefix, int in_dim,
            int out_dim, gboolean bias, const TrainFileShape *weight_shape)
{
  float *dweight = NULL, *dbias = NULL;
  linear->in_dim = in_dim;
  linear->out_dim = out_dim;
  linear->weight = add_param (model, g_strconcat (prefix, ".weight", NULL), out_dim, in_dim,
                              TRUE, weight_shape, &dweight);
  linear->dweight = dweight;
  if (bias)
    {
      linear->bias = add_param (model, g_strconcat (prefix, ".bias", NULL), out_dim, 1,
                                FALSE, NULL, &dbias);
      linear->dbias = dbias;
    }
}

static void
add_norm (FoveaTrainVit *model, TrainNorm *norm, const char *prefix, int dim)
{
  norm->weight = add_param (model, g_strconcat (prefix, ".weight", NULL), dim, 1, FALSE,
                            NULL, &norm->dweight);
  norm->bias = add_param (model, g_strconcat (prefix, ".bias", NULL), dim, 1, FALSE,
                          NULL, &norm->dbias);
}

/* ---- checks and geometry ---- */

static gboolean
check_config (const FoveaVitConfig *c, GError **error)
{
  const char *problem = NULL;

  if (c->embed_dim <= 0 || c->depth <= 0 || c->num_heads <= 0 || c->patch_size <= 0 ||
      c->in_chans <= 0 || c->reg_tokens < 0 || (int) (c->embed_dim * c->mlp_ratio) <= 0)
    problem = "a size is not positive";
  else if (c->embed_dim % c->num_heads != 0)
    problem = "embed_dim is not a multiple of num_heads";
  else if (c->img_size[0] < c->patch_size || c->img_size[1] < c->patch_size ||
           c->img_size[0] % c->patch_size != 0 || c->img_size[1] % c->patch_size != 0)
    problem = "img_size is not a multiple of patch_size";
  else if (c->global_pool == FOVEA_VIT_POOL_TOKEN && !c->class_token)
    problem = "global_pool \"token\" needs a class token";
  if (problem == NULL)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Cannot train ViT %s: %s", c->architecture ? c->architecture : "", problem);
  return FALSE;
}

static FoveaTrainVit *
model_new (FoveaTrainMode mode, const FoveaVitConfig *config)
{
  FoveaTrainVit *model = g_new0 (FoveaTrainVit, 1);
  const FoveaVitConfig *c = config;

  model->mode = mode;
  model->config = *config;
  model->config.architecture = g_strdup (config->architecture ? config->architecture
                                                              : "vit_tiny_patch16_224");
  model->n_prefix = (c->class_token ? 1 : 0) + c->reg_tokens;
  model->grid_h = c->img_size[0] / c->patch_size;
  model->grid_w = c->img_size[1] / c->patch_size;
  model->n_patches = model->grid_h * model->grid_w;
  model->n_tokens = model->n_prefix + model->n_patches;
  model->hidden = (int) (c->embed_dim * c->mlp_ratio);
  model->n_pos = (c->no_embed_class ? 0 : model->n_prefix) + model->n_patches;
  model->blocks = g_new0 (TrainBlock, c->depth);
  model->params = g_array_new (FALSE, FALSE, sizeof (FoveaTrainParam));
  model->file_shapes = g_array_new (FALSE, FALSE, sizeof (TrainFileShape));
  model->names = g_ptr_array_new_with_free_func (g_free);
  return model;
}

/* ---- the arena ---- */

/* Two passes: with base NULL only sizes are planned, then pointers set. */
static void
layout_arena (FoveaTrainVit *model, FoveaArenaPlan *p, char *base)
{
  const FoveaVitConfig *c = &model->config;
  double rows = (double) model->max_batch * model->n_tokens;
  double dim = c->embed_dim, hidden = model->hidden, tokens = model->n_tokens;
  double batch = model->max_batch;
  int depth = c->depth, max_rank = 1;
#define TAKE(field, n) do { gsize at_ = fovea_arena_plan_floats (p, (n)); if (base) (field) = (float *) (base + at_); } while (0)

  TAKE (model->patches, batch * model->n_patches * model->patch_embed.in_dim);
  for (int l = 0; l <= depth; l++)
    {
      TrainBlockActs *a = &model->acts[l];
      TAKE (a->x, rows * dim);
      TAKE (a->dx, rows * dim);
      if (l == depth)
        break;
      TAKE (a->ln1, rows * dim);
      TAKE (a->mean1, rows);
      TAKE (a->rstd1, rows);
      TAKE (a->qkv, rows * 3 * dim);
      TAKE (a->att, batch * c->num_heads * tokens * tokens);
      TAKE (a->att_out, rows * dim);
      TAKE (a->xmid, rows * dim);
      TAKE (a->ln2, rows * dim);
      TAKE (a->mean2, rows);
      TAKE (a->rstd2, rows);
      TAKE (a->fc1_out, rows * hidden);
      for (int i = 0; i < model->blocks[l].n_loras; i++)
        {
          int rank = model->blocks[l].loras[i].lora.rank;
          TAKE (a->lora_u[i], rows * rank);
          max_rank = MAX (max_rank, rank);
        }
    }
  TAKE (model->normed, model->norm.weight ? rows * dim : 0);
  TAKE (model->norm_mean, rows);
  TAKE (model->norm_rstd, rows);
  TAKE (model->pooled, batch * dim);
  TAKE (model->fc_normed, batch * dim);
  TAKE (model->fc_mean, batch);
  TAKE (model->fc_rstd, batch);
  TAKE (model->logits, batch * model->n_outputs);
  TAKE (model->dwide, rows * MAX (3 * dim, hidden));
  TAKE (model->hidden_buf, rows * hidden);
  TAKE (model->dln, rows * dim);
  TAKE (model->du, rows * max_rank);
  TAKE (model->att_scratch, (double) fovea_pool_get_n_threads (model->pool) * tokens * tokens);
  TAKE (model->dpooled, batch * dim);
  TAKE (model->dfc, batch * dim);
#undef TAKE
}

static gboolean
finish (FoveaTrainVit *model, int max_batch, int n_threads, GError **error)
{
  const FoveaVitConfig *c = &model->config;

  if (max_batch < 1 || (gint64) max_batch * model->n_tokens > G_MAXINT / MAX (3 * c->embed_dim, model->hidden))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   "Cannot train on batches of %d image(s): the batch must be at least 1 "
                   "and its activations addressable", max_batch);
      return FALSE;
    }
  model->max_batch = max_batch;
  model->pool = fovea_pool_new (n_threads > 0 ? n_threads : (int) g_get_num_processors (),
                                error);
  if (model->pool == NULL)
    return FALSE;

  model->acts = g_new0 (TrainBlockActs, c->depth + 1);
  FoveaArenaPlan p = FOVEA_ARENA_PLAN_INIT;
  layout_arena (model, &p, NULL);
  model->arena = fovea_arena_alloc (&p);
  if (model->arena == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for training %s on %d image(s) (%.0f MB of activations)",
                   c->architecture, max_batch, p.planned / 1e6);
      return FALSE;
    }
  FoveaArenaPlan q = FOVEA_ARENA_PLAN_INIT;
  layout_arena (model, &q, model->arena);
  return TRUE;
}

/* ---- constructors ---- */

static gsize
count_full_params (const FoveaTrainVit *model)
{
  const FoveaVitConfig *c = &model->config;
  gsize d = c->embed_dim, h = model->hidden, patch_in = (gsize) c->in_chans * c->patch_size * c->patch_size;
  gsize block = 4 * d + 3 * d * d + (c->qkv_bias ? 3 * d : 0) + d * d + d + 2 * h * d + h + d;
  return d * patch_in + d + (c->class_token ? d : 0) + (gsize) c->reg_tokens * d +
         (gsize) model->n_pos * d + c->depth * block + 2 * d +
         (gsize) c->num_classes * (d + 1);
}

/* Registers every weight of the ViT as a parameter, in timm's order. */
static void
add_full_params (FoveaTrainVit *model)
{
  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim, p = c->patch_size;
  TrainFileShape conv = { 4, { d, c->in_chans, p, p } };
  TrainFileShape cls = { 3, { 1, 1, d } };
  TrainFileShape reg = { 3, { 1, c->reg_tokens, d } };
  TrainFileShape pos = { 3, { 1, model->n_pos, d } };

  if (c->class_token)
    model->cls_token = add_param (model, g_strdup ("cls_token"), 1, d, FALSE, &cls,
                                  &model->dcls_token);
  if (c->reg_tokens > 0)
    model->reg_token = add_param (model, g_strdup ("reg_token"), c->reg_tokens, d, FALSE, &reg,
                                  &model->dreg_token);
  model->pos_embed = add_param (model, g_strdup ("pos_embed"), model->n_pos, d, FALSE, &pos,
                                &model->dpos_embed);
  add_linear (model, &model->patch_embed, "patch_embed.proj", c->in_chans * p * p, d, TRUE, &conv);
  for (int i = 0; i < c->depth; i++)
    {
      TrainBlock *blk = &model->blocks[i];
      g_autofree char *prefix = g_strdup_printf ("blocks.%d.", i);
      g_autofree char *norm1 = g_strconcat (prefix, "norm1", NULL);
      g_autofree char *qkv = g_strconcat (prefix, "attn.qkv", NULL);
      g_autofree char *proj = g_strconcat (prefix, "attn.proj", NULL);
      g_autofree char *norm2 = g_strconcat (prefix, "norm2", NULL);
      g_autofree char *fc1 = g_strconcat (prefix, "mlp.fc1", NULL);
      g_autofree char *fc2 = g_strconcat (prefix, "mlp.fc2", NULL);

      add_norm (model, &blk->norm1, norm1, d);
      add_linear (model, &blk->qkv, qkv, d, 3 * d, c->qkv_bias, NULL);
      add_linear (model, &blk->proj, proj, d, d, TRUE, NULL);
      add_norm (model, &blk->norm2, norm2, d);
      add_linear (model, &blk->fc1, fc1, d, model->hidden, TRUE, NULL);
      add_linear (model, &blk->fc2, fc2, model->hidden, d, TRUE, NULL);
    }
  add_norm (model, c->fc_norm ? &model->fc_norm : &model->norm, c->fc_norm ? "fc_norm" : "norm", d);
  add_linear (model, &model->head, "head", d, c->num_classes, TRUE, NULL);
}

/* timm's init_weights_vit_timm, in parameter order. */
static void
init_full_random (FoveaTrainVit *model, guint64 seed)
{
  FoveaInitRng rng = { seed };
  double patch_bound = 1.0 / sqrt ((double) model->patch_embed.in_dim);

  for (guint i = 0; i < model->params->len; i++)
    {
      FoveaTrainParam *param = &g_array_index (model->params, FoveaTrainParam, i);
      const char *name = param->name;
      if (strcmp (name, "cls_token") == 0 || strcmp (name, "reg_token") == 0)
        fovea_init_normal_fill (&rng, param->value, param->n, 1e-6);
      else if (strcmp (name, "pos_embed") == 0)
        fovea_init_trunc_normal (&rng, param->value, param->n, 0.02);
      else if (g_str_has_prefix (name, "patch_embed."))
        fovea_init_uniform_fill (&rng, param->value, param->n, patch_bound);  /* nn.Conv2d's own */
      else if (strstr (name, "norm") != NULL)
        fovea_init_value_fill (param->value, param->n, g_str_has_suffix (name, ".weight") ? 1.0f : 0.0f);
      else if (g_str_has_suffix (name, ".weight"))
        fovea_init_trunc_normal (&rng, param->value, param->n, 0.02);
      else
        fovea_init_value_fill (param->value, param->n, 0.0f);
    }
}

static void
copy_linear (TrainLinear *to, const FoveaLinear *from)
{
  memcpy ((float *) to->weight, from->weight, sizeof (float) * (gsize) to->in_dim * to->out_dim);
  if (to->bias != NULL && from->bias != NULL)
    memcpy ((float *) to->bias, from->bias, sizeof (float) * (gsize) to->out_dim);
}

static void
copy_norm (TrainNorm *to, const FoveaNorm *from, int dim)
{
  memcpy ((float *) to->weight, from->weight, sizeof (float) * (gsize) dim);
  memcpy ((float *) to->bias, from->bias, sizeof (float) * (gsize) dim);
}

static gboolean
check_init (const FoveaVitConfig *c, const FoveaVit *init, GError **error)
{
  const FoveaVitConfig *i = &init->config;
  if (i->embed_dim == c->embed_dim && i->depth == c->depth && i->num_heads == c->num_heads &&
      i->patch_size == c->patch_size && i->in_chans == c->in_chans &&
      i->img_size[0] == c->img_size[0] && i->img_size[1] == c->img_size[1] &&
      (int) (i->embed_dim * i->mlp_ratio) == (int) (c->embed_dim * c->mlp_ratio) &&
      i->qkv_bias == c->qkv_bias && i->class_token == c->class_token &&
      i->reg_tokens == c->reg_tokens && i->no_embed_class == c->no_embed_class &&
      i->fc_norm == c->fc_norm)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Cannot start training %s from %s: their shapes differ", c->architecture,
               i->architecture);
  return FALSE;
}

/* Copies a loaded backbone's weights; its head too when it has the same
 * width (else the head keeps its random init). */
static void
init_full_copy (FoveaTrainVit *model, const FoveaVit *init)
{
  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim;

  copy_linear (&model->patch_embed, &init->patch_embed);
  if (model->cls_token != NULL)
    memcpy ((float *) model->cls_token, init->cls_token, sizeof (float) * d);
  if (model->reg_token != NULL)
    memcpy ((float *) model->reg_token, init->reg_token, sizeof (float) * (gsize) c->reg_tokens * d);
  memcpy ((float *) model->pos_embed, init->pos_embed, sizeof (float) * (gsize) model->n_pos * d);
  for (int i = 0; i < c->depth; i++)
    {
      TrainBlock *to = &model->blocks[i];
      const FoveaVitBlock *from = &init->blocks[i];
      copy_norm (&to->norm1, &from->norm1, d);
      copy_linear (&to->qkv, &from->qkv);
      copy_linear (&to->proj, &from->proj);
      copy_norm (&to->norm2, &from->norm2, d);
      copy_linear (&to->fc1, &from->fc1);
      copy_linear (&to->fc2, &from->fc2);
    }
  if (c->fc_norm)
    copy_norm (&model->fc_norm, &init->fc_norm, d);
  else
    copy_norm (&model->norm, &init->norm, d);
  if (init->head.weight != NULL && init->head.out_dim == model->head.out_dim)
    copy_linear (&model->head, &init->head);
}

FoveaTrainVit *
fovea_train_vit_new_full (const FoveaVitConfig *config, const FoveaVit *init, guint64 seed,
                          int max_batch, int n_threads, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);

  if (!check_config (config, error))
    return NULL;
  if (config->num_classes <= 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "Cannot train ViT %s without a head: num_classes is %d",
                   config->architecture ? config->architecture : "", config->num_classes);
      return NULL;
    }
  g_autoptr (FoveaTrainVit) model = model_new (FOVEA_TRAIN_FULL, config);
  if (init != NULL && !check_init (&model->config, init, error))
    return NULL;
  if (!allocate_params (model, count_full_params (model), error))
    return NULL;
  add_full_params (model);
  g_assert (model->n_used == model->n_values);
  model->n_outputs = config->num_classes;
  init_full_random (model, seed);
  if (init != NULL)
    init_full_copy (model, init);
  if (!finish (model, max_batch, n_threads, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* The frozen backbone's weights, referenced (and its packed copies). */
static void
view_linear (TrainLinear *to, const FoveaLinear *from)
{
  *to = (TrainLinear) { .weight = from->weight, .bias = from->bias, .packed = from->packed,
                        .in_dim = from->in_dim, .out_dim = from->out_dim };
}

static void
view_norm (TrainNorm *to, const FoveaNorm *from)
{
  *to = (TrainNorm) { .weight = from->weight, .bias = from->bias };
}

static void
view_backbone (FoveaTrainVit *model, FoveaVit *vit)
{
  model->vit = vit;
  view_linear (&model->patch_embed, &vit->patch_embed);
  model->cls_token = vit->cls_token;
  model->reg_token = vit->reg_token;
  model->pos_embed = vit->pos_embed;
  for (int i = 0; i < vit->config.depth; i++)
    {
      TrainBlock *to = &model->blocks[i];
      const FoveaVitBlock *from = &vit->blocks[i];
      view_norm (&to->norm1, &from->norm1);
      view_linear (&to->qkv, &from->qkv);
      view_linear (&to->proj, &from->proj);
      view_norm (&to->norm2, &from->norm2);
      view_linear (&to->fc1, &from->fc1);
      view_linear (&to->fc2, &from->fc2);
    }
  view_norm (&model->norm, &vit->norm);
  view_norm (&model->fc_norm, &vit->fc_norm);
  view_linear (&model->head, &vit->head);
}

/* The LoRA targets in parameter order, with their names and layers. */
static const struct {
  guint           bit;
  const char     *name;
  FoveaLoraTarget layer;
  int             slice;  /* of the qkv output: 0 q, 1 k, 2 v, -1 all */
} lora_targets[] = {
  { FOVEA_TRAIN_TARGET_Q, "attn.qkv.q", FOVEA_LORA_QKV, 0 },
  { FOVEA_TRAIN_TARGET_K, "attn.qkv.k", FOVEA_LORA_QKV, 1 },
  { FOVEA_TRAIN_TARGET_V, "attn.qkv.v", FOVEA_LORA_QKV, 2 },
  { FOVEA_TRAIN_TARGET_QKV, "attn.qkv", FOVEA_LORA_QKV, -1 },
  { FOVEA_TRAIN_TARGET_PROJ, "attn.proj", FOVEA_LORA_PROJ, -1 },
  { FOVEA_TRAIN_TARGET_FC1, "mlp.fc1", FOVEA_LORA_FC1, -1 },
  { FOVEA_TRAIN_TARGET_FC2, "mlp.fc2", FOVEA_LORA_FC2, -1 },
};

static gboolean
check_spec (const FoveaLoraSpec *spec, int n_classes, GError **error)
{
  guint known = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (lora_targets); i++)
    known |= lora_targets[i].bit;
  const char *problem = NULL;
  if (spec->rank < 1 || spec->rank > 4096)
    problem = "the rank must be from 1 to 4096";
  else if (!isfinite (spec->alpha) || spec->alpha <= 0)
    problem = "alpha must be positive";
  else if (spec->targets == 0 || (spec->targets & ~known) != 0)
    problem = "the targets must be a non-empty set of FoveaTrainTargets";
  else if ((spec->targets & FOVEA_TRAIN_TARGET_QKV) &&
           (spec->targets & (FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_K | FOVEA_TRAIN_TARGET_V)))
    problem = "the whole qkv and its q/k/v slices cannot both be targets";
  else if (n_classes < 1)
    problem = "the head needs at least one class";
  if (problem == NULL)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Cannot train this LoRA: %s", problem);
  return FALSE;
}

FoveaTrainVit *
fovea_train_vit_new_lora (FoveaVit *vit, const FoveaLoraSpec *spec, int n_classes,
                          guint64 seed, int max_batch, int n_threads, GError **error)
{
  g_return_val_if_fail (vit != NULL && spec != NULL, NULL);

  if (!check_spec (spec, n_classes, error))
    return NULL;
  g_autoptr (FoveaTrainVit) model = model_new (FOVEA_TRAIN_LORA, &vit->config);
  model->spec = *spec;
  view_backbone (model, vit);

  const FoveaVitConfig *c = &model->config;
  int d = c->embed_dim, r = spec->rank;
  float scale = (float) (spec->use_rslora ? spec->alpha / sqrt (r) : spec->alpha / r);
  gsize n = (gsize) n_classes * (d + 1);
  for (int i = 0; i < c->depth; i++)
    for (gsize t = 0; t < G_N_ELEMENTS (lora_targets); t++)
      if (spec->targets & lora_targets[t].bit)
        {
          int in, out;
          fovea_lora_target_shape (c, lora_targets[t].layer, &in, &out);
          n += (gsize) r * (in + (lora_targets[t].slice >= 0 ? d : out));
        }
  if (!allocate_params (model, n, error))
    return NULL;

  FoveaInitRng rng = { seed };
  for (int i = 0; i < c->depth; i++)
    for (gsize t = 0; t < G_N_ELEMENTS (lora_targets); t++)
      if (spec->targets & lora_targets[t].bit)
        {
          TrainBlock *blk = &model->blocks[i];
          TrainBlockLora *bl = &blk->loras[blk->n_loras++];
          int in, out;
          fovea_lora_target_shape (c, lora_targets[t].layer, &in, &out);
          int slice = lora_targets[t].slice;
          bl->layer = lora_targets[t].layer;
          bl->target = lora_targets[t].bit;
          bl->lora = (FoveaTrainLora) { .rank = r, .in_features = in,
                                        .out_features = slice >= 0 ? d : out,
                                        .out_offset = slice >= 0 ? slice * d : 0,
                                        .scale = scale };
          char *a_name = g_strdup_printf ("blocks.%d.%s.lora_A", i, lora_targets[t].name);
          char *b_name = g_strdup_printf ("blocks.%d.%s.lora_B", i, lora_targets[t].name);
          float *a = add_param (model, a_name, r, in, TRUE, NULL, &bl->lora.da);
          bl->lora.b = add_param (model, b_name, bl->lora.out_features, r, TRUE, NULL,
                                  &bl->lora.db);
          bl->lora.a = a;
          fovea_init_uniform_fill (&rng, a, (gsize) r * in, 1.0 / sqrt ((double) in));
        }

  model->head = (TrainLinear) { 0 };
  add_linear (model, &model->head, "head", d, n_classes, TRUE, NULL);
  fovea_init_trunc_normal (&rng, (float *) model->head.weight, (gsize) n_classes * d, 0.02);
  g_assert (model->n_used == model->n_values);
  model->n_outputs = n_classes;
  if (!finish (model, max_batch, n_threads, error))
    return NULL;
  return g_steal_pointer (&model);
}

FoveaTrainVit *
fovea_train_vit_new_frozen (FoveaVit *vit, const FoveaLora *lora, int max_batch,
                            int n_threads, GError **error)
{
  g_return_val_if_fail (vit != NULL, NULL);

  if (lora != NULL && !fovea_vit_check_lora (vit, lora, error))
    return NULL;
  g_autoptr (FoveaTrainVit) model = model_new (FOVEA_TRAIN_FROZEN, &vit->config);
  view_backbone (model, vit);
  if (!allocate_params (model, 0, error))
    return NULL;

  const FoveaVitConfig *c = &model->config;
  for (int i = 0; lora != NULL && i < c->depth; i++)
    for (int target = 0; target < FOVEA_LORA_N_TARGETS; target++)
      {
        const FoveaLoraSlot *slot = fovea_lora_slot (lora, i, target);
        for (int u = 0; u < slot->n_updates; u++)
          {
            const FoveaLoraUpdate *up = &slot->updates[u];
            TrainBlock *blk = &model->blocks[i];
            TrainBlockLora *bl = &blk->loras[blk->n_loras++];
            bl->layer = target;
            bl->lora = (FoveaTrainLora) { .rank = up->rank, .in_features = up->in_features,
                                          .out_features = up->out_features,
                                          .out_offset = up->out_offset, .scale = up->scale,
                                          .a = up->a, .b = up->b };
          }
      }
  if (lora != NULL && lora->head_weight != NULL)
    model->head = (TrainLinear) { .weight = lora->head_weight, .bias = lora->head_bias,
                                  .in_dim = c->embed_dim, .out_dim = lora->head_classes };
  model->n_outputs = model->head.weight != NULL ? model->head.out_dim : c->embed_dim;
  if (!finish (model, max_batch, n_threads, error))
    return NULL;
  return g_steal_pointer (&model);
}

void
fovea_train_vit_free (FoveaTrainVit *model)
{
  if (model == NULL)
    return;
  fovea_vit_config_clear (&model->config);
  g_free (model->blocks);
  g_free (model->values);
  g_free (model->grads);
  g_array_unref (model->params);
  g_array_unref (model->file_shapes);
  g_ptr_array_unref (model->names);
  free (model->arena);
  g_free (model->acts);
  if (model->pool != NULL)
    fovea_pool_free (model->pool);
  g_free (model);
}

/* ---- accessors ---- */

FoveaTrainMode
fovea_train_vit_get_mode (const FoveaTrainVit *model)
{
  return model->mode;
}

const FoveaVitConfig *
fovea_train_vit_get_config (const FoveaTrainVit *model)
{
  return &model->config;
}

int
fovea_train_vit_get_n_outputs (const FoveaTrainVit *model)
{
  return model->n_outputs;
}

const FoveaTrainParam *
fovea_train_vit_get_params (FoveaTrainVit *model, int *n_params)
{
  if (n_params != NULL)
    *n_params = (int) model->params->len;
  return (const FoveaTrainParam *) model->params->data;
}

void
fovea_train_vit_zero_grad (FoveaTrainVit *model)
{
  memset (model->grads, 0, sizeof (float) * MAX (model->n_values, 1));
}

const float *
fovea_train_vit_get_block_input (const FoveaTrainVit *model, int block)
{
  if (block < 0 || block >= model->config.depth || model->batch == 0)
    return NULL;
  return model->acts[block].x;
}

const float *
fovea_train_vit_get_block_input_grad (const FoveaTrainVit *model, int block)
{
  if (block < 0 || block >= model->config.depth || block < model->backward_stop ||
      model->batch == 0)
    return NULL;
  return model->acts[block].dx;
}

void
fovea_train_vit_set_backward_stop (FoveaTrainVit *model, int block)
{
  model->backward_stop = CLAMP (block, 0, model->config.depth - 1);
}
