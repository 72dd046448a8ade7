/* test-trainer.c: the training loop on a toy task: it learns, it writes
 * files the engine loads back with the same outputs, an interrupted run
 * resumed from its checkpoint gives byte-identical files, and it refuses
 * to overwrite or to resume someone else's checkpoint. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-adapter.h"
#include "fovea-spmix.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-trainer.h"
#include "toy-train-set.h"

#define SIDE TOY_SIDE

typedef struct {
  char *dir;        /* everything of one test */
  char *train;      /* folders with labels.csv */
  char *val;
  char *card;
  char *model;      /* the tiny fixture backbone */
  char *config_only;  /* its config.json alone (full training from scratch) */
} Toy;

static void
toy_init (Toy *toy)
{
  toy->dir = fovea_test_mkdtemp ();
  toy->train = toy_write_set (toy->dir, "train", 24, 1);
  toy->val = toy_write_set (toy->dir, "val", 12, 2);
  toy->card = toy_write_card (toy->dir);
  toy->model = fovea_test_fixture_path ("vit/models/tiny-token");
  toy->config_only = g_build_filename (toy->dir, "config-only", NULL);
  g_assert_cmpint (g_mkdir (toy->config_only, 0755), ==, 0);
  g_autofree char *from = g_build_filename (toy->model, "config.json", NULL);
  g_autofree char *to = g_build_filename (toy->config_only, "config.json", NULL);
  fovea_test_copy_file (from, to);
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
  g_free (toy->config_only);
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
  o->lr = 5e-3;
  o->warmup_epochs = 0.5;
  o->threads = 2;
  o->seed = 3;
  o->augment = FALSE;
  o->command_line = "fovea-cli train (test)";
}

typedef struct {
  int    epochs_seen;
  double last_acc;
  int    cancel_after;   /* cancel once this epoch is evaluated; 0: never */
  GCancellable *cancellable;
} Seen;

static void
on_progress (const FoveaTrainerProgress *p, gpointer user_data)
{
  Seen *seen = user_data;

  g_assert_cmpint (p->step, <=, p->steps);
  g_assert_true (isfinite (p->loss));
  if (!p->evaluated)
    return;
  seen->epochs_seen++;
  seen->last_acc = p->val_acc;
  if (seen->cancel_after == p->epoch)
    g_cancellable_cancel (seen->cancellable);
}

static char *
read_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* The written adapter, loaded by the engine, predicts the validation set. */
static void
check_adapter_predicts (const Toy *toy, const char *out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVit) vit = fovea_vit_load (toy->model, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaLora) lora = fovea_adapter_load (out, vit, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (lora->head_classes, ==, 2);
  g_autoptr (FoveaTrainData) val = fovea_train_data_open (toy->val, &error);
  g_assert_no_error (error);
  g_autofree char *card_path = g_build_filename (out, "task_card.json", NULL);
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  FoveaPreprocess pre;
  fovea_preprocess_init (&pre, fovea_vit_get_config (vit), card);
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 1, SIDE, SIDE, 0, 1, &error);
  g_assert_no_error (error);

  int correct = 0, n = fovea_train_data_get_n (val);
  g_autofree float *pixels = g_new (float, 3 * SIDE * SIDE);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (fovea_train_data_load (val, i, &pre, NULL, 0, 0, pixels, &error));
      g_assert_true (fovea_vit_forward (run, pixels, 1, lora, &error));
      const float *logits = fovea_vit_run_get_logits (run);
      correct += (logits[1] > logits[0]) == (fovea_train_data_get_label (val, i) == 1);
    }
  g_assert_cmpint (correct, ==, n);
}

