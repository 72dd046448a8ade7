/* fovea-cli-infer.c: `fovea-cli infer --model DIR [--adapter PATH]…
 *   [--task NAME] (--input-tensor FILE | IMAGE|FOLDER…) [--json]`
 *
 * Runs a model, or its adapters' tasks, on images (each task's card says
 * how to preprocess them) or on an already-normalised tensor file, the way
 * ports are checked against PyTorch. With --json, one object per input and
 * task per line (JSON Lines); a readable table otherwise. */
#define G_LOG_DOMAIN "fovea-cli-infer"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-engine.h"
#include "fovea-modality-guess.h"
#include "fovea-cli-paths.h"
#include "fovea-cli-threads.h"
#include "fovea-decode.h"
#include "fovea-json-number.h"
#include "fovea-preprocess.h"

#define PIXEL_VALUES "pixel_values"
#define TABLE_MAX_LOGITS 6

typedef struct {
  FoveaEngine  *engine;
  GArray       *tasks;     /* guint task indices to run */
  gboolean      json;
  FoveaModality modality;  /* given with --modality; UNKNOWN: guess per image */
} Infer;

static void
add_floats (JsonBuilder *builder, const char *member, const float *values, int n)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (int i = 0; i < n; i++)
    fovea_json_add_number (builder, NULL, values[i]);
  json_builder_end_array (builder);
}

static void
add_interpretation (JsonBuilder *builder, const FoveaEngineTask *task,
                    const FoveaTaskResult *result)
{
  const FoveaTaskCard *card = task->card;
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, result->label);
  if (card->kind == FOVEA_TASK_CLASSIFICATION)
    add_floats (builder, "probs", result->probs, result->n_outputs);
  else
    {
      json_builder_set_member_name (builder, "score");
      fovea_json_add_number (builder, NULL, result->score);
      json_builder_set_member_name (builder, "grade");
      json_builder_add_int_value (builder, result->label_index);
      json_builder_set_member_name (builder, "grade_name");
      json_builder_add_string_value (builder, result->label);
    }
  if (result->has_referable)
    {
      json_builder_set_member_name (builder, "referable");
      json_builder_add_boolean_value (builder, result->referable);
      json_builder_set_member_name (builder, "referral_rule");
      json_builder_add_string_value (builder, card->referral_rule);
    }
}

/* input is a path (images) or NULL with an index (tensor rows). */
static void
print_json_result (const char *input, int index, const FoveaEngineTask *task,
                   const float *logits, const FoveaTaskResult *result)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "input");
  if (input != NULL)
    {
      g_autofree char *shown = g_filename_display_name (input);
      json_builder_add_string_value (builder, shown);
    }
  else
    json_builder_add_int_value (builder, index);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, task->name);
  add_floats (builder, "logits", logits, result->n_outputs);
  if (result->calibrated)
    add_interpretation (builder, task, result);
  json_builder_set_member_name (builder, "calibrated");
  json_builder_add_boolean_value (builder, result->calibrated);
  /* Without a card nothing vouches for the outputs: research use only. */
  json_builder_set_member_name (builder, "research_use_only");
  json_builder_add_boolean_value (builder, task->card == NULL || task->card->research_use_only);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

static void
print_table_header (void)
{
  printf ("%-32s %-20s %s\n", "INPUT", "TASK", "RESULT");
}

static void
print_table_result (const char *input, int index, const FoveaEngineTask *task,
                    const float *logits, const FoveaTaskResult *result)
{
  g_autofree char *name = input != NULL ? g_path_get_basename (input)
                                        : g_strdup_printf ("%d", index);
  g_autoptr (GString) text = g_string_new (NULL);
  if (!result->calibrated)
    {
      g_string_append (text, "uncalibrated logits:");
      for (int i = 0; i < MIN (result->n_outputs, TABLE_MAX_LOGITS); i++)
        g_string_append_printf (text, " %.4g", logits[i]);
      if (result->n_outputs > TABLE_MAX_LOGITS)
        g_string_append_printf (text, " … (%d)", result->n_outputs);
    }
  else if (task->card->kind == FOVEA_TASK_CLASSIFICATION)
    g_string_append_printf (text, "%s (p = %.3f)", result->label, result->score);
  else
    g_string_append_printf (text, "grade %d, %s (score %.3f)",
                            result->label_index, result->label, result->score);
  if (result->has_referable)
    g_string_append_printf (text, "; %s", result->referable ? "REFERABLE" : "not referable");
  printf ("%-32s %-20s %s\n", name, task->name, text->str);
}

static void
print_result (const Infer *infer, const char *input, int index, guint task_index,
              const FoveaEngineOutput *output, int row)
{
  const FoveaEngineTask *task = fovea_engine_get_task (infer->engine, task_index);
  const float *logits = output->logits + (gsize) row * output->n_outputs;
  if (infer->json)
    print_json_result (input, index, task, logits, &output->results[row]);
  else
    print_table_result (input, index, task, logits, &output->results[row]);
}

