/* fovea-window.c: the review window: opened images on the left, the
 * selected one in the centre, adjustments and analysis on the right.
 *
 * Each opened file is a FoveaDocument in a GListStore that the sidebar
 * list is bound to. Documents decode themselves in worker threads; the
 * window reacts to their "state" changes on the main thread. The centre
 * is a stack: the image view with its overlays (heat-map legend, the
 * "Enhanced" label), or the compare view, which shares the image view's
 * zoom and pan so that switching keeps the place. */
#define G_LOG_DOMAIN "fovea-window"

#include "config.h"

#include "fovea-window.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "fovea-batch-dialog.h"
#include "fovea-batch-job.h"
#include "fovea-batch-view.h"
#include "fovea-colormap.h"
#include "fovea-compare-view.h"
#include "fovea-document.h"
#include "fovea-document-row.h"
#include "fovea-explainer.h"
#include "fovea-grade-record-build.h"
#include "fovea-hash-cache.h"
#include "fovea-heatmap-legend.h"
#include "fovea-overlay-chooser.h"
#include "fovea-report.h"

/* Open Recent lists at most this many images. */
#define N_RECENT 10

struct _FoveaWindow
{
  AdwApplicationWindow   parent_instance;

  GListStore            *documents;
  FoveaDocument         *shown_document;
  FoveaModality          shown_modality;
  /* Cancelled when the window goes away, so pending decodes are dropped. */
  GCancellable          *cancellable;
  /* Explanation overlays of the shown result: the one being made, if
   * any, and the one on show, if any. */
  FoveaExplainer        *explainer;
  GCancellable          *explain_cancellable;
  FoveaExplainMap       *shown_map;
  GSettings             *settings;  /* NULL without the schema */
  FoveaModelCatalog     *catalog;
  gboolean               compare;
  /* The remembered panel width, applied at the first allocation. */
  int                    pending_panel_width;

  /* Template widgets */
  AdwToastOverlay       *toast_overlay;
  AdwWindowTitle        *window_title;
  GtkStack              *main_stack;
  GtkPaned              *outer_paned;
  GtkPaned              *inner_paned;
  GtkListBox            *documents_list;
  GtkStack              *content_stack;
  FoveaImageView        *image_view;
  GtkWidget             *enhanced_pill;
  FoveaHeatmapLegend    *heatmap_legend;
  FoveaCompareView      *compare_view;
  AdwStatusPage         *failed_page;
  GtkWidget             *side_panel;
  FoveaAdjustmentsPanel *adjustments_panel;
  FoveaResultsPanel     *results_panel;
  FoveaOverlayChooser   *overlay_chooser;
  GMenu                 *recent_section;
  GtkWidget             *batch_indicator;
  GtkProgressBar        *batch_progress;
  GtkLabel              *batch_label;

  /* The folder being (or last) graded, which outlives its view. */
  FoveaBatchJob         *batch_job;
  FoveaBatchView        *batch_view;  /* weak */
};

G_DEFINE_FINAL_TYPE (FoveaWindow, fovea_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_COMPARE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const image_suffixes[] = {
  "png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif",
};

static void
show_toast (FoveaWindow *self,
            const char  *message)
{
  /* Toast titles are Pango markup; file names may contain '&' or '<'. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  /* An error is shown at once rather than queued behind older news. */
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_titles (FoveaWindow *self,
            const char  *title,
            const char  *subtitle)
{
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

/* The view that zoom keys act on: in compare mode both sides share the
 * image view's viewport, so either side moves both. */
static FoveaImageView *
get_active_view (FoveaWindow *self)
{
  if (g_str_equal (gtk_stack_get_visible_child_name (self->content_stack), "compare"))
    return fovea_compare_view_get_original_view (self->compare_view);
  return self->image_view;
}

static gboolean
shown_document_is_ready (FoveaWindow *self)
{
  return self->shown_document != NULL &&
         fovea_document_get_state (self->shown_document) == FOVEA_DOCUMENT_READY;
}

/* The legend shows exactly when a heat-map is drawn. */
static void
update_legend (FoveaWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->heatmap_legend),
                          fovea_image_view_get_heatmap (self->image_view) != NULL &&
                          fovea_image_view_get_heatmap_visible (self->image_view));
}

/* Drops the overlay on show and any being made: a map never outlives the
 * document, task or kind it was made for. */
static void
clear_heatmap (FoveaWindow *self)
{
  if (self->explain_cancellable != NULL)
    g_cancellable_cancel (self->explain_cancellable);
  g_clear_object (&self->explain_cancellable);
  g_clear_pointer (&self->shown_map, fovea_explain_map_unref);
  fovea_overlay_chooser_set_busy (self->overlay_chooser, FALSE);
  fovea_image_view_set_heatmap (self->image_view, NULL);
  update_legend (self);
}

/* Anomaly is offered when a bank for the shown image's modality is
 * installed. */
static void
update_overlay_choices (FoveaWindow *self)
{
  g_autofree char *reason = NULL;
  gboolean available = fovea_explainer_can_explain (self->explainer, FOVEA_OVERLAY_ANOMALY,
                                                    self->shown_modality, &reason);

  fovea_overlay_chooser_set_available (self->overlay_chooser, FOVEA_OVERLAY_ANOMALY,
                                       available, reason);
}

static void
update_compare_textures (FoveaWindow *self)
{
  fovea_compare_view_set_textures (self->compare_view,
                                   fovea_image_view_get_texture (self->image_view),
                                   fovea_image_view_get_enhanced_texture (self->image_view));
}

/* Which page the centre shows follows from the document's state and the
 * compare toggle. */
static void
update_content_page (FoveaWindow *self)
{
  const char *page = "loading";

  if (self->shown_document == NULL)
    page = "loading";
  else if (fovea_document_get_state (self->shown_document) == FOVEA_DOCUMENT_FAILED)
    page = "failed";
  else if (shown_document_is_ready (self))
    page = self->compare ? "compare" : "image";

  if (g_str_equal (page, "compare"))
    update_compare_textures (self);
  gtk_stack_set_visible_child_name (self->content_stack, page);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-compare",
                                 shown_document_is_ready (self));
}

