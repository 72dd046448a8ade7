/* test-engine-cnn.c: CNN backbones and their task adapters in the engine,
 * as the trainer writes them.
 *
 * A random MobileNetV2 (torchvision layout) is trained on the toy colour
 * set three ways (a new head, a LoRA on its 1×1 convolutions, the whole
 * network); each result runs through FoveaEngine, `fovea-cli infer`,
 * `grade` and `evaluate` and must give the probabilities the trainer's
 * own forward pass gives (fovea_train_cnn_new_frozen on what it wrote).
 * Malformed CNN adapters (a head of the wrong shape, a missing LoRA
 * tensor, a NaN) are refused, naming the tensor. A head trained to find
 * a bright blob has its class activation map peak on the blob; attention
 * rollout and PatchCore are refused on a CNN, saying what to use instead. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-cnn.h"
#include "fovea-decode.h"
#include "fovea-engine.h"
#include "fovea-softmax.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-train-cnn.h"
#include "fovea-train-data.h"
#include "fovea-train-files.h"
#include "fovea-trainer.h"
#include "tools/fovea-random-cnn.h"
#include "toy-train-set.h"

/* Probabilities from two implementations of the same network (the
 * engine folds BatchNorm into its weights; the trainer does not). */
#define PROB_TOLERANCE 1e-4

typedef enum { KIND_HEAD, KIND_LORA, KIND_FULL, N_KINDS } Kind;
static const char *const kind_names[N_KINDS] = { "head", "lora", "full" };

/* Made once, by the first test that needs it. */
typedef struct {
  char *dir;
  char *model;             /* the random MobileNetV2 */
  char *train, *val, *card;
  char *out[N_KINDS];      /* what the trainer wrote */
  char *samples;           /* a folder with one gradable fundus sample */
} Setup;

static Setup setup;

static void
train (const char *out, Kind kind)
{
  FoveaTrainerOptions o;
  g_autoptr (GError) error = NULL;

  fovea_trainer_options_init (&o);
  o.model_dir = setup.model;
  o.card_path = setup.card;
  o.data_path = setup.train;
  o.val_path = setup.val;
  o.out_dir = out;
  o.epochs = 4;
  o.batch = 8;
  o.lr = kind == KIND_FULL ? 1e-3 : 1e-2;
  o.warmup_epochs = 0.5;
  o.threads = 2;
  o.seed = 3;
  o.augment = FALSE;
  o.command_line = "fovea-cli train (test)";
  o.head_only = kind == KIND_HEAD;
  o.full = kind == KIND_FULL;
  if (kind == KIND_LORA)
    o.lora = (FoveaLoraSpec) { 4, 8.0, FALSE, FOVEA_TRAIN_TARGET_CONV1X1 };
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

static const Setup *
get_setup (void)
{
  if (setup.dir != NULL)
    return &setup;
  g_autoptr (GError) error = NULL;
  setup.dir = fovea_test_mkdtemp ();
  setup.train = toy_write_set (setup.dir, "train", 24, 1);
  setup.val = toy_write_set (setup.dir, "val", 12, 2);
  setup.card = toy_write_card (setup.dir);
  setup.model = g_build_filename (setup.dir, "mobilenet", NULL);
  g_assert_cmpint (g_mkdir (setup.model, 0755), ==, 0);
  g_autofree char *config = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", 1000,
                                                          NULL, NULL);
  g_assert_true (fovea_random_cnn_write (setup.model, config, FOVEA_DTYPE_F16, 5, &error));
  g_assert_no_error (error);
  for (int k = 0; k < N_KINDS; k++)
    {
      setup.out[k] = g_build_filename (setup.dir, kind_names[k], NULL);
      train (setup.out[k], (Kind) k);
    }
  setup.samples = g_build_filename (setup.dir, "samples", NULL);
  g_assert_cmpint (g_mkdir (setup.samples, 0755), ==, 0);
  g_autofree char *sample = fovea_test_sample_path ("fundus-healthy.png");
  g_autofree char *copy = g_build_filename (setup.samples, "fundus-healthy.png", NULL);
  g_autofree char *bytes = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (sample, &bytes, &length, NULL));
  g_assert_true (g_file_set_contents (copy, bytes, (gssize) length, NULL));
  return &setup;
}

