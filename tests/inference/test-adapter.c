/* test-adapter.c: PEFT and MeLo adapters loaded from the PyTorch fixtures
 * (tests/fixtures/vit, made by tests/scripts/make-vit-fixtures.py): their
 * structure against the fixtures' documented configs, the logits against
 * PyTorch's, adapters that do not fit refused by name, F16/BF16 tensors,
 * many adapters at once, and a LoRA on the head. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-adapter.h"
#include "fovea-test-common.h"

/* ---- helpers ---------------------------------------------------------- */

static FoveaVit *
load_model (const char *model)
{
  g_autofree char *relative = g_build_filename ("vit", "models", model, NULL);
  g_autofree char *dir = fovea_test_fixture_path (relative);
  GError *error = NULL;
  FoveaVit *vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  return vit;
}

static char *
adapter_path (const char *adapter)
{
  g_autofree char *relative = g_build_filename ("vit", "adapters", adapter, NULL);
  return fovea_test_fixture_path (relative);
}

static FoveaLora *
load_adapter (const char *path, const FoveaVit *vit, int melo_scale)
{
  FoveaAdapterOptions options = { melo_scale };
  GError *error = NULL;
  FoveaLora *lora = fovea_adapter_load (path, vit, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lora);
  return lora;
}

static FoveaLora *
load_fixture_adapter (const char *adapter, const FoveaVit *vit)
{
  g_autofree char *path = adapter_path (adapter);
  return load_adapter (path, vit, 0);
}

/* max |got − expected| / max |expected|, the fixtures' tolerance norm. */
static double
relative_error (const float *got, const float *expected, gsize n)
{
  double diff = 0, scale = 0;
  for (gsize i = 0; i < n; i++)
    {
      diff = MAX (diff, fabs ((double) got[i] - expected[i]));
      scale = MAX (scale, fabs ((double) expected[i]));
    }
  return diff / scale;
}

typedef struct {
  FoveaSafetensors *st;
  const float      *pixels;
  const float      *logits;
  int               n, height, width, classes;
} Case;