static void
show_document (FoveaWindow   *self,
               FoveaDocument *document)
{
  g_autofree char *summary = fovea_document_dup_summary (document);
  gboolean ready = fovea_document_get_state (document) == FOVEA_DOCUMENT_READY;

  g_set_object (&self->shown_document, document);
  self->shown_modality = fovea_document_get_modality (document);
  set_titles (self, fovea_document_get_display_name (document), summary);
  update_overlay_choices (self);

  clear_heatmap (self);
  fovea_image_view_set_texture (self->image_view,
                                ready ? fovea_document_get_texture (document) : NULL);
  fovea_image_view_set_preview_texture (self->image_view,
                                        ready ? fovea_document_get_preview (document) : NULL);
  if (fovea_document_get_state (document) == FOVEA_DOCUMENT_FAILED)
    adw_status_page_set_description (self->failed_page,
                                     fovea_document_get_error_message (document));

  fovea_adjustments_panel_set_document (self->adjustments_panel, document);
  fovea_results_panel_set_document (self->results_panel, ready ? document : NULL,
                                    self->shown_modality);
  update_content_page (self);
}

static void
select_document (FoveaWindow   *self,
                 FoveaDocument *document)
{
  guint position;

  if (!g_list_store_find (self->documents, document, &position))
    return;
  gtk_list_box_select_row (self->documents_list,
                           gtk_list_box_get_row_at_index (self->documents_list, (int) position));
}

static FoveaDocument *
find_document (FoveaWindow *self,
               GFile       *file)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->documents));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(FoveaDocument) document = g_list_model_get_item (G_LIST_MODEL (self->documents), i);

      if (g_file_equal (fovea_document_get_file (document), file))
        return document;
    }
  return NULL;
}

/* Remembers an image that opened, for Open Recent. */
static void
add_recent (FoveaDocument *document)
{
  g_autofree char *uri = g_file_get_uri (fovea_document_get_file (document));
  g_autofree char *content_type = g_content_type_guess (fovea_document_get_display_name (document),
                                                        NULL, 0, NULL);
  g_autofree char *mime_type = g_content_type_get_mime_type (content_type);
  GtkRecentData data = {
    .mime_type = mime_type != NULL ? mime_type : (char *) "application/octet-stream",
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "fovea %u",
  };

  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

static int
compare_recent_by_age (gconstpointer a,
                       gconstpointer b)
{
  GtkRecentInfo *info_a = *(GtkRecentInfo * const *) a;
  GtkRecentInfo *info_b = *(GtkRecentInfo * const *) b;

  /* Newest first. */
  return g_date_time_compare (gtk_recent_info_get_modified (info_b),
                              gtk_recent_info_get_modified (info_a));
}

/* Open Recent: the newest images this application opened that still exist. */
static void
rebuild_recent_menu (FoveaWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  const char *app_name = g_get_application_name ();

  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;

      if (gtk_recent_info_has_application (info, app_name) &&
          g_str_has_prefix (gtk_recent_info_get_mime_type (info), "image/") &&
          gtk_recent_info_exists (info))
        g_ptr_array_add (mine, info);
    }
  g_ptr_array_sort (mine, compare_recent_by_age);

  g_menu_remove_all (self->recent_section);
  for (guint i = 0; i < MIN (mine->len, N_RECENT); i++)
    {
      GtkRecentInfo *info = mine->pdata[i];
      g_autoptr(GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);

      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_section, item);
    }
  if (mine->len == 0)
    /* No action: shown insensitive. */
    g_menu_append (self->recent_section, _("No Recent Images"), NULL);

  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
recent_changed_cb (FoveaWindow *self)
{
  rebuild_recent_menu (self);
}

static void
load_catalog (FoveaWindow *self)
{
  g_autofree char *folder = NULL;

  if (self->settings != NULL)
    folder = g_settings_get_string (self->settings, "models-folder");
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  self->catalog = fovea_model_catalog_scan_default (folder);
  fovea_results_panel_set_catalog (self->results_panel, self->catalog);
  /* Maps of the old models would no longer match what the panel shows. */
  clear_heatmap (self);
  fovea_explainer_set_catalog (self->explainer, self->catalog);
  update_overlay_choices (self);
}

