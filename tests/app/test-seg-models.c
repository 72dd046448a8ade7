/* test-seg-models.c: the bundled segmentation models are what their cards
 * say. Each card is of kind segmentation, validated (held-out figures with
 * their intervals), says research use and its data; the validation
 * figures it records are recomputed here by `fovea-cli evaluate` on the
 * same rows and must be equal; and `fovea-cli segment --task NAME` on a
 * whole validation photograph (its own field-of-view detection and
 * resizing, not the training layout's) agrees with the manual mask.
 *
 * The held-out rows are never scored here: they were scored once, by
 * scripts/train-seg-models.sh held-out. The photographs come from
 * ../shared/data (DRIVE, IDRiD lesions); those tests skip without it. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "fovea-decode.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"

typedef struct {
  const char *name;        /* task and folder under resources/models */
  const char *set;         /* the layout's sub-folder (prepare-data.sh) */
  const char *split;       /* scripts/splits/… */
  const char *source;      /* what the card's training data names */
  const char *image;       /* a validation photograph, in ../shared/data */
  const char *mask;        /* its manual mask of the label checked */
  guint       label;       /* which of the card's labels */
  double      min_dice;    /* at the card's threshold, inside the FOV */
  gboolean    heavy;       /* minutes under ASan: figures checked in the
                            * normal build only */
} BundledSeg;

/* The models the repository bundles. The lesion model's photograph check
 * is on hard exudates (a single photograph's microaneurysm Dice says
 * little). The LesionPaste flagger's data is made by a script
 * (make-lesionpaste-data.py, minutes), so only its card is checked here. */
static const BundledSeg models[] = {
  { "vessels", "drive", "drive-vessels.csv", "DRIVE", "drive/training/images/27_training.tif",
    "drive/training/1st_manual/27_manual1.gif", 0, 0.75, FALSE },
  { "optic-disc", "idrid", "idrid-lesions.csv", "IDRiD", "idrid-lesions/images/IDRiD_02.jpg",
    "idrid-lesions/optic_disc/IDRiD_02.png", 0, 0.85, FALSE },
  /* At a FOV of 1024 px: most of the 16 minutes this test took under ASan. */
  { "lesions", "idrid", "idrid-lesions.csv", "IDRiD", "idrid-lesions/images/IDRiD_02.jpg",
    "idrid-lesions/hard_exudates/IDRiD_02.png", 2, 0.65, TRUE },
  { "lesionpaste", NULL, NULL, "DRIVE", NULL, NULL, 0, 0, FALSE },
};

static char *
source_path (const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *
source_path (const char *first, ...)
{
  va_list args;
  va_start (args, first);
  g_autofree char *tail = g_build_filename_valist (first, &args);
  va_end (args);
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", tail, NULL);
}

static FoveaTaskCard *
load_card (const BundledSeg *m)
{
  g_autofree char *path = source_path ("resources", "models", m->name, "task_card.json", NULL);
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_file (path, &error);
  g_assert_no_error (error);
  return card;
}

static void
test_card_honest (gconstpointer data)
{
  const BundledSeg *m = data;
  g_autoptr (FoveaTaskCard) card = load_card (m);
  g_assert_cmpstr (card->name, ==, m->name);
  g_assert_true (card->kind == FOVEA_TASK_SEGMENTATION);
  g_assert_true (card->research_use_only);
  fovea_test_assert_contains (card->intended_use, "Not for diagnosis");
  fovea_test_assert_contains (card->training_data, m->source);
  g_assert_nonnull (card->sha256);
  g_assert_cmpint (card->fov_diameter, >, 0);
  g_assert_true (fovea_task_card_is_validated (card));

  /* Every held-out figure names the held-out rows and carries its
   * interval; each label has its AUC, AP and Dice there. */
  guint n_held_out = 0;
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *m_i = card->metrics->pdata[i];
      if (!m_i->held_out)
        continue;
      n_held_out++;
      fovea_test_assert_contains (m_i->split, "held-out");
      g_assert_false (isnan (m_i->ci_low) || isnan (m_i->ci_high));
      g_assert_cmpfloat (m_i->ci_low, <=, m_i->value);
      g_assert_cmpfloat (m_i->value, <=, m_i->ci_high);
    }
  g_assert_cmpuint (n_held_out, >=, 3 * g_strv_length (card->labels));
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* The training layout of the shared data, made of links in dir. */
static char *
prepare_layout (const char *dir)
{
  g_autofree char *data = fovea_test_data_path ("drive");
  if (data == NULL)
    return NULL;
  g_autofree char *root = g_path_get_dirname (data);
  g_autofree char *script = source_path ("scripts", "seg-models", "prepare-data.sh", NULL);
  const char *argv[] = { "sh", script, dir, root, NULL };
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strdup (dir);
}

/* TRUE (and the test marked skipped) when m's figures are left to the
 * normal build: the sanitizers check memory, which the lighter models'
 * runs through the same code already do. */
static gboolean
skip_heavy (const BundledSeg *m)
{
  if (!m->heavy || g_getenv ("FOVEA_TEST_SANITIZED") == NULL)
    return FALSE;
  g_test_skip ("checked in the normal build (minutes under the sanitizers)");
  return TRUE;
}

/* `fovea-cli evaluate` on the validation rows gives the card's figures. */
static void
test_validation_reproduces (gconstpointer data)
{
  const BundledSeg *m = data;
  if (skip_heavy (m))
    return;
  g_autofree char *tmp = fovea_test_mkdtemp ();
  g_autofree char *layout = prepare_layout (tmp);
  if (layout == NULL)
    return;
  g_autoptr (FoveaTaskCard) card = load_card (m);
  g_autofree char *dir = source_path ("resources", "models", m->name, NULL);
  g_autofree char *split = source_path ("scripts", "splits", m->split, NULL);
  g_autofree char *root = g_build_filename (layout, m->set, NULL);
  FoveaCliResult r = fovea_test_run_cli ("evaluate", "--model", dir, "--data", root,
                                         "--split-file", split, "--bootstrap", "0", "--json",
                                         NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);

  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *metrics = json_object_get_object_member (parse_object (parser, r.out), "metrics");
  guint compared = 0;
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *mi = card->metrics->pdata[i];
      if (mi->held_out || !json_object_has_member (metrics, mi->name))
        continue;
      JsonObject *measured = json_object_get_object_member (metrics, mi->name);
      double value = json_object_get_double_member (measured, "value");
      g_test_message ("%s %s: card %.4f, measured %.4f", m->name, mi->name, mi->value, value);
      g_assert_cmpfloat (fabs (value - mi->value), <=, 0.00051);
      compared++;
    }
  g_assert_cmpuint (compared, >=, 3);
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (tmp);
}