static void
setup_clear (void)
{
  if (setup.dir == NULL)
    return;
  fovea_test_rmdir (setup.dir);
  g_free (setup.dir);
  g_free (setup.model);
  g_free (setup.train);
  g_free (setup.val);
  g_free (setup.card);
  g_free (setup.samples);
  for (int k = 0; k < N_KINDS; k++)
    g_free (setup.out[k]);
}

/* The trainer's forward pass on what it wrote: the frozen backbone with
 * the PEFT folder, or the full model's own folder. */
typedef struct {
  FoveaCnnConfig    config;
  FoveaSafetensors *weights;
  FoveaTrainCnn    *model;
  FoveaPreprocess   pre;
} Reference;

static void
reference_init (Reference *ref, Kind kind)
{
  g_autoptr (GError) error = NULL;
  const char *dir = kind == KIND_FULL ? setup.out[kind] : setup.model;
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *card_path = g_build_filename (setup.out[kind], "task_card.json", NULL);

  g_assert_true (fovea_cnn_config_load_file (&ref->config, config_path, &error));
  g_assert_no_error (error);
  ref->weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  fovea_preprocess_init_pretrained (&ref->pre, &ref->config.pretrained, card);
  FoveaTrainCnnSize size = { 1, ref->pre.height, ref->pre.width, 1 };
  ref->model = fovea_train_cnn_new_frozen (&ref->config, ref->weights,
                                           kind == KIND_FULL ? NULL : setup.out[kind], &size,
                                           &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_cnn_get_n_outputs (ref->model), ==, 2);
}

static void
reference_clear (Reference *ref)
{
  fovea_train_cnn_free (ref->model);
  fovea_safetensors_unref (ref->weights);
  fovea_cnn_config_clear (&ref->config);
}

/* The trainer's probabilities for normalised pixels. */
static void
reference_probs (Reference *ref, const float *pixels, float probs[2])
{
  g_autoptr (GError) error = NULL;
  const float *logits = fovea_train_cnn_forward (ref->model, pixels, 1, &error);
  g_assert_no_error (error);
  fovea_softmax_precise (logits, 2, probs);
}

/* The engine for a kind: the backbone with the adapter (task 1), or the
 * full model with its card (task 0). */
static FoveaEngine *
engine_for (Kind kind, guint *task)
{
  g_autoptr (GError) error = NULL;
  FoveaEngine *engine = fovea_engine_new (kind == KIND_FULL ? setup.out[kind] : setup.model, 2,
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_engine_get_family (engine), ==, FOVEA_BACKBONE_CNN);
  *task = 0;
  if (kind != KIND_FULL)
    {
      int index = fovea_engine_add_adapter (engine, setup.out[kind], NULL, &error);
      g_assert_no_error (error);
      *task = (guint) index;
    }
  return engine;
}

/* The model and adapter arguments of a CLI command for a kind. */
static void
cli_model_args (Kind kind, GPtrArray *args)
{
  g_ptr_array_add (args, (gpointer) "--model");
  g_ptr_array_add (args, kind == KIND_FULL ? setup.out[kind] : setup.model);
  if (kind != KIND_FULL)
    {
      g_ptr_array_add (args, (gpointer) "--adapter");
      g_ptr_array_add (args, setup.out[kind]);
    }
}

/* The engine on the validation set's own tensors, and `infer --json` on
 * its files: the trainer's probabilities, image by image. */