static void
models_folder_changed_cb (FoveaWindow *self)
{
  load_catalog (self);
}

static void
overlay_opacity_changed_cb (FoveaWindow *self)
{
  fovea_image_view_set_heatmap_opacity (self->image_view,
                                        g_settings_get_double (self->settings,
                                                               "default-overlay-opacity"));
}

static void
referral_min_grade_changed_cb (FoveaWindow *self)
{
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (self->results_panel);

  fovea_analysis_set_referral_min_grade (analysis,
                                         g_settings_get_int (self->settings,
                                                             "referral-min-grade"));
}

static void
restore_layout (FoveaWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  gtk_paned_set_position (self->outer_paned, g_settings_get_int (self->settings, "sidebar-width"));
  self->pending_panel_width = g_settings_get_int (self->settings, "panel-width");
}

static void
save_layout (FoveaWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  /* The panes only have sizes once the documents page has been shown. */
  if (gtk_widget_get_width (self->side_panel) > 0)
    {
      g_settings_set_int (self->settings, "sidebar-width", gtk_paned_get_position (self->outer_paned));
      g_settings_set_int (self->settings, "panel-width", gtk_widget_get_width (self->side_panel));
    }
}

/* A GtkPaned position counts from the start, but it is the panel's width
 * that is remembered: it is turned into a position once the paned knows
 * its own width, which it announces by changing max-position. */
static void
inner_paned_max_position_cb (FoveaWindow *self)
{
  int max_position, panel_min;

  if (self->pending_panel_width <= 0 || gtk_widget_get_width (GTK_WIDGET (self->inner_paned)) <= 0)
    return;
  g_object_get (self->inner_paned, "max-position", &max_position, NULL);
  /* Unset, the position leaves the panel its minimum width. */
  gtk_widget_measure (self->side_panel, GTK_ORIENTATION_HORIZONTAL, -1, &panel_min, NULL, NULL, NULL);
  gtk_paned_set_position (self->inner_paned,
                          MAX (0, max_position + panel_min - self->pending_panel_width));
  self->pending_panel_width = 0;
}

static GtkWidget *
create_document_row_cb (gpointer item,
                        gpointer user_data)
{
  return fovea_document_row_new (FOVEA_DOCUMENT (item));
}

static void
documents_list_row_selected_cb (FoveaWindow   *self,
                                GtkListBoxRow *row,
                                GtkListBox    *list)
{
  if (row == NULL)
    return;
  show_document (self, fovea_document_row_get_document (FOVEA_DOCUMENT_ROW (row)));
}

static void
document_state_changed_cb (FoveaDocument *document,
                           GParamSpec    *pspec,
                           FoveaWindow   *self)
{
  switch (fovea_document_get_state (document))
    {
    case FOVEA_DOCUMENT_FAILED:
      show_toast (self, fovea_document_get_error_message (document));
      break;
    case FOVEA_DOCUMENT_READY:
      add_recent (document);
      break;
    case FOVEA_DOCUMENT_LOADING:
    default:
      break;
    }

  if (document == self->shown_document)
    show_document (self, document);
}

/* The user corrected the modality: other tasks fit now. */
static void
document_modality_changed_cb (FoveaDocument *document,
                              GParamSpec    *pspec,
                              FoveaWindow   *self)
{
  if (document != self->shown_document || !shown_document_is_ready (self) ||
      fovea_document_get_modality (document) == self->shown_modality)
    return;
  self->shown_modality = fovea_document_get_modality (document);
  clear_heatmap (self);
  update_overlay_choices (self);
  fovea_results_panel_set_document (self->results_panel, document, self->shown_modality);
}

static void
heatmap_changed_cb (FoveaWindow *self)
{
  update_legend (self);
}

static void
enhanced_changed_cb (FoveaWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reset-adjustments",
                                 fovea_adjustments_panel_get_enhanced (self->adjustments_panel));
  if (self->compare)
    update_compare_textures (self);
}

static void
undo_state_changed_cb (FoveaWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 fovea_adjustments_panel_get_can_undo (self->adjustments_panel));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 fovea_adjustments_panel_get_can_redo (self->adjustments_panel));
}

/* Draws map as the heat-map layer, with its legend. */
static void
show_map (FoveaWindow     *self,
          FoveaExplainMap *map)
{
  g_autofree char *mark = NULL;

  if (isfinite (map->normal_max))
    mark = g_strdup_printf (_("Normal images reach at most %.3g"), map->normal_max);
  fovea_heatmap_legend_set_title (self->heatmap_legend, fovea_overlay_kind_get_title (map->kind));
  fovea_heatmap_legend_set_range (self->heatmap_legend, map->legend_min, map->legend_max);
  fovea_heatmap_legend_set_mark (self->heatmap_legend, map->normal_max, mark);
  if (self->shown_map != map)
    {
      g_clear_pointer (&self->shown_map, fovea_explain_map_unref);
      self->shown_map = fovea_explain_map_ref (map);
    }
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
      show_toast (self, error->message);
      return;
    }
  show_map (self, map);
}

