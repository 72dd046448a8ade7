/* fovea-seg-models.c: the installed segmentation models and anomaly
 * flaggers, loaded on demand and run one image at a time. */
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
  GArray *flaggers; /* SegModel, anomaly flaggers, in the order found */
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
find_in (GArray     *array,
         const char *task_name)
{
  for (guint i = 0; i < array->len; i++)
    {
      SegModel *model = &g_array_index (array, SegModel, i);

      if (g_strcmp0 (model->name, task_name) == 0)
        return model;
    }
  return NULL;
}

static SegModel *
find_model (FoveaSegModels *models,
            const char     *task_name)
{
  SegModel *model = find_in (models->models, task_name);

  return model != NULL ? model : find_in (models->flaggers, task_name);
}

static GArray *
seg_model_array_new (void)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (SegModel));

  g_array_set_clear_func (array, (GDestroyNotify) seg_model_clear);
  return array;
}

/* The card of the model folder dir, or NULL after saying why. */
static FoveaTaskCard *
load_card (const char *dir)
{
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  g_autoptr(GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (card_path, &error);

  if (card == NULL)
    g_message ("%s", error->message);
  return card;
}

/* The installed flaggers, but for one named as a model already offered
 * (a task name picks one model). */
static void
find_flaggers (FoveaSegModels *models)
{
  g_autoptr(GPtrArray) dirs = fovea_segmenter_find_flaggers ();

  for (guint i = 0; i < dirs->len; i++)
    {
      FoveaTaskCard *card = load_card (dirs->pdata[i]);

      if (card == NULL)
        continue;
      if (find_model (models, card->name) != NULL)
        {
          fovea_task_card_free (card);
          continue;
        }
      SegModel model = { .name = g_strdup (card->name), .dir = g_strdup (dirs->pdata[i]), .card = card };
      g_array_append_val (models->flaggers, model);
    }
}

static void
seg_models_clear (FoveaSegModels *models)
{
  g_array_unref (models->models);
  g_array_unref (models->flaggers);
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
  models->models = seg_model_array_new ();
  models->flaggers = seg_model_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = fovea_segmenter_find_model (names[i], NULL);
      FoveaTaskCard *card;

      /* Not installed: not offered, and nothing to say. */
      if (dir == NULL)
        continue;
      card = load_card (dir);
      if (card == NULL)
        continue;
      /* A flagger's map says where the image looks abnormal, not what is
       * there: it is the Anomaly overlay, below. */
      if (card->role == FOVEA_SEG_ROLE_ANOMALY)
        {
          fovea_task_card_free (card);
          continue;
        }
      SegModel model = { .name = g_strdup (names[i]), .dir = g_steal_pointer (&dir), .card = card };
      g_array_append_val (models->models, model);
    }
  find_flaggers (models);
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

const char *
fovea_seg_models_get_flagger (FoveaSegModels *models,
                              FoveaModality   modality)
{
  g_return_val_if_fail (models != NULL, NULL);

  for (guint i = 0; i < models->flaggers->len; i++)
    {
      SegModel *model = &g_array_index (models->flaggers, SegModel, i);

      if (model->card->modality == modality)
        return model->name;
    }
  return NULL;
}

FoveaSegmentation *
fovea_seg_models_run (FoveaSegModels       *models,
                      const char           *task_name,
                      const FoveaImage     *image,
                      GCancellable         *cancellable,
                      const FoveaTaskCard **card,
                      GError              **error)
{
  FoveaSegmentation *segmentation = NULL;
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

  /* The card the segmenter was checked against, set once and kept. */
  if (segmentation != NULL && card != NULL)
    *card = fovea_segmenter_get_card (model->segmenter);
  return segmentation;
}

FoveaSegOverlay *
fovea_seg_models_segment (FoveaSegModels   *models,
                          const char       *task_name,
                          const FoveaImage *image,
                          GCancellable     *cancellable,
                          GError          **error)
{
  const FoveaTaskCard *card = NULL;
  g_autoptr(FoveaSegmentation) segmentation = fovea_seg_models_run (models, task_name, image,
                                                                     cancellable, &card, error);

  if (segmentation == NULL)
    return NULL;
  return fovea_seg_overlay_new (segmentation, card);
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
