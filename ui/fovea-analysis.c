/* fovea-analysis.c: quality gate, then the task on the kept engine, in a
 * worker thread. */
#define G_LOG_DOMAIN "fovea-analysis"

#include "config.h"

#include "fovea-analysis-private.h"

#include "fovea-input-map.h"

/* The saliency's longer side: it is drawn over the image, and a grid of
 * 14 × 14 patches has no detail finer than that. */
#define SALIENCY_MAX_SIDE 1024

struct _FoveaAnalysis
{
  GObject      parent_instance;

  /* Owned by whichever run holds engine_lock. */
  GMutex       engine_lock;
  FoveaEngine *engine;
  char        *engine_path;  /* the backbone folder it was loaded from */
  GHashTable  *adapters;     /* adapter path → engine task index */
  guint        n_backbone_loads;  /* atomic */
  int          referral_min_grade;  /* atomic; 0: the card's rule */

  GMutex       pause_lock;
  GCond        pause_cond;
  gboolean     paused;
};

G_DEFINE_FINAL_TYPE (FoveaAnalysis, fovea_analysis, G_TYPE_OBJECT)

typedef struct {
  FoveaDocument           *document;  /* keeps image alive */
  const FoveaImage        *image;
  FoveaModality            modality;
  FoveaModelCatalog       *catalog;
  const FoveaCatalogModel *model;
  const FoveaCatalogTask  *task;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run = data;

  g_object_unref (run->document);
  fovea_model_catalog_unref (run->catalog);
  g_free (run);
}

void
fovea_analysis_result_free (FoveaAnalysisResult *result)
{
  if (result == NULL)
    return;
  fovea_model_catalog_unref (result->catalog);
  fovea_engine_output_free (result->output);
  g_free (result->saliency);
  g_free (result);
}

const float *
fovea_analysis_result_get_saliency (const FoveaAnalysisResult *result,
                                    int                       *width,
                                    int                       *height)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (width != NULL)
    *width = result->saliency_width;
  if (height != NULL)
    *height = result->saliency_height;
  return result->saliency;
}

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

/* The engine for model, loading its backbone unless it is the one held.
 * Called with engine_lock held. */
static FoveaEngine *
ensure_engine (FoveaAnalysis            *self,
               const FoveaCatalogModel  *model,
               gboolean                 *out_loaded,
               GError                  **error)
{
  *out_loaded = FALSE;
  if (self->engine != NULL && g_strcmp0 (self->engine_path, model->path) == 0)
    return self->engine;

  g_clear_pointer (&self->engine, fovea_engine_free);
  g_clear_pointer (&self->engine_path, g_free);
  g_hash_table_remove_all (self->adapters);

  self->engine = fovea_engine_new (model->path, 0, error);
  if (self->engine == NULL)
    return NULL;
  fovea_engine_set_rollout (self->engine, TRUE);
  self->engine_path = g_strdup (model->path);
  g_atomic_int_inc (&self->n_backbone_loads);
  *out_loaded = TRUE;
  return self->engine;
}

/* The engine's index of task, adding its adapter on first use. */
static int
ensure_task (FoveaAnalysis           *self,
             const FoveaCatalogTask  *task,
             GError                 **error)
{
  gpointer index;
  int added;

  if (task->path == NULL)
    return 0;
  if (g_hash_table_lookup_extended (self->adapters, task->path, NULL, &index))
    return GPOINTER_TO_INT (index);

  added = fovea_engine_add_adapter (self->engine, task->path, NULL, error);
  if (added >= 0)
    g_hash_table_insert (self->adapters, g_strdup (task->path), GINT_TO_POINTER (added));
  return added;
}

/* Runs the task on the image; FALSE with an error. Copies the task's
 * preprocessing to out_pre, for the saliency. Called with engine_lock
 * held. */
static gboolean
run_model_locked (FoveaAnalysis        *self,
                  RunData              *run,
                  FoveaAnalysisResult  *result,
                  FoveaPreprocess      *out_pre,
                  GError              **error)
{
  FoveaEngine *engine = ensure_engine (self, run->model, &result->loaded_backbone, error);
  int index;

  if (engine == NULL)
    return FALSE;
  index = ensure_task (self, run->task, error);
  if (index < 0)
    return FALSE;
  *out_pre = fovea_engine_get_task (engine, (guint) index)->preprocess;
  result->output = fovea_engine_run_images (engine, (guint) index, &run->image, 1, error);
  if (result->output == NULL)
    return FALSE;

  int min_grade = g_atomic_int_get (&self->referral_min_grade);
  if (run->task->card != NULL &&
      fovea_task_card_apply_min_grade (run->task->card, min_grade, &result->output->results[0]))
    result->referral_min_grade = min_grade;
  return TRUE;
}

/* The rollout on the model's input, put back onto the image (a CNN's
 * output has none). */
