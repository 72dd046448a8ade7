/* bench-train.c: training throughput on the demo backbone's shape (ViT
 * dim 192, depth 6, 3 heads, patch 4, 28×28 input, batch 64), 2 threads.
 *
 * Baseline: the training model's forward pass alone, in the same run.
 * Against it: a LoRA step (rank 4 on q and v plus a 5-way head, backbone
 * frozen: forward, backward, AdamW) and a full step (every weight). Prints
 * images/s, each step's cost in forward passes, and the process's peak
 * RSS after each phase (LoRA runs first, so its figure is its own). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "fovea-loss.h"
#include "fovea-optim.h"
#include "fovea-bench.h"
#include "fovea-test-common.h"
#include "fovea-train-vit.h"

#define BATCH 64
#define RUNS 5
#define CLASSES 5

static const char config_json[] =
  "{\"architecture\": \"vit_tiny_patch16_224\", \"num_classes\": 5,"
  " \"model_args\": {\"img_size\": 28, \"patch_size\": 4, \"embed_dim\": 192,"
  " \"depth\": 6, \"num_heads\": 3},"
  " \"pretrained_cfg\": {\"input_size\": [3, 28, 28]}}";

static double
peak_rss_mb (void)
{
  struct rusage usage;
  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

typedef struct {
  FoveaTrainVit *model;
  FoveaAdamW    *optimizer;
  const float   *pixels;
  const int     *labels;
  float         *dlogits;
} Trainer;

static void
step (Trainer *t, gboolean backward)
{
  g_autoptr (GError) error = NULL;
  int n_params;
  const float *logits = fovea_train_vit_forward (t->model, t->pixels, BATCH, &error);
  if (logits == NULL)
    g_error ("%s", error->message);
  if (!backward)
    return;
  fovea_loss_cross_entropy (logits, t->labels, BATCH, CLASSES, NULL, 0, t->dlogits);
  fovea_train_vit_zero_grad (t->model);
  fovea_train_vit_backward (t->model, t->dlogits);
  const FoveaTrainParam *params = fovea_train_vit_get_params (t->model, &n_params);
  fovea_clip_grad_norm (params, n_params, 1.0);
  fovea_adamw_step (t->optimizer, params, n_params, 1e-4);
}

static double
median_seconds (Trainer *t, gboolean backward)
{
  double seconds[RUNS];
  step (t, backward);  /* warm-up */
  for (int i = 0; i < RUNS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      step (t, backward);
      seconds[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  return fovea_bench_median (seconds, RUNS);
}

static void
measure (const char *what, FoveaTrainVit *model, const float *pixels, const int *labels)
{
  int n_params;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n_params);
  FoveaAdamWConfig config = { 1e-4, 0.9, 0.999, 1e-8, 0.05 };
  g_autofree float *dlogits = g_new (float, BATCH * CLASSES);
  Trainer t = { model, fovea_adamw_new (&config, params, n_params), pixels, labels, dlogits };
  gsize trained = 0;
  for (int i = 0; i < n_params; i++)
    trained += params[i].n;

  double forward = median_seconds (&t, FALSE), train = median_seconds (&t, TRUE);
  printf ("%-5s forward (baseline) %7.4f s  %6.0f img/s\n", what, forward, BATCH / forward);
  printf ("%-5s training step      %7.4f s  %6.0f img/s  %.2f× the forward  "
          "%zu trained values  peak RSS %.0f MB\n", what, train, BATCH / train,
          train / forward, trained, peak_rss_mb ());
  fovea_adamw_free (t.optimizer);
}

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "config.json", NULL);
  FoveaVitConfig config = { 0 };
  if (!g_file_set_contents (path, config_json, -1, &error) ||
      !fovea_vit_config_load_file (&config, path, &error))
    g_error ("%s", error->message);

  g_autofree float *pixels = fovea_bench_pixels ((gsize) BATCH * 3 * 28 * 28);
  int labels[BATCH];
  for (int i = 0; i < BATCH; i++)
    labels[i] = i % CLASSES;
  printf ("# ViT dim 192, depth 6, 3 heads, patch 4, 28×28, batch %d, 2 threads; "
          "wall-clock medians of %d\n", BATCH, RUNS);

  /* A backbone for LoRA: the full model's initial weights, saved and loaded. */
  g_autofree char *backbone = g_build_filename (dir, "backbone", NULL);
  {
    g_autoptr (FoveaTrainVit) init = fovea_train_vit_new_full (&config, NULL, 1, 1, 1, &error);
    if (init == NULL || !fovea_train_vit_save (init, backbone, NULL, &error))
      g_error ("%s", error->message);
  }
  g_autoptr (FoveaVit) vit = fovea_vit_load (backbone, &error);
  if (vit == NULL)
    g_error ("%s", error->message);
  FoveaLoraSpec spec = { 4, 4.0, FALSE, FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V };
  g_autoptr (FoveaTrainVit) lora = fovea_train_vit_new_lora (vit, &spec, CLASSES, 1, BATCH, 2,
                                                             &error);
  if (lora == NULL)
    g_error ("%s", error->message);
  measure ("LoRA", lora, pixels, labels);

  g_autoptr (FoveaTrainVit) full = fovea_train_vit_new_full (&config, NULL, 1, BATCH, 2, &error);
  if (full == NULL)
    g_error ("%s", error->message);
  measure ("full", full, pixels, labels);

  fovea_vit_config_clear (&config);
  fovea_test_rmdir (dir);
  return 0;
}
