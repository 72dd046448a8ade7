/* test-batch-view.c: File → Grade Folder… and Export Report… in the real
 * application under Xvfb, with the tiny ViT fixture and a MeLo adapter:
 * a folder of samples and a broken file graded to N/N, its rows (quality,
 * grade, error) and error list, sorting and filtering the table, Cancel,
 * closing the view while the batch goes on (header progress), a row
 * opening its image, the dialog's choices, the per-patient counts, and a
 * PDF report of the shown analysis. Writes batch-view-running.png and batch-view-finished.png. */
#include "config.h"

#include <string.h>

#include "fovea-application.h"
#include "fovea-batch-dialog-private.h"
#include "fovea-batch-row.h"
#include "fovea-batch-view-private.h"
#include "fovea-display-test.h"
#include "fovea-results-panel-private.h"
#include "fovea-window-private.h"

static const char melo_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-7\","
  " \"title\": \"Fundus fixture (7 classes)\", \"kind\": \"classification\","
  " \"modality\": \"fundus\","
  " \"labels\": [\"c-zero\", \"c-one\", \"c-two\", \"c-three\", \"c-four\", \"c-five\", \"c-six\"],"
  " \"referral\": {\"rule\": \"c-two or c-five predicted\", \"labels\": [\"c-two\", \"c-five\"]},"
  " \"provenance\": {\"training_data\": \"none: random fixture weights\"},"
  " \"intended_use\": \"Tests of the batch view only.\", \"research_use_only\": true}";

static const char * const samples[] = {
  "fundus-healthy.png", "fundus-lesions.jpg", "fundus-blurred.jpg",
};
/* The samples and broken.jpg. */
#define N_FILES 4

static const char * const tasks[] = { "fundus-7", NULL };

static FoveaApplication *application;
static FoveaWindow *window;
static char *root;
static char *folder;

static gboolean
widget_shown (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static gboolean
job_finished (gpointer data)
{
  return !fovea_batch_job_get_running (data);
}

static gboolean
job_one_done (gpointer data)
{
  return fovea_batch_job_get_progress (data)->n_done >= 1;
}

static void
open_window (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  if (window != NULL)
    return;
  g_application_open (G_APPLICATION (application), &file, 1, "");
  window = FOVEA_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);
  fovea_display_test_wait_for_document (fovea_display_test_find_document (window, file));
  fovea_display_test_wait_for (widget_shown, window, "the window to be shown");
}

static FoveaBatchJob *
run_batch (gboolean paused)
{
  FoveaBatchJob *job;

  open_window ();
  g_assert_true (fovea_window_start_batch (window, folder, FALSE, tasks, paused));
  job = fovea_window_get_batch_job (window);
  g_assert_nonnull (job);
  g_assert_true (fovea_batch_job_get_running (job));
  return job;
}

static FoveaBatchRow *
find_row (GListModel *rows,
          const char *file)
{
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(FoveaBatchRow) row = g_list_model_get_item (rows, i);

      if (g_str_equal (fovea_batch_row_get_file (row), file))
        return row;
    }
  g_error ("no row for %s", file);
}

static const char *
shown_file (FoveaBatchView *view,
            guint           position)
{
  g_autoptr(FoveaBatchRow) row = g_list_model_get_item (fovea_batch_view_get_shown_rows (view), position);

  g_assert_nonnull (row);
  return fovea_batch_row_get_file (row);
}

/* A whole folder: N/N, one row per file with its quality, grade or error,
 * the error list; then sorting and filtering the table. */
