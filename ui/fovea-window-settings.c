/* fovea-window-settings.c: the review window and its GSettings: the
 * layout it remembers (size, maximised, sidebar and panel widths), and the
 * keys it follows (models folder, overlay opacity, referral threshold). */
#define G_LOG_DOMAIN "fovea-window-settings"

#include "config.h"

#include "fovea-window-private.h"

static void
models_folder_changed_cb (FoveaWindow *self)
{
  fovea_window_load_catalog (self);
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

void
fovea_window_save_layout (FoveaWindow *self)
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

void
fovea_window_class_init_settings (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback (widget_class, inner_paned_max_position_cb);
}

void
fovea_window_bind_settings (FoveaWindow *self,
                            GSettings   *settings)
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
