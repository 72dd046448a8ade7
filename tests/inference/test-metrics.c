/* test-metrics.c: accuracy, ROC AUC, MedMNIST's macro AUC and quadratic
 * weighted kappa against the textbook definitions computed by
 * tests/scripts/make-optim-fixtures.py (pairwise AUC, kappa from the
 * confusion matrix), against a brute-force pairwise AUC written here, and
 * on cases whose answer is known by construction. */
#include <json-glib/json-glib.h>
#include <math.h>

#include "fovea-metrics.h"
#include "fovea-pixel-metrics.h"
#include "fovea-test-common.h"

/* ---- helpers ---- */

static JsonParser *
load_metrics (void)
{
  g_autofree char *path = fovea_test_fixture_path ("optim/metrics.json");
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
floats_of (JsonArray *array)
{
  gsize len = json_array_get_length (array);
  float *out = g_new (float, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    out[i] = (float) json_array_get_double_element (array, i);
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

static gboolean *
booleans_of (JsonArray *array)
{
  gsize len = json_array_get_length (array);
  gboolean *out = g_new (gboolean, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    out[i] = json_array_get_boolean_element (array, i);
  return out;
}

static guint64
next (guint64 *state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return *state >> 33;
}

/* The definition, over all pairs: O(n²), independent of the ranking. */
static double
pairwise_auc (const float *scores, const gboolean *positive, int n)
{
  double good = 0, pairs = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (positive[i] && !positive[j])
        {
          good += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
          pairs += 1;
        }
  return pairs > 0 ? good / pairs : NAN;
}

/* ---- against the fixture ---- */

static void
test_auc_reference (void)
{
  g_autoptr (JsonParser) parser = load_metrics ();
  JsonArray *cases = cases_of (parser, "auc");
  g_assert_cmpuint (json_array_get_length (cases), >=, 3);
  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      JsonArray *scores_json = json_object_get_array_member (o, "scores");
      int n = (int) json_array_get_length (scores_json);
      g_autofree float *scores = floats_of (scores_json);
      g_autofree gboolean *positive = booleans_of (json_object_get_array_member (o, "positive"));
      double auc = fovea_metric_auc (scores, positive, n);
      g_test_message ("case %u: n %d, AUC %.12f", c, n, auc);
      g_assert_cmpfloat_with_epsilon (auc, json_object_get_double_member (o, "auc"), 1e-12);
    }
}

static void
test_classify_reference (void)
{
  g_autoptr (JsonParser) parser = load_metrics ();
  JsonArray *cases = cases_of (parser, "classify");
  g_assert_cmpuint (json_array_get_length (cases), >=, 2);
  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      JsonArray *labels_json = json_object_get_array_member (o, "labels");
      int n = (int) json_array_get_length (labels_json);
      int k = (int) json_object_get_int_member (o, "n_classes");
      g_autofree float *probs = floats_of (json_object_get_array_member (o, "probs"));
      g_autofree int *labels = ints_of (labels_json);
      g_assert_cmpfloat_with_epsilon (fovea_metric_accuracy (probs, labels, n, k),
                                      json_object_get_double_member (o, "accuracy"), 1e-15);
      g_assert_cmpfloat_with_epsilon (fovea_metric_macro_auc (probs, labels, n, k),
                                      json_object_get_double_member (o, "macro_auc"), 1e-12);
    }
}

static void
test_kappa_reference (void)
{
  g_autoptr (JsonParser) parser = load_metrics ();
  JsonArray *cases = cases_of (parser, "kappa");
  g_assert_cmpuint (json_array_get_length (cases), >=, 3);
  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      JsonArray *truth_json = json_object_get_array_member (o, "truth");
      int n = (int) json_array_get_length (truth_json);
      g_autofree int *truth = ints_of (truth_json);
      g_autofree int *predicted = ints_of (json_object_get_array_member (o, "predicted"));
      double kappa = fovea_metric_quadratic_kappa (truth, predicted, n,
                                                   (int) json_object_get_int_member (o, "n_classes"));
      g_test_message ("case %u: kappa %.12f", c, kappa);
      g_assert_cmpfloat_with_epsilon (kappa, json_object_get_double_member (o, "kappa"), 1e-12);
    }
}

/* ---- AUC properties ---- */

static void
test_auc_known (void)
{
  float scores[6] = { 0.1f, 0.2f, 0.3f, 0.7f, 0.8f, 0.9f };
  gboolean high[6] = { FALSE, FALSE, FALSE, TRUE, TRUE, TRUE };
  gboolean low[6] = { TRUE, TRUE, TRUE, FALSE, FALSE, FALSE };
  g_assert_cmpfloat (fovea_metric_auc (scores, high, 6), ==, 1.0);
  g_assert_cmpfloat (fovea_metric_auc (scores, low, 6), ==, 0.0);

  float tied[6] = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f };
  g_assert_cmpfloat (fovea_metric_auc (tied, high, 6), ==, 0.5);
  /* One tie across the classes: 8 of 9 pairs right, one half. */
  float one_tie[6] = { 0.1f, 0.2f, 0.7f, 0.7f, 0.8f, 0.9f };
  g_assert_cmpfloat_with_epsilon (fovea_metric_auc (one_tie, high, 6), 8.5 / 9, 1e-15);

  gboolean none[6] = { FALSE };
  gboolean all[6] = { TRUE, TRUE, TRUE, TRUE, TRUE, TRUE };
  g_assert_true (isnan (fovea_metric_auc (scores, none, 6)));
  g_assert_true (isnan (fovea_metric_auc (scores, all, 6)));
  g_assert_true (isnan (fovea_metric_auc (NULL, NULL, 0)));
  scores[2] = NAN;
  g_assert_true (isnan (fovea_metric_auc (scores, high, 6)));
}

