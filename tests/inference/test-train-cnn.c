/* test-train-cnn.c: the trainable CNN against torchvision, and its
 * promises.
 *
 * tests/fixtures/cnn-train (tests/scripts/make-cnn-train-fixtures.py:
 * torchvision's mobilenet_v2, resnet18 and resnet50 at their real widths,
 * and mobilenet_v2 with TensorFlow's SAME padding; float64) holds each
 * model's config and tensor list, and per case the logits, the
 * cross-entropy dlogits and every trained tensor's gradient, summarised as
 * its largest magnitude and its values at 32 hashed indices. The weights,
 * LoRA tensors, new heads and input images are functions of their names,
 * computed here bit for bit as the script does (hash_tensor). Tolerances,
 * per tensor, with ref the reference:
 *   logits:    max |got − ref| ≤ 1e-4 · max |ref|
 *   gradients: |got − ref| ≤ 1e-3 · max |ref| + 1e-6 at each sampled
 *              index, and max |got| within 1e-3 of max |ref|
 *   AdamW trajectory: each loss within 1e-4 relative, the final
 *              parameters within 1e-3 · max |ref| + 1e-5.
 * Besides: the feature map's gradient (frozen, Grad-CAM) whole; saved
 * models and adapters load back (the engine's inference loader for a
 * full model) and give the same logits; gradients are bit-identical for
 * 1, 2 and 3 threads; head training keeps no activation; errors. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-cnn.h"
#include "fovea-loss.h"
#include "fovea-optim.h"
#include "fovea-test-common.h"
#include "fovea-train-cnn.h"

#define LOGITS_REL 1e-4
#define GRAD_REL 1e-3
#define GRAD_ABS 1e-6
#define SAMPLES 32
#define RANK 4
#define ALPHA 8.0
#define NEW_CLASSES 3
#define BATCH 2

/* ---- the fixture script's hash ---- */

static guint64
fnv1a64 (const char *tag, const char *name)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  const char *parts[2] = { tag, name };
  for (int p = 0; p < 2; p++)
    for (const guchar *c = (const guchar *) parts[p]; *c != '\0'; c++)
      {
        h ^= *c;
        h *= G_GUINT64_CONSTANT (0x100000001b3);
      }
  return h;
}

static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

static void
hash_uniform (const char *tag, const char *name, float *out, gsize n)
{
  guint64 seed = fnv1a64 (tag, name);
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (splitmix64 (seed + i) >> 40) * 0x1p-23f - 1.0f;
}

/* hash_tensor of the script: by the number of axes and the name. */
static void
hash_tensor (const char *tag, const char *name, int n_dims, const gint64 *shape, float *out)
{
  gsize n = 1;
  for (int i = 0; i < n_dims; i++)
    n *= (gsize) shape[i];
  hash_uniform (tag, name, out, n);
  float scale;
  if (n_dims == 4)
    scale = (float) sqrt (6.0 / (double) (shape[1] * shape[2] * shape[3]));
  else if (n_dims == 2)
    scale = (float) (1.0 / sqrt ((double) shape[1]));
  else
    {
      for (gsize i = 0; i < n; i++)
        {
          float u = out[i];
          if (g_str_has_suffix (name, ".running_var"))
            out[i] = 1.0f + 0.5f * u;
          else if (g_str_has_suffix (name, ".running_mean"))
            out[i] = 0.2f * u;
          else if (g_str_has_suffix (name, ".weight"))
            out[i] = 0.2f + 0.1f * u;
          else
            out[i] = u < 0 ? u - 2.0f : u + 2.0f;
        }
      return;
    }
  for (gsize i = 0; i < n; i++)
    out[i] *= scale;
}

static gsize
sample_indices (const char *name, gsize n, gsize *indices)
{
  if (n <= SAMPLES * 4)
    {
      for (gsize i = 0; i < n; i++)
        indices[i] = i;
      return n;
    }
  guint64 seed = fnv1a64 ("sample:", name);
  for (gsize k = 0; k < SAMPLES; k++)
    indices[k] = splitmix64 (seed + k) % n;
  return SAMPLES;
}

/* ---- fixtures ---- */

typedef struct {
  FoveaCnnConfig    config;
  FoveaSafetensors *weights;
  int               height, width;
  char             *pixels;     /* the images' hash tag */
} Model;

