/* test-demo-models.c: the RetinaMNIST ViT demo (a test fixture now) is
 * what its cards say: they carry the research-demo statement, training
 * data and metrics, and the metrics are recomputed here on RetinaMNIST's
 * val split and must equal the card's. Of the bundled models:
 * `fovea-cli infer --task NAME` finds them without --model; the ImageNet
 * MobileNetV2 backbone names the converter's cat and bird photographs as
 * it did, and the catalog offers it as no task; and resources/models stays
 * within 40 MB (29 MB now: MobileNetV2 7.2 MB, the IDRiD fundus backbone
 * and its adapters 9.9 MB, the skin model 8.7 MB, the fundus anomaly bank
 * on MobileNetV2 3.1 MB). The IDRiD models' own checks are in
 * test-fundus-models.c. */
#include <glib/gstdio.h>
#include <math.h>

#include "fovea-adapter.h"
#include "fovea-decode.h"
#include "fovea-engine.h"
#include "fovea-metrics.h"
#include "fovea-model-catalog.h"
#include "fovea-softmax.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-train-data.h"

/* What the repository carries: the ImageNet MobileNetV2 (F16, 7 MB), two
 * fine-tuned MobileNetV2s in F32 (fundus backbone and skin model, 9 MB
 * each), the fundus anomaly bank (3.1 MB, on the ImageNet MobileNetV2),
 * and four segmentation Unets in F16 (13 MB each: vessels, optic disc,
 * lesions and the LesionPaste flagger), 83 MB in all. A guard against a
 * model committed by mistake, not a target. */
#define MAX_BYTES (96 * 1000 * 1000)

static char *
models_dir (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models", NULL);
}

/* The small ViT example: no longer installed (the bundled fundus tasks
 * are the IDRiD-trained ones), kept as a fixture because it is the one
 * end-to-end ViT + LoRA model trained by scripts/train-demo-models.sh. */
static char *
backbone_dir (void)
{
  return fovea_test_fixture_path ("models/retinamnist-vit");
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
  fovea_test_assert_contains (r.err, "fundus-mobilenetv2");
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

static char *
mobilenet_dir (void)
{
  g_autofree char *models = models_dir ();
  return g_build_filename (models, "mobilenetv2-imagenet", NULL);
}

/* Its card says where it comes from, under which licence, and that it is
 * for research and for training from, with the hash of its weights. */
static void
test_mobilenet_card (void)
{
  g_autofree char *dir = mobilenet_dir ();
  g_autofree char *card = g_build_filename (dir, "backbone_card.json", NULL);
  g_autofree char *license = g_build_filename (dir, "LICENSE", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_get_contents (card, &text, NULL, &error));
  fovea_test_assert_contains (text, "ImageNet-1k");
  fovea_test_assert_contains (text, "convert-tflite-mobilenetv2.py");
  fovea_test_assert_contains (text, "Apache-2.0");
  fovea_test_assert_contains (text, "\"research_use_only\" : true");
  fovea_test_assert_contains (text, "not for clinical use");
  g_assert_true (g_file_test (license, G_FILE_TEST_EXISTS));
  g_autoptr (FoveaEngine) engine = fovea_engine_new (dir, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_engine_get_family (engine), ==, FOVEA_BACKBONE_CNN);
  const FoveaEngineTask *task = fovea_engine_get_task (engine, 0);
  g_autofree char *weights = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (task->weights_path, &weights, &length, NULL));
  g_autofree char *hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) weights,
                                                       length);
  g_autofree char *field = g_strdup_printf ("\"sha256\" : \"%s\"", hash);
  fovea_test_assert_contains (text, field);
}

/* The converter's two photographs (../shared/data/pretrained), through
 * the engine as the CLI runs it: decoded, preprocessed by pretrained_cfg
 * (short side 256, centre crop 224, [-1, 1]), the softmax of the 1001
 * outputs. The converter measured 0.9468 and 0.9979 in PyTorch. */
static void
test_mobilenet_classifies (void)
{
  static const struct { const char *file, *label; } cases[] = {
    { "pretrained/cat.bmp", "Egyptian cat" },
    { "pretrained/bird.bmp", "chickadee" },
  };
  g_autofree char *dir = mobilenet_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (dir, 2, &error);
  g_assert_no_error (error);
  const FoveaEngineTask *task = fovea_engine_get_task (engine, 0);
  g_assert_cmpint (task->n_outputs, ==, 1001);
  g_assert_nonnull (task->label_names);
  g_assert_null (task->card);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = fovea_test_data_path (cases[c].file);
      if (path == NULL)
        return;
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
      g_assert_no_error (error);
      const FoveaImage *const images[] = { image };
      g_autoptr (FoveaEngineOutput) output = fovea_engine_run_images (engine, 0, images, 1,
                                                                      &error);
      g_assert_no_error (error);
      float probs[1001];
      fovea_softmax_precise (output->logits, 1001, probs);
      int top = fovea_argmax (probs, 1001);
      g_test_message ("%s: %.4f %s", cases[c].file, probs[top], task->label_names[top]);
      g_assert_cmpstr (task->label_names[top], ==, cases[c].label);
      g_assert_cmpfloat (probs[top], >, 0.9);
    }
}

/* Installed, it is a CNN backbone with no task: ImageNet's head is its
 * pretraining, not a fundus, skin or OCTA reading. */
static void
test_mobilenet_no_task (void)
{
  g_autofree char *models = models_dir ();
  g_autoptr (FoveaModelCatalog) catalog = fovea_model_catalog_scan (models, "", NULL);
  const FoveaCatalogModel *model = NULL;
  for (guint i = 0; i < fovea_model_catalog_get_n_models (catalog); i++)
    if (g_str_equal (fovea_model_catalog_get_model (catalog, i)->name, "mobilenetv2-imagenet"))
      model = fovea_model_catalog_get_model (catalog, i);
  g_assert_nonnull (model);
  g_assert_no_error (model->error);
  g_assert_cmpint (model->family, ==, FOVEA_BACKBONE_CNN);
  g_assert_true (model->pretraining_head);
  g_assert_cmpuint (model->tasks->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo-models/size", test_size);
  g_test_add_func ("/demo-models/mobilenetv2/card", test_mobilenet_card);
  g_test_add_func ("/demo-models/mobilenetv2/classifies", test_mobilenet_classifies);
  g_test_add_func ("/demo-models/mobilenetv2/no-task", test_mobilenet_no_task);
  g_test_add_data_func ("/demo-models/card/dr-grading", "dr-grading", test_cards_honest);
  g_test_add_data_func ("/demo-models/card/referable-dr", "referable-dr", test_cards_honest);
  g_test_add_data_func ("/demo-models/metrics/dr-grading", "dr-grading", test_metrics_reproduce);
  g_test_add_data_func ("/demo-models/metrics/referable-dr", "referable-dr",
                        test_metrics_reproduce);
  g_test_add_func ("/demo-models/infer-finds-bundled", test_infer_finds_bundled);
  return g_test_run ();
}
