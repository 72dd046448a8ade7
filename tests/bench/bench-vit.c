/* bench-vit.c: the ViT-B/16 forward pass at 224×224 with random weights.
 *
 * Prints load-to-first-result, the median wall time per image at batch 1
 * and 8 (wall time: the pass is multi-threaded), the same with a rank-4
 * MeLo q/v adapter (the overhead in %), and the peak RSS against the
 * weights' size. The baseline, measured in the same run, is the pass's
 * GEMMs alone in OpenBLAS on the unpacked weights, with the same shapes
 * and threads: on a CPU with AVX-512 the engine's own GEMM on packed
 * weights (fovea-gemm.h) replaces them, and the whole pass may take less
 * than this baseline.
 * Targets (issue: inference engine): batch 1 ≤ 0.15 s, batch 8 ≤ 0.13 s
 * per image, load to first result ≤ 0.5 s, peak RSS ≤ weights + 100 MB,
 * adapter ≤ 3 %.
 * On a CPU with AVX512-BF16, the same model loaded in BF16 precision
 * (fovea-gemm-bf16.h) runs interleaved with the FP32 one at batch 1 and 8:
 * medians of wall time and of the process's CPU time (all threads) per
 * image, the latter less inflated when other processes share the cores.
 * PyTorch's bf16 autocast on the same weights is compared by
 * tests/scripts/bench-vs-torch.py. */
#include <cblas.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fovea-adapter.h"
#include "fovea-gemm-bf16.h"
#include "fovea-safetensors.h"
#include "fovea-bench.h"
#include "fovea-test-common.h"
#include "fovea-vit.h"
#include "tools/fovea-random-vit.h"

#define ARCHITECTURE "vit_base_patch16_224"
#define NUM_CLASSES 1000
#define MELO_RANK 4
#define RUNS_BATCH1 15
#define RUNS_BATCH8 5

typedef struct {
  FoveaVitRun     *run;
  const float     *pixels;
  int              batch;
  const FoveaLora *lora;
} Pass;

static double
time_pass (const Pass *pass)
{
  g_autoptr (GError) error = NULL;
  double start = fovea_bench_now_s ();
  if (!fovea_vit_forward (pass->run, pass->pixels, pass->batch, pass->lora, &error))
    g_error ("%s", error->message);
  return fovea_bench_now_s () - start;
}

/* The GEMMs of the forward pass alone, on the model's own weights (so
 * that streaming them from memory counts, as it does in the engine). */
static double
time_gemms (const FoveaVitConfig *c, FoveaSafetensors *weights, int batch,
            float *in, float *out)
{
  int patches = (c->img_size[0] / c->patch_size) * (c->img_size[1] / c->patch_size);
  int tokens = patches + 1, rows = batch * tokens, dim = c->embed_dim;
  int hidden = (int) (dim * c->mlp_ratio), head_dim = dim / c->num_heads;
  int patch_in = c->in_chans * c->patch_size * c->patch_size;
  struct { const char *module; int in, out; } layers[] = {
    { "attn.qkv", dim, 3 * dim }, { "attn.proj", dim, dim },
    { "mlp.fc1", dim, hidden }, { "mlp.fc2", hidden, dim },
  };
  double start = fovea_bench_now_s ();

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, batch * patches, dim, patch_in,
               1.0f, in, patch_in, fovea_safetensors_lookup (weights, "patch_embed.proj.weight")->data,
               patch_in, 0.0f, out, dim);
  for (int l = 0; l < c->depth; l++)
    {
      for (gsize i = 0; i < G_N_ELEMENTS (layers); i++)
        {
          g_autofree char *name = g_strdup_printf ("blocks.%d.%s.weight", l, layers[i].module);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, layers[i].out,
                       layers[i].in, 1.0f, in, layers[i].in,
                       fovea_safetensors_lookup (weights, name)->data, layers[i].in,
                       1.0f, out, layers[i].out);
        }
      /* q·kᵀ and P·v of every head (here one after the other) */
      for (int bh = 0; bh < batch * c->num_heads; bh++)
        {
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, tokens, tokens, head_dim,
                       1.0f, in, 3 * dim, in + dim, 3 * dim, 0.0f, out, tokens);
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, tokens, head_dim, tokens,
                       1.0f, out, tokens, in, 3 * dim, 0.0f, out + tokens * tokens, dim);
        }
    }
  return fovea_bench_now_s () - start;
}

