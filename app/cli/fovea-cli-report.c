/* fovea-cli-report.c: `fovea-cli report IMAGE… --model DIR [--adapter PATH]…
 *   [--task NAME] [--patient-id ID] [--eye OD|OS] [--site S] [--operator O]
 *   [--exam-date D] [--segment TASK[,TASK]]… --out report.pdf|report.dcm [--force]`
 *
 * Grades each image the way `grade` does (fovea-batch.h: decode, quality
 * first, then the task) and writes one PDF with one A4 page-set per image
 * and task (fovea-report.h); with --out R.dcm, that PDF as a DICOM
 * Encapsulated PDF in the images' study. The patient and eye given apply to
 * every image; they may be left out only when every image is DICOM (its
 * tags then give them). Exit status: 0, 3 when some image failed (its pages
 * say why), 1 on a fatal error (then no file is written).
 *
 * With --segment, each gradable image is also segmented (fovea-seg-tasks.h,
 * on the file at its full size) and its page-set gets the segmentation
 * section; a segmentation that fails is fatal: no report lacks a section
 * that was asked for. */
#define G_LOG_DOMAIN "fovea-cli-report"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "fovea-batch.h"
#include "fovea-cli-commands.h"
#include "fovea-cli-engine.h"
#include "fovea-cli-threads.h"
#include "fovea-dicom.h"
#include "fovea-output-guard.h"
#include "fovea-cli-segment-option.h"
#include "fovea-report.h"

typedef struct {
  const char *patient_id;
  const char *eye;
  GPtrArray  *records;   /* FoveaGradeRecord* */
  GPtrArray  *images;    /* FoveaImage*, or NULL, one per record */
} Collect;

static gboolean
collect_record_cb (const FoveaGradeRecord *record, const FoveaImage *image,
                   gboolean last_of_file, gpointer user_data, GError **error)
{
  Collect *collect = user_data;
  FoveaGradeRecord *copy = fovea_grade_record_copy (record);
  /* The patient and eye given on the command line win over name guesses
   * and tags; without them, a DICOM image's tags stand. */
  if (collect->patient_id != NULL)
    {
      g_free (copy->patient_id);
      copy->patient_id = g_strdup (collect->patient_id);
    }
  if (collect->eye != NULL)
    {
      g_free (copy->eye);
      copy->eye = g_strdup (collect->eye);
    }
  g_ptr_array_add (collect->records, copy);
  g_ptr_array_add (collect->images, image != NULL ? fovea_image_copy (image) : NULL);
  if (record->error != NULL)
    fprintf (stderr, "fovea-cli report: %s: %s\n", record->path, record->error);
  return TRUE;
}

/* Each record's segmentation into segmentations[i] (NULL for a file that
 * failed, is ungradable or is not of the tasks' modality), made once per
 * file and owned by results; FALSE (reported) when one fails. */
static gboolean
segment_records (FoveaSegTasks *tasks, GPtrArray *records, GPtrArray *results,
                 const FoveaSegResult **segmentations)
{
  g_autoptr (GHashTable) by_path = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < records->len; i++)
    {
      const FoveaGradeRecord *record = records->pdata[i];
      FoveaSegResult *result = g_hash_table_lookup (by_path, record->path);
      if (result == NULL && record->error == NULL && record->quality.gradable &&
          fovea_seg_tasks_fit_modality (tasks, record->modality))
        {
          g_autoptr (GError) error = NULL;
          result = fovea_seg_tasks_run_file (tasks, record->path, &error);
          if (result == NULL)
            {
              fprintf (stderr, "fovea-cli report: %s: %s\n", record->path, error->message);
              return FALSE;
            }
          g_ptr_array_add (results, result);  /* owns it */
          g_hash_table_insert (by_path, record->path, result);
        }
      segmentations[i] = result;
    }
  return TRUE;
}

