/* test-train-conv.c: the CNN training kernels (fovea-train-conv.h)
 * against direct double-precision loops written from the definitions.
 *
 * For each geometry (dense, strided, TF-"same" padded, dilated, grouped,
 * 1×1, 1×1 with stride, depthwise 3×3 and 5×5, a 7×7 stem) and epilogue
 * (bias, residual, ReLU / ReLU6), with a per-channel scale folded into
 * the working weight as a frozen BatchNorm is: the forward, and from a
 * random output gradient masked by the activation's derivative, the
 * input, weight (back in PyTorch's layout, scaled) and bias gradients.
 * Tolerance per tensor: max |got − ref| ≤ 2e-5 · max |ref| + 1e-6
 * (float32 sums of up to a few thousand terms).
 * Also LoRA on a 1×1 layer, max and average pooling, and bit-identical
 * results for 1, 2 and 3 threads. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "fovea-conv.h"
#include "fovea-train-conv.h"

#define TOL_REL 2e-5
#define TOL_ABS 1e-6

static guint32 rng_state = 2024;

static float
uniform (float lo, float hi)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return lo + (hi - lo) * (float) (rng_state >> 8) / (float) (1 << 24);
}

static float *
random_array (gsize n, float lo, float hi)
{
  float *x = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    x[i] = uniform (lo, hi);
  return x;
}

static void
assert_close (const char *what, const float *got, const double *want, gsize n)
{
  double worst = 0, scale = 0;
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (got[i]));
      worst = MAX (worst, fabs (got[i] - want[i]));
      scale = MAX (scale, fabs (want[i]));
    }
  g_test_message ("%s: max error %.3g of max |ref| %.3g", what, worst, scale);
  if (worst > TOL_REL * scale + TOL_ABS)
    g_error ("%s: max error %.3g exceeds %.3g", what, worst, TOL_REL * scale + TOL_ABS);
}

typedef struct {
  const char   *name;
  int           batch, in_h, in_w, in_c, out_c, kernel, stride, dilation, groups;
  gboolean      same;        /* TF "same" padding (fovea_window_shape's) */
  int           pad;         /* PyTorch's on each side; -1 for kernel / 2 · dilation */
  FoveaAct act;
  gboolean      bias, residual;
} ConvCase;

static const ConvCase cases[] = {
  { "3x3", 2, 7, 6, 5, 6, 3, 1, 1, 1, FALSE, -1, FOVEA_ACT_RELU, TRUE, FALSE },
  { "3x3-s2", 2, 9, 8, 4, 7, 3, 2, 1, 1, FALSE, -1, FOVEA_ACT_RELU6, FALSE, FALSE },
  { "3x3-s2-same-even", 2, 8, 10, 3, 8, 3, 2, 1, 1, TRUE, 0, FOVEA_ACT_RELU6, TRUE, FALSE },
  { "3x3-s2-same-odd", 1, 9, 7, 3, 4, 3, 2, 1, 1, TRUE, 0, FOVEA_ACT_NONE, FALSE, FALSE },
  { "3x3-dilated", 2, 9, 9, 4, 5, 3, 1, 2, 1, FALSE, -1, FOVEA_ACT_NONE, TRUE, TRUE },
  { "3x3-grouped", 2, 6, 6, 8, 12, 3, 1, 1, 4, FALSE, -1, FOVEA_ACT_RELU, FALSE, FALSE },
  { "1x1", 3, 5, 7, 6, 9, 1, 1, 1, 1, FALSE, 0, FOVEA_ACT_NONE, FALSE, TRUE },
  { "1x1-relu6", 2, 16, 17, 8, 16, 1, 1, 1, 1, FALSE, 0, FOVEA_ACT_RELU6, TRUE, FALSE },
  { "1x1-s2", 2, 7, 8, 6, 10, 1, 2, 1, 1, FALSE, 0, FOVEA_ACT_NONE, FALSE, FALSE },
  { "7x7-s2-stem", 2, 17, 15, 3, 8, 7, 2, 1, 1, FALSE, 3, FOVEA_ACT_RELU, FALSE, FALSE },
  { "depthwise-3x3", 2, 7, 9, 24, 24, 3, 1, 1, 24, FALSE, -1, FOVEA_ACT_RELU6, TRUE, FALSE },
  { "depthwise-3x3-s2-same", 2, 10, 9, 17, 17, 3, 2, 1, 17, TRUE, 0, FOVEA_ACT_RELU6, FALSE, FALSE },
  { "depthwise-5x5-s2", 1, 11, 12, 8, 8, 5, 2, 1, 8, FALSE, -1, FOVEA_ACT_NONE, TRUE, TRUE },
  { "depthwise-3x3-dilated", 2, 8, 8, 16, 16, 3, 1, 2, 16, FALSE, -1, FOVEA_ACT_RELU, FALSE, FALSE },
  /* many pixels: several reduction chunks and forward tiles */
  { "1x1-large", 2, 48, 40, 8, 12, 1, 1, 1, 1, FALSE, 0, FOVEA_ACT_RELU6, FALSE, TRUE },
  { "3x3-large", 2, 40, 36, 4, 8, 3, 1, 1, 1, FALSE, -1, FOVEA_ACT_RELU, TRUE, FALSE },
  { "depthwise-large", 2, 48, 40, 16, 16, 3, 1, 1, 16, FALSE, -1, FOVEA_ACT_RELU6, TRUE, FALSE },
};

