/* test-results-panel.c: the task picker and results panel, driven under
 * Xvfb with a catalog built from the ViT fixtures: tasks offered per
 * modality, a classification result checked against the engine run
 * directly, an uncalibrated task, an ungradable image, switching tasks
 * without reloading the backbone, and cancelling. Each state is written
 * as a PNG into the build folder. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include "fovea-analysis-private.h"
#include "fovea-decode.h"
#include "fovea-display-test.h"
#include "fovea-results-panel-private.h"

#define RESEARCH_LABEL "Research use only — not a diagnosis; requires clinician review"

/* A fundus card for the 7-output MeLo fixture. */
static const char fundus_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-7\","
  " \"title\": \"Fundus fixture (7 classes)\", \"kind\": \"classification\","
  " \"modality\": \"fundus\","
  " \"labels\": [\"c-zero\", \"c-one\", \"c-two\", \"c-three\", \"c-four\", \"c-five\", \"c-six\"],"
  " \"referral\": {\"rule\": \"c-two or c-five predicted\", \"labels\": [\"c-two\", \"c-five\"]},"
  " \"provenance\": {\"training_data\": \"none: random fixture weights\","
  "   \"metrics\": [{\"name\": \"acc\", \"value\": 0.143, \"split\": \"fixture hold-out (7 images)\","
  "   \"held_out\": true}]},"
  " \"intended_use\": \"Tests of the results panel only.\", \"research_use_only\": true}";
/* A skin card for the PEFT fixture (no head: the backbone's 5 outputs). */
static const char skin_card[] =
  "{\"schema_version\": 1, \"name\": \"skin-5\", \"title\": \"Skin fixture (5 classes)\","
  " \"kind\": \"classification\", \"modality\": \"skin\","
  " \"labels\": [\"s-a\", \"s-b\", \"s-c\", \"s-d\", \"s-e\"],"
  " \"label_titles\": [\"Skin A\", \"Skin B\", \"Skin C\", \"Skin D\", \"Skin E\"],"
  " \"referral\": {\"rule\": \"skin A or C predicted\", \"labels\": [\"s-a\", \"s-c\"]},"
  " \"provenance\": {\"training_data\": \"none\"},"
  " \"intended_use\": \"Tests only.\", \"research_use_only\": true}";
/* The same adapter's outputs read as a second fundus task, with a rule
 * but no held-out figures: it may not recommend a referral. */
static const char fundus5_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-5\", \"title\": \"Fundus fixture (5 classes)\","
  " \"kind\": \"classification\", \"modality\": \"fundus\","
  " \"labels\": [\"f-a\", \"f-b\", \"f-c\", \"f-d\", \"f-e\"],"
  " \"referral\": {\"rule\": \"f-e predicted\", \"labels\": [\"f-e\"]},"
  " \"provenance\": {\"training_data\": \"none\"},"
  " \"intended_use\": \"Tests only.\", \"research_use_only\": true}";

typedef struct {
  char              *root;
  FoveaModelCatalog *catalog;
  GtkWindow         *window;
  FoveaResultsPanel *panel;
} Fixture;