static void
model_clear (Model *m)
{
  fovea_cnn_config_clear (&m->config);
  g_clear_pointer (&m->weights, fovea_safetensors_unref);
  g_clear_pointer (&m->pixels, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Model, model_clear)

/* The script's image sizes per model. */
static void
model_size (const char *name, int *height, int *width)
{
  if (strcmp (name, "resnet50") == 0)
    *height = 32, *width = 32;
  else if (strcmp (name, "same") == 0)
    *height = 36, *width = 30;
  else
    *height = 40, *width = 32;
}

/* models/NAME.json: its config, and its weights from the manifest, as an
 * in-memory safetensors file. */
static void
load_model (const char *name, Model *m)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *relative = g_build_filename ("cnn-train", "models", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, json_object_get_member (root, "config"));
  g_autofree char *config = json_generator_to_data (generator, NULL);
  g_assert_true (fovea_cnn_config_load_data (&m->config, config, -1, &error));
  g_assert_no_error (error);

  m->pixels = g_strdup (json_object_get_string_member (root, "pixels"));
  JsonArray *manifest = json_object_get_array_member (root, "manifest");
  g_autoptr (JsonBuilder) header = json_builder_new ();
  g_autoptr (GByteArray) data = g_byte_array_new ();
  json_builder_begin_object (header);
  for (guint i = 0; i < json_array_get_length (manifest); i++)
    {
      JsonArray *entry = json_array_get_array_element (manifest, i);
      const char *tensor = json_array_get_string_element (entry, 0);
      JsonArray *dims = json_array_get_array_element (entry, 1);
      int n_dims = (int) json_array_get_length (dims);
      gint64 shape[4];
      gsize n = 1;
      for (int d = 0; d < n_dims; d++)
        n *= (gsize) (shape[d] = json_array_get_int_element (dims, d));
      g_autofree float *values = g_new (float, n);
      hash_tensor ("", tensor, n_dims, shape, values);
      json_builder_set_member_name (header, tensor);
      json_builder_begin_object (header);
      json_builder_set_member_name (header, "dtype");
      json_builder_add_string_value (header, "F32");
      json_builder_set_member_name (header, "shape");
      json_builder_begin_array (header);
      for (int d = 0; d < n_dims; d++)
        json_builder_add_int_value (header, shape[d]);
      json_builder_end_array (header);
      json_builder_set_member_name (header, "data_offsets");
      json_builder_begin_array (header);
      json_builder_add_int_value (header, data->len);
      json_builder_add_int_value (header, data->len + n * sizeof (float));
      json_builder_end_array (header);
      json_builder_end_object (header);
      g_byte_array_append (data, (const guint8 *) values, (guint) (n * sizeof (float)));
    }
  json_builder_end_object (header);
  g_autoptr (JsonGenerator) header_text = json_generator_new ();
  g_autoptr (JsonNode) header_root = json_builder_get_root (header);
  json_generator_set_root (header_text, header_root);
  gsize header_length;
  g_autofree char *text = json_generator_to_data (header_text, &header_length);
  guint64 length = GUINT64_TO_LE (header_length);
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  g_byte_array_append (bytes, (const guint8 *) &length, 8);
  g_byte_array_append (bytes, (const guint8 *) text, (guint) header_length);
  g_byte_array_append (bytes, data->data, data->len);
  g_autoptr (GBytes) all = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
  m->weights = fovea_safetensors_new_from_bytes (all, name, &error);
  g_assert_no_error (error);
  model_size (name, &m->height, &m->width);
}

