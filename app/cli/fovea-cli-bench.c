/* fovea-cli-bench.c: `fovea-cli bench --model DIR [--adapter PATH]
 *   [--batch N] [--runs N] [--threads N] [--size HxW] [--json]`
 *
 * Times the forward pass on random input: load to first result, then a
 * warm-up pass, then --runs timed passes (wall clock, since the pass is
 * multi-threaded). Figures are per image: the median and the fastest run
 * divided by the batch. */
#define G_LOG_DOMAIN "fovea-cli-bench"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "fovea-cli-commands.h"
#include "fovea-cli-engine.h"
#include "fovea-cli-threads.h"

#define BENCH_SEED 20240601

typedef struct {
  const char *model;
  const char *adapter;
  int         batch;
  int         threads;
  double      load_s;
  double      median_s;   /* per image */
  double      min_s;      /* per image */
  double      peak_rss_mb;
} BenchReport;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
peak_rss_mb (void)
{
  struct rusage usage;
  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return 0;
  return usage.ru_maxrss / 1024.0;  /* Linux reports kilobytes */
}

static gboolean
parse_size (const char *text, int *height, int *width)
{
  g_auto (GStrv) parts = g_strsplit (text, "x", 3);
  guint64 h, w;
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, 16384, &h, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, 16384, &w, NULL))
    return FALSE;
  *height = (int) h;
  *width = (int) w;
  return TRUE;
}

static void
print_report (const BenchReport *report, gboolean json)
{
  if (!json)
    {
      printf ("model        %s\nadapter      %s\nbatch        %d\nthreads      %d\n"
              "load_s       %.3f (load to first result)\n"
              "median_s     %.4f per image\nmin_s        %.4f per image\n"
              "images_per_s %.2f\npeak_rss_mb  %.1f\n",
              report->model, report->adapter ? report->adapter : "-", report->batch,
              report->threads, report->load_s, report->median_s, report->min_s,
              1.0 / report->median_s, report->peak_rss_mb);
      return;
    }

  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, report->model);
  json_builder_set_member_name (builder, "adapter");
  if (report->adapter != NULL)
    json_builder_add_string_value (builder, report->adapter);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "batch");
  json_builder_add_int_value (builder, report->batch);
  json_builder_set_member_name (builder, "threads");
  json_builder_add_int_value (builder, report->threads);
  json_builder_set_member_name (builder, "load_s");
  json_builder_add_double_value (builder, report->load_s);
  json_builder_set_member_name (builder, "median_s");
  json_builder_add_double_value (builder, report->median_s);
  json_builder_set_member_name (builder, "min_s");
  json_builder_add_double_value (builder, report->min_s);
  json_builder_set_member_name (builder, "images_per_s");
  json_builder_add_double_value (builder, 1.0 / report->median_s);
  json_builder_set_member_name (builder, "peak_rss_mb");
  json_builder_add_double_value (builder, report->peak_rss_mb);
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);
  printf ("%s\n", text);
}

static float *
random_input (gsize n)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (BENCH_SEED);
  float *pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
  return pixels;
}

/* One forward pass of the benchmarked task; its time in seconds, or < 0. */
static double
time_pass (FoveaEngine *engine, guint task, const float *pixels, int batch,
           int height, int width)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngineOutput) output = fovea_engine_run_tensor (engine, task, pixels, batch,
                                                                  height, width, &error);
  if (output == NULL)
    {
      fprintf (stderr, "fovea-cli bench: %s\n", error->message);
      return -1;
    }
  return output->forward_s;
}

int
fovea_cli_bench (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *adapter = NULL;
  g_autofree char *size = NULL;
  int batch = 1, runs = 10, n_threads = 0;
  gboolean json = FALSE;
  g_autofree char *threads_text = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model,
      "Model folder (config.json + model.safetensors)", "DIR" },
    { "adapter", 'a', 0, G_OPTION_ARG_FILENAME, &adapter,
      "PEFT adapter folder or MeLo .safetensors file to apply", "PATH" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, "Images per forward pass (default 1)", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Timed passes after the warm-up (default 10)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &threads_text,
      "Threads " FOVEA_CLI_THREADS_HELP, "N" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size,
      "Input height×width (default: the model's input size)", "HxW" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    G_OPTION_ENTRY_NULL
  };

  g_autoptr (GOptionContext) context = g_option_context_new ("— time the forward pass");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli bench: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (!fovea_cli_parse_threads ("bench", "--threads", threads_text, &n_threads))
    return FOVEA_CLI_EXIT_FATAL;
  if (argc > 1 || batch < 1 || batch > FOVEA_ENGINE_MAX_BATCH || runs < 1)
    {
      fprintf (stderr, "fovea-cli bench: need --batch from 1 to %d, --runs ≥ 1 "
                       "and no other arguments\n", FOVEA_ENGINE_MAX_BATCH);
      return FOVEA_CLI_EXIT_FATAL;
    }
  int height = 0, width = 0;
  if (size != NULL && !parse_size (size, &height, &width))
    {
      fprintf (stderr, "fovea-cli bench: --size “%s” is not HxW, e.g. 224x224\n", size);
      return FOVEA_CLI_EXIT_FATAL;
    }

  gint64 start = g_get_monotonic_time ();
  const char *adapters[] = { adapter, NULL };
  g_autoptr (FoveaEngine) engine = fovea_cli_load_engine ("bench", model, adapters, NULL, 0,
                                                          n_threads);
  if (engine == NULL)
    return FOVEA_CLI_EXIT_FATAL;
  guint task = fovea_engine_get_n_tasks (engine) - 1;
  if (size == NULL)
    {
      height = fovea_engine_get_task (engine, task)->preprocess.height;
      width = fovea_engine_get_task (engine, task)->preprocess.width;
    }
  g_autofree float *pixels = random_input (3 * (gsize) batch * height * width);

  /* The first pass ends "load to first result". */
  if (time_pass (engine, task, pixels, batch, height, width) < 0)
    return FOVEA_CLI_EXIT_FATAL;
  double load_s = (g_get_monotonic_time () - start) / 1e6;
  /* One more untimed pass: the first still faulted pages of the weights in. */
  if (time_pass (engine, task, pixels, batch, height, width) < 0)
    return FOVEA_CLI_EXIT_FATAL;

  g_autofree double *times = g_new (double, runs);
  for (int i = 0; i < runs; i++)
    {
      times[i] = time_pass (engine, task, pixels, batch, height, width);
      if (times[i] < 0)
        return FOVEA_CLI_EXIT_FATAL;
    }
  qsort (times, runs, sizeof (double), compare_doubles);
  double median = runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;

  const BenchReport report = {
    .model = model, .adapter = adapter, .batch = batch,
    .threads = fovea_engine_get_n_threads (engine), .load_s = load_s,
    .median_s = median / batch, .min_s = times[0] / batch, .peak_rss_mb = peak_rss_mb (),
  };
  print_report (&report, json);
  return FOVEA_CLI_EXIT_OK;
}
