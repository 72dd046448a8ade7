/* fovea-batch-view.c: the window showing a folder being graded.
 *
 * The table is a GtkColumnView over job rows → GtkFilterListModel (the
 * search text and the row kind) → GtkSortListModel (the column view's own
 * sorter, so clicking a header sorts) → GtkSingleSelection. */
#define G_LOG_DOMAIN "fovea-batch-view"

#include "config.h"

#include "fovea-batch-view-private.h"

#include <glib/gi18n.h>

#include "fovea-batch-row.h"
#include "fovea-patient-summary.h"
#include "fovea-report.h"
#include "fovea-visible-text.h"

struct _FoveaBatchView
{
  AdwWindow           parent_instance;

  FoveaBatchJob      *job;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkFilterListModel *errors_model;
  GtkStringFilter    *search_filter;
  GtkCustomFilter    *kind_filter;
  FoveaBatchFilter    kind;
  GCancellable       *cancellable;

  /* Template widgets */
  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkProgressBar     *progress_bar;
  GtkLabel           *progress_label;
  GtkLabel           *status_label;
  GtkSearchEntry     *search_entry;
  GtkDropDown        *filter_dropdown;
  GtkColumnView      *column_view;
  GtkExpander        *errors_expander;
  GtkListBox         *errors_list;
};

G_DEFINE_FINAL_TYPE (FoveaBatchView, fovea_batch_view, ADW_TYPE_WINDOW)

enum {
  SIGNAL_OPEN_FILE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  COLUMN_STRING,
  COLUMN_NUMBER,
} ColumnKind;

typedef struct {
  const char *id;
  const char *title;        /* translated when shown */
  const char *sort_property;
  ColumnKind  sort_kind;
  gboolean    expand;
} Column;

static const Column columns[] = {
  { "file",       N_("File"),       "file",       COLUMN_STRING, TRUE },
  { "patient",    N_("Patient"),    "patient",    COLUMN_STRING, FALSE },
  { "eye",        N_("Eye"),        "eye",        COLUMN_STRING, FALSE },
  { "quality",    N_("Quality"),    "quality",    COLUMN_STRING, FALSE },
  { "grade",      N_("Grade"),      "grade",      COLUMN_NUMBER, FALSE },
  { "referable",  N_("Referable"),  "referable",  COLUMN_STRING, FALSE },
  { "confidence", N_("Confidence"), "confidence", COLUMN_NUMBER, FALSE },
  { "error",      N_("Error"),      "error",      COLUMN_STRING, TRUE },
};

static void
show_toast (FoveaBatchView *self,
            const char     *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static const char *
get_cell_text (FoveaBatchRow *row,
               const char    *id)
{
  const FoveaGradeRecord *record = fovea_batch_row_get_record (row);

  if (g_str_equal (id, "file"))
    return fovea_batch_row_get_file (row);
  if (g_str_equal (id, "patient"))
    return record->patient_id != NULL ? record->patient_id : "";
  if (g_str_equal (id, "eye"))
    return record->eye != NULL ? record->eye : "";
  if (g_str_equal (id, "quality"))
    return fovea_batch_row_get_quality (row);
  if (g_str_equal (id, "grade"))
    return fovea_batch_row_get_grade_text (row);
  if (g_str_equal (id, "referable"))
    return fovea_batch_row_get_referable_text (row);
  if (g_str_equal (id, "confidence"))
    return fovea_batch_row_get_confidence_text (row);
  return record->error != NULL ? record->error : "";
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  const Column *column = user_data;
  FoveaBatchRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  /* Cells hold data (file names, patient IDs): hidden characters escaped. */
  g_autofree char *text = fovea_visible_text (get_cell_text (row, column->id),
                                              FOVEA_VISIBLE_TEXT_ESCAPE_ALL);

  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (label, text[0] != '\0' ? text : NULL);
  if (g_str_equal (column->id, "error") && text[0] != '\0')
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
}

static void
add_columns (FoveaBatchView *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      const Column *column = &columns[i];
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *view_column;
      GtkExpression *expression;
      GtkSorter *sorter;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), (gpointer) column);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), (gpointer) column);
      view_column = gtk_column_view_column_new (_(column->title), factory);
      /* gtk_column_view_column_set_id() is GTK 4.10. */
      g_object_set_data (G_OBJECT (view_column), "fovea-column-id", (gpointer) column->id);
      gtk_column_view_column_set_resizable (view_column, TRUE);
      gtk_column_view_column_set_expand (view_column, column->expand);

      expression = gtk_property_expression_new (FOVEA_TYPE_BATCH_ROW, NULL, column->sort_property);
      if (column->sort_kind == COLUMN_NUMBER)
        sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
      else
        sorter = GTK_SORTER (gtk_string_sorter_new (expression));
      gtk_column_view_column_set_sorter (view_column, sorter);
      g_object_unref (sorter);

      gtk_column_view_append_column (self->column_view, view_column);
      g_object_unref (view_column);
    }
}

