/* test-trainer-cnn.c: the training loop on a CNN backbone (a MobileNetV2
 * with random weights and BatchNorm statistics, torchvision layout) and
 * the toy colour task: a new head, a LoRA on the 1×1 convolutions and the
 * whole network each learn it; what they write loads back (the PEFT
 * folders onto the backbone, the full model in the engine's inference
 * loader) and gives the same answers; the size trained at is written
 * down; an interrupted run resumed from its checkpoint gives the same
 * bytes, with SPMix on a long-tailed version of the task too. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-cnn.h"
#include "fovea-spmix.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-trainer.h"
#include "tools/fovea-random-cnn.h"
#include "toy-train-set.h"

typedef struct {
  char *dir;
  char *train, *val, *card;
  char *model;      /* the random MobileNetV2 */
} Toy;

static void
toy_init (Toy *toy)
{
  g_autoptr (GError) error = NULL;
  toy->dir = fovea_test_mkdtemp ();
  toy->train = toy_write_set (toy->dir, "train", 24, 1);
  toy->val = toy_write_set (toy->dir, "val", 12, 2);
  toy->card = toy_write_card (toy->dir);
  toy->model = g_build_filename (toy->dir, "mobilenet", NULL);
  g_assert_cmpint (g_mkdir (toy->model, 0755), ==, 0);
  g_autofree char *config = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", 1000,
                                                          NULL, NULL);
  g_assert_true (fovea_random_cnn_write (toy->model, config, FOVEA_DTYPE_F16, 5, &error));
  g_assert_no_error (error);
}

static void
toy_clear (Toy *toy)
{
  fovea_test_rmdir (toy->dir);
  g_free (toy->dir);
  g_free (toy->train);
  g_free (toy->val);
  g_free (toy->card);
  g_free (toy->model);
}

static void
toy_options (const Toy *toy, FoveaTrainerOptions *o, const char *out)
{
  fovea_trainer_options_init (o);
  o->model_dir = toy->model;
  o->card_path = toy->card;
  o->data_path = toy->train;
  o->val_path = toy->val;
  o->out_dir = out;
  o->epochs = 4;
  o->batch = 8;
  o->lr = 1e-2;
  o->warmup_epochs = 0.5;
  o->threads = 2;
  o->seed = 3;
  o->augment = FALSE;
  o->command_line = "fovea-cli train (test)";
}

/* A card without input_size, so that --input-size may choose. */
static void
free_card_size (const Toy *toy)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (toy->card, &text, NULL, NULL));
  g_auto (GStrv) parts = g_strsplit (text, "\"input_size\": [32, 32], ", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_autofree char *free_size = g_strjoinv ("", parts);
  g_assert_true (g_file_set_contents (toy->card, free_size, -1, NULL));
}

typedef struct {
  int           epochs_seen;
  double        first_loss, last_loss, last_acc;
  double        best_acc;     /* of the epoch kept, which is what is written */
  int           cancel_after;
  GCancellable *cancellable;
} Seen;

static void
on_progress (const FoveaTrainerProgress *p, gpointer user_data)
{
  Seen *seen = user_data;
  g_assert_true (isfinite (p->loss));
  if (!p->evaluated)
    return;
  if (seen->epochs_seen++ == 0)
    seen->first_loss = p->loss;
  seen->last_loss = p->loss;
  seen->last_acc = p->val_acc;
  if (p->best)
    seen->best_acc = p->val_acc;
  g_test_message ("epoch %d: val loss %.4f acc %.3f", p->epoch, p->loss, p->val_acc);
  if (seen->cancel_after == p->epoch)
    g_cancellable_cancel (seen->cancellable);
}

static void
train (const FoveaTrainerOptions *o, Seen *seen)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_trainer_run (o, on_progress, seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen->epochs_seen, ==, o->epochs);
  /* it learns: the validation loss falls, and most images come right */
  g_assert_cmpfloat (seen->last_loss, <, seen->first_loss);
  g_assert_cmpfloat (MAX (seen->last_acc, seen->best_acc), >=, 0.75);
}

