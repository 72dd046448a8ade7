/* fovea-cli-evaluate.c: `fovea-cli evaluate --task NAME --data PATH`:
 * a task's figures on labelled images, with 95 % bootstrap intervals;
 * the operating point that reaches a sensitivity (--sensitivity, on
 * validation data); and, with --record, both written into the task's
 * card (--held-out marks figures measured on the held-out part, which
 * is scored once). A segmentation model folder (--model DIR, an smp
 * config.json) is scored on a segmentation set instead: --data ROOT
 * (images/, masks/LABEL/, fov/) with --split-file CSV, its val part, or
 * with --held-out its held-out part; pixel figures per label inside the
 * FOV, intervals from a bootstrap over images. */
#define G_LOG_DOMAIN "fovea-cli-evaluate"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "fovea-card-record.h"
#include "fovea-cli-commands.h"
#include "fovea-cli-data.h"
#include "fovea-cli-engine.h"
#include "fovea-cli-threads.h"
#include "fovea-evaluation.h"
#include "fovea-json-number.h"
#include "fovea-seg-config.h"
#include "fovea-seg-evaluation.h"
#include "fovea-task-card.h"
#include "fovea-train-data.h"

#define EVAL_BATCH 8

typedef struct {
  char    *model, *task, *data;
  char   **adapters;
  int      bootstrap, threads;
  double   seed, sensitivity;
  gboolean json, record, held_out, force, ordinal;
} Options;

static int
task_label (const FoveaCliDataOptions *source, int label)
{
  GArray *map = source->label_map;
  return map->len > 0 && label < (int) map->len ? g_array_index (map, int, label) : label;
}

/* Runs the task on every image of data, EVAL_BATCH at a time. */
static FoveaEvalSet *
run_task (FoveaEngine *engine, guint task_index, FoveaTrainData *data,
          const FoveaCliDataOptions *source, gboolean ordinal, GError **error)
{
  const FoveaEngineTask *task = fovea_engine_get_task (engine, task_index);
  const FoveaPreprocess *pre = &task->preprocess;
  int n = fovea_train_data_get_n (data);
  gsize image_floats = (gsize) 3 * pre->height * pre->width;
  g_autofree float *pixels = g_new (float, image_floats * EVAL_BATCH);
  g_autoptr (FoveaEvalSet) set = fovea_eval_set_new (task->card, n);
  set->ordinal = set->ordinal || ordinal;
  int n_labels = (int) g_strv_length (task->card->labels);
  gboolean progress = isatty (STDERR_FILENO);

  for (int start = 0; start < n; start += EVAL_BATCH)
    {
      int batch = MIN (EVAL_BATCH, n - start);
      for (int b = 0; b < batch; b++)
        if (!fovea_train_data_load (data, start + b, pre, NULL, 0, 0,
                                    pixels + b * image_floats, error))
          return NULL;
      g_autoptr (FoveaEngineOutput) output =
        fovea_engine_run_tensor (engine, task_index, pixels, batch, pre->height, pre->width,
                                 error);
      if (output == NULL)
        return NULL;
      for (int b = 0; b < batch; b++)
        {
          int truth = task_label (source, fovea_train_data_get_label (data, start + b));
          if (truth >= n_labels)
            {
              g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                           "%s has label %d, but the task has %d labels (give --label-map?)",
                           fovea_train_data_get_name (data, start + b), truth, n_labels);
              return NULL;
            }
          fovea_eval_set_record (set, start + b, truth, &output->results[b]);
        }
      if (progress)
        fprintf (stderr, "\rfovea-cli evaluate: %d/%d images", start + batch, n);
    }
  if (progress)
    fprintf (stderr, "\n");
  return g_steal_pointer (&set);
}

static void
print_table (GPtrArray *metrics, const char *split)
{
  printf ("%s\n%-28s %8s   %s\n", split, "METRIC", "VALUE", "95% CI (bootstrap)");
  for (guint i = 0; i < metrics->len; i++)
    {
      const FoveaEvalMetric *m = g_ptr_array_index (metrics, i);
      if (isnan (m->value))
        printf ("%-28s %8s\n", m->name, "—");
      else if (isnan (m->ci_low))
        printf ("%-28s %8.4f\n", m->name, m->value);
      else
        printf ("%-28s %8.4f   %.4f – %.4f\n", m->name, m->value, m->ci_low, m->ci_high);
    }
}

