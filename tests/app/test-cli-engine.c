/* test-cli-engine.c: `fovea-cli infer` and `bench` as a user runs them, in
 * a separate process: logits against the PyTorch fixtures (tests/fixtures/vit,
 * from tests/scripts/make-vit-fixtures.py), task cards driving labels,
 * grades and referral, images through the card's preprocessing, errors and
 * exit statuses, and the benchmark's JSON. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-gemm-bf16.h"
#include "fovea-preprocess.h"
#include "fovea-safetensors.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "tools/fovea-random-cnn.h"

/* The JSON Lines of stdout, parsed: JsonObject* (the nodes stay alive). */
static GPtrArray *
parse_lines (const char *out)
{
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0')
        continue;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, &error));
      g_assert_no_error (error);
      JsonNode *root = json_parser_get_root (parser);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (root)));
    }
  return objects;
}

static char *
vit_fixture (const char *relative)
{
  g_autofree char *path = g_build_filename ("vit", relative, NULL);
  return fovea_test_fixture_path (path);
}

static char *
case_path (const char *name)
{
  g_autofree char *file = g_strdup_printf ("cases/%s.safetensors", name);
  return vit_fixture (file);
}

static char *
model_path (const char *name)
{
  g_autofree char *dir = g_build_filename ("models", name, NULL);
  return vit_fixture (dir);
}

/* A case's expected logits, N × C, copied out of the file. */
static float *
expected_logits (const char *name, int *n, int *c)
{
  g_autofree char *path = case_path (name);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *view = fovea_safetensors_lookup (st, "logits");
  g_assert_nonnull (view);
  g_assert_cmpint (view->n_dims, ==, 2);
  *n = (int) view->shape[0];
  *c = (int) view->shape[1];
  const float *logits = fovea_safetensors_get_f32 (st, "logits", 2, view->shape, &error);
  g_assert_no_error (error);
  return g_memdup2 (logits, view->n_elements * sizeof (float));
}

static double
tolerance_rel (void)
{
  g_autofree char *path = vit_fixture ("manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  return json_object_get_double_member (json_node_get_object (json_parser_get_root (parser)),
                                        "tolerance_rel");
}

/* The fixtures' norm: max |actual − expected| / max |expected| per tensor. */
static double
relative_error (JsonArray *actual, const float *expected, int n)
{
  g_assert_cmpuint (json_array_get_length (actual), ==, n);
  double worst = 0, scale = 0;
  for (int i = 0; i < n; i++)
    {
      worst = MAX (worst, fabs (json_array_get_double_element (actual, i) - expected[i]));
      scale = MAX (scale, fabs (expected[i]));
    }
  return worst / scale;
}

/* Checks every line of an infer run on a case against its logits. */
static void
assert_logits_match (GPtrArray *lines, const char *case_name, const char *task)
{
  int n, c;
  g_autofree float *expected = expected_logits (case_name, &n, &c);
  g_assert_cmpuint (lines->len, ==, n);
  double worst = 0;
  for (int i = 0; i < n; i++)
    {
      JsonObject *line = lines->pdata[i];
      g_assert_cmpint (json_object_get_int_member (line, "input"), ==, i);
      g_assert_cmpstr (json_object_get_string_member (line, "task"), ==, task);
      worst = MAX (worst, relative_error (json_object_get_array_member (line, "logits"),
                                          expected + (gsize) i * c, c));
    }
  g_test_message ("%s: relative error %.3g", case_name, worst);
  g_assert_cmpfloat (worst, <=, tolerance_rel ());
}

