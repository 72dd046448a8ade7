/* fovea-adapter-cnn.c: a PEFT folder's head and 1×1 convolution LoRA
 * read into a FoveaCnnAdapter (the format in the header). */
#define G_LOG_DOMAIN "fovea-adapter-cnn"

#include "fovea-adapter-cnn.h"

#include "fovea-adapter-peft-config.h"
#include "fovea-adapter-private.h"

#include <string.h>

#define PREFIX "base_model.model."

typedef struct {
  const FoveaLora       *named;   /* names the adapter in messages */
  FoveaSafetensors      *st;
  const FoveaPeftConfig *config;
  FoveaCnnAdapter       *adapter;
  FoveaCnn              *cnn;
  guint                  used;    /* tensors taken */
} CnnRead;

static gboolean
read_lora (CnnRead *read, guint index, const FoveaCnnModule *module, GError **error)
{
  int rank;
  float scale;
  fovea_peft_config_rank_scale (read->config, module->module, &rank, &scale);
  g_autofree char *a_name = g_strconcat (PREFIX, module->module, ".lora_A.weight", NULL);
  g_autofree char *b_name = g_strconcat (PREFIX, module->module, ".lora_B.weight", NULL);
  gint64 a_shape[4] = { rank, module->in_channels, 1, 1 };
  gint64 b_shape[4] = { module->out_channels, rank, 1, 1 };

  if (module->kernel_h != 1 || module->kernel_w != 1 || module->groups != 1)
    {
      fovea_adapter_set_error (error, read->named, "adapter_config.json targets %s, a %d×%d "
                               "convolution%s; Fovea adapts 1×1 convolutions of one group only",
                               module->module, module->kernel_h, module->kernel_w,
                               module->groups > 1 ? " in groups" : "");
      return FALSE;
    }
  const float *a = fovea_adapter_get_tensor (read->named, read->st, a_name, 4, a_shape, error);
  const float *b = a != NULL ? fovea_adapter_get_tensor (read->named, read->st, b_name, 4,
                                                         b_shape, error) : NULL;
  if (b == NULL)
    return FALSE;
  read->used += 2;
  return fovea_cnn_adapter_merge_lora (read->adapter, index, rank, scale, a, b, error);
}

/* The head of modules_to_save, whole. */
static gboolean
read_head (CnnRead *read, GError **error)
{
  const char *head = fovea_cnn_get_head_module (read->cnn);
  int features = fovea_cnn_get_config (read->cnn)->num_features;
  g_autofree char *weight_name = g_strconcat (PREFIX, head, ".weight", NULL);
  g_autofree char *bias_name = g_strconcat (PREFIX, head, ".bias", NULL);
  gboolean saved = fovea_peft_config_saves (read->config, head);
  gboolean has_weight = fovea_safetensors_lookup (read->st, weight_name) != NULL;
  gboolean has_bias = fovea_safetensors_lookup (read->st, bias_name) != NULL;

  if (fovea_peft_config_targets (read->config, head, -1))
    {
      fovea_adapter_set_error (error, read->named, "adapter_config.json puts a LoRA on the "
                               "head %s; Fovea reads a CNN's head saved whole "
                               "(modules_to_save)", head);
      return FALSE;
    }
  if (!has_weight && (saved || has_bias))
    {
      fovea_adapter_set_error (error, read->named, "tensor “%s” is missing%s", weight_name,
                               has_bias ? " beside its bias"
                                        : ", though modules_to_save lists the head");
      return FALSE;
    }
  if (!has_weight)
    return TRUE;

  gint64 weight_shape[2] = { -1, features };
  const float *weight = fovea_adapter_get_tensor (read->named, read->st, weight_name, 2,
                                                  weight_shape, error);
  if (weight == NULL)
    return FALSE;
  int classes = (int) fovea_safetensors_lookup (read->st, weight_name)->shape[0];
  gint64 bias_shape[1] = { classes };
  const float *bias = has_bias ? fovea_adapter_get_tensor (read->named, read->st, bias_name, 1,
                                                           bias_shape, error) : NULL;
  if (has_bias && bias == NULL)
    return FALSE;
  read->used += has_bias ? 2 : 1;
  return fovea_cnn_adapter_set_head (read->adapter, classes, weight, bias, error);
}

