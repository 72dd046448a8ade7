/* test-review-window.c: the whole review window, in the real application
 * under Xvfb: open images, zoom through the window's actions, a heat-map
 * blended at 50 % and toggled with H, red-free with undo, enhancement with
 * its label and the compare mode, an analysis with a test model (status,
 * results text, saliency heat-map), switching tasks without reloading the
 * backbone, an ungradable image, both eyes of a patient (the patient's
 * line), a corrupt file dropped on the window, Open Recent and the
 * remembered layout. Each main state of the window is
 * written as a PNG into the build folder. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fovea-analysis-private.h"
#include "fovea-application.h"
#include "fovea-colormap.h"
#include "fovea-display-test.h"
#include "fovea-encode.h"
#include "fovea-heatmap-legend.h"
#include "fovea-results-panel-private.h"
#include "fovea-window-private.h"

/* 8-bit rounding in the renderer, both ways. */
#define LEVELS 3

/* A fundus card for the 7-output MeLo fixture, and one for the PEFT
 * fixture (no head of its own: the backbone's 5 outputs). */
static const char melo_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-7\","
  " \"title\": \"Fundus fixture (7 classes)\", \"kind\": \"classification\","
  " \"modality\": \"fundus\","
  " \"labels\": [\"c-zero\", \"c-one\", \"c-two\", \"c-three\", \"c-four\", \"c-five\", \"c-six\"],"
  " \"referral\": {\"rule\": \"c-two or c-five predicted\", \"labels\": [\"c-two\", \"c-five\"]},"
  " \"provenance\": {\"training_data\": \"none: random fixture weights\"},"
  " \"intended_use\": \"Tests of the review window only.\", \"research_use_only\": true}";
static const char peft_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-5\", \"title\": \"Fundus fixture (5 classes)\","
  " \"kind\": \"classification\", \"modality\": \"fundus\","
  " \"labels\": [\"f-a\", \"f-b\", \"f-c\", \"f-d\", \"f-e\"],"
  " \"provenance\": {\"training_data\": \"none\"},"
  " \"intended_use\": \"Tests only.\", \"research_use_only\": true}";

static FoveaApplication *application;
static FoveaWindow *window;

static gboolean
widget_shown (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Opens path as `fovea PATH` does and waits until it has loaded or failed
 * and is on show. Returns the (borrowed) document. */
static FoveaDocument *
open_and_wait (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_application_open (G_APPLICATION (application), &file, 1, "");
  window = FOVEA_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);

  FoveaDocument *document = fovea_display_test_find_document (window, file);
  fovea_display_test_wait_for_document (document);
  fovea_display_test_wait_for (widget_shown, window, "the window to be shown");
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  return document;
}

/* The whole window as a clinician sees it (dark style), saved as name. */
static void
save_screenshot (const char *name)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_render_pixels (content, name);
  int rgb[3];

  /* Below the header bar, in the sidebar: the dark style's background. */
  fovea_display_test_get_rgb (&pixels, 4, pixels.height - 4, rgb);
  g_assert_cmpint (rgb[0] + rgb[1] + rgb[2], <, 3 * 80);
}

static gboolean
action (const char *name)
{
  return gtk_widget_activate_action (GTK_WIDGET (window), name, NULL);
}

/* Opening a sample shows its texture; zoom in and out through the
 * window's actions. */
static void
test_open_and_zoom (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  FoveaDocument *document = open_and_wait (path);
  FoveaImageView *view = fovea_window_get_image_view (window);

  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  g_assert_true (fovea_image_view_get_texture (view) == fovea_document_get_texture (document));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "fundus-healthy.png");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
  save_screenshot ("review-window-opened.png");

  double fit = fovea_image_view_get_scale (view);
  g_assert_cmpfloat (fit, >, 0);
  g_assert_true (action ("win.zoom-in"));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), fit * G_SQRT2, 1e-9);
  g_assert_true (action ("win.zoom-in"));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), fit * 2, 1e-9);
  save_screenshot ("review-window-zoomed.png");
  g_assert_true (action ("win.zoom-out"));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), fit * G_SQRT2, 1e-9);
  g_assert_true (action ("win.zoom-1to1"));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), 1, 1e-9);
  g_assert_true (action ("win.zoom-fit"));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), fit, 1e-9);
}

