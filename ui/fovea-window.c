/* fovea-window.c: the main window: opened images on the left, the
 * selected one in the centre.
 *
 * Each opened file is a FoveaDocument in a GListStore that the sidebar
 * list is bound to. Documents decode themselves in worker threads; the
 * window reacts to their "state" changes on the main thread. */
#include "config.h"

#include "fovea-window.h"

#include <glib/gi18n.h>

#include "fovea-document.h"
#include "fovea-document-row.h"

struct _FoveaWindow
{
  AdwApplicationWindow  parent_instance;

  GListStore           *documents;
  FoveaDocument        *shown_document;
  /* Cancelled when the window goes away, so pending decodes are dropped. */
  GCancellable         *cancellable;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkStack             *main_stack;
  GtkListBox           *documents_list;
  GtkStack             *content_stack;
  FoveaImageView       *image_view;
  AdwStatusPage        *failed_page;
};

G_DEFINE_FINAL_TYPE (FoveaWindow, fovea_window, ADW_TYPE_APPLICATION_WINDOW)

static const char * const image_suffixes[] = {
  "png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif",
};

static void
show_toast (FoveaWindow *self,
            const char  *message)
{
  /* Toast titles are Pango markup; file names may contain '&' or '<'. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
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

static void
show_failure (FoveaWindow *self,
              const char  *message)
{
  adw_status_page_set_description (self->failed_page, message);
  gtk_stack_set_visible_child_name (self->content_stack, "failed");
}

static void
show_document (FoveaWindow   *self,
               FoveaDocument *document)
{
  g_autofree char *summary = fovea_document_dup_summary (document);
  g_autoptr(GError) error = NULL;

  g_set_object (&self->shown_document, document);
  set_titles (self, fovea_document_get_display_name (document), summary);

  switch (fovea_document_get_state (document))
    {
    case FOVEA_DOCUMENT_LOADING:
      fovea_image_view_set_image (self->image_view, NULL, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "loading");
      break;

    case FOVEA_DOCUMENT_FAILED:
      fovea_image_view_set_image (self->image_view, NULL, NULL);
      show_failure (self, fovea_document_get_error_message (document));
      break;

    case FOVEA_DOCUMENT_READY:
    default:
      if (!fovea_image_view_set_image (self->image_view,
                                       fovea_document_get_image (document),
                                       &error))
        {
          show_failure (self, error->message);
          show_toast (self, error->message);
          break;
        }
      gtk_stack_set_visible_child_name (self->content_stack, "image");
      break;
    }
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

static void
restore_window_size (FoveaWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings;

  if (application == NULL)
    return;
  settings = fovea_application_get_settings (FOVEA_APPLICATION (application));
  if (settings == NULL)
    return;

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_size (FoveaWindow *self)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings;
  int width, height;

  if (application == NULL)
    return;
  settings = fovea_application_get_settings (FOVEA_APPLICATION (application));
  if (settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
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
  if (fovea_document_get_state (document) == FOVEA_DOCUMENT_FAILED)
    show_toast (self, fovea_document_get_error_message (document));

  if (document == self->shown_document)
    show_document (self, document);
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

static gboolean
fovea_window_close_request (GtkWindow *window)
{
  save_window_size (FOVEA_WINDOW (window));

  return GTK_WINDOW_CLASS (fovea_window_parent_class)->close_request (window);
}

static void
fovea_window_dispose (GObject *object)
{
  FoveaWindow *self = FOVEA_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_WINDOW);
  g_clear_object (&self->shown_document);
  g_clear_object (&self->documents);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (fovea_window_parent_class)->dispose (object);
}

static void
fovea_window_class_init (FoveaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = fovea_window_dispose;

  window_class->close_request = fovea_window_close_request;

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action_cb);

  g_type_ensure (FOVEA_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, documents_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, image_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaWindow, failed_page);
  gtk_widget_class_bind_template_callback (widget_class, documents_list_row_selected_cb);
}

static void
fovea_window_init (FoveaWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->documents = g_list_store_new (FOVEA_TYPE_DOCUMENT);
  self->cancellable = g_cancellable_new ();
  gtk_list_box_bind_model (self->documents_list, G_LIST_MODEL (self->documents),
                           create_document_row_cb, NULL, NULL);
}

FoveaWindow *
fovea_window_new (FoveaApplication *application)
{
  FoveaWindow *self = g_object_new (FOVEA_TYPE_WINDOW, "application", application, NULL);

  /* "application" is not a construct property, so the settings are only
   * reachable once g_object_new() has returned. */
  restore_window_size (self);
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