static FoveaSafetensors *
open_case (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  g_autofree char *relative = g_build_filename ("cnn-train", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

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

static float *
model_pixels (const Model *m)
{
  gsize n = (gsize) BATCH * 3 * m->height * m->width;
  float *pixels = g_new (float, n);
  hash_uniform ("pixels:", m->pixels, pixels, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] *= 2.0f;
  return pixels;
}

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
  if (worst > rel * scale + abs)
    g_error ("%s: max error %.3g exceeds %.3g", what, worst, rel * scale + abs);
}

/* A tensor summarised as the fixture keeps it (prefix "grad" or "final"):
 * its largest magnitude and its values at the sample indices. */
static void
assert_summary (const char *prefix, const char *name, const float *got, gsize n,
                FoveaSafetensors *st, double rel, double abs)
{
  g_autofree char *max_name = g_strdup_printf ("%smax.%s", prefix, name);
  g_autofree char *values_name = g_strdup_printf ("%s.%s", prefix, name);
  g_autofree gsize *indices = g_new (gsize, MAX (n, SAMPLES));
  gsize k = sample_indices (name, n, indices);
  const float *want_max = reference (st, max_name, 1);
  const float *want = reference (st, values_name, k);
  double got_max = 0, worst = 0;

  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (got[i]));
      got_max = MAX (got_max, fabs (got[i]));
    }
  for (gsize i = 0; i < k; i++)
    worst = MAX (worst, fabs ((double) got[indices[i]] - want[i]));
  g_test_message ("%s: max |got| %.6g vs %.6g; sampled max error %.3g (%.2g of max)",
                  values_name, got_max, want_max[0], worst,
                  want_max[0] > 0 ? worst / want_max[0] : 0.0);
  if (worst > rel * want_max[0] + abs || fabs (got_max - want_max[0]) > rel * want_max[0] + abs)
    g_error ("%s: sampled error %.3g or max |got| %.6g vs %.6g beyond %.3g", values_name,
             worst, got_max, want_max[0], rel * want_max[0] + abs);
}

static FoveaTrainCnnSize
size_of (const Model *m, int n_threads)
{
  return (FoveaTrainCnnSize) { BATCH, m->height, m->width, n_threads };
}

/* The LoRA tensors and new head of the fixture (hashed from "lora:"). */
static void
set_adapted_values (FoveaTrainCnn *model)
{
  int n;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n);
  for (int i = 0; i < n; i++)
    {
      const FoveaTrainParam *p = &params[i];
      gboolean lora = g_str_has_suffix (p->name, ".lora_A") || g_str_has_suffix (p->name, ".lora_B");
      gint64 shape[4] = { p->shape[0], p->shape[1], 1, 1 };
      hash_tensor ("lora:", p->name, lora ? 4 : p->shape[1] > 1 ? 2 : 1, shape, p->value);
      if (g_str_has_suffix (p->name, ".lora_B"))
        for (gsize j = 0; j < p->n; j++)
          p->value[j] *= 0.05f;
    }
}

/* Forward (logits checked), zero_grad and backward the fixture's dlogits. */
static void
run_case (FoveaTrainCnn *model, FoveaSafetensors *st, const char *model_name, const Model *m)
{
  gsize n_logits = (gsize) BATCH * fovea_train_cnn_get_n_outputs (model);
  g_autofree float *pixels = model_pixels (m);
  g_autoptr (GError) error = NULL;

  const float *logits = fovea_train_cnn_forward (model, pixels, BATCH, &error);
  g_assert_no_error (error);
  assert_close ("logits", logits, reference (st, "logits", n_logits), n_logits, LOGITS_REL, 0);
  fovea_train_cnn_zero_grad (model);
  fovea_train_cnn_backward (model, reference (st, "dlogits", n_logits));
}

static void
assert_grads (FoveaTrainCnn *model, FoveaSafetensors *st)
{
  int n, n_grads = 0;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n);
  g_assert_cmpint (n, >, 0);
  for (int i = 0; i < n; i++)
    assert_summary ("grad", params[i].name, params[i].grad, params[i].n, st, GRAD_REL, GRAD_ABS);
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    n_grads += g_str_has_prefix (fovea_safetensors_get_nth (st, i)->name, "gradmax.");
  g_assert_cmpint (n_grads, ==, n);
}

typedef enum { CASE_FULL, CASE_LORA, CASE_HEAD } CaseMode;

typedef struct {
  const char *name;    /* the case */
  const char *model;
  CaseMode    mode;
} GradCase;

static const GradCase grad_cases[] = {
  { "full-mobilenet", "mobilenet", CASE_FULL },
  { "full-resnet18", "resnet18", CASE_FULL },
  { "full-resnet50", "resnet50", CASE_FULL },
  { "full-same", "same", CASE_FULL },
  { "lora-mobilenet", "mobilenet", CASE_LORA },
  { "lora-resnet50", "resnet50", CASE_LORA },
  { "lora-same", "same", CASE_LORA },
  { "head-mobilenet", "mobilenet", CASE_HEAD },
  { "head-resnet18", "resnet18", CASE_HEAD },
};