/* A uniform image under a 4 × 3 heat-map at the settings' 50 %: at each
 * cell centre the pixel is half the image and half the colour map's
 * colour; H hides it, and the legend follows. */
static void
test_heatmap_blend (void)
{
  static const double image_rgb[3] = { 180, 90, 60 };
  enum { COLS = 4, ROWS = 3 };
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "uniform.png", NULL);
  g_autoptr(FoveaImage) image = fovea_image_new (400, 300, 3, 8, NULL);
  g_autoptr(GError) error = NULL;
  float values[COLS * ROWS];

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      for (int c = 0; c < 3; c++)
        fovea_image_row (image, y)[3 * x + c] = (guint8) image_rgb[c];
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
  for (int i = 0; i < COLS * ROWS; i++)
    values[i] = (float) i / (COLS * ROWS - 1);

  open_and_wait (path);
  FoveaImageView *view = fovea_window_get_image_view (window);
  GtkWidget *legend = fovea_display_test_find_widget (GTK_WIDGET (window),
                                                      FOVEA_TYPE_HEATMAP_LEGEND);
  GSettings *settings = fovea_application_get_settings (application);

  /* The opacity comes from, and follows, the settings. */
  g_assert_cmpfloat (fovea_image_view_get_heatmap_opacity (view), ==,
                     g_settings_get_double (settings, "default-overlay-opacity"));
  g_settings_set_double (settings, "default-overlay-opacity", 0.3);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_heatmap_opacity (view), 0.3, 1e-9);
  /* The legend's slider shows it, and moving the slider changes the layer. */
  double slider;
  g_object_get (legend, "opacity", &slider, NULL);
  g_assert_cmpfloat_with_epsilon (slider, 0.3, 1e-9);
  g_object_set (legend, "opacity", 0.8, NULL);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_heatmap_opacity (view), 0.8, 1e-9);
  g_settings_reset (settings, "default-overlay-opacity");
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_heatmap_opacity (view), 0.5, 1e-9);

  g_autoptr(GdkTexture) heatmap = fovea_colormap_texture_new (values, COLS, ROWS, 0, 1, &error);
  g_assert_no_error (error);
  fovea_image_view_set_heatmap (view, heatmap);
  g_auto(FoveaDisplayTestPixels) shown =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  for (int j = 0; j < ROWS; j++)
    for (int i = 0; i < COLS; i++)
      {
        double x, y, expected[3];
        guint8 color[3];

        fovea_image_view_image_to_view (view, (i + 0.5) * 100, (j + 0.5) * 100, &x, &y);
        fovea_colormap_lookup (values[j * COLS + i], color);
        for (int c = 0; c < 3; c++)
          expected[c] = 0.5 * image_rgb[c] + 0.5 * color[c];
        fovea_display_test_assert_rgb_near (&shown, x, y, expected, LEVELS);
      }

  /* H, window-wide: hidden, the image alone, no legend; and back. */
  g_assert_true (action ("win.toggle-heatmap"));
  g_assert_false (fovea_image_view_get_heatmap_visible (view));
  g_assert_false (gtk_widget_get_visible (legend));
  g_auto(FoveaDisplayTestPixels) hidden =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  for (int j = 0; j < ROWS; j++)
    for (int i = 0; i < COLS; i++)
      {
        double x, y;
        fovea_image_view_image_to_view (view, (i + 0.5) * 100, (j + 0.5) * 100, &x, &y);
        fovea_display_test_assert_rgb_near (&hidden, x, y, image_rgb, LEVELS);
      }
  g_assert_true (action ("win.toggle-heatmap"));
  g_assert_true (fovea_image_view_get_heatmap_visible (view));
  g_assert_true (gtk_widget_get_visible (legend));

  /* R is red-free through the adjustments panel, so it can be undone. */
  FoveaAdjustmentsPanel *panel = fovea_window_get_adjustments_panel (window);
  g_assert_true (action ("win.toggle-red-free"));
  g_assert_true (fovea_image_view_get_red_free (view));
  g_assert_true (fovea_adjustments_panel_get_adjustments (panel)->red_free);
  g_assert_true (action ("win.undo"));
  g_assert_false (fovea_image_view_get_red_free (view));
  g_assert_true (action ("win.redo"));
  g_assert_true (fovea_image_view_get_red_free (view));
  g_assert_true (action ("win.undo"));

  fovea_test_rmdir (dir);
}

