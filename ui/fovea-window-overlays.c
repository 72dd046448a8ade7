/* fovea-window-overlays.c: the explanation overlays of the shown result
 * (attention rollout, Grad-CAM, anomaly by a flagger or PatchCore) and the segmentation overlays of
 * the shown image: made in a worker thread by the explainer, or taken
 * from its cache, drawn as the image view's heat-map layer with their
 * legend, and dropped with the document, task or kind they were made
 * for. A segmentation draws the labels its legend's check buttons leave
 * on. */
#define G_LOG_DOMAIN "fovea-window-overlays"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "fovea-window-private.h"

/* A legend shows exactly when its layer is drawn: the segmentation's
 * while a segmentation is, the heat-map's otherwise. */
static void
update_legend (FoveaWindow *self)
{
  gboolean drawn = fovea_image_view_get_heatmap (self->image_view) != NULL &&
                   fovea_image_view_get_heatmap_visible (self->image_view);
  gboolean segmentation = self->shown_map != NULL && self->shown_map->segmentation != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->heatmap_legend), drawn && !segmentation);
  gtk_widget_set_visible (GTK_WIDGET (self->seg_legend), drawn && segmentation);
}

/* Drops the overlay on show and any being made: a map never outlives the
 * document, task or kind it was made for. */
void
fovea_window_clear_heatmap (FoveaWindow *self)
{
  if (self->explain_cancellable != NULL)
    g_cancellable_cancel (self->explain_cancellable);
  g_clear_object (&self->explain_cancellable);
  g_clear_pointer (&self->shown_map, fovea_explain_map_unref);
  fovea_overlay_chooser_set_busy (self->overlay_chooser, FALSE);
  fovea_image_view_set_heatmap (self->image_view, NULL);
  update_legend (self);
}

/* One choice per installed segmentation model, by its card's title. */
static void
update_segmentation_choices (FoveaWindow *self)
{
  FoveaSegModels *models = fovea_explainer_get_seg_models (self->explainer);
  guint n = models != NULL ? fovea_seg_models_get_n (models) : 0;
  g_autofree const char **names = g_new0 (const char *, n + 1);
  g_autofree const char **titles = g_new0 (const char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      const FoveaTaskCard *card;

      names[i] = fovea_seg_models_get_name (models, i);
      card = fovea_seg_models_get_card (models, names[i]);
      titles[i] = card->title != NULL ? card->title : names[i];
    }
  fovea_overlay_chooser_set_segmentation_tasks (self->overlay_chooser, names, titles);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *reason = NULL;
      gboolean available = fovea_explainer_can_segment (self->explainer, names[i],
                                                        self->shown_modality, &reason);

      fovea_overlay_chooser_set_segmentation_available (self->overlay_chooser, names[i],
                                                        available, reason);
    }
}

/* Anomaly is offered when a flagger or a bank for the shown image's
 * modality is installed, and names which; a segmentation model when it
 * segments that modality. */
void
fovea_window_update_overlay_choices (FoveaWindow *self)
{
  g_autofree char *reason = NULL;
  g_autofree char *method = fovea_explainer_dup_anomaly_method (self->explainer,
                                                                self->shown_modality);
  gboolean available = fovea_explainer_can_explain (self->explainer, FOVEA_OVERLAY_ANOMALY,
                                                    self->shown_modality, &reason);

  fovea_overlay_chooser_set_available (self->overlay_chooser, FOVEA_OVERLAY_ANOMALY,
                                       available, reason);
  fovea_overlay_chooser_set_anomaly_method (self->overlay_chooser, method);
  update_segmentation_choices (self);
}

/* The segmentation's labels that its legend leaves on, drawn; the map's
 * own texture when that is all of them. */
static GdkTexture *
render_segmentation (FoveaWindow     *self,
                     FoveaExplainMap *map)
{
  const FoveaSegOverlay *overlay = map->segmentation;
  g_autofree gboolean *shown = g_new (gboolean, overlay->n_labels);
  gboolean all = TRUE;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  for (int i = 0; i < overlay->n_labels; i++)
    {
      shown[i] = fovea_seg_legend_get_label_shown (self->seg_legend, i);
      all = all && shown[i];
    }
  if (all)
    return g_object_ref (map->texture);
  texture = fovea_seg_overlay_render (overlay, shown, &error);
  if (texture == NULL)
    fovea_window_show_toast (self, error->message);
  return texture;
}

/* Draws map as the heat-map layer, with its legend. */
static void
show_map (FoveaWindow     *self,
          FoveaExplainMap *map)
{
  g_autofree char *mark = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (self->shown_map != map)
    {
      g_clear_pointer (&self->shown_map, fovea_explain_map_unref);
      self->shown_map = fovea_explain_map_ref (map);
    }
  if (map->segmentation != NULL)
    {
      fovea_seg_legend_set_overlay (self->seg_legend, map->segmentation);
      texture = render_segmentation (self, map);
      fovea_image_view_set_heatmap (self->image_view, texture);
      fovea_image_view_set_heatmap_visible (self->image_view, TRUE);
      update_legend (self);
      return;
    }
  if (isfinite (map->normal_max))
    mark = g_strdup_printf (_("Normal images reach at most %.3g"), map->normal_max);
  fovea_heatmap_legend_set_title (self->heatmap_legend, map->title);
  fovea_heatmap_legend_set_range (self->heatmap_legend, map->legend_min, map->legend_max);
  fovea_heatmap_legend_set_mark (self->heatmap_legend, map->normal_max, mark);
  fovea_image_view_set_heatmap (self->image_view, map->texture);
  fovea_image_view_set_heatmap_visible (self->image_view, TRUE);
  update_legend (self);
}

