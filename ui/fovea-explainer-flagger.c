/* fovea-explainer-flagger.c: the Anomaly overlay made by an installed
 * anomaly flagger (a segmentation model whose card's role is anomaly, such
 * as LesionPaste): its probability map, made in a worker thread. */
#define G_LOG_DOMAIN "fovea-explainer-flagger"

#include "config.h"

#include "fovea-explainer.h"

#include <glib/gi18n.h>
#include <math.h>

#include "fovea-explainer-job.h"
#include "fovea-seg-models.h"

#define U16_MAX 65535.0f
/* Probabilities under the colour map's first step are left undrawn (0,
 * like the outside of the FOV): a flagger gives 1e-5 to 1e-4 over much of
 * a normal fundus, which would otherwise paint it in the lowest colour. */
#define DRAWN_MIN ((guint16) (U16_MAX / 256))

/* Per pixel of the drawn size, the most probable of the flagger's labels
 * (any of them is an anomaly), in 0..1; zero outside the FOV, as the
 * segmenter leaves its maps, and where it is under DRAWN_MIN. */
static float *
flagger_values (const FoveaSegmentation *segmentation,
                int                     *width,
                int                     *height)
{
  int w = segmentation->width, h = segmentation->height, out_w, out_h;
  float *out;

  fovea_explain_shrunk_size (w, h, &out_w, &out_h);
  out = g_new (float, (gsize) out_w * out_h);
  for (int y = 0; y < out_h; y++)
    {
      int sy = fovea_explain_sample_index (y, h, out_h);

      for (int x = 0; x < out_w; x++)
        {
          int sx = fovea_explain_sample_index (x, w, out_w);
          guint16 peak = 0;

          for (int l = 0; l < segmentation->n_labels; l++)
            {
              const FoveaImage *map = segmentation->maps[l];
              const guint16 *row = (const guint16 *) (gconstpointer) (map->data + (gsize) sy * map->stride);

              peak = MAX (peak, row[sx]);
            }
          out[(gsize) y * out_w + x] = peak >= DRAWN_MIN ? peak / U16_MAX : 0.0f;
        }
    }
  *width = out_w;
  *height = out_h;
  return out;
}

static void
flagger_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  FoveaExplainJob *job = task_data;
  const FoveaTaskCard *card = NULL;
  GError *error = NULL;
  FoveaExplainMap *map = NULL;
  g_autoptr(FoveaSegmentation) segmentation =
    fovea_seg_models_run (job->seg_models, job->seg_task,
                          fovea_document_get_image (job->document), cancellable, &card, &error);

  if (segmentation != NULL)
    {
      int width, height;
      float *values = flagger_values (segmentation, &width, &height);

      /* Probabilities: the scale is 0..1, and no normal image sets a mark. */
      map = fovea_explain_map_new (FOVEA_OVERLAY_ANOMALY, values, width, height, 1.0, NAN,
                                   &error);
    }
  if (map != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Anomaly — %s: probability"), card->title);

      fovea_explain_map_set_title (map, title);
    }
  fovea_explainer_return_map (task, map, error);
}

const char *
fovea_explainer_get_flagger (FoveaExplainer *self,
                             FoveaModality   modality)
{
  FoveaSegModels *models;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (self), NULL);

  models = fovea_explainer_get_seg_models (self);
  return models != NULL ? fovea_seg_models_get_flagger (models, modality) : NULL;
}

gboolean
fovea_explainer_run_flagger (FoveaExplainer *self,
                             GTask          *task)
{
  FoveaExplainJob *job = g_task_get_task_data (task);
  const char *flagger = fovea_explainer_get_flagger (self, fovea_document_get_modality (job->document));

  if (flagger == NULL)
    return FALSE;
  job->seg_models = fovea_seg_models_ref (fovea_explainer_get_seg_models (self));
  job->seg_task = g_strdup (flagger);
  g_task_run_in_thread (task, flagger_thread);
  return TRUE;
}
