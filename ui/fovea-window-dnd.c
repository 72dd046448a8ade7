/* fovea-window-dnd.c: image files dropped anywhere on the review window
 * are opened, as Open… would. */
#define G_LOG_DOMAIN "fovea-window-dnd"

#include "config.h"

#include "fovea-window-private.h"

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

void
fovea_window_init_drop_target (FoveaWindow *self)
{
  GtkDropTarget *drop_target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (drop_target, "drop", G_CALLBACK (drop_target_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}