static gboolean
kind_filter_cb (gpointer item,
                gpointer user_data)
{
  FoveaBatchView *self = user_data;
  const FoveaGradeRecord *record = fovea_batch_row_get_record (FOVEA_BATCH_ROW (item));

  switch (self->kind)
    {
    case FOVEA_BATCH_FILTER_REFERABLE:
      return record->error == NULL && record->quality.gradable &&
             record->has_referable && record->referable;
    case FOVEA_BATCH_FILTER_UNGRADABLE:
      return record->error == NULL && !record->quality.gradable;
    case FOVEA_BATCH_FILTER_FAILED:
      return record->error != NULL;
    case FOVEA_BATCH_FILTER_ALL:
    default:
      return TRUE;
    }
}

static gboolean
has_error_cb (gpointer item,
              gpointer user_data)
{
  return fovea_batch_row_get_record (FOVEA_BATCH_ROW (item))->error != NULL;
}

static GtkWidget *
create_error_row_cb (gpointer item,
                     gpointer user_data)
{
  FoveaBatchRow *row = item;
  AdwActionRow *action_row = ADW_ACTION_ROW (adw_action_row_new ());
  g_autofree char *title = g_markup_escape_text (fovea_batch_row_get_file (row), -1);
  g_autofree char *subtitle = g_markup_escape_text (fovea_batch_row_get_record (row)->error, -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (action_row), title);
  adw_action_row_set_subtitle (action_row, subtitle);
  return GTK_WIDGET (action_row);
}

static void
update_errors (FoveaBatchView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->errors_model));
  g_autofree char *label = g_strdup_printf (ngettext ("%u File Failed", "%u Files Failed", n), n);

  gtk_expander_set_label (self->errors_expander, label);
  gtk_widget_set_visible (GTK_WIDGET (self->errors_expander), n > 0);
}

/* "2 patients, 1 referable (worst eye)" over the rows, or NULL when no
 * row names a patient. */
static char *
dup_patient_counts (FoveaBatchView *self)
{
  GListModel *rows = fovea_batch_job_get_rows (self->job);
  guint n_rows = g_list_model_get_n_items (rows);
  g_autoptr(GPtrArray) records = g_ptr_array_new_full (n_rows, g_object_unref);
  g_autoptr(GPtrArray) pointers = g_ptr_array_sized_new (n_rows);
  guint n_patients = 0, n_referable = 0;

  for (guint i = 0; i < n_rows; i++)
    {
      FoveaBatchRow *row = g_list_model_get_item (rows, i);

      g_ptr_array_add (records, row);
      g_ptr_array_add (pointers, (gpointer) fovea_batch_row_get_record (row));
    }
  g_autoptr(GPtrArray) summaries =
    fovea_patient_summarise ((FoveaGradeRecord *const *) pointers->pdata, pointers->len);
  if (summaries->len == 0)
    return NULL;
  fovea_patient_summary_count (summaries, &n_patients, &n_referable);
  return g_strdup_printf (ngettext ("%u patient, %u referable (worst eye)",
                                    "%u patients, %u referable (worst eye)", n_patients),
                          n_patients, n_referable);
}

