/* fovea-batch-dialog.c: File → Grade Folder…: folder, subfolders, tasks. */
#define G_LOG_DOMAIN "fovea-batch-dialog"

#include "config.h"

#include "fovea-batch-dialog-private.h"

#include <glib/gi18n.h>

struct _FoveaBatchDialog
{
  AdwWindow               parent_instance;

  FoveaModelCatalog      *catalog;
  char                   *folder;
  /* Parallel: the tick box of each offered task, its task and model. */
  GPtrArray              *checks;
  GPtrArray              *tasks;
  GPtrArray              *models;

  /* Template widgets */
  AdwActionRow           *folder_row;
  GtkSwitch              *recursive_switch;
  AdwPreferencesGroup    *tasks_group;
  GtkLabel               *hint_label;
};

G_DEFINE_FINAL_TYPE (FoveaBatchDialog, fovea_batch_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_GRADE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GPtrArray *
fovea_batch_dialog_dup_tasks (FoveaBatchDialog         *self,
                              const FoveaCatalogModel **out_model)
{
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();
  const FoveaCatalogModel *model = NULL;

  g_return_val_if_fail (FOVEA_IS_BATCH_DIALOG (self), NULL);

  if (out_model != NULL)
    *out_model = NULL;
  for (guint i = 0; i < self->checks->len; i++)
    {
      if (!gtk_check_button_get_active (self->checks->pdata[i]))
        continue;
      if (model != NULL && model != self->models->pdata[i])
        return NULL;
      model = self->models->pdata[i];
      g_ptr_array_add (tasks, self->tasks->pdata[i]);
    }
  if (tasks->len == 0)
    return NULL;
  if (out_model != NULL)
    *out_model = model;
  return g_steal_pointer (&tasks);
}

static void
update_state (FoveaBatchDialog *self)
{
  g_autoptr(GPtrArray) tasks = fovea_batch_dialog_dup_tasks (self, NULL);
  guint n_ticked = 0;
  const char *hint = "";

  for (guint i = 0; i < self->checks->len; i++)
    n_ticked += gtk_check_button_get_active (self->checks->pdata[i]);

  if (self->checks->len == 0)
    hint = _("No usable model is installed. Add one in Preferences.");
  else if (self->folder == NULL)
    hint = _("Choose a folder of images.");
  else if (n_ticked == 0)
    hint = _("Choose at least one task.");
  else if (tasks == NULL)
    hint = _("Choose tasks of one model only.");
  gtk_label_set_text (self->hint_label, hint);
  gtk_widget_set_visible (GTK_WIDGET (self->hint_label), hint[0] != '\0');
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dialog.grade",
                                 self->folder != NULL && tasks != NULL);
}

static void
check_toggled_cb (FoveaBatchDialog *self)
{
  update_state (self);
}

static void
add_task_rows (FoveaBatchDialog *self)
{
  if (self->catalog == NULL)
    return;

  for (guint m = 0; m < fovea_model_catalog_get_n_models (self->catalog); m++)
    {
      const FoveaCatalogModel *model = fovea_model_catalog_get_model (self->catalog, m);

      if (model->error != NULL)
        continue;
      for (guint t = 0; t < model->tasks->len; t++)
        {
          const FoveaCatalogTask *task = model->tasks->pdata[t];
          AdwActionRow *row;
          GtkWidget *check;
          g_autofree char *title = NULL;
          g_autofree char *subtitle = NULL;

          if (task->error != NULL)
            continue;
          title = g_markup_escape_text (task->card != NULL && task->card->title != NULL
                                        ? task->card->title : task->name, -1);
          if (task->card != NULL)
            subtitle = g_markup_printf_escaped ("%s · %s", task->name, model->name);
          else
            subtitle = g_markup_printf_escaped (_("%s · %s · uncalibrated raw output"),
                                                task->name, model->name);
          row = ADW_ACTION_ROW (adw_action_row_new ());
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
          adw_action_row_set_subtitle (row, subtitle);
          check = gtk_check_button_new ();
          gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
          adw_action_row_add_prefix (row, check);
          adw_action_row_set_activatable_widget (row, check);
          g_signal_connect_object (check, "toggled", G_CALLBACK (check_toggled_cb), self,
                                   G_CONNECT_SWAPPED);
          adw_preferences_group_add (self->tasks_group, GTK_WIDGET (row));
          g_ptr_array_add (self->checks, check);
          g_ptr_array_add (self->tasks, (gpointer) task);
          g_ptr_array_add (self->models, (gpointer) model);
        }
    }
}

