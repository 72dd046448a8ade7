/* fovea-window-export.c: File → Export Report…: the shown image's last
 * analysis as a PDF (fovea-report.h), with the overlay on show and, when
 * the window has segmented the image, the segmentation section
 * (fovea-seg-report.h), written off the main thread (hashing the weights
 * may take a second). The record comes from the grade-record builder, as
 * batch grading's do. */
#define G_LOG_DOMAIN "fovea-window-export"

#include "config.h"

#include <glib/gi18n.h>

#include "fovea-grade-record-build.h"
#include "fovea-hash-cache.h"
#include "fovea-model-weights.h"
#include "fovea-output-guard.h"
#include "fovea-output-name.h"
#include "fovea-report.h"
#include "fovea-seg-models.h"
#include "fovea-seg-report.h"
#include "fovea-window-private.h"

typedef struct {
  FoveaGradeRecord *record;
  FoveaDocument    *document;     /* keeps the image alive */
  char             *weights_path;
  float            *overlay;
  int               overlay_width, overlay_height;
  char             *overlay_name;
  FoveaSegResult   *segmentation; /* NULL: none made */
  FoveaSegModels   *seg_models;   /* keeps its cards alive */
  char             *path;
} ExportJob;

/* model_sha256 is left NULL: hashing the weights may take a second, so the
 * export thread does it (weights_path). */
FoveaGradeRecord *
fovea_window_record_from_analysis (FoveaDocument             *document,
                                   const FoveaAnalysisResult *result)
{
  g_autofree char *path = g_file_get_path (fovea_document_get_file (document));
  const FoveaCatalogTask *task = result->task;
  const FoveaGradeSource source = {
    .path = path,
    .patient_id = fovea_document_get_patient_id (document),
    .eye = fovea_document_get_eye (document),
    .modality = result->modality,
    .quality = &result->quality,
    .task_name = task != NULL ? task->name : NULL,
    .card = task != NULL ? task->card : NULL,
    .model_name = result->model != NULL ? result->model->name : NULL,
    .adapter = task != NULL && task->path != NULL,
    .seconds = result->total_s,
  };
  FoveaGradeRecord *record = fovea_grade_record_build (&source);

  if (result->output != NULL && result->output->batch >= 1)
    fovea_grade_record_set_outcome (record, source.card, result->output, 0,
                                    result->referral_min_grade);
  return record;
}

/* The weights file the result's task ran with: the MeLo file, the PEFT
 * folder's adapter_model.safetensors, or the backbone's model.safetensors
 * (or pytorch_model.bin); NULL when there is none. */
static char *
dup_weights_path (const FoveaAnalysisResult *result)
{
  if (result->task != NULL && result->task->path != NULL)
    {
      if (g_file_test (result->task->path, G_FILE_TEST_IS_DIR))
        return g_build_filename (result->task->path, "adapter_model.safetensors", NULL);
      return g_strdup (result->task->path);
    }
  if (result->model != NULL)
    return fovea_model_weights_find (result->model->path);
  return NULL;
}

static void
export_job_free (ExportJob *job)
{
  fovea_grade_record_free (job->record);
  g_clear_object (&job->document);
  g_free (job->weights_path);
  g_free (job->overlay);
  g_free (job->overlay_name);
  g_clear_pointer (&job->segmentation, fovea_seg_result_free);
  g_clear_pointer (&job->seg_models, fovea_seg_models_unref);
  g_free (job->path);
  g_free (job);
}

