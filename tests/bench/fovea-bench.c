/* fovea-bench.c: median CPU time of repeated runs. */
#include "fovea-bench.h"

#include <stdlib.h>
#include <time.h>

double
fovea_bench_thread_cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
fovea_bench_now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

double
fovea_bench_median (double *values, int n)
{
  g_assert (n > 0);
  qsort (values, n, sizeof (double), compare_doubles);
  return values[n / 2];
}

double
fovea_bench_median_ms (FoveaBenchFunc func, gconstpointer data, int runs)
{
  g_assert (runs > 0);
  g_autofree double *ms = g_new (double, runs);
  for (int i = 0; i < runs; i++)
    {
      double start = fovea_bench_thread_cpu_ms ();
      func (data);
      ms[i] = fovea_bench_thread_cpu_ms () - start;
    }
  return fovea_bench_median (ms, runs);
}

float *
fovea_bench_pixels (gsize n)
{
  float *pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] = (float) ((i * 2654435761u) % 1000) / 500.0f - 1.0f;
  return pixels;
}
