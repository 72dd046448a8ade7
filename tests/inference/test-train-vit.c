/* test-train-vit.c: the trainable ViT against PyTorch, and its promises.
 *
 * tests/fixtures/train (tests/scripts/make-train-fixtures.py, a torch
 * re-implementation of timm's ViT and PEFT's LoRA, in float64) holds small
 * models, a batch of 3 images, the logits, the cross-entropy dlogits and
 * every gradient. Tolerances, per tensor, with ref the reference:
 *   logits:    max |got − ref| ≤ 1e-4 · max |ref|
 *   gradients: max |got − ref| ≤ 1e-3 · max |ref| + 1e-6
 *   AdamW trajectory: each loss within 1e-4 relative, the final
 *              parameters within 1e-3 · max |ref| + 1e-5.
 * Besides: the training forward equals fovea_vit_forward (with and without
 * an adapter) within 1e-4 · max |logits|; saved models and adapters load
 * back and reproduce the logits; a LoRA backward leaves the backbone's
 * weights untouched; gradients are bit-identical for 1, 2 and 3 threads. */
#include <math.h>
#include <string.h>

#include "fovea-adapter.h"
#include "fovea-loss.h"
#include "fovea-optim.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"
#include "fovea-train-vit.h"
#include "fovea-vit-private.h"

#define LOGITS_REL 1e-4
#define GRAD_REL 1e-3
#define GRAD_ABS 1e-6

static FoveaVit *
load_vit (const char *relative)
{
  g_autofree char *dir = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaVit *vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  return vit;
}

static FoveaVit *
load_train_model (const char *name)
{
  g_autofree char *relative = g_build_filename ("train", "models", name, NULL);
  return load_vit (relative);
}

static FoveaSafetensors *
open_case (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  g_autofree char *relative = g_build_filename ("train", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

/* The reference tensor, which must hold n floats. */
static const float *
reference (FoveaSafetensors *st, const char *name, gsize n)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  if (view == NULL)
    g_error ("fixture tensor %s is missing", name);
  g_assert_cmpuint (view->n_elements, ==, n);
  g_autoptr (GError) error = NULL;
  const float *data = fovea_safetensors_get_f32 (st, name, view->n_dims, view->shape, &error);
  g_assert_no_error (error);
  return data;
}

/* max |got − want| ≤ rel · max |want| + abs */
static void
assert_close (const char *what, const float *got, const float *want, gsize n, double rel,
              double abs)
{
  double worst = 0, scale = 0;
  g_assert_nonnull (got);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (got[i]));
      worst = MAX (worst, fabs ((double) got[i] - want[i]));
      scale = MAX (scale, fabs (want[i]));
    }
  g_test_message ("%s: max error %.3g, max |ref| %.3g (%.2g of it)", what, worst, scale,
                  scale > 0 ? worst / scale : 0.0);
  g_assert_cmpfloat (worst, <=, rel * scale + abs);
}

static const FoveaTrainParam *
find_param (FoveaTrainVit *model, const char *name)
{
  int n;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  for (int i = 0; i < n; i++)
    if (strcmp (params[i].name, name) == 0)
      return &params[i];
  return NULL;
}

/* forward, compare logits; zero_grad and backward the fixture's dlogits */
static void
run_case (FoveaTrainVit *model, FoveaSafetensors *st, int batch)
{
  const FoveaVitConfig *c = fovea_train_vit_get_config (model);
  gsize n_pixels = (gsize) batch * c->in_chans * c->img_size[0] * c->img_size[1];
  gsize n_logits = (gsize) batch * fovea_train_vit_get_n_outputs (model);
  g_autoptr (GError) error = NULL;

  const float *logits = fovea_train_vit_forward (model, reference (st, "pixel_values", n_pixels),
                                                 batch, &error);
  g_assert_no_error (error);
  assert_close ("logits", logits, reference (st, "logits", n_logits), n_logits, LOGITS_REL, 0);
  fovea_train_vit_zero_grad (model);
  fovea_train_vit_backward (model, reference (st, "dlogits", n_logits));
}

