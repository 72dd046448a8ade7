/* fovea-cli-explain.c: `fovea-cli explain --kind saliency|anomaly
 *   [--method NAME] [--model DIR] [--task NAME] [--adapter PATH]
 *   [--bank PATH] [--modality M] IMAGE --out MAP.png [--json]`
 *
 * Writes a map of one image as a 16-bit grey PNG of the image's own size
 * (0 outside the fundus field of view):
 * - saliency: where the task's prediction drew from, 0..1 → 0..65535;
 *   methods are a table: attention rollout (a ViT's; the default there),
 *   Grad-CAM (a ViT's, or a CNN's class activation map) and cam (a CNN's
 *   class activation map; the default there). Rollout on a CNN, or cam
 *   on a ViT, is a usage error that names the method to use;
 * - anomaly: each pixel's distance to the nearest normal patch of a
 *   PatchCore bank, scaled so that 65535 is twice the highest score a
 *   normal image reached when the bank was built (mid-grey: as abnormal as
 *   the most abnormal normal image); the scale is printed with --json.
 * With --json prints {"image", "kind", "method", "score", "peak": [x, y],
 * ...}. Exit 1 for bad usage, a missing or unfit model or bank (nothing
 * done); 3 when the image cannot be read or the map cannot be written. */
#define G_LOG_DOMAIN "fovea-cli-explain"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fovea-anomaly.h"
#include "fovea-cli-commands.h"
#include "fovea-cli-engine.h"
#include "fovea-cli-threads.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-input-map.h"
#include "fovea-json-number.h"
#include "fovea-output-guard.h"
#include "fovea-anomaly-installed.h"

#define COMMAND "fovea-cli explain"

typedef struct {
  const char  *model;
  const char  *task;
  const char  *adapter;
  const char  *bank;
  gboolean     has_modality;
  FoveaModality modality;
  int          n_threads;
} ExplainArgs;

/* What a method computed: an image-size map in 0..1 (or raw units with
 * png_scale), the score it reports and where its peak is. */
typedef struct {
  int         width, height;
  float      *map;
  double      png_scale;       /* map value written as 65535 */
  double      score;           /* NaN: none (JSON null) */
  double      normalised;      /* anomaly: score / normal max; NaN otherwise */
  char       *task;            /* saliency: the task explained */
  gboolean    has_peak;        /* else the map's maximum */
  int         peak_x, peak_y;
} ExplainResult;

static void
explain_result_clear (ExplainResult *result)
{
  g_free (result->map);
  g_free (result->task);
}

/* A saliency method: fills result from an engine that has the task. */
typedef gboolean (*SaliencyFunc) (FoveaEngine *engine, guint task, const FoveaImage *image,
                                  ExplainResult *result, GError **error);

/* Loads the engine and runs the task on the image, with the rollout. */
static gboolean
saliency_rollout (FoveaEngine *engine, guint task_index, const FoveaImage *image,
                  ExplainResult *result, GError **error)
{
  fovea_engine_set_rollout (engine, TRUE);
  const FoveaImage *const images[] = { image };
  g_autoptr (FoveaEngineOutput) output = fovea_engine_run_images (engine, task_index, images, 1,
                                                                  error);
  if (output == NULL)
    return FALSE;
  const FoveaEngineTask *task = fovea_engine_get_task (engine, task_index);
  result->map = fovea_input_map_to_image (&task->preprocess, image, output->rollout,
                                          output->grid_h, output->grid_w, 0,
                                          &result->width, &result->height, error);
  if (result->map == NULL)
    return FALSE;
  result->png_scale = 1.0;
  result->score = output->results[0].calibrated ? output->results[0].score : NAN;
  result->task = g_strdup (task->name);
  return TRUE;
}

/* Grad-CAM of the predicted class, scaled so that its peak is 1 (its
 * units are the logit's, which say nothing across images). The task is
 * also run as usual for its calibrated score. */
static gboolean
saliency_gradcam (FoveaEngine *engine, guint task_index, const FoveaImage *image,
                  ExplainResult *result, GError **error)
{
  const FoveaImage *const images[] = { image };
  g_autoptr (FoveaEngineOutput) output = fovea_engine_run_images (engine, task_index, images, 1,
                                                                  error);
  if (output == NULL)
    return FALSE;
  int grid_h, grid_w;
  g_autofree float *grid = fovea_engine_gradcam (engine, task_index, image, -1, &grid_h,
                                                 &grid_w, NULL, error);
  if (grid == NULL)
    return FALSE;
  float top = 0;
  for (int i = 0; i < grid_h * grid_w; i++)
    top = MAX (top, grid[i]);
  for (int i = 0; top > 0 && i < grid_h * grid_w; i++)
    grid[i] /= top;
  const FoveaEngineTask *task = fovea_engine_get_task (engine, task_index);
  result->map = fovea_input_map_to_image (&task->preprocess, image, grid, grid_h, grid_w, 0,
                                          &result->width, &result->height, error);
  if (result->map == NULL)
    return FALSE;
  result->png_scale = 1.0;
  result->score = output->results[0].calibrated ? output->results[0].score : NAN;
  result->task = g_strdup (task->name);
  return TRUE;
}