static gboolean
panel_idle (gpointer data)
{
  return !fovea_results_panel_get_busy (data);
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
link_fixture (const char *dir, const char *name, const char *fixture)
{
  g_autofree char *target = fovea_test_fixture_path (fixture);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* ROOT/models/tiny-token: the backbone (no card: uncalibrated), the MeLo
 * adapter with the fundus card, the PEFT adapter with peft_card (the skin
 * card, or a second fundus one). */
static FoveaModelCatalog *
build_catalog (const char *root, const char *peft_card)
{
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_autofree char *model = g_build_filename (models, "tiny-token", NULL);
  g_autofree char *adapters = g_build_filename (model, "adapters", NULL);
  g_autofree char *peft = g_build_filename (adapters, "peft-layers-rank", NULL);

  g_assert_cmpint (g_mkdir_with_parents (peft, 0755), ==, 0);
  link_fixture (model, "config.json", "vit/models/tiny-token/config.json");
  link_fixture (model, "model.safetensors", "vit/models/tiny-token/model.safetensors");
  link_fixture (adapters, "melo-tiny_lora_4_8.safetensors",
                "vit/adapters/melo-tiny_lora_4_8.safetensors");
  write_file (adapters, "melo-tiny_lora_4_8.task_card.json", fundus_card);
  link_fixture (peft, "adapter_config.json", "vit/adapters/peft-layers-rank/adapter_config.json");
  link_fixture (peft, "adapter_model.safetensors",
                "vit/adapters/peft-layers-rank/adapter_model.safetensors");
  write_file (peft, "task_card.json", peft_card);

  return fovea_model_catalog_scan (models, NULL, NULL);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->root = fovea_test_mkdtemp ();
  fixture->catalog = build_catalog (fixture->root, data != NULL ? data : skin_card);

  fixture->panel = FOVEA_RESULTS_PANEL (fovea_results_panel_new ());
  fovea_results_panel_set_catalog (fixture->panel, fixture->catalog);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 380, 1500);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->panel));
  gtk_window_present (fixture->window);
  fovea_display_test_wait_for_frames (GTK_WIDGET (fixture->panel));
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  fovea_display_test_destroy_window (fixture->window);
  fovea_model_catalog_unref (fixture->catalog);
  fovea_test_rmdir (fixture->root);
  g_free (fixture->root);
}

static char *
dup_panel_text (Fixture *fixture)
{
  return fovea_display_test_dup_text (GTK_WIDGET (fixture->panel));
}

static void
assert_lacks (const char *text, const char *part)
{
  if (strstr (text, part) != NULL)
    g_error ("the panel shows “%s”, which it must not; it shows:\n%s", part, text);
}

/* The level bars on show, in order. */
static void
collect_level_bars (GtkWidget *widget, GPtrArray *out)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LEVEL_BAR (widget))
    g_ptr_array_add (out, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_level_bars (child, out);
}

/* Renders the panel, over its window's background, and saves it. */
static void
save_screenshot (Fixture *fixture, const char *name)
{
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (fixture->panel), name);

  /* Dark style: the background at the top left is dark. */
  guint32 corner = fovea_display_test_get_pixel (&pixels, 2, 2);
  int luma = (int) ((((corner >> 16) & 0xff) + ((corner >> 8) & 0xff) + (corner & 0xff)) / 3);
  g_assert_cmpint (luma, <, 80);
}

static void
run_and_wait (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "panel.run", NULL));
  g_assert_true (fovea_results_panel_get_busy (fixture->panel));
  fovea_display_test_wait_for (panel_idle, fixture->panel, "the analysis to finish");
}

/* The titles the picker offers, one per line. */
static char *
dup_offered (Fixture *fixture)
{
  GString *out = g_string_new (NULL);
  GtkWidget *row = fovea_display_test_find_widget (GTK_WIDGET (fixture->panel),
                                                   ADW_TYPE_COMBO_ROW);

  g_assert_nonnull (row);
  GListModel *names = adw_combo_row_get_model (ADW_COMBO_ROW (row));
  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    g_string_append_printf (out, "%s\n",
                            gtk_string_list_get_string (GTK_STRING_LIST (names), i));
  return g_string_free (out, FALSE);
}

