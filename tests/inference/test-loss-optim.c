/* test-loss-optim.c: the losses, AdamW, the learning-rate schedule and
 * gradient clipping against PyTorch (fixtures made by
 * tests/scripts/make-optim-fixtures.py), plus properties that hold
 * whatever PyTorch says: gradients match finite differences, Adam's first
 * step moves every weight by the learning rate, a restored checkpoint
 * continues exactly where the run left off. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-loss.h"
#include "fovea-optim.h"
#include "fovea-test-common.h"

/* ---- helpers ---- */

static JsonParser *
load_fixture (const char *name)
{
  g_autofree char *file = g_build_filename ("optim", name, NULL);
  g_autofree char *path = fovea_test_fixture_path (file);
  GError *error = NULL;
  JsonParser *parser = json_parser_new ();
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return parser;
}

static JsonArray *
cases_of (JsonParser *parser, const char *member)
{
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       member);
}

static float *
floats_of (JsonArray *array, gsize *n)
{
  gsize len = json_array_get_length (array);
  float *out = g_new (float, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    out[i] = (float) json_array_get_double_element (array, i);
  if (n)
    *n = len;
  return out;
}

static double *
doubles_of (JsonArray *array)
{
  gsize len = json_array_get_length (array);
  double *out = g_new (double, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    out[i] = json_array_get_double_element (array, i);
  return out;
}

static int *
ints_of (JsonArray *array)
{
  gsize len = json_array_get_length (array);
  int *out = g_new (int, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    out[i] = (int) json_array_get_int_element (array, i);
  return out;
}

/* Fails the test (and carries on, to show every mismatch) unless
 * |got - want| ≤ rel·|want| + abs_tol. */
static void
assert_close (double got, double want, double rel, double abs_tol,
              const char *what, gsize index)
{
  if (fabs (got - want) <= rel * fabs (want) + abs_tol)
    return;
  g_test_fail_printf ("%s[%" G_GSIZE_FORMAT "]: got %.10g, want %.10g (diff %.3g)",
                      what, index, got, want, got - want);
}

static void
assert_all_close (const float *got, const double *want, gsize n,
                  double rel, double abs_tol, const char *what)
{
  for (gsize i = 0; i < n; i++)
    assert_close (got[i], want[i], rel, abs_tol, what, i);
}

static double
max_abs (const double *x, gsize n)
{
  double max = 0;
  for (gsize i = 0; i < n; i++)
    max = MAX (max, fabs (x[i]));
  return max;
}

/* A small deterministic generator: the property tests need no fixtures. */
static double
uniform (guint64 *state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double) (*state >> 11) / 9007199254740992.0;
}

static double
normal (guint64 *state)
{
  double u = uniform (state) + 1e-12, v = uniform (state);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* ---- losses against PyTorch ----
 * The references are float64 autograd on the same float32 inputs; the
 * loss is summed in double here too, the gradient rounded to float. */

#define LOSS_REL 1e-10
#define GRAD_REL 1e-5
#define GRAD_ABS 1e-12

static void
test_cross_entropy_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("losses.json");
  JsonArray *cases = cases_of (parser, "cross_entropy");
  g_assert_cmpuint (json_array_get_length (cases), >=, 6);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      int batch = (int) json_object_get_int_member (o, "batch");
      int n_classes = (int) json_object_get_int_member (o, "n_classes");
      g_autofree float *logits = floats_of (json_object_get_array_member (o, "logits"), NULL);
      g_autofree int *labels = ints_of (json_object_get_array_member (o, "labels"));
      g_autofree double *want = doubles_of (json_object_get_array_member (o, "grad"));
      g_autofree float *weights = NULL;
      if (!json_object_get_null_member (o, "weights"))
        weights = floats_of (json_object_get_array_member (o, "weights"), NULL);
      g_autofree float *grad = g_new (float, batch * n_classes);

      double loss = fovea_loss_cross_entropy (logits, labels, batch, n_classes, weights,
                                              json_object_get_double_member (o, "smoothing"),
                                              grad);
      g_test_message ("case %u: loss %.12g", c, loss);
      assert_close (loss, json_object_get_double_member (o, "loss"), LOSS_REL, 0,
                    "cross-entropy loss", c);
      assert_all_close (grad, want, (gsize) batch * n_classes, GRAD_REL, GRAD_ABS,
                        "cross-entropy dlogits");
    }
}

static void
test_mse_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("losses.json");
  JsonArray *cases = cases_of (parser, "mse");
  g_assert_cmpuint (json_array_get_length (cases), >=, 2);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      int batch = (int) json_object_get_int_member (o, "batch");
      g_autofree float *outputs = floats_of (json_object_get_array_member (o, "outputs"), NULL);
      g_autofree float *targets = floats_of (json_object_get_array_member (o, "targets"), NULL);
      g_autofree double *want = doubles_of (json_object_get_array_member (o, "grad"));
      g_autofree float *grad = g_new (float, batch);

      double loss = fovea_loss_mse (outputs, targets, batch, grad);
      assert_close (loss, json_object_get_double_member (o, "loss"), LOSS_REL, 0, "mse loss", c);
      assert_all_close (grad, want, batch, GRAD_REL, GRAD_ABS, "mse doutputs");
    }
}

