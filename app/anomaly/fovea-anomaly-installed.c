/* fovea-anomaly-installed.c: see fovea-anomaly-installed.h. */
#define G_LOG_DOMAIN "fovea-anomaly-installed"

#include "config.h"

#include "fovea-anomaly-installed.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "fovea-hash-cache.h"
#include "fovea-patchcore.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The *.safetensors files of dir, sorted; NULL when dir cannot be read. */
static GPtrArray *
list_banks (const char *dir)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  GPtrArray *paths;
  const char *name;

  if (handle == NULL)
    return NULL;
  paths = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.' && g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (paths, compare_strings);
  return paths;
}

/* The usable backbone of catalog whose weights hash to sha256, or NULL. */
static char *
find_backbone (FoveaModelCatalog *catalog, const char *sha256, GCancellable *cancellable)
{
  for (guint i = 0; catalog != NULL && i < fovea_model_catalog_get_n_models (catalog); i++)
    {
      const FoveaCatalogModel *model = fovea_model_catalog_get_model (catalog, i);
      if (model->error != NULL)
        continue;
      g_autofree char *weights = g_build_filename (model->path, "model.safetensors", NULL);
      g_autofree char *hash = fovea_file_sha256 (weights, cancellable, NULL);
      if (hash != NULL && g_ascii_strcasecmp (hash, sha256) == 0)
        return g_strdup (model->path);
    }
  return NULL;
}

FoveaInstalledBank *
fovea_anomaly_find_installed (FoveaModelCatalog *catalog, FoveaModality modality,
                              GCancellable *cancellable)
{
  g_autofree char *models = fovea_model_catalog_dup_bundled_dir ();
  g_autofree char *dir = g_build_filename (models, FOVEA_CATALOG_BANKS_FOLDER, NULL);
  g_autoptr (GPtrArray) paths = list_banks (dir);
  FoveaInstalledBank *found = g_new0 (FoveaInstalledBank, 1);
  g_autofree char *last_problem = NULL;

  found->normal_max = NAN;
  for (guint i = 0; paths != NULL && i < paths->len; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_load (paths->pdata[i], &error);
      g_autofree char *name = g_path_get_basename (paths->pdata[i]);
      g_autofree char *model_dir = NULL;
      FoveaModality bank_modality = FOVEA_MODALITY_UNKNOWN;

      if (bank == NULL)
        {
          g_free (last_problem);
          last_problem = g_strdup (error->message);
          continue;
        }
      if (bank->card.modality != NULL)
        fovea_modality_from_string (bank->card.modality, &bank_modality);
      if (modality != FOVEA_MODALITY_UNKNOWN && bank_modality != FOVEA_MODALITY_UNKNOWN &&
          bank_modality != modality)
        continue;
      if (bank->card.adapter_sha256 == NULL)
        model_dir = find_backbone (catalog, bank->card.backbone_sha256, cancellable);
      if (model_dir == NULL)
        {
          g_free (last_problem);
          last_problem = g_strdup_printf (_("The anomaly bank %s was built on a backbone that is not installed"),
                                          name);
          continue;
        }
      found->bank_path = g_strdup (paths->pdata[i]);
      found->model_dir = g_steal_pointer (&model_dir);
      found->modality = bank_modality;
      found->normal_max = bank->card.normal_score_max;
      return found;
    }

  found->why_none = last_problem != NULL
    ? g_steal_pointer (&last_problem)
    : g_strdup_printf (_("No anomaly bank is installed in %s"), dir);
  return found;
}

FoveaInstalledBank *
fovea_installed_bank_copy (const FoveaInstalledBank *bank)
{
  FoveaInstalledBank *copy = g_new0 (FoveaInstalledBank, 1);

  copy->bank_path = g_strdup (bank->bank_path);
  copy->model_dir = g_strdup (bank->model_dir);
  copy->modality = bank->modality;
  copy->normal_max = bank->normal_max;
  copy->why_none = g_strdup (bank->why_none);
  return copy;
}

void
fovea_installed_bank_free (FoveaInstalledBank *bank)
{
  if (bank == NULL)
    return;
  g_free (bank->bank_path);
  g_free (bank->model_dir);
  g_free (bank->why_none);
  g_free (bank);
}
