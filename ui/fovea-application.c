/* fovea-application.c: the application object: actions, accelerators,
 * settings, and opening files given on the command line. */
#include "config.h"

#include "fovea-application.h"

#include <glib/gi18n.h>

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

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *application = GTK_APPLICATION (user_data);
  GtkWidget *about;

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
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action_cb },
  { .name = "about", .activate = about_action_cb },
};

static void
fovea_application_startup (GApplication *application)
{
  FoveaApplication *self = FOVEA_APPLICATION (application);
  static const char *quit_accels[] = { "<primary>q", NULL };
  static const char *open_accels[] = { "<primary>o", NULL };

  G_APPLICATION_CLASS (fovea_application_parent_class)->startup (application);

  self->settings = load_settings ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.open", open_accels);
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