/* Every trainable tensor's gradient against grad.<name>; the fixture
 * must have one for each, and no more. */
static void
assert_grads (FoveaTrainVit *model, FoveaSafetensors *st)
{
  int n, n_grads = 0;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  g_assert_cmpint (n, >, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strconcat ("grad.", params[i].name, NULL);
      assert_close (name, params[i].grad, reference (st, name, params[i].n), params[i].n,
                    GRAD_REL, GRAD_ABS);
    }
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    n_grads += g_str_has_prefix (fovea_safetensors_get_nth (st, i)->name, "grad.");
  g_assert_cmpint (n_grads, ==, n);
}

static void
test_full_grads (gconstpointer data)
{
  const char *name = data;
  g_autoptr (FoveaVit) vit = load_train_model (name);
  g_autoptr (FoveaSafetensors) st = open_case (name);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_full (fovea_vit_get_config (vit), vit,
                                                              1, 3, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_vit_get_mode (model), ==, FOVEA_TRAIN_FULL);

  run_case (model, st, 3);
  assert_grads (model, st);
}

typedef struct {
  const char *name;
  guint       targets;
  double      alpha;
  gboolean    rslora;
} LoraCase;

static const LoraCase lora_cases[] = {
  { "lora-qv", FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V, 8.0, FALSE },
  { "lora-fc1-proj", FOVEA_TRAIN_TARGET_PROJ | FOVEA_TRAIN_TARGET_FC1, 6.0, TRUE },
};

/* A LoRA model on "token" with the fixture's trained tensors. */
static FoveaTrainVit *
new_lora_case (FoveaVit *vit, const LoraCase *lc, FoveaSafetensors *st, int n_threads)
{
  FoveaLoraSpec spec = { 4, lc->alpha, lc->rslora, lc->targets };
  g_autoptr (GError) error = NULL;
  FoveaTrainVit *model = fovea_train_vit_new_lora (vit, &spec, 3, 7, 3, n_threads, &error);
  g_assert_no_error (error);
  int n;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  for (int i = 0; i < n; i++)
    memcpy (params[i].value, reference (st, params[i].name, params[i].n),
            sizeof (float) * params[i].n);
  return model;
}

static void
test_lora_grads (gconstpointer data)
{
  const LoraCase *lc = data;
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  g_autoptr (FoveaSafetensors) st = open_case (lc->name);
  g_autoptr (FoveaTrainVit) model = new_lora_case (vit, lc, st, 2);

  run_case (model, st, 3);
  assert_grads (model, st);
}

static void
test_frozen_block_grads (void)
{
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  g_autoptr (FoveaSafetensors) st = open_case ("frozen");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_frozen (vit, NULL, 3, 2, &error);
  g_assert_no_error (error);
  int n_params = -1;
  fovea_train_vit_get_params (model, &n_params);
  g_assert_cmpint (n_params, ==, 0);

  int depth = fovea_vit_get_config (vit)->depth, dim = fovea_vit_get_config (vit)->embed_dim;
  gsize n_tokens = 3 * (16 + 1) * (gsize) dim;
  run_case (model, st, 3);
  for (int k = 0; k < depth; k++)
    {
      g_autofree char *name = g_strdup_printf ("block_input_grad.%d", k);
      assert_close (name, fovea_train_vit_get_block_input_grad (model, k),
                    reference (st, name, n_tokens), n_tokens, GRAD_REL, GRAD_ABS);
    }

  /* Stopping at the last block: its gradient is the same, the others are
   * not computed. */
  fovea_train_vit_set_backward_stop (model, depth - 1);
  g_autofree float *before = g_memdup2 (fovea_train_vit_get_block_input_grad (model, depth - 1),
                                        sizeof (float) * n_tokens);
  memset ((float *) fovea_train_vit_get_block_input_grad (model, depth - 1), 0,
          sizeof (float) * n_tokens);
  run_case (model, st, 3);
  g_assert_cmpmem (fovea_train_vit_get_block_input_grad (model, depth - 1),
                   sizeof (float) * n_tokens, before, sizeof (float) * n_tokens);
  g_assert_null (fovea_train_vit_get_block_input_grad (model, 0));
  g_assert_nonnull (fovea_train_vit_get_block_input (model, 0));
  g_assert_null (fovea_train_vit_get_block_input (model, depth));
}