static void
make_geom (const ConvCase *cc, FoveaTrainConvGeom *g)
{
  *g = (FoveaTrainConvGeom) { .batch = cc->batch, .in_h = cc->in_h, .in_w = cc->in_w,
                              .in_c = cc->in_c, .out_c = cc->out_c, .kernel_h = cc->kernel,
                              .kernel_w = cc->kernel, .stride_h = cc->stride,
                              .stride_w = cc->stride, .dilation_h = cc->dilation,
                              .dilation_w = cc->dilation, .groups = cc->groups };
  int pad = cc->pad >= 0 ? cc->pad : cc->kernel / 2 * cc->dilation;
  FoveaWindow window = { cc->kernel, cc->kernel, cc->stride, cc->stride, cc->dilation,
                         cc->dilation, pad, pad, cc->same };
  FoveaWindowShape shape;
  fovea_window_shape (&window, cc->in_h, cc->in_w, &shape);
  g->out_h = shape.out_h;
  g->out_w = shape.out_w;
  g->pad_top = shape.pad_top;
  g->pad_left = shape.pad_left;
}

/* Calls fn (b, oh, ow, o, ih, iw, input channel, weight index) for every
 * term of the convolution that reads inside the image. */
typedef void (*TermFunc) (gpointer data, gsize out_at, gsize in_at, gsize w_at);

static void
for_each_term (const FoveaTrainConvGeom *g, TermFunc fn, gpointer data)
{
  int cin = g->in_c / g->groups, cout = g->out_c / g->groups;
  for (int b = 0; b < g->batch; b++)
    for (int oh = 0; oh < g->out_h; oh++)
      for (int ow = 0; ow < g->out_w; ow++)
        for (int o = 0; o < g->out_c; o++)
          for (int i = 0; i < cin; i++)
            for (int kh = 0; kh < g->kernel_h; kh++)
              for (int kw = 0; kw < g->kernel_w; kw++)
                {
                  int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
                  int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
                  if (ih < 0 || ih >= g->in_h || iw < 0 || iw >= g->in_w)
                    continue;
                  int c = o / cout * cin + i;
                  fn (data, (((gsize) b * g->out_h + oh) * g->out_w + ow) * g->out_c + o,
                      (((gsize) b * g->in_h + ih) * g->in_w + iw) * g->in_c + c,
                      (((gsize) o * cin + i) * g->kernel_h + kh) * g->kernel_w + kw);
                }
}

typedef struct {
  const float *in, *weight, *scale, *dpre;
  double      *pre, *din, *dweight;
  int          out_c;
} RefData;

