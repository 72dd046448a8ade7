/* fovea-explainer.c: explanation maps made in worker threads, cached. */
#define G_LOG_DOMAIN "fovea-explainer"

#include "config.h"

#include "fovea-explainer-private.h"
#include "fovea-explainer-job.h"

#include <glib/gi18n.h>
#include <math.h>

#include "fovea-anomaly.h"
#include "fovea-anomaly-installed.h"
#include "fovea-explain-cache.h"
#include "fovea-hash-cache.h"
#include "fovea-seg-models.h"

/* Overlays are drawn over the image; their detail is a patch grid's, so a
 * longer side of 1024 pixels loses nothing and bounds the cache. */
#define MAP_MAX_SIDE 1024

/* Where the bank search stands. */
typedef enum {
  BANK_SEARCHING,
  BANK_FOUND,
  BANK_NONE,
} BankState;

struct _FoveaExplainer
{
  GObject            parent_instance;

  FoveaAnalysis     *analysis;
  FoveaExplainCache *cache;
  GCancellable      *search_cancellable;
  BankState          bank_state;
  FoveaInstalledBank *bank;        /* NULL until found */
  char              *why_no_bank;

  /* Workers only: the loaded bank, kept between maps. */
  GMutex             anomaly_lock;
  FoveaAnomaly      *anomaly;
  char              *anomaly_bank_path;

  FoveaSegModels    *seg_models;   /* NULL until the first catalog */

  guint              n_computed;   /* atomic */
};

G_DEFINE_FINAL_TYPE (FoveaExplainer, fovea_explainer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ANOMALY_READY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What a map explains besides the image: the model and task, or what
 * made the anomaly map (the flagger's folder, or the bank). */
static char *
dup_source (FoveaExplainer            *self,
            FoveaDocument             *document,
            const FoveaAnalysisResult *result,
            FoveaOverlayKind           kind)
{
  if (kind == FOVEA_OVERLAY_ANOMALY)
    {
      const char *flagger = fovea_explainer_get_flagger (self, fovea_document_get_modality (document));

      if (flagger != NULL)
        return g_strdup (fovea_seg_models_get_dir (self->seg_models, flagger));
      return g_strdup (self->bank != NULL ? self->bank->bank_path : "");
    }
  return g_strdup_printf ("%s\n%s", result->model->path, result->task->name);
}

/* The bank search */

static void
search_bank_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  FoveaModelCatalog *catalog = task_data;

  g_task_return_pointer (task,
                         fovea_anomaly_find_installed (catalog, FOVEA_MODALITY_UNKNOWN,
                                                       cancellable),
                         (GDestroyNotify) fovea_installed_bank_free);
}

static void
search_bank_done_cb (GObject      *source_object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  FoveaExplainer *self = FOVEA_EXPLAINER (source_object);
  g_autoptr (FoveaInstalledBank) info = g_task_propagate_pointer (G_TASK (result), NULL);

  /* Cancelled: a newer search is on its way. */
  if (info == NULL)
    return;
  g_clear_pointer (&self->bank, fovea_installed_bank_free);
  g_clear_pointer (&self->why_no_bank, g_free);
  if (info->bank_path != NULL)
    {
      self->bank_state = BANK_FOUND;
      self->bank = g_steal_pointer (&info);
    }
  else
    {
      self->bank_state = BANK_NONE;
      self->why_no_bank = g_steal_pointer (&info->why_none);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANOMALY_READY]);
}

/* Making maps */

void
fovea_explain_job_free (FoveaExplainJob *job)
{
  g_clear_object (&job->document);
  g_free (job->source);
  g_free (job->values);
  fovea_installed_bank_free (job->bank);
  g_clear_pointer (&job->seg_models, fovea_seg_models_unref);
  g_free (job->seg_task);
  g_free (job);
}

/* Returns map unless the task was cancelled meanwhile (it then has
 * returned already). */
void
fovea_explainer_return_map (GTask           *task,
                            FoveaExplainMap *map,
                            GError          *error)
{
  FoveaExplainer *self = g_task_get_source_object (task);

  if (map != NULL)
    g_atomic_int_inc (&self->n_computed);
  if (!g_task_set_return_on_cancel (task, FALSE))
    {
      fovea_explain_map_unref (map);
      g_clear_error (&error);
      return;
    }
  if (map != NULL)
    g_task_return_pointer (task, map, (GDestroyNotify) fovea_explain_map_unref);
  else
    g_task_return_error (task, error);
}