/* Only tasks whose card is for the image's modality, then uncalibrated ones. */
static void
test_panel_picker (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");
  /* OCTA first: only the backbone is on offer there, and it must not stay
   * selected once a calibrated task appears. */
  struct { FoveaModality modality; const char *offered; } cases[] = {
    { FOVEA_MODALITY_OCTA, "backbone (uncalibrated raw output)\n" },
    { FOVEA_MODALITY_FUNDUS, "Fundus fixture (7 classes)\nbackbone (uncalibrated raw output)\n" },
    { FOVEA_MODALITY_SKIN, "Skin fixture (5 classes)\nbackbone (uncalibrated raw output)\n" },
    { FOVEA_MODALITY_OCTA, "backbone (uncalibrated raw output)\n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      fovea_results_panel_set_document (fixture->panel, document, cases[i].modality);
      g_autofree char *offered = dup_offered (fixture);
      g_assert_cmpstr (offered, ==, cases[i].offered);
      /* Until the user picks one, the first (calibrated) task is selected,
       * even after an image for which only the backbone was on offer. */
      GtkWidget *row = fovea_display_test_find_widget (GTK_WIDGET (fixture->panel),
                                                       ADW_TYPE_COMBO_ROW);
      g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 0);
    }
  g_assert_false (fovea_results_panel_select_task (fixture->panel, "fundus-7"));
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "backbone"));

  g_autofree char *text = dup_panel_text (fixture);
  fovea_display_test_assert_shows (text, "Choose a task and press Analyse.");
  fovea_display_test_assert_shows (text, RESEARCH_LABEL);

  /* Without a catalog nothing is offered, and the panel says why. */
  fovea_results_panel_set_catalog (fixture->panel, NULL);
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "panel.run", NULL);
  g_assert_false (fovea_results_panel_get_busy (fixture->panel));
  g_autofree char *empty = dup_panel_text (fixture);
  fovea_display_test_assert_shows (empty, "No task for OCTA scans");
  fovea_display_test_assert_shows (empty, "No installed model has a task for this kind of image.");
  save_screenshot (fixture, "results-panel-no-task.png");
}

/* The label the engine itself gives, run directly on the same image. */
static char *
dup_engine_label (FoveaDocument *document, const char *model_dir, const char *adapter,
                  float *out_probs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaEngine) engine = fovea_engine_new (model_dir, 1, &error);
  g_assert_no_error (error);
  int task = fovea_engine_add_adapter (engine, adapter, NULL, &error);
  g_assert_no_error (error);
  const FoveaImage *image = fovea_document_get_image (document);
  g_autoptr(FoveaEngineOutput) output = fovea_engine_run_images (engine, (guint) task,
                                                                 &image, 1, &error);
  g_assert_no_error (error);
  memcpy (out_probs, output->results[0].probs, sizeof (float) * output->n_outputs);
  return g_strdup (output->results[0].label);
}

/* A calibrated classification on a gradable image, then switching to the
 * uncalibrated task on the same backbone. */