static void
forward_term (gpointer data, gsize out_at, gsize in_at, gsize w_at)
{
  RefData *r = data;
  int o = (int) (out_at % r->out_c);
  r->pre[out_at] += (double) r->in[in_at] * r->weight[w_at] * r->scale[o];
}

static void
backward_term (gpointer data, gsize out_at, gsize in_at, gsize w_at)
{
  RefData *r = data;
  int o = (int) (out_at % r->out_c);
  r->din[in_at] += (double) r->dpre[out_at] * r->weight[w_at] * r->scale[o];
  r->dweight[w_at] += (double) r->dpre[out_at] * r->in[in_at] * r->scale[o];
}

static double
apply_act (double x, FoveaAct act)
{
  if (act == FOVEA_ACT_RELU)
    return MAX (x, 0.0);
  if (act == FOVEA_ACT_RELU6)
    return CLAMP (x, 0.0, 6.0);
  return x;
}

typedef struct {
  float *out, *din, *dwork, *dweight, *dbias;
} ConvResult;

static void
result_clear (ConvResult *r)
{
  g_free (r->out);
  g_free (r->din);
  g_free (r->dwork);
  g_free (r->dweight);
  g_free (r->dbias);
}

/* The working weight with its packed copies (packed: where the CPU has
 * the engine's AVX-512 GEMM; else, or when packed is FALSE, OpenBLAS). */
typedef struct {
  FoveaTrainConvWeights weights;
  float                *packed, *packed_t;
} Packed;

static void
pack_weights (const FoveaTrainConvGeom *g, const float *work, gboolean packed, Packed *p)
{
  gsize forward, input_grad;
  fovea_train_conv_packed_sizes (g, &forward, &input_grad);
  p->packed = forward && packed ? g_aligned_alloc (forward, sizeof (float), 64) : NULL;
  p->packed_t = input_grad && packed ? g_aligned_alloc (input_grad, sizeof (float), 64) : NULL;
  fovea_train_conv_pack (g, &p->weights, work, p->packed, p->packed_t);
}

static void
packed_clear (Packed *p)
{
  g_aligned_free (p->packed);
  g_aligned_free (p->packed_t);
}

/* Runs the kernels with n_threads on the given tensors. */
static void
run_kernels (const FoveaTrainConvGeom *g, const ConvCase *cc, int n_threads, gboolean packed,
             const float *in, const float *weight, const float *scale, const float *bias,
             const float *residual, const float *dout, ConvResult *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (n_threads, &error);
  g_assert_no_error (error);
  gsize n_out = (gsize) g->batch * g->out_h * g->out_w * g->out_c;
  gsize n_in = (gsize) g->batch * g->in_h * g->in_w * g->in_c;
  gsize n_w = fovea_train_conv_weight_size (g);
  g_autofree float *work = g_new (float, n_w);
  g_autofree float *scratch = g_new0 (float, MAX (1, fovea_train_conv_thread_scratch (g, TRUE) * n_threads));
  g_autofree float *partials = g_new0 (float, MAX (1, fovea_train_conv_partials_size (g)));

  openblas_set_num_threads (1);
  fovea_train_conv_weight_to_work (g, work, weight, scale);
  Packed p;
  pack_weights (g, work, packed, &p);
  r->out = g_new (float, n_out);
  fovea_train_conv_forward (pool, g, r->out, in, &p.weights, bias, residual, cc->act, scratch);
  g_autofree float *dpre = g_memdup2 (dout, sizeof (float) * n_out);
  fovea_train_act_backward (pool, dpre, r->out, n_out, cc->act);
  r->din = g_new (float, n_in);
  /* accumulate onto a known value: the kernel must add, not overwrite */
  for (gsize i = 0; i < n_in; i++)
    r->din[i] = 0.5f;
  r->dwork = g_new (float, n_w);
  r->dbias = g_new0 (float, g->out_c);
  fovea_train_conv_backward (pool, g, r->din, TRUE, r->dwork, bias ? r->dbias : NULL, dpre, in,
                             &p.weights, scratch, partials);
  r->dweight = g_new0 (float, n_w);
  fovea_train_conv_grad_from_work (g, r->dweight, r->dwork, scale);
  packed_clear (&p);
}