static void
case_open (Case *c, const char *name)
{
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  g_autofree char *relative = g_build_filename ("vit", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  GError *error = NULL;
  c->st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *pixels = fovea_safetensors_lookup (c->st, "pixel_values");
  const FoveaTensorView *logits = fovea_safetensors_lookup (c->st, "logits");
  g_assert_nonnull (pixels);
  g_assert_nonnull (logits);
  c->n = (int) pixels->shape[0];
  c->height = (int) pixels->shape[2];
  c->width = (int) pixels->shape[3];
  c->classes = (int) logits->shape[1];
  c->pixels = fovea_safetensors_get_f32 (c->st, "pixel_values", 4, pixels->shape, &error);
  g_assert_no_error (error);
  c->logits = fovea_safetensors_get_f32 (c->st, "logits", 2, logits->shape, &error);
  g_assert_no_error (error);
}

static FoveaVitRun *
new_run (FoveaVit *vit, const Case *c)
{
  GError *error = NULL;
  FoveaVitRun *run = fovea_vit_run_new (vit, c->n, c->height, c->width,
                                        FOVEA_VIT_OUTPUT_LOGITS, 1, &error);
  g_assert_no_error (error);
  return run;
}

/* The logits of one forward pass, copied. */
static float *
forward (FoveaVitRun *run, const Case *c, const FoveaLora *lora, int *n_outputs)
{
  GError *error = NULL;
  g_assert_true (fovea_vit_forward (run, c->pixels, c->n, lora, &error));
  g_assert_no_error (error);
  *n_outputs = fovea_vit_run_get_n_outputs (run);
  return g_memdup2 (fovea_vit_run_get_logits (run), sizeof (float) * c->n * *n_outputs);
}

static void
assert_logits_match (FoveaVitRun *run, const Case *c, const FoveaLora *lora, double tolerance)
{
  int n_outputs;
  g_autofree float *logits = forward (run, c, lora, &n_outputs);
  g_assert_cmpint (n_outputs, ==, c->classes);
  double err = relative_error (logits, c->logits, (gsize) c->n * c->classes);
  g_test_message ("%s: relative error %.3g", lora ? lora->name : "bare", err);
  g_assert_cmpfloat (err, <=, tolerance);
}

static double
manifest_tolerance (void)
{
  g_autofree char *path = fovea_test_fixture_path ("vit/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  return json_object_get_double_member (root, "tolerance_rel");
}

static const FoveaLoraUpdate *
single_update (const FoveaLora *lora, int block, FoveaLoraTarget target)
{
  const FoveaLoraSlot *slot = fovea_lora_slot (lora, block, target);
  g_assert_cmpint (slot->n_updates, ==, 1);
  return &slot->updates[0];
}

/* The update's A and B hold exactly the file's F32 values. */
static void
assert_update_is (const FoveaLoraUpdate *update, const FoveaLora *lora,
                  const char *a_name, const char *b_name)
{
  FoveaSafetensors *st = g_ptr_array_index (lora->files, 0);
  const FoveaTensorView *a = fovea_safetensors_lookup (st, a_name);
  const FoveaTensorView *b = fovea_safetensors_lookup (st, b_name);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->dtype, ==, FOVEA_DTYPE_F32);
  g_assert_cmpint (update->rank, ==, a->shape[0]);
  g_assert_cmpint (update->in_features, ==, a->shape[1]);
  g_assert_cmpint (update->out_features, ==, b->shape[0]);
  g_assert_cmpmem (update->a, sizeof (float) * a->n_elements, a->data, a->n_bytes);
  g_assert_cmpmem (update->b, sizeof (float) * b->n_elements, b->data, b->n_bytes);
}

static void
assert_no_updates (const FoveaLora *lora, int block, FoveaLoraTarget target)
{
  g_assert_cmpint (fovea_lora_slot (lora, block, target)->n_updates, ==, 0);
}

/* ---- structure: the fixtures' documented configs ------------------------ */

/* peft-qkv-fc1: r 4, alpha 6, qkv and fc1 of both blocks, head saved. */
static void
test_peft_qkv_fc1 (void)
{
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  g_autoptr (FoveaLora) lora = load_fixture_adapter ("peft-qkv-fc1", vit);
  g_assert_cmpstr (lora->name, ==, "peft-qkv-fc1");
  g_assert_cmpint (lora->depth, ==, 2);
  for (int block = 0; block < 2; block++)
    {
      const FoveaLoraUpdate *qkv = single_update (lora, block, FOVEA_LORA_QKV);
      const FoveaLoraUpdate *fc1 = single_update (lora, block, FOVEA_LORA_FC1);
      g_autofree char *prefix = g_strdup_printf ("base_model.model.blocks.%d.", block);
      g_autofree char *qkv_a = g_strconcat (prefix, "attn.qkv.lora_A.weight", NULL);
      g_autofree char *qkv_b = g_strconcat (prefix, "attn.qkv.lora_B.weight", NULL);
      g_autofree char *fc1_a = g_strconcat (prefix, "mlp.fc1.lora_A.weight", NULL);
      g_autofree char *fc1_b = g_strconcat (prefix, "mlp.fc1.lora_B.weight", NULL);
      assert_update_is (qkv, lora, qkv_a, qkv_b);
      assert_update_is (fc1, lora, fc1_a, fc1_b);
      g_assert_cmpint (qkv->rank, ==, 4);
      g_assert_cmpint (qkv->out_features, ==, 3 * 96);
      g_assert_cmpint (qkv->out_offset, ==, 0);
      g_assert_cmpfloat (qkv->scale, ==, 1.5f);
      g_assert_cmpint (fc1->out_features, ==, 2 * 96);
      g_assert_cmpfloat (fc1->scale, ==, 1.5f);
      assert_no_updates (lora, block, FOVEA_LORA_PROJ);
      assert_no_updates (lora, block, FOVEA_LORA_FC2);
    }
  g_assert_cmpint (lora->head_classes, ==, 4);
  g_assert_cmpint (lora->head_width, ==, 96);
  g_assert_nonnull (lora->head_weight);
  g_assert_nonnull (lora->head_bias);
  /* rank 4 on qkv and fc1 of two blocks of 96, and a 4 × 96 head */
  gsize params = 2 * 4 * (96 + 288) + 2 * 4 * (96 + 192) + 4 * 97;
  g_assert_cmpuint (fovea_lora_get_n_bytes (lora), >=, 4 * params);
  g_assert_cmpuint (fovea_lora_get_n_bytes (lora), <, 4 * params + 1024);
}

/* peft-rslora-regex: block 0's proj and both fc2, scaling 4 / sqrt(4). */
static void
test_peft_rslora_regex (void)
{
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  g_autoptr (FoveaLora) lora = load_fixture_adapter ("peft-rslora-regex", vit);
  g_assert_cmpfloat (single_update (lora, 0, FOVEA_LORA_PROJ)->scale, ==, 2.0f);
  g_assert_cmpfloat (single_update (lora, 0, FOVEA_LORA_FC2)->scale, ==, 2.0f);
  g_assert_cmpfloat (single_update (lora, 1, FOVEA_LORA_FC2)->scale, ==, 2.0f);
  g_assert_cmpint (single_update (lora, 1, FOVEA_LORA_FC2)->in_features, ==, 2 * 96);
  assert_no_updates (lora, 1, FOVEA_LORA_PROJ);
  for (int block = 0; block < 2; block++)
    {
      assert_no_updates (lora, block, FOVEA_LORA_QKV);
      assert_no_updates (lora, block, FOVEA_LORA_FC1);
    }
  g_assert_null (lora->head_weight);
}

/* peft-layers-rank: block 1 only; proj r 2 alpha 3, fc2 r 6 alpha 5. */
static void
test_peft_layers_rank (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  g_autoptr (FoveaLora) lora = load_fixture_adapter ("peft-layers-rank", vit);
  const FoveaLoraUpdate *proj = single_update (lora, 1, FOVEA_LORA_PROJ);
  const FoveaLoraUpdate *fc2 = single_update (lora, 1, FOVEA_LORA_FC2);
  g_assert_cmpint (proj->rank, ==, 2);
  g_assert_cmpfloat (proj->scale, ==, 1.5f);
  g_assert_cmpint (fc2->rank, ==, 6);
  g_assert_cmpfloat (fc2->scale, ==, (float) (5.0 / 6.0));
  for (int target = 0; target < FOVEA_LORA_N_TARGETS; target++)
    assert_no_updates (lora, 0, target);
  assert_no_updates (lora, 1, FOVEA_LORA_QKV);
  assert_no_updates (lora, 1, FOVEA_LORA_FC1);
}

/* melo-tiny_lora_4_8: q at qkv[:, 0:48], v at [96:144], scale 8 // 4. */
static void
test_melo (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  g_autoptr (FoveaLora) lora = load_fixture_adapter ("melo-tiny_lora_4_8.safetensors", vit);
  g_assert_cmpstr (lora->name, ==, "melo-tiny_lora_4_8");
  for (int block = 0; block < 2; block++)
    {
      const FoveaLoraSlot *slot = fovea_lora_slot (lora, block, FOVEA_LORA_QKV);
      g_assert_cmpint (slot->n_updates, ==, 2);
      for (int u = 0; u < 2; u++)
        {
          g_autofree char *a = g_strdup_printf ("w_a_%03d", 2 * block + u);
          g_autofree char *b = g_strdup_printf ("w_b_%03d", 2 * block + u);
          assert_update_is (&slot->updates[u], lora, a, b);
          g_assert_cmpint (slot->updates[u].rank, ==, 4);
          g_assert_cmpint (slot->updates[u].out_features, ==, 48);
          g_assert_cmpint (slot->updates[u].out_offset, ==, u ? 96 : 0);
          g_assert_cmpfloat (slot->updates[u].scale, ==, 2.0f);
        }
      assert_no_updates (lora, block, FOVEA_LORA_PROJ);
      assert_no_updates (lora, block, FOVEA_LORA_FC1);
      assert_no_updates (lora, block, FOVEA_LORA_FC2);
    }
  g_assert_cmpint (lora->head_classes, ==, 7);
  g_assert_cmpint (lora->head_width, ==, 48);
  g_assert_null (lora->head_bias);
}

/* Without a tag the scale is the option's, else 1; a conflicting option
 * is refused. */
static void
test_melo_scale (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  g_autofree char *source = adapter_path ("melo-tiny_lora_4_8.safetensors");
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *plain = g_build_filename (dir, "melo.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (source, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (plain, contents, (gssize) length, NULL));

  g_autoptr (FoveaLora) one = load_adapter (plain, vit, 0);
  g_autoptr (FoveaLora) three = load_adapter (plain, vit, 3);
  g_autoptr (FoveaLora) agreed = load_adapter (source, vit, 2);
  g_assert_cmpfloat (fovea_lora_slot (one, 0, FOVEA_LORA_QKV)->updates[1].scale, ==, 1.0f);
  g_assert_cmpfloat (fovea_lora_slot (three, 1, FOVEA_LORA_QKV)->updates[0].scale, ==, 3.0f);
  g_assert_cmpfloat (fovea_lora_slot (agreed, 1, FOVEA_LORA_QKV)->updates[0].scale, ==, 2.0f);

  FoveaAdapterOptions conflicting = { 5 };
  GError *error = NULL;
  g_assert_null (fovea_adapter_load (source, vit, &conflicting, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  g_assert_nonnull (strstr (error->message, "_lora_4_8"));
  g_clear_error (&error);
  fovea_test_rmdir (dir);
}

/* ---- parity with PyTorch ------------------------------------------------ */

/* Every adapted case of the manifest, and switching between adapter and
 * bare backbone on one run gives each its own logits. */
static void
test_parity (void)
{
  double tolerance = manifest_tolerance ();
  g_autofree char *path = fovea_test_fixture_path ("vit/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  JsonArray *cases = json_object_get_array_member (json_node_get_object (
                       json_parser_get_root (parser)), "cases");
  int n_adapted = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *entry = json_array_get_object_element (cases, i);
      if (json_object_get_null_member (entry, "adapter"))
        continue;
      const char *adapter = json_object_get_string_member (entry, "adapter");
      int melo_scale = json_object_get_null_member (entry, "melo_scale")
                         ? 0 : (int) json_object_get_int_member (entry, "melo_scale");
      g_autoptr (FoveaVit) vit = load_model (json_object_get_string_member (entry, "model"));
      g_autofree char *relative = g_build_filename ("vit", adapter, NULL);
      g_autofree char *full = fovea_test_fixture_path (relative);
      g_autoptr (FoveaLora) lora = load_adapter (full, vit, melo_scale);
      Case c;
      case_open (&c, json_object_get_string_member (entry, "name"));
      g_test_message ("case %s", json_object_get_string_member (entry, "name"));
      g_autoptr (FoveaVitRun) run = new_run (vit, &c);

      assert_logits_match (run, &c, lora, tolerance);
      int n_bare;
      g_autofree float *bare = forward (run, &c, NULL, &n_bare);
      if (n_bare == c.classes)
        g_assert_cmpfloat (relative_error (bare, c.logits, (gsize) c.n * c.classes), >, 10 * tolerance);
      assert_logits_match (run, &c, lora, tolerance);
      fovea_safetensors_unref (c.st);
      n_adapted++;
    }
  g_assert_cmpint (n_adapted, >=, 4);
}

/* Many adapters loaded at once, used in turn on one run. */
static void
test_many (void)
{
  static const char *const adapters[] = { "peft-qkv-fc1", "peft-rslora-regex" };
  static const char *const cases[] = { "h12-avg-peft-qkv-fc1", "h12-avg-peft-rslora-regex" };
  enum { COPIES = 16 };
  double tolerance = manifest_tolerance ();
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  g_autoptr (GPtrArray) loras = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_lora_free);
  for (int i = 0; i < COPIES; i++)
    for (gsize a = 0; a < G_N_ELEMENTS (adapters); a++)
      g_ptr_array_add (loras, load_fixture_adapter (adapters[a], vit));
  Case c[2];
  for (gsize a = 0; a < G_N_ELEMENTS (cases); a++)
    case_open (&c[a], cases[a]);
  g_autoptr (FoveaVitRun) run = new_run (vit, &c[0]);
  for (guint i = 0; i < loras->len; i++)
    assert_logits_match (run, &c[i % 2], loras->pdata[i], tolerance);
  for (gsize a = 0; a < G_N_ELEMENTS (cases); a++)
    fovea_safetensors_unref (c[a].st);
}

/* ---- adapters written by the tests ------------------------------------- */

/* A tensor to replace (with n_dims/shape, values 0.01·i), drop (n_dims 0;
 * a name ending in '*' drops every tensor with that prefix) or add. */
typedef struct {
  const char *name;
  int         n_dims;
  gint64      shape[2];
} TensorEdit;

static gboolean
edit_matches (const TensorEdit *edit, const char *name)
{
  gsize n = strlen (edit->name);
  return edit->name[n - 1] == '*' ? strncmp (name, edit->name, n - 1) == 0
                                  : strcmp (name, edit->name) == 0;
}

static void
add_edited (GArray *views, GPtrArray *buffers, const TensorEdit *edit)
{
  FoveaTensorView view = { edit->name, FOVEA_DTYPE_F32, edit->n_dims, { 0 }, 1, NULL, 0 };
  for (int d = 0; d < edit->n_dims; d++)
    {
      view.shape[d] = edit->shape[d];
      view.n_elements *= (gsize) edit->shape[d];
    }
  float *data = g_new (float, view.n_elements);
  for (gsize i = 0; i < view.n_elements; i++)
    data[i] = 0.01f * (float) (i % 17);
  g_ptr_array_add (buffers, data);
  view.data = data;
  view.n_bytes = view.n_elements * sizeof (float);
  g_array_append_val (views, view);
}

/* Writes src's tensors, edited, to dst. */
static void
write_edited (const char *src, const char *dst, const TensorEdit *edits, gsize n_edits)
{
  GError *error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (src, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (FoveaTensorView));
  g_autoptr (GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      const TensorEdit *edit = NULL;
      for (gsize e = 0; e < n_edits && edit == NULL; e++)
        if (edit_matches (&edits[e], view->name))
          edit = &edits[e];
      if (edit == NULL)
        g_array_append_val (views, *view);
      else if (edit->n_dims > 0)
        add_edited (views, buffers, edit);
    }
  for (gsize e = 0; e < n_edits; e++)
    if (edits[e].n_dims > 0 && fovea_safetensors_lookup (st, edits[e].name) == NULL)
      add_edited (views, buffers, &edits[e]);
  g_assert_true (fovea_safetensors_write (dst, (FoveaTensorView *) views->data, views->len,
                                          NULL, &error));
  g_assert_no_error (error);
}

/* Copies a fixture PEFT folder to dir/name, with config members set to
 * JSON values (members: key, value, ..., NULL) and the tensors edited. */
static char *
write_peft (const char *dir, const char *fixture, const char *name,
            const char *const *members, const TensorEdit *edits, gsize n_edits)
{
  g_autofree char *source = adapter_path (fixture);
  char *target = g_build_filename (dir, name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (target, 0755), ==, 0);

  g_autofree char *config_path = g_build_filename (source, "adapter_config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, config_path, NULL));
  JsonNode *root = json_parser_get_root (parser);
  for (gsize m = 0; members != NULL && members[m] != NULL; m += 2)
    {
      g_autoptr (JsonParser) value_parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (value_parser, members[m + 1], -1, NULL));
      json_object_set_member (json_node_get_object (root), members[m],
                              json_node_copy (json_parser_get_root (value_parser)));
    }
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, root);
  g_autofree char *config_out = g_build_filename (target, "adapter_config.json", NULL);
  g_assert_true (json_generator_to_file (generator, config_out, NULL));

  g_autofree char *weights = g_build_filename (source, "adapter_model.safetensors", NULL);
  g_autofree char *weights_out = g_build_filename (target, "adapter_model.safetensors", NULL);
  write_edited (weights, weights_out, edits, n_edits);
  return target;
}

