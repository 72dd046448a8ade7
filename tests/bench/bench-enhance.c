/* bench-enhance.c: time of each enhancement on a 2000×2000 fundus.
 *
 * Each is run RUNS times on a synthetic fundus made in memory; the median
 * is printed next to a baseline measured in the same run (a plain copy of
 * the same image), so that figures from different machines can be read
 * against each other (timing: tests/bench/fovea-bench.h). Run on one core with
 *   taskset -c 0 build/tests/bench/bench-enhance */
#include <stdio.h>

#include "fovea-bench.h"
#include "fovea-enhance.h"
#include "fovea-test-common.h"

#define SIZE 2000
#define RUNS 9

typedef struct {
  const FoveaImage *image;
  const FoveaFov   *fov;
} Input;

typedef FoveaImage *(*EnhanceFunc) (const Input *input);

static FoveaImage *
run_copy (const Input *in)
{
  return fovea_image_copy (in->image);
}

static FoveaImage *
run_clahe (const Input *in)
{
  return fovea_enhance_clahe (in->image, 2.0, 8, 8, NULL);
}

static FoveaImage *
run_graham (const Input *in)
{
  return fovea_enhance_graham (in->image, in->fov, NULL);
}

static FoveaImage *
run_red_free (const Input *in)
{
  return fovea_enhance_red_free (in->image);
}

static FoveaImage *
run_adjust (const Input *in)
{
  return fovea_enhance_adjust (in->image, 1.4, 0.05, 1.2);
}


/* The benchmark callback: one enhancement, result discarded. */
static void
run_case (gconstpointer data)
{
  const struct { EnhanceFunc func; const Input *input; } *job = data;
  FoveaImage *out = job->func (job->input);
  if (out == NULL)
    g_error ("enhancement failed");
  fovea_image_free (out);
}

static double
median_ms (EnhanceFunc func, const Input *input)
{
  const struct { EnhanceFunc func; const Input *input; } job = { func, input };
  return fovea_bench_median_ms (run_case, &job, RUNS);
}

int
main (void)
{
  g_autoptr (FoveaImage) rgb = fovea_test_synthetic_fundus (SIZE, SIZE, SIZE / 2.0,
                                                            SIZE / 2.0, 0.49 * SIZE);
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (rgb);
  FoveaFov fov;
  fovea_fov_detect (rgb, &fov);
  const Input colour_in = { rgb, &fov }, grey_in = { grey, &fov }, no_fov = { rgb, NULL };

  const struct {
    const char  *name;
    EnhanceFunc  func;
    const Input *input;
  } cases[] = {
    { "copy (baseline)", run_copy, &colour_in },
    { "clahe colour 2.0 8x8", run_clahe, &colour_in },
    { "clahe grey 2.0 8x8", run_clahe, &grey_in },
    { "graham (FOV given)", run_graham, &colour_in },
    { "graham (FOV detected)", run_graham, &no_fov },
    { "red-free", run_red_free, &colour_in },
    { "adjust", run_adjust, &colour_in },
  };

  printf ("# %d×%d RGB synthetic fundus, median CPU time of %d runs\n", SIZE, SIZE, RUNS);
  double baseline = median_ms (run_copy, &colour_in);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    printf ("%-24s %8.2f ms   (baseline copy %.2f ms)\n", cases[i].name,
            median_ms (cases[i].func, cases[i].input), baseline);
  return 0;
}