static void
test_conv_case (gconstpointer data)
{
  const ConvCase *cc = data;
  FoveaTrainConvGeom g;
  const char *problem = NULL;

  make_geom (cc, &g);
  g_assert_true (fovea_train_conv_geom_check (&g, &problem));
  g_assert_null (problem);
  gsize n_out = (gsize) g.batch * g.out_h * g.out_w * g.out_c;
  gsize n_in = (gsize) g.batch * g.in_h * g.in_w * g.in_c;
  gsize n_w = fovea_train_conv_weight_size (&g);
  g_autofree float *in = random_array (n_in, -1, 1);
  g_autofree float *weight = random_array (n_w, -0.5, 0.5);
  g_autofree float *scale = random_array (g.out_c, 0.5, 1.5);
  g_autofree float *bias = cc->bias ? random_array (g.out_c, -0.3, 0.3) : NULL;
  g_autofree float *residual = cc->residual ? random_array (n_out, -1, 1) : NULL;
  g_autofree float *dout = random_array (n_out, -1, 1);

  for (int packed = 0; packed < 2; packed++)
    {
      g_test_message ("%s", packed ? "the engine's packed GEMM where the CPU has it"
                                   : "OpenBLAS");
      ConvResult r = { 0 };
      run_kernels (&g, cc, 2, packed, in, weight, scale, bias, residual, dout, &r);

      /* the reference */
      g_autofree double *pre = g_new0 (double, n_out);
      g_autofree double *want_out = g_new (double, n_out);
      g_autofree double *din = g_new (double, n_in);
      g_autofree double *dweight = g_new0 (double, n_w);
      g_autofree double *dbias = g_new0 (double, g.out_c);
      g_autofree float *dpre = g_new (float, n_out);
      RefData ref = { in, weight, scale, dpre, pre, din, dweight, g.out_c };
      for_each_term (&g, forward_term, &ref);
      for (gsize i = 0; i < n_out; i++)
        {
          double x = pre[i] + (bias ? bias[i % g.out_c] : 0) + (residual ? residual[i] : 0);
          want_out[i] = apply_act (x, cc->act);
          /* the mask from the kernel's own output, as its backward reads it */
          gboolean pass = cc->act == FOVEA_ACT_NONE ||
                          (cc->act == FOVEA_ACT_RELU && r.out[i] > 0) ||
                          (cc->act == FOVEA_ACT_RELU6 && r.out[i] > 0 && r.out[i] < 6);
          dpre[i] = pass ? dout[i] : 0;
          dbias[i % g.out_c] += dpre[i];
        }
      for (gsize i = 0; i < n_in; i++)
        din[i] = 0.5;
      for_each_term (&g, backward_term, &ref);

      assert_close ("forward", r.out, want_out, n_out);
      assert_close ("input gradient", r.din, din, n_in);
      assert_close ("weight gradient", r.dweight, dweight, n_w);
      if (bias != NULL)
        assert_close ("bias gradient", r.dbias, dbias, g.out_c);

      /* the same bits whatever the number of threads */
      for (int threads = 1; threads <= 3; threads += 2)
        {
          ConvResult again = { 0 };
          run_kernels (&g, cc, threads, packed, in, weight, scale, bias, residual, dout, &again);
          g_assert_cmpmem (again.out, n_out * sizeof (float), r.out, n_out * sizeof (float));
          g_assert_cmpmem (again.din, n_in * sizeof (float), r.din, n_in * sizeof (float));
          g_assert_cmpmem (again.dwork, n_w * sizeof (float), r.dwork, n_w * sizeof (float));
          result_clear (&again);
        }
      result_clear (&r);
    }
}

/* The geometry checks. */
static void
test_geometry (void)
{
  FoveaTrainConvGeom g = { 1, 8, 8, 6, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4 };
  const char *problem = NULL;
  g_assert_false (fovea_train_conv_geom_check (&g, &problem));  /* 6 channels in 4 groups */
  g_assert_nonnull (problem);
  g.groups = 2;
  g_assert_true (fovea_train_conv_geom_check (&g, &problem));
  g.out_h = 20;
  g_assert_false (fovea_train_conv_geom_check (&g, &problem));
}