/* Random normalised pixels for batch images of the config's size. */
static float *
random_pixels (const FoveaVitConfig *c, int batch, guint32 seed)
{
  gsize n = (gsize) batch * c->in_chans * c->img_size[0] * c->img_size[1];
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *pixels = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] = (float) g_rand_double_range (rand, -2, 2);
  return pixels;
}

/* fovea_vit_forward's logits for pixels (batch images). */
static float *
inference_logits (FoveaVit *vit, const FoveaLora *lora, const float *pixels, int batch,
                  int *n_outputs)
{
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, c->img_size[0], c->img_size[1],
                                                   FOVEA_VIT_OUTPUT_LOGITS, 2, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (run, pixels, batch, lora, &error));
  g_assert_no_error (error);
  *n_outputs = fovea_vit_run_get_n_outputs (run);
  return g_memdup2 (fovea_vit_run_get_logits (run), sizeof (float) * batch * *n_outputs);
}

static void
assert_matches_inference (FoveaTrainVit *model, FoveaVit *vit, const FoveaLora *lora,
                          const char *what)
{
  const FoveaVitConfig *c = fovea_train_vit_get_config (model);
  int batch = 2, n_outputs;
  g_autofree float *pixels = random_pixels (c, batch, 99);
  g_autofree float *want = inference_logits (vit, lora, pixels, batch, &n_outputs);
  g_autoptr (GError) error = NULL;
  const float *got = fovea_train_vit_forward (model, pixels, batch, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_vit_get_n_outputs (model), ==, n_outputs);
  assert_close (what, got, want, (gsize) batch * n_outputs, LOGITS_REL, 0);
}

/* The training forward against the inference forward on the inference
 * fixtures' models and adapters (frozen mode), and full mode's copy. */
static void
test_inference_parity (void)
{
  static const char *const models[] = { "tiny-token", "h12-avg", "f16-weights", "bf16-weights" };
  static const char *const adapters[][2] = {
    { "h12-avg", "adapters/peft-qkv-fc1" },
    { "h12-avg", "adapters/peft-rslora-regex" },
    { "tiny-token", "adapters/peft-layers-rank" },
    { "tiny-token", "adapters/melo-tiny_lora_4_8.safetensors" },
  };
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *relative = g_build_filename ("vit", "models", models[i], NULL);
      g_autoptr (FoveaVit) vit = load_vit (relative);
      g_autoptr (FoveaTrainVit) frozen = fovea_train_vit_new_frozen (vit, NULL, 2, 2, &error);
      g_assert_no_error (error);
      assert_matches_inference (frozen, vit, NULL, models[i]);
      g_autoptr (FoveaTrainVit) full = fovea_train_vit_new_full (fovea_vit_get_config (vit),
                                                                 vit, 0, 2, 2, &error);
      g_assert_no_error (error);
      assert_matches_inference (full, vit, NULL, models[i]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (adapters); i++)
    {
      g_autofree char *relative = g_build_filename ("vit", "models", adapters[i][0], NULL);
      g_autoptr (FoveaVit) vit = load_vit (relative);
      g_autofree char *adapter_relative = g_build_filename ("vit", adapters[i][1], NULL);
      g_autofree char *path = fovea_test_fixture_path (adapter_relative);
      FoveaAdapterOptions options = { .melo_scale = 0 };
      g_autoptr (FoveaLora) lora = fovea_adapter_load (path, vit, &options, &error);
      g_assert_no_error (error);
      g_autoptr (FoveaTrainVit) frozen = fovea_train_vit_new_frozen (vit, lora, 2, 2, &error);
      g_assert_no_error (error);
      assert_matches_inference (frozen, vit, lora, adapters[i][1]);
    }
}