static FoveaTaskCard *
written_card (const char *out)
{
  g_autofree char *path = g_build_filename (out, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (path, &error);
  g_assert_no_error (error);
  return card;
}

/* The validation set through fovea_train_cnn (frozen, the adapter
 * applied) at the card's size: as many right as the kept epoch had. */
static void
check_adapter (const Toy *toy, const char *adapter, const FoveaTaskCard *card,
               const Seen *seen)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config_path = g_build_filename (toy->model, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (toy->model, "model.safetensors", NULL);
  FoveaCnnConfig config;
  g_assert_true (fovea_cnn_config_load_file (&config, config_path, &error));
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  FoveaTrainCnnSize size = { 1, card->input_height, card->input_width, 1 };
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_frozen (&config, weights, adapter,
                                                                &size, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainData) val = fovea_train_data_open (toy->val, &error);
  g_assert_no_error (error);
  FoveaPreprocess pre;
  fovea_preprocess_init_pretrained (&pre, &config.pretrained, card);
  int n = fovea_train_data_get_n (val);
  g_assert_cmpint (fovea_train_cnn_get_n_outputs (model), ==, 2);
  g_autofree float *pixels = g_new (float, 3 * (gsize) pre.height * pre.width);
  int correct = 0;
  for (int i = 0; i < n; i++)
    {
      g_assert_true (fovea_train_data_load (val, i, &pre, NULL, 0, 0, pixels, &error));
      const float *out = fovea_train_cnn_forward (model, pixels, 1, &error);
      g_assert_no_error (error);
      correct += (out[1] > out[0]) == (fovea_train_data_get_label (val, i) == 1);
    }
  g_test_message ("reloaded: %d of %d right", correct, n);
  g_assert_cmpint (correct, ==, (int) lround (seen->best_acc * n));
  fovea_cnn_config_clear (&config);
}

static void
test_head (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  Seen seen = { 0 };

  toy_init (&toy);
  g_autofree char *out = g_build_filename (toy.dir, "head", NULL);
  toy_options (&toy, &o, out);
  o.head_only = TRUE;
  train (&o, &seen);

  g_autofree char *config_path = g_build_filename (out, "adapter_config.json", NULL);
  g_autofree char *config = NULL;
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  fovea_test_assert_contains (config, "dummy-target-modules");
  fovea_test_assert_contains (config, "\"classifier.1\"");
  g_autoptr (FoveaTaskCard) card = written_card (out);
  g_assert_cmpint (card->input_height, ==, TOY_SIDE);
  check_adapter (&toy, out, card, &seen);
  toy_clear (&toy);
}

static void
test_lora (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  Seen seen = { 0 };

  toy_init (&toy);
  g_autofree char *out = g_build_filename (toy.dir, "lora", NULL);
  toy_options (&toy, &o, out);
  o.lora = (FoveaLoraSpec) { 4, 8.0, FALSE, FOVEA_TRAIN_TARGET_CONV1X1 };
  train (&o, &seen);
  g_autofree char *config_path = g_build_filename (out, "adapter_config.json", NULL);
  g_autofree char *config = NULL;
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  fovea_test_assert_contains (config, "\"features.2.conv.0.0\"");
  g_autoptr (FoveaTaskCard) card = written_card (out);
  check_adapter (&toy, out, card, &seen);
  toy_clear (&toy);
}

/* Whole fine-tuning at another size than the card's template names: the
 * output says where it ran, and the engine's inference loader reads it. */
static void
test_full (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  Seen seen = { 0 };
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  free_card_size (&toy);
  g_autofree char *out = g_build_filename (toy.dir, "full", NULL);
  toy_options (&toy, &o, out);
  o.full = TRUE;
  o.lr = 1e-3;
  o.input_height = o.input_width = 48;
  train (&o, &seen);

  g_autoptr (FoveaTaskCard) card = written_card (out);
  g_assert_cmpint (card->input_height, ==, 48);
  g_assert_cmpint (card->input_width, ==, 48);
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (out, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  const FoveaCnnConfig *config = fovea_cnn_get_config (cnn);
  g_assert_cmpint (config->num_classes, ==, 2);
  g_assert_cmpint (config->pretrained.input_size[1], ==, 48);
  g_assert_cmpstr (card->sha256, ==, fovea_cnn_get_sha256 (cnn));

  /* the engine agrees with the trainer's evaluation of the kept epoch */
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, 1, 48, 48, 1, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainData) val = fovea_train_data_open (toy.val, &error);
  g_assert_no_error (error);
  FoveaPreprocess pre;
  fovea_preprocess_init_pretrained (&pre, &config->pretrained, card);
  g_autofree float *pixels = g_new (float, 3 * 48 * 48);
  int correct = 0, n = fovea_train_data_get_n (val);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (fovea_train_data_load (val, i, &pre, NULL, 0, 0, pixels, &error));
      g_assert_true (fovea_cnn_forward (run, pixels, 1, &error));
      const float *logits = fovea_cnn_run_get_logits (run);
      correct += (logits[1] > logits[0]) == (fovea_train_data_get_label (val, i) == 1);
    }
  g_assert_cmpint (correct, ==, (int) lround (seen.best_acc * n));

  /* an input size the card contradicts is refused */
  g_autofree char *other = g_build_filename (toy.dir, "other", NULL);
  FoveaTrainerOptions bad;
  toy_options (&toy, &bad, other);
  g_autofree char *fixed_card = toy_write_card (toy.dir);
  bad.card_path = fixed_card;
  bad.head_only = TRUE;
  bad.input_height = bad.input_width = 40;
  g_assert_false (fovea_trainer_run (&bad, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  toy_clear (&toy);
}

static GBytes *
file_bytes (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  return g_bytes_new_take (data, length);
}

/* Interrupted after epoch 2 of 4 and resumed: the same bytes as a run
 * that went straight through (augmentation on). */
static void
test_resume_identical (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  g_autofree char *straight = g_build_filename (toy.dir, "straight", NULL);
  g_autofree char *resumed = g_build_filename (toy.dir, "resumed", NULL);
  toy_options (&toy, &o, straight);
  o.lora = (FoveaLoraSpec) { 2, 4.0, TRUE, FOVEA_TRAIN_TARGET_CONV1X1 };
  o.augment = TRUE;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Seen seen = { .cancel_after = 2, .cancellable = cancellable };
  o.out_dir = resumed;
  o.threads = 1;  /* and on another number of threads */
  g_assert_false (fovea_trainer_run (&o, on_progress, &seen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  o.resume = TRUE;
  o.threads = 2;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  const char *files[] = { "adapter_model.safetensors", "adapter_config.json", "task_card.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (GBytes) a = file_bytes (straight, files[i]);
      g_autoptr (GBytes) b = file_bytes (resumed, files[i]);
      g_assert_true (g_bytes_equal (a, b));
    }
  toy_clear (&toy);
}

/* Keeps the header, every red (class 0) row and the first n_blue blue
 * rows of a toy set's labels.csv: a long-tailed set whose tail is blue. */
static void
make_long_tailed (const char *set, int n_blue)
{
  g_autofree char *path = g_build_filename (set, "labels.csv", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GString) kept = g_string_new (lines[0]);
  g_string_append_c (kept, '\n');
  for (int i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++)
    if (g_str_has_suffix (lines[i], ",0") || (g_str_has_suffix (lines[i], ",1") && n_blue-- > 0))
      g_string_append_printf (kept, "%s\n", lines[i]);
  g_assert_true (g_file_set_contents (path, kept->str, -1, NULL));
}

static void
spmix_options (const Toy *toy, FoveaTrainerOptions *o, const char *out)
{
  toy_options (toy, o, out);
  o->full = TRUE;
  o->lr = 1e-3;
  o->epochs = 3;
  o->augment = TRUE;
  o->input_height = o->input_width = 64;  /* a 2 × 2 feature map */
  o->spmix = TRUE;
  o->spmix_prob = 0.75;
  o->spmix_grid = 4;
}

/* SPMix end to end on a long-tailed toy set (12 red, 3 blue; whole
 * fine-tuning at 64 px): the card records it and the tail class; an
 * interrupted run resumed on another number of threads gives the same
 * bytes (so the same mixed batches); the mixing changes what is learnt;
 * a checkpoint is not resumed under other SPMix settings; a set without
 * a tail class is refused. */
static void
test_spmix (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  free_card_size (&toy);
  make_long_tailed (toy.train, 3);
  g_autofree char *straight = g_build_filename (toy.dir, "straight", NULL);
  g_autofree char *resumed = g_build_filename (toy.dir, "resumed", NULL);
  g_autofree char *plain = g_build_filename (toy.dir, "plain", NULL);
  spmix_options (&toy, &o, straight);
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *card_path = g_build_filename (straight, "task_card.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_path, &error));
  g_assert_no_error (error);
  JsonObject *training =
    json_object_get_object_member (json_object_get_object_member (
      json_node_get_object (json_parser_get_root (parser)), "provenance"), "training");
  JsonObject *spmix = json_object_get_object_member (training, "spmix");
  g_assert_nonnull (spmix);
  g_assert_cmpint (json_object_get_int_member (spmix, "grid"), ==, 4);
  JsonArray *tail = json_object_get_array_member (spmix, "tail_classes");
  g_assert_cmpuint (json_array_get_length (tail), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (tail, 0), ==, "blue");

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Seen seen = { .cancel_after = 1, .cancellable = cancellable };
  o.out_dir = resumed;
  o.threads = 1;
  g_assert_false (fovea_trainer_run (&o, on_progress, &seen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* other SPMix settings do not resume this checkpoint */
  FoveaTrainerOptions other = o;
  other.resume = TRUE;
  other.spmix_keep = 0.25;
  g_assert_false (fovea_trainer_run (&other, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_CHECKPOINT);
  g_clear_error (&error);

  o.resume = TRUE;
  o.threads = 2;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  const char *files[] = { "model.safetensors", "config.json", "task_card.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (GBytes) a = file_bytes (straight, files[i]);
      g_autoptr (GBytes) b = file_bytes (resumed, files[i]);
      g_assert_true (g_bytes_equal (a, b));
    }

  /* without SPMix, other weights: the mixing did happen */
  spmix_options (&toy, &o, plain);
  o.spmix = FALSE;
  o.spmix_prob = FOVEA_SPMIX_DEFAULT_PROB;
  o.spmix_grid = FOVEA_SPMIX_DEFAULT_GRID;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (GBytes) with = file_bytes (straight, "model.safetensors");
  g_autoptr (GBytes) without = file_bytes (plain, "model.safetensors");
  g_assert_false (g_bytes_equal (with, without));

  /* the validation set is balanced (6 and 6): as training data, no tail */
  g_autofree char *balanced = g_build_filename (toy.dir, "balanced", NULL);
  spmix_options (&toy, &o, balanced);
  o.data_path = toy.val;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  fovea_test_assert_contains (error->message, "tail");
  toy_clear (&toy);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trainer-cnn/head", test_head);
  g_test_add_func ("/trainer-cnn/lora", test_lora);
  g_test_add_func ("/trainer-cnn/full", test_full);
  g_test_add_func ("/trainer-cnn/resume-identical", test_resume_identical);
  g_test_add_func ("/trainer-cnn/spmix", test_spmix);
  return g_test_run ();
}