/* The saliency methods, and the backbones they apply to. On a CNN
 * fovea_engine_gradcam is the class activation map, so "cam" and
 * "gradcam" are one function. */
static const struct {
  const char   *name;
  SaliencyFunc  func;
  gboolean      vit, cnn;
} saliency_methods[] = {
  { "rollout", saliency_rollout, TRUE, FALSE },
  { "gradcam", saliency_gradcam, TRUE, TRUE },
  { "cam", saliency_gradcam, FALSE, TRUE },
};

/* Whether the method applies to the engine's backbone; else a message
 * that says which do. */
static gboolean
saliency_method_fits (guint method, FoveaEngine *engine)
{
  gboolean cnn = fovea_engine_get_family (engine) == FOVEA_BACKBONE_CNN;
  if (cnn ? saliency_methods[method].cnn : saliency_methods[method].vit)
    return TRUE;
  if (cnn)
    fprintf (stderr, COMMAND ": --method %s needs a Vision Transformer's attention maps; this "
             "model is a CNN: use --method cam (its class activation map, which is also what "
             "gradcam gives on a CNN)\n", saliency_methods[method].name);
  else
    fprintf (stderr, COMMAND ": --method %s is a CNN's class activation map; this model is a "
             "Vision Transformer: use --method rollout or gradcam\n",
             saliency_methods[method].name);
  return FALSE;
}

/* The method's index, or -1. */
static int
find_saliency_method (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (saliency_methods); i++)
    if (strcmp (saliency_methods[i].name, name) == 0)
      return (int) i;
  return -1;
}

static int
task_index (FoveaEngine *engine, const char *name)
{
  if (name == NULL)
    return (int) fovea_engine_get_n_tasks (engine) - 1;  /* the last adapter, else the backbone */
  int found = fovea_engine_find_task (engine, name);
  if (found < 0)
    fprintf (stderr, COMMAND ": no task named “%s”\n", name);
  return found;
}

/* Without --bank: the installed bank for the image's modality (fundus
 * unless --modality says otherwise) and the backbone it was built on. */
static gboolean
find_installed_bank (ExplainArgs *args, char **bank_path, char **model_dir)
{
  FoveaModality modality = args->has_modality ? args->modality : FOVEA_MODALITY_FUNDUS;
  g_autoptr (FoveaModelCatalog) catalog = fovea_model_catalog_scan_default (NULL);
  g_autoptr (FoveaInstalledBank) found = fovea_anomaly_find_installed (catalog, modality, NULL);

  if (found->bank_path == NULL)
    {
      fprintf (stderr, COMMAND ": %s; give --bank FILE and --model DIR\n", found->why_none);
      return FALSE;
    }
  fprintf (stderr, COMMAND ": using the installed bank %s on %s\n", found->bank_path,
           found->model_dir);
  args->bank = *bank_path = g_steal_pointer (&found->bank_path);
  args->model = *model_dir = g_steal_pointer (&found->model_dir);
  return TRUE;
}

static FoveaAnomaly *
load_anomaly_from (const ExplainArgs *args)
{
  if (args->bank == NULL || args->model == NULL)
    {
      fprintf (stderr, COMMAND ": --kind anomaly needs --bank PATH and --model DIR "
               "(the backbone the bank was built with), or neither for the installed bank\n");
      return NULL;
    }
  g_autoptr (GError) error = NULL;
  FoveaPatchBank *bank = fovea_patch_bank_load (args->bank, &error);
  if (bank == NULL)
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return NULL;
    }
  FoveaModality bank_modality = FOVEA_MODALITY_UNKNOWN;
  fovea_modality_from_string (bank->card.modality, &bank_modality);
  if (args->has_modality && args->modality != bank_modality)
    {
      fprintf (stderr, COMMAND ": the bank %s was built on %s images, not %s\n", args->bank,
               bank->card.modality, fovea_modality_to_string (args->modality));
      fovea_patch_bank_free (bank);
      return NULL;
    }
  FoveaAnomaly *anomaly = fovea_anomaly_new_for_bank (args->model, args->adapter, bank,
                                                      args->n_threads, &error);
  if (anomaly == NULL)
    fprintf (stderr, COMMAND ": %s: %s\n", args->bank, error->message);
  return anomaly;
}

