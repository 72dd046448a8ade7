/* test-grade-record.c: the one builder of grading records (batch CSV rows,
 * PDFs and the window's Export Report): a grading card, a classification
 * card, the card's referral rule and a site threshold, an ungradable
 * image and a task without a card. No engine: outputs are made by hand
 * and read through the card as the engine reads them. */
#include <math.h>
#include <string.h>

#include "fovea-csv-log.h"
#include "fovea-grade-record-build.h"
#include "fovea-test-common.h"

/* The figures of a card are kept to six significant digits. */
static const char grading_card[] =
  "{\"schema_version\": 1, \"name\": \"dr\", \"title\": \"DR grade\","
  " \"kind\": \"grading_regression\", \"modality\": \"fundus\","
  " \"labels\": [\"No DR\", \"Mild NPDR\", \"Moderate NPDR\", \"Severe NPDR\", \"PDR\"],"
  " \"thresholds\": [0.5, 1.5, 2.5, 3.5],"
  " \"referral\": {\"rule\": \"grade >= 2 (moderate NPDR or worse)\", \"min_grade\": 2},"
  " \"provenance\": {\"training_data\": \"RetinaMNIST train\","
  "   \"metrics\": [{\"name\": \"qwk\", \"value\": 0.612345, \"split\": \"val\"}]},"
  " \"intended_use\": \"Research on DR grading.\", \"research_use_only\": false}";

static const char classification_card[] =
  "{\"schema_version\": 1, \"name\": \"lesion\", \"title\": \"Lesion\","
  " \"kind\": \"classification\", \"modality\": \"skin\","
  " \"labels\": [\"MEL\", \"NV\", \"BCC\"],"
  " \"referral\": {\"rule\": \"melanoma or BCC predicted\", \"labels\": [\"MEL\", \"BCC\"]},"
  " \"provenance\": {\"training_data\": \"ISIC\", \"metrics\": []},"
  " \"intended_use\": \"Research.\", \"research_use_only\": true}";

static FoveaTaskCard *
load_card (const char *json)
{
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_data (json, -1, &error);

  g_assert_no_error (error);
  return card;
}

/* An output of n_rows images, each row read through card as the engine
 * reads it. */
static FoveaEngineOutput *
make_output (const FoveaTaskCard *card, const float *logits, int n_rows, int n_outputs)
{
  FoveaEngineOutput *output = g_new0 (FoveaEngineOutput, 1);

  output->batch = n_rows;
  output->n_outputs = n_outputs;
  output->logits = g_memdup2 (logits, sizeof (float) * (gsize) n_rows * n_outputs);
  output->results = g_new0 (FoveaTaskResult, n_rows);
  for (int i = 0; i < n_rows; i++)
    fovea_task_card_interpret (card, output->logits + (gsize) i * n_outputs, n_outputs,
                               &output->results[i]);
  return output;
}

static FoveaQualityReport
gradable_quality (void)
{
  FoveaQualityReport quality = { 0 };

  quality.gradable = TRUE;
  return quality;
}