static void
test_infer_matches_pytorch (void)
{
  g_autofree char *manifest_path = vit_fixture ("manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, manifest_path, NULL));
  JsonArray *cases = json_object_get_array_member (
    json_node_get_object (json_parser_get_root (parser)), "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 5);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *name = json_object_get_string_member (c, "name");
      g_autofree char *model = model_path (json_object_get_string_member (c, "model"));
      g_autofree char *input = case_path (name);
      g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (args, g_strdup ("infer"));
      g_ptr_array_add (args, g_strdup ("--json"));
      g_ptr_array_add (args, g_strdup ("--threads=1"));
      g_ptr_array_add (args, g_strconcat ("--model=", model, NULL));
      g_ptr_array_add (args, g_strconcat ("--input-tensor=", input, NULL));
      g_autofree char *task = g_strdup ("backbone");
      if (!json_object_get_null_member (c, "adapter"))
        {
          g_autofree char *adapter = vit_fixture (json_object_get_string_member (c, "adapter"));
          g_ptr_array_add (args, g_strconcat ("--adapter=", adapter, NULL));
          g_free (task);
          task = g_path_get_basename (adapter);
          if (g_str_has_suffix (task, ".safetensors"))
            task[strlen (task) - strlen (".safetensors")] = '\0';
        }
      if (!json_object_get_null_member (c, "melo_scale"))
        g_ptr_array_add (args, g_strdup_printf ("--melo-scale=%" G_GINT64_FORMAT,
                                                json_object_get_int_member (c, "melo_scale")));
      g_ptr_array_add (args, NULL);

      FoveaCliResult r = fovea_test_run_cli_argv ((const char *const *) args->pdata);
      if (r.status != 0)
        g_test_message ("%s: %s", name, r.err);
      g_assert_cmpint (r.status, ==, 0);
      g_autoptr (GPtrArray) lines = parse_lines (r.out);
      assert_logits_match (lines, name, task);
      /* No card: raw outputs only. */
      JsonObject *first = lines->pdata[0];
      g_assert_false (json_object_get_boolean_member (first, "calibrated"));
      g_assert_true (json_object_get_boolean_member (first, "research_use_only"));
      g_assert_false (json_object_has_member (first, "label"));
      g_assert_false (json_object_has_member (first, "probs"));
      g_assert_false (json_object_has_member (first, "referable"));
      fovea_test_cli_result_clear (&r);
    }
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (to, contents, (gssize) length, NULL));
}

/* A copy of a fixture model in a new temporary folder, with a card from
 * tests/fixtures/cards (or none). */
