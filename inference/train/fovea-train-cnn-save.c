/* fovea-train-cnn-save.c: writing what a CNN learnt in the formats its
 * loaders, timm / torchvision and PEFT read.
 *
 * Full training: a hub folder, config.json (the architecture, its
 * model_args and pretrained_cfg as loaded, num_classes the head's) and
 * model.safetensors with every convolution's weight, every BatchNorm's
 * weight, bias, running_mean and running_var (as loaded: they are not
 * trained) and the head, under the model's own names, F32.
 *
 * LoRA and head training: a PEFT folder. adapter_config.json lists the
 * adapted convolutions by full module name in target_modules (PEFT
 * matches a list entry against the whole name) and the head in
 * modules_to_save; adapter_model.safetensors holds
 * base_model.model.<module>.lora_A.weight [r, in, 1, 1] and .lora_B.weight
 * [out, r, 1, 1], as PEFT's Conv2d LoRA stores them, and the head's
 * weight and bias. A head alone adapts no module: its target_modules is
 * PEFT's placeholder "dummy-target-modules", which PEFT (≥ 0.12) accepts
 * as matching nothing.
 *
 * A segmentation network (full training only): an smp hub folder,
 * config.json in the form fovea-seg-config.h reads (_model_class "Unet",
 * encoder, decoder widths, classes, activation, pretrained_cfg's mean,
 * std and input_size, and Fovea's fovea_encoder_pad_type when the encoder
 * pads as TensorFlow) and model.safetensors with every tensor under smp's
 * state_dict names, as for a classifier. Each file is written
 * atomically. */
#define G_LOG_DOMAIN "fovea-train-cnn-save"

#include "fovea-train-cnn-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-train-files.h"

#define PEFT_PREFIX "base_model.model."
#define PEFT_NO_TARGETS "dummy-target-modules"

static const char *
pool_name (FoveaCnnPool pool)
{
  switch (pool)
    {
    case FOVEA_CNN_POOL_MAX: return "max";
    case FOVEA_CNN_POOL_AVGMAX: return "avgmax";
    case FOVEA_CNN_POOL_AVG:
    default: return "avg";
    }
}

static JsonBuilder *
build_config (const FoveaTrainCnn *model)
{
  const FoveaCnnConfig *c = &model->config;
  const FoveaPretrainedCfg *p = &c->pretrained;
  JsonBuilder *b = json_builder_new ();
  double input[3] = { p->input_size[0], p->input_size[1], p->input_size[2] };
  double mean[3] = { p->mean[0], p->mean[1], p->mean[2] };
  double std[3] = { p->std[0], p->std[1], p->std[2] };

  json_builder_begin_object (b);
  fovea_json_add_string (b, "architecture", c->architecture);
  fovea_json_add_int (b, "num_classes", c->num_classes);
  fovea_json_add_int (b, "num_features", c->num_features);
  fovea_json_add_string (b, "global_pool", pool_name (c->global_pool));
  json_builder_set_member_name (b, "model_args");
  json_builder_begin_object (b);
  if (c->same_padding)
    fovea_json_add_string (b, "pad_type", "same");
  fovea_json_add_double (b, "bn_eps", c->bn_eps);
  if (c->in_chans != 3)
    fovea_json_add_int (b, "in_chans", c->in_chans);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "pretrained_cfg");
  json_builder_begin_object (b);
  fovea_json_add_numbers (b, "input_size", input, 3, TRUE);
  fovea_json_add_string (b, "interpolation",
                         p->interpolation == FOVEA_RESIZE_BICUBIC ? "bicubic" : "bilinear");
  fovea_json_add_double (b, "crop_pct", p->crop_pct);
  fovea_json_add_numbers (b, "mean", mean, 3, FALSE);
  fovea_json_add_numbers (b, "std", std, 3, FALSE);
  fovea_json_add_int (b, "num_classes", c->num_classes);
  fovea_json_add_string (b, "classifier", model->head_module);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return b;
}