static void
enhanced_ready_cb (FoveaAdjustmentsPanel *panel, gboolean *ready)
{
  *ready = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* CLAHE is labelled on the image, compared side by side with linked zoom,
 * and one click takes it back to the original. */
static void
test_enhanced_and_compare (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-lesions.jpg");
  FoveaDocument *document = open_and_wait (path);
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaAdjustmentsPanel *panel = fovea_window_get_adjustments_panel (window);
  AdwComboRow *enhancement =
    ADW_COMBO_ROW (fovea_display_test_find_widget (GTK_WIDGET (panel), ADW_TYPE_COMBO_ROW));
  gboolean ready = FALSE;
  gulong handler = g_signal_connect (panel, "enhanced-ready", G_CALLBACK (enhanced_ready_cb), &ready);

  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  adw_combo_row_set_selected (enhancement, FOVEA_ENHANCEMENT_CLAHE);
  fovea_display_test_wait_for (flag_set, &ready, "the enhanced image");
  g_signal_handler_disconnect (panel, handler);
  g_assert_true (fovea_image_view_get_showing_enhanced (view));

  GtkWidget *overlay = gtk_widget_get_parent (GTK_WIDGET (view));
  g_autofree char *labelled = fovea_display_test_dup_text (overlay);
  fovea_display_test_assert_shows (labelled, "Enhanced");
  save_screenshot ("review-window-enhanced.png");

  /* C: original and enhanced side by side, sharing the zoom. */
  FoveaCompareView *compare = fovea_window_get_compare_view (window);
  g_assert_true (action ("win.toggle-compare"));
  fovea_display_test_wait_for (widget_shown, compare, "the compare view");
  FoveaImageView *left = fovea_compare_view_get_original_view (compare);
  FoveaImageView *right = fovea_compare_view_get_enhanced_view (compare);
  g_assert_true (fovea_image_view_get_texture (left) == fovea_document_get_texture (document));
  g_assert_true (fovea_image_view_get_enhanced_texture (right) ==
                 fovea_image_view_get_enhanced_texture (view));
  g_assert_true (action ("win.zoom-in"));
  fovea_display_test_wait_for_frames (GTK_WIDGET (compare));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (left),
                                  fovea_image_view_get_scale (right), 1e-9);
  save_screenshot ("review-window-compare.png");
  g_assert_true (action ("win.zoom-fit"));
  g_assert_true (action ("win.toggle-compare"));
  fovea_display_test_wait_for (widget_shown, view, "the image view");

  /* Tone alone is labelled too, and can be reset from the label. */
  g_assert_true (action ("win.reset-adjustments"));
  g_assert_false (fovea_adjustments_panel_get_enhanced (panel));
  g_assert_false (gtk_widget_is_sensitive (fovea_display_test_find_button (overlay, "_Reset")));
  gtk_range_set_value (GTK_RANGE (fovea_display_test_find_widget (GTK_WIDGET (panel),
                                                                  GTK_TYPE_SCALE)), 1.5);
  g_assert_true (fovea_adjustments_panel_get_enhanced (panel));
  g_assert_true (gtk_widget_is_sensitive (fovea_display_test_find_button (overlay, "_Reset")));
  g_autofree char *toned = fovea_display_test_dup_text (overlay);
  fovea_display_test_assert_shows (toned, "Enhanced");
  g_assert_true (action ("win.undo"));
  g_assert_true (action ("win.undo"));
  g_assert_cmpint (fovea_adjustments_panel_get_adjustments (panel)->enhancement, ==,
                   FOVEA_ENHANCEMENT_CLAHE);

  /* Reset: the original, unlabelled, as one undoable step. */
  g_assert_true (action ("win.reset-adjustments"));
  g_assert_false (fovea_image_view_get_showing_enhanced (view));
  g_assert_false (fovea_adjustments_panel_get_enhanced (panel));
  g_autofree char *after = fovea_display_test_dup_text (overlay);
  g_assert_null (strstr (after, "Enhanced"));
  g_assert_true (action ("win.undo"));
  g_assert_true (fovea_adjustments_panel_get_enhanced (panel));
  g_assert_true (action ("win.reset-adjustments"));
}