static void
test_grading (void)
{
  g_autoptr (FoveaTaskCard) card = load_card (grading_card);
  const float logits[] = { 0.2f, 2.7f };   /* row 1: grade 3 */
  g_autoptr (FoveaEngineOutput) output = make_output (card, logits, 2, 1);
  FoveaQualityReport quality = gradable_quality ();
  const FoveaGradeSource source = {
    .path = "/site/P017_OD.jpg", .patient_id = "P017", .eye = FOVEA_EYE_OD,
    .modality = FOVEA_MODALITY_FUNDUS, .quality = &quality, .task_name = "dr",
    .card = card, .model_name = "vit-small", .adapter = TRUE,
    .model_sha256 = "ab12", .seconds = 0.25,
  };
  g_autoptr (FoveaGradeRecord) record = fovea_grade_record_build (&source);

  /* Before the outcome: identity, task and the card's provenance. */
  g_assert_cmpstr (record->path, ==, "/site/P017_OD.jpg");
  g_assert_cmpstr (record->patient_id, ==, "P017");
  g_assert_cmpstr (record->eye, ==, "OD");
  g_assert_cmpint (record->modality, ==, FOVEA_MODALITY_FUNDUS);
  g_assert_cmpstr (record->task, ==, "dr");
  g_assert_cmpstr (record->model_name, ==, "vit-small+dr");
  g_assert_cmpstr (record->model_sha256, ==, "ab12");
  g_assert_true (record->calibrated);
  g_assert_cmpuint (g_strv_length (record->labels), ==, 5);
  g_assert_cmpstr (record->training_data, ==, "RetinaMNIST train");
  g_assert_cmpstr (record->intended_use, ==, "Research on DR grading.");
  g_assert_false (record->research_use_only);
  g_assert_nonnull (record->metrics);
  g_assert_cmpuint (record->metrics->len, ==, 1);
  g_assert_cmpstr (record->metrics->pdata[0], ==, "qwk 0.612345 (val)");
  g_assert_cmpint (record->grade, ==, -1);
  g_assert_null (record->logits);

  fovea_grade_record_set_outcome (record, card, output, 1, 0);
  g_assert_true (record->calibrated);
  g_assert_cmpint (record->grade, ==, 3);
  g_assert_cmpstr (record->label, ==, "Severe NPDR");
  g_assert_null (record->probs);
  g_assert_true (isnan (record->confidence));
  g_assert_cmpuint (record->logits->len, ==, 1);
  g_assert_cmpfloat (g_array_index (record->logits, float, 0), ==, 2.7f);
  g_assert_true (record->has_referable);
  g_assert_true (record->referable);
  g_assert_cmpstr (record->referral_rule, ==, "grade >= 2 (moderate NPDR or worse)");
  g_assert_cmpfloat (record->seconds, ==, 0.25);
  g_assert_null (record->error);

  /* The CSV row says the same. */
  g_auto (GStrv) fields = fovea_csv_record_fields (record);
  g_assert_cmpstr (fields[7], ==, "3");
  g_assert_cmpstr (fields[8], ==, "Severe NPDR");
  g_assert_cmpstr (fields[11], ==, "grade >= 2 (moderate NPDR or worse)");
  g_assert_cmpstr (fields[12], ==, "vit-small+dr");
}

static void
test_classification (void)
{
  g_autoptr (FoveaTaskCard) card = load_card (classification_card);
  const float logits[] = { 0.1f, 0.3f, 2.0f };   /* BCC */
  g_autoptr (FoveaEngineOutput) output = make_output (card, logits, 1, 3);
  FoveaQualityReport quality = gradable_quality ();
  const FoveaGradeSource source = {
    .path = "lesion.png", .modality = FOVEA_MODALITY_SKIN, .quality = &quality,
    .task_name = "lesion", .card = card, .model_name = "vit-small",
  };
  g_autoptr (FoveaGradeRecord) record = fovea_grade_record_build (&source);

  g_assert_cmpstr (record->eye, ==, "");
  g_assert_null (record->patient_id);
  g_assert_cmpstr (record->model_name, ==, "vit-small");
  g_assert_true (record->research_use_only);
  g_assert_cmpuint (record->metrics->len, ==, 0);

  fovea_grade_record_set_outcome (record, card, output, 0, 0);
  g_assert_cmpint (record->grade, ==, -1);
  g_assert_cmpstr (record->label, ==, "BCC");
  g_assert_cmpuint (record->probs->len, ==, 3);
  float sum = 0;
  for (guint i = 0; i < record->probs->len; i++)
    sum += g_array_index (record->probs, float, i);
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
  g_assert_cmpfloat (record->confidence, ==, g_array_index (record->probs, float, 2));
  g_assert_cmpfloat (record->confidence, >, 0.5);
  g_assert_cmpuint (record->logits->len, ==, 3);
  g_assert_true (record->has_referable);
  g_assert_true (record->referable);
  g_assert_cmpstr (record->referral_rule, ==, "melanoma or BCC predicted");
}

/* A site's threshold replaces the card's rule, and the record says so in
 * the results panel's words. */