/* Rollout and Grad-CAM: the values are there, to be coloured. */
static void
make_map_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  FoveaExplainJob *job = task_data;
  GError *error = NULL;
  double legend_max = 1;
  FoveaExplainMap *map;

  /* Grad-CAM's units are arbitrary: it is read relative to its peak. */
  if (job->kind == FOVEA_OVERLAY_GRADCAM)
    {
      legend_max = 0;
      for (gsize i = 0; i < (gsize) job->width * job->height; i++)
        legend_max = MAX (legend_max, job->values[i]);
    }
  map = fovea_explain_map_new (job->kind, g_steal_pointer (&job->values), job->width,
                               job->height, legend_max, NAN, &error);
  if (map != NULL && job->kind == FOVEA_OVERLAY_GRADCAM)
    map->legend_max = 1;
  fovea_explainer_return_map (task, map, error);
}

void
fovea_explain_shrunk_size (int  width,
                           int  height,
                           int *out_width,
                           int *out_height)
{
  double scale = MIN (1.0, (double) MAP_MAX_SIDE / MAX (width, height));

  *out_width = MAX (1, (int) lround (width * scale));
  *out_height = MAX (1, (int) lround (height * scale));
}

int
fovea_explain_sample_index (int i,
                            int n,
                            int out_n)
{
  return MIN (n - 1, (int) ((i + 0.5) * n / out_n));
}

/* The anomaly map at most MAP_MAX_SIDE on its longer side, sampled at
 * pixel centres (which keeps the FOV's zeros exact). */
static float *
shrink_map (const FoveaAnomalyMap *anomaly_map,
            int                   *width,
            int                   *height)
{
  int w = anomaly_map->width, h = anomaly_map->height, out_w, out_h;
  float *out;

  fovea_explain_shrunk_size (w, h, &out_w, &out_h);
  out = g_new (float, (gsize) out_w * out_h);
  for (int y = 0; y < out_h; y++)
    {
      int sy = fovea_explain_sample_index (y, h, out_h);

      for (int x = 0; x < out_w; x++)
        out[(gsize) y * out_w + x] = anomaly_map->map[(gsize) sy * w +
                                                      fovea_explain_sample_index (x, w, out_w)];
    }
  *width = out_w;
  *height = out_h;
  return out;
}

/* The bank's detector, loaded on first use. Called with anomaly_lock held. */
static FoveaAnomaly *
ensure_anomaly (FoveaExplainer *self,
                const FoveaInstalledBank *bank,
                GError        **error)
{
  FoveaPatchBank *patches;

  if (self->anomaly != NULL && g_strcmp0 (self->anomaly_bank_path, bank->bank_path) == 0)
    return self->anomaly;
  g_clear_pointer (&self->anomaly, fovea_anomaly_free);
  g_clear_pointer (&self->anomaly_bank_path, g_free);
  patches = fovea_patch_bank_load (bank->bank_path, error);
  if (patches == NULL)
    return NULL;
  self->anomaly = fovea_anomaly_new_for_bank (bank->model_dir, NULL, patches, 0, error);
  if (self->anomaly != NULL)
    self->anomaly_bank_path = g_strdup (bank->bank_path);
  return self->anomaly;
}

static void
anomaly_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  FoveaExplainer *self = FOVEA_EXPLAINER (source_object);
  FoveaExplainJob *job = task_data;
  g_autoptr(FoveaAnomalyMap) anomaly_map = NULL;
  GError *error = NULL;
  FoveaAnomaly *anomaly;
  FoveaExplainMap *map = NULL;
  double normal_max = job->bank->normal_max, legend_max;
  float *values;
  int width, height;

  g_mutex_lock (&self->anomaly_lock);
  anomaly = ensure_anomaly (self, job->bank, &error);
  if (anomaly != NULL && !g_cancellable_is_cancelled (cancellable))
    anomaly_map = fovea_anomaly_compute (anomaly, fovea_document_get_image (job->document), &error);
  g_mutex_unlock (&self->anomaly_lock);

  if (anomaly_map != NULL)
    {
      values = shrink_map (anomaly_map, &width, &height);
      if (isfinite (normal_max) && normal_max > 0)
        legend_max = 2 * normal_max;
      else
        {
          legend_max = 0;
          for (gsize i = 0; i < (gsize) width * height; i++)
            legend_max = MAX (legend_max, values[i]);
        }
      map = fovea_explain_map_new (FOVEA_OVERLAY_ANOMALY, values, width, height, legend_max,
                                   normal_max, &error);
    }
  else if (error == NULL)
    {
      /* Only cancelling skips the computation; the task has returned. */
      g_task_set_return_on_cancel (task, FALSE);
      return;
    }
  fovea_explainer_return_map (task, map, error);
}

static void
gradcam_done_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  FoveaExplainJob *job = g_task_get_task_data (task);
  GError *error = NULL;

  job->values = fovea_analysis_gradcam_finish (FOVEA_ANALYSIS (source_object), result,
                                               &job->width, &job->height, &error);
  if (job->values == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, make_map_thread);
}