static void
print_json (GPtrArray *metrics, const char *task, const char *split, double threshold,
            double specificity)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, task);
  json_builder_set_member_name (builder, "split");
  json_builder_add_string_value (builder, split);
  json_builder_set_member_name (builder, "metrics");
  json_builder_begin_object (builder);
  for (guint i = 0; i < metrics->len; i++)
    {
      const FoveaEvalMetric *m = g_ptr_array_index (metrics, i);
      json_builder_set_member_name (builder, m->name);
      json_builder_begin_object (builder);
      fovea_json_add_number (builder, "value", m->value);
      fovea_json_add_number (builder, "ci_low", m->ci_low);
      fovea_json_add_number (builder, "ci_high", m->ci_high);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  if (!isnan (threshold))
    {
      fovea_json_add_number (builder, "min_probability", threshold);
      fovea_json_add_number (builder, "specificity_at_min_probability", specificity);
    }
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

static gboolean
is_segmentation (const Options *o)
{
  return o->model != NULL && fovea_seg_config_is_segmentation (o->model);
}

static gboolean
check_options (const Options *o)
{
  const char *problem = NULL;
  if ((o->task == NULL && !is_segmentation (o)) || o->data == NULL)
    problem = "give --task NAME and --data PATH";
  else if (o->bootstrap < 0 || o->bootstrap > 100000)
    problem = "--bootstrap must be 0 … 100000";
  else if (!isnan (o->sensitivity) && !(o->sensitivity > 0 && o->sensitivity <= 1))
    problem = "--sensitivity must be in (0, 1]";
  else if (o->held_out && !isnan (o->sensitivity))
    problem = "an operating point is chosen on validation data, never on the held-out part: "
              "--sensitivity and --held-out contradict each other";
  else if (o->held_out && !o->record)
    problem = "--held-out marks recorded figures: give --record too";
  else if (!(o->seed >= 0) || o->seed != floor (o->seed))
    problem = "--seed must be a whole number ≥ 0";
  if (problem != NULL)
    fprintf (stderr, "fovea-cli evaluate: %s\n", problem);
  return problem == NULL;
}

/* Records figures (and the operating point) into the task's card. */
static gboolean
record (const Options *o, const FoveaEngineTask *task, GPtrArray *metrics, const char *split,
        double threshold, double specificity, GError **error)
{
  if (task->card_path == NULL)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_CARD,
                   "task %s has no card file to record into", task->name);
      return FALSE;
    }
  if (!isnan (threshold))
    {
      /* Rounded down: every image at or above the exact threshold stays
       * referred, so the sensitivity reached is kept. */
      double p = MAX (floor (threshold * 1e4) / 1e4, 1e-4);
      g_autofree char *note = g_strdup_printf (
        "referral.min_probability %.4f: the highest threshold with sensitivity ≥ %.2f on %s "
        "(specificity there %.3f)", p, o->sensitivity, split, specificity);
      if (p >= 1 || !fovea_card_record_operating_point (task->card_path, p, note, error))
        return FALSE;
    }
  return fovea_card_record_metrics (task->card_path, metrics, split, o->held_out, o->force,
                                    error);
}

/* A segmentation model on the val or held-out part of a segmentation
 * set, its card the folder's task_card.json. */
static int
evaluate_seg (const Options *o, const FoveaCliDataOptions *source)
{
  g_autoptr (GError) error = NULL;
  if (source->split_file == NULL || !isnan (o->sensitivity))
    {
      fprintf (stderr, "fovea-cli evaluate: a segmentation model needs --split-file CSV "
               "(and has no operating point to find)\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autofree char *card_path = g_build_filename (o->model, "task_card.json", NULL);
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, &error);
  g_autoptr (FoveaSeg) seg = card != NULL ? fovea_seg_load (o->model, FOVEA_CNN_LOAD_DEFAULT,
                                                            &error) : NULL;
  g_autoptr (FoveaSegData) data = seg != NULL
    ? fovea_seg_data_load (o->data, source->split_file, (const char *const *) card->labels,
                           card->fov_diameter, &error) : NULL;
  if (data == NULL)
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  FoveaSegSplit part = o->held_out ? FOVEA_SEG_SPLIT_HELD_OUT : FOVEA_SEG_SPLIT_VAL;
  g_autoptr (GPtrArray) samples = fovea_seg_data_split (data, part);
  int n_labels = (int) g_strv_length (card->labels);
  g_autofree double *thresholds = g_new (double, n_labels);
  for (int c = 0; c < n_labels; c++)
    thresholds[c] = card->label_thresholds != NULL
                    ? g_array_index (card->label_thresholds, double, c) : 0.5;
  g_autoptr (FoveaSegEval) eval = fovea_seg_eval_new ((int) samples->len, n_labels, thresholds);
  if (samples->len == 0 || !fovea_seg_eval_run (eval, seg, samples, o->threads, &error))
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error != NULL ? error->message
               : "the split file gives no image of that part");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autofree char *split = g_strdup_printf ("%s, %u %s images of %s (pixels inside the FOV, "
                                            "at a FOV diameter of %d)", o->data, samples->len,
                                            fovea_seg_split_name (part), source->split_file,
                                            card->fov_diameter);
  g_autoptr (GPtrArray) metrics = fovea_seg_eval_metrics (eval,
                                                          (const char *const *) card->labels,
                                                          o->bootstrap, (guint64) o->seed);
  if (o->json)
    print_json (metrics, card->name, split, NAN, NAN);
  else
    print_table (metrics, split);
  if (o->record && !fovea_card_record_metrics (card_path, metrics, split, o->held_out, o->force,
                                               &error))
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  return FOVEA_CLI_EXIT_OK;
}