static void
test_infer (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  get_setup ();
  Reference ref;
  reference_init (&ref, kind);
  guint task;
  g_autoptr (FoveaEngine) engine = engine_for (kind, &task);
  g_assert_nonnull (fovea_engine_get_task (engine, task)->card);
  g_assert_cmpint (fovea_engine_get_task (engine, task)->preprocess.height, ==, ref.pre.height);

  g_autoptr (FoveaTrainData) val = fovea_train_data_open (setup.val, &error);
  g_assert_no_error (error);
  int n = fovea_train_data_get_n (val);
  g_autofree float *pixels = g_new (float, 3 * (gsize) ref.pre.height * ref.pre.width);
  g_autofree float *expected = g_new (float, 2 * (gsize) n);
  double worst = 0;
  for (int i = 0; i < n; i++)
    {
      g_assert_true (fovea_train_data_load (val, i, &ref.pre, NULL, 0, 0, pixels, &error));
      reference_probs (&ref, pixels, expected + 2 * i);
      g_autoptr (FoveaEngineOutput) output = fovea_engine_run_tensor (engine, task, pixels, 1,
                                                                      ref.pre.height,
                                                                      ref.pre.width, &error);
      g_assert_no_error (error);
      g_assert_true (output->results[0].calibrated);
      for (int k = 0; k < 2; k++)
        worst = MAX (worst, fabs (output->results[0].probs[k] - expected[2 * i + k]));
    }
  g_test_message ("%s: engine against trainer, largest probability difference %.2g",
                  kind_names[kind], worst);
  g_assert_cmpfloat (worst, <=, PROB_TOLERANCE);

  /* The same through the CLI, from the PNG files (img00.png is row 0). */
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (gpointer) "infer");
  g_ptr_array_add (args, (gpointer) "--json");
  g_ptr_array_add (args, (gpointer) "--modality");
  g_ptr_array_add (args, (gpointer) "fundus");
  cli_model_args (kind, args);
  g_ptr_array_add (args, setup.val);
  g_ptr_array_add (args, NULL);
  FoveaCliResult r = fovea_test_run_cli_argv ((const char *const *) args->pdata);
  g_assert_cmpint (r.status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
  int seen = 0;
  worst = 0;
  for (int i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      JsonObject *line = json_node_get_object (json_parser_get_root (parser));
      g_autofree char *file = g_path_get_basename (json_object_get_string_member (line, "input"));
      int index = atoi (file + strlen ("img"));
      JsonArray *probs = json_object_get_array_member (line, "probs");
      g_assert_cmpuint (json_array_get_length (probs), ==, 2);
      for (int k = 0; k < 2; k++)
        worst = MAX (worst, fabs (json_array_get_double_element (probs, k) -
                                  expected[2 * index + k]));
      seen++;
    }
  g_test_message ("%s: infer --json against trainer, largest difference %.2g",
                  kind_names[kind], worst);
  g_assert_cmpint (seen, ==, n);
  g_assert_cmpfloat (worst, <=, PROB_TOLERANCE);
  fovea_test_cli_result_clear (&r);
  reference_clear (&ref);
}

/* `grade` on a gradable fundus sample: the label and confidence the
 * trainer's forward pass gives on the same decoded image. */
static void
test_grade (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  get_setup ();
  Reference ref;
  reference_init (&ref, kind);

  g_autofree char *path = g_build_filename (setup.samples, "fundus-healthy.png", NULL);
  g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new (float, 3 * (gsize) ref.pre.height * ref.pre.width);
  g_assert_true (fovea_preprocess_image (&ref.pre, image, pixels, &error));
  float expected[2];
  reference_probs (&ref, pixels, expected);

  g_autofree char *csv = g_strdup_printf ("%s/grade-%s.csv", setup.dir, kind_names[kind]);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (gpointer) "grade");
  g_ptr_array_add (args, setup.samples);
  cli_model_args (kind, args);
  g_ptr_array_add (args, (gpointer) "--task");
  g_ptr_array_add (args, (gpointer) "toy-colour");
  g_ptr_array_add (args, (gpointer) "--out");
  g_ptr_array_add (args, csv);
  g_ptr_array_add (args, NULL);
  FoveaCliResult r = fovea_test_run_cli_argv ((const char *const *) args->pdata);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);

  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_auto (GStrv) rows = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (rows), >=, 2);
  g_auto (GStrv) header = g_strsplit (rows[0], ",", -1);
  g_auto (GStrv) row = g_strsplit (rows[1], ",", -1);
  g_assert_cmpuint (g_strv_length (row), ==, g_strv_length (header));
  int top = expected[1] > expected[0];
  for (guint c = 0; header[c] != NULL; c++)
    {
      if (g_str_equal (header[c], "label"))
        g_assert_cmpstr (row[c], ==, top ? "blue" : "red");
      else if (g_str_equal (header[c], "confidence"))
        g_assert_cmpfloat (fabs (g_ascii_strtod (row[c], NULL) - expected[top]), <=, 5e-5);
      else if (g_str_equal (header[c], "quality"))
        g_assert_cmpstr (row[c], ==, "gradable");
    }
  reference_clear (&ref);
}