/* LoRA on a 1×1 convolution: forward and every gradient against loops. */
static void
test_lora (void)
{
  FoveaTrainConvGeom g = { .batch = 2, .in_h = 20, .in_w = 30, .in_c = 12, .out_h = 20,
                           .out_w = 30, .out_c = 10, .kernel_h = 1, .kernel_w = 1,
                           .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                           .groups = 1 };
  int r = 3, pixels = g.batch * g.in_h * g.in_w;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (2, &error);
  g_autofree float *in = random_array ((gsize) pixels * g.in_c, -1, 1);
  g_autofree float *weight = random_array ((gsize) g.out_c * g.in_c, -0.5, 0.5);
  g_autofree float *a = random_array ((gsize) r * g.in_c, -0.5, 0.5);
  g_autofree float *b = random_array ((gsize) g.out_c * r, -0.5, 0.5);
  g_autofree float *out = g_new (float, (gsize) pixels * g.out_c);
  g_autofree float *dout = random_array ((gsize) pixels * g.out_c, -1, 1);
  g_autofree float *din = g_new0 (float, (gsize) pixels * g.in_c);
  g_autofree float *da = g_new (float, (gsize) r * g.in_c);
  g_autofree float *db = g_new (float, (gsize) g.out_c * r);
  g_autofree float *partials = g_new (float, MAX (fovea_train_conv_lora_partials_size (&g, r), 1));
  g_autofree float *scratch = g_new (float, MAX (fovea_train_conv_thread_scratch (&g, TRUE),
                                                  fovea_train_conv_lora_thread_scratch (&g, r)) * 2);
  FoveaTrainConvLora lora = { r, a, b };

  /* the layer runs on the merged weight W + b · a */
  g_autofree float *merged = g_memdup2 (weight, sizeof (float) * g.out_c * g.in_c);
  for (int o = 0; o < g.out_c; o++)
    for (int i = 0; i < g.in_c; i++)
      for (int j = 0; j < r; j++)
        merged[o * g.in_c + i] += b[o * r + j] * a[j * g.in_c + i];
  Packed packed;
  pack_weights (&g, merged, TRUE, &packed);
  openblas_set_num_threads (1);
  fovea_train_conv_forward (pool, &g, out, in, &packed.weights, NULL, NULL, FOVEA_ACT_NONE, scratch);
  fovea_train_conv_backward (pool, &g, din, FALSE, NULL, NULL, dout, in, &packed.weights, scratch, NULL);
  fovea_train_conv_lora_backward (pool, &g, &lora, da, db, dout, in, scratch, partials);
  packed_clear (&packed);

  g_autofree double *want_out = g_new0 (double, (gsize) pixels * g.out_c);
  g_autofree double *want_din = g_new0 (double, (gsize) pixels * g.in_c);
  g_autofree double *want_da = g_new0 (double, (gsize) r * g.in_c);
  g_autofree double *want_db = g_new0 (double, (gsize) g.out_c * r);
  for (int p = 0; p < pixels; p++)
    {
      const float *x = in + (gsize) p * g.in_c;
      const float *dy = dout + (gsize) p * g.out_c;
      double uu[3] = { 0 }, duu[3] = { 0 };
      for (int j = 0; j < r; j++)
        for (int i = 0; i < g.in_c; i++)
          uu[j] += (double) a[j * g.in_c + i] * x[i];
      for (int o = 0; o < g.out_c; o++)
        {
          double y = 0;
          for (int i = 0; i < g.in_c; i++)
            y += (double) weight[o * g.in_c + i] * x[i];
          for (int j = 0; j < r; j++)
            {
              y += uu[j] * b[o * r + j];
              duu[j] += (double) dy[o] * b[o * r + j];
              want_db[o * r + j] += dy[o] * uu[j];
            }
          for (int i = 0; i < g.in_c; i++)
            want_din[(gsize) p * g.in_c + i] += (double) dy[o] * weight[o * g.in_c + i];
          want_out[(gsize) p * g.out_c + o] = y;
        }
      for (int j = 0; j < r; j++)
        for (int i = 0; i < g.in_c; i++)
          {
            want_da[j * g.in_c + i] += duu[j] * x[i];
            want_din[(gsize) p * g.in_c + i] += duu[j] * a[j * g.in_c + i];
          }
    }
  assert_close ("lora forward", out, want_out, (gsize) pixels * g.out_c);
  assert_close ("lora input gradient", din, want_din, (gsize) pixels * g.in_c);
  assert_close ("lora_A gradient", da, want_da, (gsize) r * g.in_c);
  assert_close ("lora_B gradient", db, want_db, (gsize) g.out_c * r);
}

