/* fovea-trainer-model.c: the network a training run trains, a ViT
 * (fovea-train-vit.h) or a CNN (fovea-train-cnn.h), behind the few calls
 * the loop, the evaluation and the writer make.
 *
 * Which one: config.json's architecture, a CNN when the CNN engine knows
 * its name, a ViT otherwise. A ViT trains at its config's img_size; a CNN
 * at any size: the task card's input_size, else --input-size, else its
 * pretrained_cfg's, and that size is written into what it saves (the
 * card's preprocessing, and a full model's pretrained_cfg) so that
 * inference runs at the size training did. */
#define G_LOG_DOMAIN "fovea-trainer-model"

#include "fovea-trainer-private.h"
#include "fovea-model-weights.h"

#include <json-glib/json-glib.h>

#include "fovea-cnn-config.h"

/* Whether dir/config.json names a CNN architecture (any error is left
 * for the real loader to report). */
static gboolean
is_cnn_folder (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, NULL))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  JsonNode *arch = json_object_get_member (json_node_get_object (root), "architecture");
  return arch != NULL && JSON_NODE_HOLDS_VALUE (arch) &&
         json_node_get_value_type (arch) == G_TYPE_STRING &&
         fovea_cnn_architecture_is_known (json_node_get_string (arch));
}

static gboolean
options_error (GError **error, const char *message)
{
  g_set_error_literal (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS, message);
  return FALSE;
}

static gboolean
build_vit (FoveaTrainer *t, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  int max_batch = MAX (o->batch, 1);

  if (o->head_only)
    return options_error (error, "--head trains a new head on a CNN backbone; for a ViT "
                          "give --lora");
  if (o->full)
    {
      g_autofree char *config_path = g_build_filename (o->model_dir, "config.json", NULL);
      /* model.safetensors or pytorch_model.bin: NULL when neither. */
      g_autofree char *weights_path = fovea_model_weights_find (o->model_dir);

      if (!fovea_vit_config_load_file (&t->config, config_path, error))
        return FALSE;
      /* Weights next to the config are the starting point; without
       * them the model starts from timm's initialisation. */
      if (weights_path != NULL)
        {
          t->backbone = fovea_vit_load (o->model_dir, error);
          if (t->backbone == NULL)
            return FALSE;
        }
      t->config.num_classes = t->n_classes;
      t->model = fovea_train_vit_new_full (&t->config, t->backbone, o->seed, max_batch,
                                           o->threads, error);
    }
  else
    {
      t->backbone = fovea_vit_load (o->model_dir, error);
      if (t->backbone == NULL)
        return FALSE;
      t->model = fovea_train_vit_new_lora (t->backbone, &o->lora, t->n_classes, o->seed,
                                           max_batch, o->threads, error);
    }
  if (t->model == NULL)
    return FALSE;
  t->params = fovea_train_vit_get_params (t->model, &t->n_params);

  fovea_preprocess_init (&t->pre, fovea_train_vit_get_config (t->model), t->card);
  const FoveaVitConfig *config = fovea_train_vit_get_config (t->model);
  if (o->input_height > 0 &&
      (o->input_height != config->input_size[1] || o->input_width != config->input_size[2]))
    return options_error (error, "--input-size applies to CNNs: a ViT trains at its "
                          "config's img_size");
  if (t->pre.height != config->input_size[1] || t->pre.width != config->input_size[2])
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "The task card's input size %d×%d differs from the model's %d×%d; "
                   "training runs at the model's size",
                   t->pre.width, t->pre.height, config->input_size[2], config->input_size[1]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_cnn (FoveaTrainer *t, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  g_autofree char *config_path = g_build_filename (o->model_dir, "config.json", NULL);
  g_autofree char *weights_path = fovea_model_weights_find (o->model_dir);

  if (!fovea_cnn_config_load_file (&t->cnn_config, config_path, error))
    return FALSE;
  /* full training may start from a config alone */
  if (!o->full || weights_path != NULL)
    {
      t->cnn_weights = fovea_model_weights_open (o->model_dir, error);
      if (t->cnn_weights == NULL)
        return FALSE;
    }

  fovea_preprocess_init_pretrained (&t->pre, &t->cnn_config.pretrained, t->card);
  if (o->input_height > 0)
    {
      if (t->card->input_height > 0 &&
          (t->card->input_height != o->input_height || t->card->input_width != o->input_width))
        return options_error (error, "--input-size contradicts the task card's input_size");
      t->pre.height = o->input_height;
      t->pre.width = o->input_width;
    }
  /* what the trained model will say it runs at */
  t->cnn_config.pretrained.input_size[1] = t->pre.height;
  t->cnn_config.pretrained.input_size[2] = t->pre.width;

  FoveaTrainCnnSize size = { MAX (o->batch, 1), t->pre.height, t->pre.width, o->threads };
  if (o->full)
    t->cnn = fovea_train_cnn_new_full (&t->cnn_config, t->cnn_weights, t->n_classes, o->seed,
                                       &size, error);
  else if (o->head_only)
    t->cnn = fovea_train_cnn_new_head (&t->cnn_config, t->cnn_weights, t->n_classes, o->seed,
                                       &size, error);
  else
    t->cnn = fovea_train_cnn_new_lora (&t->cnn_config, t->cnn_weights, &o->lora, t->n_classes,
                                       o->seed, &size, error);
  if (t->cnn == NULL)
    return FALSE;
  t->params = fovea_train_cnn_get_params (t->cnn, &t->n_params);
  return TRUE;
}

gboolean
fovea_trainer_model_build (FoveaTrainer *t, GError **error)
{
  return is_cnn_folder (t->options->model_dir) ? build_cnn (t, error) : build_vit (t, error);
}

void
fovea_trainer_model_clear (FoveaTrainer *t)
{
  fovea_train_vit_free (t->model);
  fovea_vit_config_clear (&t->config);
  fovea_vit_free (t->backbone);
  fovea_train_cnn_free (t->cnn);
  fovea_cnn_config_clear (&t->cnn_config);
  g_clear_pointer (&t->cnn_weights, fovea_safetensors_unref);
}

int
fovea_trainer_model_n_outputs (const FoveaTrainer *t)
{
  return t->cnn != NULL ? fovea_train_cnn_get_n_outputs (t->cnn)
                        : fovea_train_vit_get_n_outputs (t->model);
}

const float *
fovea_trainer_model_forward (FoveaTrainer *t, const float *pixels, int batch, GError **error)
{
  return t->cnn != NULL ? fovea_train_cnn_forward (t->cnn, pixels, batch, error)
                        : fovea_train_vit_forward (t->model, pixels, batch, error);
}

void
fovea_trainer_model_backward (FoveaTrainer *t, const float *dlogits)
{
  if (t->cnn != NULL)
    {
      fovea_train_cnn_zero_grad (t->cnn);
      fovea_train_cnn_backward (t->cnn, dlogits);
      return;
    }
  fovea_train_vit_zero_grad (t->model);
  fovea_train_vit_backward (t->model, dlogits);
}

gboolean
fovea_trainer_model_save (FoveaTrainer *t, const char *dir, GError **error)
{
  return t->cnn != NULL ? fovea_train_cnn_save (t->cnn, dir, NULL, error)
                        : fovea_train_vit_save (t->model, dir, NULL, error);
}

const char *
fovea_trainer_model_head_prefix (const FoveaTrainer *t)
{
  return t->cnn != NULL ? fovea_train_cnn_get_head_module (t->cnn) : "head";
}

const char *
fovea_trainer_mode_name (const FoveaTrainerOptions *o)
{
  return o->full ? "full" : o->head_only ? "head" : "lora";
}
