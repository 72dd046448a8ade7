/* bench-cnn.c: ResNet-50 and MobileNetV2 (torchvision layouts, random
 * weights with random BatchNorm statistics) at 224×224, batch 1 and 8,
 * 2 threads.
 *
 * For each network, in a process of its own (so that its peak RSS is its
 * own): load to first result; the median wall time per image; and the
 * same passes with OpenBLAS doing the convolutions' GEMMs on the same
 * folded weights, the baseline, interleaved with the engine's so that
 * drift in the machine's load hits both. The peak RSS is taken before
 * the baseline's weights load, against the folded weights plus the
 * activation arenas (target: within 50 MB of their sum).
 *
 * ONNX Runtime and PyTorch on the same weights: tests/scripts/export-onnx.py,
 * ort-bench.mjs and torch-bench.py (see the README's speed section).
 * Target (issue 17): ResNet-50 batch 1 ≤ ONNX Runtime's time, goal 0.75×. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fovea-bench.h"
#include "fovea-cnn.h"
#include "fovea-test-common.h"
#include "tools/fovea-random-cnn.h"

#define THREADS 2
#define SIZE 224
#define RUNS_BATCH1 15
#define RUNS_BATCH8 5

static const char *const architectures[] = {
  "torchvision/resnet50",
  "torchvision/mobilenet_v2",
};

static FoveaCnn *
load (const char *dir, FoveaCnnLoadFlags flags)
{
  g_autoptr (GError) error = NULL;
  FoveaCnn *cnn = fovea_cnn_load (dir, flags, &error);
  if (cnn == NULL)
    g_error ("%s", error->message);
  return cnn;
}

static FoveaCnnRun *
new_run (FoveaCnn *cnn, int batch)
{
  g_autoptr (GError) error = NULL;
  FoveaCnnRun *run = fovea_cnn_run_new (cnn, batch, SIZE, SIZE, THREADS, &error);
  if (run == NULL)
    g_error ("%s", error->message);
  return run;
}

static double
time_pass (FoveaCnnRun *run, const float *pixels, int batch)
{
  g_autoptr (GError) error = NULL;
  double start = fovea_bench_now_s ();
  if (!fovea_cnn_forward (run, pixels, batch, &error))
    g_error ("%s", error->message);
  return fovea_bench_now_s () - start;
}

/* Median seconds per image of the engine and of the baseline. */
static void
bench_batch (FoveaCnn *cnn, FoveaCnn *baseline, const float *pixels, int batch, int runs)
{
  g_autoptr (FoveaCnnRun) run = new_run (cnn, batch);
  g_autoptr (FoveaCnnRun) base_run = new_run (baseline, batch);
  g_autofree double *engine_s = g_new (double, runs);
  g_autofree double *base_s = g_new (double, runs);

  time_pass (run, pixels, batch);  /* warm-up */
  time_pass (base_run, pixels, batch);
  for (int i = 0; i < runs; i++)
    {
      engine_s[i] = time_pass (run, pixels, batch) / batch;
      base_s[i] = time_pass (base_run, pixels, batch) / batch;
    }
  double e = fovea_bench_median (engine_s, runs), b = fovea_bench_median (base_s, runs);
  printf ("batch %d                      %8.2f ms/image\n", batch, 1e3 * e);
  printf ("batch %d, OpenBLAS (baseline) %8.2f ms/image: the engine takes %.0f%% of it\n",
          batch, 1e3 * b, 100.0 * e / b);
}

static void
bench_model (const char *dir, const char *architecture)
{
  g_autofree float *pixels = fovea_bench_pixels ((gsize) 8 * 3 * SIZE * SIZE);

  double start = fovea_bench_now_s ();
  g_autoptr (FoveaCnn) cnn = load (dir, FOVEA_CNN_LOAD_DEFAULT);
  g_autoptr (FoveaCnnRun) run1 = new_run (cnn, 1);
  time_pass (run1, pixels, 1);
  printf ("# %s, random weights, %d×%d, %d threads; wall-clock medians\n", architecture,
          SIZE, SIZE, THREADS);
  printf ("load to first result         %8.3f s\n", fovea_bench_now_s () - start);

  /* Peak RSS with both runs made and used, before the baseline loads. */
  g_autoptr (FoveaCnnRun) run8 = new_run (cnn, 8);
  time_pass (run8, pixels, 8);
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  double mib = 1024.0 * 1024.0;
  double weights = fovea_cnn_get_weights_size (cnn) / mib;
  double activations = (fovea_cnn_run_get_memory_size (run1) +
                        fovea_cnn_run_get_memory_size (run8)) / mib;
  double rss = usage.ru_maxrss / 1024.0;
  printf ("peak RSS                     %8.1f MiB (weights %.1f + activations %.1f MiB, "
          "%+.1f MiB)\n", rss, weights, activations, rss - weights - activations);
  g_clear_pointer (&run1, fovea_cnn_run_free);
  g_clear_pointer (&run8, fovea_cnn_run_free);

  g_autoptr (FoveaCnn) baseline = load (dir, FOVEA_CNN_LOAD_OPENBLAS);
  bench_batch (cnn, baseline, pixels, 1, RUNS_BATCH1);
  bench_batch (cnn, baseline, pixels, 8, RUNS_BATCH8);
}

/* Runs func in a child process and waits for it. */
static void
in_child (void (*func) (const char *, const char *), const char *dir, const char *architecture)
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      func (dir, architecture);
      fflush (stdout);
      _exit (0);
    }
  int status = 0;
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status) ||
      WEXITSTATUS (status) != 0)
    g_error ("the benchmark of %s failed", architecture);
}

/* Written in a child of its own, so that the generator's buffers do not
 * count towards the benchmark's peak RSS. */
static void
write_model (const char *dir, const char *architecture)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = fovea_random_cnn_config_json (architecture, 1000, NULL, NULL);
  if (!fovea_random_cnn_write (dir, json, FOVEA_DTYPE_F32, 1, &error))
    g_error ("%s", error->message);
}

int
main (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (architectures); i++)
    {
      g_autofree char *dir = fovea_test_mkdtemp ();
      in_child (write_model, dir, architectures[i]);
      in_child (bench_model, dir, architectures[i]);
      fovea_test_rmdir (dir);
    }
  return 0;
}
