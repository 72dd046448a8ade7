/* fovea-random-seg.c: seeded random Unets (see the header). The tensors
 * come from the engine's own description (fovea_seg_config_foreach_tensor);
 * the parity fixtures load them into tests/scripts/torch_seg.py's module
 * with strict=True, which checks that description against PyTorch's. */
#define G_LOG_DOMAIN "fovea-random-seg"

#include "fovea-random-seg.h"

#include <errno.h>

#include "fovea-random-cnn.h"
#include "fovea-random-tensors.h"

gboolean
fovea_random_seg_write (const char *dir, const char *config_json, FoveaDType dtype,
                        guint64 seed, GError **error)
{
  FoveaSegConfig config;
  if (!fovea_seg_config_load_data (&config, config_json, -1, error))
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
      fovea_seg_config_foreach_tensor (&config, fovea_random_cnn_add_tensor, &list);
      ok = fovea_random_tensors_write (&list, weights_path, dtype, error);
    }
  fovea_random_tensors_clear (&list);
  fovea_seg_config_clear (&config);
  return ok;
}

char *
fovea_random_seg_config_json (int classes, const int *decoder_channels, const char *activation,
                              int size)
{
  GString *json = g_string_new ("{\n  \"_model_class\": \"Unet\",\n"
                                "  \"architecture\": \"smp/Unet\",\n"
                                "  \"encoder_name\": \"mobilenet_v2\",\n"
                                "  \"encoder_depth\": 5,\n"
                                "  \"encoder_weights\": null,\n"
                                "  \"decoder_channels\": [");
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    g_string_append_printf (json, "%s%d", i > 0 ? ", " : "", decoder_channels[i]);
  g_string_append_printf (json, "],\n  \"decoder_use_batchnorm\": true,\n"
                          "  \"decoder_attention_type\": null,\n"
                          "  \"in_channels\": 3,\n  \"classes\": %d,\n", classes);
  if (activation != NULL)
    g_string_append_printf (json, "  \"activation\": \"%s\",\n", activation);
  else
    g_string_append (json, "  \"activation\": null,\n");
  g_string_append_printf (json, "  \"aux_params\": null,\n"
                          "  \"pretrained_cfg\": {\"mean\": [0.485, 0.456, 0.406], "
                          "\"std\": [0.229, 0.224, 0.225], \"input_size\": [3, %d, %d]}\n}\n",
                          size, size);
  return g_string_free (json, FALSE);
}
