/* bench-gradcam.c: what Grad-CAM costs on ViT-B/16 at 224×224, batch 1.
 *
 * Baseline: the inference forward pass (logits only, packed weights).
 * Against it, interleaved so that load drift hits both: Grad-CAM — the
 * training engine's forward keeping activations, then the backward of the
 * last block only — on a frozen copy of the same backbone that refers to
 * its weights. Target (issue 7): ≤ 2.5× the baseline. FOVEA_BENCH_MODEL
 * names a model folder to use instead of random weights. */
#include <stdio.h>
#include <stdlib.h>

#include "fovea-gradcam.h"
#include "fovea-bench.h"
#include "fovea-test-common.h"
#include "bench-model.h"

#define ARCHITECTURE "vit_base_patch16_224"
#define RUNS 7

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr (FoveaVit) vit = bench_model_load (ARCHITECTURE, 5, &tmp);
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  printf ("# %s (%s), %d×%d, batch 1, %u threads; wall-clock medians of %d\n",
          c->architecture, bench_model_source (tmp), c->img_size[0], c->img_size[1],
          g_get_num_processors (), RUNS);
  g_autofree float *pixels = fovea_bench_pixels ((gsize) 3 * c->img_size[0] * c->img_size[1]);

  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 1, c->img_size[0], c->img_size[1],
                                                   FOVEA_VIT_OUTPUT_LOGITS, 0, &error);
  g_autoptr (FoveaTrainVit) frozen = fovea_train_vit_new_frozen (vit, NULL, 1, 0, &error);
  if (run == NULL || frozen == NULL)
    g_error ("%s", error->message);
  int n_patches = (c->img_size[0] / c->patch_size) * (c->img_size[1] / c->patch_size);
  g_autofree float *map = g_new (float, n_patches);
  FoveaGradcamInfo info;
  double plain_s[RUNS], gradcam_s[RUNS];

  /* Warm-up: pages of the weights, the pools' threads. */
  if (!fovea_vit_forward (run, pixels, 1, NULL, &error) ||
      !fovea_gradcam (frozen, pixels, -1, -1, map, &info, &error))
    g_error ("%s", error->message);
  for (int i = 0; i < RUNS; i++)
    {
      double start = fovea_bench_now_s ();
      if (!fovea_vit_forward (run, pixels, 1, NULL, &error))
        g_error ("%s", error->message);
      plain_s[i] = fovea_bench_now_s () - start;
      start = fovea_bench_now_s ();
      if (!fovea_gradcam (frozen, pixels, -1, -1, map, &info, &error))
        g_error ("%s", error->message);
      gradcam_s[i] = fovea_bench_now_s () - start;
    }
  double p = fovea_bench_median (plain_s, RUNS), g = fovea_bench_median (gradcam_s, RUNS);
  printf ("forward, logits only (baseline)   %8.4f s\n", p);
  printf ("Grad-CAM (forward + last block)   %8.4f s: %.3f× the baseline (target ≤ 2.5×)\n",
          g, g / p);

  if (tmp != NULL)
    fovea_test_rmdir (tmp);
  return 0;
}