#define QKV_A(b) "base_model.model.blocks." #b ".attn.qkv.lora_A.weight"
#define QKV_B(b) "base_model.model.blocks." #b ".attn.qkv.lora_B.weight"
#define FC1_A(b) "base_model.model.blocks." #b ".mlp.fc1.lora_A.weight"
#define FC1_B(b) "base_model.model.blocks." #b ".mlp.fc1.lora_B.weight"

typedef struct {
  const char *test;
  const char *fixture;      /* PEFT folder, or a MeLo file name when file is set */
  const char *model;
  const char *key, *value;  /* a config member to set (PEFT) */
  const char *file;         /* MeLo: the name to write it as */
  TensorEdit  edits[3];
  const char *expected;     /* in the error message */
} Misfit;

static const Misfit misfits[] = {
  { .test = "lora-A-in", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { QKV_A (0), 2, { 4, 95 } } },
    .expected = "“" QKV_A (0) "” has shape [4, 95], expected [4, 96]" },
  { .test = "lora-B-out", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { FC1_B (1), 2, { 191, 4 } } },
    .expected = "“" FC1_B (1) "” has shape [191, 4]" },
  { .test = "rank-mismatch", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { QKV_B (1), 2, { 288, 3 } } },
    .expected = "“" QKV_B (1) "” has rank 3" },
  { .test = "A-without-B", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { FC1_B (1), 0, { 0 } } },
    .expected = "“" FC1_A (1) "” has no matching “" FC1_B (1) "”" },
  { .test = "block-range", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { QKV_A (2), 2, { 4, 96 } }, { QKV_B (2), 2, { 288, 4 } } },
    .expected = "“" QKV_A (2) "”: block 2 is out of range" },
  { .test = "unknown-module", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { "base_model.model.patch_embed.proj.lora_A.weight", 2, { 4, 192 } } },
    .expected = "“base_model.model.patch_embed.proj.lora_A.weight” is not one Fovea can apply" },
  { .test = "lora-bias", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { "base_model.model.blocks.0.attn.qkv.lora_B.bias", 1, { 288 } } },
    .expected = "“base_model.model.blocks.0.attn.qkv.lora_B.bias”" },
  { .test = "untargeted", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "target_modules", .value = "[\"qkv\"]",
    .expected = "“" FC1_A (0) "”: adapter_config.json does not target blocks.0.mlp.fc1" },
  { .test = "target-missing", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "target_modules", .value = "[\"qkv\", \"fc1\", \"proj\"]",
    .expected = "targets blocks.0.attn.proj but tensor "
                "“base_model.model.blocks.0.attn.proj.lora_A.weight” is missing" },
  { .test = "matches-nothing", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "target_modules", .value = "[\"q_proj\", \"v_proj\"]",
    .edits = { { "base_model.model.blocks.*", 0, { 0 } } },
    .expected = "target_modules matches no layer" },
  { .test = "config-rank", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "r", .value = "8",
    .expected = "“" QKV_A (0) "” has shape [4, 96], expected [8, 96]" },
  { .test = "head-width", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { "base_model.model.head.weight", 2, { 4, 95 } } },
    .expected = "“base_model.model.head.weight” has shape [4, 95]" },
  { .test = "head-missing", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .edits = { { "base_model.model.head.*", 0, { 0 } } },
    .expected = "“base_model.model.head.weight” is missing" },
  { .test = "other-backbone", .fixture = "peft-qkv-fc1", .model = "tiny-token",
    .expected = "“" QKV_A (0) "” has shape [4, 96], expected [4, 48]" },
  { .test = "dora", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "use_dora", .value = "true",
    .expected = "“use_dora” is not supported" },
  { .test = "bad-regex", .fixture = "peft-qkv-fc1", .model = "h12-avg",
    .key = "target_modules", .value = "\"(qkv\"",
    .expected = "“target_modules”: invalid regular expression “(qkv”" },
  { .test = "melo-block-range", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m_lora_4_8.safetensors",
    .edits = { { "w_a_004", 2, { 4, 48 } }, { "w_b_004", 2, { 48, 4 } } },
    .expected = "“w_a_004”: index 4 is block 2's, the backbone has 2 blocks" },
  { .test = "melo-A-without-B", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m_lora_4_8.safetensors",
    .edits = { { "w_b_003", 0, { 0 } } },
    .expected = "“w_a_003” has no matching “w_b_003”" },
  { .test = "melo-rank", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m_lora_4_8.safetensors",
    .edits = { { "w_b_001", 2, { 48, 5 } } },
    .expected = "“w_a_001” has rank 4 but “w_b_001” has rank 5" },
  { .test = "melo-tag-rank", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m_lora_8_16.safetensors",
    .expected = "“w_a_000” has shape [4, 48], expected [8, 48]" },
  { .test = "melo-head-width", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m.safetensors",
    .edits = { { "fc_48in_7out", 0, { 0 } }, { "fc_40in_7out", 2, { 7, 40 } } },
    .expected = "“fc_40in_7out”: a head for 40 features, the backbone's embedding has 48" },
  { .test = "melo-unknown", .fixture = "melo-tiny_lora_4_8.safetensors", .model = "tiny-token",
    .file = "m.safetensors",
    .edits = { { "w_a_0001", 2, { 4, 48 } } },
    .expected = "“w_a_0001” is not a MeLo tensor" },
};