/* `evaluate` on the validation set: the accuracy of the trainer's
 * predictions. */
static void
test_evaluate (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  get_setup ();
  Reference ref;
  reference_init (&ref, kind);
  g_autoptr (FoveaTrainData) val = fovea_train_data_open (setup.val, &error);
  g_assert_no_error (error);
  int n = fovea_train_data_get_n (val), right = 0;
  g_autofree float *pixels = g_new (float, 3 * (gsize) ref.pre.height * ref.pre.width);
  for (int i = 0; i < n; i++)
    {
      float probs[2];
      g_assert_true (fovea_train_data_load (val, i, &ref.pre, NULL, 0, 0, pixels, &error));
      reference_probs (&ref, pixels, probs);
      right += (probs[1] > probs[0]) == (fovea_train_data_get_label (val, i) == 1);
    }

  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_ptr_array_add (args, (gpointer) "evaluate");
  cli_model_args (kind, args);
  const char *rest[] = { "--task", "toy-colour", "--data", setup.val, "--json", "--bootstrap",
                         "100", "--seed", "1" };
  for (guint i = 0; i < G_N_ELEMENTS (rest); i++)
    g_ptr_array_add (args, (gpointer) rest[i]);
  g_ptr_array_add (args, NULL);
  FoveaCliResult r = fovea_test_run_cli_argv ((const char *const *) args->pdata);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, NULL));
  JsonObject *report = json_node_get_object (json_parser_get_root (parser));
  JsonObject *acc = json_object_get_object_member (json_object_get_object_member (report,
                                                                                  "metrics"),
                                                   "acc");
  g_test_message ("%s: evaluate acc %.4f, trainer %d of %d", kind_names[kind],
                  json_object_get_double_member (acc, "value"), right, n);
  g_assert_cmpfloat (fabs (json_object_get_double_member (acc, "value") - (double) right / n),
                     <, 1e-9);
  fovea_test_cli_result_clear (&r);
  reference_clear (&ref);
}

/* Copies a PEFT folder to dir/name with adapter_model.safetensors
 * rewritten by edit (which may change the list); returns the folder. */
typedef void (*EditFunc) (FoveaTensorList *list, FoveaSafetensors *st);

static char *
edited_adapter (const char *from, const char *name, EditFunc edit)
{
  g_autoptr (GError) error = NULL;
  char *to = g_build_filename (setup.dir, name, NULL);
  g_assert_cmpint (g_mkdir (to, 0755), ==, 0);
  g_autofree char *config_from = g_build_filename (from, "adapter_config.json", NULL);
  g_autofree char *config_to = g_build_filename (to, "adapter_config.json", NULL);
  g_autofree char *config = NULL;
  g_assert_true (g_file_get_contents (config_from, &config, NULL, NULL));
  g_assert_true (g_file_set_contents (config_to, config, -1, NULL));

  g_autofree char *weights_from = g_build_filename (from, "adapter_model.safetensors", NULL);
  g_autofree char *weights_to = g_build_filename (to, "adapter_model.safetensors", NULL);
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights_from, &error);
  g_assert_no_error (error);
  FoveaTensorList list;
  fovea_tensor_list_init (&list);
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      const float *values = fovea_safetensors_get_f32 (st, view->name, view->n_dims,
                                                       view->shape, &error);
      g_assert_no_error (error);
      fovea_tensor_list_add (&list, g_strdup (view->name), values, view->n_dims, view->shape);
    }
  edit (&list, st);
  g_assert_true (fovea_tensor_list_write (&list, weights_to, NULL, &error));
  g_assert_no_error (error);
  fovea_tensor_list_clear (&list);
  return to;
}