/* Random scores with many ties: the ranking agrees with the pairwise
 * definition, is unchanged by a strictly increasing transform and by the
 * order of the images, and flips to 1 - AUC when the scores are negated. */
static void
test_auc_random (void)
{
  enum { N = 1500 };
  g_autofree float *scores = g_new (float, N);
  g_autofree float *transformed = g_new (float, N);
  g_autofree float *negated = g_new (float, N);
  g_autofree float *shuffled = g_new (float, N);
  g_autofree gboolean *positive = g_new (gboolean, N);
  g_autofree gboolean *shuffled_positive = g_new (gboolean, N);
  guint64 rng = 99;
  for (int i = 0; i < N; i++)
    {
      positive[i] = next (&rng) % 4 == 0;
      scores[i] = (float) (next (&rng) % 40) / 8.0f + (positive[i] ? 1.0f : 0.0f);
      transformed[i] = expf (scores[i] / 2);
      negated[i] = -scores[i];
    }
  for (int i = 0; i < N; i++)
    {
      int j = (int) ((guint64) i * 7919 % N);  /* 7919 is prime to N: a permutation */
      shuffled[j] = scores[i];
      shuffled_positive[j] = positive[i];
    }

  double auc = fovea_metric_auc (scores, positive, N);
  g_test_message ("AUC %.12f", auc);
  g_assert_cmpfloat (auc, >, 0.55);
  g_assert_cmpfloat (auc, <, 0.95);
  g_assert_cmpfloat_with_epsilon (auc, pairwise_auc (scores, positive, N), 1e-12);
  g_assert_cmpfloat_with_epsilon (fovea_metric_auc (transformed, positive, N), auc, 1e-12);
  g_assert_cmpfloat_with_epsilon (fovea_metric_auc (shuffled, shuffled_positive, N), auc, 1e-12);
  g_assert_cmpfloat_with_epsilon (fovea_metric_auc (negated, positive, N), 1 - auc, 1e-12);
}

static void
test_macro_auc_properties (void)
{
  enum { N = 200, K = 4 };
  g_autofree float *probs = g_new (float, N * K);
  g_autofree int *labels = g_new (int, N);
  guint64 rng = 17;
  for (int i = 0; i < N; i++)
    {
      labels[i] = (int) (next (&rng) % (K - 1));  /* class K-1 never occurs */
      double sum = 0;
      for (int c = 0; c < K; c++)
        {
          probs[i * K + c] = (float) (next (&rng) % 20 + (c == labels[i] ? 8 : 0));
          sum += probs[i * K + c];
        }
      for (int c = 0; c < K; c++)
        probs[i * K + c] /= (float) sum;
    }
  /* The mean over the classes that occur, each one-vs-rest. */
  double sum = 0;
  for (int c = 0; c < K - 1; c++)
    {
      g_autofree float *column = g_new (float, N);
      g_autofree gboolean *positive = g_new (gboolean, N);
      for (int i = 0; i < N; i++)
        {
          column[i] = probs[i * K + c];
          positive[i] = labels[i] == c;
        }
      sum += pairwise_auc (column, positive, N);
    }
  g_assert_cmpfloat_with_epsilon (fovea_metric_macro_auc (probs, labels, N, K), sum / (K - 1), 1e-12);

  /* Two classes whose probabilities sum to one: MedMNIST's binary AUC. */
  float two[8] = { 0.9f, 0.1f, 0.25f, 0.75f, 0.6f, 0.4f, 0.5f, 0.5f };
  int two_labels[4] = { 0, 1, 1, 0 };
  float column[4] = { 0.1f, 0.75f, 0.4f, 0.5f };
  gboolean positive[4] = { FALSE, TRUE, TRUE, FALSE };
  g_assert_cmpfloat_with_epsilon (fovea_metric_macro_auc (two, two_labels, 4, 2),
                                  fovea_metric_auc (column, positive, 4), 1e-15);
  g_assert_true (isnan (fovea_metric_macro_auc (NULL, NULL, 0, 3)));
}