static void
map_saliency (RunData               *run,
              const FoveaPreprocess *pre,
              FoveaAnalysisResult   *result,
              GError               **error)
{
  const FoveaEngineOutput *output = result->output;

  if (output->rollout == NULL)
    return;

  result->saliency = fovea_input_map_to_image (pre, run->image, output->rollout,
                                               output->grid_h, output->grid_w,
                                               SALIENCY_MAX_SIDE,
                                               &result->saliency_width,
                                               &result->saliency_height, error);
}

/* The engine is held for the model alone: it is not thread-safe. */
static void
run_model (FoveaAnalysis        *self,
           RunData              *run,
           FoveaAnalysisResult  *result,
           GCancellable         *cancellable,
           GError              **error)
{
  gint64 start = g_get_monotonic_time ();
  FoveaPreprocess pre;
  gboolean ok;

  g_mutex_lock (&self->engine_lock);
  ok = run_model_locked (self, run, result, &pre, error);
  g_mutex_unlock (&self->engine_lock);
  result->model_s = seconds_since (start);

  if (ok && !g_cancellable_is_cancelled (cancellable))
    map_saliency (run, &pre, result, error);
}

static void
wait_while_paused (FoveaAnalysis *self,
                   GCancellable  *cancellable)
{
  g_mutex_lock (&self->pause_lock);
  /* Polled, since cancelling does not signal the condition. */
  while (self->paused && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&self->pause_cond, &self->pause_lock,
                       g_get_monotonic_time () + 10 * G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&self->pause_lock);
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  FoveaAnalysis *self = FOVEA_ANALYSIS (source_object);
  RunData *run = task_data;
  g_autoptr(FoveaAnalysisResult) result = g_new0 (FoveaAnalysisResult, 1);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  result->modality = run->modality;
  result->catalog = fovea_model_catalog_ref (run->catalog);
  result->model = run->model;
  result->task = run->task;

  fovea_quality_assess (run->image, run->modality, NULL, &result->quality);
  result->quality_s = seconds_since (start);

  /* Ungradable overrides any grade, so none is computed. */
  wait_while_paused (self, cancellable);
  if (result->quality.gradable && !g_cancellable_is_cancelled (cancellable))
    run_model (self, run, result, cancellable, &error);
  result->total_s = seconds_since (start);

  /* Cancelled meanwhile: the task has already returned. */
  if (!g_task_set_return_on_cancel (task, FALSE))
    return;
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&result),
                           (GDestroyNotify) fovea_analysis_result_free);
}

/* A Grad-CAM map put back onto the image. */
typedef struct {
  float *values;
  int    width, height;
} GradcamMap;

static void
gradcam_map_free (GradcamMap *map)
{
  g_free (map->values);
  g_free (map);
}

static float *
gradcam_locked (FoveaAnalysis  *self,
                RunData        *run,
                int            *grid_h,
                int            *grid_w,
                FoveaPreprocess *out_pre,
                GError        **error)
{
  gboolean loaded;
  FoveaEngine *engine = ensure_engine (self, run->model, &loaded, error);
  int index;

  if (engine == NULL)
    return NULL;
  index = ensure_task (self, run->task, error);
  if (index < 0)
    return NULL;
  *out_pre = fovea_engine_get_task (engine, (guint) index)->preprocess;
  /* fovea_gradcam writes the class it explained; the map is all we use. */
  FoveaGradcamInfo info;
  return fovea_engine_gradcam (engine, (guint) index, run->image, -1, grid_h, grid_w,
                               &info, error);
}

static void
gradcam_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  FoveaAnalysis *self = FOVEA_ANALYSIS (source_object);
  RunData *run = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree float *grid = NULL;
  FoveaPreprocess pre;
  GradcamMap *map = NULL;
  int grid_h = 0, grid_w = 0;

  wait_while_paused (self, cancellable);
  g_mutex_lock (&self->engine_lock);
  if (!g_cancellable_is_cancelled (cancellable))
    grid = gradcam_locked (self, run, &grid_h, &grid_w, &pre, &error);
  g_mutex_unlock (&self->engine_lock);

  if (grid != NULL && !g_cancellable_is_cancelled (cancellable))
    {
      map = g_new0 (GradcamMap, 1);
      map->values = fovea_input_map_to_image (&pre, run->image, grid, grid_h, grid_w,
                                              SALIENCY_MAX_SIDE, &map->width, &map->height,
                                              &error);
      if (map->values == NULL)
        g_clear_pointer (&map, gradcam_map_free);
    }

  /* Cancelled meanwhile: the task has already returned. */
  if (!g_task_set_return_on_cancel (task, FALSE))
    {
      g_clear_pointer (&map, gradcam_map_free);
      return;
    }
  if (map != NULL)
    g_task_return_pointer (task, map, (GDestroyNotify) gradcam_map_free);
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    /* Only skipped work leaves neither, and only cancelling skips it. */
    g_task_return_error_if_cancelled (task);
}

