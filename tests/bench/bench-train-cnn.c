/* bench-train-cnn.c: training throughput of MobileNetV2 (torchvision
 * layout, random weights and BatchNorm statistics) at the resolutions a
 * fundus grader trains at, 512 × 512 and 384 × 384, batch 16, 2 threads.
 *
 * Baseline: the frozen model's training forward alone, in the same run.
 * Against it, one optimiser step (forward, backward, clipping, AdamW) of:
 *   head  a new 5-way head on the frozen backbone;
 *   LoRA  rank 8 on every 1×1 convolution, and the head;
 *   full  every convolution and the head.
 * Prints images/s, the backward's cost in forwards ((step − forward) /
 * forward), the arena each mode plans, and the process's peak RSS after
 * each phase (the modes run in order of their memory, so each figure is
 * the largest so far). Times are medians, wall-clock and CPU time over
 * the two threads (what a quiet machine's wall clock would show; on a
 * shared one the wall clock also counts the others' turns).
 * FOVEA_BENCH_SIZES="384" (say) picks the sizes, FOVEA_BENCH_RUNS the
 * number of timed steps. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "fovea-bench.h"
#include "fovea-loss.h"
#include "fovea-optim.h"
#include "tools/fovea-random-cnn.h"
#include "fovea-test-common.h"
#include "fovea-train-cnn.h"

#define BATCH 16
#define CLASSES 5
#define THREADS 2

static double
peak_rss_mb (void)
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

typedef struct {
  FoveaTrainCnn *model;
  FoveaAdamW    *optimizer;
  const float   *pixels;
  const int     *labels;
  float         *dlogits;
} Trainer;

static void
step (Trainer *t, gboolean backward)
{
  g_autoptr (GError) error = NULL;
  int n_params, classes = fovea_train_cnn_get_n_outputs (t->model);
  const float *logits = fovea_train_cnn_forward (t->model, t->pixels, BATCH, &error);
  if (logits == NULL)
    g_error ("%s", error->message);
  if (!backward)
    return;
  fovea_loss_cross_entropy (logits, t->labels, BATCH, classes, NULL, 0, t->dlogits);
  fovea_train_cnn_zero_grad (t->model);
  fovea_train_cnn_backward (t->model, t->dlogits);
  const FoveaTrainParam *params = fovea_train_cnn_get_params (t->model, &n_params);
  fovea_clip_grad_norm (params, n_params, 1.0);
  fovea_adamw_step (t->optimizer, params, n_params, 1e-4);
}

/* The process's CPU time (every thread's), in seconds. */
static double
cpu_seconds (void)
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

typedef struct {
  double wall;  /* median seconds a step */
  double cpu;   /* median CPU seconds a step, over the threads: the wall
                 * time a quiet machine would show */
} Timing;

static Timing
median_timing (Trainer *t, gboolean backward, int runs)
{
  double wall[16], cpu[16];
  step (t, backward);  /* warm-up: first touch of the arena */
  for (int i = 0; i < runs; i++)
    {
      double start = fovea_bench_now_s (), start_cpu = cpu_seconds ();
      step (t, backward);
      wall[i] = fovea_bench_now_s () - start;
      cpu[i] = (cpu_seconds () - start_cpu) / THREADS;
    }
  return (Timing) { fovea_bench_median (wall, runs), fovea_bench_median (cpu, runs) };
}

static void
measure (const char *what, FoveaTrainCnn *model, const float *pixels, const int *labels,
         Timing forward, int runs)
{
  int n_params;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n_params);
  FoveaAdamWConfig config = { 1e-4, 0.9, 0.999, 1e-8, 0.05 };
  g_autofree float *dlogits = g_new (float, BATCH * CLASSES);
  Trainer t = { model, fovea_adamw_new (&config, params, n_params), pixels, labels, dlogits };
  gsize trained = 0;
  for (int i = 0; i < n_params; i++)
    trained += params[i].n;

  Timing train = median_timing (&t, TRUE, runs);
  printf ("  %-5s step %7.3f s  %5.2f img/s  (CPU %6.3f s: %5.2f img/s, backward %.2f× the "
          "forward)  %8zu trained  arena %5.0f MB  peak RSS %5.0f MB\n", what, train.wall,
          BATCH / train.wall, train.cpu, BATCH / train.cpu, (train.cpu - forward.cpu) / forward.cpu,
          trained, fovea_train_cnn_get_arena_bytes (model) / 1e6, peak_rss_mb ());
  fflush (stdout);
  fovea_adamw_free (t.optimizer);
}

