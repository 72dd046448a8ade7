/* test-vit.c: the ViT forward pass against PyTorch.
 *
 * tests/fixtures/vit (written by tests/scripts/make-vit-fixtures.py from a
 * torch re-implementation of timm's VisionTransformer) holds small models,
 * normalised inputs and the expected logits, attention maps and patch
 * tokens. Each tensor must match within the manifest's tolerance_rel in
 *   rel = max_i |got_i − want_i| / max (max_i |want_i|, 1e-3)
 * (the fixture README's measure, with a floor so an all-zero tensor does
 * not divide by zero). The other tests check properties that need no
 * reference: batches agree with single images, optional outputs change
 * nothing, an unmerged LoRA update equals the same update merged into the
 * weights, and bad inputs or weights are refused by name.
 *
 * In BF16 precision (the blocks' GEMMs on bf16 inputs with float sums,
 * fovea-gemm-bf16.h) every case is held to the same FP32 PyTorch outputs
 * within BF16_TOLERANCE_REL, in the same measure, and must pick the same
 * class for every image. The bound: each GEMM is off by about 2⁻⁸·√k of
 * its terms' size (test-gemm-bf16.c), about 1e-2 relative after two
 * blocks' worth of them; 4e-2 leaves room for LayerNorm amplifying it
 * (measured worst: logits 8.3e-3, an attention map 2.2e-2).
 * Skipped on CPUs without AVX512-BF16. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-adapter.h"
#include "fovea-gemm-bf16.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"
#include "fovea-vit.h"

typedef struct {
  char           *name;
  char           *model;
  char           *adapter;     /* NULL for the bare backbone */
  int             melo_scale;  /* 0 if none */
  int             height, width;
  FoveaVitOutputs outputs;
} ParityCase;

static double tolerance_rel;

#define BF16_TOLERANCE_REL 4e-2

static void
parity_case_free (gpointer data)
{
  ParityCase *c = data;
  g_free (c->name);
  g_free (c->model);
  g_free (c->adapter);
  g_free (c);
}

static char *
model_dir (const char *model)
{
  g_autofree char *relative = g_build_filename ("vit", "models", model, NULL);
  return fovea_test_fixture_path (relative);
}

static FoveaVit *
load_model_in (const char *model, FoveaPrecision precision)
{
  g_autofree char *dir = model_dir (model);
  g_autoptr (GError) error = NULL;
  FoveaVitLoadOptions options = { .precision = precision };
  FoveaVit *vit = fovea_vit_load_with_options (dir, &options, &error);
  g_assert_no_error (error);
  return vit;
}

static FoveaVit *
load_model (const char *model)
{
  return load_model_in (model, FOVEA_PRECISION_AUTO);
}