static gsize
n_edits (const Misfit *misfit)
{
  gsize n = 0;
  while (n < G_N_ELEMENTS (misfit->edits) && misfit->edits[n].name != NULL)
    n++;
  return n;
}

static void
test_misfit (gconstpointer data)
{
  const Misfit *misfit = data;
  g_autoptr (FoveaVit) vit = load_model (misfit->model);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = NULL;
  if (misfit->file != NULL)
    {
      g_autofree char *source = adapter_path (misfit->fixture);
      path = g_build_filename (dir, misfit->file, NULL);
      write_edited (source, path, misfit->edits, n_edits (misfit));
    }
  else
    {
      const char *const members[] = { misfit->key, misfit->value, NULL };
      path = write_peft (dir, misfit->fixture, misfit->test, members,
                         misfit->edits, n_edits (misfit));
    }

  GError *error = NULL;
  FoveaLora *lora = fovea_adapter_load (path, vit, NULL, &error);
  g_assert_null (lora);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  g_test_message ("%s", error->message);
  if (strstr (error->message, misfit->expected) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, misfit->expected);
  g_error_free (error);
  fovea_test_rmdir (dir);
}

/* The fixture adapters with F16 and BF16 tensors: each value is the
 * rounded F32 one, and the logits stay near PyTorch's. */