static FoveaTensorView *
list_find (FoveaTensorList *list, const char *suffix)
{
  for (guint i = 0; i < list->views->len; i++)
    {
      FoveaTensorView *view = &g_array_index (list->views, FoveaTensorView, i);
      if (g_str_has_suffix (view->name, suffix))
        return view;
    }
  g_error ("no tensor ends in %s", suffix);
}

/* The head one feature wider than the network's. */
static void
widen_head (FoveaTensorList *list, FoveaSafetensors *st)
{
  FoveaTensorView *view = list_find (list, "classifier.1.weight");
  gsize classes = (gsize) view->shape[0], features = (gsize) view->shape[1];
  float *wider = fovea_tensor_list_buffer (list, classes * (features + 1));
  for (gsize k = 0; k < classes; k++)
    memcpy (wider + k * (features + 1), (const float *) view->data + k * features,
            features * sizeof (float));
  view->data = wider;
  view->shape[1] = (gint64) features + 1;
  view->n_elements = classes * (features + 1);
  view->n_bytes = view->n_elements * sizeof (float);
}

/* A LoRA's B dropped. */
static void
drop_lora_b (FoveaTensorList *list, FoveaSafetensors *st)
{
  for (guint i = 0; i < list->views->len; i++)
    if (g_str_has_suffix (g_array_index (list->views, FoveaTensorView, i).name,
                          "features.2.conv.0.0.lora_B.weight"))
      {
        g_array_remove_index (list->views, i);
        return;
      }
  g_error ("no lora_B of features.2.conv.0.0");
}

/* One NaN in the head. */
static void
poison_head (FoveaTensorList *list, FoveaSafetensors *st)
{
  FoveaTensorView *view = list_find (list, "classifier.1.weight");
  gsize n = (gsize) view->shape[0] * view->shape[1];
  float *copy = fovea_tensor_list_buffer (list, n);
  memcpy (copy, view->data, n * sizeof (float));
  copy[7] = NAN;
  view->data = copy;
}

static void
test_malformed (void)
{
  static const struct {
    const char *name;
    Kind        from;
    EditFunc    edit;
    const char *message;
  } cases[] = {
    { "wide-head", KIND_HEAD, widen_head, "base_model.model.classifier.1.weight" },
    { "no-lora-b", KIND_LORA, drop_lora_b, "base_model.model.features.2.conv.0.0.lora_B.weight" },
    { "nan-head", KIND_HEAD, poison_head, "base_model.model.classifier.1.weight" },
  };
  get_setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (setup.model, 2, &error);
  g_assert_no_error (error);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *dir = edited_adapter (setup.out[cases[c].from], cases[c].name,
                                             cases[c].edit);
      g_assert_cmpint (fovea_engine_add_adapter (engine, dir, NULL, &error), ==, -1);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", cases[c].name, error->message);
      fovea_test_assert_contains (error->message, cases[c].name);
      fovea_test_assert_contains (error->message, cases[c].message);
      g_clear_error (&error);

      /* and through the CLI, as a usage error that changes nothing */
      g_autofree char *sample = g_build_filename (setup.samples, "fundus-healthy.png", NULL);
      FoveaCliResult r = fovea_test_run_cli ("infer", "--model", setup.model, "--adapter", dir,
                                             sample, NULL);
      g_assert_cmpint (r.status, ==, 1);
      fovea_test_assert_contains (r.err, cases[c].message);
      g_assert_cmpstr (r.out, ==, "");
      fovea_test_cli_result_clear (&r);
    }
  /* the engine is left as it was: the backbone alone */
  g_assert_cmpuint (fovea_engine_get_n_tasks (engine), ==, 1);
}

