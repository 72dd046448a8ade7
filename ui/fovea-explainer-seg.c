/* fovea-explainer-seg.c: the explainer's segmentation overlays: which
 * installed models fit an image, and segmenting it in a worker thread. */
#define G_LOG_DOMAIN "fovea-explainer-seg"

#include "config.h"

#include "fovea-explainer.h"

#include <glib/gi18n.h>

#include "fovea-explainer-job.h"
#include "fovea-seg-models.h"

static void
segment_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  FoveaExplainJob *job = task_data;
  GError *error = NULL;
  FoveaExplainMap *map = NULL;
  FoveaSegOverlay *overlay = fovea_seg_models_segment (job->seg_models, job->seg_task,
                                                       fovea_document_get_image (job->document),
                                                       cancellable, &error);

  if (overlay != NULL)
    map = fovea_explain_map_new_segmentation (overlay, &error);
  fovea_explainer_return_map (task, map, error);
}

gboolean
fovea_explainer_can_segment (FoveaExplainer  *self,
                             const char      *task_name,
                             FoveaModality    modality,
                             char           **reason)
{
  FoveaSegModels *models;
  const FoveaTaskCard *card;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), FALSE);

  if (reason != NULL)
    *reason = NULL;
  models = fovea_explainer_get_seg_models (self);
  card = models != NULL ? fovea_seg_models_get_card (models, task_name) : NULL;
  if (card == NULL)
    {
      if (reason != NULL)
        *reason = g_strdup (_("This segmentation model is not installed"));
      return FALSE;
    }
  if (!fovea_task_card_fits_modality (card, modality))
    {
      if (reason != NULL)
        *reason = g_strdup_printf (_("This model segments %s images only"),
                                   fovea_modality_to_string (card->modality));
      return FALSE;
    }
  return TRUE;
}

FoveaExplainMap *
fovea_explainer_lookup_segmentation (FoveaExplainer *self,
                                     FoveaDocument  *document,
                                     const char     *task_name)
{
  FoveaSegModels *models;
  const char *dir;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);

  models = fovea_explainer_get_seg_models (self);
  dir = models != NULL ? fovea_seg_models_get_dir (models, task_name) : NULL;
  if (dir == NULL)
    return NULL;
  return fovea_explain_cache_lookup (fovea_explainer_get_cache (self), document, dir, FOVEA_OVERLAY_SEGMENTATION);
}

void
fovea_explainer_segment_async (FoveaExplainer      *self,
                               FoveaDocument       *document,
                               const char          *task_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  FoveaSegModels *models;
  FoveaExplainJob *job;
  const char *dir;

  g_return_if_fail (FOVEA_IS_EXPLAINER (self));
  g_return_if_fail (FOVEA_IS_DOCUMENT (document) && fovea_document_get_image (document) != NULL);
  g_return_if_fail (task_name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fovea_explainer_segment_async);
  models = fovea_explainer_get_seg_models (self);
  dir = models != NULL ? fovea_seg_models_get_dir (models, task_name) : NULL;
  if (dir == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _("This segmentation model is not installed"));
      return;
    }
  job = g_new0 (FoveaExplainJob, 1);
  job->kind = FOVEA_OVERLAY_SEGMENTATION;
  job->document = g_object_ref (document);
  job->source = g_strdup (dir);
  job->seg_models = fovea_seg_models_ref (models);
  job->seg_task = g_strdup (task_name);
  g_task_set_task_data (task, job, (GDestroyNotify) fovea_explain_job_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, segment_thread);
}