/* Every tensor must have been taken: the first one that was not is
 * named (it belongs to a module the config does not target, or to none
 * of this network's). */
static gboolean
check_all_used (CnnRead *read, GError **error)
{
  if (read->used == fovea_safetensors_get_n_tensors (read->st))
    return TRUE;

  const char *head = fovea_cnn_get_head_module (read->cnn);
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (read->st); i++)
    {
      const char *name = fovea_safetensors_get_nth (read->st, i)->name;
      gboolean known = FALSE;
      for (guint m = 0; m < fovea_cnn_get_n_modules (read->cnn) && !known; m++)
        {
          FoveaCnnModule module;
          fovea_cnn_get_module (read->cnn, m, &module);
          g_autofree char *a = g_strconcat (PREFIX, module.module, ".lora_A.weight", NULL);
          g_autofree char *b = g_strconcat (PREFIX, module.module, ".lora_B.weight", NULL);
          known = fovea_peft_config_targets (read->config, module.module, -1) &&
                  (g_str_equal (name, a) || g_str_equal (name, b));
        }
      g_autofree char *head_weight = g_strconcat (PREFIX, head, ".weight", NULL);
      g_autofree char *head_bias = g_strconcat (PREFIX, head, ".bias", NULL);
      known = known || g_str_equal (name, head_weight) || g_str_equal (name, head_bias);
      if (!known)
        {
          fovea_adapter_set_error (error, read->named, "tensor “%s” fits no adapted layer of "
                                   "this %s", name,
                                   fovea_cnn_get_config (read->cnn)->architecture);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_adapter (CnnRead *read, GError **error)
{
  for (guint m = 0; m < fovea_cnn_get_n_modules (read->cnn); m++)
    {
      FoveaCnnModule module;
      fovea_cnn_get_module (read->cnn, m, &module);
      if (fovea_peft_config_targets (read->config, module.module, -1) &&
          !read_lora (read, m, &module, error))
        return FALSE;
    }
  if (!read_head (read, error) || !check_all_used (read, error))
    return FALSE;
  if (read->used == 0)
    {
      fovea_adapter_set_error (error, read->named, "it changes nothing: target_modules matches "
                               "no convolution of this %s and there is no head (%s) in "
                               "modules_to_save", fovea_cnn_get_config (read->cnn)->architecture,
                               fovea_cnn_get_head_module (read->cnn));
      return FALSE;
    }
  return TRUE;
}

FoveaCnnAdapter *
fovea_adapter_load_cnn_peft_data (const char *config_json, gssize length,
                                  FoveaSafetensors *weights, const char *name, FoveaCnn *cnn,
                                  GError **error)
{
  g_return_val_if_fail (config_json != NULL && weights != NULL && cnn != NULL, NULL);

  /* The PEFT reader names the adapter in its messages by a FoveaLora. */
  FoveaLora named = { .name = (char *) name };
  FoveaPeftConfig config;
  if (!fovea_peft_config_parse (&config, config_json, length, &named, error))
    return NULL;
  g_autoptr (FoveaCnnAdapter) adapter = fovea_cnn_adapter_new (cnn, name);
  CnnRead read = { &named, weights, &config, adapter, cnn, 0 };
  gboolean ok = read_adapter (&read, error);
  fovea_peft_config_clear (&config);
  return ok ? g_steal_pointer (&adapter) : NULL;
}

FoveaCnnAdapter *
fovea_adapter_load_cnn (const char *path, FoveaCnn *cnn, GError **error)
{
  g_return_val_if_fail (path != NULL && cnn != NULL, NULL);

  g_autofree char *name = g_path_get_basename (path);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter “%s”: a CNN takes a PEFT folder (adapter_config.json and "
                   "adapter_model.safetensors); MeLo files are for Vision Transformers", name);
      return NULL;
    }
  g_autofree char *config = NULL;
  g_autoptr (FoveaSafetensors) weights = NULL;
  gsize length;
  if (!fovea_adapter_read_peft_folder (path, &config, &length, &weights, error))
    return NULL;
  return fovea_adapter_load_cnn_peft_data (config, (gssize) length, weights, name, cnn, error);
}
