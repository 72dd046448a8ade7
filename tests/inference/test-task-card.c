/* test-task-card.c: the task card parser (every field, every error naming
 * its field) and the clinical reading of outputs (softmax and argmax,
 * grades from thresholds, referral, uncalibrated results). */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-task-card.h"
#include "fovea-test-common.h"

static FoveaTaskCard *
load_fixture_card (const char *name)
{
  g_autofree char *relative = g_build_filename ("cards", name, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (card);
  return card;
}

static void
test_dr_grading_card (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("dr-grading.json");
  const char *grades[] = { "No DR", "Mild NPDR", "Moderate NPDR", "Severe NPDR", "PDR", NULL };
  const double thresholds[] = { 0.5, 1.5, 2.5, 3.5 };

  g_assert_cmpstr (card->name, ==, "dr-grading");
  g_assert_cmpstr (card->title, ==, "Diabetic retinopathy grade (ICDR)");
  g_assert_cmpint (card->kind, ==, FOVEA_TASK_GRADING_REGRESSION);
  g_assert_cmpint (card->modality, ==, FOVEA_MODALITY_FUNDUS);
  g_assert_true (g_strv_equal ((const char *const *) card->labels, grades));
  g_assert_cmpuint (card->thresholds->len, ==, G_N_ELEMENTS (thresholds));
  for (guint i = 0; i < G_N_ELEMENTS (thresholds); i++)
    g_assert_cmpfloat (g_array_index (card->thresholds, double, i), ==, thresholds[i]);
  g_assert_cmpint (card->referral_min_grade, ==, 2);
  g_assert_null (card->referral_labels);
  g_assert_cmpstr (card->referral_rule, ==, "grade >= 2 (moderate NPDR or worse)");

  g_assert_true (card->fundus_crop);
  g_assert_cmpint (card->input_height, ==, 224);
  g_assert_cmpint (card->input_width, ==, 224);
  g_assert_true (card->has_interpolation);
  g_assert_cmpint (card->interpolation, ==, FOVEA_RESIZE_BICUBIC);
  g_assert_cmpfloat (card->crop_pct, ==, 0);
  g_assert_true (card->has_normalisation);
  g_assert_cmpfloat (card->mean[0], ==, 0.485f);
  g_assert_cmpfloat (card->std[2], ==, 0.225f);

  g_assert_cmpstr (card->training_data, ==, "RetinaMNIST train (1080 fundus images, 5 ICDR grades)");
  g_assert_cmpuint (card->metrics->len, ==, 2);
  FoveaTaskMetric *qwk = card->metrics->pdata[0];
  g_assert_cmpstr (qwk->name, ==, "qwk");
  g_assert_cmpfloat (qwk->value, ==, 0.61);
  g_assert_cmpstr (qwk->split, ==, "RetinaMNIST val (120 images)");
  g_assert_cmpstr (card->sha256, ==, "0f3c7a9e5b1d2c4f6a8b0e2d4c6f8a1b3d5e7f9a0c2e4b6d8f1a3c5e7b9d0f2a");
  g_assert_true (g_str_has_prefix (card->intended_use, "Research on DR grading"));
  g_assert_true (card->research_use_only);
}

static void
test_skin_lesion_card (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("skin-lesion.json");
  const char *classes[] = { "MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC", NULL };
  const char *referred[] = { "MEL", "BCC", NULL };

  g_assert_cmpstr (card->name, ==, "skin-lesion");
  g_assert_cmpint (card->kind, ==, FOVEA_TASK_CLASSIFICATION);
  g_assert_cmpint (card->modality, ==, FOVEA_MODALITY_SKIN);
  g_assert_true (g_strv_equal ((const char *const *) card->labels, classes));
  g_assert_null (card->thresholds);
  g_assert_cmpint (card->referral_min_grade, ==, -1);
  g_assert_true (g_strv_equal ((const char *const *) card->referral_labels, referred));
  g_assert_cmpstr (fovea_task_card_label_title (card, 0), ==, "Melanoma");
  g_assert_cmpstr (fovea_task_card_label_title (card, 6), ==, "Vascular lesion");
  g_assert_false (card->fundus_crop);
  g_assert_cmpfloat (card->crop_pct, ==, 0.9);
  g_assert_false (card->has_normalisation);
  g_assert_null (card->sha256);
  g_assert_cmpuint (card->metrics->len, ==, 1);
  g_assert_true (card->research_use_only);
}

/* The smallest valid card: optional members absent take their defaults. */
static void
test_minimal_card (void)
{
  const char *json =
    "{\"schema_version\": 1, \"name\": \"octa-quality\", \"kind\": \"classification\","
    " \"modality\": \"OCTA\", \"labels\": [\"good\", \"poor\"],"
    " \"provenance\": {\"training_data\": \"none\", \"sha256\":"
    "   \"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\","
    "   \"notes\": {\"anything\": [1, 2]}},"
    " \"intended_use\": \"Tests.\", \"research_use_only\": false}";
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (card->title, ==, "octa-quality");
  g_assert_cmpint (card->modality, ==, FOVEA_MODALITY_OCTA);
  g_assert_null (card->referral_rule);
  g_assert_null (card->referral_labels);
  g_assert_cmpint (card->referral_min_grade, ==, -1);
  g_assert_false (card->fundus_crop);
  g_assert_cmpint (card->input_height, ==, 0);
  g_assert_false (card->has_interpolation);
  g_assert_false (card->has_normalisation);
  g_assert_cmpuint (card->metrics->len, ==, 0);
  g_assert_cmpstr (card->sha256, ==, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  g_assert_false (card->research_use_only);
}

typedef struct {
  const char *file;
  const char *field;
} InvalidFile;

static void
test_invalid_files (void)
{
  const InvalidFile cases[] = {
    { "invalid-unsorted-thresholds.json", "“thresholds”" },
    { "invalid-no-research-flag.json", "“research_use_only”" },
    { "invalid-label-count.json", "“labels”" },
    { "invalid-kind.json", "“kind”" },
    { "invalid-type.json", "“preprocessing.input_size”" },
    { "invalid-label-titles.json", "“label_titles”" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *relative = g_build_filename ("cards", cases[i].file, NULL);
      g_autofree char *path = fovea_test_fixture_path (relative);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (path, &error);
      g_assert_null (card);
      g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].file));
      g_assert_nonnull (strstr (error->message, cases[i].field));
    }

  g_autoptr (GError) error = NULL;
  g_assert_null (fovea_task_card_load_file ("/nonexistent/task_card.json", &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/task_card.json"));
  g_clear_error (&error);
  g_assert_null (fovea_task_card_load_data ("{\"schema_version\": 1,", -1, &error));
  g_assert_nonnull (strstr (error->message, "not valid JSON"));
  g_clear_error (&error);
  g_assert_null (fovea_task_card_load_data ("[1, 2]", -1, &error));
  g_assert_nonnull (strstr (error->message, "JSON object"));
  g_clear_error (&error);

  /* Nesting deep enough to overflow a recursive parser's stack is refused
   * before parsing. */
  g_autoptr (GString) deep = g_string_new ("{\"provenance\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_null (fovea_task_card_load_data (deep->str, (gssize) deep->len, &error));
  g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (fovea_task_card_load_data ("{\"name\": \"\xff\"}", -1, &error));
  g_assert_nonnull (strstr (error->message, "UTF-8"));
}

typedef struct {
  const char *base;   /* fixture card the change is made to */
  const char *path;   /* dotted member path */
  const char *value;  /* JSON, or NULL to remove the member */
  const char *field;  /* the field the error must name */
} Mutation;

static const Mutation mutations[] = {
  { "dr-grading.json", "schema_version", "2", "schema_version" },
  { "dr-grading.json", "schema_version", "\"1\"", "schema_version" },
  { "dr-grading.json", "name", NULL, "name" },
  { "dr-grading.json", "name", "\"\"", "name" },
  { "dr-grading.json", "title", "3", "title" },
  { "dr-grading.json", "kind", "\"regression\"", "kind" },
  { "dr-grading.json", "kind", "null", "kind" },
  { "dr-grading.json", "modality", "\"xray\"", "modality" },
  { "dr-grading.json", "modality", "\"unknown\"", "modality" },
  { "dr-grading.json", "labels", "[]", "labels" },
  { "dr-grading.json", "labels", "\"No DR\"", "labels" },
  { "dr-grading.json", "labels", "[\"a\", \"a\", \"b\", \"c\", \"d\"]", "labels[1]" },
  { "dr-grading.json", "labels", "[\"a\", 2, \"b\", \"c\", \"d\"]", "labels[1]" },
  { "dr-grading.json", "labels", "[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]", "labels" },
  { "dr-grading.json", "thresholds", NULL, "thresholds" },
  { "dr-grading.json", "thresholds", "[0.5, 1.5, 1.5, 3.5]", "thresholds" },
  { "dr-grading.json", "thresholds", "[0.5, \"1.5\", 2.5, 3.5]", "thresholds[1]" },
  { "dr-grading.json", "referral", "[]", "referral" },
  { "dr-grading.json", "referral.rule", NULL, "referral.rule" },
  { "dr-grading.json", "referral.min_grade", NULL, "referral.min_grade" },
  { "dr-grading.json", "referral.min_grade", "5", "referral.min_grade" },
  { "dr-grading.json", "referral.min_grade", "-1", "referral.min_grade" },
  { "dr-grading.json", "referral.min_grade", "2.5", "referral.min_grade" },
  { "dr-grading.json", "referral.labels", "[\"PDR\"]", "referral.labels" },
  { "dr-grading.json", "referral.when", "1", "referral.when" },
  { "dr-grading.json", "preprocessing", "true", "preprocessing" },
  { "dr-grading.json", "preprocessing.fundus_crop", "1", "preprocessing.fundus_crop" },
  { "dr-grading.json", "preprocessing.input_size", "[224]", "preprocessing.input_size" },
  { "dr-grading.json", "preprocessing.input_size", "[224, 0]", "preprocessing.input_size[1]" },
  { "dr-grading.json", "preprocessing.input_size", "[224, 22.5]", "preprocessing.input_size[1]" },
  { "dr-grading.json", "preprocessing.input_size", "[224, 1e12]", "preprocessing.input_size[1]" },
  { "dr-grading.json", "preprocessing.interpolation", "\"nearest\"", "preprocessing.interpolation" },
  { "dr-grading.json", "preprocessing.mean", "[0.5, 0.5]", "preprocessing.mean" },
  { "dr-grading.json", "preprocessing.mean", NULL, "preprocessing.mean" },
  { "dr-grading.json", "preprocessing.std", NULL, "preprocessing.std" },
  { "dr-grading.json", "preprocessing.std", "[0.2, 0, 0.2]", "preprocessing.std[1]" },
  { "dr-grading.json", "preprocessing.crop_pct", "1.2", "preprocessing.crop_pct" },
  { "dr-grading.json", "preprocessing.crop_pct", "0", "preprocessing.crop_pct" },
  { "dr-grading.json", "preprocessing.resize", "256", "preprocessing.resize" },
  { "dr-grading.json", "provenance", NULL, "provenance" },
  { "dr-grading.json", "provenance.training_data", NULL, "provenance.training_data" },
  { "dr-grading.json", "provenance.metrics", "{}", "provenance.metrics" },
  { "dr-grading.json", "provenance.metrics", "[3]", "provenance.metrics[0]" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": \"high\", \"split\": \"val\"}]", "provenance.metrics[0].value" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": 0.5}]", "provenance.metrics[0].split" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": 0.5, \"split\": \"val\", \"n\": 3}]",
    "provenance.metrics[0].n" },
  { "dr-grading.json", "provenance.sha256", "\"abc\"", "provenance.sha256" },
  { "dr-grading.json", "provenance.sha256",
    "\"zz3c7a9e5b1d2c4f6a8b0e2d4c6f8a1b3d5e7f9a0c2e4b6d8f1a3c5e7b9d0f2a\"", "provenance.sha256" },
  { "dr-grading.json", "intended_use", NULL, "intended_use" },
  { "dr-grading.json", "research_use_only", NULL, "research_use_only" },
  { "dr-grading.json", "research_use_only", "1", "research_use_only" },
  { "dr-grading.json", "reserch_use_only", "true", "reserch_use_only" },
  { "skin-lesion.json", "thresholds", "[0.5]", "thresholds" },
  { "skin-lesion.json", "labels", "[\"MEL\"]", "labels" },
  { "skin-lesion.json", "referral.labels", "[\"MEL\", \"SCC\"]", "referral.labels[1]" },
  { "skin-lesion.json", "referral.labels", NULL, "referral.labels" },
  { "skin-lesion.json", "referral.min_grade", "1", "referral.min_grade" },
  { "skin-lesion.json", "preprocessing.fundus_crop", "true", "preprocessing.fundus_crop" },
  { "dr-grading.json", "ordinal", "true", "ordinal" },
  { "skin-lesion.json", "ordinal", "1", "ordinal" },
  { "dr-grading.json", "referral.min_probability", "0.3", "referral.min_probability" },
  { "skin-lesion.json", "referral.min_probability", "1.5", "referral.min_probability" },
  { "skin-lesion.json", "referral.min_probability", "0", "referral.min_probability" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": 0.5, \"split\": \"test\", \"ci95\": [0.6, 0.7]}]",
    "provenance.metrics[0].ci95" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": 0.5, \"split\": \"test\", \"ci95\": [0.4]}]",
    "provenance.metrics[0].ci95" },
  { "dr-grading.json", "provenance.metrics",
    "[{\"name\": \"qwk\", \"value\": 0.5, \"split\": \"test\", \"held_out\": 1}]",
    "provenance.metrics[0].held_out" },
  /* Issue 15, items 8 and 10: a name becomes part of file names; text is
   * shown to clinicians, so nothing may hide or reorder it. */
  { "dr-grading.json", "name", "\"x/../../escaped\"", "name" },
  { "dr-grading.json", "name", "\"a\\\\b\"", "name" },
  { "dr-grading.json", "name", "\"..\"", "name" },
  { "dr-grading.json", "title", "\"DR \\u202egnidarg\"", "title" },
  { "dr-grading.json", "labels", "[\"a\\u0007\", \"b\", \"c\", \"d\", \"e\"]", "labels[0]" },
  { "dr-grading.json", "intended_use", "\"line one\\nline two\"", "intended_use" },
  { "dr-grading.json", "referral.rule", "\"grade \\u2066>= 2\"", "referral.rule" },
  { "dr-grading.json", "provenance.training_data", "\"\\u0085\"", "provenance.training_data" },
};

/* The base card with the mutation applied, as JSON text. */
static char *
mutate (const Mutation *m)
{
  g_autofree char *relative = g_build_filename ("cards", m->base, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  JsonObject *object = json_node_get_object (json_parser_get_root (parser));

  g_auto (GStrv) parts = g_strsplit (m->path, ".", -1);
  guint n = g_strv_length (parts);
  for (guint i = 0; i + 1 < n; i++)
    object = json_object_get_object_member (object, parts[i]);
  if (m->value == NULL)
    json_object_remove_member (object, parts[n - 1]);
  else
    json_object_set_member (object, parts[n - 1], json_from_string (m->value, NULL));
  return json_to_string (json_parser_get_root (parser), FALSE);
}

static void
test_field_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (mutations); i++)
    {
      const Mutation *m = &mutations[i];
      g_autofree char *json = mutate (m);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json, -1, &error);
      g_test_message ("%s %s = %s: %s", m->base, m->path, m->value ? m->value : "(removed)",
                      error ? error->message : "accepted");
      g_assert_null (card);
      g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
      g_autofree char *quoted = g_strdup_printf ("“%s”", m->field);
      g_assert_nonnull (strstr (error->message, quoted));
    }
}

/* json-glib ends a string at \u0000 ("nul\u0000name" would become
 * "nul"): a card holding one is refused, whichever field. */
static void
test_nul_refused (void)
{
  g_autofree char *relative = g_build_filename ("cards", "dr-grading.json", NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  const char *fields[] = { "\"dr-grading\"", "\"Research on DR" };
  const char *nul[] = { "\"nul\\u0000name\"", "\"Research\\u0000 on DR" };
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autoptr (GString) json = g_string_new (text);
      g_assert_cmpuint (g_string_replace (json, fields[i], nul[i], 1), ==, 1);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json->str, -1, &error);
      g_assert_null (card);
      g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "NUL"));
    }
  /* An escaped backslash before "u0000" is text, not a NUL. */
  g_autoptr (GString) json = g_string_new (text);
  g_string_replace (json, "\"Research on DR", "\"Research \\\\u0000 on DR", 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json->str, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (card->intended_use, "\\u0000"));
}

