/* bench-adapter.c: what a LoRA task adapter costs, on ViT-B/16 at 224 with
 * random weights (tools/fovea-random-vit.h), batch 1, one thread:
 * - the forward pass with a rank-4 MeLo q/v adapter against the bare
 *   backbone (target: ≤ 3 % more);
 * - switching adapters between forward passes: alternating two adapters
 *   against one adapter throughout (target: ≤ 1 ms, i.e. nothing);
 * - loading an adapter, and the memory one adds (target: ≤ 1 MB).
 * Median thread CPU time; figures are printed, never asserted. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "fovea-adapter.h"
#include "fovea-bench.h"
#include "tools/fovea-random-vit.h"
#include "fovea-test-common.h"

#define ARCHITECTURE "vit_base_patch16_224"
#define RANK 4
#define FORWARD_RUNS 11
#define LOAD_RUNS 21
#define N_RESIDENT 50

typedef struct {
  FoveaVit        *vit;
  FoveaVitRun     *run;
  float           *pixels;
  const FoveaLora *loras[2];
  guint            calls;
  const char      *adapter_path;
} Bench;

static void
forward_with (Bench *b, const FoveaLora *lora)
{
  GError *error = NULL;
  if (!fovea_vit_forward (b->run, b->pixels, 1, lora, &error))
    g_error ("%s", error->message);
}

static void
run_bare (gconstpointer data)
{
  forward_with ((Bench *) data, NULL);
}

static void
run_same (gconstpointer data)
{
  Bench *b = (Bench *) data;
  forward_with (b, b->loras[0]);
}

static void
run_switching (gconstpointer data)
{
  Bench *b = (Bench *) data;
  /* Switching task is handing the forward pass another adapter. */
  forward_with (b, b->loras[b->calls++ % 2]);
}

static void
run_load (gconstpointer data)
{
  const Bench *b = data;
  GError *error = NULL;
  FoveaLora *lora = fovea_adapter_load (b->adapter_path, b->vit, NULL, &error);
  if (lora == NULL)
    g_error ("%s", error->message);
  fovea_lora_free (lora);
}

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    return 0;
  unsigned long size = 0, resident = 0;
  if (sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return (gsize) resident * (gsize) sysconf (_SC_PAGESIZE);
}

/* Reads every parameter, so the mapped pages count in the RSS. */
static float
touch (const FoveaLora *lora)
{
  float sum = 0;
  for (int i = 0; i < lora->depth * FOVEA_LORA_N_TARGETS; i++)
    for (int u = 0; u < lora->slots[i].n_updates; u++)
      {
        const FoveaLoraUpdate *update = &lora->slots[i].updates[u];
        for (int k = 0; k < update->rank * update->in_features; k++)
          sum += update->a[k];
        for (int k = 0; k < update->rank * update->out_features; k++)
          sum += update->b[k];
      }
  for (int k = 0; lora->head_weight && k < lora->head_classes * lora->head_width; k++)
    sum += lora->head_weight[k];
  return sum;
}

static FoveaLora *
load_or_die (const char *path, const FoveaVit *vit)
{
  GError *error = NULL;
  FoveaLora *lora = fovea_adapter_load (path, vit, NULL, &error);
  if (lora == NULL)
    g_error ("%s", error->message);
  return lora;
}

int
main (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *model_dir = g_build_filename (dir, "model", NULL);
  g_autofree char *melo_a = g_build_filename (dir, "a_lora_4_8.safetensors", NULL);
  g_autofree char *melo_b = g_build_filename (dir, "b_lora_4_8.safetensors", NULL);
  GError *error = NULL;
  if (!fovea_random_vit_write (model_dir, ARCHITECTURE, 5, 1, &error))
    g_error ("%s", error->message);

  Bench b = { 0 };
  b.vit = fovea_vit_load (model_dir, &error);
  if (b.vit == NULL)
    g_error ("%s", error->message);
  const FoveaVitConfig *config = fovea_vit_get_config (b.vit);
  if (!fovea_random_melo_write (melo_a, config, RANK, 5, 2, &error) ||
      !fovea_random_melo_write (melo_b, config, RANK, 5, 3, &error))
    g_error ("%s", error->message);
  FoveaLora *a = load_or_die (melo_a, b.vit), *other = load_or_die (melo_b, b.vit);
  b.loras[0] = a;
  b.loras[1] = other;
  int size = config->img_size[0];
  b.run = fovea_vit_run_new (b.vit, 1, size, size, FOVEA_VIT_OUTPUT_LOGITS, 1, &error);
  if (b.run == NULL)
    g_error ("%s", error->message);
  b.pixels = g_new0 (float, 3 * (gsize) size * size);
  for (int i = 0; i < 3 * size * size; i++)
    b.pixels[i] = (float) ((i * 7919) % 255) / 127.5f - 1.0f;

  printf ("# %s, %d×%d, batch 1, 1 thread, rank-%d MeLo q/v adapters; median CPU time\n",
          ARCHITECTURE, size, size, RANK);
  run_bare (&b);  /* warm-up: pages in the weights */
  run_same (&b);
  double bare = fovea_bench_median_ms (run_bare, &b, FORWARD_RUNS);
  double same = fovea_bench_median_ms (run_same, &b, FORWARD_RUNS);
  double switching = fovea_bench_median_ms (run_switching, &b, FORWARD_RUNS);
  /* The same measurement again: how far two medians differ by chance. */
  double again = fovea_bench_median_ms (run_same, &b, FORWARD_RUNS);
  printf ("%-36s %9.2f ms\n", "forward, bare backbone (baseline)", bare);
  printf ("%-36s %9.2f ms  %+.2f %%\n", "forward, one adapter", same,
          100.0 * (same - bare) / bare);
  printf ("%-36s %9.2f ms  %+.2f ms per switch (noise: %.2f ms)\n",
          "forward, alternating two adapters", switching, switching - same, fabs (again - same));

  b.adapter_path = melo_a;
  printf ("%-36s %9.3f ms\n", "load a MeLo adapter",
          fovea_bench_median_ms (run_load, &b, LOAD_RUNS));

  gsize before = resident_bytes ();
  g_autoptr (GPtrArray) resident = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_lora_free);
  float checksum = 0;
  for (int i = 0; i < N_RESIDENT; i++)
    {
      FoveaLora *lora = load_or_die (i % 2 ? melo_a : melo_b, b.vit);
      checksum += touch (lora);
      g_ptr_array_add (resident, lora);
    }
  gsize after = resident_bytes ();
  printf ("%-36s %9.1f KiB parameters and slots\n", "memory per adapter",
          fovea_lora_get_n_bytes (a) / 1024.0);
  printf ("%-36s %9.1f KiB (RSS growth over %d loaded; checksum %g)\n", "",
          (after - before) / 1024.0 / N_RESIDENT, N_RESIDENT, (double) checksum);

  fovea_lora_free (a);
  fovea_lora_free (other);
  fovea_vit_run_free (b.run);
  fovea_vit_free (b.vit);
  g_free (b.pixels);
  fovea_test_rmdir (dir);
  return 0;
}