static void
test_save_full (void)
{
  g_autoptr (FoveaVit) vit = load_train_model ("avg-reg");
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;
  /* timm's random init, not the fixture's weights */
  g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_full (c, NULL, 42, 2, 2, &error);
  g_assert_no_error (error);

  const FoveaTrainParam *qkv = find_param (model, "blocks.1.attn.qkv.weight");
  double sum = 0, sq = 0;
  for (gsize i = 0; i < qkv->n; i++)
    {
      sum += qkv->value[i];
      sq += (double) qkv->value[i] * qkv->value[i];
    }
  g_assert_cmpfloat (fabs (sum / qkv->n), <, 0.002);
  g_assert_cmpfloat (fabs (sqrt (sq / qkv->n) - 0.02), <, 0.002);  /* trunc_normal std 0.02 */
  g_assert_cmpfloat (find_param (model, "blocks.0.norm1.weight")->value[3], ==, 1.0f);
  g_assert_cmpfloat (find_param (model, "head.bias")->value[1], ==, 0.0f);
  g_assert_false (find_param (model, "pos_embed")->decay);
  g_assert_true (find_param (model, "patch_embed.proj.weight")->decay);

  /* the same seed gives the same weights */
  g_autoptr (FoveaTrainVit) again = fovea_train_vit_new_full (c, NULL, 42, 2, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (qkv->value, qkv->n * sizeof (float),
                   find_param (again, qkv->name)->value, qkv->n * sizeof (float));

  g_autofree float *pixels = random_pixels (c, 2, 5);
  const float *logits = fovea_train_vit_forward (model, pixels, 2, &error);
  g_assert_no_error (error);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "trained", NULL);
  g_assert_true (fovea_train_vit_save (model, out, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (FoveaVit) loaded = fovea_vit_load (out, &error);
  g_assert_no_error (error);
  const FoveaVitConfig *l = fovea_vit_get_config (loaded);
  g_assert_cmpint (l->embed_dim, ==, c->embed_dim);
  g_assert_cmpint (l->depth, ==, c->depth);
  g_assert_cmpint (l->reg_tokens, ==, c->reg_tokens);
  g_assert_cmpint (l->class_token, ==, c->class_token);
  g_assert_cmpint (l->global_pool, ==, c->global_pool);
  g_assert_cmpint (l->fc_norm, ==, c->fc_norm);
  g_assert_cmpint (l->no_embed_class, ==, c->no_embed_class);
  g_assert_cmpint (l->num_classes, ==, c->num_classes);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (l->mean[i], ==, c->mean[i]);
      g_assert_cmpfloat (l->std[i], ==, c->std[i]);
      g_assert_cmpint (l->input_size[i], ==, c->input_size[i]);
    }
  g_assert_cmpint (l->interpolation, ==, c->interpolation);
  g_assert_cmpfloat (l->crop_pct, ==, c->crop_pct);

  int n_outputs;
  g_autofree float *want = inference_logits (loaded, NULL, pixels, 2, &n_outputs);
  g_assert_cmpint (n_outputs, ==, c->num_classes);
  assert_close ("saved model's logits", want, logits, (gsize) 2 * n_outputs, LOGITS_REL, 0);
  fovea_test_rmdir (dir);
}

/* LoRA save → fovea_adapter_load → fovea_vit_forward gives the trained
 * model's logits; slices become one block-structured qkv update. */
static void
test_save_lora (void)
{
  static const guint target_sets[] = {
    FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V,
    FOVEA_TRAIN_TARGET_K | FOVEA_TRAIN_TARGET_FC2 | FOVEA_TRAIN_TARGET_PROJ,
    FOVEA_TRAIN_TARGET_QKV | FOVEA_TRAIN_TARGET_FC1,
  };
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;

  for (gsize s = 0; s < G_N_ELEMENTS (target_sets); s++)
    {
      FoveaLoraSpec spec = { 2 + (int) s, 5.0, s == 1, target_sets[s] };
      g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_lora (vit, &spec, 4, 3, 2, 2, &error);
      g_assert_no_error (error);
      int n;
      const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
      g_autoptr (GRand) rand = g_rand_new_with_seed (17);
      for (int i = 0; i < n; i++)
        if (g_str_has_suffix (params[i].name, ".lora_B"))  /* zero at init: make it show */
          for (gsize j = 0; j < params[i].n; j++)
            params[i].value[j] = (float) g_rand_double_range (rand, -0.3, 0.3);

      g_autofree float *pixels = random_pixels (c, 2, 8);
      const float *logits = fovea_train_vit_forward (model, pixels, 2, &error);
      g_assert_no_error (error);
      g_autofree char *dir = fovea_test_mkdtemp ();
      g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (metadata, (gpointer) "fovea_task", (gpointer) "test");
      g_assert_true (fovea_train_vit_save (model, dir, metadata, &error));
      g_assert_no_error (error);

      g_autoptr (FoveaLora) lora = fovea_adapter_load (dir, vit, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (lora->head_classes, ==, 4);
      int n_outputs;
      g_autofree float *want = inference_logits (vit, lora, pixels, 2, &n_outputs);
      g_assert_cmpint (n_outputs, ==, 4);
      assert_close ("saved adapter's logits", want, logits, 8, LOGITS_REL, 0);
      fovea_test_rmdir (dir);
    }
}

/* A digest of every weight the backbone maps or packs. */
static char *
backbone_digest (const FoveaVit *vit)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  const FoveaVitConfig *c = &vit->config;
  for (int i = 0; i < c->depth; i++)
    {
      const FoveaLinear *layers[] = { &vit->blocks[i].qkv, &vit->blocks[i].proj,
                                      &vit->blocks[i].fc1, &vit->blocks[i].fc2 };
      for (gsize j = 0; j < G_N_ELEMENTS (layers); j++)
        {
          gsize n = (gsize) layers[j]->in_dim * layers[j]->out_dim;
          g_checksum_update (sum, (const guchar *) layers[j]->weight, n * sizeof (float));
          if (layers[j]->bias != NULL)
            g_checksum_update (sum, (const guchar *) layers[j]->bias,
                               layers[j]->out_dim * sizeof (float));
        }
      g_checksum_update (sum, (const guchar *) vit->blocks[i].norm1.weight, c->embed_dim * sizeof (float));
      g_checksum_update (sum, (const guchar *) vit->blocks[i].norm2.bias, c->embed_dim * sizeof (float));
    }
  g_checksum_update (sum, (const guchar *) vit->head.weight,
                     (gsize) vit->head.in_dim * vit->head.out_dim * sizeof (float));
  g_checksum_update (sum, (const guchar *) vit->pos_embed, c->embed_dim * sizeof (float));
  return g_strdup (g_checksum_get_string (sum));
}

static void
test_lora_backbone_untouched (void)
{
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  g_autoptr (FoveaSafetensors) st = open_case ("lora-fc1-proj");
  g_autofree char *before = backbone_digest (vit);
  g_autoptr (FoveaTrainVit) model = new_lora_case (vit, &lora_cases[1], st, 2);

  int n;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  for (int i = 0; i < n; i++)
    g_assert_true (g_str_has_suffix (params[i].name, ".lora_A") ||
                   g_str_has_suffix (params[i].name, ".lora_B") ||
                   g_str_has_prefix (params[i].name, "head."));
  for (int step = 0; step < 2; step++)
    run_case (model, st, 3);
  g_autofree char *after = backbone_digest (vit);
  g_assert_cmpstr (before, ==, after);
}

/* Logits and every gradient for n_threads. */
static GBytes *
grads_for_threads (FoveaVit *vit, const FoveaVitConfig *config, int n_threads, gboolean lora)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainVit) model = NULL;
  FoveaLoraSpec spec = { 3, 4.0, FALSE, FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V |
                         FOVEA_TRAIN_TARGET_FC2 };
  int batch = 5;
  if (lora)
    model = fovea_train_vit_new_lora (vit, &spec, 3, 11, batch, n_threads, &error);
  else
    model = fovea_train_vit_new_full (config, vit, 11, batch, n_threads, &error);
  g_assert_no_error (error);

  int n;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  for (int i = 0; i < n; i++)
    if (g_str_has_suffix (params[i].name, ".lora_B"))
      for (gsize j = 0; j < params[i].n; j++)
        params[i].value[j] = 0.01f * (float) ((j * 7) % 13) - 0.06f;
  g_autofree float *pixels = random_pixels (fovea_train_vit_get_config (model), batch, 3);
  const float *logits = fovea_train_vit_forward (model, pixels, batch, &error);
  g_assert_no_error (error);
  int classes = fovea_train_vit_get_n_outputs (model);
  g_autofree float *dlogits = g_new (float, batch * classes);
  for (int i = 0; i < batch * classes; i++)
    dlogits[i] = 0.1f * (float) ((i * 5) % 7) - 0.3f;

  GByteArray *bytes = g_byte_array_new ();
  g_byte_array_append (bytes, (const guint8 *) logits, sizeof (float) * batch * classes);
  fovea_train_vit_zero_grad (model);
  fovea_train_vit_backward (model, dlogits);
  for (int i = 0; i < n; i++)
    g_byte_array_append (bytes, (const guint8 *) params[i].grad, sizeof (float) * params[i].n);
  return g_byte_array_free_to_bytes (bytes);
}