static void
test_bce_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("losses.json");
  JsonArray *cases = cases_of (parser, "bce");
  g_assert_cmpuint (json_array_get_length (cases), >=, 3);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      int batch = (int) json_object_get_int_member (o, "batch");
      g_autofree float *logits = floats_of (json_object_get_array_member (o, "logits"), NULL);
      g_autofree float *targets = floats_of (json_object_get_array_member (o, "targets"), NULL);
      g_autofree double *want = doubles_of (json_object_get_array_member (o, "grad"));
      g_autofree float *grad = g_new (float, batch);

      double loss = fovea_loss_bce (logits, targets, batch,
                                    json_object_get_double_member (o, "pos_weight"), grad);
      assert_close (loss, json_object_get_double_member (o, "loss"), LOSS_REL, 0, "bce loss", c);
      assert_all_close (grad, want, batch, GRAD_REL, GRAD_ABS, "bce dlogits");
    }
}

/* ---- losses: properties ---- */

typedef double (*LossFn) (float *x, gpointer data, float *grad);

/* Central differences of the (double) loss against the analytic gradient.
 * The step is measured after rounding x ± h to float, so the quotient
 * uses the perturbation that really happened. */
static void
check_finite_differences (LossFn fn, gpointer data, float *x, gsize n, const char *what)
{
  g_autofree float *grad = g_new (float, n);
  g_autofree float *scratch = g_new (float, n);
  fn (x, data, grad);
  double scale = 0;
  for (gsize i = 0; i < n; i++)
    scale = MAX (scale, fabs (grad[i]));
  g_assert_cmpfloat (scale, >, 0);

  for (gsize i = 0; i < n; i++)
    {
      float saved = x[i];
      float up = saved + 1e-2f, down = saved - 1e-2f;
      x[i] = up;
      double l_up = fn (x, data, scratch);
      x[i] = down;
      double l_down = fn (x, data, scratch);
      x[i] = saved;
      double numeric = (l_up - l_down) / ((double) up - (double) down);
      assert_close (grad[i], numeric, 0, 1e-4 * scale, what, i);
    }
}

typedef struct {
  const int   *labels;
  const float *weights;
  const float *targets;
  int          batch, n_classes;
  double       smoothing, pos_weight;
} LossCase;

static double
ce_of (float *x, gpointer data, float *grad)
{
  LossCase *c = data;
  return fovea_loss_cross_entropy (x, c->labels, c->batch, c->n_classes, c->weights,
                                   c->smoothing, grad);
}

static double
mse_of (float *x, gpointer data, float *grad)
{
  LossCase *c = data;
  return fovea_loss_mse (x, c->targets, c->batch, grad);
}

static double
bce_of (float *x, gpointer data, float *grad)
{
  LossCase *c = data;
  return fovea_loss_bce (x, c->targets, c->batch, c->pos_weight, grad);
}