static FoveaAnomaly *
load_anomaly (ExplainArgs *args)
{
  g_autofree char *installed_bank = NULL, *installed_model = NULL;
  if (args->bank == NULL && args->model == NULL && args->adapter == NULL &&
      !find_installed_bank (args, &installed_bank, &installed_model))
    return NULL;
  FoveaAnomaly *anomaly = load_anomaly_from (args);
  if (installed_bank != NULL)
    args->bank = args->model = NULL;  /* they are freed here */
  return anomaly;
}

static gboolean
anomaly_map (FoveaAnomaly *anomaly, const FoveaImage *image, ExplainResult *result,
             GError **error)
{
  g_autoptr (FoveaAnomalyMap) map = fovea_anomaly_compute (anomaly, image, error);
  if (map == NULL)
    return FALSE;
  const FoveaPatchCard *card = &fovea_anomaly_get_bank (anomaly)->card;
  result->width = map->width;
  result->height = map->height;
  result->map = g_steal_pointer (&map->map);
  result->score = map->score;
  result->has_peak = TRUE;
  result->peak_x = map->peak_x;
  result->peak_y = map->peak_y;
  result->normalised = card->normal_score_max > 0.0 ? map->score / card->normal_score_max : NAN;
  /* Without calibration the map is scaled to its own maximum. */
  result->png_scale = card->normal_score_max > 0.0 ? 2.0 * card->normal_score_max
                                                   : MAX (map->score, 1e-12);
  return TRUE;
}

static void
find_peak (const ExplainResult *result, int *x, int *y)
{
  if (result->has_peak)
    {
      *x = result->peak_x;
      *y = result->peak_y;
      return;
    }
  gsize n = (gsize) result->width * result->height, best = 0;
  for (gsize i = 1; i < n; i++)
    if (result->map[i] > result->map[best])
      best = i;
  *x = (int) (best % result->width);
  *y = (int) (best / result->width);
}

static gboolean
write_png16 (const ExplainResult *result, const char *path, GError **error)
{
  g_autoptr (FoveaImage) png = fovea_image_new (result->width, result->height, 1, 16, error);
  if (png == NULL)
    return FALSE;
  for (int y = 0; y < result->height; y++)
    {
      guint16 *row = fovea_image_row16 (png, y);
      const float *src = result->map + (gsize) y * result->width;
      for (int x = 0; x < result->width; x++)
        {
          double v = src[x] / result->png_scale;
          row[x] = (guint16) lround (65535.0 * CLAMP (isfinite (v) ? v : 0.0, 0.0, 1.0));
        }
    }
  return fovea_encode_png_file (png, path, error);
}

static void
print_json (const char *image, const char *kind, const char *method,
            const ExplainResult *result, int peak_x, int peak_y, const char *out)
{
  g_autofree char *shown_image = g_filename_display_name (image);
  g_autofree char *shown_out = g_filename_display_name (out);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, shown_image);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method);
  if (result->task != NULL)
    {
      json_builder_set_member_name (b, "task");
      json_builder_add_string_value (b, result->task);
    }
  fovea_json_add_number (b, "score", result->score);
  if (strcmp (kind, "anomaly") == 0)
    fovea_json_add_number (b, "normalised_score", result->normalised);
  json_builder_set_member_name (b, "peak");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, peak_x);
  json_builder_add_int_value (b, peak_y);
  json_builder_end_array (b);
  fovea_json_add_number (b, "png_scale", result->png_scale);
  json_builder_set_member_name (b, "out");
  json_builder_add_string_value (b, shown_out);
  json_builder_set_member_name (b, "research_use_only");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