static void
test_check_outputs (void)
{
  g_autoptr (FoveaTaskCard) skin = load_fixture_card ("skin-lesion.json");
  g_autoptr (FoveaTaskCard) dr = load_fixture_card ("dr-grading.json");
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_task_card_check_outputs (skin, 7, &error));
  g_assert_false (fovea_task_card_check_outputs (skin, 5, &error));
  g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "skin-lesion"));
  g_clear_error (&error);

  g_assert_true (fovea_task_card_check_outputs (dr, 1, &error));
  g_assert_false (fovea_task_card_check_outputs (dr, 5, &error));
  g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH);
}

static void
test_interpret_classification (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("skin-lesion.json");
  /* Large logits: a softmax without the max shift would overflow. */
  const float logits[2][7] = {
    { 100.0f, 101.5f, 99.0f, -3.0f, 100.25f, 0.0f, 98.0f },
    { -1.0f, 0.5f, 2.0f, 1.9f, -0.5f, 0.0f, 0.1f },
  };
  const char *expected_label[] = { "NV", "BCC" };
  const gboolean expected_referable[] = { FALSE, TRUE };

  for (guint k = 0; k < 2; k++)
    {
      /* Reference softmax in long double, computed independently. */
      long double sum = 0;
      for (int i = 0; i < 7; i++)
        sum += expl ((long double) logits[k][i] - 100.0L);
      FoveaTaskResult result;
      fovea_task_card_interpret (card, logits[k], 7, &result);
      g_assert_true (result.calibrated);
      g_assert_cmpint (result.n_outputs, ==, 7);
      g_assert_nonnull (result.probs);
      double total = 0;
      for (int i = 0; i < 7; i++)
        {
          double want = (double) (expl ((long double) logits[k][i] - 100.0L) / sum);
          g_assert_cmpfloat_with_epsilon (result.probs[i], want, 1e-6 + 1e-5 * want);
          total += result.probs[i];
        }
      g_assert_cmpfloat_with_epsilon (total, 1.0, 1e-5);
      g_assert_cmpstr (result.label, ==, expected_label[k]);
      g_assert_cmpstr (result.label, ==, card->labels[result.label_index]);
      g_assert_cmpfloat (result.score, ==, result.probs[result.label_index]);
      g_assert_true (result.has_referable);
      g_assert_cmpint (result.referable, ==, expected_referable[k]);
      fovea_task_result_clear (&result);
      g_assert_null (result.probs);
    }
}