static void
test_batch_finishes (void)
{
  FoveaBatchJob *job = run_batch (FALSE);
  FoveaBatchView *view = fovea_window_show_batch_view (window);
  GListModel *rows = fovea_batch_job_get_rows (job);
  GListModel *shown = fovea_batch_view_get_shown_rows (view);

  fovea_display_test_wait_for (job_finished, job, "the batch to finish");
  g_assert_null (fovea_batch_job_get_error_message (job));
  g_assert_false (fovea_batch_job_get_cancelled (job));
  g_assert_cmpuint (fovea_batch_job_get_progress (job)->n_done, ==, N_FILES);
  g_assert_cmpuint (fovea_batch_job_get_progress (job)->n_total, ==, N_FILES);
  g_assert_cmpuint (fovea_batch_job_get_progress (job)->n_failed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, N_FILES);
  g_assert_true (g_str_has_prefix (fovea_batch_view_get_progress_text (view), "4 / 4"));

  /* The broken file: an error and nothing else. */
  FoveaBatchRow *broken = find_row (rows, "broken.jpg");
  g_assert_nonnull (fovea_batch_row_get_record (broken)->error);
  g_assert_cmpstr (fovea_batch_row_get_quality (broken), ==, "");
  g_assert_cmpstr (fovea_batch_row_get_grade_text (broken), ==, "");

  /* A gradable sample: graded with one of the card's labels. */
  FoveaBatchRow *healthy = find_row (rows, "fundus-healthy.png");
  const FoveaGradeRecord *record = fovea_batch_row_get_record (healthy);
  g_assert_null (record->error);
  g_assert_true (record->quality.gradable);
  g_assert_cmpstr (fovea_batch_row_get_quality (healthy), ==, "Gradable");
  g_assert_true (g_strv_contains ((const char * const *) record->labels,
                                  fovea_batch_row_get_grade_text (healthy)));
  g_assert_cmpstr (record->task, ==, "fundus-7");

  /* The blurred sample: ungradable for blur, so no grade. */
  FoveaBatchRow *blurred = find_row (rows, "fundus-blurred.jpg");
  g_assert_false (fovea_batch_row_get_record (blurred)->quality.gradable);
  g_assert_true (g_str_has_prefix (fovea_batch_row_get_quality (blurred), "Ungradable: "));
  g_assert_nonnull (strstr (fovea_batch_row_get_quality (blurred), "blur"));
  g_assert_cmpstr (fovea_batch_row_get_grade_text (blurred), ==, "");

  /* Each file names a patient (its stem, without an eye token): the
   * summary counts them; the card has no held-out figures, so none is
   * referable. */
  g_autofree char *view_text = fovea_display_test_dup_text (GTK_WIDGET (view));
  fovea_display_test_assert_shows (view_text, "Finished: 4 files, 1 ungradable, 1 failed. "
                                               "4 patients, 0 referable (worst eye)");

  /* One failed file, one error row. */
  GtkListBox *errors = fovea_batch_view_get_errors_list (view);
  g_assert_nonnull (gtk_list_box_get_row_at_index (errors, 0));
  g_assert_null (gtk_list_box_get_row_at_index (errors, 1));

  /* Sorting by file, both ways. */
  fovea_batch_view_sort_by (view, "file", GTK_SORT_ASCENDING);
  g_assert_cmpstr (shown_file (view, 0), ==, "broken.jpg");
  g_assert_cmpstr (shown_file (view, N_FILES - 1), ==, "fundus-lesions.jpg");
  fovea_batch_view_sort_by (view, "file", GTK_SORT_DESCENDING);
  g_assert_cmpstr (shown_file (view, 0), ==, "fundus-lesions.jpg");
  /* By error: the empty ones first, the failed file last. */
  fovea_batch_view_sort_by (view, "error", GTK_SORT_ASCENDING);
  g_assert_cmpstr (shown_file (view, N_FILES - 1), ==, "broken.jpg");

  /* Filtering narrows, and clearing restores. */
  fovea_batch_view_set_search (view, "LESIONS");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_cmpstr (shown_file (view, 0), ==, "fundus-lesions.jpg");
  fovea_batch_view_set_search (view, "");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, N_FILES);
  fovea_batch_view_set_filter (view, FOVEA_BATCH_FILTER_FAILED);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_cmpstr (shown_file (view, 0), ==, "broken.jpg");
  fovea_batch_view_set_filter (view, FOVEA_BATCH_FILTER_UNGRADABLE);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 1);
  g_assert_cmpstr (shown_file (view, 0), ==, "fundus-blurred.jpg");
  fovea_batch_view_set_filter (view, FOVEA_BATCH_FILTER_ALL);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, N_FILES);

  fovea_batch_view_sort_by (view, "file", GTK_SORT_ASCENDING);
  fovea_display_test_wait_for (widget_shown, view, "the batch view to be shown");
  fovea_display_test_save_screenshot (view, "batch-view-finished.png");

  /* Clicking a row opens its image in the review window. */
  g_signal_emit_by_name (fovea_batch_view_get_column_view (view), "activate", N_FILES - 1);
  g_autofree char *lesions = g_build_filename (folder, "fundus-lesions.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (lesions);
  fovea_display_test_find_document (window, file);
}

