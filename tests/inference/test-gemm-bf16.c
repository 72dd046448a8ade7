/* test-gemm-bf16.c: the bf16 GEMM (fovea-gemm-bf16.h) against a double
 * reference on the FP32 inputs.
 *
 * Tolerance, from bf16's 8-bit significand (unit roundoff u = 2⁻⁸):
 * rounding A and B makes each product t_k off by at most 2u|t_k|, so
 *   per element: |C − ref| ≤ 2u·Σ|t_k| + 1e-6·√(k+1)·Σ|t_k| (the float sum),
 * and, the rounding errors being independent (variance ≤ 2u²/3·t_k²),
 *   over all elements (of shapes with ≥ 4096 products):
 *   rms (C − ref) / rms √(Σ t_k²) ≤ u,
 * i.e. 2⁻⁸·√k of the terms' size when they are alike. On inputs that are
 * bf16 already, only the float sum is left: ≤ 1e-6·√(k+1)·Σ|t_k|, which
 * pins the packed layouts down. Shapes cover k odd, n not a multiple of
 * the panel (48) or of a vector (16), one row, several blocks of k (1024)
 * and of rows (256). Skipped on CPUs without AVX512-BF16. */
#include <math.h>
#include <string.h>

#include "fovea-gemm-bf16.h"
#include "fovea-precision.h"
#include "fovea-model-error.h"

typedef struct {
  int rows, n, k;
} Shape;

static const Shape shapes[] = {
  { 1, 1, 1 },
  { 1, 48, 2 },
  { 1, 50, 7 },        /* one row, k odd, n past a panel */
  { 8, 48, 16 },
  { 5, 17, 3 },
  { 9, 49, 255 },
  { 23, 97, 257 },
  { 3, 200, 601 },
  { 11, 50, 2051 },    /* several blocks of k, k odd */
  { 261, 33, 770 },    /* several blocks of rows */
};

#define LD_PAD 5        /* extra floats per row of A and C */
#define SENTINEL 1234.5f
#define UNIT_ROUNDOFF (1.0 / 256.0)

typedef struct {
  Shape  shape;
  int    lda, ldc;
  float *a, *b, *c0;
} Problem;

/* Values that are bf16 already when exact is set (multiples of 1/16 in
 * [-4, 4]: at most 7 significant bits), random floats otherwise. */
static float
random_value (GRand *rand, gboolean exact)
{
  if (exact)
    return g_rand_int_range (rand, -64, 65) / 16.0f;
  return (float) g_rand_double_range (rand, -1.0, 1.0);
}

static void
problem_init (Problem *p, const Shape *shape, GRand *rand, gboolean exact)
{
  p->shape = *shape;
  p->lda = shape->k + LD_PAD;
  p->ldc = shape->n + LD_PAD;
  p->a = g_new (float, (gsize) shape->rows * p->lda);
  p->b = g_new (float, (gsize) shape->n * shape->k);
  p->c0 = g_new (float, (gsize) shape->rows * p->ldc);
  for (gsize i = 0; i < (gsize) shape->rows * p->lda; i++)
    p->a[i] = random_value (rand, exact);
  for (gsize i = 0; i < (gsize) shape->n * shape->k; i++)
    p->b[i] = random_value (rand, exact);
  for (int r = 0; r < shape->rows; r++)
    for (int n = 0; n < p->ldc; n++)
      p->c0[(gsize) r * p->ldc + n] = n < shape->n ? random_value (rand, exact) : SENTINEL;
}

static void
problem_clear (Problem *p)
{
  g_free (p->a);
  g_free (p->b);
  g_free (p->c0);
}

static guint16 *
pack_b (const Problem *p)
{
  const Shape *s = &p->shape;
  guint16 *packed = g_aligned_alloc (fovea_gemm_bf16_packed_size (s->n, s->k),
                                     sizeof (guint16), 64);
  fovea_gemm_bf16_pack_b (packed, p->b, s->n, s->k);
  return packed;
}