static void
explain_done_cb (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(FoveaWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaExplainMap) map = fovea_explainer_explain_finish (FOVEA_EXPLAINER (source_object),
                                                                   result, &error);

  /* Cancelled: another document, task or kind is on show by now. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->explain_cancellable);
  fovea_overlay_chooser_set_busy (self->overlay_chooser, FALSE);
  if (map == NULL)
    {
      fovea_window_show_toast (self, error->message);
      return;
    }
  show_map (self, map);
}

/* The chosen segmentation of the shown image: at once when it was made
 * before, otherwise once a worker thread has made it. Needs no analysis. */
static void
update_segmentation (FoveaWindow *self)
{
  const char *task = fovea_overlay_chooser_get_segmentation_task (self->overlay_chooser);
  FoveaExplainMap *map;

  if (!fovea_window_shown_document_is_ready (self) ||
      !fovea_explainer_can_segment (self->explainer, task, self->shown_modality, NULL))
    return;
  map = fovea_explainer_lookup_segmentation (self->explainer, self->shown_document, task);
  if (map != NULL)
    {
      show_map (self, map);
      return;
    }
  self->explain_cancellable = g_cancellable_new ();
  fovea_overlay_chooser_set_busy (self->overlay_chooser, TRUE);
  fovea_explainer_segment_async (self->explainer, self->shown_document, task,
                                 self->explain_cancellable, explain_done_cb,
                                 g_object_ref (self));
}

/* Shows the chosen overlay of the shown result: at once when it was made
 * before, otherwise once a worker thread has made it. */
void
fovea_window_update_overlay (FoveaWindow *self)
{
  const FoveaAnalysisResult *result = fovea_results_panel_get_result (self->results_panel);
  FoveaOverlayKind kind = fovea_overlay_chooser_get_kind (self->overlay_chooser);
  FoveaExplainMap *map;

  fovea_window_clear_heatmap (self);
  if (kind == FOVEA_OVERLAY_SEGMENTATION)
    {
      update_segmentation (self);
      return;
    }
  /* An ungradable image ran no model: there is nothing to explain. */
  if (result == NULL || result->output == NULL || !fovea_window_shown_document_is_ready (self) ||
      kind == FOVEA_OVERLAY_NONE ||
      !fovea_explainer_can_explain (self->explainer, kind, self->shown_modality, NULL))
    return;

  map = fovea_explainer_lookup (self->explainer, self->shown_document, result, kind);
  if (map != NULL)
    {
      show_map (self, map);
      return;
    }
  self->explain_cancellable = g_cancellable_new ();
  fovea_overlay_chooser_set_busy (self->overlay_chooser, TRUE);
  fovea_explainer_explain_async (self->explainer, self->shown_document, result, kind,
                                 self->explain_cancellable, explain_done_cb,
                                 g_object_ref (self));
}

void
fovea_window_update_result_overlay (FoveaWindow *self)
{
  if (fovea_overlay_chooser_get_kind (self->overlay_chooser) != FOVEA_OVERLAY_SEGMENTATION)
    fovea_window_update_overlay (self);
}

static void
overlay_kind_changed_cb (FoveaWindow *self)
{
  fovea_window_update_overlay (self);
}

/* A label's check button: the segmentation on show is drawn again. */
static void
seg_shown_changed_cb (FoveaWindow *self)
{
  g_autoptr(GdkTexture) texture = NULL;

  if (self->shown_map == NULL || self->shown_map->segmentation == NULL)
    return;
  texture = render_segmentation (self, self->shown_map);
  fovea_image_view_set_heatmap (self->image_view, texture);
}

/* The bank search finished: Anomaly may be offered now, and may be the
 * overlay waiting to be shown. */
static void
anomaly_ready_cb (FoveaWindow *self)
{
  fovea_window_update_overlay_choices (self);
  if (fovea_overlay_chooser_get_kind (self->overlay_chooser) == FOVEA_OVERLAY_ANOMALY)
    fovea_window_update_overlay (self);
}

static void
heatmap_changed_cb (FoveaWindow *self)
{
  update_legend (self);
}

void
fovea_window_class_init_overlays (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, heatmap_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, overlay_kind_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, seg_shown_changed_cb);
}

void
fovea_window_init_overlays (FoveaWindow *self)
{
  /* Grad-CAM runs on the engine the analyses keep loaded. */
  self->explainer = fovea_explainer_new (fovea_results_panel_get_analysis (self->results_panel));
  g_signal_connect_object (self->explainer, "notify::anomaly-ready",
                           G_CALLBACK (anomaly_ready_cb), self, G_CONNECT_SWAPPED);
  fovea_window_update_overlay_choices (self);
}
