/* fovea-cli-grade.c: `fovea-cli grade FOLDER… --task NAME[,NAME] --model DIR
 *   [--adapter PATH]… --out results.csv [--recursive] [--jsonl] [--resume]
 *   [--force] [--jobs N] [--shard I/N] [--report-dir DIR]
 *   [--threshold NAME=VALUE]… [--segment TASK[,TASK]]…`
 *
 * Grades every supported image file of the folders through fovea-batch.h,
 * writing one CSV row per file and task as it goes (fovea-csv-log.h).
 * With --report-dir, also one PDF per graded file and task and, at the end,
 * DIR/summary.pdf over every record (fovea-report.h). At the end, the
 * per-patient summary of the whole CSV goes next to it as
 * OUT.patients.csv (fovea-patient-csv.h). With --segment, each gradable
 * image is also segmented (fovea-seg-tasks.h) and every row of it gets the
 * measurements in extra columns after the others (fovea-seg-columns.h),
 * and its reports under --report-dir the segmentation section, drawn from
 * the same results (fovea_batch_get_segmentation_result). With --task
 * auto the segmentation tasks apply to the images of their cards'
 * modality; the others' measurement columns are empty. */
#define G_LOG_DOMAIN "fovea-cli-grade"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fovea-batch.h"
#include "fovea-cli-commands.h"
#include "fovea-cli-engine.h"
#include "fovea-cli-thresholds.h"
#include "fovea-cli-threads.h"
#include "fovea-csv-log.h"
#include "fovea-model-catalog.h"
#include "fovea-output-guard.h"
#include "fovea-output-name.h"
#include "fovea-cli-segment-option.h"
#include "fovea-patient-csv.h"
#include "fovea-report.h"
#include "fovea-seg-columns.h"

#define BAR_WIDTH 30

typedef struct {
  FoveaCsvLog *log;
  gboolean     jsonl;
  const char  *report_dir;
  gboolean     tty;
  gint64       last_line_us;
  guint        n_reports_failed;
  guint        n_files_failed_by_reports;  /* files whose only error is a report's */
  gboolean     file_failed;  /* the current file has an error row so far */
  gboolean     file_report_failed;
  GPtrArray   *records;      /* FoveaGradeRecord*, copies for the summary */
  /* --task auto: each installed model's carded tasks run in turn, and a
   * task for another modality than the image's gives no row. */
  gboolean     auto_tasks;
  GHashTable  *placed;       /* paths with a row of their own */
  GHashTable  *unfit;        /* path → FoveaGradeRecord*: one no task fitted */
  GHashTable  *failed;       /* paths with an error row */
  GHashTable  *ungradable;   /* paths with an ungradable row */
  /* --segment: the measurement columns after the CSV's own; else NULL. */
  const FoveaSegColumns *seg_columns;
  FoveaBatch  *batch;        /* the model's run now going */
} Grade;

static void
add_json_fields (JsonBuilder *builder, const char *const *columns, char **fields, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      json_builder_set_member_name (builder, columns[i]);
      if (*fields[i] == '\0')
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, fields[i]);
    }
}

