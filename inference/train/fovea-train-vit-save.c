/* fovea-train-vit-save.c: writing what was trained in the formats the
 * loaders (and timm / PEFT) read.
 *
 * Full training: a hub-layout folder, config.json + model.safetensors
 * with timm's names and shapes (fovea_vit_load). LoRA: a PEFT folder,
 * adapter_config.json + adapter_model.safetensors (fovea_adapter_load).
 * PEFT knows no LoRA on a slice of a layer, so q/k/v slice updates of
 * one block become one update of the whole qkv: A stacks the slices' A
 * (k·r × D) and B (3D × k·r) holds each slice's B in its own rows and
 * columns, zeros elsewhere. Its rank is k·r, so its lora_alpha is set
 * (through rank_pattern / alpha_pattern when other layers keep rank r)
 * for the scaling to stay the trained alpha / r. Each file is written
 * atomically (temporary file, then rename). */
#define G_LOG_DOMAIN "fovea-train-vit-save"

#include "fovea-train-vit-private.h"
#include "fovea-train-files.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define PEFT_PREFIX "base_model.model."

/* config.json as timm's push_to_hub writes it, every model_arg explicit
 * and the input's pretrained_cfg kept from the config trained with. */
static JsonBuilder *
build_config (const FoveaVitConfig *c)
{
  JsonBuilder *b = json_builder_new ();
  const char *pool = c->global_pool == FOVEA_VIT_POOL_AVG ? "avg" : "token";
  double img[2] = { c->img_size[0], c->img_size[1] };
  double input[3] = { c->input_size[0], c->input_size[1], c->input_size[2] };
  double mean[3] = { c->mean[0], c->mean[1], c->mean[2] };
  double std[3] = { c->std[0], c->std[1], c->std[2] };

  json_builder_begin_object (b);
  fovea_json_add_string (b, "architecture", c->architecture);
  fovea_json_add_int (b, "num_classes", c->num_classes);
  fovea_json_add_int (b, "num_features", c->embed_dim);
  fovea_json_add_string (b, "global_pool", pool);
  json_builder_set_member_name (b, "model_args");
  json_builder_begin_object (b);
  fovea_json_add_numbers (b, "img_size", img, 2, TRUE);
  fovea_json_add_int (b, "patch_size", c->patch_size);
  fovea_json_add_int (b, "in_chans", c->in_chans);
  fovea_json_add_int (b, "embed_dim", c->embed_dim);
  fovea_json_add_int (b, "depth", c->depth);
  fovea_json_add_int (b, "num_heads", c->num_heads);
  fovea_json_add_double (b, "mlp_ratio", c->mlp_ratio);
  fovea_json_add_bool (b, "qkv_bias", c->qkv_bias);
  fovea_json_add_bool (b, "class_token", c->class_token);
  fovea_json_add_string (b, "global_pool", pool);
  fovea_json_add_bool (b, "no_embed_class", c->no_embed_class);
  fovea_json_add_bool (b, "fc_norm", c->fc_norm);
  fovea_json_add_int (b, "reg_tokens", c->reg_tokens);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "pretrained_cfg");
  json_builder_begin_object (b);
  fovea_json_add_numbers (b, "input_size", input, 3, TRUE);
  /* input_size is kept as given, not reset from img_size */
  fovea_json_add_bool (b, "fixed_input_size", FALSE);
  fovea_json_add_string (b, "interpolation",
              c->interpolation == FOVEA_RESIZE_BILINEAR ? "bilinear" : "bicubic");
  fovea_json_add_double (b, "crop_pct", c->crop_pct);
  fovea_json_add_string (b, "crop_mode", "center");
  fovea_json_add_numbers (b, "mean", mean, 3, FALSE);
  fovea_json_add_numbers (b, "std", std, 3, FALSE);
  fovea_json_add_int (b, "num_classes", c->num_classes);
  fovea_json_add_string (b, "first_conv", "patch_embed.proj");
  fovea_json_add_string (b, "classifier", "head");
  json_builder_end_object (b);
  json_builder_end_object (b);
  return b;
}

