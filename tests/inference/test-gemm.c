/* test-gemm.c: the packed AVX-512 GEMM against a naive double-precision
 * reference, over shapes that exercise every edge: rows that are not a
 * multiple of the tile, columns that end inside a panel (or inside a
 * vector of it), depths and row counts shorter and longer than a block,
 * and strides wider than the rows. Also: C is accumulated into (not overwritten),
 * what lies beyond its columns is left alone, and the result is the same
 * bit for bit whatever the number of threads. Skipped on CPUs without
 * AVX-512F, where the engine does not use this GEMM. */
#include <math.h>
#include <string.h>

#include "fovea-gemm.h"

typedef struct {
  int rows, out_dim, in_dim;
} Shape;

static const Shape shapes[] = {
  { 1, 1, 1 },
  { 8, 48, 16 },
  { 5, 17, 3 },
  { 9, 49, 255 },
  { 17, 96, 256 },
  { 23, 97, 257 },
  { 3, 200, 600 },
  { 64, 47, 513 },
  { 11, 50, 1537 },   /* several blocks of k */
  { 261, 33, 770 },   /* several blocks of rows */
};

#define LD_PAD 5       /* extra floats per row of A and C */
#define SENTINEL 1234.5f

typedef struct {
  Shape  shape;
  int    lda, ldc;
  float *a, *weight, *c0;
} Problem;

static void
problem_init (Problem *p, const Shape *shape, GRand *rand)
{
  p->shape = *shape;
  p->lda = shape->in_dim + LD_PAD;
  p->ldc = shape->out_dim + LD_PAD;
  p->a = g_new (float, (gsize) shape->rows * p->lda);
  p->weight = g_new (float, (gsize) shape->out_dim * shape->in_dim);
  p->c0 = g_new (float, (gsize) shape->rows * p->ldc);
  for (gsize i = 0; i < (gsize) shape->rows * p->lda; i++)
    p->a[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (gsize i = 0; i < (gsize) shape->out_dim * shape->in_dim; i++)
    p->weight[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (int r = 0; r < shape->rows; r++)
    for (int n = 0; n < p->ldc; n++)
      p->c0[(gsize) r * p->ldc + n] = n < shape->out_dim
        ? (float) g_rand_double_range (rand, -2.0, 2.0) : SENTINEL;
}

static void
problem_clear (Problem *p)
{
  g_free (p->a);
  g_free (p->weight);
  g_free (p->c0);
}

/* C = C0 + A · Wᵀ with the packed GEMM on a pool of n_threads. */
static float *
run_packed (const Problem *p, int n_threads)
{
  const Shape *s = &p->shape;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (n_threads, &error);
  g_assert_no_error (error);

  float *packed = g_aligned_alloc (fovea_gemm_packed_size (s->out_dim, s->in_dim),
                                   sizeof (float), 64);
  fovea_gemm_pack (packed, p->weight, s->out_dim, s->in_dim);
  float *c = g_memdup2 (p->c0, sizeof (float) * (gsize) s->rows * p->ldc);
  fovea_gemm_packed_accumulate (pool, s->rows, s->out_dim, s->in_dim, p->a, p->lda,
                                packed, c, p->ldc);
  g_aligned_free (packed);
  return c;
}

static void
check_against_reference (const Problem *p, const float *c)
{
  const Shape *s = &p->shape;

  for (int r = 0; r < s->rows; r++)
    for (int n = 0; n < p->ldc; n++)
      {
        gsize at = (gsize) r * p->ldc + n;
        if (n >= s->out_dim)
          {
            g_assert_cmpfloat (c[at], ==, SENTINEL);
            continue;
          }
        /* FP32 rounding grows with the sum of the magnitudes of the
         * terms, not with their (possibly cancelling) sum. */
        double want = p->c0[at], magnitude = fabs (p->c0[at]);
        for (int k = 0; k < s->in_dim; k++)
          {
            double term = (double) p->a[(gsize) r * p->lda + k] *
                          p->weight[(gsize) n * s->in_dim + k];
            want += term;
            magnitude += fabs (term);
          }
        if (fabs (c[at] - want) > 1e-6 * magnitude * sqrt (s->in_dim + 1.0))
          g_error ("%d x %d x %d: C[%d][%d] = %.9g, want %.9g", s->rows, s->out_dim,
                   s->in_dim, r, n, c[at], want);
      }
}

static void
test_gemm_reference (void)
{
  if (!fovea_gemm_packed_supported (1, 1))
    {
      g_test_skip ("the CPU has no AVX-512F");
      return;
    }

  GRand *rand = g_rand_new_with_seed (20240601);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      Problem p;
      problem_init (&p, &shapes[i], rand);
      g_autofree float *c = run_packed (&p, 1);
      check_against_reference (&p, c);
      problem_clear (&p);
    }
  g_rand_free (rand);
}

static void
test_gemm_threads (void)
{
  if (!fovea_gemm_packed_supported (1, 1))
    {
      g_test_skip ("the CPU has no AVX-512F");
      return;
    }

  GRand *rand = g_rand_new_with_seed (7);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      Problem p;
      problem_init (&p, &shapes[i], rand);
      g_autofree float *one = run_packed (&p, 1);
      g_autofree float *three = run_packed (&p, 3);
      g_assert_cmpmem (one, sizeof (float) * (gsize) p.shape.rows * p.ldc,
                       three, sizeof (float) * (gsize) p.shape.rows * p.ldc);
      problem_clear (&p);
    }
  g_rand_free (rand);
}

static void
test_gemm_supported (void)
{
  /* The pack's 32-bit gather indices bound the depth. */
  g_assert_false (fovea_gemm_packed_supported (16, G_MAXINT32));
  g_assert_false (fovea_gemm_packed_supported (0, 16));
  g_assert_cmpuint (fovea_gemm_packed_size (49, 10), >=, 49 * 10);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gemm/reference", test_gemm_reference);
  g_test_add_func ("/gemm/threads", test_gemm_threads);
  g_test_add_func ("/gemm/supported", test_gemm_supported);
  return g_test_run ();
}