static void
update_progress (FoveaBatchView *self)
{
  g_autofree char *text = fovea_batch_job_dup_progress_text (self->job);
  gboolean running = fovea_batch_job_get_running (self->job);
  const char *message = NULL;
  g_autofree char *finished = NULL;

  gtk_progress_bar_set_fraction (self->progress_bar, fovea_batch_job_get_fraction (self->job));
  gtk_label_set_text (self->progress_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "batch.cancel", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "batch.export-summary",
                                 !running && g_list_model_get_n_items (fovea_batch_job_get_rows (self->job)) > 0);

  if (!running && fovea_batch_job_get_error_message (self->job) != NULL)
    message = fovea_batch_job_get_error_message (self->job);
  else if (!running && fovea_batch_job_get_cancelled (self->job))
    message = _("Cancelled. The rows graded before stay below.");
  else if (!running && fovea_batch_job_get_progress (self->job)->n_total > 0)
    {
      const FoveaBatchProgress *p = fovea_batch_job_get_progress (self->job);

      g_autofree char *counts = g_strdup_printf (_("Finished: %u files, %u ungradable, %u failed."),
                                                 p->n_done, p->n_ungradable, p->n_failed);
      g_autofree char *patients = dup_patient_counts (self);

      finished = patients != NULL ? g_strdup_printf ("%s %s", counts, patients)
                                  : g_steal_pointer (&counts);
      message = finished;
    }
  gtk_label_set_text (self->status_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), message != NULL);
}

static void
job_changed_cb (FoveaBatchView *self)
{
  update_progress (self);
}