/* smp's hub config.json of a Unet (fovea-seg-config.h). */
static JsonBuilder *
build_seg_config (const FoveaTrainCnn *model)
{
  const FoveaSegConfig *c = model->seg;
  const FoveaPretrainedCfg *p = &c->pretrained;
  JsonBuilder *b = json_builder_new ();
  double input[3] = { c->in_channels, p->input_size[1], p->input_size[2] };
  double mean[3] = { p->mean[0], p->mean[1], p->mean[2] };
  double std[3] = { p->std[0], p->std[1], p->std[2] };
  double decoder[FOVEA_SEG_DECODER_BLOCKS];
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    decoder[i] = c->decoder_channels[i];

  json_builder_begin_object (b);
  fovea_json_add_string (b, "_model_class", "Unet");
  fovea_json_add_string (b, "encoder_name", c->encoder_name);
  fovea_json_add_int (b, "encoder_depth", 5);
  fovea_json_add_string (b, "encoder_weights", NULL);
  fovea_json_add_numbers (b, "decoder_channels", decoder, FOVEA_SEG_DECODER_BLOCKS, TRUE);
  fovea_json_add_bool (b, "decoder_use_batchnorm", TRUE);
  fovea_json_add_string (b, "decoder_attention_type", NULL);
  fovea_json_add_int (b, "in_channels", c->in_channels);
  fovea_json_add_int (b, "classes", c->classes);
  fovea_json_add_string (b, "activation",
                         c->activation == FOVEA_SEG_SOFTMAX ? "softmax" : "sigmoid");
  if (model->config.same_padding)
    fovea_json_add_string (b, FOVEA_SEG_PAD_MEMBER, "same");
  json_builder_set_member_name (b, "pretrained_cfg");
  json_builder_begin_object (b);
  fovea_json_add_numbers (b, "input_size", input, 3, TRUE);
  fovea_json_add_numbers (b, "mean", mean, 3, FALSE);
  fovea_json_add_numbers (b, "std", std, 3, FALSE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return b;
}

static void
add_vector (FoveaTensorList *list, const char *module, const char *what, const float *data,
            int n)
{
  gint64 shape[1] = { n };
  fovea_tensor_list_add (list, g_strdup_printf ("%s.%s", module, what), data, 1, shape);
}

static gboolean
save_full (FoveaTrainCnn *model, const char *dir, GHashTable *metadata, GError **error)
{
  static const char *const bn_names[4] = { "weight", "bias", "running_mean", "running_var" };
  FoveaTensorList list;
  fovea_tensor_list_init (&list);

  for (guint i = 0; i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind != TRAIN_OP_CONV && op->kind != TRAIN_OP_HEAD)
        continue;
      const FoveaTrainConvGeom *g = &op->geom;
      gint64 conv[4] = { g->out_c, g->in_c / g->groups, g->kernel_h, g->kernel_w };
      fovea_tensor_list_add (&list, g_strconcat (op->module, ".weight", NULL), op->weight,
                             op->kind == TRAIN_OP_HEAD ? 2 : 4, conv);
      if (op->bias != NULL)
        add_vector (&list, op->module, "bias", op->bias, g->out_c);
      for (int k = 0; op->bn_module != NULL && k < 4; k++)
        add_vector (&list, op->bn_module, bn_names[k], op->bn[k], g->out_c);
    }
  if (model->save_f16)
    fovea_tensor_list_to_f16 (&list);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr (JsonBuilder) builder = model->seg != NULL ? build_seg_config (model)
                                                        : build_config (model);
  gboolean ok = fovea_tensor_list_write (&list, weights, metadata, error) &&
                fovea_json_write_file (config, builder, error);
  fovea_tensor_list_clear (&list);
  return ok;
}

static JsonBuilder *
build_adapter_config (const FoveaTrainCnn *model)
{
  const FoveaLoraSpec *spec = &model->spec;
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  fovea_json_add_string (b, "peft_type", "LORA");
  fovea_json_add_string (b, "base_model_name_or_path", model->config.architecture);
  fovea_json_add_int (b, "r", model->head_only ? 8 : spec->rank);
  fovea_json_add_double (b, "lora_alpha", model->head_only ? 8 : spec->alpha);
  fovea_json_add_bool (b, "use_rslora", !model->head_only && spec->use_rslora);
  json_builder_set_member_name (b, "target_modules");
  if (model->head_only)
    json_builder_add_string_value (b, PEFT_NO_TARGETS);
  else
    {
      json_builder_begin_array (b);
      for (guint i = 0; i < model->ops->len; i++)
        {
          const TrainOp *op = &g_array_index (model->ops, TrainOp, i);
          if (op->lora.rank > 0)
            json_builder_add_string_value (b, op->module);
        }
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "modules_to_save");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, model->head_module);
  json_builder_end_array (b);
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
save_adapter (FoveaTrainCnn *model, const char *dir, GHashTable *metadata, GError **error)
{
  FoveaTensorList list;
  fovea_tensor_list_init (&list);

  for (guint i = 0; i < model->ops->len; i++)
    {
      const TrainOp *op = train_cnn_op (model, i);
      int r = op->lora.rank;
      if (op->kind == TRAIN_OP_HEAD)
        {
          gint64 shape[2] = { op->geom.out_c, op->geom.in_c };
          fovea_tensor_list_add (&list, g_strconcat (PEFT_PREFIX, op->module, ".weight", NULL),
                                 op->weight, 2, shape);
          fovea_tensor_list_add (&list, g_strconcat (PEFT_PREFIX, op->module, ".bias", NULL),
                                 op->bias, 1, shape);
        }
      if (r == 0)
        continue;
      gint64 a_shape[4] = { r, op->geom.in_c, 1, 1 }, b_shape[4] = { op->geom.out_c, r, 1, 1 };
      fovea_tensor_list_add (&list, g_strconcat (PEFT_PREFIX, op->module, ".lora_A.weight", NULL),
                             op->lora.a, 4, a_shape);
      fovea_tensor_list_add (&list, g_strconcat (PEFT_PREFIX, op->module, ".lora_B.weight", NULL),
                             op->lora.b, 4, b_shape);
    }
  g_autofree char *weights = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "adapter_config.json", NULL);
  g_autoptr (JsonBuilder) builder = build_adapter_config (model);
  gboolean ok = fovea_tensor_list_write (&list, weights, metadata, error) &&
                fovea_json_write_file (config, builder, error);
  fovea_tensor_list_clear (&list);
  return ok;
}

void
fovea_train_cnn_set_save_f16 (FoveaTrainCnn *model, gboolean f16)
{
  g_return_if_fail (model != NULL);
  model->save_f16 = f16;
}

gboolean
fovea_train_cnn_save (FoveaTrainCnn *model, const char *dir, GHashTable *metadata,
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
                                         : save_adapter (model, dir, metadata, error);
}
