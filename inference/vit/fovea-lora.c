/* fovea-lora.c: the in-memory form of a task adapter. */
#define G_LOG_DOMAIN "fovea-lora"

#include "fovea-lora.h"

static const char *const target_modules[FOVEA_LORA_N_TARGETS] = {
  [FOVEA_LORA_QKV] = "attn.qkv",
  [FOVEA_LORA_PROJ] = "attn.proj",
  [FOVEA_LORA_FC1] = "mlp.fc1",
  [FOVEA_LORA_FC2] = "mlp.fc2",
};

const char *
fovea_lora_target_module (FoveaLoraTarget target)
{
  g_return_val_if_fail (target < FOVEA_LORA_N_TARGETS, NULL);
  return target_modules[target];
}

void
fovea_lora_target_shape (const FoveaVitConfig *config,
                         FoveaLoraTarget       target,
                         int                  *in_features,
                         int                  *out_features)
{
  int dim = config->embed_dim;
  /* timm: mlp_hidden_dim = int(embed_dim * mlp_ratio) */
  int hidden = (int) (dim * config->mlp_ratio);
  switch (target)
    {
    case FOVEA_LORA_QKV:
      *in_features = dim;
      *out_features = 3 * dim;
      break;
    case FOVEA_LORA_FC1:
      *in_features = dim;
      *out_features = hidden;
      break;
    case FOVEA_LORA_FC2:
      *in_features = hidden;
      *out_features = dim;
      break;
    case FOVEA_LORA_PROJ:
    case FOVEA_LORA_N_TARGETS:
    default:
      *in_features = dim;
      *out_features = dim;
      break;
    }
}

FoveaLora *
fovea_lora_new (const char *name,
                int         depth)
{
  g_return_val_if_fail (depth >= 0, NULL);
  FoveaLora *lora = g_new0 (FoveaLora, 1);
  lora->name = g_strdup (name);
  lora->depth = depth;
  lora->slots = g_new0 (FoveaLoraSlot, (gsize) depth * FOVEA_LORA_N_TARGETS);
  lora->files = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_safetensors_unref);
  lora->buffers = g_ptr_array_new_with_free_func (g_free);
  return lora;
}

void
fovea_lora_free (FoveaLora *lora)
{
  if (lora == NULL)
    return;
  g_free (lora->name);
  g_free (lora->path);
  g_free (lora->slots);
  g_ptr_array_unref (lora->files);
  g_ptr_array_unref (lora->buffers);
  g_free (lora);
}

gboolean
fovea_lora_add_update (FoveaLora             *lora,
                       int                    block,
                       FoveaLoraTarget        target,
                       const FoveaLoraUpdate *update)
{
  g_return_val_if_fail (block >= 0 && block < lora->depth, FALSE);
  g_return_val_if_fail (target < FOVEA_LORA_N_TARGETS, FALSE);
  FoveaLoraSlot *slot = &lora->slots[block * FOVEA_LORA_N_TARGETS + target];
  if (slot->n_updates == FOVEA_LORA_MAX_UPDATES)
    return FALSE;
  slot->updates[slot->n_updates++] = *update;
  return TRUE;
}

gsize
fovea_lora_get_n_bytes (const FoveaLora *lora)
{
  gsize n_floats = 0;
  for (int i = 0; i < lora->depth * FOVEA_LORA_N_TARGETS; i++)
    for (int u = 0; u < lora->slots[i].n_updates; u++)
      {
        const FoveaLoraUpdate *update = &lora->slots[i].updates[u];
        n_floats += (gsize) update->rank * (gsize) (update->in_features + update->out_features);
      }
  if (lora->head_weight != NULL)
    n_floats += (gsize) lora->head_classes * (gsize) (lora->head_width + (lora->head_bias ? 1 : 0));
  return n_floats * sizeof (float) +
         (gsize) lora->depth * FOVEA_LORA_N_TARGETS * sizeof (FoveaLoraSlot);
}