/* Runs and reports the evaluation the options ask for. */
static int
evaluate (const Options *o, const FoveaCliDataOptions *source)
{
  if (is_segmentation (o))
    return evaluate_seg (o, source);

  const char *task_names[] = { o->task, NULL };
  g_autoptr (FoveaEngine) engine = fovea_cli_load_engine ("evaluate", o->model,
                                                         (const char *const *) o->adapters,
                                                         task_names, 0, o->threads);
  if (engine == NULL)
    return FOVEA_CLI_EXIT_FATAL;
  int task_index = fovea_engine_find_task (engine, o->task);
  const FoveaEngineTask *task = task_index >= 0 ? fovea_engine_get_task (engine, task_index) : NULL;
  if (task == NULL || task->card == NULL)
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", task == NULL ? "no task of that name"
               : "the task has no card: nothing says what its outputs mean");
      return FOVEA_CLI_EXIT_FATAL;
    }
  FoveaTrainDataSource data_source = {
    source->labels, source->label_column, (const char *const *) task->card->labels,
    source->split_file, source->images,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainData) data = fovea_train_data_open_source (o->data, &data_source, &error);
  g_autoptr (FoveaEvalSet) set = data != NULL
    ? run_task (engine, (guint) task_index, data, source, o->ordinal, &error) : NULL;
  if (set == NULL)
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autofree char *split = fovea_train_data_describe (data);
  g_autoptr (GPtrArray) metrics = fovea_eval_metrics (set, o->bootstrap, (guint64) o->seed);
  double specificity = NAN;
  double threshold = isnan (o->sensitivity) ? NAN
    : fovea_eval_threshold_for_sensitivity (set, o->sensitivity, &specificity);
  if (o->json)
    print_json (metrics, task->name, split, threshold, specificity);
  else
    {
      print_table (metrics, split);
      if (!isnan (threshold))
        printf ("operating point: referral score ≥ %.4f reaches sensitivity ≥ %.2f "
                "(specificity %.3f)\n", threshold, o->sensitivity, specificity);
    }
  if (o->record && !record (o, task, metrics, split, threshold, specificity, &error))
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  return FOVEA_CLI_EXIT_OK;
}

static void
options_clear (Options *o)
{
  g_free (o->model);
  g_free (o->task);
  g_free (o->data);
  g_strfreev (o->adapters);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

int
fovea_cli_evaluate (int argc, char **argv)
{
  g_auto (Options) o = { .bootstrap = 2000, .seed = 1, .sensitivity = NAN };
  g_auto (FoveaCliDataOptions) source = { 0 };
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model,
      "Model folder (default: the installed model with --task)", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &o.adapters, "Adapter of the task", "PATH" },
    { "task", 't', 0, G_OPTION_ARG_STRING, &o.task, "The task to evaluate", "NAME" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &o.data,
      "Labelled images: a folder with labels.csv, DIR:SPLIT with --split-file, FILE.npz[:SPLIT]",
      "PATH" },
    { "bootstrap", 0, 0, G_OPTION_ARG_INT, &o.bootstrap,
      "Bootstrap resamples for the 95% intervals (default 2000; 0: none)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_DOUBLE, &o.seed, "Seed of the resampling (default 1)", "S" },
    { "sensitivity", 0, 0, G_OPTION_ARG_DOUBLE, &o.sensitivity,
      "Find the operating point reaching this sensitivity (validation data only)", "S" },
    { "record", 0, 0, G_OPTION_ARG_NONE, &o.record,
      "Write the figures (and operating point) into the task's card", NULL },
    { "held-out", 0, 0, G_OPTION_ARG_NONE, &o.held_out,
      "The data is the held-out part: mark the recorded figures so (once)", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace held-out figures already recorded", NULL },
    { "ordinal", 0, 0, G_OPTION_ARG_NONE, &o.ordinal,
      "The labels are ordered grades: also report quadratic weighted kappa", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "One JSON object instead of a table", NULL },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text, "Threads " FOVEA_CLI_THREADS_HELP, "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("— a task's figures on labelled images");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_engine_add_options (context);
  fovea_cli_data_options_add (&source, context);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli evaluate: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("evaluate", "--threads", threads_text, &o.threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (argc > 1)
    {
      fprintf (stderr, "fovea-cli evaluate: unexpected argument “%s”\n", argv[1]);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!check_options (&o) || !fovea_cli_data_options_parse (&source, "evaluate"))
    return FOVEA_CLI_EXIT_FATAL;
  return evaluate (&o, &source);
}