/* Generated in a child process, so that the generator's buffers do not
 * count towards this process's peak RSS. */
static void
write_model (const char *dir, const char *melo)
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      g_autoptr (GError) error = NULL;
      FoveaVitConfig config = { 0 };
      g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
      gboolean ok = fovea_random_vit_write (dir, ARCHITECTURE, NUM_CLASSES, 1, &error) &&
                    fovea_vit_config_load_file (&config, config_path, &error) &&
                    fovea_random_melo_write (melo, &config, MELO_RANK, NUM_CLASSES, 2, &error);
      if (!ok)
        fprintf (stderr, "%s\n", error->message);
      _exit (ok ? 0 : 1);
    }
  int status = 0;
  if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status) ||
      WEXITSTATUS (status) != 0)
    g_error ("could not write the random ViT to %s", dir);
}

/* Median seconds per image of the bare pass and of the pass with the
 * adapter, interleaved so that drift in the machine's load hits both. */
static double
bench_batch (FoveaVit *vit, const FoveaLora *lora, const float *pixels,
             int batch, int runs)
{
  g_autoptr (GError) error = NULL;
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, c->img_size[0],
                                                   c->img_size[1], 0, 0, &error);
  if (run == NULL)
    g_error ("%s", error->message);
  Pass bare = { run, pixels, batch, NULL }, adapted = { run, pixels, batch, lora };
  g_autofree double *bare_s = g_new (double, runs);
  g_autofree double *adapted_s = g_new (double, runs);

  time_pass (&bare);  /* warm-up */
  time_pass (&adapted);
  for (int i = 0; i < runs; i++)
    {
      bare_s[i] = time_pass (&bare) / batch;
      adapted_s[i] = time_pass (&adapted) / batch;
    }
  double b = fovea_bench_median (bare_s, runs), a = fovea_bench_median (adapted_s, runs);
  printf ("batch %d                          %7.4f s/image\n", batch, b);
  printf ("batch %d + MeLo r%d q/v            %7.4f s/image (%+.1f%%)\n",
          batch, MELO_RANK, a, 100.0 * (a - b) / b);
  return b;
}