static gboolean
panel_idle (gpointer data)
{
  return !fovea_results_panel_get_busy (data) && fovea_results_panel_get_result (data) != NULL;
}

static gboolean
heatmap_set (gpointer data)
{
  return fovea_image_view_get_heatmap (data) != NULL;
}

/* Runs the task named task_name on what is shown, with Ctrl+Enter's action. */
static const FoveaAnalysisResult *
analyse (const char *task_name)
{
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);

  g_assert_true (fovea_results_panel_select_task (panel, task_name));
  g_assert_true (action ("win.analyse"));
  g_assert_true (fovea_results_panel_get_busy (panel));
  fovea_display_test_wait_for (panel_idle, panel, "the analysis to finish");
  return fovea_results_panel_get_result (panel);
}

/* An analysis with the test model: its text, the document's status and
 * the saliency heat-map; then another adapter, on the same backbone. */
static void
test_analysis (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  FoveaDocument *document = open_and_wait (path);
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (panel);
  FoveaImageView *view = fovea_window_get_image_view (window);
  guint loads = fovea_analysis_get_n_backbone_loads (analysis);

  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_FUNDUS);
  const FoveaAnalysisResult *result = analyse ("fundus-7");
  g_assert_nonnull (result);
  g_assert_true (result->quality.gradable);
  g_assert_nonnull (result->output);
  g_assert_cmpstr (result->task->name, ==, "fundus-7");
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, loads + 1);

  const FoveaTaskResult *task_result = &result->output->results[0];
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (panel));
  g_test_message ("panel:\n%s", text);
  fovea_display_test_assert_shows (text, "Gradable");
  fovea_display_test_assert_shows (text, task_result->label);
  /* The card reports no held-out figures: its rule is shown, not advised. */
  g_autofree char *advice =
    g_strdup_printf ("%s by the card's rule (c-two or c-five predicted), which no held-out "
                     "figures support", task_result->referable ? "Referable" : "Not referable");
  fovea_display_test_assert_shows (text, advice);
  fovea_display_test_assert_shows (text, "Fundus fixture (7 classes)");
  /* Analyse ran both fundus tasks of the model: both results show together,
   * one row each; neither card reports held-out figures, so no referral
   * is recommended. */
  fovea_display_test_assert_shows (text, "Results");
  fovea_display_test_assert_shows (text, "Fundus fixture (5 classes)");
  fovea_display_test_assert_shows (text, "No recommendation");
  g_assert_nonnull (strstr (text, "f-"));
  g_assert_cmpint (fovea_document_get_status (document), ==,
                   task_result->referable ? FOVEA_DOCUMENT_STATUS_REFERABLE
                                          : FOVEA_DOCUMENT_STATUS_GRADABLE);

  /* The saliency map of a gradable image is the heat-map. */
  int width, height;
  g_assert_nonnull (fovea_analysis_result_get_saliency (result, &width, &height));
  GtkWidget *legend = fovea_display_test_find_widget (GTK_WIDGET (window),
                                                      FOVEA_TYPE_HEATMAP_LEGEND);
  fovea_display_test_wait_for (heatmap_set, view, "the saliency heat-map");
  g_assert_cmpint (gdk_texture_get_width (fovea_image_view_get_heatmap (view)), ==, width);
  g_assert_true (fovea_image_view_get_heatmap_visible (view));
  g_assert_true (gtk_widget_get_visible (legend));
  g_assert_cmpstr (fovea_heatmap_legend_get_title (FOVEA_HEATMAP_LEGEND (legend)), ==,
                   "Saliency (attention rollout)");
  save_screenshot ("review-window-results.png");

  /* The other task's result came with the same run: choosing it shows it
   * (and its heat-map) without running again. */
  g_assert_true (fovea_results_panel_select_task (panel, "fundus-5"));
  g_assert_false (fovea_results_panel_get_busy (panel));
  result = fovea_results_panel_get_result (panel);
  g_assert_nonnull (result);
  g_assert_cmpstr (result->task->name, ==, "fundus-5");
  g_autofree char *chosen = fovea_display_test_dup_text (GTK_WIDGET (panel));
  fovea_display_test_assert_shows (chosen, "Details: Fundus fixture (5 classes)");
  fovea_display_test_assert_shows (chosen, result->output->results[0].label);

  /* Another adapter: no new backbone. */
  result = analyse ("fundus-5");
  g_assert_nonnull (result);
  g_assert_cmpstr (result->task->name, ==, "fundus-5");
  g_assert_false (result->loaded_backbone);
  g_assert_cmpuint (fovea_analysis_get_n_backbone_loads (analysis), ==, loads + 1);
  g_autofree char *switched = fovea_display_test_dup_text (GTK_WIDGET (panel));
  fovea_display_test_assert_shows (switched, "Fundus fixture (5 classes)");
  fovea_display_test_assert_shows (switched, result->output->results[0].label);

  /* Choosing a task the run did not cover (the uncalibrated backbone)
   * drops the shown result, and its heat-map must not stay over the image
   * as if it were the new task's. */
  fovea_display_test_wait_for (heatmap_set, view, "the second task's heat-map");
  g_assert_true (fovea_results_panel_select_task (panel, "backbone"));
  g_assert_null (fovea_results_panel_get_result (panel));
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_assert_false (gtk_widget_get_visible (legend));
}

