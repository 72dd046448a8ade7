/* bench-gemm-bf16.c: the bf16 GEMM (fovea-gemm-bf16.h) against the
 * machine's bf16 peak and against the FP32 packed GEMM (fovea-gemm.h).
 *
 * The peak is a pure micro-kernel loop: 24 independent vdpbf16ps chains
 * on registers (no loads), one thread, as many as the core can retire;
 * likewise 24 FMA chains for the FP32 peak. Then ViT-B/16's four linear
 * shapes at 197 rows (one image) and 1576 rows (eight), one thread: the
 * fraction of the peak each GEMM reaches. Times are the thread's CPU
 * time (fovea-bench.h), medians, so a busy machine inflates them less. */
#include <stdio.h>

#include "fovea-bench.h"
#include "fovea-gemm.h"
#include "fovea-gemm-bf16.h"

#ifdef FOVEA_HAVE_X86_SIMD
#include <immintrin.h>

#define PEAK_ITERATIONS 2000000
#define CHAINS 24

/* 24 chains of vdpbf16ps; each instruction is 16 lanes × 2 products =
 * 64 flops. */
__attribute__ ((target ("avx512f,avx512bf16"), noinline)) static void
bf16_peak_loop (gconstpointer data)
{
  __m512 acc[CHAINS];
  __m512bh x = (__m512bh) _mm512_set1_epi32 (0x3f803f80);  /* 1, 1 */
  __m512bh y = (__m512bh) _mm512_set1_epi32 (0x00010001);  /* tiny, so nothing overflows */

  for (int c = 0; c < CHAINS; c++)
    acc[c] = _mm512_setzero_ps ();
  for (int i = 0; i < PEAK_ITERATIONS; i++)
    {
#pragma GCC unroll 24
      for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_dpbf16_ps (acc[c], x, y);
    }
  float sink = 0;
  for (int c = 0; c < CHAINS; c++)
    sink += _mm512_reduce_add_ps (acc[c]);
  __asm__ volatile ("" : : "x" (sink));
}

/* 24 chains of 16-lane FMAs: 32 flops each. */
__attribute__ ((target ("avx512f"), noinline)) static void
fp32_peak_loop (gconstpointer data)
{
  __m512 acc[CHAINS];
  __m512 x = _mm512_set1_ps (1.0f), y = _mm512_set1_ps (1e-30f);

  for (int c = 0; c < CHAINS; c++)
    acc[c] = _mm512_setzero_ps ();
  for (int i = 0; i < PEAK_ITERATIONS; i++)
    {
#pragma GCC unroll 24
      for (int c = 0; c < CHAINS; c++)
        acc[c] = _mm512_fmadd_ps (x, y, acc[c]);
    }
  float sink = 0;
  for (int c = 0; c < CHAINS; c++)
    sink += _mm512_reduce_add_ps (acc[c]);
  __asm__ volatile ("" : : "x" (sink));
}
#endif

typedef struct {
  FoveaPool     *pool;
  int            rows, n, k;
  const float   *a;
  float         *c;
  const guint16 *packed_bf16;
  const float   *packed_f32;
} GemmCall;

static void
run_bf16 (gconstpointer data)
{
  const GemmCall *g = data;
  fovea_gemm_bf16_accumulate (g->pool, g->rows, g->n, g->k, g->a, g->k, g->packed_bf16,
                              g->c, g->n);
}

static void
run_f32 (gconstpointer data)
{
  const GemmCall *g = data;
  fovea_gemm_packed_accumulate (g->pool, g->rows, g->n, g->k, g->a, g->k, g->packed_f32,
                                g->c, g->n);
}

int
main (void)
{
#ifdef FOVEA_HAVE_X86_SIMD
  if (!fovea_gemm_bf16_supported () || !fovea_gemm_packed_supported (1, 1))
    {
      printf ("# the CPU has no AVX512-BF16: nothing to measure\n");
      return 0;
    }

  double flops = (double) PEAK_ITERATIONS * CHAINS;
  double bf16_peak = flops * 64 / (fovea_bench_median_ms (bf16_peak_loop, NULL, 5) * 1e6);
  double f32_peak = flops * 32 / (fovea_bench_median_ms (fp32_peak_loop, NULL, 5) * 1e6);
  printf ("# one thread, thread CPU time, medians\n");
  printf ("peak bf16 (vdpbf16ps loop)        %7.1f GFLOP/s\n", bf16_peak);
  printf ("peak fp32 (FMA loop)              %7.1f GFLOP/s\n", f32_peak);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (1, &error);
  struct { const char *name; int n, k; } layers[] = {
    { "qkv", 2304, 768 }, { "proj", 768, 768 }, { "fc1", 3072, 768 }, { "fc2", 768, 3072 },
  };
  int row_counts[] = { 197, 1576 };

  for (gsize r = 0; r < G_N_ELEMENTS (row_counts); r++)
    for (gsize l = 0; l < G_N_ELEMENTS (layers); l++)
      {
        int rows = row_counts[r], n = layers[l].n, k = layers[l].k;
        g_autofree float *a = fovea_bench_pixels ((gsize) rows * k);
        g_autofree float *w = fovea_bench_pixels ((gsize) n * k);
        g_autofree float *c = g_new0 (float, (gsize) rows * n);
        guint16 *packed_bf16 = g_aligned_alloc (fovea_gemm_bf16_packed_size (n, k), 2, 64);
        float *packed_f32 = g_aligned_alloc (fovea_gemm_packed_size (n, k), 4, 64);
        fovea_gemm_bf16_pack_b (packed_bf16, w, n, k);
        fovea_gemm_pack (packed_f32, w, n, k);
        GemmCall call = { pool, rows, n, k, a, c, packed_bf16, packed_f32 };
        int runs = rows > 200 ? 3 : 7;
        double gflop = 2.0 * rows * n * k / 1e9;
        double bf16_ms = fovea_bench_median_ms (run_bf16, &call, runs);
        double f32_ms = fovea_bench_median_ms (run_f32, &call, runs);
        printf ("%4d × %4d × %4d %-4s  bf16 %6.1f ms %6.1f GFLOP/s (%3.0f%% of peak)   "
                "fp32 %6.1f ms %6.1f GFLOP/s (%3.0f%%)   bf16 %.2f× faster\n",
                rows, n, k, layers[l].name, bf16_ms, gflop / bf16_ms * 1e3,
                100 * gflop / bf16_ms * 1e3 / bf16_peak, f32_ms, gflop / f32_ms * 1e3,
                100 * gflop / f32_ms * 1e3 / f32_peak, f32_ms / bf16_ms);
        g_aligned_free (packed_bf16);
        g_aligned_free (packed_f32);
      }
#else
  printf ("# not an x86-64 build: nothing to measure\n");
#endif
  return 0;
}