/* Shows the chosen overlay of the shown result: at once when it was made
 * before, otherwise once a worker thread has made it. */
static void
update_overlay (FoveaWindow *self)
{
  const FoveaAnalysisResult *result = fovea_results_panel_get_result (self->results_panel);
  FoveaOverlayKind kind = fovea_overlay_chooser_get_kind (self->overlay_chooser);
  FoveaExplainMap *map;

  clear_heatmap (self);
  /* An ungradable image ran no model: there is nothing to explain. */
  if (result == NULL || result->output == NULL || !shown_document_is_ready (self) ||
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

static void
overlay_kind_changed_cb (FoveaWindow *self)
{
  update_overlay (self);
}

/* The bank search finished: Anomaly may be offered now, and may be the
 * overlay waiting to be shown. */
static void
anomaly_ready_cb (FoveaWindow *self)
{
  update_overlay_choices (self);
  if (fovea_overlay_chooser_get_kind (self->overlay_chooser) == FOVEA_OVERLAY_ANOMALY)
    update_overlay (self);
}

static FoveaDocumentStatus
get_result_status (const FoveaAnalysisResult *result)
{
  if (!result->quality.gradable)
    return FOVEA_DOCUMENT_STATUS_UNGRADABLE;
  if (result->output != NULL && result->output->results[0].has_referable &&
      result->output->results[0].referable)
    return FOVEA_DOCUMENT_STATUS_REFERABLE;
  return FOVEA_DOCUMENT_STATUS_GRADABLE;
}

/* A new result shows its status and chosen overlay; a dropped one
 * (another task, a new run) takes its heat-map with it. */
static void
results_result_changed_cb (FoveaWindow *self)
{
  const FoveaAnalysisResult *result = fovea_results_panel_get_result (self->results_panel);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-report",
                                 result != NULL && self->shown_document != NULL);
  if (result != NULL && self->shown_document != NULL)
    fovea_document_set_status (self->shown_document, get_result_status (result));
  update_overlay (self);
}


/* Batch grading: the header's indicator follows the job, whichever view
 * is open. */
static void
update_batch_indicator (FoveaWindow *self)
{
  gboolean running = self->batch_job != NULL && fovea_batch_job_get_running (self->batch_job);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->batch_indicator, running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-batch", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-batch", self->batch_job != NULL);
  if (self->batch_job == NULL)
    return;
  const FoveaBatchProgress *progress = fovea_batch_job_get_progress (self->batch_job);
  text = g_strdup_printf ("%u / %u", progress->n_done, progress->n_total);
  gtk_label_set_text (self->batch_label, text);
  gtk_progress_bar_set_fraction (self->batch_progress, fovea_batch_job_get_fraction (self->batch_job));
}

static void
batch_job_changed_cb (FoveaWindow *self)
{
  update_batch_indicator (self);
}

static void
batch_job_running_cb (FoveaWindow *self)
{
  update_batch_indicator (self);
  if (fovea_batch_job_get_running (self->batch_job))
    return;
  if (fovea_batch_job_get_error_message (self->batch_job) != NULL)
    show_toast (self, fovea_batch_job_get_error_message (self->batch_job));
  else if (!fovea_batch_job_get_cancelled (self->batch_job))
    show_toast (self, _("Folder graded"));
}

static void
batch_view_open_file_cb (FoveaBatchView *view,
                         GFile          *file,
                         FoveaWindow    *self)
{
  fovea_window_open_files (self, &file, 1);
  gtk_window_present (GTK_WINDOW (self));
}

FoveaBatchView *
fovea_window_show_batch_view (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  if (self->batch_job == NULL)
    return NULL;
  if (self->batch_view == NULL)
    {
      self->batch_view = fovea_batch_view_new (self->batch_job, GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (self->batch_view), (gpointer *) &self->batch_view);
      g_signal_connect_object (self->batch_view, "open-file",
                               G_CALLBACK (batch_view_open_file_cb), self, 0);
    }
  gtk_window_present (GTK_WINDOW (self->batch_view));
  return self->batch_view;
}

FoveaBatchJob *
fovea_window_get_batch_job (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);
  return self->batch_job;
}