static void
print_jsonl (const FoveaGradeRecord *record, const FoveaSegColumns *seg_columns,
             char **seg_values)
{
  g_auto (GStrv) fields = fovea_csv_record_fields (record);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_json_fields (builder, fovea_csv_columns (), fields, FOVEA_CSV_N_COLUMNS);
  if (seg_columns != NULL)
    add_json_fields (builder, fovea_seg_columns_names (seg_columns), seg_values,
                     fovea_seg_columns_get_n (seg_columns));
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

/* DIR/NAME.pdf, or DIR/NAME-2.pdf, -3… when that exists: a report is
 * never replaced (two files of one name in different sub-folders, an
 * earlier run's summary). */
static char *
unused_pdf_path (const char *dir, const char *name)
{
  g_autofree char *safe = g_strdup (name);
  for (char *p = safe; *p != '\0'; p++)
    if (*p == G_DIR_SEPARATOR)
      *p = '_';
  g_autofree char *first = g_strdup_printf ("%s.pdf", safe);
  char *path = g_build_filename (dir, first, NULL);
  for (int n = 2; g_file_test (path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK); n++)
    {
      g_free (path);
      g_autofree char *numbered = g_strdup_printf ("%s-%d.pdf", safe, n);
      path = g_build_filename (dir, numbered, NULL);
    }
  return path;
}

/* DIR/STEM-TASK.pdf; the stem's folder is left out. Stem and task pass
 * through the one output-name sanitiser. */
static char *
report_path (const char *dir, const FoveaGradeRecord *record)
{
  g_autofree char *base = g_path_get_basename (record->path);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  g_autofree char *stem = fovea_output_name_part (base);
  g_autofree char *task = fovea_output_name_part (record->task);
  g_autofree char *name = g_strdup_printf ("%s-%s", stem, task);
  return unused_pdf_path (dir, name);
}

/* After each record: a file's rows are committed with its last. */
static gboolean
end_of_record (Grade *grade, gboolean last_of_file, GError **error)
{
  if (!last_of_file)
    return TRUE;
  grade->n_files_failed_by_reports += grade->file_report_failed && !grade->file_failed;
  grade->file_failed = grade->file_report_failed = FALSE;
  if (grade->jsonl)
    fflush (stdout);
  return fovea_csv_log_commit (grade->log, error);
}

static gboolean
record_cb (const FoveaGradeRecord *record, const FoveaImage *image, gboolean last_of_file,
           gpointer user_data, GError **error)
{
  Grade *grade = user_data;
  if (grade->auto_tasks && record->not_for_task)
    {
      if (!g_hash_table_contains (grade->unfit, record->path))
        g_hash_table_insert (grade->unfit, g_strdup (record->path),
                             fovea_grade_record_copy (record));
      return end_of_record (grade, last_of_file, error);
    }
  /* The report first: a report that could not be written is the row's
   * error (retryable: a full disk passes), and the file counts as failed. */
  g_autoptr (FoveaGradeRecord) failed = NULL;
  if (grade->report_dir != NULL && record->error == NULL)
    {
      g_autofree char *path = report_path (grade->report_dir, record);
      g_autoptr (GError) local = NULL;
      const FoveaReportInfo info = { .software_version = FOVEA_VERSION };
      /* The segmentation the measurement columns come from: not made again. */
      const FoveaSegResult *segmentation = fovea_batch_get_segmentation_result (grade->batch);
      if (!fovea_report_write_image_segmented (record, image, NULL, 0, 0, segmentation, &info,
                                               path, &local))
        {
          fprintf (stderr, "\nfovea-cli grade: report for %s: %s\n", record->path,
                   local->message);
          grade->n_reports_failed++;
          grade->file_report_failed = TRUE;
          failed = fovea_grade_record_copy (record);
          failed->error = g_strdup_printf ("the report was not written: %s", local->message);
          failed->retryable = TRUE;
          record = failed;
        }
    }
  else
    grade->file_failed |= record->error != NULL && !record->not_for_task;
  g_auto (GStrv) seg_values = grade->seg_columns != NULL
    ? fovea_seg_columns_values (grade->seg_columns, record->segmentation) : NULL;
  fovea_csv_log_add_with_values (grade->log, record, (const char *const *) seg_values);
  if (grade->jsonl)
    print_jsonl (record, grade->seg_columns, seg_values);
  if (grade->records != NULL)
    g_ptr_array_add (grade->records, fovea_grade_record_copy (record));
  if (grade->auto_tasks)
    {
      g_hash_table_add (grade->placed, g_strdup (record->path));
      if (record->error != NULL)
        g_hash_table_add (grade->failed, g_strdup (record->path));
      else if (!record->quality.gradable)
        g_hash_table_add (grade->ungradable, g_strdup (record->path));
    }
  return end_of_record (grade, last_of_file, error);
}

static void
format_eta (char *buffer, gsize size, double seconds)
{
  if (!isfinite (seconds))
    g_strlcpy (buffer, "--:--", size);
  else if (seconds >= 3600)
    g_snprintf (buffer, size, "%d:%02d:%02d", (int) seconds / 3600, ((int) seconds / 60) % 60,
                (int) seconds % 60);
  else
    g_snprintf (buffer, size, "%02d:%02d", (int) seconds / 60, (int) seconds % 60);
}

static void
progress_cb (const FoveaBatchProgress *p, gpointer user_data)
{
  Grade *grade = user_data;
  char eta[32];
  format_eta (eta, sizeof eta, p->eta_s);
  /* --task auto: a task that does not fit an image is no failure. */
  FoveaBatchProgress shown = *p;
  if (grade->auto_tasks)
    shown.n_failed = g_hash_table_size (grade->failed);
  p = &shown;
  if (grade->tty)
    {
      int filled = p->n_total > 0 ? (int) ((double) BAR_WIDTH * p->n_done / p->n_total) : BAR_WIDTH;
      char bar[BAR_WIDTH + 1];
      for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '-';
      bar[BAR_WIDTH] = '\0';
      fprintf (stderr, "\r[%s] %u/%u  %.1f img/s  ETA %s  failed %u ", bar, p->n_done,
               p->n_total, p->images_per_s, eta, p->n_failed);
      if (p->n_done == p->n_total)
        fputc ('\n', stderr);
      fflush (stderr);
      return;
    }
  /* Plain lines for logs: at most one a second, and the last. */
  gint64 now = g_get_monotonic_time ();
  if (p->n_done != p->n_total && now - grade->last_line_us < G_USEC_PER_SEC)
    return;
  grade->last_line_us = now;
  fprintf (stderr, "fovea-cli grade: %u/%u files, %.1f images/s, ETA %s, %u failed\n",
           p->n_done, p->n_total, p->images_per_s, eta, p->n_failed);
}

static gboolean
parse_shard (const char *text, guint *shard, guint *n_shards)
{
  guint64 i, n;
  g_auto (GStrv) parts = g_strsplit (text, "/", -1);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &i, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT, &n, NULL) || i >= n)
    return FALSE;
  *shard = (guint) i;
  *n_shards = (guint) n;
  return TRUE;
}