static void
write_converted (const char *src, const char *dst, FoveaDType dtype)
{
  GError *error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (src, &error);
  g_assert_no_error (error);
  guint n = fovea_safetensors_get_n_tensors (st);
  g_autofree FoveaTensorView *views = g_new (FoveaTensorView, n);
  g_autoptr (GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      views[i] = *fovea_safetensors_get_nth (st, i);
      const float *values = views[i].data;
      guint16 *half = g_new (guint16, views[i].n_elements);
      for (gsize k = 0; k < views[i].n_elements; k++)
        half[k] = dtype == FOVEA_DTYPE_F16 ? fovea_f32_to_f16 (values[k]) : fovea_f32_to_bf16 (values[k]);
      g_ptr_array_add (buffers, half);
      views[i].dtype = dtype;
      views[i].data = half;
      views[i].n_bytes = views[i].n_elements * 2;
    }
  g_assert_true (fovea_safetensors_write (dst, views, n, NULL, &error));
  g_assert_no_error (error);
}

static void
test_half_precision (void)
{
  g_autoptr (FoveaVit) vit = load_model ("tiny-token");
  g_autofree char *source = adapter_path ("melo-tiny_lora_4_8.safetensors");
  g_autoptr (FoveaLora) reference = load_adapter (source, vit, 0);
  g_autofree char *dir = fovea_test_mkdtemp ();
  Case c;
  case_open (&c, "tiny-token-melo");
  g_autoptr (FoveaVitRun) run = new_run (vit, &c);
  for (int half = 0; half < 2; half++)
    {
      FoveaDType dtype = half ? FOVEA_DTYPE_BF16 : FOVEA_DTYPE_F16;
      g_autofree char *path = g_build_filename (dir, half ? "bf16_lora_4_8.safetensors"
                                                          : "f16_lora_4_8.safetensors", NULL);
      write_converted (source, path, dtype);
      g_autoptr (FoveaLora) lora = load_adapter (path, vit, 0);
      const FoveaLoraUpdate *got = &fovea_lora_slot (lora, 1, FOVEA_LORA_QKV)->updates[1];
      const FoveaLoraUpdate *want = &fovea_lora_slot (reference, 1, FOVEA_LORA_QKV)->updates[1];
      for (int k = 0; k < want->rank * want->in_features; k++)
        {
          /* within half a unit in the last place of 11 (F16) or 8 (BF16) bits */
          double ulp = ldexp (fabs (want->a[k]), half ? -8 : -11);
          g_assert_cmpfloat (fabs (got->a[k] - want->a[k]), <=, ulp + 1e-7);
        }
      /* Rounding the adapter moves the logits by about its precision. */
      assert_logits_match (run, &c, lora, half ? 2e-2 : 4e-3);
    }
  fovea_safetensors_unref (c.st);
  fovea_test_rmdir (dir);
}

