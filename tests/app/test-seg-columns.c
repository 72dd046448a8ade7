/* test-seg-columns.c: the names `grade --segment` gives its measurement
 * columns (the README's table) for the bundled tasks' cards, two tasks
 * meeting on one name refused, and the values' text: empty without
 * measurements, for what does not apply, and for NaN. */
#define G_LOG_DOMAIN "test-seg-columns"

#include <math.h>
#include <string.h>

#include "fovea-seg-columns.h"

#define CARD(NAME, LABELS, THRESHOLDS, COLOURS)                                              \
  "{\"schema_version\": 1, \"name\": \"" NAME "\", \"title\": \"t\", \"kind\": "             \
  "\"segmentation\", \"modality\": \"fundus\", \"labels\": [" LABELS "], \"colours\": ["     \
  COLOURS "], \"threshold\": [" THRESHOLDS "], \"provenance\": {\"training_data\": "     \
  "\"none\"}, \"intended_use\": \"tests\", \"research_use_only\": true}"

static FoveaTaskCard *
card (const char *json)
{
  g_autoptr (GError) error = NULL;
  FoveaTaskCard *c = fovea_task_card_load_data (json, -1, &error);
  g_assert_no_error (error);
  return c;
}

static int
index_of (const char *const *names, const char *name)
{
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  return -1;
}

static void
test_names (void)
{
  g_autoptr (FoveaTaskCard) vessels = card (CARD ("vessels", "\"vessels\"", "0.5", "\"#00c8ff\""));
  g_autoptr (FoveaTaskCard) disc = card (CARD ("optic-disc", "\"optic_disc\"", "0.5",
                                               "\"#00ff00\""));
  g_autoptr (FoveaTaskCard) lesions = card (CARD (
    "lesions", "\"microaneurysms\", \"haemorrhages\", \"hard_exudates\", \"soft_exudates\"",
    "0.5, 0.5, 0.5, 0.5", "\"#ff0000\", \"#a00000\", \"#ffd700\", \"#ffffff\""));
  const FoveaTaskCard *cards[] = { vessels, disc, lesions };
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegColumns) columns = fovea_seg_columns_new (cards, 3, &error);
  g_assert_no_error (error);
  const char *const *names = fovea_seg_columns_names (columns);
  g_assert_cmpuint (g_strv_length ((char **) names), ==, fovea_seg_columns_get_n (columns));
  g_assert_cmpstr (names[0], ==, "fov_diameter_px");
  const char *expected[] = {
    "vessels_count", "vessels_area_px", "vessels_area_pct", "optic_disc_count",
    "optic_disc_area_pct", "lesions_microaneurysms_count", "lesions_microaneurysms_area_pct",
    "lesions_haemorrhages_near_fovea", "lesions_hard_exudates_near_fovea",
    "lesions_soft_exudates_near_fovea", "optic_disc_x", "optic_disc_y",
    "optic_disc_diameter_px", "optic_disc_centred", "fovea_x", "fovea_y", "vessels_density",
    "vessels_fractal_dimension", "vessels_tortuosity", "vessels_tortuosity_segments",
  };
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (index_of (names, expected[i]) < 0)
      g_error ("no column %s", expected[i]);
  /* Microaneurysms are no macular sign. */
  g_assert_cmpint (index_of (names, "lesions_microaneurysms_near_fovea"), ==, -1);
  /* The tasks in order, then the image's measurements. */
  g_assert_cmpint (index_of (names, "vessels_count"), <, index_of (names, "optic_disc_count"));
  g_assert_cmpint (index_of (names, "lesions_soft_exudates_area_pct"), <,
                   index_of (names, "optic_disc_x"));

  /* Without vessels or a disc, their columns are not there. */
  const FoveaTaskCard *only_lesions[] = { lesions };
  g_autoptr (FoveaSegColumns) few = fovea_seg_columns_new (only_lesions, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (index_of (fovea_seg_columns_names (few), "vessels_density"), ==, -1);
  g_assert_cmpint (index_of (fovea_seg_columns_names (few), "fovea_x"), ==, -1);
}

static void
test_collision (void)
{
  /* "a-b" with label "c" and "a" with label "b_c" would both be a_b_c_count. */
  g_autoptr (FoveaTaskCard) one = card (CARD ("a-b", "\"c\"", "0.5", "\"#ff0000\""));
  g_autoptr (FoveaTaskCard) two = card (CARD ("a", "\"b_c\"", "0.5", "\"#00ff00\""));
  const FoveaTaskCard *cards[] = { one, two };
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegColumns) columns = fovea_seg_columns_new (cards, 2, &error);
  g_assert_null (columns);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "a_b_c_count"));
}

static void
test_values (void)
{
  g_autoptr (FoveaTaskCard) anatomy = card (CARD ("anatomy", "\"vessels\", \"hard_exudates\", "
                                                  "\"optic_disc\"", "0.5, 0.5, 0.5",
                                                  "\"#ff0000\", \"#00ff00\", \"#0000ff\""));
  const FoveaTaskCard *cards[] = { anatomy };
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegColumns) columns = fovea_seg_columns_new (cards, 1, &error);
  g_assert_no_error (error);
  const char *const *names = fovea_seg_columns_names (columns);

  g_auto (GStrv) empty = fovea_seg_columns_values (columns, NULL);
  for (guint i = 0; i < fovea_seg_columns_get_n (columns); i++)
    g_assert_cmpstr (empty[i], ==, "");

  FoveaSegLabelMeasures labels[] = {
    { .label = (char *) "vessels", .count = 3, .area = 1234, .area_percent = 12.345678,
      .near_fovea = -1 },
    { .label = (char *) "hard_exudates", .count = 2, .area = 10, .area_percent = 0.1,
      .macular = TRUE, .near_fovea = 1 },
    { .label = (char *) "optic_disc", .count = 1, .area = 99, .area_percent = 1.0,
      .near_fovea = -1 },
  };
  FoveaSegMeasures m = {
    .fov_pixels = 10000, .fov_found = TRUE, .fov_radius = 56.5, .n_labels = 3,
    .labels = labels, .has_disc = TRUE, .disc_cx = 10.25, .disc_cy = 20.75,
    .disc_diameter = 11.2, .disc_centred = FALSE, .has_fovea = FALSE, .has_vessels = TRUE,
    .vessel_density = 0.1234567, .fractal_dimension = 1.61234, .tortuosity = NAN,
    .tortuosity_segments = 0,
  };
  g_auto (GStrv) values = fovea_seg_columns_values (columns, &m);
  struct { const char *name, *value; } want[] = {
    { "fov_diameter_px", "113.0" },
    { "anatomy_vessels_count", "3" },
    { "anatomy_vessels_area_px", "1234" },
    { "anatomy_vessels_area_pct", "12.3457" },
    { "anatomy_hard_exudates_near_fovea", "yes" },
    { "optic_disc_x", "10.2" },
    { "optic_disc_diameter_px", "11.2" },
    { "optic_disc_centred", "no" },
    { "fovea_x", "" },
    { "vessels_density", "0.12346" },
    { "vessels_fractal_dimension", "1.6123" },
    { "vessels_tortuosity", "" },
    { "vessels_tortuosity_segments", "0" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      int at = index_of (names, want[i].name);
      g_assert_cmpint (at, >=, 0);
      g_assert_cmpstr (values[at], ==, want[i].value);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seg-columns/names", test_names);
  g_test_add_func ("/seg-columns/collision", test_collision);
  g_test_add_func ("/seg-columns/values", test_values);
  return g_test_run ();
}