static gboolean
check_tasks (FoveaEngine *engine, char **names, guint *out_n_tasks)
{
  guint n_tasks = fovea_engine_get_n_tasks (engine);
  if (names[0] == NULL)
    {
      *out_n_tasks = n_tasks > 1 ? n_tasks - 1 : 1;
      return TRUE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      for (guint j = 0; j < i; j++)
        if (strcmp (names[i], names[j]) == 0)
          {
            fprintf (stderr, "fovea-cli grade: task “%s” given twice\n", names[i]);
            return FALSE;
          }
      if (fovea_engine_find_task (engine, names[i]) < 0)
        {
          g_autoptr (GString) loaded = g_string_new (NULL);
          for (guint t = 0; t < n_tasks; t++)
            g_string_append_printf (loaded, "%s%s", t ? ", " : "",
                                    fovea_engine_get_task (engine, t)->name);
          fprintf (stderr, "fovea-cli grade: no task named “%s” (loaded: %s)\n", names[i],
                   loaded->str);
          return FALSE;
        }
    }
  *out_n_tasks = g_strv_length (names);
  return TRUE;
}

/* The loaded tasks whose cards carry held-out figures: the CSV does not
 * say, and only they may give a referral decision. */
static GStrv
validated_tasks (const FoveaEngine *engine)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (guint t = 0; t < fovea_engine_get_n_tasks (engine); t++)
    {
      const FoveaEngineTask *task = fovea_engine_get_task (engine, t);
      if (task->card != NULL && fovea_task_card_is_validated (task->card))
        g_strv_builder_add (builder, task->name);
    }
  return g_strv_builder_end (builder);
}

/* One engine's share of a run: a model folder (NULL: the installed model
 * that has the tasks), its adapters and the tasks to run. */
typedef struct {
  char  *model_dir;
  GStrv  adapters;
  GStrv  tasks;
} ModelPart;

static ModelPart *
model_part_new (const char *model_dir, const char *const *adapters, const char *const *tasks)
{
  ModelPart *part = g_new0 (ModelPart, 1);
  part->model_dir = g_strdup (model_dir);
  part->adapters = adapters != NULL ? g_strdupv ((char **) adapters) : NULL;
  part->tasks = g_strdupv ((char **) tasks);
  return part;
}

static void
model_part_free (ModelPart *part)
{
  g_free (part->model_dir);
  g_strfreev (part->adapters);
  g_strfreev (part->tasks);
  g_free (part);
}

/* --task auto: every installed model with carded tasks, with all of them
 * (fovea_catalog_model_carded_tasks, what the window's Analyse runs
 * together); each image then gets those that fit its modality. */
