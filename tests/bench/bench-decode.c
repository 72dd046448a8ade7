/* bench-decode.c: full-size against DCT-scaled JPEG decoding.
 *
 * A 2000×2000 synthetic fundus is encoded (quality 90) into a temporary
 * folder, then decoded RUNS times at full size, and RUNS times for each
 * preview minimum (512² gives scale 1/2, 500² gives 1/4); the medians and
 * the speed-ups against full size are printed (median CPU time, see
 * tests/bench/fovea-bench.h). Run on one core with
 *   taskset -c 0 build/tests/bench/bench-decode */
#include <stdio.h>

#include "fovea-bench.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-test-common.h"

#define SIZE 2000
#define RUNS 9

typedef struct {
  const char               *path;
  const FoveaDecodeOptions *options;
  FoveaDecodeInfo           info;   /* of the last decode */
  int                       width, height;
} DecodeJob;

static void
run_decode (gconstpointer data)
{
  DecodeJob *job = (DecodeJob *) data;
  GError *error = NULL;
  FoveaImage *image = fovea_decode_file (job->path, job->options, &job->info, &error);
  if (image == NULL)
    g_error ("%s", error->message);
  job->width = image->width;
  job->height = image->height;
  fovea_image_free (image);
}

int
main (void)
{
  char *dir = fovea_test_mkdtemp ();
  char *path = g_build_filename (dir, "fundus.jpg", NULL);
  FoveaImage *fundus = fovea_test_synthetic_fundus (SIZE, SIZE, SIZE / 2.0, SIZE / 2.0,
                                                    SIZE * 0.45);
  GError *error = NULL;
  if (!fovea_encode_jpeg_file (fundus, path, 90, &error))
    g_error ("%s", error->message);
  fovea_image_free (fundus);

  static const int minimums[] = { 0, 512, 500 };
  double full_ms = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (minimums); i++)
    {
      FoveaDecodeOptions options;
      fovea_decode_options_init (&options);
      options.min_width = options.min_height = minimums[i];
      DecodeJob job = { path, &options, { 0 }, 0, 0 };
      double ms = fovea_bench_median_ms (run_decode, &job, RUNS);
      if (i == 0)
        full_ms = ms;
      printf ("JPEG %d×%d, at least %3d²: %7.2f ms (median of %d) → %4d×%-4d scale 1/%d, "
              "speed-up %.1f×\n", SIZE, SIZE, minimums[i], ms, RUNS, job.width, job.height,
              job.info.scale_denom, full_ms / ms);
    }

  fovea_test_rmdir (dir);
  g_free (path);
  g_free (dir);
  return 0;
}