static void
print_failure (const Infer *infer, const char *input, const char *task_name,
               const char *message)
{
  if (!infer->json)
    {
      g_autofree char *name = g_path_get_basename (input);
      printf ("%-32s %-20s error: %s\n", name, task_name ? task_name : "-", message);
      return;
    }
  g_autofree char *shown = g_filename_display_name (input);
  g_autofree char *valid_message = g_utf8_make_valid (message, -1);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "input");
  json_builder_add_string_value (builder, shown);
  if (task_name != NULL)
    {
      json_builder_set_member_name (builder, "task");
      json_builder_add_string_value (builder, task_name);
    }
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, valid_message);
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

/* The file's pixel_values: F32 [N, 3, H, W]; other tensors are ignored. */
static const float *
load_pixel_values (FoveaSafetensors *st, gint64 shape[4], GError **error)
{
  const char *path = fovea_safetensors_get_path (st);
  const FoveaTensorView *view = fovea_safetensors_lookup (st, PIXEL_VALUES);
  if (view == NULL)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                   "%s: no tensor “" PIXEL_VALUES "” (F32, [N, 3, H, W])", path);
      return NULL;
    }
  if (view->dtype != FOVEA_DTYPE_F32 || view->n_dims != 4 || view->shape[1] != 3 ||
      view->shape[0] < 1 || view->shape[2] < 1 || view->shape[3] < 1 ||
      view->shape[0] > G_MAXINT || view->shape[2] > G_MAXINT || view->shape[3] > G_MAXINT)
    {
      g_autoptr (GString) dims = g_string_new (NULL);
      for (int i = 0; i < view->n_dims; i++)
        g_string_append_printf (dims, "%s%" G_GINT64_FORMAT, i ? ", " : "", view->shape[i]);
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                   "%s: “" PIXEL_VALUES "” is %s [%s]; expected F32 [N, 3, H, W]",
                   path, fovea_dtype_to_string (view->dtype), dims->str);
      return NULL;
    }
  memcpy (shape, view->shape, 4 * sizeof (gint64));
  return fovea_safetensors_get_f32 (st, PIXEL_VALUES, 4, shape, error);
}

static int
infer_tensor (const Infer *infer, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  gint64 shape[4];
  const float *pixels = st != NULL ? load_pixel_values (st, shape, &error) : NULL;
  if (pixels == NULL)
    {
      fprintf (stderr, "fovea-cli infer: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  /* Every task first, so the lines come out grouped by input. */
  g_autoptr (GPtrArray) outputs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) fovea_engine_output_free);
  for (guint t = 0; t < infer->tasks->len; t++)
    {
      FoveaEngineOutput *output = fovea_engine_run_tensor (infer->engine,
                                                           g_array_index (infer->tasks, guint, t),
                                                           pixels, (int) shape[0], (int) shape[2],
                                                           (int) shape[3], &error);
      if (output == NULL)
        {
          fprintf (stderr, "fovea-cli infer: %s: %s\n", path, error->message);
          return FOVEA_CLI_EXIT_FATAL;
        }
      g_ptr_array_add (outputs, output);
    }

  if (!infer->json)
    print_table_header ();
  for (int n = 0; n < (int) shape[0]; n++)
    for (guint t = 0; t < infer->tasks->len; t++)
      print_result (infer, NULL, n, g_array_index (infer->tasks, guint, t),
                    outputs->pdata[t], n);
  return FOVEA_CLI_EXIT_OK;
}

/* Runs every task on one image; FALSE when anything failed (reported). */
static gboolean
infer_image (const Infer *infer, const char *path)
{
  /* A large JPEG is decoded at the DCT scale the tasks' inputs allow, as
   * grade does: several times faster, the same detail for the model. */
  FoveaDecodeOptions options;
  fovea_decode_options_init (&options);
  for (guint t = 0; t < infer->tasks->len; t++)
    {
      guint task = g_array_index (infer->tasks, guint, t);
      int size = fovea_preprocess_decode_size (&fovea_engine_get_task (infer->engine,
                                                                       task)->preprocess);
      options.min_width = MAX (options.min_width, size);
    }
  options.min_height = options.min_width;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) image = fovea_decode_file (path, &options, NULL, &error);
  if (image == NULL)
    {
      print_failure (infer, path, NULL, error->message);
      return FALSE;
    }

  gboolean ok = TRUE;
  const FoveaImage *const images[] = { image };
  FoveaModality modality = infer->modality != FOVEA_MODALITY_UNKNOWN
                           ? infer->modality : fovea_modality_guess (image);
  for (guint t = 0; t < infer->tasks->len; t++)
    {
      guint task = g_array_index (infer->tasks, guint, t);
      const FoveaTaskCard *card = fovea_engine_get_task (infer->engine, task)->card;
      /* A fundus grade of an OCTA scan would look like a finding: refuse
       * it, unless the user says what the image is. */
      if (!fovea_task_card_fits_modality (card, modality))
        {
          g_autofree char *message =
            g_strdup_printf ("the image looks like %s, but this task is for %s images "
                             "(give --modality %s if it is one)",
                             fovea_modality_to_string (modality),
                             fovea_modality_to_string (card->modality),
                             fovea_modality_to_string (card->modality));
          print_failure (infer, path, fovea_engine_get_task (infer->engine, task)->name, message);
          ok = FALSE;
          continue;
        }
      g_autoptr (FoveaEngineOutput) output = fovea_engine_run_images (infer->engine, task,
                                                                      images, 1, &error);
      if (output == NULL)
        {
          print_failure (infer, path, fovea_engine_get_task (infer->engine, task)->name,
                         error->message);
          g_clear_error (&error);
          ok = FALSE;
          continue;
        }
      print_result (infer, path, 0, task, output, 0);
    }
  return ok;
}