static FoveaTrainCnn *
new_case_model (const GradCase *gc, const Model *m, int n_threads)
{
  FoveaTrainCnnSize size = size_of (m, n_threads);
  FoveaLoraSpec spec = { RANK, ALPHA, FALSE, FOVEA_TRAIN_TARGET_CONV1X1 };
  g_autoptr (GError) error = NULL;
  FoveaTrainCnn *model = NULL;

  if (gc->mode == CASE_FULL)
    model = fovea_train_cnn_new_full (&m->config, m->weights, m->config.num_classes, 1, &size,
                                      &error);
  else if (gc->mode == CASE_LORA)
    model = fovea_train_cnn_new_lora (&m->config, m->weights, &spec, NEW_CLASSES, 1, &size,
                                      &error);
  else
    model = fovea_train_cnn_new_head (&m->config, m->weights, NEW_CLASSES, 1, &size, &error);
  g_assert_no_error (error);
  if (gc->mode != CASE_FULL)
    set_adapted_values (model);
  g_test_message ("%s: arena %.1f MB", gc->name,
                  fovea_train_cnn_get_arena_bytes (model) / 1e6);
  return model;
}

static void
test_grads (gconstpointer data)
{
  const GradCase *gc = data;
  g_auto (Model) m = { 0 };
  load_model (gc->model, &m);
  g_autoptr (FoveaSafetensors) st = open_case (gc->name);
  g_autoptr (FoveaTrainCnn) model = new_case_model (gc, &m, 2);

  run_case (model, st, gc->model, &m);
  assert_grads (model, st);
}

/* Nothing trained: the last feature map's gradient, whole, NHWC. */
static void
test_frozen_features (void)
{
  g_auto (Model) m = { 0 };
  load_model ("mobilenet", &m);
  g_autoptr (FoveaSafetensors) st = open_case ("frozen");
  FoveaTrainCnnSize size = size_of (&m, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_frozen (&m.config, m.weights, NULL,
                                                                &size, &error);
  g_assert_no_error (error);
  int n_params = -1, h, w, c;
  fovea_train_cnn_get_params (model, &n_params);
  g_assert_cmpint (n_params, ==, 0);
  g_assert_null (fovea_train_cnn_get_features_grad (model));

  run_case (model, st, "mobilenet", &m);
  const float *features = fovea_train_cnn_get_features (model, &h, &w, &c);
  g_assert_nonnull (features);
  g_assert_cmpint (c, ==, 1280);
  gsize n = (gsize) BATCH * h * w * c;
  assert_close ("features_grad", fovea_train_cnn_get_features_grad (model),
                reference (st, "features_grad", n), n, GRAD_REL, GRAD_ABS);
}

/* Five AdamW steps of full training against torch.optim.AdamW. */
static void
test_trajectory (void)
{
  g_auto (Model) m = { 0 };
  load_model ("mobilenet", &m);
  g_autoptr (FoveaSafetensors) st = open_case ("trajectory");
  FoveaTrainCnnSize size = size_of (&m, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_full (&m.config, m.weights,
                                                              m.config.num_classes, 0, &size,
                                                              &error);
  g_assert_no_error (error);
  int n, classes = m.config.num_classes;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n);
  FoveaAdamWConfig config = { 1e-3, 0.9, 0.999, 1e-8, 0.05 };
  g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&config, params, n);
  g_autofree float *pixels = model_pixels (&m);
  const float *label_values = reference (st, "labels", BATCH);
  const float *losses = reference (st, "losses", 5);
  int labels[BATCH];
  g_autofree float *dlogits = g_new (float, BATCH * classes);
  for (int i = 0; i < BATCH; i++)
    labels[i] = (int) label_values[i];

  for (int step = 0; step < 5; step++)
    {
      const float *logits = fovea_train_cnn_forward (model, pixels, BATCH, &error);
      g_assert_no_error (error);
      double loss = fovea_loss_cross_entropy (logits, labels, BATCH, classes, NULL, 0.0, dlogits);
      g_test_message ("step %d: loss %.7f, torch %.7f", step, loss, losses[step]);
      g_assert_cmpfloat (fabs (loss - losses[step]), <=, 1e-4 * fabs (losses[step]));
      fovea_train_cnn_zero_grad (model);
      fovea_train_cnn_backward (model, dlogits);
      fovea_adamw_step (opt, params, n, 1e-3);
    }
  for (int i = 0; i < n; i++)
    assert_summary ("final", params[i].name, params[i].value, params[i].n, st, 1e-3, 1e-5);
}