static void
test_panel_results (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (fixture->panel);

  fovea_results_panel_set_document (fixture->panel, document, FOVEA_MODALITY_FUNDUS);
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "fundus-7"));
  run_and_wait (fixture);

  const FoveaAnalysisResult *result = fovea_results_panel_get_result (fixture->panel);
  g_assert_nonnull (result);
  g_assert_true (result->quality.gradable);
  g_assert_nonnull (result->output);
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, 1);

  const FoveaCatalogModel *model = fovea_model_catalog_get_model (fixture->catalog, 0);
  const FoveaCatalogTask *task = model->tasks->pdata[1];
  float probs[7];
  g_autofree char *expected = dup_engine_label (document, model->path, task->path, probs);
  g_test_message ("engine's label: %s", expected);

  g_autofree char *text = dup_panel_text (fixture);
  g_test_message ("panel:\n%s", text);
  fovea_display_test_assert_shows (text, "Gradable");
  fovea_display_test_assert_shows (text, expected);
  fovea_display_test_assert_shows (text, "c-two or c-five predicted");
  gboolean referable = strcmp (expected, "c-two") == 0 || strcmp (expected, "c-five") == 0;
  fovea_display_test_assert_shows (text, referable ? "Referable" : "Not referable");
  fovea_display_test_assert_shows (text, "Fundus fixture (7 classes)");
  fovea_display_test_assert_shows (text, "none: random fixture weights");
  fovea_display_test_assert_shows (text, "acc 0.143");
  fovea_display_test_assert_shows (text, "Measured on fixture hold-out (7 images)");
  fovea_display_test_assert_shows (text, "Time taken");
  fovea_display_test_assert_shows (text, RESEARCH_LABEL);
  assert_lacks (text, "Ungradable");
  assert_lacks (text, "Uncalibrated");

  /* One bar per class, in label order, each the engine's probability. */
  g_autoptr(GPtrArray) bars = g_ptr_array_new ();
  collect_level_bars (GTK_WIDGET (fixture->panel), bars);
  g_assert_cmpuint (bars->len, ==, 7);
  for (guint i = 0; i < bars->len; i++)
    g_assert_cmpfloat_with_epsilon (gtk_level_bar_get_value (bars->pdata[i]), probs[i], 1e-5);
  save_screenshot (fixture, "results-panel-fundus.png");

  /* Another task on the same backbone: its adapter, not a new backbone. */
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "backbone"));
  g_autofree char *cleared = dup_panel_text (fixture);
  assert_lacks (cleared, expected);
  run_and_wait (fixture);
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, 1);
  result = fovea_results_panel_get_result (fixture->panel);
  g_assert_false (result->loaded_backbone);
  g_assert_false (result->output->results[0].calibrated);

  g_autofree char *raw = dup_panel_text (fixture);
  g_test_message ("panel:\n%s", raw);
  fovea_display_test_assert_shows (raw, "Uncalibrated Raw Output");
  for (int i = 0; i < result->output->n_outputs; i++)
    {
      g_autofree char *title = g_strdup_printf ("Output %d", i);
      g_autofree char *value = g_strdup_printf ("%.3f", result->output->logits[i]);
      fovea_display_test_assert_shows (raw, title);
      fovea_display_test_assert_shows (raw, value);
    }
  fovea_display_test_assert_shows (raw, "No task card · model tiny-token");
  fovea_display_test_assert_shows (raw, RESEARCH_LABEL);
  /* No clinical wording without a card. */
  assert_lacks (raw, "Referable");
  assert_lacks (raw, "Grade");
  assert_lacks (raw, "%");
  assert_lacks (raw, "c-");
  save_screenshot (fixture, "results-panel-uncalibrated.png");

  /* And a skin task: a third adapter on the same backbone. */
  fovea_results_panel_set_document (fixture->panel, document, FOVEA_MODALITY_SKIN);
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "skin-5"));
  run_and_wait (fixture);
  result = fovea_results_panel_get_result (fixture->panel);
  g_assert_nonnull (result);
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, 1);

  /* A class, never a grade: every class spelt out with its probability,
   * and the referral rule's wording. */
  g_autofree char *skin = dup_panel_text (fixture);
  g_test_message ("panel:\n%s", skin);
  const char *const titles[] = { "Skin A (s-a)", "Skin B (s-b)", "Skin C (s-c)",
                                 "Skin D (s-d)", "Skin E (s-e)" };
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    fovea_display_test_assert_shows (skin, titles[i]);
  const char *skin_label = result->output->results[0].label;
  gboolean skin_referable = strcmp (skin_label, "s-a") == 0 || strcmp (skin_label, "s-c") == 0;
  g_autofree char *skin_rule =
    g_strdup_printf ("%s by the card's rule (skin A or C predicted), which no held-out "
                     "figures support", skin_referable ? "Referable" : "Not referable");
  fovea_display_test_assert_shows (skin, skin_rule);
  g_autofree char *likely = g_strdup_printf ("Most likely class, probability %.0f %%",
                                             100 * result->output->results[0].score);
  fovea_display_test_assert_shows (skin, likely);
  assert_lacks (skin, "Grade");
  g_autoptr(GPtrArray) skin_bars = g_ptr_array_new ();
  collect_level_bars (GTK_WIDGET (fixture->panel), skin_bars);
  g_assert_cmpuint (skin_bars->len, ==, 5);
  for (guint i = 0; i < skin_bars->len; i++)
    g_assert_cmpfloat_with_epsilon (gtk_level_bar_get_value (skin_bars->pdata[i]),
                                    result->output->results[0].probs[i], 1e-5);
  save_screenshot (fixture, "results-panel-skin.png");
}