/* A MeLo file is a ViT's: refused on a CNN, saying so. */
static void
test_melo_refused (void)
{
  get_setup ();
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (setup.model, 2, &error);
  g_assert_no_error (error);
  g_autofree char *file = g_build_filename (setup.out[KIND_HEAD], "adapter_model.safetensors",
                                            NULL);
  g_assert_cmpint (fovea_engine_add_adapter (engine, file, NULL, &error), ==, -1);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER);
  fovea_test_assert_contains (error->message, "MeLo files are for Vision Transformers");
}

/* Explanations on a CNN: the rollout is refused with what to use instead;
 * cam (the default there) and gradcam give the same map; bench runs the
 * adapter. */
static void
test_cli_explain_bench (void)
{
  get_setup ();
  g_autofree char *sample = g_build_filename (setup.samples, "fundus-healthy.png", NULL);
  g_autofree char *map = g_build_filename (setup.dir, "map-rollout.png", NULL);
  FoveaCliResult r = fovea_test_run_cli ("explain", "--kind", "saliency", "--method", "rollout",
                                         "--model", setup.model, "--adapter",
                                         setup.out[KIND_HEAD], sample, "--out", map, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "this model is a CNN: use --method cam");
  g_assert_false (g_file_test (map, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&r);

  g_autofree char *first = NULL;
  const char *methods[] = { NULL, "gradcam" };
  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autofree char *out = g_strdup_printf ("%s/map-%u.png", setup.dir, m);
      const char *args[] = { "explain", "--kind", "saliency", "--model", setup.model,
                             "--adapter", setup.out[KIND_HEAD], sample, "--out", out, "--json",
                             methods[m] ? "--method" : NULL, methods[m], NULL };
      r = fovea_test_run_cli_argv (args);
      g_test_message ("%s", r.err);
      g_assert_cmpint (r.status, ==, 0);
      fovea_test_assert_contains (r.out, m == 0 ? "\"method\":\"cam\"" : "\"method\":\"gradcam\"");
      g_assert_nonnull (strstr (r.out, "\"peak\""));
      /* the peak and what follows it, up to the output file's name */
      g_autofree char *peak = g_strndup (strstr (r.out, "\"peak\""),
                                         strstr (r.out, "\"out\"") - strstr (r.out, "\"peak\""));
      if (first == NULL)
        first = g_steal_pointer (&peak);
      else
        g_assert_cmpstr (peak, ==, first);
      fovea_test_cli_result_clear (&r);
    }

  /* PatchCore on the CNN's stages (test-cli-explain.c has the maps); with
   * an adapter it is refused, saying so, and writes nothing. */
  g_autofree char *bank = g_build_filename (setup.dir, "bank.safetensors", NULL);
  r = fovea_test_run_cli ("anomaly-bank", "--model", setup.model, "--images", setup.samples,
                          "--input-size", "64", "--out", bank, "--adapter",
                          setup.out[KIND_LORA], NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "is a CNN (torchvision/mobilenet_v2)");
  fovea_test_assert_contains (r.err, "adapters are not supported");
  g_assert_false (g_file_test (bank, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&r);
  r = fovea_test_run_cli ("anomaly-bank", "--model", setup.model, "--images", setup.samples,
                          "--input-size", "64", "--out", bank, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.out, "stages 6,13 at 64×64");
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("bench", "--json", "--model", setup.model, "--adapter",
                          setup.out[KIND_LORA], "--runs", "1", "--threads", "1", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.out, "\"median_s\"");
  fovea_test_cli_result_clear (&r);
}

/* The class activation map of a head trained to tell a bright blob from
 * noise peaks on the blob. The backbone is the bundled ImageNet
 * MobileNetV2 (a random network's features hardly localise anything);
 * the toy blob set's 32-pixel images run at 224 pixels, a 7 × 7 feature
 * map (MobileNetV2's stride is 32), with the blob off centre. Each blob
 * image's map must peak in the blob's cell or next to it, and higher
 * there than in the opposite corner. */
static void
test_cam_blob (void)
{
  g_autoptr (GError) error = NULL;
  get_setup ();
  g_autofree char *backbone = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources",
                                                "models", "mobilenetv2-imagenet", NULL);
  g_autofree char *dir = g_build_filename (setup.dir, "blob", NULL);
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_autofree char *train_set = toy_write_blob_set_at (dir, "train", 32, 4, 24, 7);
  g_autofree char *val_set = toy_write_blob_set_at (dir, "val", 8, 5, 24, 7);
  g_autofree char *card = toy_write_card (dir);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (card, &text, NULL, NULL));
  g_auto (GStrv) parts = g_strsplit (text, "[32, 32]", -1);
  g_autofree char *big = g_strjoinv ("[224, 224]", parts);
  g_assert_true (g_file_set_contents (card, big, -1, NULL));
  g_autofree char *out = g_build_filename (dir, "head", NULL);

  FoveaTrainerOptions o;
  fovea_trainer_options_init (&o);
  o.model_dir = backbone;
  o.card_path = card;
  o.data_path = train_set;
  o.val_path = val_set;
  o.out_dir = out;
  o.epochs = 3;
  o.batch = 8;
  o.lr = 1e-2;
  o.threads = 2;
  o.seed = 1;
  o.augment = FALSE;
  o.head_only = TRUE;
  o.command_line = "fovea-cli train (test)";
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (FoveaEngine) engine = fovea_engine_new (backbone, 2, &error);
  g_assert_no_error (error);
  int task = fovea_engine_add_adapter (engine, out, NULL, &error);
  g_assert_no_error (error);
  /* the blob's cell: (24, 7) of 32 pixels is (168, 49) of 224 */
  int blob_col = 24 * 7 / TOY_SIDE, blob_row = 7 * 7 / TOY_SIDE;
  for (int i = 1; i < 8; i += 2)
    {
      g_autofree char *path = g_strdup_printf ("%s/img%02d.png", val_set, i);
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
      g_assert_no_error (error);
      int grid_h, grid_w;
      FoveaGradcamInfo info;
      g_autofree float *cam = fovea_engine_gradcam (engine, (guint) task, image, 1, &grid_h,
                                                    &grid_w, &info, &error);
      g_assert_no_error (error);
      g_assert_cmpint (grid_h, ==, 7);
      g_assert_cmpint (grid_w, ==, 7);
      g_assert_cmpint (info.class_index, ==, 1);
      int peak = 0;
      for (int c = 1; c < grid_h * grid_w; c++)
        if (cam[c] > cam[peak])
          peak = c;
      int row = peak / grid_w, col = peak % grid_w;
      float opposite = cam[(grid_h - 1 - blob_row) * grid_w + (grid_w - 1 - blob_col)];
      g_test_message ("%s: peak %.3g at cell (%d, %d), blob at (%d, %d); opposite %.3g",
                      path, cam[peak], row, col, blob_row, blob_col, opposite);
      g_assert_cmpfloat (cam[peak], >, 0);
      g_assert_cmpint (ABS (row - blob_row), <=, 1);
      g_assert_cmpint (ABS (col - blob_col), <=, 1);
      g_assert_cmpfloat (cam[peak], >, opposite);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (int k = 0; k < N_KINDS; k++)
    {
      g_autofree char *infer = g_strdup_printf ("/engine-cnn/%s/infer", kind_names[k]);
      g_autofree char *grade = g_strdup_printf ("/engine-cnn/%s/grade", kind_names[k]);
      g_autofree char *evaluate = g_strdup_printf ("/engine-cnn/%s/evaluate", kind_names[k]);
      g_test_add_data_func (infer, GINT_TO_POINTER (k), test_infer);
      g_test_add_data_func (grade, GINT_TO_POINTER (k), test_grade);
      g_test_add_data_func (evaluate, GINT_TO_POINTER (k), test_evaluate);
    }
  g_test_add_func ("/engine-cnn/malformed", test_malformed);
  g_test_add_func ("/engine-cnn/melo-refused", test_melo_refused);
  g_test_add_func ("/engine-cnn/cli-explain-bench", test_cli_explain_bench);
  g_test_add_func ("/engine-cnn/cam-blob", test_cam_blob);
  int status = g_test_run ();
  setup_clear ();
  return status;
}
