/* test-train-kernels.c: each backward kernel of fovea-train-kernels.h
 * against central finite differences of its forward kernel.
 *
 * For a kernel y = f (x, θ), the test takes the scalar L = Σ w ⊙ y with
 * fixed random w, runs the backward with dy = w, and compares every
 * gradient element g with (L (x + h) − L (x − h)) / 2h, h = 1e-2, L summed
 * in double. The check is
 *   |g − fd| ≤ 5e-3 · max |fd| + 1e-4   (per gradient tensor)
 * which float32 forwards meet with a margin (truncation error O(h²),
 * rounding about 1e-5 here) while a wrong formula misses by O(1). The
 * GEMM helper is checked against a double-precision loop, and its
 * results for 1 and 3 threads must be bit-identical. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "fovea-kernels.h"
#include "fovea-train-kernels.h"

#define FD_STEP 1e-2
#define FD_REL 5e-3
#define FD_ABS 1e-4

static guint32 rng_state = 12345;

static float
uniform (float lo, float hi)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float) (rng_state >> 8) / (float) (1 << 24);
}

static float *
random_array (gsize n, float lo, float hi)
{
  float *x = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x[i] = uniform (lo, hi);
  return x;
}

static double
weighted_sum (const float *y, const float *w, gsize n)
{
  double sum = 0;
  for (gsize i = 0; i < n; i++)
    sum += (double) y[i] * w[i];
  return sum;
}

typedef double (*LossFunc) (gpointer data);

/* Compares grad (n values) with finite differences of loss over x. */
static void
check_gradient (const char *what, float *x, const float *grad, gsize n, LossFunc loss,
                gpointer data)
{
  double *fd = g_new (double, n);
  double scale = 0, worst = 0;
  for (gsize i = 0; i < n; i++)
    {
      float saved = x[i];
      x[i] = saved + (float) FD_STEP;
      double plus = loss (data);
      x[i] = saved - (float) FD_STEP;
      double minus = loss (data);
      x[i] = saved;
      fd[i] = (plus - minus) / (2 * FD_STEP);
      scale = MAX (scale, fabs (fd[i]));
    }
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs (grad[i] - fd[i]));
  g_test_message ("%s: max |analytic − numeric| %.3g, max |numeric| %.3g", what, worst, scale);
  g_assert_cmpfloat (scale, >, 0);
  g_assert_cmpfloat (worst, <=, FD_REL * scale + FD_ABS);
  g_free (fd);
}

static FoveaPool *
new_pool (int n_threads)
{
  g_autoptr (GError) error = NULL;
  FoveaPool *pool = fovea_pool_new (n_threads, &error);
  g_assert_no_error (error);
  openblas_set_num_threads (1);
  return pool;
}

/* ---- GEMM ---- */

