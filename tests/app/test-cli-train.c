/* test-cli-train.c: `fovea-cli train` as a user runs it: options, exit
 * statuses, a kill -9 in the middle of a run followed by --resume, which
 * must give the files of an uninterrupted run byte for byte, and a CNN
 * backbone trained from the command line (its loss falls and what it
 * writes loads). */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-test-common.h"
#include "fovea-train-cnn.h"
#include "tools/fovea-random-cnn.h"
#include "toy-train-set.h"

typedef struct {
  char *dir, *train, *val, *card, *model;
} Setup;

static void
setup_init (Setup *s, int n_train)
{
  s->dir = fovea_test_mkdtemp ();
  s->train = toy_write_set (s->dir, "train", n_train, 1);
  s->val = toy_write_set (s->dir, "val", 8, 2);
  s->card = toy_write_card (s->dir);
  s->model = fovea_test_fixture_path ("vit/models/tiny-token");
}

static void
setup_clear (Setup *s)
{
  fovea_test_rmdir (s->dir);
  g_free (s->dir);
  g_free (s->train);
  g_free (s->val);
  g_free (s->card);
  g_free (s->model);
}

/* The full argument list of a training run into out. */
static GPtrArray *
train_args (const Setup *s, const char *out, const char *epochs)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *fixed[] = { "train", "--model", s->model,
                          "--lora", "r=2,alpha=4,targets=qkv.q,qkv.v,fc1",
                          "--task-card", s->card, "--data", s->train, "--val", s->val,
                          "--epochs", epochs, "--batch", "4", "--lr", "3e-3",
                          "--seed", "5", "--threads", "1", "--out", out };
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (args, (gpointer) fixed[i]);
  return args;
}

static FoveaCliResult
run_args (GPtrArray *args, const char *extra)
{
  if (extra != NULL)
    g_ptr_array_add (args, (gpointer) extra);
  g_ptr_array_add (args, NULL);
  return fovea_test_run_cli_argv ((const char *const *) args->pdata);
}

static void
assert_same_file (const char *a_dir, const char *b_dir, const char *name)
{
  g_autofree char *a = g_build_filename (a_dir, name, NULL);
  g_autofree char *b = g_build_filename (b_dir, name, NULL);
  g_autofree char *da = NULL, *db = NULL;
  gsize la = 0, lb = 0;
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Every file of the two folders, byte for byte, and no file more. */
static void
assert_same_folder (const char *a_dir, const char *b_dir)
{
  const char *dirs[2] = { a_dir, b_dir };
  char *listing[2] = { NULL, NULL };  /* g_autofree would free only the first */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GDir) d = g_dir_open (dirs[i], 0, NULL);
      g_assert_nonnull (d);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
      g_ptr_array_add (names, NULL);
      listing[i] = g_strjoinv (",", (char **) names->pdata);
    }
  g_assert_cmpstr (listing[0], ==, listing[1]);
  g_auto (GStrv) names = g_strsplit (listing[0], ",", -1);
  g_free (listing[0]);
  g_free (listing[1]);
  g_assert_cmpuint (g_strv_length (names), >=, 3);
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_test_message ("comparing %s", names[i]);
      assert_same_file (a_dir, b_dir, names[i]);
    }
}