static void
test_accuracy_properties (void)
{
  /* Ties go to the first maximum, as argmax. */
  float probs[9] = { 0.2f, 0.5f, 0.3f,  0.4f, 0.4f, 0.2f,  0.1f, 0.1f, 0.8f };
  int labels[3] = { 1, 1, 2 };
  g_assert_cmpfloat_with_epsilon (fovea_metric_accuracy (probs, labels, 3, 3), 2.0 / 3, 1e-15);
  labels[1] = 0;
  g_assert_cmpfloat (fovea_metric_accuracy (probs, labels, 3, 3), ==, 1.0);
  g_assert_true (isnan (fovea_metric_accuracy (NULL, NULL, 0, 3)));
}

/* ---- kappa properties ---- */

static void
test_kappa_properties (void)
{
  int truth[10] = { 0, 1, 2, 3, 4, 4, 3, 2, 1, 0 };
  int close[10] = { 0, 1, 2, 3, 3, 4, 3, 2, 1, 1 };
  int far[10] = { 4, 3, 2, 0, 0, 1, 0, 2, 4, 4 };
  g_assert_cmpfloat (fovea_metric_quadratic_kappa (truth, truth, 10, 5), ==, 1.0);
  double k_close = fovea_metric_quadratic_kappa (truth, close, 10, 5);
  double k_far = fovea_metric_quadratic_kappa (truth, far, 10, 5);
  g_assert_cmpfloat (k_close, <, 1.0);
  g_assert_cmpfloat (k_close, >, 0.8);
  g_assert_cmpfloat (k_far, <, 0.0);
  g_assert_cmpfloat_with_epsilon (fovea_metric_quadratic_kappa (close, truth, 10, 5), k_close, 1e-15);

  /* Two balanced grades, every one swapped: observed disagreement twice
   * what chance gives, κ = -1. */
  int a[4] = { 0, 0, 1, 1 }, b[4] = { 1, 1, 0, 0 };
  g_assert_cmpfloat_with_epsilon (fovea_metric_quadratic_kappa (a, b, 4, 2), -1.0, 1e-15);

  /* Undefined: every image in one same grade by both, or no images. */
  int same[5] = { 2, 2, 2, 2, 2 };
  g_assert_true (isnan (fovea_metric_quadratic_kappa (same, same, 5, 5)));
  g_assert_true (isnan (fovea_metric_quadratic_kappa (NULL, NULL, 0, 5)));
  /* Grades outside 0 … K-1 are left out, not counted as agreement. */
  int truth_bad[11] = { 0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 9 };
  int close_bad[11] = { 0, 1, 2, 3, 3, 4, 3, 2, 1, 1, 9 };
  g_assert_cmpfloat (fovea_metric_quadratic_kappa (truth_bad, close_bad, 11, 5), ==, k_close);
}

/* Balanced accuracy on a case worked by hand: recalls 3/4, 1/2 and 0/1
 * (class 3 absent, a label outside the range ignored) average to 5/12. */