static char *
model_with_card (const char *model, const char *card)
{
  char *dir = fovea_test_mkdtemp ();
  g_autofree char *src = model_path (model);
  const char *files[] = { "config.json", "model.safetensors" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (src, files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      copy_file (from, to);
    }
  if (card != NULL)
    {
      g_autofree char *relative = g_build_filename ("cards", card, NULL);
      g_autofree char *from = fovea_test_fixture_path (relative);
      g_autofree char *to = g_build_filename (dir, "task_card.json", NULL);
      copy_file (from, to);
    }
  return dir;
}

static void
softmax (const float *logits, int n, double *out)
{
  double max = logits[0], sum = 0;
  for (int i = 1; i < n; i++)
    max = MAX (max, logits[i]);
  for (int i = 0; i < n; i++)
    sum += out[i] = exp (logits[i] - max);
  for (int i = 0; i < n; i++)
    out[i] /= sum;
}

/* Checks a classification line against the expected logits of its input. */
static void
assert_classified (JsonObject *line, const float *logits, int c, const char *const *labels,
                   const char *const *referred)
{
  double probs[16];
  g_assert_cmpint (c, <=, (int) G_N_ELEMENTS (probs));
  softmax (logits, c, probs);
  int best = 0;
  for (int k = 1; k < c; k++)
    best = probs[k] > probs[best] ? k : best;

  g_assert_true (json_object_get_boolean_member (line, "calibrated"));
  g_assert_true (json_object_get_boolean_member (line, "research_use_only"));
  JsonArray *actual = json_object_get_array_member (line, "probs");
  g_assert_cmpuint (json_array_get_length (actual), ==, c);
  for (int k = 0; k < c; k++)
    g_assert_cmpfloat_with_epsilon (json_array_get_double_element (actual, k), probs[k], 1e-4);
  g_assert_cmpstr (json_object_get_string_member (line, "label"), ==, labels[best]);
  g_assert_cmpint (json_object_get_boolean_member (line, "referable"), ==,
                   g_strv_contains (referred, labels[best]));
  g_assert_nonnull (json_object_get_string_member (line, "referral_rule"));
  g_assert_false (json_object_has_member (line, "grade"));
}

static void
test_infer_classification_card (void)
{
  g_autofree char *dir = model_with_card ("tiny-token", "tiny-five-class.json");
  g_autofree char *input = case_path ("tiny-token");
  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", dir, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  assert_logits_match (lines, "tiny-token", "tiny-five-class");

  int n, c;
  g_autofree float *logits = expected_logits ("tiny-token", &n, &c);
  const char *labels[] = { "class-0", "class-1", "class-2", "class-3", "class-4", NULL };
  const char *referred[] = { "class-1", "class-3", NULL };
  for (int i = 0; i < n; i++)
    assert_classified (lines->pdata[i], logits + (gsize) i * c, c, labels, referred);
  fovea_test_cli_result_clear (&r);

  /* The readable table carries the same reading. */
  r = fovea_test_run_cli ("infer", "--model", dir, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "INPUT"));
  g_assert_nonnull (strstr (r.out, "tiny-five-class"));
  g_assert_nonnull (strstr (r.out, "(p = "));
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

/* The MeLo adapter's 7-class head, read through a skin card found as
 * NAME.task_card.json beside NAME.safetensors. */
static void
test_infer_melo_card (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *from = vit_fixture ("adapters/melo-tiny_lora_4_8.safetensors");
  g_autofree char *adapter = g_build_filename (dir, "melo-tiny_lora_4_8.safetensors", NULL);
  g_autofree char *card = g_build_filename (dir, "melo-tiny_lora_4_8.task_card.json", NULL);
  g_autofree char *card_src = fovea_test_fixture_path ("cards/skin-lesion.json");
  copy_file (from, adapter);
  copy_file (card_src, card);
  g_autofree char *model = model_path ("tiny-token");
  g_autofree char *input = case_path ("tiny-token-melo");

  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", model, "--adapter", adapter,
                         "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  assert_logits_match (lines, "tiny-token-melo", "skin-lesion");
  int n, c;
  g_autofree float *logits = expected_logits ("tiny-token-melo", &n, &c);
  const char *labels[] = { "MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC", NULL };
  const char *referred[] = { "MEL", "BCC", NULL };
  for (int i = 0; i < n; i++)
    assert_classified (lines->pdata[i], logits + (gsize) i * c, c, labels, referred);
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

/* A one-output regression model made from tiny-token by keeping row 0 of
 * its head: its output is logit 0 of the fixture, an independent reference. */
static char *
make_regression_model (void)
{
  char *dir = model_with_card ("tiny-token", "tiny-grading.json");
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, config_path, NULL));
  json_object_set_int_member (json_node_get_object (json_parser_get_root (parser)),
                              "num_classes", 1);
  g_autofree char *config = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (config_path, config, -1, NULL));

  g_autofree char *src = model_path ("tiny-token");
  g_autofree char *weights_src = g_build_filename (src, "model.safetensors", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights_src, NULL);
  g_assert_nonnull (st);
  guint n = fovea_safetensors_get_n_tensors (st);
  g_autofree FoveaTensorView *views = g_new (FoveaTensorView, n);
  for (guint i = 0; i < n; i++)
    {
      views[i] = *fovea_safetensors_get_nth (st, i);
      if (strcmp (views[i].name, "head.weight") == 0 || strcmp (views[i].name, "head.bias") == 0)
        {
          views[i].shape[0] = 1;
          views[i].n_elements /= 5;
          views[i].n_bytes /= 5;
        }
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_safetensors_write (weights, views, n, NULL, &error));
  g_assert_no_error (error);
  return dir;
}

static void
test_infer_grading_card (void)
{
  g_autofree char *dir = make_regression_model ();
  g_autofree char *input = case_path ("tiny-token");
  g_autofree char *card_path = fovea_test_fixture_path ("cards/tiny-grading.json");
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, NULL);
  g_assert_nonnull (card);

  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", dir, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  int n, c;
  g_autofree float *logits = expected_logits ("tiny-token", &n, &c);
  g_assert_cmpuint (lines->len, ==, n);
  gboolean seen_referable[2] = { FALSE, FALSE };
  for (int i = 0; i < n; i++)
    {
      JsonObject *line = lines->pdata[i];
      float score = logits[(gsize) i * c];
      int grade = 0;
      for (guint k = 0; k < card->thresholds->len; k++)
        grade += score > g_array_index (card->thresholds, double, k);
      g_assert_cmpstr (json_object_get_string_member (line, "task"), ==, "tiny-grading");
      g_assert_true (json_object_get_boolean_member (line, "calibrated"));
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (line, "score"), score,
                                      1e-4 * fabs (score));
      g_assert_cmpint (json_object_get_int_member (line, "grade"), ==, grade);
      g_assert_cmpstr (json_object_get_string_member (line, "grade_name"), ==, card->labels[grade]);
      g_assert_cmpstr (json_object_get_string_member (line, "label"), ==, card->labels[grade]);
      gboolean referable = json_object_get_boolean_member (line, "referable");
      g_assert_cmpint (referable, ==, grade >= 2);
      seen_referable[referable] = TRUE;
      g_assert_cmpstr (json_object_get_string_member (line, "referral_rule"), ==,
                       "grade >= 2 (moderate NPDR or worse)");
      g_assert_false (json_object_has_member (line, "probs"));
    }
  /* The thresholds were chosen so the two inputs fall on either side. */
  g_assert_true (seen_referable[0] && seen_referable[1]);
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