/* A LoRA on the head (target_modules "head") equals the same update saved
 * as a merged head in modules_to_save: W + s·B·A, computed here in double. */
static void
test_head_lora (void)
{
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  g_autofree char *dir = fovea_test_mkdtemp ();
  static const TensorEdit head_lora[] = {
    { "base_model.model.head.*", 0, { 0 } },
    { "base_model.model.head.lora_A.weight", 2, { 4, 96 } },
    { "base_model.model.head.lora_B.weight", 2, { 4, 4 } },
  };
  static const char *const members[] = {
    "target_modules", "[\"qkv\", \"fc1\", \"head\"]", "modules_to_save", "null", NULL
  };
  g_autofree char *lora_dir = write_peft (dir, "peft-qkv-fc1", "head-lora", members,
                                          head_lora, G_N_ELEMENTS (head_lora));
  g_autoptr (FoveaLora) lora = load_adapter (lora_dir, vit, 0);

  /* the base head, read from the model file */
  g_autofree char *model_dir = fovea_test_fixture_path ("vit/models/h12-avg/model.safetensors");
  g_autoptr (FoveaSafetensors) model = fovea_safetensors_open (model_dir, NULL);
  const gint64 w_shape[2] = { 4, 96 }, b_shape[1] = { 4 };
  const float *w = fovea_safetensors_get_f32 (model, "head.weight", 2, w_shape, NULL);
  const float *bias = fovea_safetensors_get_f32 (model, "head.bias", 1, b_shape, NULL);
  g_assert_nonnull (w);
  g_assert_nonnull (bias);
  g_assert_cmpint (lora->head_classes, ==, 4);
  for (int c = 0; c < 4; c++)
    {
      g_assert_cmpfloat (lora->head_bias[c], ==, bias[c]);
      for (int d = 0; d < 96; d++)
        {
          /* write_edited fills A and B with 0.01·(i mod 17); scale 6 / 4 */
          double sum = 0;
          for (int k = 0; k < 4; k++)
            sum += 0.01 * ((c * 4 + k) % 17) * 0.01 * ((k * 96 + d) % 17);
          g_assert_cmpfloat_with_epsilon (lora->head_weight[c * 96 + d], w[c * 96 + d] + 1.5 * sum, 1e-6);
        }
    }
  fovea_test_rmdir (dir);
}

