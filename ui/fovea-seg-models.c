/* fovea-seg-models.c: the installed segmentation models, loaded on
 * demand and run one image at a time. */
#define G_LOG_DOMAIN "fovea-seg-models"

#include "config.h"

#include "fovea-seg-models-private.h"

#include <gio/gio.h>

#include "fovea-segmenter.h"

typedef struct {
  char           *name;
  char           *dir;
  FoveaTaskCard  *card;
  FoveaSegmenter *segmenter;  /* NULL until first used; under lock */
} SegModel;

struct _FoveaSegModels
{
  GArray *models;  /* SegModel, in FOVEA_SEG_MODELS_TASKS order */
  GMutex  lock;    /* the segmenters, and running them */
  GCond   resume;  /* paused turned FALSE */
  gboolean paused; /* under lock; tests only */
};

static void
seg_model_clear (SegModel *model)
{
  g_free (model->name);
  g_free (model->dir);
  g_clear_pointer (&model->card, fovea_task_card_free);
  g_clear_pointer (&model->segmenter, fovea_segmenter_free);
}

static SegModel *
find_model (FoveaSegModels *models,
            const char     *task_name)
{
  for (guint i = 0; i < models->models->len; i++)
    {
      SegModel *model = &g_array_index (models->models, SegModel, i);

      if (g_strcmp0 (model->name, task_name) == 0)
        return model;
    }
  return NULL;
}

static void
seg_models_clear (FoveaSegModels *models)
{
  g_array_unref (models->models);
  g_mutex_clear (&models->lock);
  g_cond_clear (&models->resume);
}

FoveaSegModels *
fovea_seg_models_find (void)
{
  static const char *const names[] = { FOVEA_SEG_MODELS_TASKS };
  FoveaSegModels *models = g_atomic_rc_box_new0 (FoveaSegModels);

  g_mutex_init (&models->lock);
  g_cond_init (&models->resume);
  models->models = g_array_new (FALSE, TRUE, sizeof (SegModel));
  g_array_set_clear_func (models->models, (GDestroyNotify) seg_model_clear);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = fovea_segmenter_find_model (names[i], &error);
      g_autofree char *card_path = NULL;
      FoveaTaskCard *card;

      /* Not installed: not offered, and nothing to say. */
      if (dir == NULL)
        continue;
      card_path = g_build_filename (dir, "task_card.json", NULL);
      card = fovea_task_card_load_file (card_path, &error);
      if (card == NULL)
        {
          g_message ("%s", error->message);
          continue;
        }
      SegModel model = { .name = g_strdup (names[i]), .dir = g_steal_pointer (&dir), .card = card };
      g_array_append_val (models->models, model);
    }
  return models;
}

FoveaSegModels *
fovea_seg_models_ref (FoveaSegModels *models)
{
  g_return_val_if_fail (models != NULL, NULL);

  return g_atomic_rc_box_acquire (models);
}

void
fovea_seg_models_unref (FoveaSegModels *models)
{
  if (models != NULL)
    g_atomic_rc_box_release_full (models, (GDestroyNotify) seg_models_clear);
}

guint
fovea_seg_models_get_n (FoveaSegModels *models)
{
  g_return_val_if_fail (models != NULL, 0);

  return models->models->len;
}

const char *
fovea_seg_models_get_name (FoveaSegModels *models,
                           guint           index)
{
  g_return_val_if_fail (models != NULL && index < models->models->len, NULL);

  return g_array_index (models->models, SegModel, index).name;
}

const FoveaTaskCard *
fovea_seg_models_get_card (FoveaSegModels *models,
                           const char     *task_name)
{
  SegModel *model;

  g_return_val_if_fail (models != NULL, NULL);

  model = find_model (models, task_name);
  return model != NULL ? model->card : NULL;
}

const char *
fovea_seg_models_get_dir (FoveaSegModels *models,
                          const char     *task_name)
{
  SegModel *model;

  g_return_val_if_fail (models != NULL, NULL);

  model = find_model (models, task_name);
  return model != NULL ? model->dir : NULL;
}

FoveaSegOverlay *
fovea_seg_models_segment (FoveaSegModels   *models,
                          const char       *task_name,
                          const FoveaImage *image,
                          GCancellable     *cancellable,
                          GError          **error)
{
  g_autoptr(FoveaSegmentation) segmentation = NULL;
  SegModel *model;

  g_return_val_if_fail (models != NULL && image != NULL, NULL);

  model = find_model (models, task_name);
  if (model == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no segmentation model for the task “%s” is installed", task_name);
      return NULL;
    }

  g_mutex_lock (&models->lock);
  while (models->paused)
    g_cond_wait (&models->resume, &models->lock);
  /* Another image held the model: this one may be wanted no more. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_mutex_unlock (&models->lock);
      return NULL;
    }
  if (model->segmenter == NULL)
    model->segmenter = fovea_segmenter_load (model->dir, 0, error);
  if (model->segmenter != NULL)
    segmentation = fovea_segmenter_run (model->segmenter, image, error);
  g_mutex_unlock (&models->lock);

  if (segmentation == NULL)
    return NULL;
  /* The card the segmenter was checked against, set once and kept. */
  return fovea_seg_overlay_new (segmentation, fovea_segmenter_get_card (model->segmenter));
}

void
fovea_seg_models_set_paused (FoveaSegModels *models,
                             gboolean        paused)
{
  g_return_if_fail (models != NULL);

  g_mutex_lock (&models->lock);
  models->paused = paused;
  g_cond_broadcast (&models->resume);
  g_mutex_unlock (&models->lock);
}
