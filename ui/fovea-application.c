/* fovea-application.c: the application object: actions, accelerators,
 * settings, the colour scheme, and opening files given on the command
 * line. */
#define G_LOG_DOMAIN "fovea-application"

#include "config.h"

#include "fovea-application.h"

#include <glib/gi18n.h>

#include "fovea-preferences-window.h"
#include "fovea-window.h"

struct _FoveaApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (FoveaApplication, fovea_application, ADW_TYPE_APPLICATION)

static FoveaWindow *
get_or_create_window (FoveaApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (FOVEA_IS_WINDOW (window))
    return FOVEA_WINDOW (window);
  return fovea_window_new (self);
}

/* A missing schema would make g_settings_new() abort; running from a
 * source tree without GSETTINGS_SCHEMA_DIR must still work. */
static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, FOVEA_APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      g_message ("GSettings schema %s is not installed; window size will not be "
                 "remembered (set GSETTINGS_SCHEMA_DIR to use an uninstalled one)",
                 FOVEA_APPLICATION_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (application));

  /* Closing rather than g_application_quit() lets each window save its
   * state in close-request; the application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
}

/* The color-scheme setting's nicks. Dark is the default, as is usual in
 * reading rooms; "follow" takes the desktop's choice. */
static const struct {
  const char     *nick;
  AdwColorScheme  scheme;
} color_schemes[] = {
  { "dark", ADW_COLOR_SCHEME_FORCE_DARK },
  { "light", ADW_COLOR_SCHEME_FORCE_LIGHT },
  { "follow", ADW_COLOR_SCHEME_DEFAULT },
};

static void
apply_color_scheme (FoveaApplication *self)
{
  g_autofree char *nick = NULL;
  AdwColorScheme scheme = ADW_COLOR_SCHEME_FORCE_DARK;

  if (self->settings != NULL)
    nick = g_settings_get_string (self->settings, "color-scheme");
  for (guint i = 0; nick != NULL && i < G_N_ELEMENTS (color_schemes); i++)
    if (g_str_equal (nick, color_schemes[i].nick))
      scheme = color_schemes[i].scheme;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

static void
color_scheme_changed_cb (FoveaApplication *self)
{
  apply_color_scheme (self);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  FoveaApplication *self = FOVEA_APPLICATION (user_data);
  GtkWidget *preferences = fovea_preferences_window_new (self->settings);

  gtk_window_set_transient_for (GTK_WINDOW (preferences),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (preferences));
}

/* A component Fovea links with and its licence, for the About window. */
typedef struct {
  const char *name;
  GtkLicense  license;
  /* For GTK_LICENSE_CUSTOM: the licence's name and where to read it. */
  const char *custom_name;
  const char *custom_url;
} Component;

static const Component components[] = {
  { "GTK", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "libadwaita", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "GLib", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "JSON-GLib", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "Pango", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "gdk-pixbuf", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "libexif", GTK_LICENSE_LGPL_2_1, NULL, NULL },
  { "OpenBLAS", GTK_LICENSE_BSD_3, NULL, NULL },
  { "DCMTK", GTK_LICENSE_BSD_3, NULL, NULL },
  { "Cairo", GTK_LICENSE_CUSTOM, "LGPL-2.1 / MPL-1.1",
    "https://www.cairographics.org/COPYING/" },
  { "libpng", GTK_LICENSE_CUSTOM, "libpng-2.0",
    "https://spdx.org/licenses/libpng-2.0.html" },
  { "libjpeg-turbo", GTK_LICENSE_CUSTOM, "IJG / BSD-3-Clause / Zlib",
    "https://github.com/libjpeg-turbo/libjpeg-turbo/blob/main/LICENSE.md" },
  { "LibTIFF", GTK_LICENSE_CUSTOM, "libtiff",
    "https://spdx.org/licenses/libtiff.html" },
};

static void
add_component_licenses (AdwAboutWindow *about)
{
  for (guint i = 0; i < G_N_ELEMENTS (components); i++)
    {
      const Component *component = &components[i];
      g_autofree char *text = NULL;

      if (component->license == GTK_LICENSE_CUSTOM)
        /* Translators: a link: the licence's address, then its name. */
        text = g_strdup_printf (_("Distributed under the <a href=\"%s\">%s</a> licence."),
                                component->custom_url, component->custom_name);
      adw_about_window_add_legal_section (about, component->name, NULL,
                                          component->license, text);
    }
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  static const char *data_sets[] = {
    "DRIVE (Staal et al., IEEE TMI 2004) https://drive.grand-challenge.org/",
    "OCTA-500 (Li et al.) https://ieee-dataport.org/open-access/octa-500",
    "MedMNIST v2 (Yang et al., CC BY 4.0) https://medmnist.com/",
    NULL
  };
  static const char *methods[] = {
    "MeLo (Zhu et al., ISBI 2024) https://absterzhu.github.io/melo.github.io/",
    NULL
  };
  AdwAboutWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (application),
                        "application-icon", FOVEA_APPLICATION_ID,
                        "application-name", _("Fovea"),
                        "developer-name", _("The Fovea developers"),
                        "version", FOVEA_VERSION,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "comments", _("Review retinal fundus photographs, dermoscopy images "
                                      "and OCT angiography scans.\n\n"
                                      "Fovea is research software. It does not make a "
                                      "diagnosis: all of its outputs require clinician review."),
                        /* Translators: your names, one per line. */
                        "translator-credits", _("translator-credits"),
                        NULL);
  adw_about_window_add_acknowledgement_section (about, _("Data Sets"), data_sets);
  adw_about_window_add_acknowledgement_section (about, _("Methods"), methods);
  add_component_licenses (about);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action_cb },
  { .name = "about", .activate = about_action_cb },
  { .name = "preferences", .activate = preferences_action_cb },
};