static FoveaTrainCnn *
made (FoveaTrainCnn *model, GError *error)
{
  if (model == NULL)
    g_error ("%s", error->message);
  return model;
}

static void
bench_size (const FoveaCnnConfig *config, FoveaSafetensors *weights, int side, int runs)
{
  g_autoptr (GError) error = NULL;
  g_autofree float *pixels = g_new (float, (gsize) BATCH * 3 * side * side);
  fovea_random_cnn_pixels (pixels, (gsize) BATCH * 3 * side * side, 7);
  int labels[BATCH];
  for (int i = 0; i < BATCH; i++)
    labels[i] = i % CLASSES;
  FoveaTrainCnnSize size = { BATCH, side, side, THREADS };
  printf ("%d × %d, batch %d:\n", side, side, BATCH);

  Timing forward;
  {
    g_autoptr (FoveaTrainCnn) frozen = made (fovea_train_cnn_new_frozen (config, weights, NULL,
                                                                         &size, &error), error);
    Trainer t = { frozen, NULL, pixels, labels, NULL };
    forward = median_timing (&t, FALSE, runs);
    printf ("  forward      %7.3f s  %5.2f img/s  (CPU %6.3f s: %5.2f img/s)  arena %5.0f MB  "
            "peak RSS %5.0f MB\n", forward.wall, BATCH / forward.wall, forward.cpu,
            BATCH / forward.cpu, fovea_train_cnn_get_arena_bytes (frozen) / 1e6, peak_rss_mb ());
    fflush (stdout);
  }
  {
    g_autoptr (FoveaTrainCnn) head = made (fovea_train_cnn_new_head (config, weights, CLASSES, 1,
                                                                     &size, &error), error);
    measure ("head", head, pixels, labels, forward, runs);
  }
  {
    FoveaLoraSpec spec = { 8, 16.0, FALSE, FOVEA_TRAIN_TARGET_CONV1X1 };
    g_autoptr (FoveaTrainCnn) lora = made (fovea_train_cnn_new_lora (config, weights, &spec,
                                                                     CLASSES, 1, &size, &error),
                                           error);
    measure ("LoRA", lora, pixels, labels, forward, runs);
  }
  {
    g_autoptr (FoveaTrainCnn) full = made (fovea_train_cnn_new_full (config, weights, CLASSES, 1,
                                                                     &size, &error), error);
    measure ("full", full, pixels, labels, forward, runs);
  }
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *config_json = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", 1000,
                                                               "same", NULL);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  FoveaCnnConfig config;
  if (!fovea_random_cnn_write (dir, config_json, FOVEA_DTYPE_F16, 1, &error) ||
      !fovea_cnn_config_load_file (&config, config_path, &error))
    g_error ("%s", error->message);
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  if (weights == NULL)
    g_error ("%s", error->message);

  const char *sizes = g_getenv ("FOVEA_BENCH_SIZES");
  const char *runs_text = g_getenv ("FOVEA_BENCH_RUNS");
  int runs = CLAMP (runs_text ? atoi (runs_text) : 3, 1, 16);
  g_auto (GStrv) sides = g_strsplit (sizes ? sizes : "512,384", ",", -1);
  printf ("# MobileNetV2 (torchvision, SAME padding, F16 weights as bundled), %d threads; "
          "wall-clock medians of %d steps\n", THREADS, runs);
  for (int i = 0; sides[i] != NULL; i++)
    bench_size (&config, weights, atoi (sides[i]), runs);

  fovea_cnn_config_clear (&config);
  fovea_test_rmdir (dir);
  return 0;
}