static double
process_cpu_s (void)
{
  struct timespec now;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

/* FP32 against BF16, passes interleaved: medians per image of wall and
 * process CPU time. */
static void
bench_bf16 (FoveaVit *fp32, FoveaVit *bf16, const float *pixels, int batch, int runs)
{
  g_autoptr (GError) error = NULL;
  const FoveaVitConfig *c = fovea_vit_get_config (fp32);
  FoveaVit *models[2] = { fp32, bf16 };
  FoveaVitRun *runs_of[2];
  g_autofree double *wall = g_new (double, 2 * runs);
  g_autofree double *cpu = g_new (double, 2 * runs);

  for (int m = 0; m < 2; m++)
    {
      runs_of[m] = fovea_vit_run_new (models[m], batch, c->img_size[0], c->img_size[1], 0, 0,
                                      &error);
      if (runs_of[m] == NULL)
        g_error ("%s", error->message);
      Pass warm = { runs_of[m], pixels, batch, NULL };
      time_pass (&warm);
    }
  for (int i = 0; i < runs; i++)
    for (int m = 0; m < 2; m++)
      {
        Pass pass = { runs_of[m], pixels, batch, NULL };
        double cpu_start = process_cpu_s ();
        wall[m * runs + i] = time_pass (&pass) / batch;
        cpu[m * runs + i] = (process_cpu_s () - cpu_start) / batch;
      }
  double w32 = fovea_bench_median (wall, runs), w16 = fovea_bench_median (wall + runs, runs);
  double c32 = fovea_bench_median (cpu, runs), c16 = fovea_bench_median (cpu + runs, runs);
  printf ("batch %d fp32                     %7.4f s/image wall, %7.4f s CPU\n", batch, w32, c32);
  printf ("batch %d bf16                     %7.4f s/image wall, %7.4f s CPU "
          "(%.2f× fp32 wall, %.2f× CPU)\n", batch, w16, c16, w32 / w16, c32 / c16);
  for (int m = 0; m < 2; m++)
    fovea_vit_run_free (runs_of[m]);
}

/* The baseline: median seconds per image of the GEMMs alone. */
static void
bench_gemms (const FoveaVit *vit, FoveaSafetensors *weights, int batch, int runs,
             double engine_s)
{
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  int tokens = (c->img_size[0] / c->patch_size) * (c->img_size[1] / c->patch_size) + 1;
  int hidden = (int) (c->embed_dim * c->mlp_ratio), wide = MAX (hidden, 3 * c->embed_dim);
  gsize rows = (gsize) batch * tokens;
  g_autofree float *in = g_new0 (float, rows * wide);
  g_autofree float *out = g_new0 (float, MAX (rows * wide, (gsize) tokens * (tokens + c->embed_dim)));
  g_autofree double *gemm_s = g_new (double, runs);

  openblas_set_num_threads ((int) g_get_num_processors ());
  for (int i = 0; i < runs; i++)
    gemm_s[i] = time_gemms (c, weights, batch, in, out) / batch;
  double g = fovea_bench_median (gemm_s, runs);
  printf ("batch %d, GEMMs alone (baseline) %7.4f s/image: the engine takes %.0f%% of it\n",
          batch, g, 100.0 * engine_s / g);
}

int
main (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *melo = g_build_filename (dir, "melo_lora_4_4.safetensors", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;

  write_model (dir, melo);
  printf ("# %s, random weights, %d classes, 224×224, %u threads; wall-clock medians\n",
          ARCHITECTURE, NUM_CLASSES, g_get_num_processors ());

  double start = fovea_bench_now_s ();
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, &error);
  if (vit == NULL)
    g_error ("%s", error->message);
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  gsize image = (gsize) 3 * c->img_size[0] * c->img_size[1];
  g_autofree float *pixels = fovea_bench_pixels (image * 8);
  {
    g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 1, c->img_size[0], c->img_size[1],
                                                     0, 0, &error);
    if (run == NULL)
      g_error ("%s", error->message);
    Pass first = { run, pixels, 1, NULL };
    time_pass (&first);
    printf ("load to first result             %7.4f s\n", fovea_bench_now_s () - start);
  }

  g_autoptr (FoveaLora) lora = fovea_adapter_load (melo, vit, NULL, &error);
  if (lora == NULL)
    g_error ("%s", error->message);
  double batch1 = bench_batch (vit, lora, pixels, 1, RUNS_BATCH1);
  double batch8 = bench_batch (vit, lora, pixels, 8, RUNS_BATCH8);

  /* Before the baseline's buffers add to it. */
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  GStatBuf file_stat;
  g_stat (weights, &file_stat);
  double rss_mb = usage.ru_maxrss / 1024.0, weights_mb = file_stat.st_size / (1024.0 * 1024.0);
  printf ("peak RSS                         %7.1f MiB (weights %.1f MiB, %+.1f MiB)\n",
          rss_mb, weights_mb, rss_mb - weights_mb);

  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights, &error);
  if (st == NULL)
    g_error ("%s", error->message);
  bench_gemms (vit, st, 1, RUNS_BATCH1, batch1);
  bench_gemms (vit, st, 8, RUNS_BATCH8, batch8);

  if (fovea_gemm_bf16_supported ())
    {
      const FoveaVitLoadOptions options = { .precision = FOVEA_PRECISION_BF16 };
      g_autoptr (FoveaVit) bf16 = fovea_vit_load_with_options (dir, &options, &error);
      if (bf16 == NULL)
        g_error ("%s", error->message);
      bench_bf16 (vit, bf16, pixels, 1, RUNS_BATCH1);
      bench_bf16 (vit, bf16, pixels, 8, RUNS_BATCH8);
    }
  else
    printf ("bf16: the CPU has no AVX512-BF16\n");

  fovea_test_rmdir (dir);
  return 0;
}