static FoveaSafetensors *
open_case (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  g_autofree char *relative = g_build_filename ("vit", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

/* The expected tensor, F32, with the given number of elements. */
static const float *
expected (FoveaSafetensors *st, const char *name, gsize n_elements)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  g_assert_nonnull (view);
  g_assert_cmpuint (view->n_elements, ==, n_elements);
  g_autoptr (GError) error = NULL;
  const float *data = fovea_safetensors_get_f32 (st, name, view->n_dims, view->shape, &error);
  g_assert_no_error (error);
  return data;
}

static double
relative_error (const float *got, const float *want, gsize n)
{
  double worst = 0.0, scale = 1e-3;
  for (gsize i = 0; i < n; i++)
    {
      worst = MAX (worst, fabs ((double) got[i] - want[i]));
      scale = MAX (scale, fabs (want[i]));
    }
  return worst / scale;
}

static void
assert_close (const char *what, const float *got, const float *want, gsize n,
              double tolerance)
{
  g_assert_nonnull (got);
  double rel = relative_error (got, want, n);
  g_test_message ("%s: relative error %.3g (tolerance %.3g)", what, rel, tolerance);
  for (gsize i = 0; i < n; i++)
    g_assert_true (isfinite (got[i]));
  g_assert_cmpfloat (rel, <=, tolerance);
}

static FoveaLora *
load_case_adapter (const ParityCase *c, const FoveaVit *vit)
{
  g_autofree char *relative = g_build_filename ("vit", c->adapter, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  FoveaAdapterOptions options = { .melo_scale = c->melo_scale };
  g_autoptr (GError) error = NULL;
  FoveaLora *lora = fovea_adapter_load (path, vit, &options, &error);
  g_assert_no_error (error);
  return lora;
}

static int
argmax (const float *x, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

/* The case in the precision asked for, against PyTorch's FP32 outputs:
 * within tolerance, and (BF16) the same class for every image. */
static void
check_parity (const ParityCase *c, FoveaPrecision precision, double tolerance)
{
  g_autoptr (FoveaVit) vit = load_model_in (c->model, precision);
  g_autoptr (FoveaSafetensors) st = open_case (c->name);
  const FoveaTensorView *pixels = fovea_safetensors_lookup (st, "pixel_values");
  g_assert_nonnull (pixels);
  int batch = (int) pixels->shape[0];
  g_autoptr (FoveaLora) lora = c->adapter != NULL ? load_case_adapter (c, vit) : NULL;
  g_autoptr (GError) error = NULL;

  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, c->height, c->width,
                                                   c->outputs, 2, &error);
  g_assert_no_error (error);
  const float *input = expected (st, "pixel_values",
                                 (gsize) batch * 3 * c->height * c->width);
  g_assert_true (fovea_vit_forward (run, input, batch, lora, &error));
  g_assert_no_error (error);

  const FoveaTensorView *logits = fovea_safetensors_lookup (st, "logits");
  g_assert_nonnull (logits);
  g_assert_cmpint (fovea_vit_run_get_n_outputs (run), ==, logits->shape[1]);
  const float *want_logits = expected (st, "logits", logits->n_elements);
  assert_close ("logits", fovea_vit_run_get_logits (run), want_logits, logits->n_elements,
                tolerance);
  for (int b = 0; precision == FOVEA_PRECISION_BF16 && b < batch; b++)
    {
      int n = (int) logits->shape[1];
      g_assert_cmpint (argmax (fovea_vit_run_get_logits (run) + (gsize) b * n, n), ==,
                       argmax (want_logits + (gsize) b * n, n));
    }

  int tokens = fovea_vit_run_get_n_tokens (run);
  int patches = fovea_vit_run_get_grid (run, NULL, NULL);
  const FoveaVitConfig *config = fovea_vit_get_config (vit);
  if (c->outputs & FOVEA_VIT_OUTPUT_ATTENTION)
    for (int b = 0; b < config->depth; b++)
      {
        g_autofree char *name = g_strdup_printf ("attention.%d", b);
        gsize n = (gsize) batch * config->num_heads * tokens * tokens;
        assert_close (name, fovea_vit_run_get_attention (run, b),
                      expected (st, name, n), n, tolerance);
      }
  if (c->outputs & FOVEA_VIT_OUTPUT_PATCH_TOKENS)
    {
      gsize n = (gsize) batch * patches * config->embed_dim;
      assert_close ("patch_tokens", fovea_vit_run_get_patch_tokens (run),
                    expected (st, "patch_tokens", n), n, tolerance);
    }
}

static void
test_parity (gconstpointer data)
{
  check_parity (data, FOVEA_PRECISION_AUTO, tolerance_rel);
}

static void
test_parity_bf16 (gconstpointer data)
{
  if (!fovea_gemm_bf16_supported ())
    {
      g_test_skip ("the CPU has no AVX512-BF16 (or FOVEA_NO_BF16 is set)");
      return;
    }
  check_parity (data, FOVEA_PRECISION_BF16, BF16_TOLERANCE_REL);
}

/* Each image alone, in a run with room for more, gives the logits it gets
 * in the batch; and asking for the optional outputs changes nothing. */
static void
test_batch_consistency (gconstpointer data)
{
  const ParityCase *c = data;
  g_autoptr (FoveaVit) vit = load_model (c->model);
  g_autoptr (FoveaSafetensors) st = open_case (c->name);
  int batch = (int) fovea_safetensors_lookup (st, "pixel_values")->shape[0];
  gsize image = (gsize) 3 * c->height * c->width;
  const float *input = expected (st, "pixel_values", batch * image);
  g_autoptr (GError) error = NULL;

  g_autoptr (FoveaVitRun) all = fovea_vit_run_new (vit, batch, c->height, c->width,
                                                   FOVEA_VIT_OUTPUT_LOGITS, 2, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (all, input, batch, NULL, &error));
  g_assert_null (fovea_vit_run_get_attention (all, 0));
  g_assert_null (fovea_vit_run_get_patch_tokens (all));

  g_autoptr (FoveaVitRun) one = fovea_vit_run_new (vit, batch + 1, c->height, c->width,
                                                   FOVEA_VIT_OUTPUT_ATTENTION |
                                                   FOVEA_VIT_OUTPUT_PATCH_TOKENS, 1, &error);
  g_assert_no_error (error);
  int n = fovea_vit_run_get_n_outputs (all);
  for (int b = 0; b < batch; b++)
    {
      g_assert_true (fovea_vit_forward (one, input + b * image, 1, NULL, &error));
      g_assert_no_error (error);
      assert_close ("image alone vs in the batch", fovea_vit_run_get_logits (one),
                    fovea_vit_run_get_logits (all) + (gsize) b * n, n, 1e-5);
    }
}

/* Adapters are applied unmerged: after running one, the bare backbone
 * gives exactly what it gave before. */
static void
test_adapter_switch (gconstpointer data)
{
  const ParityCase *c = data;
  g_autoptr (FoveaVit) vit = load_model (c->model);
  g_autoptr (FoveaLora) lora = load_case_adapter (c, vit);
  g_autoptr (FoveaSafetensors) st = open_case (c->name);
  int batch = (int) fovea_safetensors_lookup (st, "pixel_values")->shape[0];
  const float *input = expected (st, "pixel_values", (gsize) batch * 3 * c->height * c->width);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, c->height, c->width,
                                                   FOVEA_VIT_OUTPUT_LOGITS, 2, &error);
  g_assert_no_error (error);

  g_assert_true (fovea_vit_forward (run, input, batch, NULL, &error));
  int n_bare = fovea_vit_run_get_n_outputs (run);
  g_autofree float *bare = g_memdup2 (fovea_vit_run_get_logits (run),
                                      sizeof (float) * batch * n_bare);
  g_assert_true (fovea_vit_forward (run, input, batch, lora, &error));
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (run, input, batch, NULL, &error));
  g_assert_cmpint (fovea_vit_run_get_n_outputs (run), ==, n_bare);
  g_assert_cmpmem (fovea_vit_run_get_logits (run), sizeof (float) * batch * n_bare,
                   bare, sizeof (float) * batch * n_bare);
}