/* A copy of the healthy sample named name in a fresh folder under the
 * test's temporary root; the caller frees the path. */
static char *
copy_sample_as (const char *dir, const char *name)
{
  g_autofree char *from = fovea_test_sample_path ("fundus-healthy.png");
  char *to = g_build_filename (dir, name, NULL);

  fovea_test_copy_file (from, to);
  return to;
}

static GtkWidget *
find_named (GtkWidget *root, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_patient_row (FoveaResultsPanel *panel)
{
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (panel));

  return strstr (text, "Patient P777:") != NULL;
}

/* Both eyes of one patient open and analysed: the panel adds the
 * patient's line, the worse eye deciding; one eye alone adds none. */
static void
test_patient_line (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *od = copy_sample_as (dir, "P777_OD.png");
  g_autofree char *os = copy_sample_as (dir, "P777_OS.png");
  FoveaDocument *document = open_and_wait (od);
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);

  g_assert_cmpstr (fovea_document_get_patient_id (document), ==, "P777");
  g_assert_nonnull (analyse ("fundus-7"));
  g_assert_nonnull (fovea_document_get_record (document));
  g_assert_false (has_patient_row (panel));

  document = open_and_wait (os);
  g_assert_cmpint (fovea_document_get_eye (document), ==, FOVEA_EYE_OS);
  const FoveaAnalysisResult *result = analyse ("fundus-7");
  g_assert_nonnull (result);
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (panel));
  g_test_message ("panel:\n%s", text);
  /* The same pixels give the same result: the tie goes to OD. The card
   * has no held-out figures, so there is no recommendation. */
  g_autofree char *line = g_strdup_printf ("Patient P777: no recommendation (worst eye OD, %s)",
                                           result->output->results[0].label);
  fovea_display_test_assert_shows (text, line);
  fovea_display_test_assert_shows (text, "Both eyes: the worse one decides");
  /* Scrolled to the line, so that the picture shows it. */
  GtkWidget *scrolled = fovea_display_test_find_widget (GTK_WIDGET (panel),
                                                        GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *row = find_named (GTK_WIDGET (panel), "patient-row");
  g_assert_nonnull (scrolled);
  g_assert_nonnull (row);
  GtkWidget *content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scrolled));
  graphene_point_t at;
  g_assert_true (gtk_widget_compute_point (row, content, &GRAPHENE_POINT_INIT (0, 0), &at));
  GtkAdjustment *vadjustment =
    gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (vadjustment, at.y - 120);
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  save_screenshot ("review-window-patient.png");

  /* Another task, not run: the line goes with the result. */
  g_assert_true (fovea_results_panel_select_task (panel, "fundus-5"));
  g_assert_false (has_patient_row (panel));
  fovea_test_rmdir (dir);
}