static void
test_kill_and_resume (void)
{
  Setup s;
  setup_init (&s, 64);
  g_autofree char *straight = g_build_filename (s.dir, "straight", NULL);
  g_autofree char *killed = g_build_filename (s.dir, "killed", NULL);
  g_autofree char *checkpoint = g_strconcat (killed, ".checkpoint.safetensors", NULL);
  const char *epochs = "12";

  /* Into the same --out (moved aside after), so the commands match. */
  g_autoptr (GPtrArray) args = train_args (&s, killed, epochs);
  FoveaCliResult r = run_args (args, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "epoch 12/12");
  fovea_test_cli_result_clear (&r);
  g_assert_cmpint (g_rename (killed, straight), ==, 0);

  /* Start the same run, and kill it once its first checkpoint exists. */
  g_autoptr (GPtrArray) kill_args = train_args (&s, killed, epochs);
  g_ptr_array_insert (kill_args, 0, (gpointer) g_getenv ("FOVEA_CLI"));
  g_ptr_array_add (kill_args, NULL);
  GPid pid;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async (NULL, (char **) kill_args->pdata, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!g_file_test (checkpoint, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  kill (pid, SIGKILL);
  int status = 0;
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
  if (!WIFSIGNALED (status))
    {
      g_test_skip ("the run finished before it could be killed");
      setup_clear (&s);
      return;
    }
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (killed, G_FILE_TEST_EXISTS));

  /* Without --resume the checkpoint is not thrown away silently. */
  g_autoptr (GPtrArray) again = train_args (&s, killed, epochs);
  r = run_args (again, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--resume");
  fovea_test_cli_result_clear (&r);

  g_autoptr (GPtrArray) resume = train_args (&s, killed, epochs);
  r = run_args (resume, "--resume");
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  /* task_card.json too: it records the first command, not the --resume. */
  assert_same_folder (straight, killed);
  g_assert_false (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  setup_clear (&s);
}

static void
test_refuses_overwrite (void)
{
  Setup s;
  setup_init (&s, 8);
  g_autofree char *out = g_build_filename (s.dir, "out", NULL);

  g_autoptr (GPtrArray) first = train_args (&s, out, "1");
  FoveaCliResult r = run_args (first, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autofree char *card = g_build_filename (out, "task_card.json", NULL);
  g_autofree char *before = NULL;
  g_assert_true (g_file_get_contents (card, &before, NULL, NULL));

  g_autoptr (GPtrArray) second = train_args (&s, out, "1");
  r = run_args (second, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--force");
  fovea_test_cli_result_clear (&r);
  g_autofree char *after = NULL;
  g_assert_true (g_file_get_contents (card, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);

  g_autoptr (GPtrArray) forced = train_args (&s, out, "2");
  r = run_args (forced, "--force");
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

/* The "val loss" of each "epoch N/M" line fovea-cli printed. */
static GArray *
val_losses (const char *err)
{
  GArray *losses = g_array_new (FALSE, FALSE, sizeof (double));
  for (const char *at = strstr (err, "val loss "); at != NULL; at = strstr (at + 1, "val loss "))
    {
      double loss = g_ascii_strtod (at + strlen ("val loss "), NULL);
      g_array_append_val (losses, loss);
    }
  return losses;
}

/* A random MobileNetV2 (torchvision layout) trained with a LoRA on its
 * 1×1 convolutions at 40 × 40 pixels: the loss falls and the PEFT folder
 * applies back onto the backbone. */
static void
test_cnn_lora (void)
{
  Setup s;
  g_autoptr (GError) error = NULL;
  setup_init (&s, 24);
  g_autofree char *model = g_build_filename (s.dir, "mobilenet", NULL);
  g_assert_cmpint (g_mkdir (model, 0755), ==, 0);
  g_autofree char *config_json = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", 1000,
                                                               "same", NULL);
  g_assert_true (fovea_random_cnn_write (model, config_json, FOVEA_DTYPE_F16, 3, &error));
  g_assert_no_error (error);
  /* a card that leaves the size to --input-size */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (s.card, &text, NULL, NULL));
  g_auto (GStrv) parts = g_strsplit (text, "\"input_size\": [32, 32], ", -1);
  g_autofree char *card_text = g_strjoinv ("", parts);
  g_assert_true (g_file_set_contents (s.card, card_text, -1, NULL));

  g_autofree char *out = g_build_filename (s.dir, "out", NULL);
  const char *args[] = { "train", "--model", model, "--lora", "r=4,alpha=8,targets=conv1x1",
                         "--input-size", "40", "--task-card", s.card, "--data", s.train,
                         "--val", s.val, "--epochs", "4", "--batch", "8", "--lr", "1e-2",
                         "--seed", "2", "--threads", "2", "--no-augment", "--out", out, NULL };
  FoveaCliResult r = fovea_test_run_cli_argv (args);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GArray) losses = val_losses (r.err);
  g_assert_cmpuint (losses->len, ==, 4);
  g_assert_cmpfloat (g_array_index (losses, double, 3), <, g_array_index (losses, double, 0));
  fovea_test_cli_result_clear (&r);

  g_autofree char *config_path = g_build_filename (model, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (model, "model.safetensors", NULL);
  FoveaCnnConfig config;
  g_assert_true (fovea_cnn_config_load_file (&config, config_path, &error));
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  FoveaTrainCnnSize size = { 1, 40, 40, 1 };
  g_autoptr (FoveaTrainCnn) loaded = fovea_train_cnn_new_frozen (&config, weights, out, &size,
                                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_train_cnn_get_n_outputs (loaded), ==, 2);
  g_autofree char *card = NULL;
  g_autofree char *card_path = g_build_filename (out, "task_card.json", NULL);
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));
  fovea_test_assert_contains (card, "\"input_size\"");
  fovea_cnn_config_clear (&config);
  setup_clear (&s);
}

static void
test_usage_errors (void)
{
  const char *const cases[][3] = {
    { "--lora", "r=4,alpha=4,targets=qkv.x", "qkv.x" },
    { "--lora", "r=0,targets=qkv", "r=0" },
    { "--lora", "r=4,alpha=4", "at least one target" },
    { "--full", NULL, "required" },
    { "--input-size", "12x", "--input-size" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FoveaCliResult r = fovea_test_run_cli ("train", cases[i][0], cases[i][1], NULL);
      g_assert_cmpint (r.status, ==, 1);
      fovea_test_assert_contains (r.err, cases[i][2]);
      fovea_test_cli_result_clear (&r);
    }

  FoveaCliResult r = fovea_test_run_cli ("train", "--full", "--lora", "r=4,targets=qkv", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "either --lora");
  fovea_test_cli_result_clear (&r);
}

/* A data set's own table (several columns, labels as the card's names)
 * with a recorded split: --data DIR:train --val DIR:val pick its rows,
 * and the card says which rows and column it was trained on. */
static void
test_split_file (void)
{
  Setup s;
  setup_init (&s, 16);
  g_autoptr (GString) table = g_string_new ("file,site,colour\n");
  g_autoptr (GString) split = g_string_new ("file,split\n");
  for (int i = 0; i < 16; i++)
    {
      /* toy_write_set alternates the classes, red first. */
      g_string_append_printf (table, "img%02d.png,clinic %d,%s\n", i, i % 3,
                              i % 2 ? "Blue" : "red");
      g_string_append_printf (split, "img%02d.png,%s\n", i, i < 12 ? "train" : "val");
    }
  g_autofree char *table_path = g_build_filename (s.dir, "table.csv", NULL);
  g_autofree char *split_path = g_build_filename (s.dir, "split.csv", NULL);
  g_assert_true (g_file_set_contents (table_path, table->str, -1, NULL));
  g_assert_true (g_file_set_contents (split_path, split->str, -1, NULL));
  g_autofree char *data = g_strconcat (s.train, ":train", NULL);
  g_autofree char *val = g_strconcat (s.train, ":val", NULL);
  g_autofree char *out = g_build_filename (s.dir, "out", NULL);
  g_free (s.val);
  s.val = g_strdup (val);
  g_free (s.train);
  s.train = g_strdup (data);

  g_autoptr (GPtrArray) args = train_args (&s, out, "1");
  const char *extra[] = { "--labels", table_path, "--label-column", "colour",
                          "--split-file", split_path };
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (args, (gpointer) extra[i]);
  FoveaCliResult r = run_args (args, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autofree char *card_path = g_build_filename (out, "task_card.json", NULL);
  g_autofree char *card = NULL;
  g_assert_true (g_file_get_contents (card_path, &card, NULL, NULL));
  fovea_test_assert_contains (card, "train:train, column colour (12 images)");
  fovea_test_assert_contains (card, "train:val, column colour (4 images)");

  /* A label that is no class of the card names the row. */
  g_string_replace (table, "img01.png,clinic 1,Blue", "img01.png,clinic 1,green", 1);
  g_assert_true (g_file_set_contents (table_path, table->str, -1, NULL));
  g_autoptr (GPtrArray) bad = train_args (&s, out, "1");
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (bad, (gpointer) extra[i]);
  r = run_args (bad, "--force");
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "line 3: the label “green” is neither a class index nor one of red, blue");
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

/* --spmix and its settings are listed; on a ViT it is refused with the
 * reason, before any output is written. */
static void
test_spmix_options (void)
{
  FoveaCliResult r = fovea_test_run_cli ("train", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.out, "--spmix-prob");
  fovea_test_assert_contains (r.out, "--spmix-grid");
  fovea_test_assert_contains (r.out, "--spmix-keep");
  fovea_test_cli_result_clear (&r);

  Setup s;
  setup_init (&s, 8);
  g_autofree char *out = g_build_filename (s.dir, "out", NULL);
  g_autoptr (GPtrArray) args = train_args (&s, out, "1");
  r = run_args (args, "--spmix");
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--spmix needs a CNN");
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* its settings alone would do nothing: refused */
  g_autoptr (GPtrArray) alone = train_args (&s, out, "1");
  g_ptr_array_add (alone, (gpointer) "--spmix-grid");
  r = run_args (alone, "3");
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "apply with --spmix");
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-train/kill-and-resume", test_kill_and_resume);
  g_test_add_func ("/cli-train/refuses-overwrite", test_refuses_overwrite);
  g_test_add_func ("/cli-train/usage-errors", test_usage_errors);
  g_test_add_func ("/cli-train/cnn-lora", test_cnn_lora);
  g_test_add_func ("/cli-train/split-file", test_split_file);
  g_test_add_func ("/cli-train/spmix-options", test_spmix_options);
  return g_test_run ();
}
