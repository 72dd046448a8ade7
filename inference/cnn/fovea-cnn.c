/* fovea-cnn.c: loading a CNN, from a hub-layout folder or from weights
 * already open. */
#define G_LOG_DOMAIN "fovea-cnn"

#include "fovea-cnn-private.h"

#include <stdlib.h>

#include "fovea-model-weights.h"

void
fovea_cnn_conv_init (const FoveaCnn *cnn, FoveaConv *conv, int in_channels,
                     int out_channels, int kernel, int stride, int groups)
{
  int pad = (kernel - 1) / 2;
  *conv = (FoveaConv) {
    .window = { kernel, kernel, stride, stride, 1, 1, pad, pad, cnn->config.same_padding },
    .in_channels = in_channels,
    .out_channels = out_channels,
    .groups = groups,
    .depthwise = groups > 1 && groups == in_channels && groups == out_channels,
  };
}

static FoveaCnn *
build (FoveaCnn *cnn, FoveaCnnLoadFlags flags, GError **error)
{
  g_autoptr (FoveaCnn) owned = cnn;
  cnn->flags = flags;
  cnn->sources = fovea_cnn_describe (cnn);
  if (!fovea_cnn_weights_load (cnn, cnn->sources, error))
    return NULL;
  return g_steal_pointer (&owned);
}

FoveaCnn *
fovea_cnn_load (const char *dir, FoveaCnnLoadFlags flags, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);

  g_autoptr (FoveaCnn) cnn = g_new0 (FoveaCnn, 1);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);

  if (!fovea_cnn_config_load_file (&cnn->config, config_path, error))
    return NULL;
  cnn->weights = fovea_model_weights_open (dir, error);
  if (cnn->weights == NULL)
    return NULL;
  cnn->weights_name = g_strdup (fovea_safetensors_get_path (cnn->weights));
  cnn->from_file = TRUE;
  /* pytorch_model.bin is unpacked into memory the reader owns, which
   * would not refault from the file. */
  cnn->mapped = !g_str_has_suffix (cnn->weights_name, FOVEA_MODEL_WEIGHTS_PYTORCH);
  return build (g_steal_pointer (&cnn), flags, error);
}

FoveaCnn *
fovea_cnn_new (const FoveaCnnConfig *config, FoveaSafetensors *weights, const char *name,
               FoveaCnnLoadFlags flags, GError **error)
{
  g_return_val_if_fail (config != NULL && config->architecture != NULL, NULL);
  g_return_val_if_fail (weights != NULL, NULL);

  FoveaCnn *cnn = g_new0 (FoveaCnn, 1);
  cnn->config = *config;
  cnn->config.architecture = g_strdup (config->architecture);
  cnn->weights_name = g_strdup (name != NULL ? name : "weights");
  cnn->weights = fovea_safetensors_ref (weights);
  /* Their memory may be the caller's own: it is never given back. */
  cnn->from_file = FALSE;
  return build (cnn, flags, error);
}

void
fovea_cnn_free (FoveaCnn *cnn)
{
  if (cnn == NULL)
    return;
  fovea_cnn_config_clear (&cnn->config);
  g_clear_pointer (&cnn->weights, fovea_safetensors_unref);
  g_free (cnn->weights_name);
  g_free (cnn->sha256);
  g_free (cnn->tensor_prefix);
  g_free (cnn->blocks);
  g_free (cnn->head_name);
  if (cnn->sources != NULL)
    g_array_unref (cnn->sources);
  free (cnn->weight_memory);
  g_free (cnn);
}

const FoveaCnnConfig *
fovea_cnn_get_config (const FoveaCnn *cnn)
{
  return &cnn->config;
}

gsize
fovea_cnn_get_weights_size (const FoveaCnn *cnn)
{
  return cnn->weight_bytes;
}

const char *
fovea_cnn_get_sha256 (FoveaCnn *cnn)
{
  if (cnn->sha256 != NULL || !cnn->from_file)
    return cnn->sha256;

  g_autoptr (GMappedFile) file = g_mapped_file_new (cnn->weights_name, FALSE, NULL);
  if (file == NULL)
    return NULL;
  cnn->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                             (const guchar *) g_mapped_file_get_contents (file),
                                             g_mapped_file_get_length (file));
  return cnn->sha256;
}

int
fovea_cnn_get_n_blocks (const FoveaCnn *cnn)
{
  return cnn->n_blocks;
}