/* Logits and every gradient for n_threads. */
static GBytes *
grads_for_threads (const GradCase *gc, const Model *m, int n_threads)
{
  g_autoptr (FoveaTrainCnn) model = new_case_model (gc, m, n_threads);
  g_autofree float *pixels = model_pixels (m);
  g_autoptr (GError) error = NULL;
  const float *logits = fovea_train_cnn_forward (model, pixels, BATCH, &error);
  g_assert_no_error (error);
  int classes = fovea_train_cnn_get_n_outputs (model), n;
  g_autofree float *dlogits = g_new (float, BATCH * classes);
  for (int i = 0; i < BATCH * classes; i++)
    dlogits[i] = 0.1f * (float) ((i * 5) % 7) - 0.3f;

  GByteArray *bytes = g_byte_array_new ();
  g_byte_array_append (bytes, (const guint8 *) logits, sizeof (float) * BATCH * classes);
  fovea_train_cnn_zero_grad (model);
  fovea_train_cnn_backward (model, dlogits);
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n);
  for (int i = 0; i < n; i++)
    g_byte_array_append (bytes, (const guint8 *) params[i].grad, sizeof (float) * params[i].n);
  return g_byte_array_free_to_bytes (bytes);
}

static void
test_deterministic (void)
{
  g_auto (Model) m = { 0 };
  load_model ("mobilenet", &m);
  for (int c = 0; c < 2; c++)
    {
      const GradCase *gc = &grad_cases[c == 0 ? 0 : 4];
      g_autoptr (GBytes) one = grads_for_threads (gc, &m, 1);
      g_autoptr (GBytes) two = grads_for_threads (gc, &m, 2);
      g_autoptr (GBytes) three = grads_for_threads (gc, &m, 3);
      g_assert_true (g_bytes_equal (one, two));
      g_assert_true (g_bytes_equal (one, three));
    }
}

static float *
forward_copy (FoveaTrainCnn *model, const float *pixels)
{
  g_autoptr (GError) error = NULL;
  const float *logits = fovea_train_cnn_forward (model, pixels, BATCH, &error);
  g_assert_no_error (error);
  return g_memdup2 (logits, sizeof (float) * BATCH * fovea_train_cnn_get_n_outputs (model));
}

/* A trained full model saved as a hub folder: the engine's inference
 * loader reads it and gives the training forward's logits. */
