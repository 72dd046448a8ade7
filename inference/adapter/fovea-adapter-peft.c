/* fovea-adapter-peft.c: a PEFT LoRA folder (adapter_config.json +
 * adapter_model.safetensors) as a FoveaLora.
 *
 * Every tensor in the file must be one Fovea applies, every module the
 * config targets must have its pair of tensors and no others may: an
 * adapter is taken whole or refused, never run in part. */
#define G_LOG_DOMAIN "fovea-adapter-peft"

#include <string.h>

#include "fovea-adapter-peft-config.h"
#include "fovea-adapter-private.h"
#include "fovea-vit-private.h"

#define PREFIX "base_model.model."

/* Whether name (without PREFIX) is a module Fovea can adapt: "head" or
 * blocks.N.<target>. block is N (or -1), which may be out of range. */
static gboolean
parse_module (const char *name,
              gsize       len,
              int        *block)
{
  *block = -1;
  if (len == 4 && memcmp (name, "head", 4) == 0)
    return TRUE;
  if (len < 7 || memcmp (name, "blocks.", 7) != 0)
    return FALSE;
  const char *index = name + 7;
  const char *dot = memchr (index, '.', len - 7);
  if (dot == NULL || !fovea_adapter_parse_index (index, (gsize) (dot - index), 1, block))
    return FALSE;
  gsize rest = len - (gsize) (dot + 1 - name);
  for (int target = 0; target < FOVEA_LORA_N_TARGETS; target++)
    {
      const char *module = fovea_lora_target_module (target);
      if (strlen (module) == rest && memcmp (dot + 1, module, rest) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Refuses a file holding any tensor that is not a lora_A / lora_B of an
 * adaptable module in range, or a saved head. */
static gboolean
check_tensor_names (const FoveaLora  *lora,
                    FoveaSafetensors *st,
                    GError          **error)
{
  static const char *const suffixes[] = { ".lora_A.weight", ".lora_B.weight" };
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const char *name = fovea_safetensors_get_nth (st, i)->name;
      if (strcmp (name, PREFIX "head.weight") == 0 || strcmp (name, PREFIX "head.bias") == 0)
        continue;
      gboolean known = FALSE;
      int block = -1;
      gsize len = strlen (name);
      for (gsize s = 0; !known && s < G_N_ELEMENTS (suffixes); s++)
        {
          gsize n = strlen (suffixes[s]);
          known = g_str_has_prefix (name, PREFIX) && len > n + strlen (PREFIX) &&
                  strcmp (name + len - n, suffixes[s]) == 0 &&
                  parse_module (name + strlen (PREFIX), len - n - strlen (PREFIX), &block);
        }
      if (!known)
        {
          fovea_adapter_set_error (error, lora, "tensor “%s” is not one Fovea can apply "
                                   "(lora_A/lora_B of blocks.N.attn.qkv, attn.proj, mlp.fc1, "
                                   "mlp.fc2 or head, or a saved head)", name);
          return FALSE;
        }
      if (block >= lora->depth)
        {
          fovea_adapter_set_error (error, lora, "tensor “%s”: block %d is out of range, the "
                                   "backbone has %d blocks", name, block, lora->depth);
          return FALSE;
        }
    }
  return TRUE;
}

/* Reads module's update if the config targets it; *found says whether it
 * did. A targeted module without tensors, or tensors for a module the
 * config does not target, is an error. */
static gboolean
read_module_update (const FoveaLora       *lora,
                    FoveaSafetensors      *st,
                    const FoveaPeftConfig *config,
                    const char            *module,
                    int                    block,
                    int                    in_features,
                    int                    out_features,
                    FoveaLoraUpdate       *update,
                    gboolean              *found,
                    GError               **error)
{
  g_autofree char *a_name = g_strconcat (PREFIX, module, ".lora_A.weight", NULL);
  g_autofree char *b_name = g_strconcat (PREFIX, module, ".lora_B.weight", NULL);
  gboolean present = fovea_safetensors_lookup (st, a_name) || fovea_safetensors_lookup (st, b_name);
  *found = fovea_peft_config_targets (config, module, block);
  if (!present && !*found)
    return TRUE;
  if (!*found)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s”: adapter_config.json does not "
                               "target %s", fovea_safetensors_lookup (st, a_name) ? a_name : b_name,
                               module);
      return FALSE;
    }
  if (!present)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json targets %s but tensor “%s” "
                               "is missing", module, a_name);
      return FALSE;
    }
  int rank;
  float scale;
  fovea_peft_config_rank_scale (config, module, &rank, &scale);
  return fovea_adapter_read_update (lora, st, a_name, b_name, rank, in_features,
                                    out_features, 0, scale, update, error);
}

static float *
new_buffer (FoveaLora *lora,
            gsize      n_floats)
{
  float *buffer = g_new (float, n_floats);
  g_ptr_array_add (lora->buffers, buffer);
  return buffer;
}

/* A LoRA on the head is merged into a copy of it once, at load: the head
 * is tiny and runs once per image, so W + s·B·A costs less than keeping
 * the update apart, and the forward pass has one head path. */