static gboolean
save_full (FoveaTrainVit *model, const char *dir, GHashTable *metadata, GError **error)
{
  FoveaTensorList list;
  fovea_tensor_list_init (&list);
  for (guint i = 0; i < model->params->len; i++)
    {
      const FoveaTrainParam *param = &g_array_index (model->params, FoveaTrainParam, i);
      const TrainFileShape *shape = &g_array_index (model->file_shapes, TrainFileShape, i);
      fovea_tensor_list_add (&list, g_strdup (param->name), param->value, shape->n_dims, shape->shape);
    }
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr (JsonBuilder) builder = build_config (&model->config);
  gboolean ok = fovea_tensor_list_write (&list, weights, metadata, error) &&
                fovea_json_write_file (config, builder, error);
  fovea_tensor_list_clear (&list);
  return ok;
}

/* The q/k/v slice updates of block index as one qkv update. */
static void
add_qkv_slices (FoveaTensorList *list, const TrainBlock *blk, int index, int dim)
{
  int k = 0, r = 0;
  for (int i = 0; i < blk->n_loras; i++)
    if (blk->loras[i].target & (FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_K | FOVEA_TRAIN_TARGET_V))
      {
        k++;
        r = blk->loras[i].lora.rank;
      }
  if (k == 0)
    return;

  int rank = k * r;
  float *a = fovea_tensor_list_buffer (list, (gsize) rank * dim);
  float *b = fovea_tensor_list_buffer (list, (gsize) 3 * dim * rank);
  int j = 0;
  for (int i = 0; i < blk->n_loras; i++)
    {
      const FoveaTrainLora *lora = &blk->loras[i].lora;
      if (!(blk->loras[i].target & (FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_K | FOVEA_TRAIN_TARGET_V)))
        continue;
      memcpy (a + (gsize) j * r * dim, lora->a, sizeof (float) * (gsize) r * dim);
      for (int row = 0; row < dim; row++)
        memcpy (b + (gsize) (lora->out_offset + row) * rank + (gsize) j * r,
                lora->b + (gsize) row * r, sizeof (float) * r);
      j++;
    }
  gint64 a_shape[2] = { rank, dim }, b_shape[2] = { 3 * dim, rank };
  fovea_tensor_list_add (list, g_strdup_printf (PEFT_PREFIX "blocks.%d.attn.qkv.lora_A.weight", index),
                   a, 2, a_shape);
  fovea_tensor_list_add (list, g_strdup_printf (PEFT_PREFIX "blocks.%d.attn.qkv.lora_B.weight", index),
                   b, 2, b_shape);
}

static int
count_slices (guint targets)
{
  return ((targets & FOVEA_TRAIN_TARGET_Q) != 0) + ((targets & FOVEA_TRAIN_TARGET_K) != 0) +
         ((targets & FOVEA_TRAIN_TARGET_V) != 0);
}

