/* test-cli-evaluate.c: `fovea-cli evaluate` as a user runs it.
 *
 * A toy adapter is trained (tiny-token fixture backbone, toy red/blue
 * set); evaluate's accuracy must equal the share of `infer --json`
 * predictions that match labels.csv, counted here independently; its
 * intervals must hold the values and repeat with the seed; --record
 * writes figures into the card, which still loads; held-out figures are
 * recorded once (again only with --force); an operating point is never
 * chosen on the held-out part. With ../shared/data, the bundled demo
 * adapter's RetinaMNIST val figures must equal its card's, which the
 * trainer computed by another path. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "toy-train-set.h"

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static double
metric_value (JsonObject *report, const char *name, const char *field)
{
  JsonObject *metrics = json_object_get_object_member (report, "metrics");
  g_assert_true (json_object_has_member (metrics, name));
  JsonNode *node = json_object_get_member (json_object_get_object_member (metrics, name), field);
  return JSON_NODE_HOLDS_NULL (node) ? NAN : json_node_get_double (node);
}

/* The share of images whose infer --json label is the labels.csv one. */
static double
infer_accuracy (const char *model, const char *adapter, const char *val)
{
  FoveaCliResult r = fovea_test_run_cli ("infer", "--json", "--modality", "fundus", "--model", model, "--adapter",
                                         adapter, val, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *csv_path = g_build_filename (val, "labels.csv", NULL);
  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_auto (GStrv) rows = g_strsplit (csv, "\n", -1);
  g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
  static const char *const names[] = { "red", "blue" };
  int right = 0, total = 0;
  for (int i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *line = parse_object (parser, lines[i]);
      g_autofree char *file = g_path_get_basename (json_object_get_string_member (line, "input"));
      for (int k = 1; rows[k] != NULL && rows[k][0] != '\0'; k++)
        if (g_str_has_prefix (rows[k], file) && rows[k][strlen (file)] == ',')
          {
            int label = atoi (rows[k] + strlen (file) + 1);
            right += strcmp (json_object_get_string_member (line, "label"), names[label]) == 0;
            total++;
          }
    }
  fovea_test_cli_result_clear (&r);
  g_assert_cmpint (total, ==, 16);
  return (double) right / total;
}

static void
test_toy (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *train = toy_write_set (dir, "train", 32, 1);
  g_autofree char *val = toy_write_set (dir, "val", 16, 2);
  g_autofree char *card = toy_write_card (dir);
  g_autofree char *model = fovea_test_fixture_path ("vit/models/tiny-token");
  g_autofree char *adapter = g_build_filename (dir, "adapter", NULL);
  FoveaCliResult r = fovea_test_run_cli ("train", "--model", model, "--lora", "r=2,alpha=4,targets=qkv.q,qkv.v,fc1",
                                         "--task-card", card, "--data", train, "--val", val,
                                         "--epochs", "2", "--batch", "8", "--lr", "3e-3",
                                         "--threads", "1", "--out", adapter, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);

  r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                          "--data", val, "--json", "--bootstrap", "500", "--seed", "3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *report = parse_object (parser, r.out);
  double acc = metric_value (report, "acc", "value");
  g_assert_cmpfloat (acc, ==, infer_accuracy (model, adapter, val));
  g_assert_cmpfloat (metric_value (report, "acc", "ci_low"), <=, acc);
  g_assert_cmpfloat (metric_value (report, "acc", "ci_high"), >=, acc);
  g_autofree char *first = g_strdup (r.out);
  fovea_test_cli_result_clear (&r);

  /* The same seed, the same intervals. */
  r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                          "--data", val, "--json", "--bootstrap", "500", "--seed", "3", NULL);
  g_assert_cmpstr (r.out, ==, first);
  fovea_test_cli_result_clear (&r);

  /* Recorded as held-out figures, once. */
  g_autofree char *card_path = g_build_filename (adapter, "task_card.json", NULL);
  const char *record[] = { "evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                           "--data", val, "--bootstrap", "200", "--record", "--held-out", NULL,
                           NULL };
  r = fovea_test_run_cli_argv (record);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) recorded = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_task_card_is_validated (recorded));
  gboolean found = FALSE;
  for (guint i = 0; i < recorded->metrics->len; i++)
    {
      FoveaTaskMetric *m = recorded->metrics->pdata[i];
      if (m->held_out && strcmp (m->name, "acc") == 0)
        {
          found = TRUE;
          g_assert_cmpfloat (fabs (m->value - acc), <, 1e-4);
          g_assert_true (m->ci_low <= m->value && m->value <= m->ci_high);
          fovea_test_assert_contains (m->split, "val (16 images)");
        }
    }
  g_assert_true (found);
  r = fovea_test_run_cli_argv (record);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "scored once");
  fovea_test_cli_result_clear (&r);
  record[13] = "--force";
  r = fovea_test_run_cli_argv (record);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);

  /* No operating point from held-out data. */
  r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                          "--data", val, "--sensitivity", "0.9", "--record", "--held-out", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "never on the held-out part");
  fovea_test_cli_result_clear (&r);

  /* An operating point from validation data goes into the card, and
   * reaches the sensitivity on that data. */
  r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                          "--data", val, "--sensitivity", "0.9", "--record", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_autoptr (FoveaTaskCard) operating = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (operating->referral_min_probability, >, 0);
  r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter, "--task", "toy-colour",
                          "--data", val, "--json", "--bootstrap", "0", NULL);
  JsonObject *after = parse_object (parser, r.out);
  g_assert_cmpfloat (metric_value (after, "sensitivity", "value"), >=, 0.9);
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

static double
card_metric (const FoveaTaskCard *card, const char *name)
{
  for (guint i = 0; i < card->metrics->len; i++)
    {
      FoveaTaskMetric *m = card->metrics->pdata[i];
      if (strcmp (m->name, name) == 0)
        return m->value;
    }
  g_assert_not_reached ();
}

static void
test_demo_model_figures (void)
{
  g_autofree char *npz = fovea_test_data_path ("retinamnist/retinamnist_trainval.npz");
  if (npz == NULL)
    return;
  g_autofree char *model = fovea_test_fixture_path ("models/retinamnist-vit");
  g_autofree char *adapter = g_build_filename (model, "adapters", "dr-grading", NULL);
  g_autofree char *card_path = g_build_filename (adapter, "task_card.json", NULL);
  g_autofree char *data = g_strconcat (npz, ":val", NULL);
  FoveaCliResult r = fovea_test_run_cli ("evaluate", "--model", model, "--adapter", adapter,
                                         "--task", "dr-grading", "--data", data, "--json", "--ordinal",
                                         "--bootstrap", "0", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *report = parse_object (parser, r.out);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (card_path, &error);
  g_assert_no_error (error);
  /* The trainer's forward and the engine's round differently, which can
   * swap near-tied scores: the same 0.0006 test-demo-models.c allows. */
  g_assert_cmpfloat_with_epsilon (metric_value (report, "acc", "value"),
                                  card_metric (card, "acc"), 0.0006);
  g_assert_cmpfloat_with_epsilon (metric_value (report, "macro_auc", "value"),
                                  card_metric (card, "macro_auc"), 0.0006);
  g_assert_cmpfloat_with_epsilon (metric_value (report, "qwk", "value"),
                                  card_metric (card, "qwk"), 0.0006);
  fovea_test_cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-evaluate/toy", test_toy);
  g_test_add_func ("/cli-evaluate/demo-model-figures", test_demo_model_figures);
  return g_test_run ();
}
