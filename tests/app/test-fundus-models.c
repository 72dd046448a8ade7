/* test-fundus-models.c: the bundled fundus models are what their cards
 * say. Each card is validated (held-out figures with their intervals), says
 * research use and its data; the validation figures the card records are
 * recomputed here by `fovea-cli evaluate` and must be equal; and a
 * photograph gives the same answer at the camera's full size (4288 × 2848,
 * by upscaling) as at the data set's 1/3 size, through `infer` and
 * `grade` (both decode the large JPEG at the reduced DCT scale the task's
 * input allows, 1/4 here).
 *
 * The held-out rows are never scored here: they were scored once, by
 * scripts/train-fundus-models.sh. The photographs come from
 * ../shared/data/idrid-grading; those tests skip without it. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-resize.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"

#define MODEL "fundus-mobilenetv2"

static const char *const tasks[] = { "dr-grading", "referable-dr", "dme" };

static char *
model_dir (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models", MODEL,
                           NULL);
}

static char *
split_file (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "scripts", "splits",
                           "idrid-grading.csv", NULL);
}

static FoveaTaskCard *
load_card (const char *task)
{
  g_autofree char *dir = model_dir ();
  g_autofree char *path = g_build_filename (dir, "adapters", task, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (path, &error);
  g_assert_no_error (error);
  return card;
}

static const FoveaTaskMetric *
find_metric (const FoveaTaskCard *card, const char *name, gboolean held_out)
{
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *m = card->metrics->pdata[i];
      if (g_strcmp0 (m->name, name) == 0 && m->held_out == held_out)
        return m;
    }
  return NULL;
}

static void
test_card_honest (gconstpointer data)
{
  g_autoptr (FoveaTaskCard) card = load_card (data);
  g_assert_true (card->research_use_only);
  fovea_test_assert_contains (card->intended_use, "not for clinical use");
  fovea_test_assert_contains (card->training_data, "IDRiD");
  g_assert_nonnull (card->sha256);
  g_assert_true (fovea_task_card_is_validated (card));
  g_assert_nonnull (card->referral_rule);

  /* Every held-out figure names the test rows and carries its interval. */
  guint n_held_out = 0;
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *m = card->metrics->pdata[i];
      if (!m->held_out)
        continue;
      n_held_out++;
      fovea_test_assert_contains (m->split, "idrid-grading:test");
      g_assert_false (isnan (m->ci_low) || isnan (m->ci_high));
      g_assert_cmpfloat (m->ci_low, <=, m->value);
      g_assert_cmpfloat (m->value, <=, m->ci_high);
    }
  g_assert_cmpuint (n_held_out, >=, 3);
  g_assert_nonnull (find_metric (card, "acc", TRUE));
}

/* Screening favours sensitivity: referable-dr's operating point was chosen
 * on validation for sensitivity ≥ 0.90, and the card says what it gave. */
static void
test_operating_point (void)
{
  g_autoptr (FoveaTaskCard) card = load_card ("referable-dr");
  g_assert_cmpfloat (card->referral_min_probability, >, 0.0);
  g_assert_cmpfloat (card->referral_min_probability, <, 1.0);
  const FoveaTaskMetric *val = find_metric (card, "sensitivity", FALSE);
  g_assert_nonnull (val);
  g_assert_cmpfloat (val->value, >=, 0.90);
  g_assert_nonnull (find_metric (card, "sensitivity", TRUE));
  g_assert_nonnull (find_metric (card, "specificity", TRUE));
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* `fovea-cli evaluate` on the validation rows gives the card's figures. */
static void
test_validation_reproduces (gconstpointer data)
{
  const char *task = data;
  g_autofree char *images = fovea_test_data_path ("idrid-grading");
  if (images == NULL)
    return;
  g_autoptr (FoveaTaskCard) card = load_card (task);
  g_autofree char *dir = model_dir ();
  g_autofree char *split = split_file ();
  g_autofree char *spec = g_strconcat (images, ":val", NULL);
  gboolean referable = g_strcmp0 (task, "referable-dr") == 0;
  const char *column = g_strcmp0 (task, "dme") == 0 ? "dme_risk" : "dr_grade";
  g_autofree char *adapter = g_build_filename (dir, "adapters", task, NULL);
  const char *args[] = { "evaluate", "--model", dir, "--adapter", adapter, "--task", task,
                         "--data", spec,
                         "--split-file", split, "--label-column", column, "--bootstrap", "0",
                         "--json", referable ? "--label-map" : NULL, "0,0,1,1,1", NULL };
  FoveaCliResult r = fovea_test_run_cli_argv (args);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);

  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *metrics = json_object_get_object_member (parse_object (parser, r.out), "metrics");
  guint compared = 0;
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *m = card->metrics->pdata[i];
      if (m->held_out || strstr (m->split, ":val") == NULL ||
          !json_object_has_member (metrics, m->name))
        continue;
      JsonObject *measured = json_object_get_object_member (metrics, m->name);
      double value = json_object_get_double_member (measured, "value");
      g_test_message ("%s %s: card %.4f, measured %.4f", task, m->name, m->value, value);
      g_assert_cmpfloat (fabs (value - m->value), <=, 0.00051);
      compared++;
    }
  g_assert_cmpuint (compared, >=, 2);
  fovea_test_cli_result_clear (&r);
}