static void
test_deterministic (void)
{
  g_autoptr (FoveaVit) vit = load_vit ("vit/models/h12-avg");  /* 96 wide, 12 heads */
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  for (int lora = 0; lora < 2; lora++)
    {
      g_autoptr (GBytes) one = grads_for_threads (vit, c, 1, lora);
      g_autoptr (GBytes) two = grads_for_threads (vit, c, 2, lora);
      g_autoptr (GBytes) three = grads_for_threads (vit, c, 3, lora);
      g_assert_true (g_bytes_equal (one, two));
      g_assert_true (g_bytes_equal (one, three));
    }
}

/* Five AdamW steps against torch.optim.AdamW (fovea-loss.c and
 * fovea-optim.c with this model). */
static void
test_trajectory (void)
{
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  g_autoptr (FoveaSafetensors) st = open_case ("trajectory");
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_full (c, vit, 0, 3, 2, &error);
  g_assert_no_error (error);
  int n, batch = 3, classes = c->num_classes;
  const FoveaTrainParam *params = fovea_train_vit_get_params (model, &n);
  FoveaAdamWConfig config = { 1e-3, 0.9, 0.999, 1e-8, 0.05 };
  g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&config, params, n);
  const float *pixels = reference (st, "pixel_values", (gsize) batch * 3 * 16 * 16);
  const float *label_values = reference (st, "labels", batch);
  const float *losses = reference (st, "losses", 5);
  int labels[3];
  float dlogits[3 * 5];
  for (int i = 0; i < batch; i++)
    labels[i] = (int) label_values[i];

  for (int step = 0; step < 5; step++)
    {
      const float *logits = fovea_train_vit_forward (model, pixels, batch, &error);
      g_assert_no_error (error);
      double loss = fovea_loss_cross_entropy (logits, labels, batch, classes, NULL, 0.0, dlogits);
      g_test_message ("step %d: loss %.7f, torch %.7f", step, loss, losses[step]);
      g_assert_cmpfloat (fabs (loss - losses[step]), <=, 1e-4 * fabs (losses[step]));
      fovea_train_vit_zero_grad (model);
      fovea_train_vit_backward (model, dlogits);
      fovea_adamw_step (opt, params, n, 1e-3);
    }
  /* The key part of qkv's bias has a zero gradient in exact arithmetic
   * (softmax ignores a constant added to every score of a row), so in
   * float32 it is rounding noise, and Adam turns noise into steps of ±lr
   * whatever its size: it is compared for staying within 5 steps of lr. */
  int d = c->embed_dim;
  for (int i = 0; i < n; i++)
    {
      g_autofree char *name = g_strconcat ("final.", params[i].name, NULL);
      const float *want = reference (st, name, params[i].n);
      if (!g_str_has_suffix (params[i].name, "attn.qkv.bias"))
        {
          assert_close (name, params[i].value, want, params[i].n, 1e-3, 1e-5);
          continue;
        }
      assert_close (name, params[i].value, want, d, 1e-3, 1e-5);
      assert_close (name, params[i].value + 2 * d, want + 2 * d, d, 1e-3, 1e-5);
      assert_close (name, params[i].value + d, want + d, d, 0, 5 * 2e-3);
    }
}

