/* test-preferences.c: the Preferences window, the colour scheme, the
 * shortcuts window and the About window, in the real application under
 * Xvfb with the memory GSettings backend. Writes preferences-dark.png,
 * preferences-light.png, preferences-folder.png, shortcuts.png and
 * about.png into the build folder. */
#include "config.h"

#include <string.h>

#include "fovea-application.h"
#include "fovea-display-test.h"
#include "fovea-preferences-window.h"

static FoveaApplication *application;

static GSettings *
get_settings (void)
{
  GSettings *settings = fovea_application_get_settings (application);

  g_assert_nonnull (settings);
  return settings;
}

/* Renders a window as it is on screen and writes it to the build folder;
 * returns its mean luminance, 0 … 255. */
static double
screenshot (GtkWidget  *widget,
            const char *name)
{
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_render_pixels (widget, name);
  double sum = 0;
  guint64 n = 0;

  for (int y = 0; y < pixels.height; y++)
    for (int x = 0; x < pixels.width; x++)
      {
        guint32 v = fovea_display_test_get_pixel (&pixels, x, y);
        /* Skip the transparent margin of the window's shadow. */
        if ((v >> 24) < 0xf0)
          continue;
        sum += 0.299 * ((v >> 16) & 0xff) + 0.587 * ((v >> 8) & 0xff) + 0.114 * (v & 0xff);
        n++;
      }
  g_assert_cmpuint (n, >, (guint64) pixels.width * pixels.height / 2);
  return sum / n;
}

static FoveaPreferencesWindow *
open_preferences (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (application), "preferences", NULL);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l; l = l->next)
    if (FOVEA_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  g_assert_not_reached ();
}

static gpointer
get_child (FoveaPreferencesWindow *window,
           const char             *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window),
                                                  FOVEA_TYPE_PREFERENCES_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

static gboolean
color_scheme_is (gpointer data)
{
  return (int) adw_style_manager_get_color_scheme (adw_style_manager_get_default ()) ==
         GPOINTER_TO_INT (data);
}

/* At startup, with nothing stored, the application is dark. */
static void
test_dark_by_default (void)
{
  AdwStyleManager *style_manager = adw_style_manager_get_default ();
  g_autofree char *nick = g_settings_get_string (get_settings (), "color-scheme");

  g_assert_cmpstr (nick, ==, "dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style_manager), ==,
                   ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style_manager));
}

static void
test_preferences_style (void)
{
  GSettings *settings = get_settings ();
  FoveaPreferencesWindow *window = open_preferences ();
  AdwComboRow *style_row = get_child (window, "style_row");
  AdwStyleManager *style_manager = adw_style_manager_get_default ();

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_cmpuint (adw_combo_row_get_selected (style_row), ==, 0);
  double dark_luma = screenshot (GTK_WIDGET (window), "preferences-dark.png");
  g_test_message ("dark mean luma %.1f", dark_luma);
  g_assert_cmpfloat (dark_luma, <, 80);

  /* The row writes the key, and the style follows at once. */
  adw_combo_row_set_selected (style_row, 1);
  g_autofree char *nick = g_settings_get_string (settings, "color-scheme");
  g_assert_cmpstr (nick, ==, "light");
  fovea_display_test_wait_for (color_scheme_is, GINT_TO_POINTER (ADW_COLOR_SCHEME_FORCE_LIGHT),
                               "light style");
  g_assert_false (adw_style_manager_get_dark (style_manager));
  double light_luma = screenshot (GTK_WIDGET (window), "preferences-light.png");
  g_test_message ("light mean luma %.1f", light_luma);
  g_assert_cmpfloat (light_luma, >, 180);

  /* The key moves the row and the style. */
  g_settings_set_string (settings, "color-scheme", "follow");
  g_assert_cmpuint (adw_combo_row_get_selected (style_row), ==, 2);
  fovea_display_test_wait_for (color_scheme_is, GINT_TO_POINTER (ADW_COLOR_SCHEME_DEFAULT),
                               "system style");

  g_settings_reset (settings, "color-scheme");
  g_assert_cmpuint (adw_combo_row_get_selected (style_row), ==, 0);
  fovea_display_test_wait_for (color_scheme_is, GINT_TO_POINTER (ADW_COLOR_SCHEME_FORCE_DARK),
                               "dark style");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_opacity (void)
{
  GSettings *settings = get_settings ();
  FoveaPreferencesWindow *window = open_preferences ();
  GtkAdjustment *adjustment = get_child (window, "opacity_adjustment");

  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 0.5);
  gtk_adjustment_set_value (adjustment, 0.8);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "default-overlay-opacity"),
                                  0.8, 1e-9);
  g_settings_set_double (settings, "default-overlay-opacity", 0.25);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adjustment), 0.25, 1e-9);
  g_settings_reset (settings, "default-overlay-opacity");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_referral (void)
{
  GSettings *settings = get_settings ();
  FoveaPreferencesWindow *window = open_preferences ();
  AdwComboRow *referral_row = get_child (window, "referral_row");
  GtkStringObject *item;

  /* Grade 2 (moderate NPDR) is referable by default. */
  g_assert_cmpint (g_settings_get_int (settings, "referral-min-grade"), ==, 2);
  item = adw_combo_row_get_selected_item (referral_row);
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "2 · Moderate NPDR");

  adw_combo_row_set_selected (referral_row, 2);
  g_assert_cmpint (g_settings_get_int (settings, "referral-min-grade"), ==, 3);
  g_settings_set_int (settings, "referral-min-grade", 1);
  item = adw_combo_row_get_selected_item (referral_row);
  g_assert_cmpstr (gtk_string_object_get_string (item), ==, "1 · Mild NPDR");
  g_settings_set_int (settings, "referral-min-grade", 4);
  g_assert_cmpuint (adw_combo_row_get_selected (referral_row), ==, 3);
  g_settings_reset (settings, "referral-min-grade");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_preferences_models_folder (void)
{
  GSettings *settings = get_settings ();
  FoveaPreferencesWindow *window = open_preferences ();
  AdwActionRow *row = get_child (window, "models_folder_row");
  GtkWidget *clear = get_child (window, "clear_folder_button");
  g_autoptr(GSettingsSchema) schema = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  if (!g_settings_schema_has_key (schema, "models-folder"))
    {
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row)));
      gtk_window_destroy (GTK_WINDOW (window));
      g_test_incomplete ("the schema has no models-folder key yet: the row is hidden");
      return;
    }

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row)));
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "None");
  g_assert_false (gtk_widget_get_sensitive (clear));

  g_settings_set_string (settings, "models-folder", "/srv/models/fovea");
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "/srv/models/fovea");
  g_assert_true (gtk_widget_get_sensitive (clear));
  screenshot (GTK_WIDGET (window), "preferences-folder.png");

  g_signal_emit_by_name (clear, "clicked");
  g_autofree char *folder = g_settings_get_string (settings, "models-folder");
  g_assert_cmpstr (folder, ==, "");
  g_assert_false (gtk_widget_get_sensitive (clear));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* The shortcuts issue 4 lists, as the shortcuts window shows them. */