/* Dice of a 16-bit probability map at threshold against a manual mask,
 * over the pixels where fov (the map's own zero outside it aside) is set. */
static double
dice (const FoveaImage *map, const FoveaImage *manual, double threshold)
{
  g_assert_cmpint (map->width, ==, manual->width);
  g_assert_cmpint (map->height, ==, manual->height);
  guint64 both = 0, predicted = 0, truth = 0;
  guint16 cut = (guint16) lround (threshold * 65535);
  for (int y = 0; y < map->height; y++)
    {
      const guint16 *p = fovea_image_row16 (map, y);
      const guint8 *t = manual->data + (gsize) y * manual->stride;
      for (int x = 0; x < map->width; x++)
        {
          gboolean yes = p[x] >= cut, real = t[x * manual->channels] > 0;
          both += yes && real;
          predicted += yes;
          truth += real;
        }
    }
  return 2.0 * both / MAX (predicted + truth, 1);
}

/* segment --task on a whole validation photograph, found through the
 * models folder as a user's run would. */
static void
test_segment_photograph (gconstpointer data)
{
  const BundledSeg *m = data;
  if (skip_heavy (m))
    return;
  g_autofree char *image = fovea_test_data_path (m->image);
  g_autofree char *mask_path = image != NULL ? fovea_test_data_path (m->mask) : NULL;
  if (mask_path == NULL)
    return;
  g_autoptr (FoveaTaskCard) card = load_card (m);
  g_autofree char *out = fovea_test_mkdtemp ();
  FoveaCliResult r = fovea_test_run_cli ("segment", "--task", m->name, "--out-dir", out,
                                         "--json", image, NULL);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_autofree char *stem = g_path_get_basename (image);
  *strrchr (stem, '.') = '\0';
  g_assert_cmpuint (m->label, <, g_strv_length (card->labels));
  g_autofree char *name = g_strdup_printf ("%s-%s.png", stem, card->labels[m->label]);
  g_autofree char *map_path = g_build_filename (out, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaImage) map = fovea_decode_file (map_path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaImage) manual = fovea_decode_file (mask_path, NULL, NULL, &error);
  g_assert_no_error (error);
  double threshold = card->label_thresholds != NULL
                     ? g_array_index (card->label_thresholds, double, m->label) : 0.5;
  double d = dice (map, manual, threshold);
  g_test_message ("%s %s: Dice %.3f on %s", m->name, card->labels[m->label], d, m->image);
  g_assert_cmpfloat (d, >=, m->min_dice);
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (out);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* segment --task finds the bundled models as an installed Fovea does. */
  g_autofree char *bundled = source_path ("resources", "models", NULL);
  g_setenv ("FOVEA_MODELS_DIR", bundled, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autofree char *card = g_strdup_printf ("/seg-models/%s/card", models[i].name);
      g_autofree char *val = g_strdup_printf ("/seg-models/%s/validation", models[i].name);
      g_autofree char *photo = g_strdup_printf ("/seg-models/%s/photograph", models[i].name);
      g_test_add_data_func (card, &models[i], test_card_honest);
      if (models[i].set != NULL)
        g_test_add_data_func (val, &models[i], test_validation_reproduces);
      if (models[i].image != NULL)
        g_test_add_data_func (photo, &models[i], test_segment_photograph);
    }
  return g_test_run ();
}