static gboolean
start_batch (FoveaWindow             *self,
             const FoveaCatalogModel *model,
             GPtrArray               *tasks,
             const char              *folder,
             gboolean                 recursive,
             gboolean                 paused)
{
  if (self->batch_job != NULL && fovea_batch_job_get_running (self->batch_job))
    {
      show_toast (self, _("A folder is already being graded"));
      return FALSE;
    }
  if (self->batch_job != NULL)
    g_signal_handlers_disconnect_by_data (self->batch_job, self);
  if (self->batch_view != NULL)
    gtk_window_destroy (GTK_WINDOW (self->batch_view));
  g_clear_object (&self->batch_job);

  self->batch_job = fovea_batch_job_new (self->catalog, model, tasks, folder, recursive);
  fovea_batch_job_set_paused (self->batch_job, paused);
  g_signal_connect_object (self->batch_job, "notify::progress",
                           G_CALLBACK (batch_job_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->batch_job, "notify::running",
                           G_CALLBACK (batch_job_running_cb), self, G_CONNECT_SWAPPED);
  fovea_batch_job_start (self->batch_job);
  fovea_window_show_batch_view (self);
  update_batch_indicator (self);
  return TRUE;
}

gboolean
fovea_window_start_batch (FoveaWindow        *self,
                          const char         *folder,
                          gboolean            recursive,
                          const char * const *task_names,
                          gboolean            paused)
{
  const FoveaCatalogModel *model = NULL;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  g_return_val_if_fail (FOVEA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (folder != NULL && task_names != NULL, FALSE);

  for (guint n = 0; task_names[n] != NULL; n++)
    for (guint m = 0; self->catalog != NULL && m < fovea_model_catalog_get_n_models (self->catalog); m++)
      {
        const FoveaCatalogModel *candidate = fovea_model_catalog_get_model (self->catalog, m);

        if (candidate->error != NULL || (model != NULL && candidate != model))
          continue;
        for (guint t = 0; t < candidate->tasks->len; t++)
          {
            const FoveaCatalogTask *task = candidate->tasks->pdata[t];

            if (task->error == NULL && g_str_equal (task->name, task_names[n]))
              {
                model = candidate;
                g_ptr_array_add (tasks, (gpointer) task);
                break;
              }
          }
      }
  if (model == NULL || tasks->len != g_strv_length ((GStrv) task_names))
    return FALSE;
  return start_batch (self, model, tasks, folder, recursive, paused);
}

static void
batch_dialog_grade_cb (FoveaBatchDialog *dialog,
                       FoveaWindow      *self)
{
  const FoveaCatalogModel *model = NULL;
  g_autoptr(GPtrArray) tasks = fovea_batch_dialog_dup_tasks (dialog, &model);

  if (tasks == NULL || fovea_batch_dialog_get_folder (dialog) == NULL)
    return;
  start_batch (self, model, tasks, fovea_batch_dialog_get_folder (dialog),
               fovea_batch_dialog_get_recursive (dialog), FALSE);
}

FoveaBatchDialog *
fovea_window_show_batch_dialog (FoveaWindow *self)
{
  FoveaBatchDialog *dialog;

  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  dialog = fovea_batch_dialog_new (GTK_WINDOW (self), self->catalog);
  g_signal_connect_object (dialog, "grade", G_CALLBACK (batch_dialog_grade_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
grade_folder_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  fovea_window_show_batch_dialog (FOVEA_WINDOW (widget));
}

static void
show_batch_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  fovea_window_show_batch_view (FOVEA_WINDOW (widget));
}

static void
cancel_batch_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);

  if (self->batch_job != NULL)
    fovea_batch_job_cancel (self->batch_job);
}

/* Export Report: the shown image's last analysis as a PDF, written off
 * the main thread (hashing the weights may take a second). */
typedef struct {
  FoveaGradeRecord *record;
  FoveaDocument    *document;     /* keeps the image alive */
  char             *weights_path;
  float            *overlay;
  int               overlay_width, overlay_height;
  char             *overlay_name;
  char             *path;
} ExportJob;

/* The record of result, run on document's image. model_sha256 is left
 * NULL: hashing the weights may take a second, so the export thread does
 * it (weights_path). */
static FoveaGradeRecord *
record_from_analysis (FoveaDocument             *document,
                      const FoveaAnalysisResult *result)
{
  g_autofree char *path = g_file_get_path (fovea_document_get_file (document));
  const FoveaCatalogTask *task = result->task;
  const FoveaGradeSource source = {
    .path = path,
    .patient_id = fovea_document_get_patient_id (document),
    .eye = fovea_document_get_eye (document),
    .modality = result->modality,
    .quality = &result->quality,
    .task_name = task != NULL ? task->name : NULL,
    .card = task != NULL ? task->card : NULL,
    .model_name = result->model != NULL ? result->model->name : NULL,
    .adapter = task != NULL && task->path != NULL,
    .seconds = result->total_s,
  };
  FoveaGradeRecord *record = fovea_grade_record_build (&source);

  if (result->output != NULL && result->output->batch >= 1)
    fovea_grade_record_set_outcome (record, source.card, result->output, 0,
                                    result->referral_min_grade);
  return record;
}

/* The weights file the result's task ran with: the MeLo file, the PEFT
 * folder's adapter_model.safetensors, or the backbone's model.safetensors. */
static char *
dup_weights_path (const FoveaAnalysisResult *result)
{
  if (result->task != NULL && result->task->path != NULL)
    {
      if (g_file_test (result->task->path, G_FILE_TEST_IS_DIR))
        return g_build_filename (result->task->path, "adapter_model.safetensors", NULL);
      return g_strdup (result->task->path);
    }
  if (result->model != NULL)
    return g_build_filename (result->model->path, "model.safetensors", NULL);
  return NULL;
}

static void
export_job_free (ExportJob *job)
{
  fovea_grade_record_free (job->record);
  g_clear_object (&job->document);
  g_free (job->weights_path);
  g_free (job->overlay);
  g_free (job->overlay_name);
  g_free (job->path);
  g_free (job);
}

static void
export_report_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  const FoveaReportInfo info = { .overlay_name = job->overlay_name };

  if (job->weights_path != NULL)
    /* Without a hash the report says so; a missing one is no reason to fail. */
    job->record->model_sha256 = fovea_file_sha256 (job->weights_path, cancellable, NULL);
  if (fovea_report_write_image (job->record, fovea_document_get_image (job->document),
                                job->overlay, job->overlay_width, job->overlay_height,
                                &info, job->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_report_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  FoveaWindow *self = FOVEA_WINDOW (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  show_toast (self, _("Report written"));
}

void
fovea_window_export_report (FoveaWindow *self,
                            GFile       *file)
{
  const FoveaAnalysisResult *result;
  ExportJob *job;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FOVEA_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  result = fovea_results_panel_get_result (self->results_panel);
  if (result == NULL || !shown_document_is_ready (self))
    {
      show_toast (self, _("Analyse the image before exporting its report"));
      return;
    }
  job = g_new0 (ExportJob, 1);
  job->record = record_from_analysis (self->shown_document, result);
  job->document = g_object_ref (self->shown_document);
  job->weights_path = dup_weights_path (result);
  /* The report shows the overlay the clinician is looking at, if any:
   * its values are already 0..1. */
  if (self->shown_map != NULL && fovea_image_view_get_heatmap_visible (self->image_view))
    {
      const FoveaExplainMap *map = self->shown_map;

      job->overlay = g_memdup2 (map->values, sizeof (float) * (gsize) map->width * map->height);
      job->overlay_width = map->width;
      job->overlay_height = map->height;
      job->overlay_name = g_strdup (fovea_overlay_kind_get_title (map->kind));
    }
  job->path = g_file_get_path (file);
  task = g_task_new (self, self->cancellable, export_report_done_cb, NULL);
  g_task_set_source_tag (task, fovea_window_export_report);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_report_thread);
}

static void
export_chooser_response_cb (GtkNativeDialog *chooser,
                            int              response,
                            FoveaWindow     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        fovea_window_export_report (self, file);
    }
  g_object_unref (chooser);
}

static void
export_report_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (fovea_results_panel_get_result (self->results_panel) == NULL || self->shown_document == NULL)
    {
      show_toast (self, _("Analyse the image before exporting its report"));
      return;
    }
  gtk_file_filter_set_name (filter, _("PDF Documents"));
  gtk_file_filter_add_suffix (filter, "pdf");
  chooser = gtk_file_chooser_native_new (_("Export Report"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  name = g_strdup_printf ("%s-report.pdf", fovea_document_get_display_name (self->shown_document));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
file_chooser_response_cb (GtkNativeDialog *chooser,
                          int              response,
                          FoveaWindow     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) selection = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      guint n_files = g_list_model_get_n_items (selection);
      g_autoptr(GPtrArray) files = g_ptr_array_new_full (n_files, g_object_unref);

      for (guint i = 0; i < n_files; i++)
        g_ptr_array_add (files, g_list_model_get_item (selection, i));
      fovea_window_open_files (self, (GFile **) files->pdata, (int) files->len);
    }

  g_object_unref (chooser);
}

static gboolean
drop_target_drop_cb (GtkDropTarget *target,
                     const GValue  *value,
                     double         x,
                     double         y,
                     FoveaWindow   *self)
{
  GSList *list = gdk_file_list_get_files (g_value_get_boxed (value));
  g_autoptr(GPtrArray) files = g_ptr_array_new ();

  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  fovea_window_open_files (self, (GFile **) files->pdata, (int) files->len);
  g_slist_free (list);
  return files->len > 0;
}

static void
open_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  for (guint i = 0; i < G_N_ELEMENTS (image_suffixes); i++)
    gtk_file_filter_add_suffix (filter, image_suffixes[i]);

  chooser = gtk_file_chooser_native_new (_("Open Images"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  fovea_window_open_files (FOVEA_WINDOW (widget), &file, 1);
}

/* win.zoom-in and friends: the same action of the view on show. */
static void
forward_to_view_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);
  g_autofree char *view_action = g_strconcat ("view.", action_name + strlen ("win."), NULL);

  gtk_widget_activate_action (GTK_WIDGET (get_active_view (self)), view_action, NULL);
}

