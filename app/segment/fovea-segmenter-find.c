/* fovea-segmenter-find.c: finding an installed segmentation model by its
 * task card's name (fovea_segmenter_find_model), and the anomaly flaggers
 * by their cards' role (fovea_segmenter_find_flaggers). The model
 * catalog lists classifiers' backbones and adapters; segmentation folders
 * (an smp config.json) are looked up here, in the catalog's places and
 * order. */
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

/* The segmentation model folders of place, in name order (so that a
 * choice among them is stable), with their cards; a folder whose card does
 * not load is left out here (loading it says why). */
static void
add_models_of_place (const char *place, GPtrArray *folders, GPtrArray *cards)
{
  g_autoptr (GDir) dir = place != NULL ? g_dir_open (place, 0, NULL) : NULL;
  if (dir == NULL)
    return;
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
      FoveaTaskCard *card = fovea_task_card_load_file (card_path, NULL);
      if (card == NULL || card->kind != FOVEA_TASK_SEGMENTATION)
        {
          fovea_task_card_free (card);
          continue;
        }
      g_ptr_array_add (folders, g_steal_pointer (&folder));
      g_ptr_array_add (cards, card);
    }
}

/* Every installed segmentation model: the bundled models folder's, then
 * the user's. */
static void
list_installed (GPtrArray *folders, GPtrArray *cards, char **bundled_out, char **user_out)
{
  g_autofree char *bundled = fovea_model_catalog_dup_bundled_dir ();
  g_autofree char *user = fovea_model_catalog_dup_user_dir ();
  add_models_of_place (bundled, folders, cards);
  add_models_of_place (user, folders, cards);
  if (bundled_out != NULL)
    *bundled_out = g_steal_pointer (&bundled);
  if (user_out != NULL)
    *user_out = g_steal_pointer (&user);
}

char *
fovea_segmenter_find_model (const char *task_name, GError **error)
{
  g_return_val_if_fail (task_name != NULL, NULL);

  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_task_card_free);
  g_autofree char *bundled = NULL;
  g_autofree char *user = NULL;
  list_installed (folders, cards, &bundled, &user);
  for (guint i = 0; i < cards->len; i++)
    if (g_strcmp0 (((FoveaTaskCard *) cards->pdata[i])->name, task_name) == 0)
      return g_strdup (folders->pdata[i]);
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
               "no segmentation model for the task “%s” is installed (looked in %s and %s "
               "for a folder with an smp config.json and a task_card.json named “%s”); "
               "give its folder with --model DIR",
               task_name, bundled, user, task_name);
  return NULL;
}

GPtrArray *
fovea_segmenter_find_flaggers (void)
{
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cards = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_task_card_free);
  GPtrArray *flaggers = g_ptr_array_new_with_free_func (g_free);

  list_installed (folders, cards, NULL, NULL);
  for (guint i = 0; i < cards->len; i++)
    if (((FoveaTaskCard *) cards->pdata[i])->role == FOVEA_SEG_ROLE_ANOMALY)
      g_ptr_array_add (flaggers, g_strdup (folders->pdata[i]));
  return flaggers;
}