static void
test_loss_finite_differences (void)
{
  guint64 rng = 7;
  enum { B = 6, C = 5 };
  float logits[B * C], weights[C], outputs[B], targets[B], binary[B];
  int labels[B] = { 0, 4, 2, 2, 1, 3 };
  for (int i = 0; i < B * C; i++)
    logits[i] = (float) (2.0 * normal (&rng));
  for (int c = 0; c < C; c++)
    weights[c] = (float) (0.3 + 2.0 * uniform (&rng));
  for (int i = 0; i < B; i++)
    {
      outputs[i] = (float) (4.0 * uniform (&rng));
      targets[i] = (float) (i % 5);
      binary[i] = (float) (i % 2);
    }

  LossCase ce = { labels, weights, NULL, B, C, 0.15, 0 };
  check_finite_differences (ce_of, &ce, logits, B * C, "weighted smoothed CE");
  LossCase ce_plain = { labels, NULL, NULL, B, C, 0.0, 0 };
  check_finite_differences (ce_of, &ce_plain, logits, B * C, "plain CE");
  LossCase mse = { NULL, NULL, targets, B, 1, 0, 0 };
  check_finite_differences (mse_of, &mse, outputs, B, "MSE");
  LossCase bce = { NULL, NULL, binary, B, 1, 0, 2.5 };
  check_finite_differences (bce_of, &bce, logits, B, "BCE");
}

/* Σ_j ∂L/∂z_ij = 0 for every row, weights and smoothing or not (softmax is
 * unchanged by adding a constant to a row); uniform logits cost log C. */
static void
test_cross_entropy_properties (void)
{
  enum { B = 4, C = 6 };
  float logits[B * C], grad[B * C], weights[C] = { 1, 2, 0.5f, 3, 1, 0.25f };
  int labels[B] = { 5, 0, 3, 3 };
  guint64 rng = 11;
  for (int i = 0; i < B * C; i++)
    logits[i] = (float) (3.0 * normal (&rng));

  fovea_loss_cross_entropy (logits, labels, B, C, weights, 0.2, grad);
  for (int i = 0; i < B; i++)
    {
      double sum = 0;
      for (int j = 0; j < C; j++)
        sum += grad[i * C + j];
      g_assert_cmpfloat_with_epsilon (sum, 0.0, 1e-7);
    }

  float flat[B * C];
  for (int i = 0; i < B * C; i++)
    flat[i] = 3.25f;
  double loss = fovea_loss_cross_entropy (flat, labels, B, C, NULL, 0.3, grad);
  g_assert_cmpfloat_with_epsilon (loss, log (C), 1e-12);

  /* Huge logits: still finite, and a confident right answer costs ~0. */
  float huge[2 * 3] = { 1e4f, -1e4f, 0, -3e4f, 2e4f, 1e4f };
  int huge_labels[2] = { 0, 1 };
  loss = fovea_loss_cross_entropy (huge, huge_labels, 2, 3, NULL, 0.0, grad);
  g_assert_cmpfloat_with_epsilon (loss, 0.0, 1e-12);
  for (int i = 0; i < 6; i++)
    g_assert_true (isfinite (grad[i]));
  huge_labels[0] = 1;  /* confidently wrong by 2e4 */
  loss = fovea_loss_cross_entropy (huge, huge_labels, 2, 3, NULL, 0.0, grad);
  g_assert_cmpfloat_with_epsilon (loss, 1e4, 1e-6);

  /* Nothing to average: zero, with a zero gradient (not NaN). */
  int ignored[B] = { -100, -100, C, -1 };
  for (int i = 0; i < B * C; i++)
    grad[i] = 1;
  loss = fovea_loss_cross_entropy (logits, ignored, B, C, weights, 0.1, grad);
  g_assert_cmpfloat (loss, ==, 0.0);
  for (int i = 0; i < B * C; i++)
    g_assert_cmpfloat (grad[i], ==, 0.0f);
}

static void
test_bce_extremes (void)
{
  float logits[4] = { 1e4f, -1e4f, 1e4f, -1e4f }, targets[4] = { 1, 0, 0, 1 }, grad[4];
  double loss = fovea_loss_bce (logits, targets, 2, 0.0, grad);
  g_assert_cmpfloat_with_epsilon (loss, 0.0, 1e-12);
  /* Confidently wrong: softplus (1e4) = 1e4 each, pos_weight 3 on the positive. */
  loss = fovea_loss_bce (logits + 2, targets + 2, 2, 3.0, grad);
  g_assert_cmpfloat_with_epsilon (loss, (1e4 + 3 * 1e4) / 2, 1e-6);
  g_assert_cmpfloat_with_epsilon (grad[0], 0.5, 1e-7);
  g_assert_cmpfloat_with_epsilon (grad[1], -1.5, 1e-7);
}