static void
export_report_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;
  const FoveaReportInfo info = { .overlay_name = job->overlay_name };

  if (job->weights_path != NULL)
    /* Without a hash the report says so; a missing one is no reason to fail. */
    job->record->model_sha256 = fovea_file_sha256 (job->weights_path, cancellable, NULL);
  if (fovea_report_write_image_segmented (job->record, fovea_document_get_image (job->document),
                                          job->overlay, job->overlay_width, job->overlay_height,
                                          job->segmentation, &info, job->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_report_done_cb (GObject      *source_object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  FoveaWindow *self = FOVEA_WINDOW (source_object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fovea_window_show_toast (self, error->message);
      return;
    }
  fovea_window_show_toast (self, _("Report written"));
}

void
fovea_window_export_report (FoveaWindow *self,
                            GFile       *file)
{
  const FoveaAnalysisResult *result;
  ExportJob *job;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FOVEA_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  result = fovea_results_panel_get_result (self->results_panel);
  if (result == NULL || !fovea_window_shown_document_is_ready (self))
    {
      fovea_window_show_toast (self, _("Analyse the image before exporting its report"));
      return;
    }
  /* The save dialog asked before replacing a file; the source image is
   * never replaced (fovea-output-guard.h). */
  {
    g_autofree char *out = g_file_get_path (file);
    g_autofree char *source = g_file_get_path (fovea_document_get_file (self->shown_document));
    g_autoptr(GPtrArray) reads = g_ptr_array_new ();
    g_autoptr(GError) error = NULL;

    g_ptr_array_add (reads, source);
    if (out != NULL && !fovea_output_guard_check (out, reads, TRUE, &error))
      {
        fovea_window_show_toast (self, error->message);
        return;
      }
  }
  job = g_new0 (ExportJob, 1);
  job->record = fovea_window_record_from_analysis (self->shown_document, result);
  job->document = g_object_ref (self->shown_document);
  job->weights_path = dup_weights_path (result);
  /* The report shows the heat-map the clinician is looking at, if any:
   * its values are already 0..1. A segmentation has none to print. */
  if (self->shown_map != NULL && self->shown_map->values != NULL &&
      fovea_image_view_get_heatmap_visible (self->image_view))
    {
      const FoveaExplainMap *map = self->shown_map;

      job->overlay = g_memdup2 (map->values, sizeof (float) * (gsize) map->width * map->height);
      job->overlay_width = map->width;
      job->overlay_height = map->height;
      job->overlay_name = g_strdup (map->title);
    }
  /* The segmentations made of this image, whichever overlay is on show:
   * the report keeps what the window measured. */
  job->segmentation = fovea_seg_report_collect (self->explainer, self->shown_document);
  if (job->segmentation != NULL)
    job->seg_models = fovea_seg_models_ref (fovea_explainer_get_seg_models (self->explainer));
  job->path = g_file_get_path (file);
  task = g_task_new (self, self->cancellable, export_report_done_cb, NULL);
  g_task_set_source_tag (task, fovea_window_export_report);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_report_thread);
}

static void
export_chooser_response_cb (GtkNativeDialog *chooser,
                            int              response,
                            FoveaWindow     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        fovea_window_export_report (self, file);
    }
  g_object_unref (chooser);
}

void
fovea_window_choose_export_file (FoveaWindow *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  /* A name ending in .dcm makes a DICOM Encapsulated PDF for the PACS, in
   * the image's study when the image is DICOM (fovea-report.h). */
  g_autoptr(GtkFileFilter) dicom_filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;

  if (fovea_results_panel_get_result (self->results_panel) == NULL || self->shown_document == NULL)
    {
      fovea_window_show_toast (self, _("Analyse the image before exporting its report"));
      return;
    }
  gtk_file_filter_set_name (filter, _("PDF Documents"));
  gtk_file_filter_add_suffix (filter, "pdf");
  gtk_file_filter_set_name (dicom_filter, _("DICOM Encapsulated PDF"));
  gtk_file_filter_add_suffix (dicom_filter, "dcm");
  chooser = gtk_file_chooser_native_new (_("Export Report"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), dicom_filter);
  {
    g_autofree char *stem = fovea_output_name_part (fovea_document_get_display_name (self->shown_document));

    name = g_strdup_printf ("%s-report.pdf", stem);
  }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (export_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
