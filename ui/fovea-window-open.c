/* fovea-window-open.c: File → Open… (a native chooser, several images at
 * once) and Open Recent (the newest images this application opened that
 * still exist, from the GTK recent-files list). */
#define G_LOG_DOMAIN "fovea-window-open"

#include "config.h"

#include <glib/gi18n.h>

#include "fovea-window-private.h"

/* Open Recent lists at most this many images. */
#define N_RECENT 10

static const char * const image_suffixes[] = {
  "png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "dcm", "dicom",
};

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

void
fovea_window_show_open_dialog (FoveaWindow *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  /* PACS exports often name DICOM files without an extension (IM000001):
   * the decoder recognises them by their contents. */
  g_autoptr(GtkFileFilter) all_files = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Images"));
  for (guint i = 0; i < G_N_ELEMENTS (image_suffixes); i++)
    gtk_file_filter_add_suffix (filter, image_suffixes[i]);
  gtk_file_filter_set_name (all_files, _("All Files"));
  gtk_file_filter_add_pattern (all_files, "*");

  chooser = gtk_file_chooser_native_new (_("Open Images"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all_files);
  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Remembers an image that opened, for Open Recent. */
void
fovea_window_add_recent (FoveaDocument *document)
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

void
fovea_window_init_recent (FoveaWindow *self)
{
  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (recent_changed_cb), self, G_CONNECT_SWAPPED);
  rebuild_recent_menu (self);
}