/* Ungradable: the status says so, and there is no heat-map. */
static void
test_ungradable (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-blurred.jpg");
  FoveaDocument *document = open_and_wait (path);
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);
  FoveaImageView *view = fovea_window_get_image_view (window);

  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_FUNDUS);
  const FoveaAnalysisResult *result = analyse ("fundus-7");
  g_assert_false (result->quality.gradable);
  g_assert_cmpint (fovea_document_get_status (document), ==, FOVEA_DOCUMENT_STATUS_UNGRADABLE);
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (panel));
  fovea_display_test_assert_shows (text, "Ungradable: re-image or refer");
  save_screenshot ("review-window-ungradable.png");
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

/* A corrupt file dropped on the window: a toast names it; the other
 * documents keep their state and pixels. */
static void
test_drop_corrupt (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "garbage.png", NULL);
  guint8 garbage[4096];
  GRand *rand = g_rand_new_with_seed (7);
  GListModel *documents = fovea_window_get_documents (window);
  guint n_before = g_list_model_get_n_items (documents);
  g_autoptr(GPtrArray) textures = g_ptr_array_new ();

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (const char *) garbage, sizeof garbage, NULL));
  g_assert_cmpuint (n_before, >, 0);
  for (guint i = 0; i < n_before; i++)
    {
      g_autoptr(FoveaDocument) document = g_list_model_get_item (documents, i);
      g_ptr_array_add (textures, fovea_document_get_texture (document));
    }

  GtkDropTarget *target = find_drop_target (GTK_WIDGET (window));
  g_assert_nonnull (target);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GSList files = { file, NULL };
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (&files));
  g_signal_emit_by_name (target, "drop", &value, 100.0, 100.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);

  g_assert_cmpuint (g_list_model_get_n_items (documents), ==, n_before + 1);
  g_autoptr(FoveaDocument) dropped = g_list_model_get_item (documents, n_before);
  fovea_display_test_wait_for_document (dropped);
  g_assert_cmpint (fovea_document_get_state (dropped), ==, FOVEA_DOCUMENT_FAILED);
  g_assert_null (fovea_image_view_get_texture (fovea_window_get_image_view (window)));

  /* The toast is a child of the toast overlay beside the content. */
  GtkWidget *toasts = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  g_autofree char *text = fovea_display_test_dup_text (toasts);
  g_test_message ("window:\n%s", text);
  g_assert_nonnull (strstr (text, "garbage.png"));
  g_assert_nonnull (strstr (text, fovea_document_get_error_message (dropped)));
  save_screenshot ("review-window-corrupt.png");

  for (guint i = 0; i < n_before; i++)
    {
      g_autoptr(FoveaDocument) document = g_list_model_get_item (documents, i);
      g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
      g_assert_true (fovea_document_get_texture (document) == textures->pdata[i]);
    }
  fovea_test_rmdir (dir);
}

/* The Open Recent items of the primary menu, as "label\n" lines. */
static char *
dup_recent_labels (void)
{
  /* The header bar's, the first in the window. */
  GtkWidget *button = fovea_display_test_find_widget (GTK_WIDGET (window),
                                                      GTK_TYPE_MENU_BUTTON);
  GString *out = g_string_new (NULL);

  g_assert_nonnull (button);
  GMenuModel *menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button));
  g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, 0, G_MENU_LINK_SECTION);
  g_autoptr(GMenuModel) submenu = g_menu_model_get_item_link (section, 0, G_MENU_LINK_SUBMENU);
  g_autoptr(GMenuModel) recent = g_menu_model_get_item_link (submenu, 0, G_MENU_LINK_SECTION);

  for (int i = 0; i < g_menu_model_get_n_items (recent); i++)
    {
      g_autofree char *label = NULL;
      g_menu_model_get_item_attribute (recent, i, G_MENU_ATTRIBUTE_LABEL, "s", &label);
      g_string_append_printf (out, "%s\n", label);
    }
  return g_string_free (out, FALSE);
}

static gboolean
recent_lists_sample (gpointer data)
{
  g_autofree char *labels = dup_recent_labels ();

  return strstr (labels, "fundus-healthy.png\n") != NULL;
}

/* Opened images are offered again under Open Recent, and open from it. */
static void
test_open_recent (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  fovea_display_test_wait_for (recent_lists_sample, NULL, "Open Recent to list the sample");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-recent", "s", uri));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "fundus-healthy.png");
}

