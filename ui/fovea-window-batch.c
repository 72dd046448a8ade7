/* fovea-window-batch.c: batch grading from the review window: File →
 * Grade Folder…'s dialog, the job (which outlives its view, not the
 * window), its view, and the header bar's indicator, which follows the
 * job whichever view is open. */
#define G_LOG_DOMAIN "fovea-window-batch"

#include "config.h"

#include <glib/gi18n.h>

#include "fovea-window-private.h"

/* Batch grading: the header's indicator follows the job, whichever view
 * is open. */
void
fovea_window_update_batch_indicator (FoveaWindow *self)
{
  gboolean running = self->batch_job != NULL && fovea_batch_job_get_running (self->batch_job);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->batch_indicator, running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-batch", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.show-batch", self->batch_job != NULL);
  if (self->batch_job == NULL)
    return;
  const FoveaBatchProgress *progress = fovea_batch_job_get_progress (self->batch_job);
  text = g_strdup_printf ("%u / %u", progress->n_done, progress->n_total);
  gtk_label_set_text (self->batch_label, text);
  gtk_progress_bar_set_fraction (self->batch_progress, fovea_batch_job_get_fraction (self->batch_job));
}

static void
batch_job_changed_cb (FoveaWindow *self)
{
  fovea_window_update_batch_indicator (self);
}

static void
batch_job_running_cb (FoveaWindow *self)
{
  fovea_window_update_batch_indicator (self);
  if (fovea_batch_job_get_running (self->batch_job))
    return;
  if (fovea_batch_job_get_error_message (self->batch_job) != NULL)
    fovea_window_show_toast (self, fovea_batch_job_get_error_message (self->batch_job));
  else if (!fovea_batch_job_get_cancelled (self->batch_job))
    fovea_window_show_toast (self, _("Folder graded"));
}

static void
batch_view_open_file_cb (FoveaBatchView *view,
                         GFile          *file,
                         FoveaWindow    *self)
{
  fovea_window_open_files (self, &file, 1);
  gtk_window_present (GTK_WINDOW (self));
}

FoveaBatchView *
fovea_window_show_batch_view (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  if (self->batch_job == NULL)
    return NULL;
  if (self->batch_view == NULL)
    {
      self->batch_view = fovea_batch_view_new (self->batch_job, GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (self->batch_view), (gpointer *) &self->batch_view);
      g_signal_connect_object (self->batch_view, "open-file",
                               G_CALLBACK (batch_view_open_file_cb), self, 0);
    }
  gtk_window_present (GTK_WINDOW (self->batch_view));
  return self->batch_view;
}

FoveaBatchJob *
fovea_window_get_batch_job (FoveaWindow *self)
{
  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);
  return self->batch_job;
}

static gboolean
start_batch (FoveaWindow             *self,
             const FoveaCatalogModel *model,
             GPtrArray               *tasks,
             const char              *folder,
             gboolean                 recursive,
             gboolean                 paused)
{
  if (self->batch_job != NULL && fovea_batch_job_get_running (self->batch_job))
    {
      fovea_window_show_toast (self, _("A folder is already being graded"));
      return FALSE;
    }
  if (self->batch_job != NULL)
    g_signal_handlers_disconnect_by_data (self->batch_job, self);
  if (self->batch_view != NULL)
    gtk_window_destroy (GTK_WINDOW (self->batch_view));
  g_clear_object (&self->batch_job);

  self->batch_job = fovea_batch_job_new (self->catalog, model, tasks, folder, recursive);
  fovea_batch_job_set_paused (self->batch_job, paused);
  g_signal_connect_object (self->batch_job, "notify::progress",
                           G_CALLBACK (batch_job_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->batch_job, "notify::running",
                           G_CALLBACK (batch_job_running_cb), self, G_CONNECT_SWAPPED);
  fovea_batch_job_start (self->batch_job);
  fovea_window_show_batch_view (self);
  fovea_window_update_batch_indicator (self);
  return TRUE;
}

gboolean
fovea_window_start_batch (FoveaWindow        *self,
                          const char         *folder,
                          gboolean            recursive,
                          const char * const *task_names,
                          gboolean            paused)
{
  const FoveaCatalogModel *model = NULL;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new ();

  g_return_val_if_fail (FOVEA_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (folder != NULL && task_names != NULL, FALSE);

  for (guint n = 0; task_names[n] != NULL; n++)
    for (guint m = 0; self->catalog != NULL && m < fovea_model_catalog_get_n_models (self->catalog); m++)
      {
        const FoveaCatalogModel *candidate = fovea_model_catalog_get_model (self->catalog, m);

        if (candidate->error != NULL || (model != NULL && candidate != model))
          continue;
        for (guint t = 0; t < candidate->tasks->len; t++)
          {
            const FoveaCatalogTask *task = candidate->tasks->pdata[t];

            if (task->error == NULL && g_str_equal (task->name, task_names[n]))
              {
                model = candidate;
                g_ptr_array_add (tasks, (gpointer) task);
                break;
              }
          }
      }
  if (model == NULL || tasks->len != g_strv_length ((GStrv) task_names))
    return FALSE;
  return start_batch (self, model, tasks, folder, recursive, paused);
}

static void
batch_dialog_grade_cb (FoveaBatchDialog *dialog,
                       FoveaWindow      *self)
{
  const FoveaCatalogModel *model = NULL;
  g_autoptr(GPtrArray) tasks = fovea_batch_dialog_dup_tasks (dialog, &model);

  if (tasks == NULL || fovea_batch_dialog_get_folder (dialog) == NULL)
    return;
  start_batch (self, model, tasks, fovea_batch_dialog_get_folder (dialog),
               fovea_batch_dialog_get_recursive (dialog), FALSE);
}

FoveaBatchDialog *
fovea_window_show_batch_dialog (FoveaWindow *self)
{
  FoveaBatchDialog *dialog;

  g_return_val_if_fail (FOVEA_IS_WINDOW (self), NULL);

  dialog = fovea_batch_dialog_new (GTK_WINDOW (self), self->catalog);
  g_signal_connect_object (dialog, "grade", G_CALLBACK (batch_dialog_grade_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

void
fovea_window_dispose_batch (FoveaWindow *self)
{
  if (self->batch_job != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->batch_job, self);
      fovea_batch_job_cancel (self->batch_job);
    }
  if (self->batch_view != NULL)
    gtk_window_destroy (GTK_WINDOW (self->batch_view));
  g_clear_object (&self->batch_job);
}