static void
fovea_application_startup (GApplication *application)
{
  FoveaApplication *self = FOVEA_APPLICATION (application);
  static const char *quit_accels[] = { "<primary>q", NULL };
  static const char *open_accels[] = { "<primary>o", NULL };
  static const char *preferences_accels[] = { "<primary>comma", NULL };

  G_APPLICATION_CLASS (fovea_application_parent_class)->startup (application);

  self->settings = load_settings ();
  if (self->settings != NULL)
    g_signal_connect_swapped (self->settings, "changed::color-scheme",
                              G_CALLBACK (color_scheme_changed_cb), self);
  apply_color_scheme (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  /* Without the schema there is nothing for Preferences to change. */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                            "preferences")),
                               self->settings != NULL);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
}

static void
fovea_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (get_or_create_window (FOVEA_APPLICATION (application))));
}

static void
fovea_application_open (GApplication  *application,
                        GFile        **files,
                        int            n_files,
                        const char    *hint)
{
  FoveaWindow *window = get_or_create_window (FOVEA_APPLICATION (application));

  fovea_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static void
fovea_application_dispose (GObject *object)
{
  FoveaApplication *self = FOVEA_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (fovea_application_parent_class)->dispose (object);
}

static void
fovea_application_class_init (FoveaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = fovea_application_dispose;

  application_class->startup = fovea_application_startup;
  application_class->activate = fovea_application_activate;
  application_class->open = fovea_application_open;
}

static void
fovea_application_init (FoveaApplication *self)
{
}

FoveaApplication *
fovea_application_new (GApplicationFlags extra_flags)
{
  return g_object_new (FOVEA_TYPE_APPLICATION,
                       "application-id", FOVEA_APPLICATION_ID,
                       "flags", extra_flags | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/fovea/Fovea",
                       NULL);
}

GSettings *
fovea_application_get_settings (FoveaApplication *self)
{
  g_return_val_if_fail (FOVEA_IS_APPLICATION (self), NULL);

  return self->settings;
}
