/* fovea-preferences-window.c: the Preferences window.
 *
 * Every row is bound to its key with g_settings_bind(), so a change
 * written anywhere shows here and a change made here takes effect at once
 * (the application applies color-scheme itself). */
#define G_LOG_DOMAIN "fovea-preferences-window"

#include "config.h"

#include "fovea-preferences-window.h"

#include <glib/gi18n.h>

struct _FoveaPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GtkFileChooserNative *folder_chooser;

  /* Template widgets */
  AdwComboRow          *style_row;
  AdwActionRow         *models_folder_row;
  GtkButton            *clear_folder_button;
  AdwComboRow          *referral_row;
  GtkScale             *opacity_scale;
  GtkAdjustment        *opacity_adjustment;
};

G_DEFINE_FINAL_TYPE (FoveaPreferencesWindow, fovea_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The color-scheme nicks in the order of the style row's items. */
static const char * const style_nicks[] = { "dark", "light", "follow" };

#define MODELS_FOLDER_KEY "models-folder"

static gboolean
style_from_setting (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (style_nicks); i++)
    if (g_str_equal (nick, style_nicks[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
style_to_setting (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i >= G_N_ELEMENTS (style_nicks))
    return NULL;
  return g_variant_new_string (style_nicks[i]);
}

/* The referral row lists grades 1 to 4: index = grade − 1. */
static gboolean
grade_from_setting (GValue   *value,
                    GVariant *variant,
                    gpointer  user_data)
{
  g_value_set_uint (value, (guint) (g_variant_get_int32 (variant) - 1));
  return TRUE;
}

static GVariant *
grade_to_setting (const GValue       *value,
                  const GVariantType *expected_type,
                  gpointer            user_data)
{
  guint i = g_value_get_uint (value);

  if (i > 3)
    return NULL;
  return g_variant_new_int32 ((gint32) i + 1);
}

static gboolean
folder_subtitle_from_setting (GValue   *value,
                              GVariant *variant,
                              gpointer  user_data)
{
  const char *path = g_variant_get_string (variant, NULL);

  if (path[0] == '\0')
    /* Translators: no additional models folder is set. */
    g_value_set_string (value, _("None"));
  else
    g_value_take_string (value, g_filename_display_name (path));
  return TRUE;
}

static gboolean
folder_is_set_from_setting (GValue   *value,
                            GVariant *variant,
                            gpointer  user_data)
{
  g_value_set_boolean (value, g_variant_get_string (variant, NULL)[0] != '\0');
  return TRUE;
}

static char *
format_opacity_cb (GtkScale *scale,
                   double    value,
                   gpointer  user_data)
{
  /* Translators: an opacity as a percentage, e.g. "50 %". */
  return g_strdup_printf (_("%.0f %%"), value * 100.0);
}

static void
folder_chooser_response_cb (FoveaPreferencesWindow *self,
                            int                     response,
                            GtkFileChooserNative   *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      /* Only local folders: the engine memory-maps the weights. */
      if (path != NULL)
        g_settings_set_string (self->settings, MODELS_FOLDER_KEY, path);
    }
  g_clear_object (&self->folder_chooser);
}

static void
choose_folder_button_clicked_cb (FoveaPreferencesWindow *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, MODELS_FOLDER_KEY);

  if (self->folder_chooser != NULL)
    return;

  self->folder_chooser = gtk_file_chooser_native_new (_("Choose a Models Folder"),
                                                      GTK_WINDOW (self),
                                                      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                      _("_Select"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->folder_chooser), TRUE);
  if (current[0] != '\0')
    {
      g_autoptr(GFile) folder = g_file_new_for_path (current);
      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->folder_chooser), folder, NULL);
    }
  g_signal_connect_swapped (self->folder_chooser, "response",
                            G_CALLBACK (folder_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->folder_chooser));
}

static void
clear_folder_button_clicked_cb (FoveaPreferencesWindow *self)
{
  g_settings_reset (self->settings, MODELS_FOLDER_KEY);
}

/* models-folder is optional in the schema while it is being introduced:
 * without it the row is hidden rather than binding a missing key. */
static void
bind_models_folder (FoveaPreferencesWindow *self)
{
  g_autoptr(GSettingsSchema) schema = NULL;

  g_object_get (self->settings, "settings-schema", &schema, NULL);
  if (!g_settings_schema_has_key (schema, MODELS_FOLDER_KEY))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->models_folder_row), FALSE);
      return;
    }
  g_settings_bind_with_mapping (self->settings, MODELS_FOLDER_KEY,
                                self->models_folder_row, "subtitle", G_SETTINGS_BIND_GET,
                                folder_subtitle_from_setting, NULL, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, MODELS_FOLDER_KEY,
                                self->clear_folder_button, "sensitive", G_SETTINGS_BIND_GET,
                                folder_is_set_from_setting, NULL, NULL, NULL);
}

static void
fovea_preferences_window_constructed (GObject *object)
{
  FoveaPreferencesWindow *self = FOVEA_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (fovea_preferences_window_parent_class)->constructed (object);

  g_settings_bind_with_mapping (self->settings, "color-scheme",
                                self->style_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                style_from_setting, style_to_setting, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "referral-min-grade",
                                self->referral_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                grade_from_setting, grade_to_setting, NULL, NULL);
  g_settings_bind (self->settings, "default-overlay-opacity",
                   self->opacity_adjustment, "value", G_SETTINGS_BIND_DEFAULT);
  bind_models_folder (self);
}

static void
fovea_preferences_window_dispose (GObject *object)
{
  FoveaPreferencesWindow *self = FOVEA_PREFERENCES_WINDOW (object);

  if (self->folder_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
  g_clear_object (&self->folder_chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (fovea_preferences_window_parent_class)->dispose (object);
}

static void
fovea_preferences_window_finalize (GObject *object)
{
  FoveaPreferencesWindow *self = FOVEA_PREFERENCES_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (fovea_preferences_window_parent_class)->finalize (object);
}

static void
fovea_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  FoveaPreferencesWindow *self = FOVEA_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_preferences_window_class_init (FoveaPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = fovea_preferences_window_constructed;
  object_class->dispose = fovea_preferences_window_dispose;
  object_class->finalize = fovea_preferences_window_finalize;
  object_class->set_property = fovea_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, style_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, models_folder_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, clear_folder_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, referral_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, FoveaPreferencesWindow, opacity_adjustment);
  gtk_widget_class_bind_template_callback (widget_class, choose_folder_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, clear_folder_button_clicked_cb);
}

static void
fovea_preferences_window_init (FoveaPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_scale_set_format_value_func (self->opacity_scale, format_opacity_cb, NULL, NULL);
}

GtkWidget *
fovea_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (FOVEA_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}