/* Writes a card: a fixture card with provenance.sha256 set. */
static void
write_card_with_hash (const char *fixture, const char *to, const char *sha256)
{
  g_autofree char *relative = g_build_filename ("cards", fixture, NULL);
  g_autofree char *from = fovea_test_fixture_path (relative);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, from, NULL));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  json_object_set_string_member (json_object_get_object_member (root, "provenance"),
                                 "sha256", sha256);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (to, text, -1, NULL));
}

static void
test_infer_card_hash (void)
{
  g_autofree char *dir = model_with_card ("tiny-token", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *card = g_build_filename (dir, "task_card.json", NULL);
  g_autofree char *input = case_path ("tiny-token");
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (weights, &contents, &length, NULL));
  g_autofree char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                         (const guchar *) contents, length);

  write_card_with_hash ("tiny-five-class.json", card, sha256);
  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", dir, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"calibrated\":true"));
  fovea_test_cli_result_clear (&r);

  /* A card describing other weights is refused, not trusted. */
  sha256[0] = sha256[0] == '0' ? '1' : '0';
  write_card_with_hash ("tiny-five-class.json", card, sha256);
  r = fovea_test_run_cli ("infer", "--json", "--model", dir, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_nonnull (strstr (r.err, "sha256"));
  g_assert_nonnull (strstr (r.err, "task_card.json"));
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

static void
test_infer_several_adapters (void)
{
  g_autofree char *model = model_path ("tiny-token");
  g_autofree char *melo = vit_fixture ("adapters/melo-tiny_lora_4_8.safetensors");
  g_autofree char *peft = vit_fixture ("adapters/peft-layers-rank");
  g_autofree char *input = case_path ("tiny-token-melo");

  /* Without --task: every adapter's task, grouped by input. */
  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", model, "--adapter", peft,
                         "--adapter", melo, "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  int n, c;
  g_autofree float *logits = expected_logits ("tiny-token-melo", &n, &c);
  g_assert_cmpuint (lines->len, ==, 2 * n);
  for (int i = 0; i < n; i++)
    {
      JsonObject *a = lines->pdata[2 * i], *b = lines->pdata[2 * i + 1];
      g_assert_cmpint (json_object_get_int_member (a, "input"), ==, i);
      g_assert_cmpint (json_object_get_int_member (b, "input"), ==, i);
      g_assert_cmpstr (json_object_get_string_member (a, "task"), ==, "peft-layers-rank");
      g_assert_cmpstr (json_object_get_string_member (b, "task"), ==, "melo-tiny_lora_4_8");
      g_assert_cmpfloat (relative_error (json_object_get_array_member (b, "logits"),
                                         logits + (gsize) i * c, c), <=, tolerance_rel ());
    }
  fovea_test_cli_result_clear (&r);

  /* --task picks one, the backbone included. */
  r = fovea_test_run_cli ("infer", "--json", "--model", model, "--adapter", peft, "--adapter", melo,
               "--task", "melo-tiny_lora_4_8", "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) picked = parse_lines (r.out);
  assert_logits_match (picked, "tiny-token-melo", "melo-tiny_lora_4_8");
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("infer", "--json", "--model", model, "--adapter", melo, "--task", "backbone",
               "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) backbone = parse_lines (r.out);
  g_assert_cmpuint (backbone->len, ==, n);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (backbone->pdata[0],
                                                                          "logits")), ==, 5);
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("infer", "--model", model, "--adapter", melo, "--task", "dr",
               "--input-tensor", input, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "melo-tiny_lora_4_8"));
  fovea_test_cli_result_clear (&r);
}

/* The tensor `infer` must build from an image, made here with the same
 * preprocessing settings, and written as an input-tensor file. */