static void
test_balanced_accuracy_known (void)
{
  const int truth[] = { 0, 0, 0, 0, 1, 1, 2, 7 };
  const int predicted[] = { 0, 0, 0, 1, 1, 0, 1, 7 };

  g_assert_cmpfloat_with_epsilon (fovea_metric_balanced_accuracy (truth, predicted, 8, 4),
                                  5.0 / 12.0, 1e-12);
  /* A majority-class guess scores 1 / (classes present), whatever the skew. */
  const int guess[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
  g_assert_cmpfloat_with_epsilon (fovea_metric_balanced_accuracy (truth, guess, 8, 4),
                                  1.0 / 3.0, 1e-12);
  g_assert_true (isnan (fovea_metric_balanced_accuracy (truth, predicted, 0, 4)));
}

/* Segmentation metrics on nine pixels worked out by hand: the last is
 * outside the mask and must not count. Positives 0.9, 0.7, 0.6, 0.3;
 * negatives 0.8, 0.55, 0.4, 0.1. AUC: 4 + 3 + 3 + 1 wins of 16 pairs.
 * AP: precision 1, 2/3, 3/4, 4/7 at each positive, each recall step 1/4.
 * At 0.5: TP 3 (0.9, 0.7, 0.6), FP 2 (0.8, 0.55), FN 1 (0.3). */
static void
test_pixel_known (void)
{
  const float probs[] = { 0.9f, 0.8f, 0.7f, 0.6f, 0.55f, 0.4f, 0.3f, 0.1f, 0.95f };
  const guint8 truth[] = { 1, 0, 1, 1, 0, 0, 1, 0, 1 };
  const guint8 mask[] = { 1, 1, 1, 1, 1, 1, 1, 1, 0 };
  FoveaPixelCounts counts, half, rest;

  fovea_pixel_counts_init (&counts, 0.5);
  fovea_pixel_counts_add (&counts, probs, truth, mask, 9);
  g_assert_cmpfloat_with_epsilon (fovea_pixel_auc (&counts), 11.0 / 16.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (fovea_pixel_ap (&counts),
                                  (1 + 2.0 / 3 + 3.0 / 4 + 4.0 / 7) / 4, 1e-12);
  g_assert_cmpuint (counts.tp, ==, 3);
  g_assert_cmpuint (counts.fp, ==, 2);
  g_assert_cmpuint (counts.fn, ==, 1);
  g_assert_cmpuint (counts.tn, ==, 2);
  g_assert_cmpfloat_with_epsilon (fovea_pixel_dice (&counts), 2.0 / 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (fovea_pixel_iou (&counts), 0.5, 1e-12);

  /* Image by image, merged: the same. */
  fovea_pixel_counts_init (&half, 0.5);
  fovea_pixel_counts_init (&rest, 0.5);
  fovea_pixel_counts_add (&half, probs, truth, mask, 4);
  fovea_pixel_counts_add (&rest, probs + 4, truth + 4, mask + 4, 5);
  fovea_pixel_counts_merge (&half, &rest);
  g_assert_cmpfloat (fovea_pixel_auc (&half), ==, fovea_pixel_auc (&counts));
  g_assert_cmpfloat (fovea_pixel_ap (&half), ==, fovea_pixel_ap (&counts));
  g_assert_cmpfloat (fovea_pixel_dice (&half), ==, fovea_pixel_dice (&counts));

  /* Ties count half; no positive: AUC and AP undefined, Dice too when
   * nothing is predicted either. */
  const float tied[] = { 0.5f, 0.5f, 0.2f, 0.2f };
  const guint8 tied_truth[] = { 1, 0, 0, 1 };
  fovea_pixel_counts_reset (&rest);
  fovea_pixel_counts_add (&rest, tied, tied_truth, NULL, 4);
  g_assert_cmpfloat_with_epsilon (fovea_pixel_auc (&rest), 0.5, 1e-12);
  const guint8 none[] = { 0, 0, 0, 0 };
  fovea_pixel_counts_reset (&rest);
  fovea_pixel_counts_add (&rest, tied + 2, none, NULL, 2);
  g_assert_true (isnan (fovea_pixel_auc (&rest)));
  g_assert_true (isnan (fovea_pixel_ap (&rest)));
  g_assert_true (isnan (fovea_pixel_dice (&rest)));
  fovea_pixel_counts_clear (&counts);
  fovea_pixel_counts_clear (&half);
  fovea_pixel_counts_clear (&rest);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/auc/reference", test_auc_reference);
  g_test_add_func ("/metrics/classify/reference", test_classify_reference);
  g_test_add_func ("/metrics/kappa/reference", test_kappa_reference);
  g_test_add_func ("/metrics/auc/known", test_auc_known);
  g_test_add_func ("/metrics/auc/random", test_auc_random);
  g_test_add_func ("/metrics/macro-auc/properties", test_macro_auc_properties);
  g_test_add_func ("/metrics/accuracy/properties", test_accuracy_properties);
  g_test_add_func ("/metrics/kappa/properties", test_kappa_properties);
  g_test_add_func ("/metrics/balanced-accuracy/known", test_balanced_accuracy_known);
  g_test_add_func ("/metrics/pixel/known", test_pixel_known);
  return g_test_run ();
}
