/* fovea-random-cnn.c: seeded random CNNs (see the header). The tensors
 * and their shapes come from the engine's own description of the
 * network (fovea_cnn_config_foreach_tensor); the parity fixtures load
 * them into torchvision's modules with strict=True, which checks that
 * description against PyTorch's. */
#define G_LOG_DOMAIN "fovea-random-cnn"

#include "fovea-random-cnn.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "fovea-cnn.h"
#include "fovea-random-tensors.h"

static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };

void
fovea_random_cnn_add_tensor (const char *name, FoveaCnnTensorRole role, int n_dims,
                             const gint64 *shape, gpointer data)
{
  FoveaRandomTensors *list = data;
  float centre = 0.0f, spread;

  switch (role)
    {
    case FOVEA_CNN_TENSOR_CONV_WEIGHT:
      spread = sqrtf (6.0f / (float) (shape[1] * shape[2] * shape[3]));
      break;
    case FOVEA_CNN_TENSOR_BN_WEIGHT:
    case FOVEA_CNN_TENSOR_BN_VAR:
      centre = 1.0f;
      spread = 0.5f;
      break;
    case FOVEA_CNN_TENSOR_BN_BIAS:
    case FOVEA_CNN_TENSOR_BN_MEAN:
      spread = 0.2f;
      break;
    case FOVEA_CNN_TENSOR_HEAD_WEIGHT:
      spread = sqrtf (3.0f / (float) shape[1]);
      break;
    case FOVEA_CNN_TENSOR_HEAD_BIAS:
    default:
      spread = 0.1f;
      break;
    }
  fovea_random_tensors_add (list, g_strdup (name), centre, spread, n_dims, shape);
}

gboolean
fovea_random_cnn_write (const char *dir, const char *config_json, FoveaDType dtype,
                        guint64 seed, GError **error)
{
  FoveaCnnConfig config;
  if (!fovea_cnn_config_load_data (&config, config_json, -1, error))
    return FALSE;

  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  FoveaRandomTensors list;
  gboolean ok = FALSE;

  fovea_random_tensors_init (&list, seed);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                 "Cannot create %s: %s", dir, g_strerror (errno));
  else if (g_file_set_contents (config_path, config_json, -1, error))
    {
      fovea_cnn_config_foreach_tensor (&config, fovea_random_cnn_add_tensor, &list);
      ok = fovea_random_tensors_write (&list, weights_path, dtype, error);
    }
  fovea_random_tensors_clear (&list);
  fovea_cnn_config_clear (&config);
  return ok;
}

static void
add_double_array (JsonBuilder *builder, const char *key, const double *values, int n)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

char *
fovea_random_cnn_config_json (const char *architecture, int num_classes,
                              const char *pad_type, const char *global_pool)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "architecture");
  json_builder_add_string_value (builder, architecture);
  json_builder_set_member_name (builder, "num_classes");
  json_builder_add_int_value (builder, num_classes);
  if (global_pool != NULL)
    {
      json_builder_set_member_name (builder, "global_pool");
      json_builder_add_string_value (builder, global_pool);
    }
  if (pad_type != NULL)
    {
      json_builder_set_member_name (builder, "model_args");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "pad_type");
      json_builder_add_string_value (builder, pad_type);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "pretrained_cfg");
  json_builder_begin_object (builder);
  add_double_array (builder, "mean", imagenet_mean, 3);
  add_double_array (builder, "std", imagenet_std, 3);
  json_builder_set_member_name (builder, "interpolation");
  json_builder_add_string_value (builder, "bilinear");
  json_builder_set_member_name (builder, "crop_pct");
  json_builder_add_double_value (builder, 0.875);
  json_builder_set_member_name (builder, "input_size");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, 3);
  json_builder_add_int_value (builder, 224);
  json_builder_add_int_value (builder, 224);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

void
fovea_random_cnn_pixels (float *pixels, gsize n, guint64 seed)
{
  for (gsize i = 0; i < n; i++)
    pixels[i] = 2.0f * fovea_random_uniform (&seed);
}