/* A rank-70 update (more than one chunk of FOVEA_LORA_RANK_CHUNK) on
 * block 0's fc1 and one on the v slice of block 1's qkv, applied unmerged,
 * against a copy of the model with W + s·B·A written into its weights. */
static void
test_lora_matches_merged (void)
{
  const int rank = 70;
  const float scale = 0.75f;
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  const FoveaVitConfig *config = fovea_vit_get_config (vit);
  int dim = config->embed_dim, hidden = (int) (dim * config->mlp_ratio);
  g_autofree char *src_dir = model_dir ("tiny-token");
  g_autofree char *src_weights = g_build_filename (src_dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) src = fovea_safetensors_open (src_weights, &error);
  g_assert_no_error (error);

  struct {
    const char *name;
    int block, in, out, offset, rows;  /* rows: the weight's out_features */
    FoveaLoraTarget target;
  } targets[] = {
    { "blocks.0.mlp.fc1.weight", 0, dim, hidden, 0, hidden, FOVEA_LORA_FC1 },
    { "blocks.1.attn.qkv.weight", 1, dim, dim, 2 * dim, 3 * dim, FOVEA_LORA_QKV },
  };
  g_autoptr (FoveaLora) lora = fovea_lora_new ("merged-check", config->depth);
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  GRand *rand = g_rand_new_with_seed (7);

  /* The merged copy: every tensor as it is, but the two weights. */
  guint n_tensors = fovea_safetensors_get_n_tensors (src);
  g_autofree FoveaTensorView *views = g_new (FoveaTensorView, n_tensors);
  for (guint i = 0; i < n_tensors; i++)
    views[i] = *fovea_safetensors_get_nth (src, i);

  for (gsize t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      float *a = g_new (float, (gsize) rank * targets[t].in);
      float *b = g_new (float, (gsize) targets[t].out * rank);
      for (int i = 0; i < rank * targets[t].in; i++)
        a[i] = (float) g_rand_double_range (rand, -0.1, 0.1);
      for (int i = 0; i < targets[t].out * rank; i++)
        b[i] = (float) g_rand_double_range (rand, -0.1, 0.1);
      g_ptr_array_add (owned, a);
      g_ptr_array_add (owned, b);
      FoveaLoraUpdate update = { rank, targets[t].in, targets[t].out, targets[t].offset,
                                 scale, a, b };
      g_assert_true (fovea_lora_add_update (lora, targets[t].block, targets[t].target, &update));

      const FoveaTensorView *view = fovea_safetensors_lookup (src, targets[t].name);
      g_assert_nonnull (view);
      g_assert_cmpint (view->dtype, ==, FOVEA_DTYPE_F32);
      float *merged = g_memdup2 (view->data, view->n_bytes);
      g_ptr_array_add (owned, merged);
      for (int o = 0; o < targets[t].out; o++)
        for (int i = 0; i < targets[t].in; i++)
          {
            double sum = 0.0;
            for (int r = 0; r < rank; r++)
              sum += (double) b[o * rank + r] * a[r * targets[t].in + i];
            merged[(gsize) (targets[t].offset + o) * targets[t].in + i] += scale * (float) sum;
          }
      for (guint i = 0; i < n_tensors; i++)
        if (g_str_equal (views[i].name, targets[t].name))
          views[i].data = merged;
    }
  g_rand_free (rand);

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *config_src = g_build_filename (src_dir, "config.json", NULL);
  g_autofree char *config_dst = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_dst = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *json = NULL;
  gsize json_len = 0;
  g_assert_true (g_file_get_contents (config_src, &json, &json_len, &error));
  g_assert_true (g_file_set_contents (config_dst, json, (gssize) json_len, &error));
  g_assert_true (fovea_safetensors_write (weights_dst, views, n_tensors, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (FoveaVit) merged_vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);

  g_autoptr (FoveaSafetensors) st = open_case ("tiny-token");
  const float *input = expected (st, "pixel_values", (gsize) 2 * 3 * 32 * 32);
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 2, 32, 32, 0, 2, &error);
  g_autoptr (FoveaVitRun) merged_run = fovea_vit_run_new (merged_vit, 2, 32, 32, 0, 2, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (run, input, 2, lora, &error));
  g_assert_true (fovea_vit_forward (merged_run, input, 2, NULL, &error));
  g_assert_no_error (error);

  int n = fovea_vit_run_get_n_outputs (run);
  assert_close ("unmerged vs merged", fovea_vit_run_get_logits (run),
                fovea_vit_run_get_logits (merged_run), (gsize) 2 * n, 1e-5);
  /* And the update does change the output. */
  g_autoptr (FoveaVitRun) bare = fovea_vit_run_new (vit, 2, 32, 32, 0, 2, &error);
  g_assert_true (fovea_vit_forward (bare, input, 2, NULL, &error));
  g_assert_cmpfloat (relative_error (fovea_vit_run_get_logits (bare),
                                     fovea_vit_run_get_logits (merged_run), 2 * n), >, 1e-3);
  fovea_test_rmdir (dir);
}