/* ---- AdamW against PyTorch ---- */

typedef struct {
  FoveaTrainParam *params;
  int              n_params;
  JsonArray       *fixture;
} ParamSet;

static void
param_set_clear (ParamSet *set)
{
  for (int i = 0; i < set->n_params; i++)
    {
      g_free (set->params[i].value);
      g_free (set->params[i].grad);
    }
  g_free (set->params);
}

/* FoveaTrainParam tensors built by hand from the fixture's initial values. */
static ParamSet
params_from_fixture (JsonArray *fixture)
{
  ParamSet set = { NULL, (int) json_array_get_length (fixture), fixture };
  set.params = g_new0 (FoveaTrainParam, set.n_params);
  for (int i = 0; i < set.n_params; i++)
    {
      JsonObject *o = json_array_get_object_element (fixture, i);
      JsonArray *shape = json_object_get_array_member (o, "shape");
      FoveaTrainParam *p = &set.params[i];
      p->name = json_object_get_string_member (o, "name");
      p->value = floats_of (json_object_get_array_member (o, "value"), &p->n);
      p->grad = g_new0 (float, p->n);
      p->shape[0] = (int) json_array_get_int_element (shape, 0);
      p->shape[1] = (int) json_array_get_int_element (shape, 1);
      p->decay = json_object_get_boolean_member (o, "decay");
    }
  return set;
}

static void
load_grads (ParamSet *set, int step)
{
  for (int i = 0; i < set->n_params; i++)
    {
      JsonObject *o = json_array_get_object_element (set->fixture, i);
      JsonArray *grads = json_object_get_array_member (o, "grads");
      JsonArray *g = json_array_get_array_element (grads, step);
      g_assert_cmpuint (json_array_get_length (g), ==, set->params[i].n);
      for (gsize k = 0; k < set->params[i].n; k++)
        set->params[i].grad[k] = (float) json_array_get_double_element (g, k);
    }
}

static FoveaAdamWConfig
config_from_fixture (JsonObject *o)
{
  return (FoveaAdamWConfig) {
    .lr = json_object_get_double_member (o, "lr"),
    .beta1 = json_object_get_double_member (o, "beta1"),
    .beta2 = json_object_get_double_member (o, "beta2"),
    .eps = json_object_get_double_member (o, "eps"),
    .weight_decay = json_object_get_double_member (o, "weight_decay"),
  };
}

/* On a CPU with FMA the update is bit-identical to torch's; elsewhere
 * the two moment updates round once more than torch's fused multiply-adds
 * do. A value that shrank through cancellation (a weight from |p₀| ~ 1 to
 * ~0.01, a moment whose gradients changed sign) carries those ulps of its
 * former size, so the tolerance also has a part relative to the weight's
 * initial magnitude, or to the largest moment of the tensor. */
#define ADAM_REL 1e-6
#define ADAM_ABS 1e-9

static void
test_adamw_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("adamw.json");
  JsonArray *cases = cases_of (parser, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 2);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      FoveaAdamWConfig config = config_from_fixture (json_object_get_object_member (o, "config"));
      JsonArray *lrs = json_object_get_array_member (o, "lrs");
      ParamSet set = params_from_fixture (json_object_get_array_member (o, "params"));
      g_autofree float **initial = g_new (float *, set.n_params);
      for (int i = 0; i < set.n_params; i++)
        initial[i] = g_memdup2 (set.params[i].value, set.params[i].n * sizeof (float));
      g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&config, set.params, set.n_params);

      int steps = (int) json_array_get_length (lrs);
      for (int s = 0; s < steps; s++)
        {
          load_grads (&set, s);
          fovea_adamw_step (opt, set.params, set.n_params, json_array_get_double_element (lrs, s));
        }
      g_assert_cmpint (fovea_adamw_get_step (opt), ==, steps);

      double worst = 0;
      for (int i = 0; i < set.n_params; i++)
        {
          JsonObject *po = json_array_get_object_element (set.fixture, i);
          const FoveaTrainParam *p = &set.params[i];
          g_autofree double *value = doubles_of (json_object_get_array_member (po, "final_value"));
          g_autofree double *m = doubles_of (json_object_get_array_member (po, "final_m"));
          g_autofree double *v = doubles_of (json_object_get_array_member (po, "final_v"));
          g_autofree char *what = g_strdup_printf ("case %u %s", c, p->name);
          g_autofree char *what_m = g_strdup_printf ("case %u %s m", c, p->name);
          g_autofree char *what_v = g_strdup_printf ("case %u %s v", c, p->name);
          for (gsize k = 0; k < p->n; k++)
            assert_close (p->value[k], value[k], ADAM_REL,
                          ADAM_ABS + ADAM_REL * fabs (initial[i][k]), what, k);
          assert_all_close (fovea_adamw_get_m (opt, i), m, p->n, ADAM_REL,
                            ADAM_ABS + ADAM_REL * max_abs (m, p->n), what_m);
          assert_all_close (fovea_adamw_get_v (opt, i), v, p->n, ADAM_REL,
                            ADAM_ABS + ADAM_REL * max_abs (v, p->n), what_v);
          for (gsize k = 0; k < p->n; k++)
            worst = MAX (worst, fabs (p->value[k] - value[k]) / MAX (fabs (value[k]), 1e-30));
        }
      g_test_message ("case %u: largest relative difference in the weights %.3g", c, worst);
      for (int i = 0; i < set.n_params; i++)
        g_free (initial[i]);
      param_set_clear (&set);
    }
}