/* Cancel stops early: fewer rows than files. */
static void
test_cancel (void)
{
  FoveaBatchJob *job = run_batch (TRUE);
  FoveaBatchView *view = fovea_window_show_batch_view (window);

  fovea_display_test_wait_for (job_one_done, job, "the first file");
  fovea_display_test_wait_for (widget_shown, view, "the batch view to be shown");
  g_assert_true (g_str_has_prefix (fovea_batch_view_get_progress_text (view), "1 / 4"));
  fovea_display_test_save_screenshot (view, "batch-view-running.png");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "batch.cancel", NULL));
  fovea_display_test_wait_for (job_finished, job, "the batch to stop");
  g_assert_true (fovea_batch_job_get_cancelled (job));
  g_assert_cmpuint (g_list_model_get_n_items (fovea_batch_job_get_rows (job)), <, N_FILES);
}

static gboolean
indicator_shown (gpointer data)
{
  GtkWidget *progress = fovea_display_test_find_widget (GTK_WIDGET (window), GTK_TYPE_PROGRESS_BAR);

  return progress != NULL && gtk_widget_get_mapped (progress);
}

/* Closing the view leaves the batch running, shown in the header; it can
 * be reopened, and it finishes every file. */
static void
test_close_keeps_running (void)
{
  FoveaBatchJob *job = run_batch (TRUE);
  FoveaBatchView *view = fovea_window_show_batch_view (window);

  fovea_display_test_wait_for (job_one_done, job, "the first file");
  gtk_window_destroy (GTK_WINDOW (view));
  fovea_display_test_wait_for (indicator_shown, NULL, "the header's batch progress");
  g_assert_true (fovea_batch_job_get_running (job));
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (window));
  fovea_display_test_assert_shows (text, "1 / 4");

  fovea_batch_job_set_paused (job, FALSE);
  fovea_display_test_wait_for (job_finished, job, "the batch to finish");
  g_assert_cmpuint (g_list_model_get_n_items (fovea_batch_job_get_rows (job)), ==, N_FILES);
  g_assert_false (fovea_batch_job_get_cancelled (job));

  /* Reopened from the header, with every row. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-batch", NULL));
  view = fovea_window_show_batch_view (window);
  g_assert_cmpuint (g_list_model_get_n_items (fovea_batch_view_get_shown_rows (view)), ==, N_FILES);
  gtk_window_destroy (GTK_WINDOW (view));
}

/* The dialog offers the catalog's task; Grade needs a folder and a task. */
static void
test_dialog (void)
{
  open_window ();
  FoveaBatchDialog *dialog = fovea_window_show_batch_dialog (window);
  const FoveaCatalogModel *model = NULL;

  /* Nothing chosen: nothing to grade. */
  g_assert_true (fovea_batch_dialog_select_task (dialog, "fundus-7", FALSE));
  g_assert_null (fovea_batch_dialog_dup_tasks (dialog, &model));
  g_assert_null (model);
  g_assert_true (fovea_batch_dialog_select_task (dialog, "fundus-7", FALSE));
  g_assert_false (fovea_batch_dialog_select_task (dialog, "no-such-task", TRUE));
  fovea_batch_dialog_set_folder (dialog, folder);
  g_assert_null (fovea_batch_dialog_dup_tasks (dialog, &model));
  g_assert_true (fovea_batch_dialog_select_task (dialog, "fundus-7", TRUE));
  g_autoptr(GPtrArray) chosen = fovea_batch_dialog_dup_tasks (dialog, &model);
  g_assert_nonnull (chosen);
  g_assert_cmpuint (chosen->len, ==, 1);
  g_assert_cmpstr (model->name, ==, "tiny-token");
  fovea_batch_dialog_set_recursive (dialog, TRUE);
  g_assert_true (fovea_batch_dialog_get_recursive (dialog));
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static gboolean
panel_idle (gpointer data)
{
  return !fovea_results_panel_get_busy (data) && fovea_results_panel_get_result (data) != NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Export Report writes the shown analysis as a PDF. */
static void
test_export_report (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *pdf = g_build_filename (root, "report.pdf", NULL);
  g_autoptr(GFile) pdf_file = g_file_new_for_path (pdf);
  FoveaResultsPanel *panel;
  g_autofree char *contents = NULL;
  gsize length;

  open_window ();
  fovea_window_open_files (window, &file, 1);
  panel = fovea_window_get_results_panel (window);
  g_assert_true (fovea_results_panel_select_task (panel, "fundus-7"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.analyse", NULL));
  fovea_display_test_wait_for (panel_idle, panel, "the analysis to finish");

  fovea_window_export_report (window, pdf_file);
  fovea_display_test_wait_for (file_exists, pdf, "the report");
  g_assert_true (g_file_get_contents (pdf, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 1000);
  g_assert_true (g_str_has_prefix (contents, "%PDF"));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  root = fovea_test_mkdtemp ();
  g_autofree char *data_home = g_build_filename (root, "data", NULL);
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  /* The catalog: the tiny backbone with one fundus MeLo adapter. */
  {
    g_autofree char *adapters = g_build_filename (models, "tiny-token", "adapters", NULL);
    static const char * const copies[][2] = {
      { "vit/models/tiny-token/config.json", "tiny-token/config.json" },
      { "vit/models/tiny-token/model.safetensors", "tiny-token/model.safetensors" },
      { "vit/adapters/melo-tiny_lora_4_8.safetensors", "tiny-token/adapters/melo-tiny_lora_4_8.safetensors" },
    };

    fovea_test_copy_fixtures (models, copies, G_N_ELEMENTS (copies));
    g_autofree char *card = g_build_filename (adapters, "melo-tiny_lora_4_8.task_card.json", NULL);
    g_assert_true (g_file_set_contents (card, melo_card, -1, NULL));
  }
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);

  /* The folder: three samples and a file that is not a JPEG. */
  folder = g_build_filename (root, "exams", NULL);
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *from = fovea_test_sample_path (samples[i]);
      g_autofree char *to = g_build_filename (folder, samples[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;
      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) length, NULL));
    }
  {
    g_autofree char *broken = g_build_filename (folder, "broken.jpg", NULL);
    g_assert_true (g_file_set_contents (broken, "not a JPEG at all", -1, NULL));
  }

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  g_settings_set_int (fovea_application_get_settings (application), "window-width", 1240);
  g_settings_set_int (fovea_application_get_settings (application), "window-height", 900);

  g_test_add_func ("/batch-view/finishes", test_batch_finishes);
  g_test_add_func ("/batch-view/cancel", test_cancel);
  g_test_add_func ("/batch-view/close-keeps-running", test_close_keeps_running);
  g_test_add_func ("/batch-view/dialog", test_dialog);
  g_test_add_func ("/batch-view/export-report", test_export_report);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  fovea_test_rmdir (root);
  g_free (folder);
  g_free (root);
  return status;
}