static void
folder_chooser_response_cb (GtkNativeDialog  *chooser,
                            int               response,
                            FoveaBatchDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        fovea_batch_dialog_set_folder (self, path);
    }
  g_object_unref (chooser);
}

static void
choose_folder_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  FoveaBatchDialog *self = FOVEA_BATCH_DIALOG (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose a Folder to Grade"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
grade_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  FoveaBatchDialog *self = FOVEA_BATCH_DIALOG (widget);

  g_signal_emit (self, signals[SIGNAL_GRADE], 0);
  gtk_window_close (GTK_WINDOW (self));
}

static void
fovea_batch_dialog_dispose (GObject *object)
{
  FoveaBatchDialog *self = FOVEA_BATCH_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_BATCH_DIALOG);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  g_clear_pointer (&self->folder, g_free);

  G_OBJECT_CLASS (fovea_batch_dialog_parent_class)->dispose (object);
}

static void
fovea_batch_dialog_class_init (FoveaBatchDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_batch_dialog_dispose;

  /* "Grade" was pressed: read the folder, subfolders and tasks. */
  signals[SIGNAL_GRADE] =
    g_signal_new ("grade", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "dialog.choose-folder", NULL, choose_folder_action_cb);
  gtk_widget_class_install_action (widget_class, "dialog.grade", NULL, grade_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-batch-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchDialog, recursive_switch);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchDialog, tasks_group);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchDialog, hint_label);
}

static void
fovea_batch_dialog_init (FoveaBatchDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->checks = g_ptr_array_new ();
  self->tasks = g_ptr_array_new ();
  self->models = g_ptr_array_new ();
}

FoveaBatchDialog *
fovea_batch_dialog_new (GtkWindow         *parent,
                        FoveaModelCatalog *catalog)
{
  FoveaBatchDialog *self = g_object_new (FOVEA_TYPE_BATCH_DIALOG, "transient-for", parent, NULL);

  if (catalog != NULL)
    self->catalog = fovea_model_catalog_ref (catalog);
  add_task_rows (self);
  /* With a single task on offer there is nothing to choose. */
  if (self->checks->len == 1)
    gtk_check_button_set_active (self->checks->pdata[0], TRUE);
  update_state (self);
  return self;
}

void
fovea_batch_dialog_set_folder (FoveaBatchDialog *self,
                               const char       *folder)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (FOVEA_IS_BATCH_DIALOG (self));

  g_free (self->folder);
  self->folder = g_strdup (folder);
  escaped = g_markup_escape_text (folder != NULL ? folder : _("None chosen"), -1);
  adw_action_row_set_subtitle (self->folder_row, escaped);
  update_state (self);
}

const char *
fovea_batch_dialog_get_folder (FoveaBatchDialog *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_DIALOG (self), NULL);
  return self->folder;
}

void
fovea_batch_dialog_set_recursive (FoveaBatchDialog *self,
                                  gboolean          recursive)
{
  g_return_if_fail (FOVEA_IS_BATCH_DIALOG (self));
  gtk_switch_set_active (self->recursive_switch, recursive);
}

gboolean
fovea_batch_dialog_get_recursive (FoveaBatchDialog *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_DIALOG (self), FALSE);
  return gtk_switch_get_active (self->recursive_switch);
}

gboolean
fovea_batch_dialog_select_task (FoveaBatchDialog *self,
                                const char       *name,
                                gboolean          selected)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_DIALOG (self), FALSE);

  for (guint i = 0; i < self->tasks->len; i++)
    {
      const FoveaCatalogTask *task = self->tasks->pdata[i];

      if (g_str_equal (task->name, name))
        {
          gtk_check_button_set_active (self->checks->pdata[i], selected);
          return TRUE;
        }
    }
  return FALSE;
}