static void
test_wrong_input_size (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  int sizes[][3] = { { 1, 33, 32 }, { 1, 32, 20 }, { 1, 4, 32 }, { 0, 32, 32 }, { 1, 0, 0 },
                     { 1, -32, 32 }, { 4, 1 << 20, 1 << 20 } };
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      FoveaVitRun *run = fovea_vit_run_new (vit, sizes[i][0], sizes[i][1], sizes[i][2],
                                            0, 1, &error);
      g_assert_null (run);
      g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }

  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 2, 32, 32, 0, 1, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new0 (float, 3 * 3 * 32 * 32);
  g_assert_false (fovea_vit_forward (run, pixels, 3, NULL, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (fovea_vit_forward (run, pixels, 0, NULL, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
}

/* Non-finite pixels give non-finite or meaningless logits, but no crash
 * and (under UBSan) no undefined behaviour on the way. */
static void
test_non_finite_input (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 2, 32, 32,
                                                   FOVEA_VIT_OUTPUT_ATTENTION, 2, &error);
  g_assert_no_error (error);
  gsize n = (gsize) 2 * 3 * 32 * 32;
  g_autofree float *pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] = i % 3 == 0 ? NAN : i % 3 == 1 ? INFINITY : -1e30f;

  g_assert_true (fovea_vit_forward (run, pixels, 2, NULL, &error));
  g_assert_no_error (error);
}

/* A copy of tiny-token in a temporary folder whose weights are edited by
 * edit (which may drop, reshape or add tensors); loading it must fail
 * with FOVEA_MODEL_ERROR_WEIGHTS naming culprit. */
typedef guint (*EditWeights) (FoveaTensorView *views, guint n, const char *culprit);

static void
assert_broken_copy_refused (EditWeights edit, const char *culprit)
{
  g_autofree char *src_dir = model_dir ("tiny-token");
  g_autofree char *src_weights = g_build_filename (src_dir, "model.safetensors", NULL);
  g_autofree char *src_config = g_build_filename (src_dir, "config.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) src = fovea_safetensors_open (src_weights, &error);
  g_assert_no_error (error);

  guint n = fovea_safetensors_get_n_tensors (src);
  g_autofree FoveaTensorView *views = g_new0 (FoveaTensorView, n + 1);
  for (guint i = 0; i < n; i++)
    views[i] = *fovea_safetensors_get_nth (src, i);
  n = edit (views, n, culprit);

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *json = NULL;
  gsize json_len = 0;
  g_assert_true (g_file_get_contents (src_config, &json, &json_len, &error));
  g_assert_true (g_file_set_contents (config, json, (gssize) json_len, &error));
  g_assert_true (fovea_safetensors_write (weights, views, n, NULL, &error));
  g_assert_no_error (error);

  FoveaVit *vit = fovea_vit_load (dir, &error);
  g_assert_null (vit);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, culprit));
  fovea_test_rmdir (dir);
}