static void
test_lora_learns (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  Seen seen = { 0 };
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  g_autofree char *out = g_build_filename (toy.dir, "adapter", NULL);
  toy_options (&toy, &o, out);
  o.lora.targets = FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V;
  g_assert_true (fovea_trainer_run (&o, on_progress, &seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seen.epochs_seen, ==, o.epochs);

  /* The card: the template's labels with this run's provenance. */
  g_autofree char *card = read_file (out, "task_card.json");
  fovea_test_assert_contains (card, "\"training_data\"");
  fovea_test_assert_contains (card, "train");
  fovea_test_assert_contains (card, "\"seed\" : 3");
  fovea_test_assert_contains (card, "\"commit\"");
  fovea_test_assert_contains (card, "also used to select the epoch");
  fovea_test_assert_contains (card, "\"command\" : \"fovea-cli train (test)\"");
  check_adapter_predicts (&toy, out);

  /* The checkpoint has done its job and is gone. */
  g_autofree char *checkpoint = fovea_trainer_checkpoint_path (out);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  toy_clear (&toy);
}

static void
test_full_from_config (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  Seen seen = { 0 };
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  g_autofree char *out = g_build_filename (toy.dir, "model", NULL);
  toy_options (&toy, &o, out);
  o.full = TRUE;
  o.model_dir = toy.config_only;
  o.epochs = 6;
  g_assert_true (fovea_trainer_run (&o, on_progress, &seen, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (seen.last_acc, >=, 0.9);

  /* A timm folder the engine loads, with a card that fits its head. */
  g_autoptr (FoveaVit) vit = fovea_vit_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_vit_get_config (vit)->num_classes, ==, 2);
  g_autofree char *card_path = g_build_filename (out, "task_card.json", NULL);
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (card->sha256);
  g_assert_cmpstr (card->sha256, ==, fovea_vit_get_sha256 (vit));
  toy_clear (&toy);
}

/* Interrupted after epoch 2 of 4, then resumed: the same bytes as a run
 * that was never interrupted (augmentation on, so the random choices
 * are part of what must repeat). */
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
  o.augment = TRUE;
  o.balanced = TRUE;
  g_assert_true (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Seen seen = { .cancel_after = 2, .cancellable = cancellable };
  o.out_dir = resumed;
  g_assert_false (fovea_trainer_run (&o, on_progress, &seen, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (g_file_test (resumed, G_FILE_TEST_EXISTS));
  g_autofree char *checkpoint = fovea_trainer_checkpoint_path (resumed);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));

  /* Starting again without --resume would throw the work away: refused. */
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS);
  g_clear_error (&error);

  /* Resuming with other options would mix two runs: refused. */
  o.resume = TRUE;
  o.lr *= 2;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_CHECKPOINT);
  g_clear_error (&error);
  o.lr /= 2;

  Seen after = { 0 };
  g_assert_true (fovea_trainer_run (&o, on_progress, &after, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (after.epochs_seen, ==, 2);  /* epochs 3 and 4 only */

  const char *files[] = { "adapter_model.safetensors", "adapter_config.json", "task_card.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *a = g_build_filename (straight, files[i], NULL);
      g_autofree char *b = g_build_filename (resumed, files[i], NULL);
      g_autofree char *da = NULL, *db = NULL;
      gsize la = 0, lb = 0;
      g_assert_true (g_file_get_contents (a, &da, &la, NULL));
      g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
      g_assert_cmpmem (da, la, db, lb);
    }
  toy_clear (&toy);
}

static void
test_refusals (void)
{
  Toy toy;
  FoveaTrainerOptions o;
  g_autoptr (GError) error = NULL;

  toy_init (&toy);
  /* An existing output is not replaced without force. */
  g_autofree char *out = g_build_filename (toy.dir, "taken", NULL);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  toy_options (&toy, &o, out);
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS);
  g_clear_error (&error);

  /* A label the card does not have names the image. */
  g_autofree char *labels = g_build_filename (toy.train, "labels.csv", NULL);
  g_assert_true (g_file_set_contents (labels, "file,label\nimg00.png,0\nimg01.png,7\n", -1, NULL));
  g_autofree char *fresh = g_build_filename (toy.dir, "fresh", NULL);
  o.out_dir = fresh;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  fovea_test_assert_contains (error->message, "img01.png");
  g_clear_error (&error);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));

  /* SPMix needs a CNN's activation map: refused for a ViT; and its
   * settings are checked when it is on. */
  g_assert_true (g_file_set_contents (labels, "file,label\nimg00.png,0\nimg01.png,1\n", -1,
                                      NULL));
  o.spmix = TRUE;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  fovea_test_assert_contains (error->message, "CNN");
  g_clear_error (&error);
  o.spmix_keep = 1;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  fovea_test_assert_contains (error->message, "--spmix-keep");
  g_clear_error (&error);
  o.spmix = FALSE;
  o.spmix_keep = FOVEA_SPMIX_DEFAULT_KEEP;
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));

  /* Options that make no sense are refused before any work. */
  o.epochs = 0;
  g_assert_false (fovea_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS);
  toy_clear (&toy);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trainer/lora-learns", test_lora_learns);
  g_test_add_func ("/trainer/full-from-config", test_full_from_config);
  g_test_add_func ("/trainer/resume-identical", test_resume_identical);
  g_test_add_func ("/trainer/refusals", test_refusals);
  return g_test_run ();
}
