/* fovea-adapter.c: loading an adapter from disk, PEFT folder or MeLo file. */
#define G_LOG_DOMAIN "fovea-adapter"

#include "fovea-adapter.h"
#include "fovea-adapter-private.h"

#include <string.h>

gboolean
fovea_adapter_read_peft_folder (const char        *path,
                                char             **config,
                                gsize             *length,
                                FoveaSafetensors **weights,
                                GError           **error)
{
  g_autofree char *config_path = g_build_filename (path, "adapter_config.json", NULL);
  g_autofree char *weights_path = g_build_filename (path, "adapter_model.safetensors", NULL);
  if (!g_file_test (weights_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *name = g_path_get_basename (path);
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter “%s”: %s is missing (only safetensors adapters are read, not "
                   "pickled adapter_model.bin)", name, weights_path);
      return FALSE;
    }
  if (!g_file_get_contents (config_path, config, length, error))
    return FALSE;
  *weights = fovea_safetensors_open (weights_path, error);
  if (*weights == NULL)
    {
      g_clear_pointer (config, g_free);
      return FALSE;
    }
  return TRUE;
}

static FoveaLora *
load_peft_folder (const char     *path,
                  const FoveaVit *vit,
                  GError        **error)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *config = NULL;
  g_autoptr (FoveaSafetensors) weights = NULL;
  gsize length;
  if (!fovea_adapter_read_peft_folder (path, &config, &length, &weights, error))
    return NULL;
  return fovea_adapter_load_peft_data (config, (gssize) length, weights, name, vit, error);
}

static FoveaLora *
load_melo_file (const char                *path,
                const FoveaVit            *vit,
                const FoveaAdapterOptions *options,
                GError                   **error)
{
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".safetensors"))
    base[strlen (base) - strlen (".safetensors")] = '\0';
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (path, error);
  if (weights == NULL)
    return NULL;
  return fovea_adapter_load_melo_data (weights, base, vit, options, error);
}

FoveaLora *
fovea_adapter_load (const char                *path,
                    const FoveaVit            *vit,
                    const FoveaAdapterOptions *options,
                    GError                   **error)
{
  FoveaLora *lora = g_file_test (path, G_FILE_TEST_IS_DIR)
                      ? load_peft_folder (path, vit, error)
                      : load_melo_file (path, vit, options, error);
  if (lora != NULL)
    lora->path = g_strdup (path);
  return lora;
}
