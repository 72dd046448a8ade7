/* fovea-vit.c: loading a timm ViT from a hub-layout folder. */
#define G_LOG_DOMAIN "fovea-vit"

#include "fovea-vit-private.h"

#include "fovea-model-weights.h"

FoveaVit *
fovea_vit_load (const char *dir, GError **error)
{
  return fovea_vit_load_with_options (dir, NULL, error);
}

FoveaVit *
fovea_vit_load_with_options (const char *dir, const FoveaVitLoadOptions *options,
                             GError **error)
{
  static const FoveaVitLoadOptions defaults = { 0 };

  g_return_val_if_fail (dir != NULL, NULL);

  if (options == NULL)
    options = &defaults;
  g_autoptr (FoveaVit) vit = g_new0 (FoveaVit, 1);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);

  /* Before anything is read: a precision this CPU lacks fails at once. */
  if (!fovea_precision_resolve (options->precision, &vit->precision, error))
    return NULL;
  if (!fovea_vit_config_load_file (&vit->config, config_path, error))
    return NULL;
  vit->weights = fovea_model_weights_open (dir, error);
  if (vit->weights == NULL)
    return NULL;
  vit->weights_path = g_strdup (fovea_safetensors_get_path (vit->weights));
  if (!fovea_vit_weights_load (vit, error))
    return NULL;
  return g_steal_pointer (&vit);
}

void
fovea_vit_free (FoveaVit *vit)
{
  if (vit == NULL)
    return;
  fovea_vit_config_clear (&vit->config);
  g_clear_pointer (&vit->weights, fovea_safetensors_unref);
  g_free (vit->weights_path);
  g_free (vit->sha256);
  g_free (vit->blocks);
  g_free (vit->packed_memory);
  g_free (vit);
}

FoveaPrecision
fovea_vit_get_precision (const FoveaVit *vit)
{
  return vit->precision;
}

const FoveaVitConfig *
fovea_vit_get_config (const FoveaVit *vit)
{
  return &vit->config;
}

const char *
fovea_vit_get_sha256 (FoveaVit *vit)
{
  if (vit->sha256 != NULL)
    return vit->sha256;

  /* Mapped again rather than read: the pages are mostly in the page cache
   * already, since the weights are mapped from the same file. */
  g_autoptr (GMappedFile) file = g_mapped_file_new (vit->weights_path, FALSE, NULL);
  if (file == NULL)
    return NULL;
  vit->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                             (const guchar *) g_mapped_file_get_contents (file),
                                             g_mapped_file_get_length (file));
  return vit->sha256;
}
