/* fovea-segmenter-find.c: finding an installed segmentation model by its
 * task card's name (fovea_segmenter_find_model). The model catalog lists
 * classifiers' backbones and adapters; segmentation folders (an smp
 * config.json) are looked up here, in the catalog's places and order. */
#define G_LOG_DOMAIN "fovea-segmenter-find"

#include "fovea-segmenter.h"

#include "fovea-model-catalog.h"
#include "fovea-model-error.h"
#include "fovea-seg-config.h"

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The sub-folder of place whose segmentation card is named task_name, or
 * NULL. Folders are visited in name order, so the choice is stable. */
static char *
find_in_place (const char *place, const char *task_name)
{
  g_autoptr (GDir) dir = place != NULL ? g_dir_open (place, 0, NULL) : NULL;
  if (dir == NULL)
    return NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *folder = g_build_filename (place, names->pdata[i], NULL);
      if (!fovea_seg_config_is_segmentation (folder))
        continue;
      g_autofree char *card_path = g_build_filename (folder, "task_card.json", NULL);
      g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, NULL);
      if (card != NULL && card->kind == FOVEA_TASK_SEGMENTATION &&
          g_strcmp0 (card->name, task_name) == 0)
        return g_steal_pointer (&folder);
    }
  return NULL;
}

char *
fovea_segmenter_find_model (const char *task_name, GError **error)
{
  g_return_val_if_fail (task_name != NULL, NULL);

  g_autofree char *bundled = fovea_model_catalog_dup_bundled_dir ();
  g_autofree char *user = fovea_model_catalog_dup_user_dir ();
  char *found = find_in_place (bundled, task_name);
  if (found == NULL)
    found = find_in_place (user, task_name);
  if (found == NULL)
    g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                 "no segmentation model for the task “%s” is installed (looked in %s and %s "
                 "for a folder with an smp config.json and a task_card.json named “%s”); "
                 "give its folder with --model DIR",
                 task_name, bundled, user, task_name);
  return found;
}