static int
infer_images (const Infer *infer, char **args)
{
  g_autoptr (GPtrArray) paths = fovea_cli_expand_paths (args, FALSE);
  if (paths->len == 0)
    {
      fprintf (stderr, "fovea-cli infer: no supported image found\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  if (!infer->json)
    print_table_header ();
  guint n_failed = 0;
  for (guint i = 0; i < paths->len; i++)
    {
      if (!infer_image (infer, paths->pdata[i]))
        n_failed++;
      fflush (stdout);
    }
  if (n_failed > 0)
    fprintf (stderr, "fovea-cli infer: %u of %u image(s) failed\n", n_failed, paths->len);
  return n_failed > 0 ? FOVEA_CLI_EXIT_SOME_FAILED : FOVEA_CLI_EXIT_OK;
}

/* --task picks one; otherwise every adapter's task, or the backbone's. */
static gboolean
select_tasks (FoveaEngine *engine, const char *task_name, GArray *tasks)
{
  guint n_tasks = fovea_engine_get_n_tasks (engine);
  if (task_name == NULL)
    {
      for (guint i = n_tasks > 1 ? 1 : 0; i < n_tasks; i++)
        g_array_append_val (tasks, i);
      return TRUE;
    }

  int found = fovea_engine_find_task (engine, task_name);
  if (found >= 0)
    {
      guint index = (guint) found;
      g_array_append_val (tasks, index);
      return TRUE;
    }
  g_autoptr (GString) names = g_string_new (NULL);
  for (guint i = 0; i < n_tasks; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", fovea_engine_get_task (engine, i)->name);
  fprintf (stderr, "fovea-cli infer: no task named “%s” (loaded: %s)\n", task_name, names->str);
  return FALSE;
}

int
fovea_cli_infer (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *task_name = NULL;
  g_autofree char *input_tensor = NULL;
  g_auto (GStrv) adapters = NULL;
  g_auto (GStrv) args = NULL;
  gboolean json = FALSE;
  g_autofree char *modality_name = NULL;
  FoveaModality modality = FOVEA_MODALITY_UNKNOWN;
  int melo_scale = 0;
  int n_threads = 0;
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder (config.json + model.safetensors); default: the installed model "
      "that has --task", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME_ARRAY, &adapters,
      "PEFT adapter folder or MeLo .safetensors file (repeatable)", "PATH" },
    { "task", 't', 0, G_OPTION_ARG_STRING, &task_name,
      "Run only the task of this name (default: every adapter, or the model)", "NAME" },
    { "input-tensor", 'i', 0, G_OPTION_ARG_FILENAME, &input_tensor,
      "safetensors file with an F32 pixel_values [N,3,H,W], already normalised", "FILE" },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality_name,
      "What the images are (fundus, skin, octa); default: guessed per image. Tasks "
      "for another modality are refused", "M" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print one JSON object per input and task per line", NULL },
    { "melo-scale", 0, 0, G_OPTION_ARG_INT, &melo_scale,
      "Scale of MeLo adapters without a _lora_R_ALPHA tag in their name", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "[IMAGE|FOLDER…]" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("— run a model");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_engine_add_options (context);
  g_option_context_set_summary (context,
    "Runs a model, or the tasks of its adapters, on images (preprocessed as each\n"
    "task card says) or on a normalised input tensor. Results are research\n"
    "outputs that require clinician review; without a task card they are\n"
    "uncalibrated raw logits.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli infer: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("infer", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (modality_name != NULL && !fovea_modality_from_string (modality_name, &modality))
    {
      fprintf (stderr, "fovea-cli infer: --modality must be fundus, skin or octa\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  if ((input_tensor != NULL) == (args != NULL))
    {
      fprintf (stderr, "fovea-cli infer: give either --input-tensor FILE or images\n");
      return FOVEA_CLI_EXIT_FATAL;
    }

  const char *task_names[] = { task_name, NULL };
  g_autoptr (FoveaEngine) engine = fovea_cli_load_engine ("infer", model,
                                                          (const char *const *) adapters,
                                                          task_names, melo_scale, n_threads);
  if (engine == NULL)
    return FOVEA_CLI_EXIT_FATAL;
  g_autoptr (GArray) tasks = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!select_tasks (engine, task_name, tasks))
    return FOVEA_CLI_EXIT_FATAL;

  const Infer infer = { engine, tasks, json, modality };
  if (input_tensor != NULL)
    return infer_tensor (&infer, input_tensor);
  return infer_images (&infer, args);
}
