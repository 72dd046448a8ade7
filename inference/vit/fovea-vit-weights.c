/* fovea-vit-weights.c: the ViT's weight views into model.safetensors,
 * under timm's tensor names, each checked for presence and shape.
 *
 * Loading is as strict as PyTorch's load_state_dict(strict=True): a
 * tensor the architecture does not use (layer scale, a pre-norm, an
 * attention-pool head...) means a variant this engine would silently run
 * wrong, so it is refused by name. */
#define G_LOG_DOMAIN "fovea-vit-weights"

#include "fovea-vit-private.h"

#include <string.h>

typedef struct {
  FoveaVit   *vit;
  GHashTable *used;  /* names of the tensors taken so far */
} WeightLoader;

/* The F32 view of tensor name, which must have the given shape. */
static const float *
take (WeightLoader *loader, const char *name, int n_dims, const gint64 *shape,
      GError **error)
{
  g_autoptr (GError) local = NULL;
  const float *data = fovea_safetensors_get_weights (loader->vit->weights, name,
                                                     n_dims, shape, &local);
  if (data == NULL)
    {
      /* The reader's message names the file, the tensor and the shape. */
      g_set_error_literal (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                           local->message);
      return NULL;
    }
  g_hash_table_add (loader->used, g_strdup (name));
  return data;
}

#define SHAPE(...) (int) (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64)), \
                   (gint64[]) { __VA_ARGS__ }

/* A LayerNorm's weight and bias, both [dim]. */
static gboolean
take_norm (WeightLoader *loader, FoveaNorm *norm, const char *prefix, int dim,
           GError **error)
{
  g_autofree char *weight = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bias = g_strconcat (prefix, ".bias", NULL);

  norm->weight = take (loader, weight, SHAPE (dim), error);
  if (norm->weight == NULL)
    return FALSE;
  norm->bias = take (loader, bias, SHAPE (dim), error);
  return norm->bias != NULL;
}

/* A Linear's weight [out, in] and, when with_bias, its bias [out]. */
static gboolean
take_linear (WeightLoader *loader, FoveaLinear *linear, const char *prefix,
             int in_dim, int out_dim, gboolean with_bias, GError **error)
{
  g_autofree char *weight = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bias = g_strconcat (prefix, ".bias", NULL);

  linear->in_dim = in_dim;
  linear->out_dim = out_dim;
  linear->weight = take (loader, weight, SHAPE (out_dim, in_dim), error);
  if (linear->weight == NULL)
    return FALSE;
  if (!with_bias)
    return TRUE;
  linear->bias = take (loader, bias, SHAPE (out_dim), error);
  return linear->bias != NULL;
}

static gboolean
take_block (WeightLoader *loader, int index, GError **error)
{
  const FoveaVitConfig *config = &loader->vit->config;
  FoveaVitBlock *block = &loader->vit->blocks[index];
  int dim = config->embed_dim, hidden = loader->vit->hidden_dim;
  g_autofree char *norm1 = g_strdup_printf ("blocks.%d.norm1", index);
  g_autofree char *qkv = g_strdup_printf ("blocks.%d.attn.qkv", index);
  g_autofree char *proj = g_strdup_printf ("blocks.%d.attn.proj", index);
  g_autofree char *norm2 = g_strdup_printf ("blocks.%d.norm2", index);
  g_autofree char *fc1 = g_strdup_printf ("blocks.%d.mlp.fc1", index);
  g_autofree char *fc2 = g_strdup_printf ("blocks.%d.mlp.fc2", index);

  return take_norm (loader, &block->norm1, norm1, dim, error) &&
         take_linear (loader, &block->qkv, qkv, dim, 3 * dim, config->qkv_bias, error) &&
         take_linear (loader, &block->proj, proj, dim, dim, TRUE, error) &&
         take_norm (loader, &block->norm2, norm2, dim, error) &&
         take_linear (loader, &block->fc1, fc1, dim, hidden, TRUE, error) &&
         take_linear (loader, &block->fc2, fc2, hidden, dim, TRUE, error);
}

/* The hyper-parameters the forward pass relies on, beyond what the
 * config loader guarantees. */