static void
write_preprocessed (const char *image_path, const char *model_dir, const char *card_file,
                    const char *out_path)
{
  g_autofree char *config_path = g_build_filename (model_dir, "config.json", NULL);
  FoveaVitConfig config;
  g_assert_true (fovea_vit_config_load_file (&config, config_path, NULL));
  g_autofree char *relative = g_build_filename ("cards", card_file, NULL);
  g_autofree char *card_path = fovea_test_fixture_path (relative);
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, NULL);
  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, &config, card);
  fovea_vit_config_clear (&config);

  g_autoptr (FoveaImage) image = fovea_decode_file (image_path, NULL, NULL, NULL);
  g_assert_nonnull (image);
  g_autofree float *pixels = g_new (float, 3 * (gsize) pre.height * pre.width);
  g_assert_true (fovea_preprocess_image (&pre, image, pixels, NULL));
  FoveaTensorView view = {
    .name = "pixel_values", .dtype = FOVEA_DTYPE_F32, .n_dims = 4,
    .shape = { 1, 3, pre.height, pre.width }, .n_elements = 3 * (gsize) pre.height * pre.width,
    .data = pixels, .n_bytes = 3 * (gsize) pre.height * pre.width * sizeof (float),
  };
  g_assert_true (fovea_safetensors_write (out_path, &view, 1, NULL, NULL));
}

static void
test_infer_images (void)
{
  const struct { const char *card; const char *task; } tasks[] = {
    { "tiny-five-class.json", "tiny-five-class" },  /* timm's eval transform */
    { "tiny-grading.json", "tiny-grading" },        /* fundus crop */
  };
  g_autofree char *fundus = fovea_test_sample_path ("fundus-healthy.png");
  for (guint t = 0; t < G_N_ELEMENTS (tasks); t++)
    {
      g_autofree char *dir = t == 0 ? model_with_card ("tiny-token", tasks[t].card)
                                    : make_regression_model ();
      g_autofree char *bad = g_build_filename (dir, "broken.png", NULL);
      g_autofree char *tensor = g_build_filename (dir, "fundus.safetensors", NULL);
      g_assert_true (g_file_set_contents (bad, "\x89PNG\r\n\x1a\n truncated", -1, NULL));
      write_preprocessed (fundus, dir, tasks[t].card, tensor);

      FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--model", dir, fundus, bad, NULL);
      g_assert_cmpint (r.status, ==, 3);
      g_autoptr (GPtrArray) lines = parse_lines (r.out);
      g_assert_cmpuint (lines->len, ==, 2);
      JsonObject *good = lines->pdata[0], *failed = lines->pdata[1];
      g_assert_cmpstr (json_object_get_string_member (good, "input"), ==, fundus);
      g_assert_cmpstr (json_object_get_string_member (good, "task"), ==, tasks[t].task);
      g_assert_true (json_object_get_boolean_member (good, "calibrated"));
      g_assert_cmpstr (json_object_get_string_member (failed, "input"), ==, bad);
      g_assert_nonnull (strstr (json_object_get_string_member (failed, "error"), "broken.png"));
      g_assert_nonnull (strstr (r.err, "1 of 2"));

      /* The image's logits are those of the tensor preprocessed here. */
      FoveaCliResult t_r = fovea_test_run_cli ("infer", "--json", "--model", dir, "--input-tensor", tensor, NULL);
      g_assert_cmpint (t_r.status, ==, 0);
      g_autoptr (GPtrArray) reference = parse_lines (t_r.out);
      JsonArray *want = json_object_get_array_member (reference->pdata[0], "logits");
      JsonArray *got = json_object_get_array_member (good, "logits");
      g_assert_cmpuint (json_array_get_length (got), ==, json_array_get_length (want));
      for (guint k = 0; k < json_array_get_length (got); k++)
        g_assert_cmpfloat (json_array_get_double_element (got, k), ==,
                           json_array_get_double_element (want, k));
      fovea_test_cli_result_clear (&t_r);
      fovea_test_cli_result_clear (&r);
      fovea_test_rmdir (dir);
    }
}

/* A safetensors file written by hand, for dtypes Fovea does not write. */
static void
write_raw_safetensors (const char *path, const char *header, gsize data_bytes)
{
  gsize header_length = strlen (header);
  gsize padded = (header_length + 7) / 8 * 8;
  g_autofree guint8 *bytes = g_malloc0 (8 + padded + data_bytes);
  guint64 le = GUINT64_TO_LE ((guint64) padded);
  memcpy (bytes, &le, 8);
  memset (bytes + 8, ' ', padded);
  memcpy (bytes + 8, header, header_length);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, (gssize) (8 + padded + data_bytes),
                                      NULL));
}