static void
test_site_threshold (void)
{
  g_autoptr (FoveaTaskCard) card = load_card (grading_card);
  const float logits[] = { 2.7f };   /* grade 3 */
  g_autoptr (FoveaEngineOutput) output = make_output (card, logits, 1, 1);
  FoveaQualityReport quality = gradable_quality ();
  const FoveaGradeSource source = {
    .path = "P1.png", .quality = &quality, .task_name = "dr", .card = card,
  };
  g_autoptr (FoveaGradeRecord) record = fovea_grade_record_build (&source);

  g_assert_true (fovea_task_card_apply_min_grade (card, 4, &output->results[0]));
  fovea_grade_record_set_outcome (record, card, output, 0, 4);
  g_assert_cmpint (record->grade, ==, 3);
  g_assert_true (record->has_referable);
  g_assert_false (record->referable);
  g_assert_cmpstr (record->referral_rule, ==,
                   "Grade 4 (PDR) or worse, the threshold set in Preferences");
  g_auto (GStrv) fields = fovea_csv_record_fields (record);
  g_assert_cmpstr (fields[9], ==, "no");
  g_assert_cmpstr (fields[11], ==, record->referral_rule);

  /* No threshold, or none the card has a grade for: the card's rule. */
  g_autofree char *own = fovea_grade_record_dup_referral_rule (card, 0);
  g_assert_cmpstr (own, ==, card->referral_rule);
  g_autofree char *beyond = fovea_grade_record_dup_referral_rule (card, 5);
  g_assert_cmpstr (beyond, ==, card->referral_rule);
}

/* Quality comes first: an ungradable image gets no outcome at all. */
static void
test_ungradable (void)
{
  g_autoptr (FoveaTaskCard) card = load_card (grading_card);
  const float logits[] = { 2.7f };
  g_autoptr (FoveaEngineOutput) output = make_output (card, logits, 1, 1);
  FoveaQualityReport quality = { .gradable = FALSE, .reasons = FOVEA_QUALITY_BLUR };
  const FoveaGradeSource source = {
    .path = "blurred.jpg", .quality = &quality, .task_name = "dr", .card = card,
  };
  g_autoptr (FoveaGradeRecord) record = fovea_grade_record_build (&source);

  fovea_grade_record_set_outcome (record, card, output, 0, 0);
  g_assert_false (record->quality.gradable);
  g_assert_cmpuint (record->quality.reasons, ==, FOVEA_QUALITY_BLUR);
  g_assert_true (record->calibrated);
  g_assert_null (record->logits);
  g_assert_null (record->label);
  g_assert_cmpint (record->grade, ==, -1);
  g_assert_false (record->has_referable);
  g_assert_null (record->referral_rule);
}

/* Without a card: raw outputs only, and research use. */
static void
test_uncalibrated (void)
{
  const float logits[] = { 0.5f, -1.0f };
  g_autoptr (FoveaEngineOutput) output = make_output (NULL, logits, 1, 2);
  FoveaQualityReport quality = gradable_quality ();
  const FoveaGradeSource source = { .path = "x.png", .quality = &quality, .model_name = "m" };
  g_autoptr (FoveaGradeRecord) record = fovea_grade_record_build (&source);

  fovea_grade_record_set_outcome (record, NULL, output, 0, 0);
  g_assert_cmpstr (record->task, ==, "backbone");
  g_assert_cmpstr (record->model_name, ==, "m");
  g_assert_false (record->calibrated);
  g_assert_true (record->research_use_only);
  g_assert_null (record->labels);
  g_assert_null (record->metrics);
  g_assert_null (record->label);
  g_assert_cmpuint (record->logits->len, ==, 2);
  g_assert_cmpfloat (g_array_index (record->logits, float, 1), ==, -1.0f);
  g_assert_false (record->has_referable);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/grade-record/grading", test_grading);
  g_test_add_func ("/grade-record/classification", test_classification);
  g_test_add_func ("/grade-record/site-threshold", test_site_threshold);
  g_test_add_func ("/grade-record/ungradable", test_ungradable);
  g_test_add_func ("/grade-record/uncalibrated", test_uncalibrated);
  return g_test_run ();
}