/* ---- AdamW: properties ---- */

static FoveaTrainParam
make_param (const char *name, gsize n, gboolean decay)
{
  return (FoveaTrainParam) { .name = name, .value = g_new0 (float, n),
                             .grad = g_new0 (float, n), .n = n,
                             .shape = { (int) n, 1 }, .decay = decay };
}

static void
free_params (FoveaTrainParam *params, int n)
{
  for (int i = 0; i < n; i++)
    {
      g_free (params[i].value);
      g_free (params[i].grad);
    }
}

/* At t = 1, m̂ = g and v̂ = g², so the update is lr·g/(|g| + eps): every
 * weight with a gradient moves by lr whatever the gradient's size. */
static void
test_adamw_first_step (void)
{
  FoveaAdamWConfig config = { 1e-3, 0.9, 0.999, 1e-8, 0.0 };
  FoveaTrainParam params[2] = { make_param ("a", 37, TRUE), make_param ("b", 6, FALSE) };
  guint64 rng = 3;
  for (int i = 0; i < 2; i++)
    for (gsize k = 0; k < params[i].n; k++)
      {
        params[i].value[k] = (float) normal (&rng);
        params[i].grad[k] = k % 5 == 0 ? 0.0f : (float) (normal (&rng) * pow (10, 4 * uniform (&rng) - 2));
      }
  g_autofree float *before = g_memdup2 (params[0].value, 37 * sizeof (float));
  g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&config, params, 2);
  fovea_adamw_step (opt, params, 2, 1e-3);
  for (gsize k = 0; k < 37; k++)
    {
      float g = params[0].grad[k];
      double expect = before[k] - (g > 0 ? 1e-3 : g < 0 ? -1e-3 : 0);
      g_assert_cmpfloat_with_epsilon (params[0].value[k], expect, 1e-6);
    }
  free_params (params, 2);
}

/* With zero gradients only the decoupled decay acts: p·(1 - lr·wd) per
 * step on decayed tensors, nothing on the others. */
static void
test_adamw_decay_only (void)
{
  FoveaAdamWConfig config = { 0.1, 0.9, 0.999, 1e-8, 0.5 };
  FoveaTrainParam params[2] = { make_param ("w", 9, TRUE), make_param ("bias", 9, FALSE) };
  for (int i = 0; i < 2; i++)
    for (gsize k = 0; k < 9; k++)
      params[i].value[k] = (float) k - 4.0f;
  g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&config, params, 2);
  for (int s = 0; s < 3; s++)
    fovea_adamw_step (opt, params, 2, 0.1);
  for (gsize k = 0; k < 9; k++)
    {
      g_assert_cmpfloat_with_epsilon (params[0].value[k], ((double) k - 4) * pow (0.95, 3), 1e-6);
      g_assert_cmpfloat (params[1].value[k], ==, (float) k - 4.0f);
    }
  free_params (params, 2);
}