static void
fovea_analysis_finalize (GObject *object)
{
  FoveaAnalysis *self = FOVEA_ANALYSIS (object);

  g_clear_pointer (&self->engine, fovea_engine_free);
  g_clear_pointer (&self->engine_path, g_free);
  g_clear_pointer (&self->adapters, g_hash_table_unref);
  g_mutex_clear (&self->engine_lock);
  g_mutex_clear (&self->pause_lock);
  g_cond_clear (&self->pause_cond);

  G_OBJECT_CLASS (fovea_analysis_parent_class)->finalize (object);
}

static void
fovea_analysis_class_init (FoveaAnalysisClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fovea_analysis_finalize;
}

static void
fovea_analysis_init (FoveaAnalysis *self)
{
  g_mutex_init (&self->engine_lock);
  g_mutex_init (&self->pause_lock);
  g_cond_init (&self->pause_cond);
  self->adapters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

FoveaAnalysis *
fovea_analysis_new (void)
{
  return g_object_new (FOVEA_TYPE_ANALYSIS, NULL);
}

/* Both jobs run on a worker thread with the same inputs: the document's
 * image and the chosen model and task. */
static void
start_in_thread (FoveaAnalysis           *self,
                 FoveaDocument           *document,
                 FoveaModality            modality,
                 FoveaModelCatalog       *catalog,
                 const FoveaCatalogModel *model,
                 const FoveaCatalogTask  *task,
                 GCancellable            *cancellable,
                 GAsyncReadyCallback      callback,
                 gpointer                 user_data,
                 gpointer                 source_tag,
                 GTaskThreadFunc          thread_func)
{
  g_autoptr(GTask) gtask = NULL;
  RunData *run;

  g_return_if_fail (FOVEA_IS_ANALYSIS (self));
  g_return_if_fail (FOVEA_IS_DOCUMENT (document));
  g_return_if_fail (fovea_document_get_image (document) != NULL);
  g_return_if_fail (catalog != NULL && model != NULL && task != NULL);

  run = g_new0 (RunData, 1);
  run->document = g_object_ref (document);
  run->image = fovea_document_get_image (document);
  run->modality = modality;
  run->catalog = fovea_model_catalog_ref (catalog);
  run->model = model;
  run->task = task;

  gtask = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, source_tag);
  g_task_set_task_data (gtask, run, run_data_free);
  g_task_set_return_on_cancel (gtask, TRUE);
  g_task_run_in_thread (gtask, thread_func);
}

void
fovea_analysis_run_async (FoveaAnalysis           *self,
                          FoveaDocument           *document,
                          FoveaModality            modality,
                          FoveaModelCatalog       *catalog,
                          const FoveaCatalogModel *model,
                          const FoveaCatalogTask  *task,
                          GCancellable            *cancellable,
                          GAsyncReadyCallback      callback,
                          gpointer                 user_data)
{
  start_in_thread (self, document, modality, catalog, model, task, cancellable, callback,
                   user_data, fovea_analysis_run_async, run_in_thread);
}

FoveaAnalysisResult *
fovea_analysis_run_finish (FoveaAnalysis  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
fovea_analysis_set_referral_min_grade (FoveaAnalysis *self,
                                       int            min_grade)
{
  g_return_if_fail (FOVEA_IS_ANALYSIS (self));

  g_atomic_int_set (&self->referral_min_grade, MAX (min_grade, 0));
}

guint
fovea_analysis_get_n_backbone_loads (FoveaAnalysis *self)
{
  g_return_val_if_fail (FOVEA_IS_ANALYSIS (self), 0);

  return (guint) g_atomic_int_get (&self->n_backbone_loads);
}

void
fovea_analysis_set_paused (FoveaAnalysis *self,
                           gboolean       paused)
{
  g_return_if_fail (FOVEA_IS_ANALYSIS (self));

  g_mutex_lock (&self->pause_lock);
  self->paused = paused;
  g_cond_broadcast (&self->pause_cond);
  g_mutex_unlock (&self->pause_lock);
}

void
fovea_analysis_gradcam_async (FoveaAnalysis           *self,
                              FoveaDocument           *document,
                              FoveaModelCatalog       *catalog,
                              const FoveaCatalogModel *model,
                              const FoveaCatalogTask  *task,
                              GCancellable            *cancellable,
                              GAsyncReadyCallback      callback,
                              gpointer                 user_data)
{
  start_in_thread (self, document, fovea_document_get_modality (document), catalog, model,
                   task, cancellable, callback, user_data, fovea_analysis_gradcam_async,
                   gradcam_in_thread);
}

float *
fovea_analysis_gradcam_finish (FoveaAnalysis  *self,
                               GAsyncResult   *result,
                               int            *width,
                               int            *height,
                               GError        **error)
{
  GradcamMap *map;
  float *values;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  map = g_task_propagate_pointer (G_TASK (result), error);
  if (map == NULL)
    return NULL;
  values = g_steal_pointer (&map->values);
  if (width != NULL)
    *width = map->width;
  if (height != NULL)
    *height = map->height;
  gradcam_map_free (map);
  return values;
}
