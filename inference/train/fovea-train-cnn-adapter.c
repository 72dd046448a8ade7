/* fovea-train-cnn-adapter.c: a PEFT folder applied to a frozen CNN —
 * what fovea_train_cnn_save writes in lora and head mode, read back for
 * Grad-CAM of an adapted model and to check what was written.
 *
 * adapter_config.json is read by the engine's PEFT reader
 * (fovea-adapter-peft-config.h: PEFT's matching rules, rank_pattern and
 * alpha_pattern, modules_to_save). Each convolution it targets must be a
 * 1×1 stride-1 one with base_model.model.<module>.lora_A.weight
 * [r, in, 1, 1] and .lora_B.weight [out, r, 1, 1]; a saved head replaces
 * the backbone's. A tensor that fits nothing is an error: an adapter made
 * for another backbone must not half-apply. */
#define G_LOG_DOMAIN "fovea-train-cnn-adapter"

#include "fovea-train-cnn-private.h"

#include <string.h>

#include "fovea-adapter-peft-config.h"

#define PEFT_PREFIX "base_model.model."

typedef struct {
  FoveaTrainCnn    *model;
  FoveaSafetensors *st;
  const char       *dir;
  guint             used;    /* tensors consumed */
} AdapterRead;

static gboolean
adapter_error (GError **error, const char *dir, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
adapter_error (GError **error, const char *dir, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER, "Adapter %s: %s", dir,
               message);
  return FALSE;
}

/* A copy of tensor name of the given shape, owned by the model. */
static float *
read_tensor (AdapterRead *read, const char *name, int n_dims, const gint64 *shape, GError **error)
{
  const float *data = fovea_safetensors_get_f32 (read->st, name, n_dims, shape, error);
  if (data == NULL)
    return NULL;
  gsize n = 1;
  for (int i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  float *copy = g_memdup2 (data, sizeof (float) * MAX (n, 1));
  g_ptr_array_add (read->model->owned, copy);
  read->used++;
  return copy;
}

static gboolean
read_lora (AdapterRead *read, const FoveaPeftConfig *config, TrainOp *op, GError **error)
{
  const FoveaTrainConvGeom *g = &op->geom;
  int rank;
  float scale;

  if (!fovea_train_conv_is_pointwise (g))
    return adapter_error (error, read->dir, "%s is not a 1×1 convolution of stride 1; Fovea "
                          "adapts only those", op->module);
  fovea_peft_config_rank_scale (config, op->module, &rank, &scale);
  g_autofree char *a_name = g_strconcat (PEFT_PREFIX, op->module, ".lora_A.weight", NULL);
  g_autofree char *b_name = g_strconcat (PEFT_PREFIX, op->module, ".lora_B.weight", NULL);
  gint64 a_shape[4] = { rank, g->in_c, 1, 1 }, b_shape[4] = { g->out_c, rank, 1, 1 };
  op->lora.rank = rank;
  op->lora.scale = scale;
  op->lora.a = read_tensor (read, a_name, 4, a_shape, error);
  op->lora.b = op->lora.a ? read_tensor (read, b_name, 4, b_shape, error) : NULL;
  return op->lora.b != NULL;
}

static gboolean
read_head (AdapterRead *read, TrainOp *head, GError **error)
{
  FoveaTrainCnn *model = read->model;
  int features = train_cnn_tensor (model, model->pooled)->c;
  g_autofree char *w_name = g_strconcat (PEFT_PREFIX, model->head_module, ".weight", NULL);
  g_autofree char *b_name = g_strconcat (PEFT_PREFIX, model->head_module, ".bias", NULL);
  const FoveaTensorView *view = fovea_safetensors_lookup (read->st, w_name);

  if (view == NULL || view->n_dims != 2 || view->shape[1] != features || view->shape[0] < 1 ||
      view->shape[0] > 1 << 20)
    return adapter_error (error, read->dir, "%s is missing or not a classes × %d matrix",
                          w_name, features);
  int classes = (int) view->shape[0];
  gint64 w_shape[2] = { classes, features }, b_shape[1] = { classes };
  if (head == NULL)
    {
      head = train_cnn_add_op (model, TRAIN_OP_HEAD, model->pooled);
      head->module = g_strdup (model->head_module);
    }
  head->geom = (FoveaTrainConvGeom) { .batch = model->max_batch, .in_h = 1, .in_w = 1,
                                      .in_c = features, .out_h = 1, .out_w = 1,
                                      .out_c = classes, .kernel_h = 1, .kernel_w = 1,
                                      .stride_h = 1, .stride_w = 1, .dilation_h = 1,
                                      .dilation_w = 1, .groups = 1 };
  head->weight = read_tensor (read, w_name, 2, w_shape, error);
  head->bias = head->weight ? read_tensor (read, b_name, 1, b_shape, error) : NULL;
  model->config.num_classes = classes;
  return head->bias != NULL;
}

gboolean
train_cnn_apply_adapter (FoveaTrainCnn *model, const char *dir, GError **error)
{
  g_autofree char *config_path = g_build_filename (dir, "adapter_config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_autofree char *text = NULL;
  gsize length;

  if (!g_file_get_contents (config_path, &text, &length, error))
    return FALSE;
  /* the PEFT reader names the adapter in its messages */
  g_autofree char *name = g_path_get_basename (dir);
  FoveaLora named = { .name = name, .path = (char *) dir };
  FoveaPeftConfig config;
  if (!fovea_peft_config_parse (&config, text, (gssize) length, &named, error))
    return FALSE;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights_path, error);
  AdapterRead read = { model, st, dir, 0 };
  gboolean ok = st != NULL;

  TrainOp *last = train_cnn_op (model, model->ops->len - 1);
  TrainOp *head = last->kind == TRAIN_OP_HEAD ? last : NULL;
  for (guint i = 0; ok && i < model->ops->len; i++)
    {
      TrainOp *op = train_cnn_op (model, i);
      if (op->kind == TRAIN_OP_CONV && fovea_peft_config_targets (&config, op->module, -1))
        ok = read_lora (&read, &config, op, error);
    }
  if (ok && fovea_peft_config_saves (&config, model->head_module))
    ok = read_head (&read, head, error);
  if (ok && read.used != fovea_safetensors_get_n_tensors (st))
    {
      for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
        {
          const char *tensor = fovea_safetensors_get_nth (st, i)->name;
          gboolean known = FALSE;
          for (guint j = 0; j < model->ops->len && !known; j++)
            {
              const TrainOp *op = train_cnn_op (model, j);
              g_autofree char *prefix = g_strconcat (PEFT_PREFIX, op->module, ".", NULL);
              known = op->module != NULL && g_str_has_prefix (tensor, prefix) &&
                      (op->lora.rank > 0 || op->kind == TRAIN_OP_HEAD);
            }
          if (!known)
            {
              ok = adapter_error (error, dir, "%s fits no adapted layer of %s", tensor,
                                  model->config.architecture);
              break;
            }
        }
    }
  fovea_peft_config_clear (&config);
  return ok;
}