/* The first validation photographs of the split, by name. */
static GPtrArray *
validation_names (int n)
{
  g_autofree char *split = split_file ();
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (split, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  for (int i = 1; lines[i] != NULL && (int) names->len < n; i++)
    if (g_str_has_suffix (lines[i], ",val"))
      g_ptr_array_add (names, g_strndup (lines[i], strlen (lines[i]) - strlen (",val")));
  return names;
}

typedef struct {
  char  *label;
  double probs[5];
  int    n_probs;
} Answer;

/* infer --json on one file: the dr-grading answer. */
static Answer
infer_answer (const char *model, const char *path)
{
  g_autofree char *adapter = g_build_filename (model, "adapters", "dr-grading", NULL);
  FoveaCliResult r = fovea_test_run_cli ("infer", "--model", model, "--adapter", adapter,
                                         "--json", path, NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object = parse_object (parser, r.out);
  Answer answer = { g_strdup (json_object_get_string_member (object, "label")), { 0 }, 0 };
  JsonArray *probs = json_object_get_array_member (object, "probs");
  answer.n_probs = MIN ((int) json_array_get_length (probs), 5);
  for (int i = 0; i < answer.n_probs; i++)
    answer.probs[i] = json_array_get_double_element (probs, i);
  fovea_test_cli_result_clear (&r);
  return answer;
}

static void
test_full_size (void)
{
  g_autofree char *images = fovea_test_data_path ("idrid-grading");
  if (images == NULL)
    return;
  g_autofree char *model = model_dir ();
  g_autofree char *tmp = fovea_test_mkdtemp ();
  g_autofree char *big_dir = g_build_filename (tmp, "full-size", NULL);
  g_assert_cmpint (g_mkdir (big_dir, 0755), ==, 0);
  g_autoptr (GPtrArray) names = validation_names (3);
  Answer small[3];

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (images, names->pdata[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
      g_assert_no_error (error);
      /* 1429 × 949 → the camera's 4288 × 2848. */
      g_autoptr (FoveaImage) big = fovea_resize (image, 4288, 2848, FOVEA_RESIZE_BICUBIC, &error);
      g_assert_no_error (error);
      g_autofree char *big_path = g_build_filename (big_dir, names->pdata[i], NULL);
      g_assert_true (fovea_encode_jpeg_file (big, big_path, 95, &error));
      g_assert_no_error (error);

      small[i] = infer_answer (model, path);
      Answer full = infer_answer (model, big_path);
      g_assert_cmpstr (full.label, ==, small[i].label);
      for (int k = 0; k < full.n_probs; k++)
        g_assert_cmpfloat (fabs (full.probs[k] - small[i].probs[k]), <=, 0.05);
      g_free (full.label);
    }

  /* grade, with its quality gate, on the same full-size JPEGs. */
  g_autofree char *csv = g_build_filename (tmp, "grades.csv", NULL);
  g_autofree char *adapter = g_build_filename (model, "adapters", "dr-grading", NULL);
  FoveaCliResult r = fovea_test_run_cli ("grade", big_dir, "--model", model, "--adapter",
                                         adapter, "--out", csv, NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *row = g_strdup_printf ("%s,", (char *) names->pdata[i]);
      const char *line = strstr (text, row);
      g_assert_nonnull (line);
      g_autofree char *label = g_strdup_printf (",%s,", small[i].label);
      g_autofree char *row_text = g_strndup (line, strcspn (line, "\n"));
      fovea_test_assert_contains (row_text, label);
      g_free (small[i].label);
    }
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      g_autofree char *card = g_strdup_printf ("/fundus-models/card/%s", tasks[i]);
      g_autofree char *val = g_strdup_printf ("/fundus-models/validation/%s", tasks[i]);
      g_test_add_data_func (card, tasks[i], test_card_honest);
      g_test_add_data_func (val, tasks[i], test_validation_reproduces);
    }
  g_test_add_func ("/fundus-models/operating-point", test_operating_point);
  g_test_add_func ("/fundus-models/full-size", test_full_size);
  return g_test_run ();
}