static void
run_steps (FoveaAdamW *opt, FoveaTrainParam *params, int n_params, int from, int to)
{
  for (int s = from; s < to; s++)
    {
      guint64 rng = 1000 + s;  /* the same gradients for the same step */
      for (int i = 0; i < n_params; i++)
        for (gsize k = 0; k < params[i].n; k++)
          params[i].grad[k] = (float) normal (&rng);
      fovea_adamw_step (opt, params, n_params, fovea_lr_schedule (1e-2, 1e-4, s, 2, to));
    }
}

/* A run restored from m, v and the step count continues bit for bit; one
 * that forgets the step count (so redoes the bias correction) does not. */
static void
test_adamw_checkpoint (void)
{
  FoveaAdamWConfig config = { 1e-2, 0.9, 0.999, 1e-8, 0.05 };
  FoveaTrainParam a[2] = { make_param ("w", 21, TRUE), make_param ("b", 5, FALSE) };
  FoveaTrainParam b[2] = { make_param ("w", 21, TRUE), make_param ("b", 5, FALSE) };
  FoveaTrainParam c[2] = { make_param ("w", 21, TRUE), make_param ("b", 5, FALSE) };
  g_autoptr (FoveaAdamW) opt_a = fovea_adamw_new (&config, a, 2);
  run_steps (opt_a, a, 2, 0, 5);

  g_autoptr (FoveaAdamW) opt_b = fovea_adamw_new (&config, b, 2);
  g_autoptr (FoveaAdamW) opt_c = fovea_adamw_new (&config, c, 2);
  for (int i = 0; i < 2; i++)
    {
      gsize bytes = a[i].n * sizeof (float);
      memcpy (b[i].value, a[i].value, bytes);
      memcpy (c[i].value, a[i].value, bytes);
      memcpy (fovea_adamw_get_m (opt_b, i), fovea_adamw_get_m (opt_a, i), bytes);
      memcpy (fovea_adamw_get_v (opt_b, i), fovea_adamw_get_v (opt_a, i), bytes);
      memcpy (fovea_adamw_get_m (opt_c, i), fovea_adamw_get_m (opt_a, i), bytes);
      memcpy (fovea_adamw_get_v (opt_c, i), fovea_adamw_get_v (opt_a, i), bytes);
    }
  fovea_adamw_set_step (opt_b, 5);

  run_steps (opt_a, a, 2, 5, 10);
  run_steps (opt_b, b, 2, 5, 10);
  run_steps (opt_c, c, 2, 5, 10);
  g_assert_cmpint (fovea_adamw_get_step (opt_b), ==, 10);
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpmem (a[i].value, a[i].n * sizeof (float), b[i].value, b[i].n * sizeof (float));
      g_assert_true (memcmp (a[i].value, c[i].value, a[i].n * sizeof (float)) != 0);
    }
  free_params (a, 2);
  free_params (b, 2);
  free_params (c, 2);
}

/* ---- schedule ---- */

static void
test_schedule_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("schedule.json");
  JsonArray *cases = cases_of (parser, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 3);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      double peak = json_object_get_double_member (o, "peak");
      double min_lr = json_object_get_double_member (o, "min_lr");
      gint64 warmup = json_object_get_int_member (o, "warmup");
      gint64 total = json_object_get_int_member (o, "total");
      JsonArray *lrs = json_object_get_array_member (o, "lrs");
      g_assert_cmpint (json_array_get_length (lrs), ==, total);
      for (gint64 s = 0; s < total; s++)
        assert_close (fovea_lr_schedule (peak, min_lr, s, warmup, total),
                      json_array_get_double_element (lrs, s), 1e-12, 1e-18,
                      "schedule", (gsize) s);
    }
}

static void
test_schedule_properties (void)
{
  const double peak = 1e-3, min_lr = 1e-5;
  const gint64 warmup = 7, total = 50;
  double previous = 0;
  for (gint64 s = 0; s < total; s++)
    {
      double lr = fovea_lr_schedule (peak, min_lr, s, warmup, total);
      if (s < warmup)
        g_assert_cmpfloat (lr, >, previous);
      else
        g_assert_cmpfloat (lr, <=, previous);
      g_assert_cmpfloat (lr, >=, min_lr);
      g_assert_cmpfloat (lr, <=, peak);
      previous = lr;
    }
  g_assert_cmpfloat_with_epsilon (fovea_lr_schedule (peak, min_lr, warmup - 1, warmup, total), peak, 1e-15);
  g_assert_cmpfloat_with_epsilon (fovea_lr_schedule (peak, min_lr, warmup, warmup, total), peak, 1e-15);
  g_assert_cmpfloat_with_epsilon (fovea_lr_schedule (peak, min_lr, total - 1, warmup, total), min_lr, 1e-15);
  /* Past the end it stays at the floor. */
  g_assert_cmpfloat_with_epsilon (fovea_lr_schedule (peak, min_lr, total + 10, warmup, total), min_lr, 1e-15);
  /* A single step after warm-up (or a one-step run) trains at the peak. */
  g_assert_cmpfloat (fovea_lr_schedule (peak, min_lr, 0, 0, 1), ==, peak);
  g_assert_cmpfloat (fovea_lr_schedule (peak, min_lr, 3, 3, 4), ==, peak);
}