static void
test_interpret_grading (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("dr-grading.json");
  /* Grade = number of thresholds (0.5, 1.5, 2.5, 3.5) strictly exceeded. */
  const struct { float score; int grade; gboolean referable; } cases[] = {
    { -7.0f, 0, FALSE }, { 0.5f, 0, FALSE }, { 0.51f, 1, FALSE }, { 1.5f, 1, FALSE },
    { 1.5001f, 2, TRUE }, { 2.9f, 3, TRUE }, { 3.5f, 3, TRUE }, { 40.0f, 4, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FoveaTaskResult result;
      fovea_task_card_interpret (card, &cases[i].score, 1, &result);
      g_assert_true (result.calibrated);
      g_assert_null (result.probs);
      g_assert_cmpfloat (result.score, ==, cases[i].score);
      g_assert_cmpint (result.label_index, ==, cases[i].grade);
      g_assert_cmpstr (result.label, ==, card->labels[cases[i].grade]);
      g_assert_true (result.has_referable);
      g_assert_cmpint (result.referable, ==, cases[i].referable);
      fovea_task_result_clear (&result);
    }

  /* Without a referral rule there is no referable verdict at all. */
  g_autofree char *json = mutate (&(Mutation) { "dr-grading.json", "referral", NULL, NULL });
  g_autoptr (FoveaTaskCard) no_rule = fovea_task_card_load_data (json, -1, NULL);
  g_assert_nonnull (no_rule);
  FoveaTaskResult result;
  fovea_task_card_interpret (no_rule, &cases[7].score, 1, &result);
  g_assert_cmpint (result.label_index, ==, 4);
  g_assert_false (result.has_referable);
  g_assert_false (result.referable);
  fovea_task_result_clear (&result);
}

static void
test_interpret_uncalibrated (void)
{
  const float logits[] = { 0.3f, -2.0f, 5.0f };
  FoveaTaskResult result;
  fovea_task_card_interpret (NULL, logits, 3, &result);
  g_assert_false (result.calibrated);
  g_assert_cmpint (result.n_outputs, ==, 3);
  g_assert_null (result.probs);
  g_assert_null (result.label);
  g_assert_cmpint (result.label_index, ==, -1);
  g_assert_false (result.has_referable);
  fovea_task_result_clear (&result);

  /* A card that does not fit the outputs does not label them either. */
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("skin-lesion.json");
  fovea_task_card_interpret (card, logits, 3, &result);
  g_assert_false (result.calibrated);
  g_assert_null (result.label);
  fovea_task_result_clear (&result);
}

/* A site's referral threshold replaces the card's for grading results
 * only: the card says grade >= 2; the site asks for >= 3, then >= 1. */
static void
test_apply_min_grade (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("dr-grading.json");
  const float moderate = 2.2f;  /* grade 2 with thresholds 0.5, 1.5, 2.5, 3.5 */
  FoveaTaskResult result;

  fovea_task_card_interpret (card, &moderate, 1, &result);
  g_assert_cmpint (result.label_index, ==, 2);
  g_assert_true (result.referable);

  g_assert_true (fovea_task_card_apply_min_grade (card, 3, &result));
  g_assert_true (result.has_referable);
  g_assert_false (result.referable);
  g_assert_true (fovea_task_card_apply_min_grade (card, 1, &result));
  g_assert_true (result.referable);

  /* Out of range: the card's rule stands. */
  g_assert_false (fovea_task_card_apply_min_grade (card, 0, &result));
  g_assert_false (fovea_task_card_apply_min_grade (card, 5, &result));
  g_assert_true (result.referable);
  fovea_task_result_clear (&result);

  /* Not for classification, nor without a card's calibration. */
  g_autoptr (FoveaTaskCard) skin = load_fixture_card ("skin-lesion.json");
  const float logits[7] = { 3, 0, 0, 0, 0, 0, 0 };
  fovea_task_card_interpret (skin, logits, 7, &result);
  gboolean referable = result.referable;
  g_assert_false (fovea_task_card_apply_min_grade (skin, 1, &result));
  g_assert_cmpint (result.referable, ==, referable);
  fovea_task_result_clear (&result);

  fovea_task_card_interpret (NULL, &moderate, 1, &result);
  g_assert_false (fovea_task_card_apply_min_grade (card, 1, &result));
  g_assert_false (result.has_referable);
  fovea_task_result_clear (&result);
}

/* A task runs only on its card's modality; without a card nothing is
 * claimed, so nothing is refused. */
static void
test_fits_modality (void)
{
  g_autoptr (FoveaTaskCard) fundus = load_fixture_card ("dr-grading.json");
  g_autoptr (FoveaTaskCard) skin = load_fixture_card ("skin-lesion.json");

  g_assert_true (fovea_task_card_fits_modality (fundus, FOVEA_MODALITY_FUNDUS));
  g_assert_false (fovea_task_card_fits_modality (fundus, FOVEA_MODALITY_OCTA));
  g_assert_false (fovea_task_card_fits_modality (fundus, FOVEA_MODALITY_SKIN));
  g_assert_true (fovea_task_card_fits_modality (skin, FOVEA_MODALITY_SKIN));
  g_assert_false (fovea_task_card_fits_modality (skin, FOVEA_MODALITY_FUNDUS));
  g_assert_true (fovea_task_card_fits_modality (NULL, FOVEA_MODALITY_OCTA));
}

/* Grades learnt as classes (ordinal), referral from a grade on, on the
 * summed probability of the referable grades at an operating point; and
 * held-out metrics, which are what makes a card validated. */
static void
test_ordinal_operating_point (void)
{
  const char *json =
    "{\"schema_version\": 1, \"name\": \"dr\", \"kind\": \"classification\", \"ordinal\": true,"
    " \"modality\": \"fundus\", \"labels\": [\"g0\", \"g1\", \"g2\", \"g3\", \"g4\"],"
    " \"referral\": {\"rule\": \"grade >= 2\", \"min_grade\": 2, \"min_probability\": 0.3},"
    " \"provenance\": {\"training_data\": \"x\", \"metrics\": ["
    "   {\"name\": \"qwk\", \"value\": 0.8, \"split\": \"val\"}]},"
    " \"intended_use\": \"research\", \"research_use_only\": true}";
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (card->ordinal);
  g_assert_cmpint (card->referral_min_grade, ==, 2);
  g_assert_cmpfloat (card->referral_min_probability, ==, 0.3);
  g_assert_false (fovea_task_card_is_validated (card));

  /* Grade 0 is the most likely, but grades 2–4 together hold ~0.36. */
  const float logits[5] = { 1.0f, 0.2f, 0.0f, -0.5f, -0.4f };
  FoveaTaskResult result;
  fovea_task_card_interpret (card, logits, 5, &result);
  g_assert_cmpint (result.label_index, ==, 0);
  double p = result.probs[2] + result.probs[3] + result.probs[4];
  g_assert_cmpfloat_with_epsilon (result.referral_score, p, 1e-6);
  g_assert_cmpfloat (p, >, 0.3);
  g_assert_true (result.has_referable);
  g_assert_true (result.referable);
  fovea_task_result_clear (&result);

  /* Without the operating point the predicted grade decides. */
  card->referral_min_probability = 0;
  fovea_task_card_interpret (card, logits, 5, &result);
  g_assert_false (result.referable);
  fovea_task_result_clear (&result);

  g_autoptr (GString) text = g_string_new (json);
  g_string_replace (text, "\"split\": \"val\"", "\"split\": \"test\", \"held_out\": true, \"ci95\": [0.7, 0.9]", 1);
  g_autoptr (FoveaTaskCard) held_out = fovea_task_card_load_data (text->str, -1, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_task_card_is_validated (held_out));
  FoveaTaskMetric *qwk = held_out->metrics->pdata[0];
  g_assert_true (qwk->held_out);
  g_assert_cmpfloat (qwk->ci_low, ==, 0.7);
  g_assert_cmpfloat (qwk->ci_high, ==, 0.9);

  /* Grading: the referral score is the regression output; no metric on
   * held-out data, not validated. */
  g_autoptr (FoveaTaskCard) dr = load_fixture_card ("dr-grading.json");
  const float score = 2.7f;
  fovea_task_card_interpret (dr, &score, 1, &result);
  g_assert_cmpfloat (result.referral_score, ==, score);
  fovea_task_result_clear (&result);
  g_assert_false (fovea_task_card_is_validated (dr));
  g_assert_true (isnan (((FoveaTaskMetric *) dr->metrics->pdata[0])->ci_low));
}

/* A segmentation card: its colours and per-label thresholds; its outputs
 * are maps (one per label), never one reading per image. */
static void
test_segmentation_card (void)
{
  g_autoptr (FoveaTaskCard) card = load_fixture_card ("lesions-segmentation.json");
  const double thresholds[] = { 0.3, 0.5, 0.5, 0.45 };
  double rgb[3];

  g_assert_cmpint (card->kind, ==, FOVEA_TASK_SEGMENTATION);
  g_assert_cmpuint (g_strv_length (card->labels), ==, 4);
  g_assert_cmpstr (card->colours[1], ==, "#A00000");
  g_assert_cmpuint (card->label_thresholds->len, ==, 4);
  g_assert_cmpint (card->fov_diameter, ==, 1200);
  for (guint i = 0; i < G_N_ELEMENTS (thresholds); i++)
    g_assert_cmpfloat (g_array_index (card->label_thresholds, double, i), ==, thresholds[i]);
  fovea_task_card_label_colour (card, 2, rgb);
  g_assert_cmpfloat (rgb[0], ==, 1.0);
  g_assert_cmpfloat (fabs (rgb[1] - 215 / 255.0), <, 1e-12);
  g_assert_cmpfloat (rgb[2], ==, 0.0);

  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_task_card_check_outputs (card, 4, &error));
  g_assert_false (fovea_task_card_check_outputs (card, 1, &error));
  g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_MISMATCH);
  g_clear_error (&error);

  float logits[4] = { 1, 2, 3, 4 };
  FoveaTaskResult result;
  fovea_task_card_interpret (card, logits, 4, &result);
  g_assert_false (result.calibrated);
  g_assert_null (result.label);
  fovea_task_result_clear (&result);

  /* One threshold for every label, and the default. */
  static const char *const common =
    "{\"schema_version\": 1, \"name\": \"vessels\", \"kind\": \"segmentation\", "
    "\"modality\": \"fundus\", \"labels\": [\"vessels\"], \"colours\": [\"#00ff00\"], "
    "%s\"provenance\": {\"training_data\": \"none\"}, "
    "\"intended_use\": \"Tests.\", \"research_use_only\": true}";
  g_autofree char *single = g_strdup_printf (common, "\"threshold\": 0.4, ");
  g_autofree char *plain = g_strdup_printf (common, "");
  g_autoptr (FoveaTaskCard) one = fovea_task_card_load_data (single, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (g_array_index (one->label_thresholds, double, 0), ==, 0.4);
  g_autoptr (FoveaTaskCard) defaulted = fovea_task_card_load_data (plain, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (g_array_index (defaulted->label_thresholds, double, 0), ==, 0.5);
  g_assert_cmpint (defaulted->fov_diameter, ==, 0);
}

/* role: an anomaly flagger is marked; absent or "segmentation" is the
 * ordinary segmentation model; anything else names the field and what it
 * may be. */
static void
test_segmentation_role (void)
{
  static const char *const common =
    "{\"schema_version\": 1, \"name\": \"lesionpaste\", \"kind\": \"segmentation\", "
    "\"modality\": \"fundus\", \"labels\": [\"lesion\"], \"colours\": [\"#ff00ff\"], "
    "%s\"provenance\": {\"training_data\": \"none\"}, "
    "\"intended_use\": \"Tests.\", \"research_use_only\": true}";
  g_autofree char *anomaly = g_strdup_printf (common, "\"role\": \"anomaly\", ");
  g_autofree char *plain = g_strdup_printf (common, "\"role\": \"segmentation\", ");
  g_autofree char *absent = g_strdup_printf (common, "");
  g_autofree char *wrong = g_strdup_printf (common, "\"role\": \"Anomaly\", ");
  g_autoptr (GError) error = NULL;

  g_autoptr (FoveaTaskCard) flagger = fovea_task_card_load_data (anomaly, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (flagger->role, ==, FOVEA_SEG_ROLE_ANOMALY);
  g_autoptr (FoveaTaskCard) named = fovea_task_card_load_data (plain, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (named->role, ==, FOVEA_SEG_ROLE_SEGMENTATION);
  g_autoptr (FoveaTaskCard) defaulted = fovea_task_card_load_data (absent, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (defaulted->role, ==, FOVEA_SEG_ROLE_SEGMENTATION);

  g_autoptr (FoveaTaskCard) refused = fovea_task_card_load_data (wrong, -1, &error);
  g_assert_null (refused);
  g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
  fovea_test_assert_contains (error->message, "“role”");
  fovea_test_assert_contains (error->message, "“Anomaly”");
  fovea_test_assert_contains (error->message, "segmentation or anomaly");
}

/* Each fault of a segmentation card names its field. */
static void
test_segmentation_invalid (void)
{
  static const char *const head =
    "{\"schema_version\": 1, \"name\": \"od\", \"modality\": \"fundus\", "
    "\"provenance\": {\"training_data\": \"none\"}, "
    "\"intended_use\": \"Tests.\", \"research_use_only\": true, ";
  static const struct { const char *rest, *field; } cases[] = {
    { "\"kind\": \"segmentation\", \"labels\": [\"optic_disc\"]}", "“colours”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"optic_disc\"], \"colours\": [\"red\"]}",
      "“colours[0]”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"optic_disc\"], \"colours\": [\"#12345g\"]}",
      "“colours[0]”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\", \"b\"], \"colours\": [\"#123456\"]}",
      "“colours”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"threshold\": 1.0}", "“threshold”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\", \"b\"], "
      "\"colours\": [\"#123456\", \"#654321\"], \"threshold\": [0.5]}", "“threshold”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"threshold\": \"high\"}", "“threshold”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"thresholds\": [0.5]}", "“thresholds”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"ordinal\": true}", "“ordinal”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"referral\": {\"rule\": \"any\", \"labels\": [\"a\"]}}", "“referral”" },
    { "\"kind\": \"segmentation\", \"labels\": [], \"colours\": []}", "“labels”" },
    { "\"kind\": \"classification\", \"labels\": [\"a\", \"b\"], "
      "\"colours\": [\"#123456\", \"#654321\"]}", "“colours”" },
    { "\"kind\": \"classification\", \"labels\": [\"a\", \"b\"], \"threshold\": 0.5}",
      "“threshold”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"fov_diameter\": 8}", "“fov_diameter”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"fov_diameter\": 540.5}", "“fov_diameter”" },
    { "\"kind\": \"classification\", \"labels\": [\"a\", \"b\"], \"fov_diameter\": 540}",
      "“fov_diameter”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"role\": \"flagger\"}", "“role”" },
    { "\"kind\": \"segmentation\", \"labels\": [\"a\"], \"colours\": [\"#123456\"], "
      "\"role\": true}", "“role”" },
    { "\"kind\": \"classification\", \"labels\": [\"a\", \"b\"], \"role\": \"anomaly\"}",
      "“role”" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strconcat (head, cases[i].rest, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaTaskCard) card = fovea_task_card_load_data (json, -1, &error);
      g_assert_null (card);
      g_assert_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID);
      if (strstr (error->message, cases[i].field) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": “%s” does not name %s", i, error->message,
                 cases[i].field);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/task-card/dr-grading", test_dr_grading_card);
  g_test_add_func ("/task-card/skin-lesion", test_skin_lesion_card);
  g_test_add_func ("/task-card/minimal", test_minimal_card);
  g_test_add_func ("/task-card/invalid-files", test_invalid_files);
  g_test_add_func ("/task-card/segmentation", test_segmentation_card);
  g_test_add_func ("/task-card/segmentation-role", test_segmentation_role);
  g_test_add_func ("/task-card/segmentation-invalid", test_segmentation_invalid);
  g_test_add_func ("/task-card/field-errors", test_field_errors);
  g_test_add_func ("/task-card/nul-refused", test_nul_refused);
  g_test_add_func ("/task-card/check-outputs", test_check_outputs);
  g_test_add_func ("/task-card/interpret/classification", test_interpret_classification);
  g_test_add_func ("/task-card/interpret/grading", test_interpret_grading);
  g_test_add_func ("/task-card/interpret/uncalibrated", test_interpret_uncalibrated);
  g_test_add_func ("/task-card/interpret/site-min-grade", test_apply_min_grade);
  g_test_add_func ("/task-card/fits-modality", test_fits_modality);
  g_test_add_func ("/task-card/ordinal-operating-point", test_ordinal_operating_point);
  return g_test_run ();
}
