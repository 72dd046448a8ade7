/* fovea-seg-tasks.c: a run's segmentation tasks, loaded once and run
 * together on each photograph (see the header). */
#define G_LOG_DOMAIN "fovea-seg-tasks"

#include "fovea-seg-tasks.h"

#include <string.h>

#include "fovea-decode.h"
#include "fovea-model-error.h"

struct _FoveaSegTasks {
  GPtrArray *segmenters;   /* FoveaSegmenter* */
  GPtrArray *cards;        /* const FoveaTaskCard*, borrowed from them */
};

/* A spec that is a folder is a model; anything else names a task. */
static FoveaSegmenter *
load_one (const char *spec, int n_threads, GError **error)
{
  g_autofree char *found = NULL;
  gboolean is_folder = g_file_test (spec, G_FILE_TEST_IS_DIR);
  if (!is_folder && strchr (spec, G_DIR_SEPARATOR) != NULL)
    {
      /* A path, not a task name: say so rather than search for the name. */
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                   "segmentation task %s: no such model folder", spec);
      return NULL;
    }
  if (!is_folder && (found = fovea_segmenter_find_model (spec, error)) == NULL)
    return NULL;
  FoveaSegmenter *segmenter = fovea_segmenter_load (is_folder ? spec : found, n_threads, error);
  if (segmenter == NULL)
    g_prefix_error (error, "segmentation task %s: ", spec);
  return segmenter;
}

/* A task twice, or a label in two tasks, would give two columns of one
 * name and measure one structure twice. */
static gboolean
check_distinct (FoveaSegTasks *tasks, const char *spec, GError **error)
{
  guint last = tasks->cards->len - 1;
  const FoveaTaskCard *card = tasks->cards->pdata[last];
  for (guint t = 0; t < last; t++)
    {
      const FoveaTaskCard *other = tasks->cards->pdata[t];
      if (strcmp (other->name, card->name) == 0)
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                       "segmentation task %s: the task “%s” is given twice", spec, card->name);
          return FALSE;
        }
      for (guint l = 0; card->labels[l] != NULL; l++)
        if (g_strv_contains ((const char *const *) other->labels, card->labels[l]))
          {
            g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                         "segmentation task %s: its label “%s” is also task “%s”'s; "
                         "give only one of them", spec, card->labels[l], other->name);
            return FALSE;
          }
    }
  return TRUE;
}

FoveaSegTasks *
fovea_seg_tasks_load (const char *const *specs, int n_threads, GError **error)
{
  g_return_val_if_fail (specs != NULL && specs[0] != NULL, NULL);
  g_autoptr (FoveaSegTasks) tasks = g_new0 (FoveaSegTasks, 1);
  tasks->segmenters = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_segmenter_free);
  tasks->cards = g_ptr_array_new ();
  for (guint i = 0; specs[i] != NULL; i++)
    {
      FoveaSegmenter *segmenter = load_one (specs[i], n_threads, error);
      if (segmenter == NULL)
        return NULL;
      g_ptr_array_add (tasks->segmenters, segmenter);
      g_ptr_array_add (tasks->cards, (gpointer) fovea_segmenter_get_card (segmenter));
      if (!check_distinct (tasks, specs[i], error))
        return NULL;
    }
  return g_steal_pointer (&tasks);
}

void
fovea_seg_tasks_free (FoveaSegTasks *tasks)
{
  if (tasks == NULL)
    return;
  if (tasks->cards != NULL)
    g_ptr_array_unref (tasks->cards);
  if (tasks->segmenters != NULL)
    g_ptr_array_unref (tasks->segmenters);
  g_free (tasks);
}

guint
fovea_seg_tasks_get_n (const FoveaSegTasks *tasks)
{
  return tasks->segmenters->len;
}

const FoveaSegmenter *
fovea_seg_tasks_get (const FoveaSegTasks *tasks, guint index)
{
  g_return_val_if_fail (index < tasks->segmenters->len, NULL);
  return tasks->segmenters->pdata[index];
}

const FoveaTaskCard *const *
fovea_seg_tasks_get_cards (const FoveaSegTasks *tasks)
{
  return (const FoveaTaskCard *const *) tasks->cards->pdata;
}

gboolean
fovea_seg_tasks_fit_modality (const FoveaSegTasks *tasks, FoveaModality modality)
{
  for (guint t = 0; t < tasks->cards->len; t++)
    if (!fovea_task_card_fits_modality (tasks->cards->pdata[t], modality))
      return FALSE;
  return TRUE;
}

/* Every task's maps, labels and thresholds side by side, measured once. */
static FoveaSegMeasures *
measure_together (const FoveaSegResult *result)
{
  g_autoptr (GPtrArray) maps = g_ptr_array_new ();
  g_autoptr (GPtrArray) labels = g_ptr_array_new ();
  g_autoptr (GArray) thresholds = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint t = 0; t < result->n_tasks; t++)
    {
      const FoveaSegmentation *s = result->segmentations[t];
      const FoveaTaskCard *card = result->cards[t];
      for (int l = 0; l < s->n_labels; l++)
        {
          g_ptr_array_add (maps, s->maps[l]);
          g_ptr_array_add (labels, card->labels[l]);
          g_array_append_val (thresholds, g_array_index (card->label_thresholds, double, l));
        }
    }
  /* Each task found the FOV of the same image: the first's stands. */
  const FoveaSegmentation *first = result->segmentations[0];
  return fovea_seg_measure_maps ((const FoveaImage *const *) maps->pdata,
                                 (const char *const *) labels->pdata,
                                 (const double *) (gpointer) thresholds->data, (int) maps->len,
                                 first->fov_mask, &first->fov);
}

FoveaSegResult *
fovea_seg_tasks_run (FoveaSegTasks *tasks, const FoveaImage *image, GError **error)
{
  g_return_val_if_fail (tasks != NULL && image != NULL, NULL);
  guint n = tasks->segmenters->len;
  g_autoptr (FoveaSegResult) result = g_new0 (FoveaSegResult, 1);
  result->segmentations = g_new0 (FoveaSegmentation *, n);
  result->model_names = g_new0 (char *, n + 1);
  result->cards = g_new0 (const FoveaTaskCard *, n);
  for (guint t = 0; t < n; t++)
    {
      FoveaSegmenter *segmenter = tasks->segmenters->pdata[t];
      result->cards[t] = tasks->cards->pdata[t];
      result->model_names[t] = g_path_get_basename (fovea_segmenter_get_dir (segmenter));
      result->segmentations[t] = fovea_segmenter_run (segmenter, image, error);
      result->n_tasks = t + 1;
      if (result->segmentations[t] == NULL)
        {
          g_prefix_error (error, "segmentation %s: ", result->cards[t]->name);
          return NULL;
        }
    }
  result->measures = measure_together (result);
  return g_steal_pointer (&result);
}

FoveaSegResult *
fovea_seg_tasks_run_file (FoveaSegTasks *tasks, const char *path, GError **error)
{
  g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, error);
  if (image == NULL)
    return NULL;
  return fovea_seg_tasks_run (tasks, image, error);
}

void
fovea_seg_result_free (FoveaSegResult *result)
{
  if (result == NULL)
    return;
  for (guint t = 0; t < result->n_tasks; t++)
    fovea_segmentation_free (result->segmentations[t]);
  g_free (result->segmentations);
  g_free (result->cards);
  g_strfreev (result->model_names);
  fovea_seg_measures_free (result->measures);
  g_free (result);
}