static void
plan_auto (const FoveaModelCatalog *catalog, GPtrArray *parts)
{
  for (guint m = 0; m < fovea_model_catalog_get_n_models (catalog); m++)
    {
      const FoveaCatalogModel *model = fovea_model_catalog_get_model (catalog, m);
      g_autoptr (GPtrArray) carded = fovea_catalog_model_carded_tasks (model, NULL);
      if (carded->len == 0)
        continue;
      g_autoptr (GStrvBuilder) adapters = g_strv_builder_new ();
      g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
      for (guint t = 0; t < carded->len; t++)
        {
          const FoveaCatalogTask *task = carded->pdata[t];
          if (task->path != NULL)
            g_strv_builder_add (adapters, task->path);
          g_strv_builder_add (names, task->name);
        }
      g_auto (GStrv) adapter_paths = g_strv_builder_end (adapters);
      g_auto (GStrv) task_names = g_strv_builder_end (names);
      g_ptr_array_add (parts, model_part_new (model->path, (const char *const *) adapter_paths,
                                              (const char *const *) task_names));
    }
}

/* The CSV, after checking or writing the run's identity: a resumed CSV
 * must have been made by the same settings, or its rows and these would
 * mix. */
static FoveaCsvLog *
open_log (FoveaBatch *batch, const char *out, int melo_scale, gboolean resume, gboolean force,
          guint n_tasks, const GPtrArray *parts, const FoveaSegColumns *seg_columns,
          GHashTable *done, GError **error)
{
  g_autoptr (FoveaRunIdentity) identity = fovea_batch_get_identity (batch, error);
  if (identity == NULL)
    return NULL;
  g_autofree char *melo_text = g_strdup_printf ("%d", melo_scale);
  fovea_run_identity_add (identity, "melo-scale", melo_text);
  /* --task auto: the batch above is the first model's; name them all. */
  for (guint p = 1; p < parts->len; p++)
    {
      const ModelPart *part = parts->pdata[p];
      g_autofree char *key = g_strdup_printf ("auto-model-%u", p + 1);
      g_autofree char *names = g_strjoinv (",", part->tasks);
      g_autofree char *value = g_strdup_printf ("%s: %s", part->model_dir, names);
      fovea_run_identity_add (identity, key, value);
    }
  GStatBuf existing;
  gboolean has_rows = resume && g_stat (out, &existing) == 0 && existing.st_size > 0;
  if (has_rows ? !fovea_run_identity_check (identity, out, error)
               : !fovea_run_identity_write (identity, out, error))
    return NULL;
  FoveaCsvMode mode = resume ? FOVEA_CSV_RESUME : force ? FOVEA_CSV_FORCE : FOVEA_CSV_CREATE;
  return fovea_csv_log_open_with_columns (out, mode,
                                          seg_columns != NULL
                                            ? fovea_seg_columns_names (seg_columns) : NULL,
                                          n_tasks, done, error);
}

/* --task auto, after every model ran: a file no installed task fitted
 * gets one row saying so, in file order, as an ungradable file (no
 * grade can be read from it) and not as an error. */
static gboolean
write_unfit_notes (Grade *grade, const GPtrArray *files, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      FoveaGradeRecord *unfit = g_hash_table_lookup (grade->unfit, path);
      if (unfit == NULL || g_hash_table_contains (grade->placed, path))
        continue;
      g_autoptr (FoveaGradeRecord) record = fovea_grade_record_copy (unfit);
      g_clear_pointer (&record->error, g_free);
      g_clear_pointer (&record->task, g_free);
      g_clear_pointer (&record->model_name, g_free);
      g_clear_pointer (&record->model_sha256, g_free);
      record->not_for_task = FALSE;
      record->calibrated = FALSE;
      record->quality.gradable = FALSE;
      record->note = g_strdup_printf ("no task for modality %s",
                                      fovea_modality_to_string (record->modality));
      fovea_csv_log_add (grade->log, record);
      if (grade->jsonl)
        {
          /* The same members as every other row, the measurements null. */
          g_auto (GStrv) seg_values = grade->seg_columns != NULL
            ? fovea_seg_columns_values (grade->seg_columns, NULL) : NULL;
          print_jsonl (record, grade->seg_columns, seg_values);
        }
      g_hash_table_add (grade->ungradable, g_strdup (path));
      if (!fovea_csv_log_commit (grade->log, error))
        return FALSE;
    }
  if (grade->jsonl)
    fflush (stdout);
  return TRUE;
}