static const char * const expected_accels[] = {
  "<Primary>o", "<Primary><Shift>o", "plus", "minus", "<Primary>0", "1",
  "h", "c", "r", "<Primary>z", "<Primary><Shift>z", "<Primary>comma",
  "<Primary>question", "<Primary>q", "<Primary>Return", "<Primary>e",
};

static gboolean
same_accel (const char *a,
            const char *b)
{
  guint key_a, key_b;
  GdkModifierType mods_a, mods_b;

  g_assert_true (gtk_accelerator_parse (a, &key_a, &mods_a));
  g_assert_true (gtk_accelerator_parse (b, &key_b, &mods_b));
  return key_a == key_b && mods_a == mods_b;
}

static gboolean
accel_listed (GPtrArray  *accels,
              const char *accel)
{
  for (guint i = 0; i < accels->len; i++)
    if (same_accel (accels->pdata[i], accel))
      return TRUE;
  return FALSE;
}

/* The builder's own shortcuts: the window adds copies of them to its
 * search page. */
static GPtrArray *
collect_accels (GtkBuilder *builder)
{
  GPtrArray *accels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSList) objects = gtk_builder_get_objects (builder);

  for (GSList *l = objects; l != NULL; l = l->next)
    {
      g_autofree char *title = NULL;
      char *accel = NULL;
      GtkShortcutType type;

      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_object_get (l->data, "title", &title, "accelerator", &accel,
                    "shortcut-type", &type, NULL);
      g_assert_true (title != NULL && title[0] != '\0');
      if (type == GTK_SHORTCUT_ACCELERATOR)
        g_ptr_array_add (accels, accel);
      else
        g_free (accel);
    }
  return accels;
}

/* The shortcuts window lists every shortcut, each once, and agrees with
 * the accelerators the application sets. */
static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/org/fovea/Fovea/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_autoptr(GPtrArray) accels = collect_accels (builder);
  static const char * const app_actions[] = {
    "app.quit", "app.preferences", "win.open", "win.show-help-overlay",
  };

  g_assert_cmpuint (accels->len, ==, G_N_ELEMENTS (expected_accels));
  for (guint i = 0; i < G_N_ELEMENTS (expected_accels); i++)
    {
      if (!accel_listed (accels, expected_accels[i]))
        g_error ("the shortcuts window does not list %s", expected_accels[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (app_actions); i++)
    {
      g_auto(GStrv) set = gtk_application_get_accels_for_action (GTK_APPLICATION (application),
                                                                 app_actions[i]);
      g_assert_cmpuint (g_strv_length (set), >, 0);
      if (!accel_listed (accels, set[0]))
        g_error ("%s has %s, which the shortcuts window does not list", app_actions[i], set[0]);
    }

  gtk_window_set_application (GTK_WINDOW (overlay), GTK_APPLICATION (application));
  gtk_window_present (GTK_WINDOW (overlay));
  double luma = screenshot (overlay, "shortcuts.png");
  g_assert_cmpfloat (luma, <, 80);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

static gboolean
find_about (gpointer data)
{
  AdwAboutWindow **about = data;
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data) && gtk_widget_get_visible (l->data))
      *about = l->data;
  return *about != NULL;
}

static void
test_about_window (void)
{
  AdwAboutWindow *about = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (application), "about", NULL);
  fovea_display_test_wait_for (find_about, &about, "the About window");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, FOVEA_VERSION);
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_nonnull (strstr (adw_about_window_get_comments (about), "research software"));
  g_assert_nonnull (strstr (adw_about_window_get_comments (about), "clinician review"));
  screenshot (GTK_WIDGET (about), "about.png");
  gtk_window_destroy (GTK_WINDOW (about));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  /* Screenshots of finished states, not of cross-fades. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/preferences/dark-by-default", test_dark_by_default);
  g_test_add_func ("/preferences/style", test_preferences_style);
  g_test_add_func ("/preferences/opacity", test_preferences_opacity);
  g_test_add_func ("/preferences/referral", test_preferences_referral);
  g_test_add_func ("/preferences/models-folder", test_preferences_models_folder);
  g_test_add_func ("/preferences/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/preferences/about-window", test_about_window);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  return status;
}