/* fovea_vit_check_lora refuses an adapter built for another backbone. */
static void
test_check (void)
{
  g_autoptr (FoveaVit) tiny = load_model ("tiny-token");
  g_autoptr (FoveaVit) h12 = load_model ("h12-avg");
  g_autoptr (FoveaLora) lora = load_fixture_adapter ("melo-tiny_lora_4_8.safetensors", tiny);
  GError *error = NULL;
  g_assert_false (fovea_vit_check_lora (h12, lora, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  g_assert_nonnull (strstr (error->message, "blocks.0.attn.qkv"));
  g_clear_error (&error);

  g_autoptr (FoveaLora) deeper = fovea_lora_new ("deeper", 3);
  g_assert_false (fovea_vit_check_lora (tiny, deeper, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  g_clear_error (&error);

  FoveaLoraSlot *slot = &lora->slots[1 * FOVEA_LORA_N_TARGETS + FOVEA_LORA_QKV];
  slot->updates[1].out_offset = 97;  /* v slice past the end of qkv */
  g_assert_false (fovea_vit_check_lora (tiny, lora, &error));
  g_assert_nonnull (strstr (error->message, "update 1 of blocks.1.attn.qkv"));
  g_clear_error (&error);
  slot->updates[1].out_offset = 96;
  g_assert_true (fovea_vit_check_lora (tiny, lora, &error));
  g_assert_no_error (error);
}

/* json-glib recurses: a deeply nested adapter_config.json must be refused
 * by the strict pre-check, not overflow the stack. */
static void
test_peft_config_deep_nesting (void)
{
  g_autoptr (FoveaVit) vit = load_model ("h12-avg");
  const int depth = 200000;
  GString *json = g_string_new ("{\"r\": ");
  for (int i = 0; i < depth; i++)
    g_string_append_c (json, '[');
  for (int i = 0; i < depth; i++)
    g_string_append_c (json, ']');
  g_string_append_c (json, '}');

  g_autofree char *dir = fovea_test_fixture_path ("vit/adapters/peft-qkv-fc1");
  g_autofree char *weights_path = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);

  FoveaLora *lora = fovea_adapter_load_peft_data (json->str, (gssize) json->len, weights,
                                                  "deep", vit, &error);
  g_assert_null (lora);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  g_assert_nonnull (strstr (error->message, "adapter_config.json"));
  g_string_free (json, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/adapter/peft/qkv-fc1", test_peft_qkv_fc1);
  g_test_add_func ("/adapter/peft/rslora-regex", test_peft_rslora_regex);
  g_test_add_func ("/adapter/peft/layers-rank", test_peft_layers_rank);
  g_test_add_func ("/adapter/peft/head-lora", test_head_lora);
  g_test_add_func ("/adapter/melo/structure", test_melo);
  g_test_add_func ("/adapter/melo/scale", test_melo_scale);
  g_test_add_func ("/adapter/parity", test_parity);
  g_test_add_func ("/adapter/many", test_many);
  g_test_add_func ("/adapter/half-precision", test_half_precision);
  g_test_add_func ("/adapter/check", test_check);
  g_test_add_func ("/adapter/peft/config-deep-nesting", test_peft_config_deep_nesting);
  for (gsize i = 0; i < G_N_ELEMENTS (misfits); i++)
    {
      g_autofree char *name = g_strconcat ("/adapter/misfit/", misfits[i].test, NULL);
      g_test_add_data_func (name, &misfits[i], test_misfit);
    }
  return g_test_run ();
}