static void
write_tensor (const char *path, const char *name, FoveaDType dtype, int n_dims,
              const gint64 *shape)
{
  FoveaTensorView view = { .name = name, .dtype = dtype, .n_dims = n_dims, .n_elements = 1 };
  for (int i = 0; i < n_dims; i++)
    {
      view.shape[i] = shape[i];
      view.n_elements *= shape[i];
    }
  view.n_bytes = view.n_elements * (dtype == FOVEA_DTYPE_F32 ? 4 : 2);
  g_autofree guint8 *zeros = g_malloc0 (view.n_bytes);
  view.data = zeros;
  g_assert_true (fovea_safetensors_write (path, &view, 1, NULL, NULL));
}

typedef struct {
  const char *what;
  const char *args[8];   /* after "infer", NULL-terminated; "@X" is a path in the temp dir */
  const char *message;   /* expected in stderr */
} ErrorCase;

static void
test_infer_errors (void)
{
  g_autofree char *dir = model_with_card ("tiny-token", NULL);
  g_autofree char *model = model_path ("tiny-token");
  g_autofree char *other_adapter = vit_fixture ("adapters/peft-qkv-fc1");
  g_autofree char *input = case_path ("tiny-token");
  const gint64 good[] = { 1, 3, 32, 32 }, four[] = { 1, 4, 32, 32 }, three[] = { 3, 32, 32 };
  const gint64 odd[] = { 1, 3, 30, 30 };
  struct { const char *file, *name; FoveaDType dtype; int n_dims; const gint64 *shape; } files[] = {
    { "named.safetensors", "pixels", FOVEA_DTYPE_F32, 4, good },
    { "four.safetensors", "pixel_values", FOVEA_DTYPE_F32, 4, four },
    { "three.safetensors", "pixel_values", FOVEA_DTYPE_F32, 3, three },
    { "half.safetensors", "pixel_values", FOVEA_DTYPE_F16, 4, good },
    { "odd.safetensors", "pixel_values", FOVEA_DTYPE_F32, 4, odd },
  };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].file, NULL);
      write_tensor (path, files[i].name, files[i].dtype, files[i].n_dims, files[i].shape);
    }
  g_autofree char *f64 = g_build_filename (dir, "f64.safetensors", NULL);
  write_raw_safetensors (f64, "{\"pixel_values\":{\"dtype\":\"F64\",\"shape\":[1,3,32,32],"
                              "\"data_offsets\":[0,24576]}}", 24576);
  g_autofree char *bad_card = g_build_filename (dir, "card", NULL);
  g_assert_cmpint (g_mkdir (bad_card, 0700), ==, 0);

  const ErrorCase cases[] = {
    { "no model", { "--input-tensor", input, NULL }, "--model" },
    { "missing model", { "--model", "/nonexistent/model", "--input-tensor", input, NULL },
      "/nonexistent/model" },
    { "not a model", { "--model", bad_card, "--input-tensor", input, NULL }, "config.json" },
    { "missing adapter", { "--model", model, "--adapter", "/nonexistent/adapter",
                           "--input-tensor", input, NULL }, "/nonexistent/adapter" },
    { "adapter for another model", { "--model", model, "--adapter", other_adapter,
                                     "--input-tensor", input, NULL }, "peft-qkv-fc1" },
    { "no input", { "--model", model, NULL }, "--input-tensor" },
    { "both inputs", { "--model", model, "--input-tensor", input, "x.png", NULL }, "either" },
    { "missing tensor file", { "--model", model, "--input-tensor", "/nonexistent.safetensors",
                               NULL }, "/nonexistent.safetensors" },
    { "wrong tensor name", { "--model", model, "--input-tensor", "@named.safetensors", NULL },
      "pixel_values" },
    { "four channels", { "--model", model, "--input-tensor", "@four.safetensors", NULL },
      "[1, 4, 32, 32]" },
    { "three dimensions", { "--model", model, "--input-tensor", "@three.safetensors", NULL },
      "[3, 32, 32]" },
    { "F16 pixels", { "--model", model, "--input-tensor", "@half.safetensors", NULL }, "F16" },
    { "F64 pixels", { "--model", model, "--input-tensor", "@f64.safetensors", NULL }, "F64" },
    { "size not a multiple of the patch", { "--model", model, "--input-tensor",
                                            "@odd.safetensors", NULL }, "30" },
    { "negative melo scale", { "--model", model, "--melo-scale", "-2", "--input-tensor",
                               input, NULL }, "--melo-scale" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (args, g_strdup ("infer"));
      for (guint k = 0; cases[i].args[k] != NULL; k++)
        g_ptr_array_add (args, cases[i].args[k][0] == '@'
                               ? g_build_filename (dir, cases[i].args[k] + 1, NULL)
                               : g_strdup (cases[i].args[k]));
      g_ptr_array_add (args, NULL);
      FoveaCliResult r = fovea_test_run_cli_argv ((const char *const *) args->pdata);
      g_test_message ("%s: status %d: %s", cases[i].what, r.status, r.err);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_nonnull (strstr (r.err, cases[i].message));
      g_assert_true (g_str_has_prefix (r.err, "fovea-cli infer: "));
      fovea_test_cli_result_clear (&r);
    }

  /* Cards that are invalid or do not fit the model's five outputs. */
  const struct { const char *card; const char *message; } cards[] = {
    { "invalid-kind.json", "“kind”" },
    { "skin-lesion.json", "7 labels" },
    { "tiny-grading.json", "single output" },
  };
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      g_autofree char *relative = g_build_filename ("cards", cards[i].card, NULL);
      g_autofree char *from = fovea_test_fixture_path (relative);
      copy_file (from, card_path);
      FoveaCliResult r = fovea_test_run_cli ("infer", "--model", dir, "--input-tensor", input, NULL);
      g_test_message ("%s: %s", cards[i].card, r.err);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, "task_card.json"));
      g_assert_nonnull (strstr (r.err, cards[i].message));
      fovea_test_cli_result_clear (&r);
    }
  fovea_test_rmdir (dir);
}