static guint
drop_tensor (FoveaTensorView *views, guint n, const char *culprit)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (views[i].name, culprit))
      {
        views[i] = views[n - 1];
        return n - 1;
      }
  g_assert_not_reached ();
}

/* One position fewer: [1, T - 1, D], a prefix of the same data. */
static guint
shrink_tensor (FoveaTensorView *views, guint n, const char *culprit)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (views[i].name, culprit))
      {
        gsize row = views[i].n_bytes / views[i].shape[1];
        views[i].shape[1]--;
        views[i].n_elements -= views[i].shape[2];
        views[i].n_bytes -= row;
      }
  return n;
}

/* An extra tensor the architecture does not have (timm's layer scale). */
static guint
add_tensor (FoveaTensorView *views, guint n, const char *culprit)
{
  views[n] = views[0];
  views[n].name = culprit;
  return n + 1;
}

/* The culprit's F32 data copied with one NaN and one infinity in it
 * (freed by the test). */
static float *poisoned_copy;

static guint
poison_tensor (FoveaTensorView *views, guint n, const char *culprit)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (views[i].name, culprit))
      {
        g_assert_cmpint (views[i].dtype, ==, FOVEA_DTYPE_F32);
        g_assert_cmpuint (views[i].n_elements, >=, 2);
        poisoned_copy = g_memdup2 (views[i].data, views[i].n_bytes);
        poisoned_copy[views[i].n_elements - 1] = NAN;
        poisoned_copy[0] = INFINITY;
        views[i].data = poisoned_copy;
      }
  return n;
}

/* A backbone weight holding NaN or infinity is refused at load, by name:
 * otherwise every logit is NaN and argmax calls it the first class. */
