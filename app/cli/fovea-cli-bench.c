/* fovea-cli-bench.c: `fovea-cli bench --model DIR [--adapter PATH]
 *   [--batch N] [--runs N] [--threads N] [--size HxW] [--precision P] [--json]`
 *
 * Times the forward pass on random input: load to first result, then a
 * warm-up pass, then --runs timed passes (wall clock, since the pass is
 * multi-threaded). Figures are per image: the median and the fastest run
 * divided by the batch; and the median CPU time of the process (all its
 * threads) per image, which other processes on a busy machine inflate
 * less than the wall time. The model runs through the engine
 * (FoveaEngine), a ViT or a CNN, with its adapter. */
#define G_LOG_DOMAIN "fovea-cli-bench"

#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

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
  const char *precision;  /* what the model ran in: fp32 or bf16 */
  double      median_s;   /* per image */
  double      min_s;      /* per image */
  double      cpu_median_s;  /* per image, all threads */
  double      peak_rss_mb;
} BenchReport;

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The median of n values, sorted in place. */
static double
median_of (double *values, int n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Seconds of CPU time this process has used, all threads. */
static double
process_cpu_s (void)
{
  struct timespec now;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
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
              "precision    %s\nload_s       %.3f (load to first result)\n"
              "median_s     %.4f per image\nmin_s        %.4f per image\n"
              "cpu_median_s %.4f per image (all threads)\n"
              "images_per_s %.2f\npeak_rss_mb  %.1f\n",
              report->model, report->adapter ? report->adapter : "-", report->batch,
              report->threads, report->precision, report->load_s, report->median_s,
              report->min_s, report->cpu_median_s, 1.0 / report->median_s,
              report->peak_rss_mb);
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
  json_builder_set_member_name (builder, "precision");
  json_builder_add_string_value (builder, report->precision);
  json_builder_set_member_name (builder, "load_s");
  json_builder_add_double_value (builder, report->load_s);
  json_builder_set_member_name (builder, "median_s");
  json_builder_add_double_value (builder, report->median_s);
  json_builder_set_member_name (builder, "min_s");
  json_builder_add_double_value (builder, report->min_s);
  json_builder_set_member_name (builder, "cpu_median_s");
  json_builder_add_double_value (builder, report->cpu_median_s);
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

/* One forward pass; its time in seconds, or < 0 (the error printed). */
typedef double (*PassFunc) (gpointer data);

typedef struct {
  FoveaEngine *engine;
  guint        task;
  const float *pixels;
  int          batch, height, width;
} EnginePass;

static double
engine_pass (gpointer data)
{
  const EnginePass *pass = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngineOutput) output = fovea_engine_run_tensor (pass->engine, pass->task,
                                                                  pass->pixels, pass->batch,
                                                                  pass->height, pass->width,
                                                                  &error);
  if (output == NULL)
    {
      fprintf (stderr, "fovea-cli bench: %s\n", error->message);
      return -1;
    }
  return output->forward_s;
}

/* The first pass ends "load to first result" (counted from start); one
 * more untimed pass, since the first still faulted pages of the weights
 * in; then the timed ones. Fills report's times; FALSE on error. */
static gboolean
measure (PassFunc pass, gpointer data, int runs, gint64 start, BenchReport *report)
{
  if (pass (data) < 0)
    return FALSE;
  report->load_s = (g_get_monotonic_time () - start) / 1e6;
  if (pass (data) < 0)
    return FALSE;

  g_autofree double *times = g_new (double, runs);
  g_autofree double *cpu_times = g_new (double, runs);
  for (int i = 0; i < runs; i++)
    {
      double cpu_start = process_cpu_s ();
      if ((times[i] = pass (data)) < 0)
        return FALSE;
      cpu_times[i] = process_cpu_s () - cpu_start;
    }
  report->median_s = median_of (times, runs) / report->batch;
  report->min_s = times[0] / report->batch;  /* sorted by median_of */
  report->cpu_median_s = median_of (cpu_times, runs) / report->batch;
  report->peak_rss_mb = peak_rss_mb ();
  return TRUE;
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
  fovea_cli_engine_add_options (context);
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
  BenchReport report = { .model = model, .adapter = adapter, .batch = batch };
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

  EnginePass pass = { engine, task, pixels, batch, height, width };
  report.threads = fovea_engine_get_n_threads (engine);
  report.precision = fovea_precision_to_string (fovea_engine_get_precision (engine));
  if (!measure (engine_pass, &pass, runs, start, &report))
    return FOVEA_CLI_EXIT_FATAL;
  print_report (&report, json);
  return FOVEA_CLI_EXIT_OK;
}