/* C = C0 + A · Bᵀ in bf16 on a pool of n_threads. */
static float *
run_bf16 (const Problem *p, int n_threads)
{
  const Shape *s = &p->shape;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (n_threads, &error);
  g_assert_no_error (error);

  guint16 *packed = pack_b (p);
  float *c = g_memdup2 (p->c0, sizeof (float) * (gsize) s->rows * p->ldc);
  fovea_gemm_bf16_accumulate (pool, s->rows, s->n, s->k, p->a, p->lda, packed, c, p->ldc);
  g_aligned_free (packed);
  return c;
}

/* Checks c against C0 + A · Bᵀ in double; exact: the inputs are bf16. */
static void
check_against_reference (const Problem *p, const float *c, gboolean exact)
{
  const Shape *s = &p->shape;
  double error2 = 0.0, scale2 = 0.0;

  for (int r = 0; r < s->rows; r++)
    for (int n = 0; n < p->ldc; n++)
      {
        gsize at = (gsize) r * p->ldc + n;
        if (n >= s->n)
          {
            g_assert_cmpfloat (c[at], ==, SENTINEL);
            continue;
          }
        double want = p->c0[at], magnitude = fabs (p->c0[at]), squares = 0.0;
        for (int k = 0; k < s->k; k++)
          {
            double term = (double) p->a[(gsize) r * p->lda + k] * p->b[(gsize) n * s->k + k];
            want += term;
            magnitude += fabs (term);
            squares += term * term;
          }
        double sum_bound = 1e-6 * magnitude * sqrt (s->k + 1.0);
        double bound = exact ? sum_bound : 2 * UNIT_ROUNDOFF * magnitude + sum_bound;
        if (!(fabs (c[at] - want) <= bound))
          g_error ("%d x %d x %d: C[%d][%d] = %.9g, want %.9g (bound %.3g)", s->rows, s->n,
                   s->k, r, n, c[at], want, bound);
        error2 += (c[at] - want) * (c[at] - want);
        scale2 += squares;
      }
  /* a statistical bound: over enough products only */
  if (!exact && (gsize) s->rows * s->n * s->k >= 4096)
    {
      double rms = sqrt (error2 / scale2);
      g_test_message ("%d x %d x %d: rms error %.3g of rms √Σt² (bound 2⁻⁸ = %.3g)",
                      s->rows, s->n, s->k, rms, UNIT_ROUNDOFF);
      g_assert_cmpfloat (rms, <=, UNIT_ROUNDOFF);
    }
}

static gboolean
skip_without_bf16 (void)
{
  if (fovea_gemm_bf16_supported ())
    return FALSE;
  g_test_skip ("the CPU has no AVX512-BF16 (or FOVEA_NO_BF16 is set)");
  return TRUE;
}

static void
run_shapes (guint32 seed, gboolean exact)
{
  GRand *rand = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      Problem p;
      problem_init (&p, &shapes[i], rand, exact);
      g_autofree float *c = run_bf16 (&p, 1);
      check_against_reference (&p, c, exact);
      problem_clear (&p);
    }
  g_rand_free (rand);
}

static void
test_reference (void)
{
  if (!skip_without_bf16 ())
    run_shapes (20240601, FALSE);
}

static void
test_exact_inputs (void)
{
  if (!skip_without_bf16 ())
    run_shapes (31, TRUE);
}

static void
test_threads (void)
{
  if (skip_without_bf16 ())
    return;

  GRand *rand = g_rand_new_with_seed (7);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      Problem p;
      problem_init (&p, &shapes[i], rand, FALSE);
      g_autofree float *one = run_bf16 (&p, 1);
      g_autofree float *three = run_bf16 (&p, 3);
      g_assert_cmpmem (one, sizeof (float) * (gsize) p.shape.rows * p.ldc,
                       three, sizeof (float) * (gsize) p.shape.rows * p.ldc);
      problem_clear (&p);
    }
  g_rand_free (rand);
}