int
fovea_cli_grade (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *out = NULL;
  g_autofree char *shard_text = NULL;
  g_autofree char *report_dir = NULL;
  g_auto (GStrv) task_args = NULL;
  g_auto (GStrv) adapters = NULL;
  g_auto (GStrv) folders = NULL;
  g_auto (GStrv) thresholds = NULL;
  g_auto (GStrv) segment_args = NULL;
  gboolean recursive = FALSE, jsonl = FALSE, resume = FALSE, force = FALSE;
  g_autofree char *modality_name = NULL;
  FoveaModality modality = FOVEA_MODALITY_UNKNOWN;
  int jobs = 0, n_threads = 0, melo_scale = 0;
  g_autofree char *threads_text = NULL;
  g_autofree char *jobs_text = NULL;
  const GOptionEntry entries[] = {
    { "task", 't', 0, G_OPTION_ARG_STRING_ARRAY, &task_args,
      "Tasks to run, comma-separated (default: every adapter, or the model); auto: every "
      "installed task with a card, each on the images of its modality", "NAME[,NAME]|auto" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder (config.json + model.safetensors)", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &adapters,
      "PEFT adapter folder or MeLo .safetensors file (repeatable)", "PATH" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The CSV to write (required)", "FILE" },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &recursive, "Descend into sub-folders", NULL },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality_name,
      "What the images are (fundus, skin, octa); default: guessed per image. A task "
      "for another modality is not run on an image (its row says why)", "M" },
    { "jsonl", 0, 0, G_OPTION_ARG_NONE, &jsonl,
      "Also print each row as a JSON object on stdout (JSON Lines)", NULL },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume,
      "Continue an interrupted run: keep the CSV's rows, grade the files it lacks", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing output", NULL },
    { "jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text,
      "Decoder threads (default: one per core, minus one)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
      "Grade every N-th file of the sorted list, starting at I (0-based)", "I/N" },
    { "report-dir", 0, 0, G_OPTION_ARG_FILENAME, &report_dir,
      "Write a PDF report per graded file and task, and summary.pdf, into this folder",
      "DIR" },
    { "melo-scale", 0, 0, G_OPTION_ARG_INT, &melo_scale,
      "Scale of MeLo adapters without a _lora_R_ALPHA tag in their name", "N" },
    { "threshold", 0, 0, G_OPTION_ARG_STRING_ARRAY, &thresholds, FOVEA_CLI_THRESHOLD_HELP,
      "NAME=VALUE" },
    { "segment", 0, 0, G_OPTION_ARG_STRING_ARRAY, &segment_args, FOVEA_CLI_SEGMENT_HELP
      "; adds their measurements as columns", "TASK[,TASK]" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &folders, NULL, "FOLDER…" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("FOLDER… — grade a folder");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_engine_add_options (context);
  g_option_context_set_summary (context,
    "Grades every image file of the folders: quality first, then each task.\n"
    "Writes one CSV row per file and task as it goes; exit status 0 when\n"
    "every file was graded, 3 when some failed (their rows say why), 1 on a\n"
    "fatal error. Results are research outputs that require clinician review.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli grade: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("grade", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (!fovea_cli_parse_threads ("grade", "--jobs", jobs_text, &jobs))
    return FOVEA_CLI_EXIT_FATAL;
  if (folders == NULL || out == NULL)
    {
      fprintf (stderr, "fovea-cli grade: give a FOLDER and --out FILE\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (resume && force)
    {
      fprintf (stderr, "fovea-cli grade: --resume and --force contradict each other\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (modality_name != NULL && !fovea_modality_from_string (modality_name, &modality))
    {
      fprintf (stderr, "fovea-cli grade: --modality must be fundus, skin or octa\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_check_thresholds ("grade", (const char *const *) thresholds))
    return FOVEA_CLI_EXIT_FATAL;
  guint shard = 0, n_shards = 1;
  if (shard_text != NULL && !parse_shard (shard_text, &shard, &n_shards))
    {
      fprintf (stderr, "fovea-cli grade: --shard %s: expected I/N with 0 ≤ I < N\n", shard_text);
      return FOVEA_CLI_EXIT_FATAL;
    }
  /* The CSV log refuses an existing CSV without --force or --resume. */
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) folders);
  fovea_output_guard_add_all (reads, (const char *const *) adapters);
  g_ptr_array_add (reads, model);
  if (!fovea_output_guard_check (out, reads, TRUE, &error) ||
      (report_dir != NULL && !fovea_output_guard_check (report_dir, reads, TRUE, &error)))
    {
      fprintf (stderr, "fovea-cli grade: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (report_dir != NULL && g_mkdir_with_parents (report_dir, 0755) != 0)
    {
      int saved = errno;
      fprintf (stderr, "fovea-cli grade: %s: %s\n", report_dir, g_strerror (saved));
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_auto (GStrv) tasks = fovea_cli_split_list (task_args);
  gboolean auto_tasks = tasks[0] != NULL && strcmp (tasks[0], "auto") == 0;
  if (auto_tasks && (tasks[1] != NULL || model != NULL || adapters != NULL || resume))
    {
      fprintf (stderr, "fovea-cli grade: --task auto runs every installed task alone: "
               "without other tasks, --model, --adapter or --resume\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  /* Loaded before any output exists: a model that fails leaves nothing. */
  gboolean seg_failed = FALSE;
  g_autoptr (FoveaSegTasks) seg_tasks = fovea_cli_load_seg_tasks ("grade", segment_args,
                                                                   n_threads, &seg_failed);
  g_autoptr (FoveaSegColumns) seg_columns = NULL;
  if (seg_failed)
    return FOVEA_CLI_EXIT_FATAL;
  if (seg_tasks != NULL &&
      (seg_columns = fovea_seg_columns_new (fovea_seg_tasks_get_cards (seg_tasks),
                                            fovea_seg_tasks_get_n (seg_tasks), &error)) == NULL)
    {
      fprintf (stderr, "fovea-cli grade: --segment: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (FoveaModelCatalog) catalog = NULL;
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) model_part_free);
  if (auto_tasks)
    {
      catalog = fovea_model_catalog_scan_default (NULL);
      plan_auto (catalog, parts);
      if (parts->len == 0)
        {
          g_autofree char *bundled = fovea_model_catalog_dup_bundled_dir ();
          fprintf (stderr, "fovea-cli grade: --task auto: no installed model has a task with "
                   "a card (looked in %s and the user's models folder)\n", bundled);
          return FOVEA_CLI_EXIT_FATAL;
        }
    }
  else
    g_ptr_array_add (parts, model_part_new (model, (const char *const *) adapters,
                                            (const char *const *) tasks));

  g_autoptr (GStrvBuilder) validated_builder = g_strv_builder_new ();
  g_autoptr (FoveaCsvLog) log = NULL;
  g_autoptr (GHashTable) done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) records = NULL;
  if (report_dir != NULL)
    records = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_grade_record_free);
  g_autoptr (GHashTable) placed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) unfit = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) fovea_grade_record_free);
  g_autoptr (GHashTable) failed_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) ungradable_files = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                   g_free, NULL);
  g_autoptr (GPtrArray) files = NULL;
  Grade grade = { .jsonl = jsonl, .report_dir = report_dir,
                  .tty = isatty (STDERR_FILENO), .records = records,
                  .auto_tasks = auto_tasks, .placed = placed, .unfit = unfit,
                  .failed = failed_files, .ungradable = ungradable_files,
                  .seg_columns = seg_columns };
  FoveaBatchProgress progress = { 0 };

  for (guint p = 0; p < parts->len; p++)
    {
      const ModelPart *part = parts->pdata[p];
      g_autoptr (FoveaEngine) engine = fovea_cli_load_engine ("grade", part->model_dir,
                                                              (const char *const *) part->adapters,
                                                              (const char *const *) part->tasks,
                                                              melo_scale, n_threads);
      if (engine == NULL)
        return FOVEA_CLI_EXIT_FATAL;
      guint n_tasks = 0;
      if (!check_tasks (engine, part->tasks, &n_tasks))
        return FOVEA_CLI_EXIT_FATAL;
      g_auto (GStrv) validated = validated_tasks (engine);
      g_strv_builder_addv (validated_builder, (const char **) validated);

      g_autoptr (FoveaBatch) batch = fovea_batch_new (engine);
      for (guint i = 0; folders[i] != NULL; i++)
        fovea_batch_add_folder (batch, folders[i]);
      fovea_batch_set_recursive (batch, recursive);
      fovea_batch_set_tasks (batch, (const char *const *) part->tasks);
      fovea_batch_set_jobs (batch, jobs);
      fovea_batch_set_modality (batch, modality);
      fovea_batch_set_shard (batch, shard, n_shards);
      fovea_batch_set_thresholds (batch, (const char *const *) thresholds);
      fovea_batch_set_segmentation (batch, seg_tasks);
      /* Listing first: a missing folder must not leave an output behind. */
      const GPtrArray *listed = fovea_batch_list_files (batch, &error);
      if (listed == NULL)
        {
          fprintf (stderr, "fovea-cli grade: %s\n", error->message);
          return FOVEA_CLI_EXIT_FATAL;
        }
      if (p == 0)
        {
          files = g_ptr_array_new_full (listed->len, g_free);
          for (guint i = 0; i < listed->len; i++)
            g_ptr_array_add (files, g_strdup (listed->pdata[i]));
          log = open_log (batch, out, melo_scale, resume, force, n_tasks, parts, seg_columns,
                          done, &error);
          if (log == NULL)
            {
              fprintf (stderr, "fovea-cli grade: %s\n", error->message);
              return FOVEA_CLI_EXIT_FATAL;
            }
          grade.log = log;
          if (resume)
            fprintf (stderr, "fovea-cli grade: resuming: %u file(s) already in %s\n",
                     g_hash_table_size (done), out);
        }
      if (auto_tasks)
        {
          g_autofree char *names = g_strjoinv (", ", part->tasks);
          fprintf (stderr, "fovea-cli grade: --task auto: %s with %s\n", part->model_dir, names);
        }
      fovea_batch_set_skip (batch, done);
      fovea_batch_set_callbacks (batch, record_cb, progress_cb, &grade);
      grade.batch = batch;
      gboolean ran = fovea_batch_run (batch, NULL, &progress, &error);
      grade.batch = NULL;
      if (!ran)
        {
          fprintf (stderr, "%sfovea-cli grade: %s\n", grade.tty ? "\n" : "", error->message);
          return FOVEA_CLI_EXIT_FATAL;
        }
    }
  if (auto_tasks && !write_unfit_notes (&grade, files, &error))
    {
      fprintf (stderr, "fovea-cli grade: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_csv_log_close (log, &error))
    {
      fprintf (stderr, "%sfovea-cli grade: %s\n", grade.tty ? "\n" : "", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (report_dir != NULL)
    {
      g_autofree char *summary = unused_pdf_path (report_dir, "summary");
      g_autoptr (GError) local = NULL;
      const FoveaReportInfo info = { .software_version = FOVEA_VERSION };
      if (!fovea_report_write_batch ((FoveaGradeRecord *const *) records->pdata, records->len,
                                     &info, summary, &local))
        {
          fprintf (stderr, "fovea-cli grade: summary %s: %s\n", summary, local->message);
          grade.n_reports_failed++;
        }
    }
  /* The whole CSV: the rows resumed count as much as this run's. */
  guint n_files, n_failed, n_ungradable;
  fovea_csv_log_get_resumed_files (log, &n_files, &n_failed, &n_ungradable);
  if (auto_tasks)
    {
      /* Each model's batch visited every file: count files, not visits. */
      n_files += files->len;
      n_failed += g_hash_table_size (failed_files);
      n_ungradable += g_hash_table_size (ungradable_files);
    }
  else
    {
      n_files += progress.n_done;
      n_failed += progress.n_failed + grade.n_files_failed_by_reports;
      n_ungradable += progress.n_ungradable;
    }

  /* From the whole CSV, resumed rows included: a resumed run and an
   * uninterrupted one give the same file. */
  g_auto (GStrv) validated = g_strv_builder_end (validated_builder);
  g_autoptr (GPtrArray) patients = NULL;
  g_autofree char *patients_path = fovea_patient_csv_path (out);
  guint n_patients = 0, n_referable = 0;
  if (fovea_patient_csv_write_for (out, (const char *const *) validated, &patients, &error))
    fovea_patient_summary_count (patients, &n_patients, &n_referable);
  else
    {
      fprintf (stderr, "fovea-cli grade: per-patient summary: %s\n", error->message);
      g_clear_error (&error);
      grade.n_reports_failed++;
    }
  fprintf (stderr, "fovea-cli grade: %u file(s) graded, %u ungradable, %u failed; "
           "%u patient(s), %u referable (worst eye); %s, %s\n",
           n_files - n_failed, n_ungradable, n_failed, n_patients, n_referable, out,
           patients_path);
  return n_failed > 0 || grade.n_reports_failed > 0 ? FOVEA_CLI_EXIT_SOME_FAILED
                                                    : FOVEA_CLI_EXIT_OK;
}