static void
toggle_heatmap_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->image_view), "view.toggle-heatmap", NULL);
}

/* R goes through the adjustments panel rather than the view, so that the
 * panel shows it and it is one undoable step. */
static void
toggle_red_free_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  FoveaWindow *self = FOVEA_WINDOW (widget);

  fovea_adjustments_panel_toggle_red_free (self->adjustments_panel);
}

static void
undo_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  fovea_adjustments_panel_undo (FOVEA_WINDOW (widget)->adjustments_panel);
}

static void
redo_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  fovea_adjustments_panel_redo (FOVEA_WINDOW (widget)->adjustments_panel);
}

static void
reset_adjustments_action_cb (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  fovea_adjustments_panel_reset (FOVEA_WINDOW (widget)->adjustments_panel);
}

static void
analyse_action_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  gtk_widget_activate_action (GTK_WIDGET (FOVEA_WINDOW (widget)->results_panel), "panel.run", NULL);
}

static void
set_compare (FoveaWindow *self,
             gboolean     compare)
{
  compare = !!compare;
  if (self->compare == compare)
    return;
  self->compare = compare;
  update_content_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARE]);
}

static void
fovea_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FoveaWindow *self = FOVEA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARE:
      g_value_set_boolean (value, self->compare);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  FoveaWindow *self = FOVEA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COMPARE:
      set_compare (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
fovea_window_close_request (GtkWindow *window)
{
  save_layout (FOVEA_WINDOW (window));

  return GTK_WINDOW_CLASS (fovea_window_parent_class)->close_request (window);
}

static void
fovea_window_dispose (GObject *object)
{
  FoveaWindow *self = FOVEA_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->explain_cancellable != NULL)
    g_cancellable_cancel (self->explain_cancellable);

  /* A batch outlives its view, not the window. */
  if (self->batch_job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->batch_job, self);
      fovea_batch_job_cancel (self->batch_job);
    }
  if (self->batch_view != NULL)
    gtk_window_destroy (GTK_WINDOW (self->batch_view));
  g_clear_object (&self->batch_job);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_WINDOW);
  g_clear_object (&self->shown_document);
  g_clear_object (&self->documents);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->explain_cancellable);
  g_clear_pointer (&self->shown_map, fovea_explain_map_unref);
  g_clear_object (&self->explainer);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);

  G_OBJECT_CLASS (fovea_window_parent_class)->dispose (object);
}

