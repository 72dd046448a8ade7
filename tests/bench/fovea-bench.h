/* fovea-bench.h: timing for the benchmark programs.
 *
 * Times are the calling thread's CPU time, so other processes sharing the
 * core do not inflate them (the code measured is single-threaded). Each
 * figure is the median of several runs; benchmarks print it next to a
 * baseline measured in the same run. They never pass or fail on time. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*FoveaBenchFunc) (gconstpointer data);

double fovea_bench_thread_cpu_ms (void);
/* Runs func(data) runs times and returns the median CPU time in ms. */
double fovea_bench_median_ms     (FoveaBenchFunc func,
                                  gconstpointer  data,
                                  int            runs);

/* Wall-clock seconds (monotonic), for benchmarks whose code uses every
 * core, where thread CPU time would miss the other threads. */
double fovea_bench_now_s         (void);
/* The median of n values (sorted in place). */
double fovea_bench_median        (double        *values,
                                  int            n);

/* n input values in [-1, 1), the same in every run (a fixed hash of the
 * index): what the model benchmarks feed the forward pass. g_free. */
float *fovea_bench_pixels        (gsize          n);

G_END_DECLS