/* Ungradable overrides any grade: no model output is shown at all. */
static void
test_panel_ungradable (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-blurred.jpg");

  fovea_results_panel_set_document (fixture->panel, document, FOVEA_MODALITY_FUNDUS);
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "fundus-7"));
  run_and_wait (fixture);

  const FoveaAnalysisResult *result = fovea_results_panel_get_result (fixture->panel);
  g_assert_nonnull (result);
  g_assert_false (result->quality.gradable);
  g_assert_null (result->output);

  g_autofree char *text = dup_panel_text (fixture);
  g_test_message ("panel:\n%s", text);
  fovea_display_test_assert_shows (text, "Ungradable: re-image or refer");
  fovea_display_test_assert_shows (text, "Blurred or out of focus");
  fovea_display_test_assert_shows (text, "Quality check only: no model was run");
  fovea_display_test_assert_shows (text, RESEARCH_LABEL);
  assert_lacks (text, "Result");
  assert_lacks (text, "Referable");
  assert_lacks (text, "referable");
  assert_lacks (text, "c-");
  g_autoptr(GPtrArray) bars = g_ptr_array_new ();
  collect_level_bars (GTK_WIDGET (fixture->panel), bars);
  g_assert_cmpuint (bars->len, ==, 0);
  save_screenshot (fixture, "results-panel-ungradable.png");
}

/* Cancel returns at once; the abandoned run's result never appears; the
 * next run works. */
static void
test_panel_cancel (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");
  GtkWidget *panel = GTK_WIDGET (fixture->panel);
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (fixture->panel);

  /* Held before its model, so the running state can be seen. */
  fovea_analysis_set_paused (analysis, TRUE);
  fovea_results_panel_set_document (fixture->panel, document, FOVEA_MODALITY_FUNDUS);
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "fundus-7"));
  g_assert_true (gtk_widget_activate_action (panel, "panel.run", NULL));
  g_assert_true (fovea_results_panel_get_busy (fixture->panel));

  g_autofree char *running = dup_panel_text (fixture);
  fovea_display_test_assert_shows (running, "Analysing…");
  fovea_display_test_assert_shows (running, "Cancel");
  save_screenshot (fixture, "results-panel-running.png");

  g_assert_true (fovea_results_panel_get_busy (fixture->panel));
  GtkWidget *spinner = gtk_widget_get_first_child (gtk_widget_get_parent (
                         fovea_display_test_find_button (panel, "_Cancel")));
  g_assert_true (GTK_IS_SPINNER (spinner));
  g_assert_true (gtk_widget_get_mapped (spinner));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));

  g_assert_true (gtk_widget_activate_action (panel, "panel.cancel", NULL));
  g_assert_false (fovea_results_panel_get_busy (fixture->panel));
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  fovea_analysis_set_paused (analysis, FALSE);
  /* Long enough for the abandoned run to finish in its thread: it stops
   * before the model, so no backbone was ever loaded. */
  g_autoptr(GTimer) timer = g_timer_new ();
  while (g_timer_elapsed (timer, NULL) < 2.0)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  g_assert_null (fovea_results_panel_get_result (fixture->panel));
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, 0);
  g_autofree char *cancelled = dup_panel_text (fixture);
  fovea_display_test_assert_shows (cancelled, "Analysis cancelled.");
  assert_lacks (cancelled, "Gradable");
  assert_lacks (cancelled, "Cancel\n");
  save_screenshot (fixture, "results-panel-cancelled.png");

  run_and_wait (fixture);
  g_assert_nonnull (fovea_results_panel_get_result (fixture->panel));
  g_autofree char *after = dup_panel_text (fixture);
  fovea_display_test_assert_shows (after, "Gradable");
}

