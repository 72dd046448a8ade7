/* bench-rollout.c: what explaining a prediction costs on ViT-B/16 at
 * 224×224, batch 1.
 *
 * The baseline is the plain forward pass (logits only); against it, the
 * forward pass that keeps every block's attention plus the rollout, run
 * interleaved so that drift in the machine's load hits both. Target
 * (issue 4): ≤ 1.1× the plain pass. Also the rollout alone and putting it
 * back onto a 3000 × 2000 fundus photograph (FOV detection and mask
 * included), which the analysis does at most 1024 pixels across.
 * FOVEA_BENCH_MODEL names a model folder to use instead of random
 * weights. */
#include <stdio.h>
#include <stdlib.h>

#include "fovea-input-map.h"
#include "fovea-rollout.h"
#include "fovea-bench.h"
#include "fovea-test-common.h"
#include "bench-model.h"

#define ARCHITECTURE "vit_base_patch16_224"
#define RUNS 11
#define MAP_MAX_SIDE 1024

static FoveaVitRun *
new_run (FoveaVit *vit, FoveaVitOutputs outputs)
{
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;
  FoveaVitRun *run = fovea_vit_run_new (vit, 1, c->img_size[0], c->img_size[1], outputs, 0,
                                        &error);
  if (run == NULL)
    g_error ("%s", error->message);
  return run;
}

static void
forward (FoveaVitRun *run, const float *pixels)
{
  g_autoptr (GError) error = NULL;
  if (!fovea_vit_forward (run, pixels, 1, NULL, &error))
    g_error ("%s", error->message);
}

static void
rollout (FoveaVitRun *run, float *grid)
{
  g_autoptr (GError) error = NULL;
  if (!fovea_rollout_compute (run, 0, grid, &error))
    g_error ("%s", error->message);
}

/* Median seconds of putting the grid back onto a large photograph. */
static double
time_map_back (const FoveaVit *vit, const float *grid, int rows, int cols)
{
  g_autoptr (FoveaImage) photo = fovea_test_synthetic_fundus (3000, 2000, 1550, 1000, 950);
  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, fovea_vit_get_config (vit), NULL);
  pre.fundus_crop = TRUE;
  double seconds[RUNS];
  for (int i = 0; i < RUNS; i++)
    {
      g_autoptr (GError) error = NULL;
      int width, height;
      double start = fovea_bench_now_s ();
      g_autofree float *map = fovea_input_map_to_image (&pre, photo, grid, rows, cols,
                                                        MAP_MAX_SIDE, &width, &height, &error);
      seconds[i] = fovea_bench_now_s () - start;
      if (map == NULL)
        g_error ("%s", error->message);
    }
  return fovea_bench_median (seconds, RUNS);
}

int
main (void)
{
  g_autofree char *tmp = NULL;
  g_autoptr (FoveaVit) vit = bench_model_load (ARCHITECTURE, 1000, &tmp);
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  printf ("# %s (%s), %d×%d, batch 1, %u threads; wall-clock medians of %d\n",
          c->architecture, bench_model_source (tmp), c->img_size[0], c->img_size[1],
          g_get_num_processors (), RUNS);
  g_autofree float *pixels = fovea_bench_pixels ((gsize) 3 * c->img_size[0] * c->img_size[1]);

  g_autoptr (FoveaVitRun) plain = new_run (vit, FOVEA_VIT_OUTPUT_LOGITS);
  g_autoptr (FoveaVitRun) explained = new_run (vit, FOVEA_VIT_OUTPUT_ATTENTION);
  int rows, cols;
  g_autofree float *grid = g_new (float, fovea_vit_run_get_grid (explained, &rows, &cols));
  double plain_s[RUNS], explained_s[RUNS], rollout_s[RUNS];

  forward (plain, pixels);  /* warm-up */
  forward (explained, pixels);
  for (int i = 0; i < RUNS; i++)
    {
      double start = fovea_bench_now_s ();
      forward (plain, pixels);
      plain_s[i] = fovea_bench_now_s () - start;

      start = fovea_bench_now_s ();
      forward (explained, pixels);
      double middle = fovea_bench_now_s ();
      rollout (explained, grid);
      explained_s[i] = fovea_bench_now_s () - start;
      rollout_s[i] = fovea_bench_now_s () - middle;
    }
  double p = fovea_bench_median (plain_s, RUNS), e = fovea_bench_median (explained_s, RUNS);
  printf ("forward, logits only (baseline)   %8.4f s\n", p);
  printf ("forward + attention + rollout     %8.4f s: %.3f× the baseline (target ≤ 1.1×)\n",
          e, e / p);
  printf ("rollout alone                     %8.4f s\n", fovea_bench_median (rollout_s, RUNS));
  printf ("onto a 3000×2000 photo (≤ %d px)%8.4f s\n", MAP_MAX_SIDE,
          time_map_back (vit, grid, rows, cols));

  if (tmp != NULL)
    fovea_test_rmdir (tmp);
  return 0;
}
