/* bench-quality.c: field-of-view detection and the quality gate on a
 * 2000×2000 fundus, against a plain copy of the image as the baseline.
 * Targets (issue: foundation): detection ≤ 10 ms, assessment ≤ 50 ms. */
#include <stdio.h>

#include "fovea-bench.h"
#include "fovea-quality.h"
#include "fovea-test-common.h"

#define SIZE 2000
#define RUNS 9

static void
run_copy (gconstpointer data)
{
  fovea_image_free (fovea_image_copy (data));
}

static void
run_detect (gconstpointer data)
{
  FoveaFov fov;
  fovea_fov_detect (data, &fov);
  if (!fov.found)
    g_error ("no FOV found in the benchmark image");
}

static void
run_assess (gconstpointer data)
{
  FoveaQualityReport report;
  fovea_quality_assess (data, FOVEA_MODALITY_FUNDUS, NULL, &report);
  if (!report.gradable)
    g_error ("the benchmark image should be gradable");
}

int
main (void)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (SIZE, SIZE, SIZE / 2.0,
                                                              SIZE / 2.0, 0.475 * SIZE);
  printf ("# %d×%d RGB synthetic fundus, median CPU time of %d runs\n", SIZE, SIZE, RUNS);
  double baseline = fovea_bench_median_ms (run_copy, image, RUNS);
  printf ("%-24s %8.2f ms\n", "copy (baseline)", baseline);
  printf ("%-24s %8.2f ms\n", "fov detect", fovea_bench_median_ms (run_detect, image, RUNS));
  printf ("%-24s %8.2f ms\n", "quality assess", fovea_bench_median_ms (run_assess, image, RUNS));
  return 0;
}