/* Analyse runs every calibrated task of the model for the image's
 * modality: one compact row each, shown together; the selected task gives
 * the details, and choosing the other shows its result without a new run. */
static void
test_panel_together (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (fixture->panel);

  fovea_results_panel_set_document (fixture->panel, document, FOVEA_MODALITY_FUNDUS);
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "fundus-7"));
  run_and_wait (fixture);

  const FoveaAnalysisResult *result = fovea_results_panel_get_result (fixture->panel);
  g_assert_nonnull (result);
  g_assert_cmpstr (result->task->name, ==, "fundus-7");
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, 1);

  g_autofree char *text = dup_panel_text (fixture);
  g_test_message ("panel:\n%s", text);
  const char *label7 = result->output->results[0].label;
  g_autofree char *row7 = g_strdup_printf ("%s · %.0f %%", label7,
                                           100 * result->output->results[0].score);
  fovea_display_test_assert_shows (text, "Results");
  fovea_display_test_assert_shows (text, row7);
  fovea_display_test_assert_shows (text, "c-two or c-five predicted");
  fovea_display_test_assert_shows (text, "Fundus fixture (5 classes)");
  fovea_display_test_assert_shows (text, "No recommendation: no held-out figures on the card");
  fovea_display_test_assert_shows (text, "Details: Fundus fixture (7 classes)");
  fovea_display_test_assert_shows (text, RESEARCH_LABEL);
  /* The research-use label once, for the group. */
  const char *first = strstr (text, RESEARCH_LABEL);
  g_assert_null (strstr (first + 1, RESEARCH_LABEL));
  /* Only the selected task's bars: its 7 classes. */
  g_autoptr(GPtrArray) bars = g_ptr_array_new ();
  collect_level_bars (GTK_WIDGET (fixture->panel), bars);
  g_assert_cmpuint (bars->len, ==, 7);
  save_screenshot (fixture, "results-panel-together.png");

  /* The other task's result is already there. */
  g_assert_true (fovea_results_panel_select_task (fixture->panel, "fundus-5"));
  g_assert_false (fovea_results_panel_get_busy (fixture->panel));
  result = fovea_results_panel_get_result (fixture->panel);
  g_assert_nonnull (result);
  g_assert_cmpstr (result->task->name, ==, "fundus-5");
  g_autofree char *switched = dup_panel_text (fixture);
  fovea_display_test_assert_shows (switched, "Details: Fundus fixture (5 classes)");
  fovea_display_test_assert_shows (switched, row7);
  fovea_display_test_assert_shows (switched, result->output->results[0].label);
  g_ptr_array_set_size (bars, 0);
  collect_level_bars (GTK_WIDGET (fixture->panel), bars);
  g_assert_cmpuint (bars->len, ==, 5);
}

int
main (int argc, char **argv)
{
  fovea_display_test_init (&argc, &argv);

  g_test_add ("/results-panel/picker", Fixture, NULL,
              fixture_set_up, test_panel_picker, fixture_tear_down);
  g_test_add ("/results-panel/results", Fixture, NULL,
              fixture_set_up, test_panel_results, fixture_tear_down);
  g_test_add ("/results-panel/ungradable", Fixture, NULL,
              fixture_set_up, test_panel_ungradable, fixture_tear_down);
  g_test_add ("/results-panel/cancel", Fixture, NULL,
              fixture_set_up, test_panel_cancel, fixture_tear_down);
  g_test_add ("/results-panel/together", Fixture, fundus5_card,
              fixture_set_up, test_panel_together, fixture_tear_down);
  return g_test_run ();
}