static void
add_bindings (GtkWidgetClass *widget_class,
              const char     *action_name,
              GdkModifierType modifiers,
              const guint    *keyvals,
              gsize           n_keyvals)
{
  for (gsize i = 0; i < n_keyvals; i++)
    gtk_widget_class_add_binding_action (widget_class, keyvals[i], modifiers, action_name, NULL);
}

static void
fovea_window_class_init (FoveaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  static const guint zoom_in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint zoom_out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint zoom_fit_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };
  static const guint zoom_1to1_keys[] = { GDK_KEY_1, GDK_KEY_KP_1 };
  static const guint analyse_keys[] = { GDK_KEY_Return, GDK_KEY_KP_Enter };

  object_class->dispose = fovea_window_dispose;
  object_class->get_property = fovea_window_get_property;
  object_class->set_property = fovea_window_set_property;

  window_class->close_request = fovea_window_close_request;

  /* Whether the centre shows original and enhanced side by side. */
  properties[PROP_COMPARE] =
    g_param_spec_boolean ("compare", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action_cb);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action_cb);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, forward_to_view_action_cb);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, forward_to_view_action_cb);
  gtk_widget_class_install_action (widget_class, "win.zoom-fit", NULL, forward_to_view_action_cb);
  gtk_widget_class_install_action (widget_class, "win.zoom-1to1", NULL, forward_to_view_action_cb);
  gtk_widget_class_install_action (widget_class, "win.toggle-heatmap", NULL, toggle_heatmap_action_cb);
  /* Stateful, so that the header bar's toggle button shows it. */
  gtk_widget_class_install_property_action (widget_class, "win.toggle-compare", "compare");
  gtk_widget_class_install_action (widget_class, "win.toggle-red-free", NULL, toggle_red_free_action_cb);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action_cb);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_action_cb);
  gtk_widget_class_install_action (widget_class, "win.reset-adjustments", NULL,
                                   reset_adjustments_action_cb);
  gtk_widget_class_install_action (widget_class, "win.analyse", NULL, analyse_action_cb);
  gtk_widget_class_install_action (widget_class, "win.grade-folder", NULL, grade_folder_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-batch", NULL, show_batch_action_cb);
  gtk_widget_class_install_action (widget_class, "win.cancel-batch", NULL, cancel_batch_action_cb);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL, export_report_action_cb);

  /* Window-wide keys are widget bindings rather than application
   * accelerators: those run before the focused widget, so a letter typed
   * into an entry (a patient ID) would toggle the heat-map instead. */
  add_bindings (widget_class, "win.zoom-in", 0, zoom_in_keys, G_N_ELEMENTS (zoom_in_keys));
  add_bindings (widget_class, "win.zoom-out", 0, zoom_out_keys, G_N_ELEMENTS (zoom_out_keys));
  add_bindings (widget_class, "win.zoom-fit", GDK_CONTROL_MASK, zoom_fit_keys, G_N_ELEMENTS (zoom_fit_keys));
  add_bindings (widget_class, "win.zoom-1to1", 0, zoom_1to1_keys, G_N_ELEMENTS (zoom_1to1_keys));
  add_bindings (widget_class, "win.analyse", GDK_CONTROL_MASK, analyse_keys, G_N_ELEMENTS (analyse_keys));
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.grade-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export-report", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, 0, "win.toggle-heatmap", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, 0, "win.toggle-compare", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, 0, "win.toggle-red-free", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);

  g_type_ensure (FOVEA_TYPE_IMAGE_VIEW);
  g_type_ensure (FOVEA_TYPE_COMPARE_VIEW);
  g_type_ensure (FOVEA_TYPE_HEATMAP_LEGEND);
  g_type_ensure (FOVEA_TYPE_ADJUSTMENTS_PANEL);
  g_type_ensure (FOVEA_TYPE_RESULTS_PANEL);
  g_type_ensure (FOVEA_TYPE_OVERLAY_CHOOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, documents_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, image_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, enhanced_pill);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, heatmap_legend);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, compare_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, failed_page);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, side_panel);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, adjustments_panel);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, results_panel);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, overlay_chooser);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, recent_section);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, batch_indicator);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, batch_progress);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, batch_label);
  gtk_widget_class_bind_template_callback (widget_class, documents_list_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, inner_paned_max_position_cb);
  gtk_widget_class_bind_template_callback (widget_class, heatmap_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, enhanced_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, undo_state_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, results_result_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, overlay_kind_changed_cb);
}