static JsonBuilder *
build_adapter_config (const FoveaTrainVit *model)
{
  const FoveaLoraSpec *spec = &model->spec;
  int slices = count_slices (spec->targets);
  guint whole = spec->targets & ~(guint) (FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_K |
                                          FOVEA_TRAIN_TARGET_V);
  double scale = spec->use_rslora ? spec->alpha / sqrt (spec->rank) : spec->alpha / spec->rank;
  int qkv_rank = slices * spec->rank;
  double qkv_alpha = spec->use_rslora ? scale * sqrt (qkv_rank) : scale * qkv_rank;
  gboolean only_slices = slices > 0 && whole == 0;
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  fovea_json_add_string (b, "peft_type", "LORA");
  fovea_json_add_string (b, "base_model_name_or_path", model->config.architecture);
  fovea_json_add_int (b, "r", only_slices ? qkv_rank : spec->rank);
  fovea_json_add_double (b, "lora_alpha", only_slices ? qkv_alpha : spec->alpha);
  fovea_json_add_bool (b, "use_rslora", spec->use_rslora);
  json_builder_set_member_name (b, "target_modules");
  json_builder_begin_array (b);
  if (slices > 0 || (spec->targets & FOVEA_TRAIN_TARGET_QKV))
    json_builder_add_string_value (b, "attn.qkv");
  if (spec->targets & FOVEA_TRAIN_TARGET_PROJ)
    json_builder_add_string_value (b, "attn.proj");
  if (spec->targets & FOVEA_TRAIN_TARGET_FC1)
    json_builder_add_string_value (b, "mlp.fc1");
  if (spec->targets & FOVEA_TRAIN_TARGET_FC2)
    json_builder_add_string_value (b, "mlp.fc2");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "modules_to_save");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "head");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rank_pattern");
  json_builder_begin_object (b);
  if (slices > 0 && !only_slices)
    fovea_json_add_int (b, "attn.qkv", qkv_rank);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "alpha_pattern");
  json_builder_begin_object (b);
  if (slices > 0 && !only_slices)
    fovea_json_add_double (b, "attn.qkv", qkv_alpha);
  json_builder_end_object (b);
  fovea_json_add_string (b, "bias", "none");
  fovea_json_add_bool (b, "fan_in_fan_out", FALSE);
  fovea_json_add_double (b, "lora_dropout", 0.0);
  fovea_json_add_bool (b, "inference_mode", TRUE);
  fovea_json_add_bool (b, "init_lora_weights", TRUE);
  fovea_json_add_string (b, "task_type", NULL);
  json_builder_end_object (b);
  return b;
}

static gboolean
save_lora (FoveaTrainVit *model, const char *dir, GHashTable *metadata, GError **error)
{
  int d = model->config.embed_dim;
  FoveaTensorList list;
  fovea_tensor_list_init (&list);

  for (int i = 0; i < model->config.depth; i++)
    {
      const TrainBlock *blk = &model->blocks[i];
      add_qkv_slices (&list, blk, i, d);
      for (int j = 0; j < blk->n_loras; j++)
        {
          const TrainBlockLora *bl = &blk->loras[j];
          if (bl->target & (FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_K | FOVEA_TRAIN_TARGET_V))
            continue;
          const char *module = fovea_lora_target_module (bl->layer);
          gint64 a_shape[2] = { bl->lora.rank, bl->lora.in_features };
          gint64 b_shape[2] = { bl->lora.out_features, bl->lora.rank };
          fovea_tensor_list_add (&list, g_strdup_printf (PEFT_PREFIX "blocks.%d.%s.lora_A.weight",
                                                   i, module), bl->lora.a, 2, a_shape);
          fovea_tensor_list_add (&list, g_strdup_printf (PEFT_PREFIX "blocks.%d.%s.lora_B.weight",
                                                   i, module), bl->lora.b, 2, b_shape);
        }
    }
  gint64 head_shape[2] = { model->head.out_dim, d };
  fovea_tensor_list_add (&list, g_strdup (PEFT_PREFIX "head.weight"), model->head.weight, 2, head_shape);
  fovea_tensor_list_add (&list, g_strdup (PEFT_PREFIX "head.bias"), model->head.bias, 1, head_shape);

  g_autofree char *weights = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "adapter_config.json", NULL);
  g_autoptr (JsonBuilder) builder = build_adapter_config (model);
  gboolean ok = fovea_tensor_list_write (&list, weights, metadata, error) &&
                fovea_json_write_file (config, builder, error);
  fovea_tensor_list_clear (&list);
  return ok;
}

gboolean
fovea_train_vit_save (FoveaTrainVit *model, const char *dir, GHashTable *metadata,
                      GError **error)
{
  g_return_val_if_fail (model != NULL && dir != NULL, FALSE);

  if (model->mode == FOVEA_TRAIN_FROZEN)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "Cannot save %s: a frozen model has nothing trained", dir);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create folder %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return model->mode == FOVEA_TRAIN_FULL ? save_full (model, dir, metadata, error)
                                         : save_lora (model, dir, metadata, error);
}
