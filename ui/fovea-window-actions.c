/* fovea-window-actions.c: the review window's win.* actions, and the
 * keys bound to them. Each action's work is its job's file's; the small
 * ones (forwarded to the view or the adjustments panel) are here. */
#define G_LOG_DOMAIN "fovea-window-actions"

#include "config.h"

#include <string.h>

#include "fovea-window-private.h"

static void
open_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  fovea_window_show_open_dialog (FOVEA_WINDOW (widget));
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

  gtk_widget_activate_action (GTK_WIDGET (fovea_window_get_active_view (self)), view_action, NULL);
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

static void
export_report_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  fovea_window_choose_export_file (FOVEA_WINDOW (widget));
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

void
fovea_window_class_init_actions (GtkWidgetClass *widget_class)
{
  static const guint zoom_in_keys[] = { GDK_KEY_plus, GDK_KEY_equal, GDK_KEY_KP_Add };
  static const guint zoom_out_keys[] = { GDK_KEY_minus, GDK_KEY_KP_Subtract };
  static const guint zoom_fit_keys[] = { GDK_KEY_0, GDK_KEY_KP_0 };
  static const guint zoom_1to1_keys[] = { GDK_KEY_1, GDK_KEY_KP_1 };
  static const guint analyse_keys[] = { GDK_KEY_Return, GDK_KEY_KP_Enter };

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
}
