/* fovea-window.c: the review window: opened images on the left, the
 * selected one in the centre, adjustments and analysis on the right.
 *
 * Each opened file is a FoveaDocument in a GListStore that the sidebar
 * list is bound to. Documents decode themselves in worker threads; the
 * window reacts to their "state" changes on the main thread. The centre
 * is a stack: the image view with its overlays (heat-map legend, the
 * "Enhanced" label), or the compare view, which shares the image view's
 * zoom and pan so that switching keeps the place.
 *
 * This file is the type itself and the documents; the window's other jobs
 * have their own files (fovea-window-private.h lists them). */
#define G_LOG_DOMAIN "fovea-window"

#include "config.h"

#include "fovea-window-private.h"

#include "fovea-document-row.h"
#include "fovea-visible-text.h"

G_DEFINE_FINAL_TYPE (FoveaWindow, fovea_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_COMPARE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
fovea_window_show_toast (FoveaWindow *self,
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
  /* File names come from data: shown with hidden characters escaped. */
  g_autofree char *visible_title = fovea_visible_text (title, FOVEA_VISIBLE_TEXT_ESCAPE_ALL);
  g_autofree char *visible_subtitle = fovea_visible_text (subtitle, FOVEA_VISIBLE_TEXT_KEEP_NEWLINES);

  gtk_window_set_title (GTK_WINDOW (self), visible_title);
  adw_window_title_set_title (self->window_title, visible_title);
  adw_window_title_set_subtitle (self->window_title, visible_subtitle);
}

/* The view that zoom keys act on: in compare mode both sides share the
 * image view's viewport, so either side moves both. */
FoveaImageView *
fovea_window_get_active_view (FoveaWindow *self)
{
  if (g_str_equal (gtk_stack_get_visible_child_name (self->content_stack), "compare"))
    return fovea_compare_view_get_original_view (self->compare_view);
  return self->image_view;
}

gboolean
fovea_window_shown_document_is_ready (FoveaWindow *self)
{
  return self->shown_document != NULL &&
         fovea_document_get_state (self->shown_document) == FOVEA_DOCUMENT_READY;
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
  else if (fovea_window_shown_document_is_ready (self))
    page = self->compare ? "compare" : "image";

  if (g_str_equal (page, "compare"))
    update_compare_textures (self);
  gtk_stack_set_visible_child_name (self->content_stack, page);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.toggle-compare",
                                 fovea_window_shown_document_is_ready (self));
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
  fovea_window_update_overlay_choices (self);

  fovea_window_clear_heatmap (self);
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
  /* A segmentation needs no analysis: it is drawn as soon as the image is. */
  fovea_window_update_overlay (self);
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

void
fovea_window_load_catalog (FoveaWindow *self)
{
  g_autofree char *folder = NULL;

  if (self->settings != NULL)
    folder = g_settings_get_string (self->settings, "models-folder");
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  self->catalog = fovea_model_catalog_scan_default (folder);
  fovea_results_panel_set_catalog (self->results_panel, self->catalog);
  /* Maps of the old models would no longer match what the panel shows. */
  fovea_window_clear_heatmap (self);
  fovea_explainer_set_catalog (self->explainer, self->catalog);
  fovea_window_update_overlay_choices (self);
  fovea_window_update_overlay (self);
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
      fovea_window_show_toast (self, fovea_document_get_error_message (document));
      break;
    case FOVEA_DOCUMENT_READY:
      fovea_window_add_recent (document);
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
  if (document != self->shown_document || !fovea_window_shown_document_is_ready (self) ||
      fovea_document_get_modality (document) == self->shown_modality)
    return;
  self->shown_modality = fovea_document_get_modality (document);
  fovea_window_clear_heatmap (self);
  fovea_window_update_overlay_choices (self);
  fovea_results_panel_set_document (self->results_panel, document, self->shown_modality);
  fovea_window_update_overlay (self);
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
  fovea_window_update_patient (self);
  fovea_window_update_result_overlay (self);
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
  fovea_window_save_layout (FOVEA_WINDOW (window));

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
  fovea_window_dispose_batch (self);

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
fovea_window_class_init (FoveaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = fovea_window_dispose;
  object_class->get_property = fovea_window_get_property;
  object_class->set_property = fovea_window_set_property;

  window_class->close_request = fovea_window_close_request;

  /* Whether the centre shows original and enhanced side by side. */
  properties[PROP_COMPARE] =
    g_param_spec_boolean ("compare", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  fovea_window_class_init_actions (widget_class);

  g_type_ensure (FOVEA_TYPE_IMAGE_VIEW);
  g_type_ensure (FOVEA_TYPE_COMPARE_VIEW);
  g_type_ensure (FOVEA_TYPE_HEATMAP_LEGEND);
  g_type_ensure (FOVEA_TYPE_SEG_LEGEND);
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
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, seg_legend);
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
  gtk_widget_class_bind_template_callback (widget_class, enhanced_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, undo_state_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, results_result_changed_cb);
  fovea_window_class_init_overlays (widget_class);
  fovea_window_class_init_settings (widget_class);
}

static void
fovea_window_init (FoveaWindow *self)
{
  FoveaImageView *enhanced_side;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->documents = g_list_store_new (FOVEA_TYPE_DOCUMENT);
  self->cancellable = g_cancellable_new ();
  fovea_window_init_overlays (self);
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
  g_object_bind_property (self->image_view, "heatmap-opacity", self->seg_legend, "layer-opacity",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->image_view, "red-free", enhanced_side, "red-free", G_BINDING_SYNC_CREATE);

  fovea_adjustments_panel_set_view (self->adjustments_panel, self->image_view);
  g_object_bind_property (self->adjustments_panel, "enhanced", self->enhanced_pill, "visible",
                          G_BINDING_SYNC_CREATE);
  enhanced_changed_cb (self);
  undo_state_changed_cb (self);
  update_content_page (self);
  fovea_window_update_batch_indicator (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-report", FALSE);

  fovea_window_init_drop_target (self);
  fovea_window_init_recent (self);
}

FoveaWindow *
fovea_window_new (FoveaApplication *application)
{
  FoveaWindow *self = g_object_new (FOVEA_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings = fovea_application_get_settings (application);

  /* "application" is not a construct property, so the settings are only
   * reachable once g_object_new() has returned. */
  if (settings != NULL)
    fovea_window_bind_settings (self, settings);
  fovea_window_load_catalog (self);
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

FoveaSegLegend *
fovea_window_get_seg_legend (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->seg_legend;
}

FoveaExplainer *
fovea_window_get_explainer (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  return self->explainer;
}