static gboolean
check_config (const FoveaVit *vit, GError **error)
{
  const FoveaVitConfig *c = &vit->config;
  const char *problem = NULL;

  if (c->embed_dim <= 0 || c->depth <= 0 || c->num_heads <= 0 ||
      c->patch_size <= 0 || c->in_chans <= 0 || c->num_classes < 0 ||
      c->reg_tokens < 0 || vit->hidden_dim <= 0)
    problem = "a size is not positive";
  else if (c->embed_dim % c->num_heads != 0)
    problem = "embed_dim is not a multiple of num_heads";
  else if (c->img_size[0] < c->patch_size || c->img_size[1] < c->patch_size)
    problem = "img_size is smaller than patch_size";
  else if (c->global_pool == FOVEA_VIT_POOL_TOKEN && !c->class_token)
    problem = "global_pool \"token\" needs a class token";
  else if (c->global_pool == FOVEA_VIT_POOL_AVG &&
           vit->grid_h * vit->grid_w == 0)
    problem = "average pooling needs patch tokens";

  if (problem == NULL)
    return TRUE;
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "Unsupported ViT configuration for %s: %s",
               vit->weights_path, problem);
  return FALSE;
}

static gboolean
check_all_used (WeightLoader *loader, GError **error)
{
  FoveaSafetensors *weights = loader->vit->weights;

  for (guint i = 0; i < fovea_safetensors_get_n_tensors (weights); i++)
    {
      const char *name = fovea_safetensors_get_nth (weights, i)->name;
      if (!g_hash_table_contains (loader->used, name))
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                       "%s: tensor %s is not part of a %s with this config "
                       "(an unsupported ViT variant?)",
                       loader->vit->weights_path, name,
                       loader->vit->config.architecture);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
fovea_vit_weights_load (FoveaVit *vit, GError **error)
{
  const FoveaVitConfig *c = &vit->config;
  int dim = c->embed_dim, patch = c->patch_size;

  vit->n_prefix = (c->class_token ? 1 : 0) + c->reg_tokens;
  vit->grid_h = c->img_size[0] / MAX (patch, 1);
  vit->grid_w = c->img_size[1] / MAX (patch, 1);
  vit->hidden_dim = (int) (dim * c->mlp_ratio);
  if (!check_config (vit, error))
    return FALSE;

  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                        g_free, NULL);
  WeightLoader loader = { vit, used };
  int n_pos = (c->no_embed_class ? 0 : vit->n_prefix) + vit->grid_h * vit->grid_w;

  vit->patch_embed.in_dim = c->in_chans * patch * patch;
  vit->patch_embed.out_dim = dim;
  vit->patch_embed.weight = take (&loader, "patch_embed.proj.weight",
                                  SHAPE (dim, c->in_chans, patch, patch), error);
  if (vit->patch_embed.weight == NULL)
    return FALSE;
  vit->patch_embed.bias = take (&loader, "patch_embed.proj.bias", SHAPE (dim), error);
  if (vit->patch_embed.bias == NULL)
    return FALSE;

  if (c->class_token &&
      (vit->cls_token = take (&loader, "cls_token", SHAPE (1, 1, dim), error)) == NULL)
    return FALSE;
  if (c->reg_tokens > 0 &&
      (vit->reg_token = take (&loader, "reg_token", SHAPE (1, c->reg_tokens, dim), error)) == NULL)
    return FALSE;
  vit->pos_embed = take (&loader, "pos_embed", SHAPE (1, n_pos, dim), error);
  if (vit->pos_embed == NULL)
    return FALSE;

  vit->blocks = g_new0 (FoveaVitBlock, c->depth);
  for (int i = 0; i < c->depth; i++)
    if (!take_block (&loader, i, error))
      return FALSE;

  /* timm: fc_norm after pooling replaces the final norm (an Identity). */
  FoveaNorm *final_norm = c->fc_norm ? &vit->fc_norm : &vit->norm;
  if (!take_norm (&loader, final_norm, c->fc_norm ? "fc_norm" : "norm", dim, error))
    return FALSE;

  if (c->num_classes > 0 &&
      !take_linear (&loader, &vit->head, "head", dim, c->num_classes, TRUE, error))
    return FALSE;

  return check_all_used (&loader, error) && fovea_vit_weights_pack (vit, error);
}