static void
test_bench_json (void)
{
  g_autofree char *model = model_path ("tiny-token");
  g_autofree char *melo = vit_fixture ("adapters/melo-tiny_lora_4_8.safetensors");
  FoveaCliResult r = fovea_test_run_cli ("bench", "--json", "--model", model, "--adapter", melo,
                         "--batch", "2", "--runs", "3", "--threads", "1", "--size", "48x48",
                         NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  g_assert_cmpuint (lines->len, ==, 1);
  JsonObject *report = lines->pdata[0];

  const char *keys[] = { "adapter", "batch", "cpu_median_s", "images_per_s", "load_s",
                         "median_s", "min_s", "model", "peak_rss_mb", "precision", "threads",
                         NULL };
  g_autoptr (GList) members = json_object_get_members (report);
  members = g_list_sort (members, (GCompareFunc) strcmp);
  guint k = 0;
  for (GList *l = members; l != NULL; l = l->next, k++)
    g_assert_cmpstr (l->data, ==, keys[k]);
  g_assert_null (keys[k]);

  g_assert_cmpstr (json_object_get_string_member (report, "model"), ==, model);
  g_assert_cmpstr (json_object_get_string_member (report, "adapter"), ==, melo);
  g_assert_cmpint (json_object_get_int_member (report, "batch"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (report, "threads"), ==, 1);
  double median = json_object_get_double_member (report, "median_s");
  double min = json_object_get_double_member (report, "min_s");
  g_assert_cmpfloat (min, >, 0);
  g_assert_cmpfloat (min, <=, median);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (report, "images_per_s"),
                                  1 / median, 1e-6 / median);
  g_assert_cmpfloat (json_object_get_double_member (report, "load_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (report, "peak_rss_mb"), >, 1);
  g_assert_cmpfloat (json_object_get_double_member (report, "cpu_median_s"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (report, "precision"), ==, "fp32");
  fovea_test_cli_result_clear (&r);

  /* Without an adapter, "adapter" is null; the table names every figure. */
  r = fovea_test_run_cli ("bench", "--json", "--model", model, "--runs", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"adapter\":null"));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("bench", "--model", model, "--runs", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "median_s"));
  g_assert_nonnull (strstr (r.out, "images_per_s"));
  fovea_test_cli_result_clear (&r);

  const char *const bad[][6] = {
    { "bench", "--model", "/nonexistent/model", NULL },
    { "bench", "--model", model, "--batch", "0", NULL },
    { "bench", "--model", model, "--size", "big", NULL },
    { "bench", "--model", model, "--size", "30x30", NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      r = fovea_test_run_cli_argv (bad[i]);
      g_test_message ("%s", r.err);
      g_assert_cmpint (r.status, ==, 1);
      g_assert_true (g_str_has_prefix (r.err, "fovea-cli bench: "));
      fovea_test_cli_result_clear (&r);
    }
}

/* A CNN folder is timed through the engine as a ViT is, with the same
 * report; what is not an adapter is refused, naming what it lacks. */
static void
test_bench_cnn (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = fovea_random_cnn_config_json ("torchvision/resnet18", 3, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_random_cnn_write (dir, json, FOVEA_DTYPE_F32, 4, &error));

  FoveaCliResult r = fovea_test_run_cli ("bench", "--json", "--model", dir, "--batch", "2",
                                         "--runs", "2", "--threads", "2", "--size", "64x48",
                                         NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GPtrArray) lines = parse_lines (r.out);
  g_assert_cmpuint (lines->len, ==, 1);
  JsonObject *report = lines->pdata[0];
  g_assert_cmpstr (json_object_get_string_member (report, "model"), ==, dir);
  g_assert_true (json_object_get_null_member (report, "adapter"));
  g_assert_cmpint (json_object_get_int_member (report, "batch"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (report, "threads"), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (report, "min_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (report, "min_s"), <=,
                     json_object_get_double_member (report, "median_s"));
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("bench", "--model", dir, "--adapter", dir, "--runs", "1", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "adapter_model.safetensors is missing");
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

/* --precision on every command that runs a model: parsed the same way,
 * bf16 used where the CPU has it and refused with a clear error where it
 * has not (FOVEA_NO_BF16 stands for such a CPU). */
static void
test_precision (void)
{
  g_autofree char *model = model_path ("tiny-token");
  const char *commands[] = { "infer", "bench", "grade", "report", "explain" };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      FoveaCliResult r = fovea_test_run_cli (commands[i], "--model", model,
                                             "--precision", "fp16", NULL);
      g_test_message ("%s", r.err);
      g_assert_cmpint (r.status, ==, 1);
      g_autofree char *prefix = g_strdup_printf ("fovea-cli %s: ", commands[i]);
      g_assert_true (g_str_has_prefix (r.err, prefix));
      g_assert_nonnull (strstr (r.err, "auto, fp32, bf16"));
      fovea_test_cli_result_clear (&r);
    }

  gboolean supported = fovea_gemm_bf16_supported ();
  FoveaCliResult r = fovea_test_run_cli ("bench", "--json", "--model", model, "--runs", "1",
                                         "--precision", "bf16", NULL);
  g_test_message ("%s", r.err);
  if (supported)
    {
      g_assert_cmpint (r.status, ==, 0);
      g_assert_nonnull (strstr (r.out, "\"precision\":\"bf16\""));
    }
  else
    {
      g_assert_cmpint (r.status, ==, 1);
      g_assert_nonnull (strstr (r.err, "AVX512-BF16"));
    }
  fovea_test_cli_result_clear (&r);

  /* auto is fp32 for now */
  r = fovea_test_run_cli ("bench", "--json", "--model", model, "--runs", "1",
                          "--precision", "auto", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"precision\":\"fp32\""));
  fovea_test_cli_result_clear (&r);

  /* the children inherit it; this process decided above */
  g_setenv ("FOVEA_NO_BF16", "1", TRUE);
  r = fovea_test_run_cli ("infer", "--model", model, "--precision", "bf16", "--input-tensor",
                          "/nonexistent.safetensors", NULL);
  g_unsetenv ("FOVEA_NO_BF16");
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_true (g_str_has_prefix (r.err, "fovea-cli infer: precision bf16 needs a CPU with "
                                          "AVX512-BF16"));
  fovea_test_cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-engine/infer/pytorch-parity", test_infer_matches_pytorch);
  g_test_add_func ("/cli-engine/infer/classification-card", test_infer_classification_card);
  g_test_add_func ("/cli-engine/infer/melo-card", test_infer_melo_card);
  g_test_add_func ("/cli-engine/infer/grading-card", test_infer_grading_card);
  g_test_add_func ("/cli-engine/infer/card-hash", test_infer_card_hash);
  g_test_add_func ("/cli-engine/infer/several-adapters", test_infer_several_adapters);
  g_test_add_func ("/cli-engine/infer/images", test_infer_images);
  g_test_add_func ("/cli-engine/infer/errors", test_infer_errors);
  g_test_add_func ("/cli-engine/bench/json", test_bench_json);
  g_test_add_func ("/cli-engine/bench/cnn", test_bench_cnn);
  g_test_add_func ("/cli-engine/precision", test_precision);
  return g_test_run ();
}