static void
fovea_window_init (FoveaWindow *self)
{
  GtkDropTarget *drop_target;
  FoveaImageView *enhanced_side;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->documents = g_list_store_new (FOVEA_TYPE_DOCUMENT);
  self->cancellable = g_cancellable_new ();
  /* Grad-CAM runs on the engine the analyses keep loaded. */
  self->explainer = fovea_explainer_new (fovea_results_panel_get_analysis (self->results_panel));
  g_signal_connect_object (self->explainer, "notify::anomaly-ready",
                           G_CALLBACK (anomaly_ready_cb), self, G_CONNECT_SWAPPED);
  update_overlay_choices (self);
  gtk_list_box_bind_model (self->documents_list, G_LIST_MODEL (self->documents),
                           create_document_row_cb, NULL, NULL);

  /* One zoom and pan for the image and both sides of the comparison; the
   * enhanced side shows the same tone adjustments as the image view. */
  fovea_image_view_set_viewport (self->image_view,
                                 fovea_compare_view_get_viewport (self->compare_view));
  enhanced_side = fovea_compare_view_get_enhanced_view (self->compare_view);
  g_object_bind_property (self->image_view, "brightness", enhanced_side, "brightness", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->image_view, "contrast", enhanced_side, "contrast", G_BINDING_SYNC_CREATE);
  /* The legend's slider is the layer's opacity, and follows Preferences'
   * default when that changes the view. */
  g_object_bind_property (self->image_view, "heatmap-opacity", self->heatmap_legend, "opacity",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->image_view, "red-free", enhanced_side, "red-free", G_BINDING_SYNC_CREATE);

  fovea_adjustments_panel_set_view (self->adjustments_panel, self->image_view);
  g_object_bind_property (self->adjustments_panel, "enhanced", self->enhanced_pill, "visible",
                          G_BINDING_SYNC_CREATE);
  enhanced_changed_cb (self);
  undo_state_changed_cb (self);
  update_content_page (self);
  update_batch_indicator (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-report", FALSE);

  drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop_target, "drop", G_CALLBACK (drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));

  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (recent_changed_cb), self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}

FoveaWindow *
fovea_window_new (FoveaApplication *application)
{
  FoveaWindow *self = g_object_new (FOVEA_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings = fovea_application_get_settings (application);

  /* "application" is not a construct property, so the settings are only
   * reachable once g_object_new() has returned. */
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      restore_layout (self);
      overlay_opacity_changed_cb (self);
      referral_min_grade_changed_cb (self);
      g_signal_connect_object (settings, "changed::referral-min-grade",
                               G_CALLBACK (referral_min_grade_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (settings, "changed::models-folder",
                               G_CALLBACK (models_folder_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (settings, "changed::default-overlay-opacity",
                               G_CALLBACK (overlay_opacity_changed_cb), self, G_CONNECT_SWAPPED);
    }
  load_catalog (self);
  return self;
}

void
fovea_window_open_files (FoveaWindow  *self,
                         GFile       **files,
                         int           n_files)
{
  FoveaDocument *first = NULL;

  g_return_if_fail (FOVEA_IS_WINDOW (self));

  for (int i = 0; i < n_files; i++)
    {
      FoveaDocument *document = find_document (self, files[i]);

      if (document == NULL)
        {
          g_autoptr(FoveaDocument) added = fovea_document_new (files[i]);

          g_signal_connect_object (added, "notify::state",
                                   G_CALLBACK (document_state_changed_cb), self, 0);
          g_signal_connect_object (added, "notify::modality",
                                   G_CALLBACK (document_modality_changed_cb), self, 0);
          g_list_store_append (self->documents, added);
          fovea_document_load (added, self->cancellable);
          document = added;
        }
      if (first == NULL)
        first = document;
    }

  if (first == NULL)
    return;
  gtk_stack_set_visible_child_name (self->main_stack, "documents");
  select_document (self, first);
}

GListModel *
fovea_window_get_documents (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return G_LIST_MODEL (self->documents);
}

FoveaImageView *
fovea_window_get_image_view (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->image_view;
}

FoveaResultsPanel *
fovea_window_get_results_panel (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->results_panel;
}

FoveaAdjustmentsPanel *
fovea_window_get_adjustments_panel (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->adjustments_panel;
}

FoveaCompareView *
fovea_window_get_compare_view (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->compare_view;
}

FoveaExplainer *
fovea_window_get_explainer (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->explainer;
}