static void
search_changed_cb (FoveaBatchView *self)
{
  gtk_string_filter_set_search (self->search_filter,
                                gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
filter_changed_cb (FoveaBatchView *self)
{
  FoveaBatchFilter kind = (FoveaBatchFilter) gtk_drop_down_get_selected (self->filter_dropdown);

  if (kind > FOVEA_BATCH_FILTER_FAILED)
    kind = FOVEA_BATCH_FILTER_ALL;
  if (kind == self->kind)
    return;
  self->kind = kind;
  gtk_filter_changed (GTK_FILTER (self->kind_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
column_view_activate_cb (FoveaBatchView *self,
                         guint           position)
{
  g_autoptr(FoveaBatchRow) row = g_list_model_get_item (G_LIST_MODEL (self->sort_model), position);
  g_autoptr(GFile) file = NULL;

  if (row == NULL)
    return;
  file = g_file_new_for_path (fovea_batch_row_get_record (row)->path);
  g_signal_emit (self, signals[SIGNAL_OPEN_FILE], 0, file);
}

static void
cancel_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  fovea_batch_job_cancel (FOVEA_BATCH_VIEW (widget)->job);
}

/* The batch summary, written off the main thread. */
typedef struct {
  GPtrArray *rows;   /* FoveaBatchRow*, references */
  char      *path;
} SummaryJob;

static void
summary_job_free (SummaryJob *job)
{
  g_ptr_array_unref (job->rows);
  g_free (job->path);
  g_free (job);
}

static void
write_summary_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  SummaryJob *job = task_data;
  g_autofree FoveaGradeRecord **records = g_new (FoveaGradeRecord *, job->rows->len + 1);
  GError *error = NULL;

  for (guint i = 0; i < job->rows->len; i++)
    records[i] = (FoveaGradeRecord *) fovea_batch_row_get_record (job->rows->pdata[i]);
  if (fovea_report_write_batch ((FoveaGradeRecord * const *) records, job->rows->len, NULL,
                                job->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
write_summary_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  FoveaBatchView *self = FOVEA_BATCH_VIEW (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  show_toast (self, _("Summary report written"));
}

static void
summary_chooser_response_cb (GtkNativeDialog *chooser,
                             int              response,
                             FoveaBatchView  *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL)
    return;

  GListModel *rows = fovea_batch_job_get_rows (self->job);
  SummaryJob *job = g_new0 (SummaryJob, 1);
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, write_summary_done_cb, NULL);

  job->rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    g_ptr_array_add (job->rows, g_list_model_get_item (rows, i));
  job->path = g_file_get_path (file);
  g_task_set_source_tag (task, summary_chooser_response_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) summary_job_free);
  g_task_run_in_thread (task, write_summary_thread);
}

static void
export_summary_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  FoveaBatchView *self = FOVEA_BATCH_VIEW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export Summary Report"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "batch-summary.pdf");
  g_signal_connect (chooser, "response", G_CALLBACK (summary_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
fovea_batch_view_dispose (GObject *object)
{
  FoveaBatchView *self = FOVEA_BATCH_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_BATCH_VIEW);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->errors_model);
  g_clear_object (&self->search_filter);
  g_clear_object (&self->kind_filter);
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (fovea_batch_view_parent_class)->dispose (object);
}

static void
fovea_batch_view_class_init (FoveaBatchViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_batch_view_dispose;

  /* A row was activated: its image should be opened for review. */
  signals[SIGNAL_OPEN_FILE] =
    g_signal_new ("open-file", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);

  gtk_widget_class_install_action (widget_class, "batch.cancel", NULL, cancel_action_cb);
  gtk_widget_class_install_action (widget_class, "batch.export-summary", NULL,
                                   export_summary_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-batch-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, window_title);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, progress_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, status_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, column_view);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, errors_expander);
  gtk_widget_class_bind_template_child (widget_class, FoveaBatchView, errors_list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, column_view_activate_cb);
}

static void
fovea_batch_view_init (FoveaBatchView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  add_columns (self);
}

FoveaBatchView *
fovea_batch_view_new (FoveaBatchJob *job,
                      GtkWindow     *parent)
{
  FoveaBatchView *self;
  GtkEveryFilter *filter;
  GtkSingleSelection *selection;
  GtkCustomFilter *errors_filter;

  g_return_val_if_fail (FOVEA_IS_BATCH_JOB (job), NULL);

  self = g_object_new (FOVEA_TYPE_BATCH_VIEW, "transient-for", parent, NULL);
  self->job = g_object_ref (job);
  adw_window_title_set_subtitle (self->window_title, fovea_batch_job_get_folder (job));

  self->search_filter = gtk_string_filter_new (gtk_property_expression_new (FOVEA_TYPE_BATCH_ROW, NULL,
                                                                            "search-text"));
  gtk_string_filter_set_match_mode (self->search_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->search_filter, TRUE);
  self->kind_filter = gtk_custom_filter_new (kind_filter_cb, self, NULL);
  filter = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->search_filter)));
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->kind_filter)));

  self->filter_model = gtk_filter_list_model_new (g_object_ref (fovea_batch_job_get_rows (job)),
                                                  GTK_FILTER (filter));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_single_selection_set_can_unselect (selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  errors_filter = gtk_custom_filter_new (has_error_cb, NULL, NULL);
  self->errors_model = gtk_filter_list_model_new (g_object_ref (fovea_batch_job_get_rows (job)),
                                                  GTK_FILTER (errors_filter));
  gtk_list_box_bind_model (self->errors_list, G_LIST_MODEL (self->errors_model),
                           create_error_row_cb, NULL, NULL);
  g_signal_connect_object (self->errors_model, "items-changed",
                           G_CALLBACK (update_errors), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (job, "notify::progress", G_CALLBACK (job_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (job, "notify::running", G_CALLBACK (job_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (fovea_batch_job_get_rows (job), "items-changed",
                           G_CALLBACK (job_changed_cb), self, G_CONNECT_SWAPPED);
  update_progress (self);
  update_errors (self);
  return self;
}

GListModel *
fovea_batch_view_get_shown_rows (FoveaBatchView *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_VIEW (self), NULL);
  return G_LIST_MODEL (self->sort_model);
}

GtkColumnView *
fovea_batch_view_get_column_view (FoveaBatchView *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_VIEW (self), NULL);
  return self->column_view;
}

GtkListBox *
fovea_batch_view_get_errors_list (FoveaBatchView *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_VIEW (self), NULL);
  return self->errors_list;
}

void
fovea_batch_view_set_search (FoveaBatchView *self,
                             const char     *text)
{
  g_return_if_fail (FOVEA_IS_BATCH_VIEW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  /* Not waiting for the entry's search delay. */
  search_changed_cb (self);
}

void
fovea_batch_view_set_filter (FoveaBatchView   *self,
                             FoveaBatchFilter  filter)
{
  g_return_if_fail (FOVEA_IS_BATCH_VIEW (self));
  gtk_drop_down_set_selected (self->filter_dropdown, filter);
}

void
fovea_batch_view_sort_by (FoveaBatchView *self,
                          const char     *column_id,
                          GtkSortType     direction)
{
  GListModel *view_columns;

  g_return_if_fail (FOVEA_IS_BATCH_VIEW (self));

  view_columns = gtk_column_view_get_columns (self->column_view);
  for (guint i = 0; i < g_list_model_get_n_items (view_columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (view_columns, i);

      if (g_strcmp0 (g_object_get_data (G_OBJECT (column), "fovea-column-id"), column_id) == 0)
        {
          gtk_column_view_sort_by_column (self->column_view, column, direction);
          return;
        }
    }
  g_return_if_reached ();
}

const char *
fovea_batch_view_get_progress_text (FoveaBatchView *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_VIEW (self), NULL);
  return gtk_label_get_text (self->progress_label);
}