static gboolean
merge_head_update (FoveaLora             *lora,
                   const FoveaVit        *vit,
                   const FoveaLoraUpdate *update,
                   GError               **error)
{
  const FoveaLinear *head = &vit->head;
  int classes = head->out_dim, width = head->in_dim;
  float *weight = new_buffer (lora, (gsize) classes * (gsize) width);
  for (int c = 0; c < classes; c++)
    for (int d = 0; d < width; d++)
      {
        double sum = 0;
        for (int k = 0; k < update->rank; k++)
          sum += (double) update->b[(gsize) c * update->rank + k] *
                 update->a[(gsize) k * width + d];
        weight[(gsize) c * width + d] = head->weight[(gsize) c * width + d] +
                                        update->scale * (float) sum;
      }
  float *bias = new_buffer (lora, (gsize) classes);
  for (int c = 0; c < classes; c++)
    bias[c] = head->bias ? head->bias[c] : 0.0f;
  lora->head_classes = classes;
  lora->head_width = width;
  lora->head_weight = weight;
  lora->head_bias = bias;
  return TRUE;
}

/* The head: a LoRA on it, or one saved whole (modules_to_save). */
static gboolean
read_head (FoveaLora             *lora,
           FoveaSafetensors      *st,
           const FoveaPeftConfig *config,
           const FoveaVit        *vit,
           gboolean              *targeted,
           GError               **error)
{
  const FoveaVitConfig *backbone = fovea_vit_get_config (vit);
  if (vit->head.weight == NULL && fovea_peft_config_targets (config, "head", -1))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json targets the head, but the "
                               "backbone has none (num_classes 0)");
      return FALSE;
    }
  FoveaLoraUpdate update;
  if (!read_module_update (lora, st, config, "head", -1, vit->head.in_dim,
                           vit->head.out_dim, &update, targeted, error))
    return FALSE;
  if (*targeted)
    return merge_head_update (lora, vit, &update, error);

  gboolean has_weight = fovea_safetensors_lookup (st, PREFIX "head.weight") != NULL;
  gboolean has_bias = fovea_safetensors_lookup (st, PREFIX "head.bias") != NULL;
  if (!has_weight && (has_bias || fovea_peft_config_saves (config, "head")))
    {
      fovea_adapter_set_error (error, lora, "tensor “" PREFIX "head.weight” is missing%s",
                               has_bias ? " beside its bias" : ", though modules_to_save lists the head");
      return FALSE;
    }
  if (!has_weight)
    return TRUE;
  gint64 weight_shape[2] = { -1, backbone->embed_dim };
  lora->head_weight = fovea_adapter_get_tensor (lora, st, PREFIX "head.weight", 2,
                                                weight_shape, error);
  if (lora->head_weight == NULL)
    return FALSE;
  lora->head_classes = (int) fovea_safetensors_lookup (st, PREFIX "head.weight")->shape[0];
  lora->head_width = backbone->embed_dim;
  gint64 bias_shape[1] = { lora->head_classes };
  if (has_bias)
    lora->head_bias = fovea_adapter_get_tensor (lora, st, PREFIX "head.bias", 1,
                                                bias_shape, error);
  return !has_bias || lora->head_bias != NULL;
}

static gboolean
read_adapter (FoveaLora             *lora,
              FoveaSafetensors      *st,
              const FoveaPeftConfig *config,
              const FoveaVit        *vit,
              GError               **error)
{
  const FoveaVitConfig *backbone = fovea_vit_get_config (vit);
  if (!check_tensor_names (lora, st, error))
    return FALSE;

  gboolean any = FALSE;
  for (int block = 0; block < lora->depth; block++)
    for (int target = 0; target < FOVEA_LORA_N_TARGETS; target++)
      {
        g_autofree char *module = g_strdup_printf ("blocks.%d.%s", block,
                                                   fovea_lora_target_module (target));
        int in_features, out_features;
        fovea_lora_target_shape (backbone, target, &in_features, &out_features);
        FoveaLoraUpdate update;
        gboolean found;
        if (!read_module_update (lora, st, config, module, block, in_features, out_features,
                                 &update, &found, error))
          return FALSE;
        if (found)
          fovea_lora_add_update (lora, block, target, &update);
        any |= found;
      }

  gboolean head_targeted;
  if (!read_head (lora, st, config, vit, &head_targeted, error))
    return FALSE;
  if (!any && !head_targeted)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: target_modules matches no "
                               "layer of the backbone (blocks.N.attn.qkv, attn.proj, mlp.fc1, "
                               "mlp.fc2, head)");
      return FALSE;
    }
  return TRUE;
}

FoveaLora *
fovea_adapter_load_peft_data (const char       *config_json,
                              gssize            length,
                              FoveaSafetensors *weights,
                              const char       *name,
                              const FoveaVit   *vit,
                              GError          **error)
{
  g_autoptr (FoveaLora) lora = fovea_lora_new (name, fovea_vit_get_config (vit)->depth);
  g_ptr_array_add (lora->files, fovea_safetensors_ref (weights));

  FoveaPeftConfig config;
  if (!fovea_peft_config_parse (&config, config_json, length, lora, error))
    return NULL;
  gboolean read = read_adapter (lora, weights, &config, vit, error);
  fovea_peft_config_clear (&config);
  if (!read || !fovea_vit_check_lora (vit, lora, error))
    return NULL;
  return g_steal_pointer (&lora);
}