int
fovea_cli_explain (int argc, char **argv)
{
  g_autofree char *kind = NULL, *method = NULL, *model = NULL, *task = NULL;
  g_autofree char *adapter = NULL, *bank = NULL, *modality_name = NULL, *out = NULL;
  g_auto (GStrv) args = NULL;
  gboolean json = FALSE, force = FALSE;
  int n_threads = 0;
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "kind", 'k', 0, G_OPTION_ARG_STRING, &kind,
      "saliency (where the prediction looked) or anomaly (unlike the bank's normal images)",
      "KIND" },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method,
      "Saliency method: rollout (a ViT's default), gradcam, or cam (a CNN's class "
      "activation map; its default)", "NAME" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder (config.json + model.safetensors); saliency: default an installed "
      "model with the task", "DIR" },
    { "task", 't', 0, G_OPTION_ARG_STRING, &task,
      "Saliency: the task to explain (default: the adapter's, else the model's)", "NAME" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME, &adapter,
      "PEFT adapter folder or MeLo file", "PATH" },
    { "bank", 'b', 0, G_OPTION_ARG_FILENAME, &bank,
      "Anomaly: memory bank from `fovea-cli anomaly-bank`", "FILE" },
    { "modality", 0, 0, G_OPTION_ARG_STRING, &modality_name,
      "Anomaly: the image's modality, checked against the bank's", "M" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "The map, a 16-bit grey PNG of the image's size", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing map", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print the score and the map's peak as JSON", NULL },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads for the forward pass " FOVEA_CLI_THREADS_HELP, "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, "IMAGE" },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("IMAGE — write a heat-map");
  g_option_context_add_main_entries (context, entries, NULL);
  fovea_cli_engine_add_options (context);
  g_option_context_set_summary (context,
    "Writes a saliency or anomaly map of an image as a 16-bit grey PNG of the\n"
    "image's size. Maps are research outputs that require clinician review.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("explain", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (args == NULL || args[0] == NULL || args[1] != NULL || out == NULL)
    {
      fprintf (stderr, COMMAND ": give one IMAGE and --out MAP.png\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  gboolean anomaly_kind = g_strcmp0 (kind, "anomaly") == 0;
  if (!anomaly_kind && g_strcmp0 (kind, "saliency") != 0)
    {
      fprintf (stderr, COMMAND ": --kind must be saliency or anomaly\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  ExplainArgs ea = { model, task, adapter, bank, modality_name != NULL,
                     FOVEA_MODALITY_UNKNOWN, n_threads };
  if (modality_name != NULL && !fovea_modality_from_string (modality_name, &ea.modality))
    {
      fprintf (stderr, COMMAND ": unknown modality “%s” (fundus, octa, skin)\n", modality_name);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (anomaly_kind && method != NULL)
    {
      fprintf (stderr, COMMAND ": --method applies to --kind saliency only\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  int method_at = -1;
  if (!anomaly_kind && method != NULL && (method_at = find_saliency_method (method)) < 0)
    {
      fprintf (stderr, COMMAND ": unknown saliency method “%s” (rollout, gradcam or cam)\n",
               method);
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) args);
  g_ptr_array_add (reads, model);
  g_ptr_array_add (reads, adapter);
  g_ptr_array_add (reads, bank);
  if (!fovea_output_guard_check (out, reads, force, &error))
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  /* The model (and bank) first: they are usage errors, and they decide
   * nothing about the image. */
  g_autoptr (FoveaAnomaly) anomaly = NULL;
  g_autoptr (FoveaEngine) engine = NULL;
  int task_at = 0;
  if (anomaly_kind && (anomaly = load_anomaly (&ea)) == NULL)
    return FOVEA_CLI_EXIT_FATAL;
  if (!anomaly_kind)
    {
      const char *adapters[] = { adapter, NULL };
      const char *task_names[] = { task, NULL };
      engine = fovea_cli_load_engine ("explain", model, adapter ? adapters : NULL,
                                      task ? task_names : NULL, 0, n_threads);
      if (engine == NULL || (task_at = task_index (engine, task)) < 0)
        return FOVEA_CLI_EXIT_FATAL;
      /* The default is the backbone's own kind of map. */
      if (method_at < 0)
        method_at = find_saliency_method (fovea_engine_get_family (engine) == FOVEA_BACKBONE_CNN
                                          ? "cam" : "rollout");
      if (!saliency_method_fits ((guint) method_at, engine))
        return FOVEA_CLI_EXIT_FATAL;
    }

  const char *path = args[0];
  g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
  ExplainResult result = { .score = NAN, .normalised = NAN };
  gboolean ok = image != NULL &&
                (anomaly_kind ? anomaly_map (anomaly, image, &result, &error)
                              : saliency_methods[method_at].func (engine, (guint) task_at, image,
                                                                  &result, &error)) &&
                write_png16 (&result, out, &error);
  if (!ok)
    {
      fprintf (stderr, COMMAND ": %s\n", error->message);
      explain_result_clear (&result);
      return FOVEA_CLI_EXIT_SOME_FAILED;
    }

  int peak_x, peak_y;
  find_peak (&result, &peak_x, &peak_y);
  if (json)
    print_json (path, anomaly_kind ? "anomaly" : "saliency",
                anomaly_kind ? "patchcore" : saliency_methods[method_at].name,
                &result, peak_x, peak_y, out);
  else
    printf ("%s: %s map written to %s (score %.4g, peak at %d, %d)\n", path,
            anomaly_kind ? "anomaly" : "saliency", out, result.score, peak_x, peak_y);
  explain_result_clear (&result);
  return FOVEA_CLI_EXIT_OK;
}