/* ResNet's stem pool (3×3, stride 2, padding 1) and the global mean. */
static void
test_pooling (void)
{
  FoveaTrainConvGeom g = { .batch = 2, .in_h = 9, .in_w = 8, .in_c = 5, .out_c = 5,
                           .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                           .pad_top = 1, .pad_left = 1, .dilation_h = 1, .dilation_w = 1,
                           .groups = 1 };
  g.out_h = 5;   /* (9 + 2 − 3) / 2 + 1 */
  g.out_w = 4;
  gsize n_in = (gsize) 2 * 9 * 8 * 5, n_out = (gsize) 2 * g.out_h * g.out_w * 5;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (2, &error);
  g_autofree float *in = random_array (n_in, -1, 1);
  g_autofree float *out = g_new (float, n_out);
  g_autofree float *dout = random_array (n_out, -1, 1);
  g_autofree float *din = g_new (float, n_in);
  g_autofree double *want = g_new (double, n_out);
  g_autofree double *want_din = g_new0 (double, n_in);

  /* a tie: the first maximum in scan order takes the gradient */
  in[0] = in[5] = 2.0f;
  fovea_train_maxpool_forward (pool, &g, out, in);
  fovea_train_maxpool_backward (pool, &g, din, dout, in);
  for (int b = 0; b < 2; b++)
    for (int oh = 0; oh < g.out_h; oh++)
      for (int ow = 0; ow < g.out_w; ow++)
        for (int c = 0; c < 5; c++)
          {
            double best = -INFINITY;
            gsize at = 0;
            for (int kh = 0; kh < 3; kh++)
              for (int kw = 0; kw < 3; kw++)
                {
                  int ih = oh * 2 - 1 + kh, iw = ow * 2 - 1 + kw;
                  if (ih < 0 || ih >= 9 || iw < 0 || iw >= 8)
                    continue;
                  gsize i = (((gsize) b * 9 + ih) * 8 + iw) * 5 + c;
                  if (in[i] > best)
                    {
                      best = in[i];
                      at = i;
                    }
                }
            gsize o = (((gsize) b * g.out_h + oh) * g.out_w + ow) * 5 + c;
            want[o] = best;
            want_din[at] += dout[o];
          }
  assert_close ("max pool", out, want, n_out);
  assert_close ("max pool gradient", din, want_din, n_in);

  float pooled[2 * 5];
  double want_pooled[2 * 5] = { 0 };
  fovea_train_avgpool_forward (pool, pooled, in, 2, 72, 5);
  for (gsize i = 0; i < n_in; i++)
    want_pooled[i / 360 * 5 + i % 5] += in[i] / 72.0;
  assert_close ("average pool", pooled, want_pooled, 10);
  fovea_train_avgpool_backward (pool, din, pooled, 2, 72, 5);
  for (gsize i = 0; i < n_in; i++)
    g_assert_cmpfloat_with_epsilon (din[i], pooled[i / 360 * 5 + i % 5] / 72.0, 1e-7);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-conv/geometry", test_geometry);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/train-conv/conv/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_conv_case);
    }
  g_test_add_func ("/train-conv/lora", test_lora);
  g_test_add_func ("/train-conv/pooling", test_pooling);
  return g_test_run ();
}