static void
test_errors (void)
{
  g_autoptr (FoveaVit) vit = load_train_model ("token");
  FoveaVitConfig config = *fovea_vit_get_config (vit);
  g_autoptr (GError) error = NULL;

  g_autoptr (FoveaTrainVit) model = fovea_train_vit_new_frozen (vit, NULL, 2, 1, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = random_pixels (&config, 3, 1);
  g_assert_null (fovea_train_vit_forward (model, pixels, 3, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_assert_false (fovea_train_vit_save (model, dir, NULL, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  fovea_test_rmdir (dir);

  FoveaLoraSpec bad_specs[] = {
    { 0, 1.0, FALSE, FOVEA_TRAIN_TARGET_Q },
    { 4, 1.0, FALSE, 0 },
    { 4, 1.0, FALSE, FOVEA_TRAIN_TARGET_QKV | FOVEA_TRAIN_TARGET_V },
    { 4, -1.0, FALSE, FOVEA_TRAIN_TARGET_Q },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_specs); i++)
    {
      g_assert_null (fovea_train_vit_new_lora (vit, &bad_specs[i], 2, 0, 1, 1, &error));
      g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
      g_clear_error (&error);
    }

  config.num_classes = 0;
  g_assert_null (fovea_train_vit_new_full (&config, NULL, 0, 1, 1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  config.num_classes = 2;
  config.num_heads = 5;  /* 32 is not a multiple */
  g_assert_null (fovea_train_vit_new_full (&config, NULL, 0, 1, 1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  config.num_heads = 4;
  config.depth = 3;  /* another shape than the backbone to copy */
  g_assert_null (fovea_train_vit_new_full (&config, vit, 0, 1, 1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/train-vit/full/token", "token", test_full_grads);
  g_test_add_data_func ("/train-vit/full/avg-reg", "avg-reg", test_full_grads);
  g_test_add_data_func ("/train-vit/full/avg-norm", "avg-norm", test_full_grads);
  g_test_add_data_func ("/train-vit/lora/qv", &lora_cases[0], test_lora_grads);
  g_test_add_data_func ("/train-vit/lora/fc1-proj", &lora_cases[1], test_lora_grads);
  g_test_add_func ("/train-vit/lora/backbone-untouched", test_lora_backbone_untouched);
  g_test_add_func ("/train-vit/frozen/block-grads", test_frozen_block_grads);
  g_test_add_func ("/train-vit/inference-parity", test_inference_parity);
  g_test_add_func ("/train-vit/save/full", test_save_full);
  g_test_add_func ("/train-vit/save/lora", test_save_lora);
  g_test_add_func ("/train-vit/deterministic", test_deterministic);
  g_test_add_func ("/train-vit/adamw-trajectory", test_trajectory);
  g_test_add_func ("/train-vit/errors", test_errors);
  return g_test_run ();
}