static void
test_gemm (void)
{
  g_autoptr (FoveaPool) pool1 = new_pool (1);
  g_autoptr (FoveaPool) pool3 = new_pool (3);
  /* big enough to be cut into pieces along either side */
  const int shapes[][3] = { { 300, 70, 50 }, { 40, 260, 33 }, { 5, 7, 3 } };

  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        {
          int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
          int lda = ta ? m + 1 : k + 2, ldb = tb ? k + 3 : n + 1, ldc = n + 4;
          g_autofree float *a = random_array ((gsize) (ta ? k : m) * lda, -1, 1);
          g_autofree float *b = random_array ((gsize) (tb ? n : k) * ldb, -1, 1);
          g_autofree float *c0 = random_array ((gsize) m * ldc, -1, 1);
          g_autofree float *c1 = g_memdup2 (c0, sizeof (float) * m * ldc);
          g_autofree float *c3 = g_memdup2 (c0, sizeof (float) * m * ldc);
          float alpha = 0.75f, beta = 0.5f;

          fovea_train_gemm (pool1, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
          fovea_train_gemm (pool3, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c3, ldc);
          g_assert_cmpmem (c1, sizeof (float) * m * ldc, c3, sizeof (float) * m * ldc);
          double worst = 0;
          for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
              {
                double sum = 0;
                for (int p = 0; p < k; p++)
                  sum += (double) (ta ? a[(gsize) p * lda + i] : a[(gsize) i * lda + p]) *
                         (tb ? b[(gsize) j * ldb + p] : b[(gsize) p * ldb + j]);
                double want = alpha * sum + beta * c0[(gsize) i * ldc + j];
                worst = MAX (worst, fabs (want - c1[(gsize) i * ldc + j]));
              }
          g_assert_cmpfloat (worst, <=, 1e-5 * k);
          /* padding between rows is left alone */
          for (int i = 0; i < m; i++)
            for (int j = n; j < ldc; j++)
              g_assert_cmpfloat (c1[(gsize) i * ldc + j], ==, c0[(gsize) i * ldc + j]);
        }
}

static void
test_column_sum (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  int rows = 33, cols = 150, ld = 151;
  g_autofree float *in = random_array ((gsize) rows * ld, -1, 1);
  g_autofree float *out = random_array (cols, -1, 1);
  g_autofree float *before = g_memdup2 (out, sizeof (float) * cols);

  fovea_train_column_sum (pool, out, in, rows, cols, ld);
  for (int c = 0; c < cols; c++)
    {
      double sum = before[c];
      for (int r = 0; r < rows; r++)
        sum += in[(gsize) r * ld + c];
      g_assert_cmpfloat (fabs (sum - out[c]), <=, 1e-5);
    }
}

/* ---- linear ---- */

typedef struct {
  FoveaPool *pool;
  float     *in, *weight, *bias, *out, *residual, *w;
  int        rows, in_dim, out_dim;
} LinearCase;

static double
linear_loss (gpointer data)
{
  LinearCase *t = data;
  fovea_train_linear_forward (t->pool, t->out, t->residual, t->in, t->weight, NULL, t->bias,
                              t->rows, t->in_dim, t->out_dim);
  return weighted_sum (t->out, t->w, (gsize) t->rows * t->out_dim);
}

static void
test_linear (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  LinearCase t = { pool, NULL, NULL, NULL, NULL, NULL, NULL, 7, 19, 83 };
  gsize n_in = (gsize) t.rows * t.in_dim, n_out = (gsize) t.rows * t.out_dim;
  t.in = random_array (n_in, -1, 1);
  t.weight = random_array ((gsize) t.out_dim * t.in_dim, -1, 1);
  t.bias = random_array (t.out_dim, -1, 1);
  t.residual = random_array (n_out, -1, 1);
  t.out = g_new (float, n_out);
  t.w = random_array (n_out, -1, 1);

  /* out = residual + in·Wᵀ + b: the residual passes straight through */
  linear_loss (&t);
  for (int j = 0; j < t.out_dim; j++)
    {
      double sum = t.residual[j] + t.bias[j];
      for (int p = 0; p < t.in_dim; p++)
        sum += (double) t.in[p] * t.weight[(gsize) j * t.in_dim + p];
      g_assert_cmpfloat (fabs (sum - t.out[j]), <=, 1e-4);
    }

  g_autofree float *din = random_array (n_in, -1, 1);
  g_autofree float *din_acc = g_memdup2 (din, sizeof (float) * n_in);
  g_autofree float *dweight = g_new0 (float, (gsize) t.out_dim * t.in_dim);
  g_autofree float *dbias = g_new0 (float, t.out_dim);
  fovea_train_linear_backward (pool, din, FALSE, dweight, dbias, t.w, t.in, t.weight,
                               t.rows, t.in_dim, t.out_dim);
  check_gradient ("linear din", t.in, din, n_in, linear_loss, &t);
  check_gradient ("linear dweight", t.weight, dweight, (gsize) t.out_dim * t.in_dim, linear_loss, &t);
  check_gradient ("linear dbias", t.bias, dbias, t.out_dim, linear_loss, &t);

  /* accumulate adds onto what is there */
  g_autofree float *before = g_memdup2 (din_acc, sizeof (float) * n_in);
  fovea_train_linear_backward (pool, din_acc, TRUE, NULL, NULL, t.w, t.in, t.weight,
                               t.rows, t.in_dim, t.out_dim);
  for (gsize i = 0; i < n_in; i++)
    g_assert_cmpfloat (fabs (din_acc[i] - before[i] - din[i]), <=, 1e-5);

  g_free (t.in);
  g_free (t.weight);
  g_free (t.bias);
  g_free (t.residual);
  g_free (t.out);
  g_free (t.w);
}

/* ---- LayerNorm ---- */

typedef struct {
  FoveaPool *pool;
  float     *in, *weight, *bias, *out, *mean, *rstd, *w;
  int        rows, dim;
} NormCase;

static double
norm_loss (gpointer data)
{
  NormCase *t = data;
  fovea_train_layernorm_forward (t->pool, t->out, t->mean, t->rstd, t->in, t->weight,
                                 t->bias, t->rows, t->dim);
  return weighted_sum (t->out, t->w, (gsize) t->rows * t->dim);
}

static void
test_layernorm (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  NormCase t = { .pool = pool, .rows = 21, .dim = 37 };
  gsize n = (gsize) t.rows * t.dim;
  t.in = random_array (n, -2, 3);
  t.weight = random_array (t.dim, 0.5, 1.5);
  t.bias = random_array (t.dim, -0.5, 0.5);
  t.out = g_new (float, n);
  t.mean = g_new (float, t.rows);
  t.rstd = g_new (float, t.rows);
  t.w = random_array (n, -1, 1);

  norm_loss (&t);
  /* each output row, without its affine part, has mean 0 and variance 1 */
  for (int r = 0; r < t.rows; r++)
    {
      double m = 0, v = 0;
      for (int i = 0; i < t.dim; i++)
        m += (t.out[r * t.dim + i] - t.bias[i]) / t.weight[i];
      m /= t.dim;
      for (int i = 0; i < t.dim; i++)
        {
          double z = (t.out[r * t.dim + i] - t.bias[i]) / t.weight[i] - m;
          v += z * z;
        }
      g_assert_cmpfloat (fabs (m), <=, 1e-5);
      g_assert_cmpfloat (fabs (v / t.dim - 1), <=, 1e-4);
    }

  g_autofree float *din = g_new0 (float, n);
  g_autofree float *dweight = g_new0 (float, t.dim);
  g_autofree float *dbias = g_new0 (float, t.dim);
  fovea_train_layernorm_backward (pool, din, dweight, dbias, t.w, t.in, t.mean, t.rstd,
                                  t.weight, t.rows, t.dim);
  check_gradient ("layernorm din", t.in, din, n, norm_loss, &t);
  check_gradient ("layernorm dweight", t.weight, dweight, t.dim, norm_loss, &t);
  check_gradient ("layernorm dbias", t.bias, dbias, t.dim, norm_loss, &t);

  g_free (t.in);
  g_free (t.weight);
  g_free (t.bias);
  g_free (t.out);
  g_free (t.mean);
  g_free (t.rstd);
  g_free (t.w);
}

/* ---- GELU ---- */

typedef struct {
  FoveaPool *pool;
  float     *in, *out, *w;
  gsize      n;
} GeluCase;

static double
gelu_loss (gpointer data)
{
  GeluCase *t = data;
  fovea_train_gelu_forward (t->pool, t->out, t->in, t->n);
  return weighted_sum (t->out, t->w, t->n);
}

static void
test_gelu (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  GeluCase t = { pool, NULL, NULL, NULL, 20000 };  /* more than one chunk */
  t.in = random_array (t.n, -5, 5);
  t.out = g_new (float, t.n);
  t.w = random_array (t.n, -1, 1);

  gelu_loss (&t);
  for (gsize i = 0; i < t.n; i++)
    {
      double x = t.in[i];
      g_assert_cmpfloat (fabs (0.5 * x * (1 + erf (x / sqrt (2))) - t.out[i]), <=, 1e-6 * (1 + fabs (x)));
    }
  g_autofree float *din = g_new (float, t.n);
  fovea_train_gelu_backward (pool, din, t.w, t.in, t.n);
  check_gradient ("gelu din", t.in, din, t.n, gelu_loss, &t);

  g_free (t.in);
  g_free (t.out);
  g_free (t.w);
}

/* ---- attention ---- */

typedef struct {
  FoveaPool *pool;
  float     *qkv, *out, *att, *w;
  int        batch, tokens, heads, head_dim;
} AttentionCase;

static double
attention_loss (gpointer data)
{
  AttentionCase *t = data;
  fovea_train_attention_forward (t->pool, t->out, t->att, t->qkv, t->batch, t->tokens,
                                 t->heads, t->head_dim);
  return weighted_sum (t->out, t->w, (gsize) t->batch * t->tokens * t->heads * t->head_dim);
}

static void
test_attention (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  AttentionCase t = { .pool = pool, .batch = 2, .tokens = 7, .heads = 3, .head_dim = 4 };
  int dim = t.heads * t.head_dim;
  gsize rows = (gsize) t.batch * t.tokens, n_qkv = rows * 3 * dim;
  t.qkv = random_array (n_qkv, -1.5, 1.5);
  t.out = g_new (float, rows * dim);
  t.att = g_new (float, (gsize) t.batch * t.heads * t.tokens * t.tokens);
  t.w = random_array (rows * dim, -1, 1);

  attention_loss (&t);
  /* every softmax row sums to 1 */
  for (gsize r = 0; r < (gsize) t.batch * t.heads * t.tokens; r++)
    {
      double sum = 0;
      for (int j = 0; j < t.tokens; j++)
        sum += t.att[r * t.tokens + j];
      g_assert_cmpfloat (fabs (sum - 1), <=, 1e-5);
    }
  g_autofree float *dqkv = g_new (float, n_qkv);
  g_autofree float *scratch = g_new (float, 2 * t.tokens * t.tokens);
  fovea_train_attention_backward (pool, dqkv, scratch, t.w, t.qkv, t.att, t.batch, t.tokens,
                                  t.heads, t.head_dim);
  check_gradient ("attention dqkv", t.qkv, dqkv, n_qkv, attention_loss, &t);

  g_free (t.qkv);
  g_free (t.out);
  g_free (t.att);
  g_free (t.w);
}

/* ---- LoRA ---- */

typedef struct {
  FoveaPool      *pool;
  FoveaTrainLora  lora;
  float          *a, *b, *in, *out, *base, *u, *w;
  int             rows, stride;
} LoraCase;

static double
lora_loss (gpointer data)
{
  LoraCase *t = data;
  memcpy (t->out, t->base, sizeof (float) * (gsize) t->rows * t->stride);
  fovea_train_lora_forward (t->pool, &t->lora, t->out, t->stride, t->u, t->in, t->rows);
  return weighted_sum (t->out, t->w, (gsize) t->rows * t->stride);
}

static void
test_lora (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  LoraCase t = { .pool = pool, .rows = 9, .stride = 30 };
  int in_dim = 10, out_dim = 10, rank = 3;
  gsize n_out = (gsize) t.rows * t.stride;
  t.a = random_array ((gsize) rank * in_dim, -1, 1);
  t.b = random_array ((gsize) out_dim * rank, -1, 1);
  t.in = random_array ((gsize) t.rows * in_dim, -1, 1);
  t.base = random_array (n_out, -1, 1);
  t.out = g_new (float, n_out);
  t.u = g_new (float, (gsize) t.rows * rank);
  t.w = random_array (n_out, -1, 1);
  g_autofree float *da = g_new0 (float, (gsize) rank * in_dim);
  g_autofree float *db = g_new0 (float, (gsize) out_dim * rank);
  /* the middle slice of the output (a v slice, say) */
  t.lora = (FoveaTrainLora) { rank, in_dim, out_dim, 10, 1.5f, t.a, t.b, da, db };

  lora_loss (&t);
  for (int r = 0; r < t.rows; r++)
    for (int j = 0; j < t.stride; j++)
      if (j < 10 || j >= 20)
        g_assert_cmpfloat (t.out[r * t.stride + j], ==, t.base[r * t.stride + j]);

  g_autofree float *din = g_new0 (float, (gsize) t.rows * in_dim);
  g_autofree float *du = g_new (float, (gsize) t.rows * rank);
  fovea_train_lora_backward (pool, &t.lora, din, du, t.w, t.stride, t.u, t.in, t.rows);
  check_gradient ("lora din", t.in, din, (gsize) t.rows * in_dim, lora_loss, &t);
  check_gradient ("lora dA", t.a, da, (gsize) rank * in_dim, lora_loss, &t);
  check_gradient ("lora dB", t.b, db, (gsize) out_dim * rank, lora_loss, &t);

  g_free (t.a);
  g_free (t.b);
  g_free (t.in);
  g_free (t.base);
  g_free (t.out);
  g_free (t.u);
  g_free (t.w);
}

/* ---- im2col ---- */

static void
test_im2col (void)
{
  g_autoptr (FoveaPool) pool = new_pool (2);
  int batch = 2, channels = 3, height = 8, width = 12, patch = 4;
  gsize n = (gsize) batch * channels * height * width;
  g_autofree float *pixels = random_array (n, -1, 1);
  int gh = height / patch, gw = width / patch, cpp = channels * patch * patch;
  g_autofree float *patches = g_new (float, (gsize) batch * gh * gw * cpp);

  fovea_im2col (pool, patches, pixels, batch, channels, height, width, patch);
  for (int b = 0; b < batch; b++)
    for (int gy = 0; gy < gh; gy++)
      for (int gx = 0; gx < gw; gx++)
        for (int c = 0; c < channels; c++)
          for (int ky = 0; ky < patch; ky++)
            for (int kx = 0; kx < patch; kx++)
              {
                float want = pixels[(((gsize) b * channels + c) * height + gy * patch + ky) * width
                                    + gx * patch + kx];
                float got = patches[(((gsize) b * gh + gy) * gw + gx) * cpp
                                    + (c * patch + ky) * patch + kx];
                g_assert_cmpfloat (got, ==, want);
              }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-kernels/gemm", test_gemm);
  g_test_add_func ("/train-kernels/column-sum", test_column_sum);
  g_test_add_func ("/train-kernels/linear", test_linear);
  g_test_add_func ("/train-kernels/layernorm", test_layernorm);
  g_test_add_func ("/train-kernels/gelu", test_gelu);
  g_test_add_func ("/train-kernels/attention", test_attention);
  g_test_add_func ("/train-kernels/lora", test_lora);
  g_test_add_func ("/train-kernels/im2col", test_im2col);
  return g_test_run ();
}