/* ---- clipping ---- */

static void
test_clip_torch (void)
{
  g_autoptr (JsonParser) parser = load_fixture ("clip.json");
  JsonArray *cases = cases_of (parser, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 3);

  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      JsonArray *grads = json_object_get_array_member (o, "grads");
      JsonArray *clipped = json_object_get_array_member (o, "clipped");
      int n_params = (int) json_array_get_length (grads);
      g_autofree FoveaTrainParam *params = g_new0 (FoveaTrainParam, n_params);
      for (int i = 0; i < n_params; i++)
        {
          params[i].name = "g";
          params[i].grad = floats_of (json_array_get_array_element (grads, i), &params[i].n);
        }
      double norm = fovea_clip_grad_norm (params, n_params,
                                          json_object_get_double_member (o, "max_norm"));
      /* torch sums the squares in float32, here in double. */
      assert_close (norm, json_object_get_double_member (o, "norm"), 1e-6, 0, "clip norm", c);
      for (int i = 0; i < n_params; i++)
        {
          g_autofree double *want = doubles_of (json_array_get_array_element (clipped, i));
          assert_all_close (params[i].grad, want, params[i].n, 1e-6, 1e-12, "clipped grad");
          g_free (params[i].grad);
        }
    }
}

static void
test_clip_properties (void)
{
  FoveaTrainParam params[2] = { make_param ("w", 50, TRUE), make_param ("b", 3, FALSE) };
  guint64 rng = 5;
  for (int i = 0; i < 2; i++)
    for (gsize k = 0; k < params[i].n; k++)
      params[i].grad[k] = (float) normal (&rng);

  double norm = fovea_clip_grad_norm (params, 2, 0.0);
  g_assert_cmpfloat (norm, >, 2.0);
  double again = fovea_clip_grad_norm (params, 2, 0.0);
  g_assert_cmpfloat (again, ==, norm);  /* measuring changed nothing */
  double before = fovea_clip_grad_norm (params, 2, 1.5);
  g_assert_cmpfloat (before, ==, norm);
  g_assert_cmpfloat_with_epsilon (fovea_clip_grad_norm (params, 2, 0.0), 1.5, 1e-5);

  /* A non-finite norm is reported and the gradients are left alone. */
  float kept = params[0].grad[1];
  params[1].grad[2] = NAN;
  g_assert_true (isnan (fovea_clip_grad_norm (params, 2, 1.0)));
  g_assert_cmpfloat (params[0].grad[1], ==, kept);
  free_params (params, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loss/cross-entropy/torch", test_cross_entropy_torch);
  g_test_add_func ("/loss/mse/torch", test_mse_torch);
  g_test_add_func ("/loss/bce/torch", test_bce_torch);
  g_test_add_func ("/loss/finite-differences", test_loss_finite_differences);
  g_test_add_func ("/loss/cross-entropy/properties", test_cross_entropy_properties);
  g_test_add_func ("/loss/bce/extremes", test_bce_extremes);
  g_test_add_func ("/adamw/torch", test_adamw_torch);
  g_test_add_func ("/adamw/first-step", test_adamw_first_step);
  g_test_add_func ("/adamw/decay-only", test_adamw_decay_only);
  g_test_add_func ("/adamw/checkpoint", test_adamw_checkpoint);
  g_test_add_func ("/schedule/torch", test_schedule_torch);
  g_test_add_func ("/schedule/properties", test_schedule_properties);
  g_test_add_func ("/clip/torch", test_clip_torch);
  g_test_add_func ("/clip/properties", test_clip_properties);
  return g_test_run ();
}