static void
fovea_explainer_dispose (GObject *object)
{
  FoveaExplainer *self = FOVEA_EXPLAINER (object);

  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->analysis);
  g_clear_pointer (&self->cache, fovea_explain_cache_free);
  g_clear_pointer (&self->seg_models, fovea_seg_models_unref);

  G_OBJECT_CLASS (fovea_explainer_parent_class)->dispose (object);
}

static void
fovea_explainer_finalize (GObject *object)
{
  FoveaExplainer *self = FOVEA_EXPLAINER (object);

  /* Workers hold a reference, so none is running now. */
  g_clear_pointer (&self->anomaly, fovea_anomaly_free);
  g_free (self->anomaly_bank_path);
  fovea_installed_bank_free (self->bank);
  g_free (self->why_no_bank);
  g_mutex_clear (&self->anomaly_lock);

  G_OBJECT_CLASS (fovea_explainer_parent_class)->finalize (object);
}

static void
fovea_explainer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  FoveaExplainer *self = FOVEA_EXPLAINER (object);

  switch (prop_id)
    {
    case PROP_ANOMALY_READY:
      g_value_set_boolean (value, fovea_explainer_get_anomaly_ready (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_explainer_class_init (FoveaExplainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = fovea_explainer_dispose;
  object_class->finalize = fovea_explainer_finalize;
  object_class->get_property = fovea_explainer_get_property;

  /* Whether the search for the anomaly bank has finished. */
  properties[PROP_ANOMALY_READY] =
    g_param_spec_boolean ("anomaly-ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_explainer_init (FoveaExplainer *self)
{
  self->cache = fovea_explain_cache_new ();
  self->bank_state = BANK_SEARCHING;
  g_mutex_init (&self->anomaly_lock);
}

FoveaExplainer *
fovea_explainer_new (FoveaAnalysis *analysis)
{
  FoveaExplainer *self;

  g_return_val_if_fail (FOVEA_IS_ANALYSIS (analysis), NULL);

  self = g_object_new (FOVEA_TYPE_EXPLAINER, NULL);
  self->analysis = g_object_ref (analysis);
  return self;
}

void
fovea_explainer_set_catalog (FoveaExplainer    *self,
                             FoveaModelCatalog *catalog)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FOVEA_IS_EXPLAINER (self));

  fovea_explain_cache_clear (self->cache);
  /* Segmentation models are few small folders to look at: found at once. */
  g_clear_pointer (&self->seg_models, fovea_seg_models_unref);
  self->seg_models = fovea_seg_models_find ();
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();
  if (self->bank_state != BANK_SEARCHING)
    {
      self->bank_state = BANK_SEARCHING;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANOMALY_READY]);
    }

  task = g_task_new (self, self->search_cancellable, search_bank_done_cb, NULL);
  g_task_set_source_tag (task, fovea_explainer_set_catalog);
  g_task_set_check_cancellable (task, TRUE);
  if (catalog != NULL)
    g_task_set_task_data (task, fovea_model_catalog_ref (catalog),
                          (GDestroyNotify) fovea_model_catalog_unref);
  g_task_run_in_thread (task, search_bank_thread);
}

gboolean
fovea_explainer_get_anomaly_ready (FoveaExplainer *self)
{
  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), FALSE);

  return self->bank_state != BANK_SEARCHING;
}

gboolean
fovea_explainer_can_explain (FoveaExplainer    *self,
                             FoveaOverlayKind   kind,
                             FoveaModality      modality,
                             char             **reason)
{
  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), FALSE);

  if (reason != NULL)
    *reason = NULL;
  if (kind != FOVEA_OVERLAY_ANOMALY)
    return TRUE;
  /* A flagger for the image's modality makes the map; the bank is not needed. */
  if (fovea_explainer_get_flagger (self, modality) != NULL)
    return TRUE;

  switch (self->bank_state)
    {
    case BANK_SEARCHING:
      if (reason != NULL)
        *reason = g_strdup (_("Looking for an anomaly bank…"));
      return FALSE;
    case BANK_NONE:
      if (reason != NULL)
        *reason = g_strdup (self->why_no_bank);
      return FALSE;
    case BANK_FOUND:
    default:
      break;
    }
  if (self->bank->modality != FOVEA_MODALITY_UNKNOWN && modality != self->bank->modality)
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_("The anomaly bank was built from %s images only"),
                                   fovea_modality_to_string (self->bank->modality));
      return FALSE;
    }
  return TRUE;
}