static void
test_non_finite_weight (void)
{
  assert_broken_copy_refused (poison_tensor, "blocks.1.mlp.fc2.weight");
  g_clear_pointer (&poisoned_copy, g_free);
  assert_broken_copy_refused (poison_tensor, "norm.bias");
  g_clear_pointer (&poisoned_copy, g_free);
}

static void
test_missing_weight (void)
{
  assert_broken_copy_refused (drop_tensor, "blocks.1.mlp.fc2.bias");
  assert_broken_copy_refused (drop_tensor, "cls_token");
}

static void
test_misshapen_weight (void)
{
  assert_broken_copy_refused (shrink_tensor, "pos_embed");
}

static void
test_unknown_weight (void)
{
  assert_broken_copy_refused (add_tensor, "blocks.0.ls1.gamma");
}

static void
test_sha256 (void)
{
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  g_autofree char *dir = model_dir ("h12-avg");
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_autofree char *want = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                       (const guchar *) contents, length);

  g_assert_cmpstr (fovea_vit_get_sha256 (vit), ==, want);
  g_assert_true (fovea_vit_get_sha256 (vit) == fovea_vit_get_sha256 (vit));
}

static FoveaVitOutputs
parse_outputs (JsonArray *outputs)
{
  FoveaVitOutputs flags = FOVEA_VIT_OUTPUT_LOGITS;
  for (guint i = 0; i < json_array_get_length (outputs); i++)
    {
      const char *name = json_array_get_string_element (outputs, i);
      if (g_str_equal (name, "attention"))
        flags |= FOVEA_VIT_OUTPUT_ATTENTION;
      else if (g_str_equal (name, "patch_tokens"))
        flags |= FOVEA_VIT_OUTPUT_PATCH_TOKENS;
    }
  return flags;
}

/* One test per manifest case, so a failure names its case. */
static void
add_manifest_cases (GPtrArray *all)
{
  g_autofree char *path = fovea_test_fixture_path ("vit/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  tolerance_rel = json_object_get_double_member (root, "tolerance_rel");
  JsonArray *cases = json_object_get_array_member (root, "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      ParityCase *c = g_new0 (ParityCase, 1);
      c->name = g_strdup (json_object_get_string_member (o, "name"));
      c->model = g_strdup (json_object_get_string_member (o, "model"));
      c->adapter = g_strdup (json_object_get_string_member_with_default (o, "adapter", NULL));
      c->melo_scale = (int) json_object_get_int_member_with_default (o, "melo_scale", 0);
      c->height = (int) json_object_get_int_member (o, "height");
      c->width = (int) json_object_get_int_member (o, "width");
      c->outputs = parse_outputs (json_object_get_array_member (o, "outputs"));

      g_autofree char *parity = g_strdup_printf ("/vit/parity/%s", c->name);
      g_autofree char *parity_bf16 = g_strdup_printf ("/vit/parity-bf16/%s", c->name);
      g_autofree char *batch = g_strdup_printf ("/vit/batch/%s", c->name);
      g_autofree char *adapter = g_strdup_printf ("/vit/adapter-switch/%s", c->name);
      g_test_add_data_func (parity, c, test_parity);
      g_test_add_data_func (parity_bf16, c, test_parity_bf16);
      if (c->adapter == NULL)
        g_test_add_data_func (batch, c, test_batch_consistency);
      else
        g_test_add_data_func (adapter, c, test_adapter_switch);
      g_ptr_array_add (all, c);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (parity_case_free);
  add_manifest_cases (cases);
  g_test_add_func ("/vit/lora-matches-merged", test_lora_matches_merged);
  g_test_add_func ("/vit/wrong-input-size", test_wrong_input_size);
  g_test_add_func ("/vit/non-finite-input", test_non_finite_input);
  g_test_add_func ("/vit/missing-weight", test_missing_weight);
  g_test_add_func ("/vit/non-finite-weight", test_non_finite_weight);
  g_test_add_func ("/vit/misshapen-weight", test_misshapen_weight);
  g_test_add_func ("/vit/unknown-weight", test_unknown_weight);
  g_test_add_func ("/vit/sha256", test_sha256);

  return g_test_run ();
}
