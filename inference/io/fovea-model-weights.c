/* fovea-model-weights.c: opening a hub folder's model.safetensors, or
 * its pytorch_model.bin. */
#define G_LOG_DOMAIN "fovea-model-weights"

#include "fovea-model-weights.h"

#include "fovea-torch-checkpoint.h"

char *
fovea_model_weights_find (const char *dir)
{
  static const char *const names[] = { FOVEA_MODEL_WEIGHTS_SAFETENSORS,
                                       FOVEA_MODEL_WEIGHTS_PYTORCH };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *path = g_build_filename (dir, names[i], NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}

FoveaSafetensors *
fovea_model_weights_open (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_autofree char *path = fovea_model_weights_find (dir);
  if (path == NULL)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO,
                   "%s: no weights (neither %s nor %s)", dir, FOVEA_MODEL_WEIGHTS_SAFETENSORS,
                   FOVEA_MODEL_WEIGHTS_PYTORCH);
      return NULL;
    }
  if (g_str_has_suffix (path, FOVEA_MODEL_WEIGHTS_PYTORCH))
    return fovea_torch_checkpoint_open (path, NULL, error);
  return fovea_safetensors_open (path, error);
}