char *
fovea_explainer_dup_anomaly_method (FoveaExplainer *self,
                                    FoveaModality   modality)
{
  const char *flagger;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);

  if (!fovea_explainer_can_explain (self, FOVEA_OVERLAY_ANOMALY, modality, NULL))
    return NULL;
  flagger = fovea_explainer_get_flagger (self, modality);
  if (flagger != NULL)
    return g_strdup (fovea_seg_models_get_card (self->seg_models, flagger)->title);
  return g_strdup ("PatchCore");
}

FoveaExplainMap *
fovea_explainer_lookup (FoveaExplainer            *self,
                        FoveaDocument             *document,
                        const FoveaAnalysisResult *result,
                        FoveaOverlayKind           kind)
{
  g_autofree char *source = NULL;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document) && result != NULL, NULL);

  if (kind == FOVEA_OVERLAY_NONE || result->output == NULL)
    return NULL;
  source = dup_source (self, document, result, kind);
  return fovea_explain_cache_lookup (self->cache, document, source, kind);
}

void
fovea_explainer_explain_async (FoveaExplainer            *self,
                               FoveaDocument             *document,
                               const FoveaAnalysisResult *result,
                               FoveaOverlayKind           kind,
                               GCancellable              *cancellable,
                               GAsyncReadyCallback        callback,
                               gpointer                   user_data)
{
  g_autoptr(GTask) task = NULL;
  FoveaExplainJob *job;
  const float *saliency;

  g_return_if_fail (FOVEA_IS_EXPLAINER (self));
  g_return_if_fail (FOVEA_IS_DOCUMENT (document) && fovea_document_get_image (document) != NULL);
  g_return_if_fail (result != NULL && result->output != NULL);
  g_return_if_fail (kind != FOVEA_OVERLAY_NONE);

  job = g_new0 (FoveaExplainJob, 1);
  job->kind = kind;
  job->document = g_object_ref (document);
  job->source = dup_source (self, document, result, kind);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fovea_explainer_explain_async);
  g_task_set_task_data (task, job, (GDestroyNotify) fovea_explain_job_free);
  g_task_set_return_on_cancel (task, TRUE);

  switch (kind)
    {
    case FOVEA_OVERLAY_ROLLOUT:
      saliency = fovea_analysis_result_get_saliency (result, &job->width, &job->height);
      if (saliency == NULL)
        {
          /* A CNN has no attention: say what it has instead. */
          if (result->model != NULL && result->model->family == FOVEA_BACKBONE_CNN)
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     _("Attention rollout needs a Vision Transformer; this "
                                       "model is a CNN: choose Grad-CAM, which shows its class "
                                       "activation map"));
          else
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                     _("This result has no attention rollout"));
          return;
        }
      job->values = g_memdup2 (saliency, sizeof (float) * (gsize) job->width * job->height);
      g_task_run_in_thread (task, make_map_thread);
      break;
    case FOVEA_OVERLAY_GRADCAM:
      fovea_analysis_gradcam_async (self->analysis, document, result->catalog, result->model,
                                    result->task, cancellable, gradcam_done_cb,
                                    g_object_ref (task));
      break;
    case FOVEA_OVERLAY_ANOMALY:
      if (fovea_explainer_run_flagger (self, task))
        break;
      if (self->bank == NULL)
        {
          g_autofree char *reason = NULL;

          fovea_explainer_can_explain (self, kind, FOVEA_MODALITY_UNKNOWN, &reason);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", reason);
          return;
        }
      job->bank = fovea_installed_bank_copy (self->bank);
      g_task_run_in_thread (task, anomaly_thread);
      break;
    case FOVEA_OVERLAY_SEGMENTATION:
    case FOVEA_OVERLAY_NONE:
    default:
      g_assert_not_reached ();
    }
}

FoveaExplainMap *
fovea_explainer_explain_finish (FoveaExplainer  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  FoveaExplainJob *job;
  FoveaExplainMap *map;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  map = g_task_propagate_pointer (G_TASK (result), error);
  if (map == NULL)
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  /* Made for a catalog since replaced: do not keep it. A flagger's map,
   * like a segmentation, belongs to the models looked for then. */
  if (job->seg_models != NULL ? job->seg_models == self->seg_models
                              : !(job->kind == FOVEA_OVERLAY_ANOMALY && self->bank == NULL))
    fovea_explain_cache_insert (self->cache, job->document, job->source, job->kind, map);
  return map;
}

guint
fovea_explainer_get_n_computed (FoveaExplainer *self)
{
  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), 0);

  return (guint) g_atomic_int_get (&self->n_computed);
}

FoveaSegModels *
fovea_explainer_get_seg_models (FoveaExplainer *self)
{
  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);

  return self->seg_models;
}

FoveaExplainCache *
fovea_explainer_get_cache (FoveaExplainer *self)
{
  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);

  return self->cache;
}