/* Round to nearest, ties to even, on the float's bits. */
static guint16
reference_round (float value)
{
  guint32 bits;
  memcpy (&bits, &value, sizeof bits);
  guint32 low = bits & 0xffff, high = bits >> 16;
  if (low > 0x8000 || (low == 0x8000 && (high & 1)))
    high++;
  return (guint16) high;
}

/* Packed A: each value rounded to nearest even, zeros past k. */
static void
test_pack_a_rounding (void)
{
  if (skip_without_bf16 ())
    return;

  const float ties[] = { 1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -1.0f - 1.0f / 256, 0.0f,
                         65504.0f, 3.0e38f };  /* no subnormals: the instruction flushes them */
  const int k = 37, rows = 3, lda = 40;
  float a[3 * 40];
  GRand *rand = g_rand_new_with_seed (5);
  for (int i = 0; i < rows * lda; i++)
    a[i] = i < (int) G_N_ELEMENTS (ties) ? ties[i] : (float) g_rand_double_range (rand, -8, 8);
  g_rand_free (rand);

  int stride = 2 * fovea_gemm_bf16_kpairs (k);
  g_assert_cmpint (stride, ==, 38);
  guint16 packed[3 * 38];
  memset (packed, 0xff, sizeof packed);
  fovea_gemm_bf16_pack_a (packed, a, lda, rows, k);
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < stride; i++)
      g_assert_cmphex (packed[r * stride + i], ==,
                       i < k ? reference_round (a[r * lda + i]) : 0);
  g_assert_cmphex (packed[0], ==, 0x3f80);  /* 1 + 2⁻⁸: a tie, to the even 1 */
  g_assert_cmphex (packed[1], ==, 0x3f82);  /* 1 + 3·2⁻⁸: a tie, to the even 1 + 2⁻⁶ */
}

/* A BF16 weight packed as it is gives what its F32 copy packs to. */
static void
test_pack_b_bf16 (void)
{
  if (skip_without_bf16 ())
    return;

  const int n = 53, k = 9;
  g_autofree float *b = g_new (float, n * k);
  g_autofree guint16 *b16 = g_new (guint16, n * k);
  for (int i = 0; i < n * k; i++)
    {
      b16[i] = (guint16) (0x3c00 + i * 37 % 0x800);
      guint32 bits = (guint32) b16[i] << 16;
      memcpy (&b[i], &bits, sizeof bits);
    }
  gsize size = fovea_gemm_bf16_packed_size (n, k);
  g_assert_cmpuint (size, ==, 2 * 48 * 2 * 5);
  g_autofree guint16 *from_f32 = g_new (guint16, size);
  g_autofree guint16 *from_bf16 = g_new (guint16, size);
  fovea_gemm_bf16_pack_b (from_f32, b, n, k);
  fovea_gemm_bf16_pack_b_bf16 (from_bf16, b16, n, k);
  g_assert_cmpmem (from_f32, size * 2, from_bf16, size * 2);
  /* column 50 (panel 1, column 2), k 3 (pair 1, second) */
  g_assert_cmphex (from_bf16[((1 * 5 + 1) * 48 + 2) * 2 + 1], ==, b16[50 * k + 3]);
  /* k 9 of a 9-deep weight: padding */
  g_assert_cmphex (from_bf16[((0 * 5 + 4) * 48 + 2) * 2 + 1], ==, 0);
}

/* The block API with a storing epilogue: C = ReLU (A · Bᵀ + bias), as a
 * convolution would run it; on bf16 inputs, so only the sum's rounding
 * is left. */