/* The panes keep the widths they were given, from one window to the next. */
static void
test_layout_remembered (void)
{
  GSettings *settings = fovea_application_get_settings (application);
  g_autofree char *path = fovea_test_sample_path ("octa-3mm.png");
  g_autoptr(GFile) file = g_file_new_for_path (path);

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_set_int (settings, "sidebar-width", 330);
  g_settings_set_int (settings, "panel-width", 400);
  window = fovea_window_new (application);
  fovea_window_open_files (window, &file, 1);
  gtk_window_present (GTK_WINDOW (window));
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);
  GtkWidget *side = gtk_widget_get_parent (GTK_WIDGET (panel));
  fovea_display_test_wait_for (widget_shown, side, "the panel");
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  g_assert_cmpint (ABS (gtk_widget_get_width (side) - 400), <=, 1);
  GtkWidget *list = fovea_display_test_find_widget (GTK_WIDGET (window), GTK_TYPE_LIST_BOX);
  GtkWidget *sidebar = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  g_assert_cmpint (gtk_widget_get_width (sidebar), ==, 330);

  gtk_paned_set_position (GTK_PANED (gtk_widget_get_parent (sidebar)), 350);
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  gtk_window_close (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "sidebar-width"), ==, 350);
  g_assert_cmpint (ABS (g_settings_get_int (settings, "panel-width") - 400), <=, 1);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;

  g_test_init (&argc, &argv, NULL);

  /* Open Recent's list is this process's own: test processes running
   * side by side would otherwise rewrite one shared file under each
   * other. Set before anything reads it; GLib caches it. */
  root = fovea_test_mkdtemp ();
  g_autofree char *data_home = g_build_filename (root, "data", NULL);
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  /* The catalog: the tiny backbone with two fundus adapters, copied. */
  {
    g_autofree char *model = g_build_filename (models, "tiny-token", NULL);
    g_autofree char *adapters = g_build_filename (model, "adapters", NULL);
    g_autofree char *peft = g_build_filename (adapters, "fundus-5", NULL);
    static const char * const copies[][2] = {
      { "vit/models/tiny-token/config.json", "tiny-token/config.json" },
      { "vit/models/tiny-token/model.safetensors", "tiny-token/model.safetensors" },
      { "vit/adapters/melo-tiny_lora_4_8.safetensors", "tiny-token/adapters/melo-tiny_lora_4_8.safetensors" },
      { "vit/adapters/peft-layers-rank/adapter_config.json", "tiny-token/adapters/fundus-5/adapter_config.json" },
      { "vit/adapters/peft-layers-rank/adapter_model.safetensors", "tiny-token/adapters/fundus-5/adapter_model.safetensors" },
    };

    fovea_test_copy_fixtures (models, copies, G_N_ELEMENTS (copies));
    g_autofree char *melo = g_build_filename (adapters, "melo-tiny_lora_4_8.task_card.json", NULL);
    g_autofree char *card = g_build_filename (peft, "task_card.json", NULL);
    g_assert_true (g_file_set_contents (melo, melo_card, -1, NULL));
    g_assert_true (g_file_set_contents (card, peft_card, -1, NULL));
  }
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  /* Room for all three panes and the panel's results. */
  g_settings_set_int (fovea_application_get_settings (application), "window-width", 1240);
  g_settings_set_int (fovea_application_get_settings (application), "window-height", 900);

  g_test_add_func ("/review-window/open-and-zoom", test_open_and_zoom);
  g_test_add_func ("/review-window/heatmap", test_heatmap_blend);
  g_test_add_func ("/review-window/enhanced-and-compare", test_enhanced_and_compare);
  g_test_add_func ("/review-window/analysis", test_analysis);
  g_test_add_func ("/review-window/ungradable", test_ungradable);
  g_test_add_func ("/review-window/patient-line", test_patient_line);
  g_test_add_func ("/review-window/drop-corrupt", test_drop_corrupt);
  g_test_add_func ("/review-window/open-recent", test_open_recent);
  g_test_add_func ("/review-window/layout-remembered", test_layout_remembered);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  fovea_test_rmdir (root);
  return status;
}