static void
test_save_full (void)
{
  g_auto (Model) m = { 0 };
  load_model ("resnet18", &m);
  FoveaTrainCnnSize size = size_of (&m, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_full (&m.config, m.weights, 7, 3,
                                                              &size, &error);
  g_assert_no_error (error);
  /* move every weight, so the file must hold the trained values */
  int n;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n);
  for (int i = 0; i < n; i++)
    for (gsize j = 0; j < params[i].n; j++)
      params[i].value[j] *= 1.0f + 0.01f * (float) (j % 5);
  g_autofree float *pixels = model_pixels (&m);
  g_autofree float *want = forward_copy (model, pixels);

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "trained", NULL);
  g_assert_true (fovea_train_cnn_save (model, out, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (out, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_cnn_get_config (cnn)->num_classes, ==, 7);
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, BATCH, m.height, m.width, 2, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_cnn_forward (run, pixels, BATCH, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fovea_cnn_run_get_n_outputs (run), ==, 7);
  assert_close ("saved model's logits", fovea_cnn_run_get_logits (run), want, BATCH * 7,
                LOGITS_REL, 0);
  fovea_test_rmdir (dir);
}

/* LoRA and head adapters saved as PEFT folders and applied back. */
static void
test_save_adapters (void)
{
  g_auto (Model) m = { 0 };
  load_model ("mobilenet", &m);
  FoveaTrainCnnSize size = size_of (&m, 2);
  g_autofree float *pixels = model_pixels (&m);
  g_autoptr (GError) error = NULL;

  for (int c = 0; c < 2; c++)
    {
      const GradCase *gc = &grad_cases[c == 0 ? 4 : 7];
      g_autoptr (FoveaTrainCnn) model = new_case_model (gc, &m, 2);
      g_autofree float *want = forward_copy (model, pixels);
      g_autofree char *dir = fovea_test_mkdtemp ();
      g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
      g_hash_table_insert (metadata, (gpointer) "fovea_task", (gpointer) "test");
      g_assert_true (fovea_train_cnn_save (model, dir, metadata, &error));
      g_assert_no_error (error);

      g_autofree char *config_path = g_build_filename (dir, "adapter_config.json", NULL);
      g_autofree char *text = NULL;
      g_assert_true (g_file_get_contents (config_path, &text, NULL, NULL));
      g_assert_nonnull (strstr (text, "\"classifier.1\""));
      if (gc->mode == CASE_LORA)
        g_assert_nonnull (strstr (text, "\"features.2.conv.0.0\""));
      else
        g_assert_nonnull (strstr (text, "dummy-target-modules"));

      g_autoptr (FoveaTrainCnn) frozen = fovea_train_cnn_new_frozen (&m.config, m.weights, dir,
                                                                     &size, &error);
      g_assert_no_error (error);
      g_assert_cmpint (fovea_train_cnn_get_n_outputs (frozen), ==, NEW_CLASSES);
      g_autofree float *got = forward_copy (frozen, pixels);
      assert_close (gc->name, got, want, BATCH * NEW_CLASSES, LOGITS_REL, 0);
      fovea_test_rmdir (dir);
    }
}

/* Head training keeps no activation, LoRA training what it needs, full
 * training more (at a size where activations outweigh scratch). */
static void
test_arena (void)
{
  g_auto (Model) m = { 0 };
  load_model ("mobilenet", &m);
  m.height = m.width = 128;
  g_autoptr (FoveaTrainCnn) head = new_case_model (&grad_cases[7], &m, 2);
  g_autoptr (FoveaTrainCnn) lora = new_case_model (&grad_cases[4], &m, 2);
  g_autoptr (FoveaTrainCnn) full = new_case_model (&grad_cases[0], &m, 2);
  gsize h = fovea_train_cnn_get_arena_bytes (head);
  gsize l = fovea_train_cnn_get_arena_bytes (lora);
  gsize f = fovea_train_cnn_get_arena_bytes (full);
  g_test_message ("arena: head %" G_GSIZE_FORMAT ", lora %" G_GSIZE_FORMAT ", full %"
                  G_GSIZE_FORMAT " bytes", h, l, f);
  g_assert_cmpuint (h * 3, <, l);
  /* LoRA keeps MobileNetV2's expanded tensors as bits, full training as values */
  g_assert_cmpuint (l * 3, <, f * 2);
}

static void
test_errors (void)
{
  g_auto (Model) m = { 0 };
  load_model ("resnet18", &m);
  FoveaTrainCnnSize size = size_of (&m, 1);
  g_autoptr (GError) error = NULL;

  /* BasicBlocks have no 1×1 stride-1 convolution to adapt */
  FoveaLoraSpec spec = { RANK, ALPHA, FALSE, FOVEA_TRAIN_TARGET_CONV1X1 };
  g_assert_null (fovea_train_cnn_new_lora (&m.config, m.weights, &spec, 2, 0, &size, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  FoveaLoraSpec bad = { RANK, ALPHA, FALSE, FOVEA_TRAIN_TARGET_Q };
  g_assert_null (fovea_train_cnn_new_lora (&m.config, m.weights, &bad, 2, 0, &size, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (fovea_train_cnn_new_head (&m.config, m.weights, 0, 0, &size, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);

  FoveaTrainCnnSize no_batch = { 0, 32, 32, 1 };
  g_assert_null (fovea_train_cnn_new_head (&m.config, m.weights, 2, 0, &no_batch, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);

  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_frozen (&m.config, m.weights, NULL,
                                                                &size, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = model_pixels (&m);
  g_assert_null (fovea_train_cnn_forward (model, pixels, 3, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_assert_false (fovea_train_cnn_save (model, dir, NULL, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  /* an adapter for another network */
  g_assert_null (fovea_train_cnn_new_frozen (&m.config, m.weights, dir, &size, &error));
  g_assert_nonnull (error);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (grad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/train-cnn/grads/%s", grad_cases[i].name);
      g_test_add_data_func (path, &grad_cases[i], test_grads);
    }
  g_test_add_func ("/train-cnn/frozen/features-grad", test_frozen_features);
  g_test_add_func ("/train-cnn/adamw-trajectory", test_trajectory);
  g_test_add_func ("/train-cnn/deterministic", test_deterministic);
  g_test_add_func ("/train-cnn/save/full", test_save_full);
  g_test_add_func ("/train-cnn/save/adapters", test_save_adapters);
  g_test_add_func ("/train-cnn/arena", test_arena);
  g_test_add_func ("/train-cnn/errors", test_errors);
  return g_test_run ();
}
