/* test-demo-models.c: the bundled research-demo models are what their
 * cards say. They load; `fovea-cli infer --task NAME` finds them without
 * --model; their cards carry the research-demo statement, training data
 * and metrics; the metrics are recomputed here on RetinaMNIST's val split
 * and must equal the card's; and the whole folder stays within 20 MB. */
#include <glib/gstdio.h>
#include <math.h>

#include "fovea-adapter.h"
#include "fovea-metrics.h"
#include "fovea-softmax.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-train-data.h"

#define MAX_BYTES (20 * 1000 * 1000)

static char *
models_dir (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models", NULL);
}

static char *
backbone_dir (void)
{
  g_autofree char *models = models_dir ();
  return g_build_filename (models, "retinamnist-vit", NULL);
}

static gsize
tree_bytes (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  gsize total = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      total += S_ISDIR (st.st_mode) ? tree_bytes (path) : (gsize) st.st_size;
    }
  return total;
}

static void
test_size (void)
{
  g_autofree char *models = models_dir ();
  gsize bytes = tree_bytes (models);
  g_test_message ("resources/models: %.1f MB", bytes / 1e6);
  g_assert_cmpuint (bytes, <=, MAX_BYTES);
}

static FoveaTaskCard *
load_card (const char *task)
{
  g_autofree char *dir = backbone_dir ();
  g_autofree char *path = g_build_filename (dir, "adapters", task, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (path, &error);
  g_assert_no_error (error);
  return card;
}

static double
card_metric (const FoveaTaskCard *card, const char *name)
{
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *m = card->metrics->pdata[i];
      if (g_strcmp0 (m->name, name) == 0)
        {
          fovea_test_assert_contains (m->split, "val");
          return m->value;
        }
    }
  g_error ("the card has no metric %s", name);
}

static void
test_cards_honest (gconstpointer data)
{
  g_autoptr (FoveaTaskCard) card = load_card (data);
  g_assert_true (card->research_use_only);
  fovea_test_assert_contains (card->intended_use, "not for clinical use");
  fovea_test_assert_contains (card->training_data, "RetinaMNIST");
  fovea_test_assert_contains (card->training_data, "28 px");
  g_assert_nonnull (card->sha256);
  g_assert_cmpuint (card->metrics->len, >=, 2);
}

/* Runs the adapter over the val split with the inference engine and
 * recomputes the card's figures (rounded to 3 decimals, as written). */
static void
test_metrics_reproduce (gconstpointer data)
{
  const char *task = data;
  g_autofree char *npz = fovea_test_data_path ("retinamnist/retinamnist_trainval.npz");
  if (npz == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = backbone_dir ();
  g_autofree char *adapter = g_build_filename (dir, "adapters", task, NULL);
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaLora) lora = fovea_adapter_load (adapter, vit, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTaskCard) card = load_card (task);
  g_autofree char *spec = g_strconcat (npz, ":val", NULL);
  g_autoptr (FoveaTrainData) val = fovea_train_data_open (spec, &error);
  g_assert_no_error (error);

  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, fovea_vit_get_config (vit), card);
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 1, pre.height, pre.width, 0, 0, &error);
  g_assert_no_error (error);
  int n = fovea_train_data_get_n (val), k = lora->head_classes;
  g_autofree float *pixels = g_new (float, 3 * pre.height * pre.width);
  g_autofree float *probs = g_new (float, (gsize) n * k);
  g_autofree int *labels = g_new (int, n);
  g_autofree int *grades = g_new (int, n);
  g_autofree int *predicted = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (fovea_train_data_load (val, i, &pre, NULL, 0, 0, pixels, &error));
      g_assert_true (fovea_vit_forward (run, pixels, 1, lora, &error));
      fovea_softmax_precise (fovea_vit_run_get_logits (run), k, probs + (gsize) i * k);
      grades[i] = fovea_train_data_get_label (val, i);
      labels[i] = k == 2 ? grades[i] >= 2 : grades[i];
      predicted[i] = fovea_argmax (probs + (gsize) i * k, k);
    }

  double acc = fovea_metric_accuracy (probs, labels, n, k);
  g_assert_cmpfloat_with_epsilon (acc, card_metric (card, "acc"), 0.0006);
  if (k == 2)
    {
      g_autofree float *scores = g_new (float, n);
      g_autofree gboolean *positive = g_new (gboolean, n);
      for (int i = 0; i < n; i++)
        {
          scores[i] = probs[(gsize) i * 2 + 1];
          positive[i] = labels[i] == 1;
        }
      double auc = fovea_metric_auc (scores, positive, n);
      g_test_message ("%s: val acc %.3f auc %.3f", task, acc, auc);
      g_assert_cmpfloat_with_epsilon (auc, card_metric (card, "auc"), 0.0006);
    }
  else
    {
      double auc = fovea_metric_macro_auc (probs, labels, n, k);
      double qwk = fovea_metric_quadratic_kappa (labels, predicted, n, k);
      g_test_message ("%s: val acc %.3f macro auc %.3f qwk %.3f", task, acc, auc, qwk);
      g_assert_cmpfloat_with_epsilon (auc, card_metric (card, "macro_auc"), 0.0006);
      g_assert_cmpfloat_with_epsilon (qwk, card_metric (card, "qwk"), 0.0006);
    }
}

/* Without --model, infer finds the bundled model that has the task. */
static void
test_infer_finds_bundled (void)
{
  g_autofree char *models = models_dir ();
  g_autofree char *sample = fovea_test_sample_path ("fundus-lesions.jpg");
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);

  FoveaCliResult r = fovea_test_run_cli ("infer", "--task", "dr-grading", "--json", sample,
                                         NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "retinamnist-vit");
  fovea_test_assert_contains (r.out, "\"task\":\"dr-grading\"");
  fovea_test_assert_contains (r.out, "\"probs\"");
  fovea_test_assert_contains (r.out, "\"label\"");
  fovea_test_assert_contains (r.out, "\"referable\"");
  fovea_test_assert_contains (r.out, "\"research_use_only\":true");
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("infer", "--task", "referable-dr", "--json", sample, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.out, "\"task\":\"referable-dr\"");
  fovea_test_assert_contains (r.out, "\"referable\"");
  fovea_test_cli_result_clear (&r);

  /* A fundus task on an OCTA scan is refused, not graded. */
  g_autofree char *octa = fovea_test_sample_path ("octa-3mm.png");
  r = fovea_test_run_cli ("infer", "--task", "referable-dr", octa, NULL);
  g_assert_cmpint (r.status, ==, 3);
  fovea_test_assert_contains (r.out, "this task is for fundus images");
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("infer", "--task", "no-such-task", sample, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "no installed model has no-such-task");
  fovea_test_cli_result_clear (&r);
  g_unsetenv ("FOVEA_MODELS_DIR");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo-models/size", test_size);
  g_test_add_data_func ("/demo-models/card/dr-grading", "dr-grading", test_cards_honest);
  g_test_add_data_func ("/demo-models/card/referable-dr", "referable-dr", test_cards_honest);
  g_test_add_data_func ("/demo-models/metrics/dr-grading", "dr-grading", test_metrics_reproduce);
  g_test_add_data_func ("/demo-models/metrics/referable-dr", "referable-dr",
                        test_metrics_reproduce);
  g_test_add_func ("/demo-models/infer-finds-bundled", test_infer_finds_bundled);
  return g_test_run ();
}
