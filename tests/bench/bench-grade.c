/* bench-grade.c: batch grading throughput against the engine's own.
 *
 * Makes a folder of synthetic 2000×2000 fundus JPEGs (64, or
 * $FOVEA_BENCH_GRADE_N) and a random ViT-B/16 (/tmp/cli-vitb/model when it
 * exists, else written with tools/fovea-random-vit.c), then prints the
 * median images/s of
 *   engine: fovea_engine_run_tensor on already-preprocessed batches of
 *           FOVEA_BATCH_SIZE (the baseline: forward passes only), and
 *   grade:  fovea_batch_run over the folder (read, DCT-scaled decode,
 *           quality, preprocessing on decoder threads, forward passes),
 * and their ratio; the target is ≥ 0.90. Wall-clock time: both use every
 * core. Skips (exit 77) when the model cannot be made. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fovea-batch.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-preprocess.h"
#include "tools/fovea-random-vit.h"
#include "fovea-bench.h"
#include "fovea-test-common.h"

#define SIZE 2000
#define RUNS 9

static void
write_folder (const char *dir, int n)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (SIZE, SIZE, SIZE / 2.0, SIZE / 2.0,
                                                              SIZE * 0.46);
  GRand *rand = g_rand_new_with_seed (7);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width * 3; x++)
        if (row[x] > 0)
          row[x] = (guint8) CLAMP (row[x] + g_rand_int_range (rand, -25, 26), 1, 255);
    }
  g_rand_free (rand);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("P%03d_%s.jpg", i, i % 2 ? "OS" : "OD");
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      if (!fovea_encode_jpeg_file (image, path, 92, &error))
        g_error ("%s", error->message);
    }
}

typedef struct {
  guint n_records;
  guint n_graded;
} Count;

static gboolean
count_cb (const FoveaGradeRecord *record, const FoveaImage *image, gboolean last_of_file,
          gpointer user_data, GError **error)
{
  Count *count = user_data;
  count->n_records++;
  count->n_graded += record->error == NULL && record->quality.gradable;
  (void) image, (void) last_of_file, (void) error;
  return TRUE;
}

int
main (void)
{
  const char *n_env = g_getenv ("FOVEA_BENCH_GRADE_N");
  int n = n_env != NULL ? atoi (n_env) : 64;
  n = MAX (n, FOVEA_BATCH_SIZE);
  g_autofree char *tmp = fovea_test_mkdtemp ();
  g_autofree char *model = NULL;
  if (g_file_test ("/tmp/cli-vitb/model/model.safetensors", G_FILE_TEST_EXISTS))
    model = g_strdup ("/tmp/cli-vitb/model");
  else
    {
      model = g_build_filename (tmp, "model", NULL);
      g_autoptr (GError) error = NULL;
      if (!fovea_random_vit_write (model, "vit_base_patch16_224", 5, 1, &error))
        {
          printf ("SKIP: cannot write a random ViT-B: %s\n", error->message);
          fovea_test_rmdir (tmp);
          return 77;
        }
    }
  g_autofree char *images = g_build_filename (tmp, "images", NULL);
  g_mkdir_with_parents (images, 0755);
  write_folder (images, n);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (model, 0, &error);
  if (engine == NULL)
    {
      printf ("SKIP: %s\n", error->message);
      fovea_test_rmdir (tmp);
      return 77;
    }
  const FoveaEngineTask *task = fovea_engine_get_task (engine, 0);
  const FoveaPreprocess *pre = &task->preprocess;
  gsize size = (gsize) 3 * pre->height * pre->width;

  /* Baseline: the engine alone, on preprocessed batches. */
  g_autofree float *pixels = g_new (float, size * FOVEA_BATCH_SIZE);
  {
    g_autofree char *first = g_build_filename (images, "P000_OD.jpg", NULL);
    g_autoptr (FoveaImage) image = fovea_decode_file (first, NULL, NULL, &error);
    g_assert_no_error (error);
    for (int b = 0; b < FOVEA_BATCH_SIZE; b++)
      g_assert_true (fovea_preprocess_image (pre, image, pixels + size * (gsize) b, &error));
  }
  int n_batches = n / FOVEA_BATCH_SIZE;
  double engine_ips[RUNS];
  /* Warm-up: the run arena is made on first use. */
  fovea_engine_output_free (fovea_engine_run_tensor (engine, 0, pixels, FOVEA_BATCH_SIZE,
                                                     pre->height, pre->width, &error));
  /* Interleaved, engine then grade in each round, so that the machine's
   * drift (shared hosts vary by several times) hits both alike; the
   * ratio is the median of the rounds' ratios. */
  double ratios[2][RUNS], grade_ips2[2][RUNS];
  double (*grade_ips)[RUNS] = grade_ips2;
  const FoveaBatchSchedule schedules[2] = { FOVEA_BATCH_SCHEDULE_TAKE_TURNS,
                                            FOVEA_BATCH_SCHEDULE_OVERLAP };
  for (int r = 0; r < RUNS; r++)
    {
      gint64 start = g_get_monotonic_time ();
      for (int b = 0; b < n_batches; b++)
        fovea_engine_output_free (fovea_engine_run_tensor (engine, 0, pixels, FOVEA_BATCH_SIZE,
                                                           pre->height, pre->width, &error));
      double s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      engine_ips[r] = n_batches * FOVEA_BATCH_SIZE / s;

      for (int k = 0; k < 2; k++)
        {
          g_autoptr (FoveaBatch) batch = fovea_batch_new (engine);
          Count count = { 0 };
          fovea_batch_add_folder (batch, images);
          fovea_batch_set_callbacks (batch, count_cb, NULL, &count);
          fovea_batch_set_schedule (batch, schedules[k]);
          FoveaBatchProgress progress;
          start = g_get_monotonic_time ();
          if (!fovea_batch_run (batch, NULL, &progress, &error))
            g_error ("%s", error->message);
          s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
          grade_ips[k][r] = n / s;
          ratios[k][r] = grade_ips[k][r] / engine_ips[r];
          if (count.n_graded != (guint) n)
            printf ("note: only %u of %d images were gradable and graded\n", count.n_graded, n);
        }
      printf ("  round %2d: engine %.2f images/s; take turns %.2f (%.3f); overlap %.2f (%.3f)\n",
              r + 1, engine_ips[r], grade_ips[0][r], ratios[0][r], grade_ips[1][r], ratios[1][r]);
    }

  double e = fovea_bench_median (engine_ips, RUNS);
  printf ("bench-grade: %d JPEGs %d×%d, ViT-B/16 %d×%d, batch %d, %d engine thread(s), "
          "%u core(s)\n", n, SIZE, SIZE, pre->height, pre->width, FOVEA_BATCH_SIZE,
          fovea_engine_get_n_threads (engine), g_get_num_processors ());
  printf ("  engine only (run_tensor, preprocessed): %.2f images/s (median of %d)\n", e, RUNS);
  printf ("  fovea_batch_run, take turns: %.2f images/s, ratio %.3f (median of the rounds')\n",
          fovea_bench_median (grade_ips[0], RUNS), fovea_bench_median (ratios[0], RUNS));
  printf ("  fovea_batch_run, overlap:    %.2f images/s, ratio %.3f (target >= 0.90)\n",
          fovea_bench_median (grade_ips[1], RUNS), fovea_bench_median (ratios[1], RUNS));
  fovea_test_rmdir (tmp);
  return 0;
}