int
fovea_cli_report (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *task_name = NULL;
  g_autofree char *patient_id = NULL;
  g_autofree char *eye = NULL;
  g_autofree char *site = NULL;
  g_autofree char *operator_name = NULL;
  g_autofree char *exam_date = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) adapters = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) segment_args = NULL;
  gboolean force = FALSE;
  int melo_scale = 0;
  int n_threads = 0;
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder (config.json + model.safetensors)", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &adapters,
      "PEFT adapter folder or MeLo .safetensors file (repeatable)", "PATH" },
    { "task", 't', 0, G_OPTION_ARG_STRING, &task_name,
      "Task to run (default: every adapter's, or the model's)", "NAME" },
    { "patient-id", 0, 0, G_OPTION_ARG_STRING, &patient_id,
      "Patient ID or pseudonym printed on every page", "ID" },
    { "eye", 0, 0, G_OPTION_ARG_STRING, &eye, "Eye: OD (right) or OS (left)", "OD|OS" },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site, "Screening site", "S" },
    { "operator", 0, 0, G_OPTION_ARG_STRING, &operator_name, "Operator", "O" },
    { "exam-date", 0, 0, G_OPTION_ARG_STRING, &exam_date, "Exam date, e.g. 2024-05-01", "D" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "The PDF to write; a name ending in .dcm writes DICOM Encapsulated PDF", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing report", NULL },
    { "melo-scale", 0, 0, G_OPTION_ARG_INT, &melo_scale,
      "Scale of MeLo adapters without a _lora_R_ALPHA tag in their name", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    { "segment", 0, 0, G_OPTION_ARG_STRING_ARRAY, &segment_args, FOVEA_CLI_SEGMENT_HELP
      "; adds a section with the outlines and measurements", "TASK[,TASK]" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "IMAGE…" },
    G_OPTION_ENTRY_NULL
  };

  bindtextdomain (GETTEXT_PACKAGE, FOVEA_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_autoptr (GOptionContext) context = g_option_context_new ("— write a PDF report");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_engine_add_options (context);
  g_option_context_set_summary (context,
    "Grades images (quality first) and writes one PDF with an A4 page-set per\n"
    "image: patient, quality, result, model and its card, recommendation. The\n"
    "report is AI-generated and requires clinician review.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli report: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("report", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (args == NULL || out == NULL)
    {
      fprintf (stderr, "fovea-cli report: give IMAGE… and --out\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (eye != NULL && strcmp (eye, "OD") != 0 && strcmp (eye, "OS") != 0)
    {
      fprintf (stderr, "fovea-cli report: --eye must be OD or OS, not “%s”\n", eye);
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) args);
  fovea_output_guard_add_all (reads, (const char *const *) adapters);
  g_ptr_array_add (reads, model);
  if (!fovea_output_guard_check (out, reads, force, &error))
    {
      fprintf (stderr, "fovea-cli report: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  gboolean seg_failed = FALSE;
  g_autoptr (FoveaSegTasks) seg_tasks = fovea_cli_load_seg_tasks ("report", segment_args,
                                                                   n_threads, &seg_failed);
  if (seg_failed)
    return FOVEA_CLI_EXIT_FATAL;

  const char *task_names[] = { task_name, NULL };
  g_autoptr (FoveaEngine) engine = fovea_cli_load_engine ("report", model,
                                                          (const char *const *) adapters,
                                                          task_names, melo_scale, n_threads);
  if (engine == NULL)
    return FOVEA_CLI_EXIT_FATAL;

  g_autoptr (FoveaBatch) batch = fovea_batch_new (engine);
  for (guint i = 0; args[i] != NULL; i++)
    fovea_batch_add_folder (batch, args[i]);
  const char *tasks[] = { task_name, NULL };
  fovea_batch_set_tasks (batch, task_name != NULL ? tasks : NULL);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
    (GDestroyNotify) fovea_grade_record_free);
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func (
    (GDestroyNotify) fovea_image_free);
  Collect collect = { patient_id, eye, records, images };
  fovea_batch_set_callbacks (batch, collect_record_cb, NULL, &collect);
  FoveaBatchProgress progress = { 0 };
  if (!fovea_batch_run (batch, NULL, &progress, &error))
    {
      fprintf (stderr, "fovea-cli report: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  /* Name guesses are not good enough for a signed-off report. A skin
   * image has no eye: the patient is enough. */
  for (guint i = 0; i < records->len; i++)
    {
      const FoveaGradeRecord *record = records->pdata[i];
      gboolean needs_eye = record->modality != FOVEA_MODALITY_SKIN;
      if ((patient_id == NULL || (needs_eye && eye == NULL)) &&
          !fovea_dicom_is_file (record->path))
        {
          fprintf (stderr, "fovea-cli report: give --patient-id%s: %s is not DICOM, "
                           "so nothing says whose image it is\n",
                   needs_eye ? " and --eye" : "", record->path);
          return FOVEA_CLI_EXIT_FATAL;
        }
    }

  g_autoptr (GPtrArray) seg_results = g_ptr_array_new_with_free_func (
    (GDestroyNotify) fovea_seg_result_free);
  g_autofree const FoveaSegResult **segmentations = NULL;
  if (seg_tasks != NULL)
    {
      segmentations = g_new0 (const FoveaSegResult *, records->len);
      if (!segment_records (seg_tasks, records, seg_results, segmentations))
        return FOVEA_CLI_EXIT_FATAL;
    }

  const FoveaReportInfo info = { .site = site, .operator_name = operator_name,
                                 .exam_date = exam_date };
  if (!fovea_report_write_images_segmented ((FoveaGradeRecord *const *) records->pdata,
                                            (const FoveaImage *const *) images->pdata,
                                            segmentations, records->len, &info, out, &error))
    {
      fprintf (stderr, "fovea-cli report: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  printf ("%s: %u page-set(s), %u failed, %u ungradable\n", out, records->len,
          progress.n_failed, progress.n_ungradable);
  return progress.n_failed > 0 ? FOVEA_CLI_EXIT_SOME_FAILED : FOVEA_CLI_EXIT_OK;
}