static void
test_block_epilogue (void)
{
  if (skip_without_bf16 ())
    return;

  const Shape s = { 13, 100, 2500 };
  GRand *rand = g_rand_new_with_seed (11);
  Problem p;
  problem_init (&p, &s, rand, TRUE);
  g_autofree float *bias = g_new (float, s.n);
  for (int i = 0; i < s.n; i++)
    bias[i] = random_value (rand, TRUE);
  g_rand_free (rand);

  int kpairs = fovea_gemm_bf16_kpairs (s.k);
  g_autofree guint16 *a = g_new (guint16, (gsize) s.rows * 2 * kpairs);
  fovea_gemm_bf16_pack_a (a, p.a, p.lda, s.rows, s.k);
  guint16 *b = pack_b (&p);
  g_autofree float *c = g_memdup2 (p.c0, sizeof (float) * (gsize) s.rows * p.ldc);
  const FoveaGemmBf16Epilogue epilogue = { .bias = bias, .relu = TRUE };
  /* two calls, on panels [0, 1) and [1, 3): as two threads would */
  FoveaGemmBf16Block block = { s.rows, s.n, s.k, a, b, 0, 1, c, p.ldc, &epilogue };
  fovea_gemm_bf16_block (&block);
  block.p0 = 1;
  block.p1 = 3;
  fovea_gemm_bf16_block (&block);
  g_aligned_free (b);

  int positive = 0;
  for (int r = 0; r < s.rows; r++)
    for (int n = 0; n < p.ldc; n++)
      {
        float got = c[(gsize) r * p.ldc + n];
        if (n >= s.n)
          {
            g_assert_cmpfloat (got, ==, SENTINEL);
            continue;
          }
        double want = bias[n], magnitude = fabs (bias[n]);
        for (int k = 0; k < s.k; k++)
          {
            double term = (double) p.a[(gsize) r * p.lda + k] * p.b[(gsize) n * s.k + k];
            want += term;
            magnitude += fabs (term);
          }
        want = MAX (want, 0.0);
        positive += want > 0;
        g_assert_cmpfloat (fabs (got - want), <=, 1e-6 * magnitude * sqrt (s.k + 1.0));
      }
  g_assert_cmpint (positive, >, 0);
  g_assert_cmpint (positive, <, s.rows * s.n);
  problem_clear (&p);
}

/* Parsing and resolving the precision setting. */
static void
test_precision (void)
{
  FoveaPrecision precision = FOVEA_PRECISION_AUTO, resolved = FOVEA_PRECISION_AUTO;
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_precision_parse ("bf16", &precision, &error));
  g_assert_cmpint (precision, ==, FOVEA_PRECISION_BF16);
  g_assert_true (fovea_precision_parse ("FP32", &precision, &error));
  g_assert_cmpint (precision, ==, FOVEA_PRECISION_FP32);
  g_assert_false (fovea_precision_parse ("fp16", &precision, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_PRECISION);
  g_assert_nonnull (strstr (error->message, "auto, fp32, bf16"));
  g_clear_error (&error);
  g_assert_cmpstr (fovea_precision_to_string (FOVEA_PRECISION_AUTO), ==, "auto");

  /* auto is FP32 until tasks are measured */
  g_assert_true (fovea_precision_resolve (FOVEA_PRECISION_AUTO, &resolved, &error));
  g_assert_cmpint (resolved, ==, FOVEA_PRECISION_FP32);
  gboolean ok = fovea_precision_resolve (FOVEA_PRECISION_BF16, &resolved, &error);
  g_assert_cmpint (ok, ==, fovea_gemm_bf16_supported ());
  if (ok)
    g_assert_cmpint (resolved, ==, FOVEA_PRECISION_BF16);
  else
    {
      g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_PRECISION);
      g_assert_nonnull (strstr (error->message, "AVX512-BF16"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gemm-bf16/reference", test_reference);
  g_test_add_func ("/gemm-bf16/exact-inputs", test_exact_inputs);
  g_test_add_func ("/gemm-bf16/threads", test_threads);
  g_test_add_func ("/gemm-bf16/pack-a-rounding", test_pack_a_rounding);
  g_test_add_func ("/gemm-bf16/pack-b-bf16", test_pack_b_bf16);
  g_test_add_func ("/gemm-bf16/block-epilogue", test_block_epilogue);
  g_test_add_func ("/gemm-bf16/precision", test_precision);
  return g_test_run ();
}
