/* test-seg-overlays.c: the review window's segmentation overlays, in the
 * real application under Xvfb, with a random-weight segmentation model
 * (tests/app/seg-test-model.c, the fixture card tests/fixtures/seg/model
 * renamed "vessels": labels vessels, drawn filled, and optic_disc, drawn
 * as an outline): nothing offered while no model is installed; the model
 * offered once installed, for fundus photographs only; its overlay made in
 * a worker thread without an analysis, then served from the cache; each
 * label's check button changing what the image view draws; a pending
 * segmentation dropped when the document changes; Export Report with the
 * segmentation section when the image has been segmented (its measurements
 * the legend's), without it when not; a model that cannot be loaded
 * reported in a toast; an anomaly flagger not offered among them. Screenshots and the report go to the build folder. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "fovea-application.h"
#include "fovea-display-test.h"
#include "fovea-explainer-private.h"
#include "fovea-overlay-chooser-private.h"
#include "fovea-results-panel-private.h"
#include "fovea-seg-report.h"
#include "fovea-seg-legend-private.h"
#include "fovea-seg-models-private.h"
#include "fovea-window-private.h"
#include "../app/seg-test-model.h"

#define TASK "vessels"
#define TITLE "Vessels and disc (test)"

static FoveaApplication *application;
static FoveaWindow *window;
static char *root;
static char *models;
static guint rescans;

static gboolean
widget_shown (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Opens the sample name as `fovea PATH` does; returns its document once
 * it is loaded and on show. */
static FoveaDocument *
open_sample (const char *name)
{
  g_autofree char *path = fovea_test_sample_path (name);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_application_open (G_APPLICATION (application), &file, 1, "");
  window = FOVEA_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);
  FoveaDocument *document = fovea_display_test_find_document (window, file);
  fovea_display_test_wait_for_document (document);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  fovea_display_test_wait_for (widget_shown, window, "the window to be shown");
  return document;
}

static FoveaOverlayChooser *
get_chooser (void)
{
  GtkWidget *chooser = fovea_display_test_find_widget (GTK_WIDGET (window),
                                                       FOVEA_TYPE_OVERLAY_CHOOSER);
  g_assert_nonnull (chooser);
  return FOVEA_OVERLAY_CHOOSER (chooser);
}

/* Chooses the segmentation model as a click on its radio button does. */
static void
choose_segmentation (void)
{
  GtkCheckButton *button = fovea_overlay_chooser_get_button (get_chooser (),
                                                             FOVEA_OVERLAY_SEGMENTATION);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_activate (GTK_WIDGET (button)));
  g_assert_cmpint (fovea_overlay_chooser_get_kind (get_chooser ()), ==, FOVEA_OVERLAY_SEGMENTATION);
  g_assert_cmpstr (fovea_overlay_chooser_get_segmentation_task (get_chooser ()), ==, TASK);
}

static void
choose_none (void)
{
  g_assert_true (gtk_widget_activate (GTK_WIDGET (fovea_overlay_chooser_get_button (get_chooser (),
                                                                                    FOVEA_OVERLAY_NONE))));
  g_assert_cmpint (fovea_overlay_chooser_get_kind (get_chooser ()), ==, FOVEA_OVERLAY_NONE);
}

/* The chosen overlay is on show: the chooser is idle and a layer drawn. */
static gboolean
overlay_shown (gpointer data)
{
  return !fovea_overlay_chooser_get_busy (get_chooser ()) &&
         fovea_image_view_get_heatmap (fovea_window_get_image_view (window)) != NULL;
}

static gboolean
chooser_idle (gpointer data)
{
  return !fovea_overlay_chooser_get_busy (get_chooser ());
}

static FoveaSegModels *
get_seg_models (void)
{
  return fovea_explainer_get_seg_models (fovea_window_get_explainer (window));
}

/* The models folder is looked at again, as a new Preferences folder
 * makes the window do. */
static void
rescan_models (void)
{
  GSettings *settings = fovea_application_get_settings (application);
  g_autofree char *name = g_strdup_printf ("more-models-%u", ++rescans);
  g_autofree char *folder = g_build_filename (root, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_settings_set_string (settings, "models-folder", folder);
}

/* A random-weight model folder at models/folder whose card is named
 * task (and has role, unless NULL). Its vessel probabilities are mostly 0.50–0.52 with a tail to
 * 0.8: at 0.6 a few per cent of the field are vessels, in scattered
 * patches, which keeps the vessel measurements (thinning) quick; most
 * optic-disc probabilities are under 0.5 and a few per cent over. */
static void
install_model_with_role (const char *folder,
                         const char *task,
                         const char *role)
{
  g_autofree char *made = seg_test_model_new (128, 64);
  g_autofree char *dir = g_build_filename (models, folder, NULL);
  g_autofree char *card_path = g_build_filename (dir, "task_card.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (models, 0755), ==, 0);
  g_assert_cmpint (g_rename (made, dir), ==, 0);
  g_assert_true (json_parser_load_from_file (parser, card_path, &error));
  g_assert_no_error (error);
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  json_object_set_string_member (card, "name", task);
  json_object_set_string_member (card, "title", TITLE);
  JsonArray *thresholds = json_array_new ();
  json_array_add_double_element (thresholds, 0.6);
  json_array_add_double_element (thresholds, 0.5);
  json_object_set_array_member (card, "threshold", thresholds);
  if (role != NULL)
    json_object_set_string_member (card, "role", role);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (card_path, text, -1, &error));
  g_assert_no_error (error);
}

static void
install_model (const char *folder,
               const char *task)
{
  install_model_with_role (folder, task, NULL);
}

/* The segmentation check buttons of the chooser. */
static guint
count_chooser_buttons (void)
{
  g_autoptr(GPtrArray) buttons = fovea_display_test_list_widgets (GTK_WIDGET (get_chooser ()),
                                                                  GTK_TYPE_CHECK_BUTTON);
  return buttons->len;
}

/* How many pixels of two equally sized textures differ. */
static guint
count_differences (GdkTexture *a,
                   GdkTexture *b)
{
  g_auto(FoveaDisplayTestPixels) pa = fovea_display_test_download (a);
  g_auto(FoveaDisplayTestPixels) pb = fovea_display_test_download (b);
  guint n = 0;

  g_assert_cmpint (pa.width, ==, pb.width);
  g_assert_cmpint (pa.height, ==, pb.height);
  for (int y = 0; y < pa.height; y++)
    for (int x = 0; x < pa.width; x++)
      n += fovea_display_test_get_pixel (&pa, x, y) != fovea_display_test_get_pixel (&pb, x, y);
  return n;
}

static guint
count_opaque (GdkTexture *texture)
{
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_download (texture);
  guint n = 0;

  for (int y = 0; y < pixels.height; y++)
    for (int x = 0; x < pixels.width; x++)
      n += fovea_display_test_get_pixel (&pixels, x, y) >> 24 != 0;
  return n;
}

/* Without an installed model the chooser has its four choices only. */
static void
test_none_installed (void)
{
  open_sample ("fundus-healthy.png");
  g_assert_cmpuint (fovea_seg_models_get_n (get_seg_models ()), ==, 0);
  g_assert_cmpuint (count_chooser_buttons (), ==, 4);
  g_assert_null (fovea_overlay_chooser_get_button (get_chooser (), FOVEA_OVERLAY_SEGMENTATION));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (fovea_window_get_seg_legend (window))));
}

/* Installed: one more choice, titled by the card, for fundus images. */
static void
test_offered (void)
{
  install_model ("vessel-model", TASK);
  rescan_models ();
  g_assert_cmpuint (fovea_seg_models_get_n (get_seg_models ()), ==, 1);
  g_assert_cmpuint (count_chooser_buttons (), ==, 5);
  GtkCheckButton *button = fovea_overlay_chooser_get_button (get_chooser (),
                                                             FOVEA_OVERLAY_SEGMENTATION);
  g_assert_nonnull (button);
  g_assert_cmpstr (gtk_check_button_get_label (button), ==, "Segmentation — " TITLE);
  g_assert_true (fovea_overlay_chooser_get_available (get_chooser (), FOVEA_OVERLAY_SEGMENTATION));
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (get_chooser ()));
  fovea_display_test_assert_shows (text, "Segmentation — " TITLE);

  /* Not for a skin photograph; it says why. */
  open_sample ("skin-naevus.png");
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (button)), "fundus"));
  open_sample ("fundus-healthy.png");
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (button)));
}

/* Made once in a worker thread, without an analysis; then from the
 * cache, for the same document, whatever was shown between. */
static void
test_cached (void)
{
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaExplainer *explainer = fovea_window_get_explainer (window);
  FoveaSegLegend *legend = fovea_window_get_seg_legend (window);
  FoveaDocument *document = open_sample ("fundus-healthy.png");
  guint computed = fovea_explainer_get_n_computed (explainer);

  g_assert_null (fovea_results_panel_get_result (fovea_window_get_results_panel (window)));
  choose_segmentation ();
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  fovea_display_test_wait_for (overlay_shown, NULL, "the segmentation");
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);
  FoveaExplainMap *map = fovea_explainer_lookup_segmentation (explainer, document, TASK);
  g_assert_nonnull (map);
  g_assert_nonnull (map->segmentation);
  g_assert_cmpint (map->segmentation->n_labels, ==, 2);
  g_assert_true (fovea_image_view_get_heatmap (view) == map->texture);
  g_assert_cmpuint (count_opaque (map->texture), >, 0);

  /* The legend: the title, not validated (the card has no held-out
   * figures), both labels on, each with its measurement. */
  fovea_display_test_wait_for_frames (GTK_WIDGET (legend));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));
  g_assert_false (gtk_widget_get_visible (fovea_display_test_find_widget (GTK_WIDGET (window),
                                                                          FOVEA_TYPE_HEATMAP_LEGEND)));
  g_assert_true (fovea_seg_legend_get_unvalidated (legend));
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (legend));
  g_test_message ("legend:\n%s", text);
  fovea_display_test_assert_shows (text, TITLE);
  fovea_display_test_assert_shows (text, "Not validated: no held-out figures on its card");
  fovea_display_test_assert_shows (text, "Vessels");
  fovea_display_test_assert_shows (text, "Optic disc");
  g_assert_nonnull (strstr (fovea_seg_legend_get_summary (legend, 0), "Density"));
  const char *disc = fovea_seg_legend_get_summary (legend, 1);
  g_assert_true (g_str_has_prefix (disc, "Diameter ") || g_str_equal (disc, "Not found"));
  for (int i = 0; i < 2; i++)
    g_assert_true (fovea_seg_legend_get_label_shown (legend, i));
  fovea_display_test_save_screenshot (adw_application_window_get_content (ADW_APPLICATION_WINDOW (window)),
                                      "seg-overlay.png");

  /* Away and back: at once, the same map. */
  choose_none ();
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (legend)));
  choose_segmentation ();
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_true (fovea_image_view_get_heatmap (view) == map->texture);
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);

  /* Another document is segmented too; back on this one, it is not. */
  open_sample ("fundus-lesions.jpg");
  fovea_display_test_wait_for (overlay_shown, NULL, "the lesions' segmentation");
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 2);
  open_sample ("fundus-healthy.png");
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_true (fovea_image_view_get_heatmap (view) == map->texture);
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 2);
}

/* Each label's check button changes what is drawn, and only its label:
 * the layer is then the overlay drawn without it, and the image view's
 * pixels change; turned back on, all is as before. */
static void
test_toggle_label (void)
{
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaSegLegend *legend = fovea_window_get_seg_legend (window);
  FoveaDocument *document = open_sample ("fundus-healthy.png");
  FoveaExplainMap *map = fovea_explainer_lookup_segmentation (fovea_window_get_explainer (window),
                                                              document, TASK);

  g_assert_nonnull (map);
  g_assert_true (fovea_image_view_get_heatmap (view) == map->texture);
  fovea_image_view_set_heatmap_opacity (view, 1.0);
  fovea_display_test_wait_for_frames (GTK_WIDGET (view));
  g_autoptr(GdkTexture) all_drawn = fovea_display_test_render (GTK_WIDGET (view));

  for (int i = 0; i < 2; i++)
    {
      GtkCheckButton *button = fovea_seg_legend_get_check_button (legend, i);
      gboolean shown[2] = { TRUE, TRUE };

      g_test_message ("label %d off", i);
      g_assert_true (gtk_widget_activate (GTK_WIDGET (button)));
      g_assert_false (gtk_check_button_get_active (button));
      g_assert_false (fovea_seg_legend_get_label_shown (legend, i));
      GdkTexture *layer = fovea_image_view_get_heatmap (view);
      g_assert_nonnull (layer);
      g_assert_true (layer != map->texture);
      shown[i] = FALSE;
      g_autoptr(GdkTexture) expected = fovea_seg_overlay_render (map->segmentation, shown, NULL);
      g_assert_cmpuint (count_differences (layer, expected), ==, 0);
      g_assert_cmpuint (count_differences (layer, map->texture), >, 0);
      /* Fewer pixels drawn, none the other label drew lost. */
      g_assert_cmpuint (count_opaque (layer), <, count_opaque (map->texture));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));

      fovea_display_test_wait_for_frames (GTK_WIDGET (view));
      g_autofree char *name = g_strdup_printf ("seg-label-%d-off.png", i);
      g_autoptr(GdkTexture) one_off = fovea_display_test_render (GTK_WIDGET (view));
      fovea_display_test_save_screenshot (one_off, name);
      guint changed = count_differences (one_off, all_drawn);
      g_test_message ("%u view pixels changed", changed);
      g_assert_cmpuint (changed, >, 0);

      g_assert_true (gtk_widget_activate (GTK_WIDGET (button)));
      g_assert_true (fovea_seg_legend_get_label_shown (legend, i));
      g_assert_true (fovea_image_view_get_heatmap (view) == map->texture);
      fovea_display_test_wait_for_frames (GTK_WIDGET (view));
      g_autoptr(GdkTexture) again = fovea_display_test_render (GTK_WIDGET (view));
      g_assert_cmpuint (count_differences (again, all_drawn), ==, 0);
    }

  /* A hidden label stays hidden on the next image. */
  fovea_seg_legend_set_label_shown (legend, 0, FALSE);
  open_sample ("fundus-lesions.jpg");
  g_assert_false (fovea_seg_legend_get_label_shown (legend, 0));
  g_assert_true (fovea_seg_legend_get_label_shown (legend, 1));
  fovea_seg_legend_set_label_shown (legend, 0, TRUE);
  fovea_image_view_set_heatmap_opacity (view, 0.5);
}

static gboolean
panel_idle (gpointer data)
{
  return !fovea_results_panel_get_busy (data) && fovea_results_panel_get_result (data) != NULL;
}

/* Analyses the shown image with the tiny grading model's fundus task. */
static void
analyse (void)
{
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);

  g_assert_true (fovea_results_panel_select_task (panel, "tiny-five-class"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.analyse", NULL));
  fovea_display_test_wait_for (panel_idle, panel, "the analysis to finish");
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Exports the shown image's report to root/name; its text. */
static char *
export_report (const char *name)
{
  g_autofree char *path = g_build_filename (root, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  fovea_window_export_report (window, file);
  fovea_display_test_wait_for (file_exists, path, "the report");
  return fovea_test_pdf_text (path);
}

/* Export Report of a segmented image has the section, with the
 * measurements the legend shows, whichever overlay is on show; of an
 * image not segmented, none. The report is kept in the build folder. */
static void
test_export_report (void)
{
  FoveaExplainer *explainer = fovea_window_get_explainer (window);

  if (!fovea_test_have_poppler ())
    return;
  FoveaDocument *document = open_sample ("fundus-healthy.png");
  FoveaExplainMap *map = fovea_explainer_lookup_segmentation (explainer, document, TASK);
  g_assert_nonnull (map);
  const FoveaSegMeasures *measures = map->segmentation->measures;
  choose_none ();
  analyse ();

  /* What the report gets: the cached overlay's masks and measurements. */
  g_autoptr(FoveaSegResult) collected = fovea_seg_report_collect (explainer, document);
  g_assert_nonnull (collected);
  g_assert_cmpuint (collected->n_tasks, ==, 1);
  g_assert_cmpstr (collected->model_names[0], ==, "vessel-model");
  g_assert_cmpint (collected->segmentations[0]->width, ==, map->segmentation->width);
  g_assert_cmpint (collected->measures->n_labels, ==, measures->n_labels);
  g_assert_cmpfloat (collected->measures->vessel_density, ==, measures->vessel_density);

  g_autofree char *text = export_report ("segmented-report.pdf");
  g_test_message ("report:\n%s", text);
  fovea_test_assert_contains (text, "Segmentation");
  fovea_test_assert_contains (text, "vessel-model — " TITLE);
  fovea_test_assert_contains (text, "Measurement Value Unit");
  g_autofree char *fov = g_strdup_printf ("Field of view diameter %.0f px",
                                          2 * measures->fov_radius);
  fovea_test_assert_contains (text, fov);
  g_autofree char *density = g_strdup_printf ("Vessel density %.2f", 100 * measures->vessel_density);
  fovea_test_assert_contains (text, density);
  {
    g_autofree char *from = g_build_filename (root, "segmented-report.pdf", NULL);
    g_autofree char *to = g_test_build_filename (G_TEST_BUILT, "seg-report.pdf", NULL);

    fovea_test_copy_file (from, to);
    g_test_message ("report: %s", to);
  }

  /* Not segmented: the report as without segmentation models. */
  FoveaDocument *blurred = open_sample ("fundus-blurred.jpg");
  g_assert_null (fovea_explainer_lookup_segmentation (explainer, blurred, TASK));
  g_assert_null (fovea_seg_report_collect (explainer, blurred));
  analyse ();
  g_autofree char *plain = export_report ("plain-report.pdf");
  fovea_test_assert_contains (plain, "Fovea grading report");
  g_assert_null (strstr (plain, "Measurement Value Unit"));
}

static gboolean
quiet_period_over (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* A segmentation pending for one document is dropped when another is
 * shown: it is never drawn, not made, not cached; the shown one is. */
static void
test_switch_cancels (void)
{
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaExplainer *explainer = fovea_window_get_explainer (window);

  choose_none ();
  FoveaDocument *blurred = open_sample ("fundus-blurred.jpg");
  guint computed = fovea_explainer_get_n_computed (explainer);

  fovea_seg_models_set_paused (get_seg_models (), TRUE);
  choose_segmentation ();
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_null (fovea_image_view_get_heatmap (view));

  /* The other photograph, segmented already: shown from the cache. */
  FoveaDocument *healthy = open_sample ("fundus-healthy.png");
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_true (fovea_image_view_get_heatmap (view) ==
                 fovea_explainer_lookup_segmentation (explainer, healthy, TASK)->texture);
  fovea_seg_models_set_paused (get_seg_models (), FALSE);

  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  fovea_display_test_wait_for (quiet_period_over, &until, "half a second");
  g_assert_true (fovea_image_view_get_heatmap (view) ==
                 fovea_explainer_lookup_segmentation (explainer, healthy, TASK)->texture);
  g_assert_null (fovea_explainer_lookup_segmentation (explainer, blurred, TASK));
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed);

  /* Back on the blurred one: made now. */
  open_sample ("fundus-blurred.jpg");
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  fovea_display_test_wait_for (overlay_shown, NULL, "the blurred photograph's segmentation");
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);
  g_assert_nonnull (fovea_explainer_lookup_segmentation (explainer, blurred, TASK));
}

/* A model whose weights cannot be read: a toast says so, nothing is
 * drawn, and the window goes on. */
static void
test_broken_model (void)
{
  g_autofree char *weights = g_build_filename (models, "vessel-model", "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (weights, "not safetensors", -1, &error));
  g_assert_no_error (error);
  rescan_models ();
  /* The rescan dropped the choice with the old buttons' set, or kept it:
   * either way the broken model is chosen anew. */
  open_sample ("fundus-healthy.png");
  choose_none ();
  choose_segmentation ();
  fovea_display_test_wait_for (chooser_idle, NULL, "the segmentation to fail");
  g_assert_null (fovea_image_view_get_heatmap (fovea_window_get_image_view (window)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (fovea_window_get_seg_legend (window))));

  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  fovea_display_test_wait_for_frames (content);
  g_autofree char *text = fovea_display_test_dup_text (content);
  g_test_message ("window:\n%s", text);
  g_assert_nonnull (strstr (text, "model.safetensors"));
}

/* An anomaly flagger is no segmentation overlay, even named as one of the
 * window's tasks: it is the Anomaly choice instead, named by its card. */
static void
test_flagger_not_offered (void)
{
  install_model_with_role ("flagger-model", "lesions", "anomaly");
  rescan_models ();
  FoveaSegModels *models_found = get_seg_models ();
  g_assert_cmpuint (fovea_seg_models_get_n (models_found), ==, 1);
  g_assert_cmpstr (fovea_seg_models_get_name (models_found, 0), ==, TASK);
  g_assert_cmpstr (fovea_seg_models_get_flagger (models_found, FOVEA_MODALITY_FUNDUS), ==, "lesions");
  g_assert_null (fovea_seg_models_get_flagger (models_found, FOVEA_MODALITY_SKIN));
  open_sample ("fundus-healthy.png");
  g_assert_cmpuint (count_chooser_buttons (), ==, 5);
  FoveaOverlayChooser *chooser = get_chooser ();
  GtkCheckButton *anomaly = fovea_overlay_chooser_get_button (chooser, FOVEA_OVERLAY_ANOMALY);
  g_assert_true (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_cmpstr (gtk_check_button_get_label (anomaly), ==, "Anomaly — " TITLE);
  /* Not for a skin photograph, and no bank is installed. */
  open_sample ("skin-naevus.png");
  g_assert_false (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_cmpstr (gtk_check_button_get_label (anomaly), ==, "Anomaly");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  root = fovea_test_mkdtemp ();
  g_autofree char *data_home = g_build_filename (root, "data", NULL);
  models = g_build_filename (root, "models", NULL);
  g_assert_cmpint (g_mkdir_with_parents (models, 0755), ==, 0);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);
  /* A grading model, for the analysis a report needs. */
  g_free (fovea_test_install_fundus_skin_model (models));

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  g_settings_set_int (fovea_application_get_settings (application), "window-width", 1240);
  g_settings_set_int (fovea_application_get_settings (application), "window-height", 900);

  /* In order: each builds on the window the one before left. */
  g_test_add_func ("/seg-overlays/none-installed", test_none_installed);
  g_test_add_func ("/seg-overlays/offered", test_offered);
  g_test_add_func ("/seg-overlays/cached", test_cached);
  g_test_add_func ("/seg-overlays/toggle-label", test_toggle_label);
  g_test_add_func ("/seg-overlays/export-report", test_export_report);
  g_test_add_func ("/seg-overlays/switch-cancels", test_switch_cancels);
  g_test_add_func ("/seg-overlays/broken-model", test_broken_model);
  g_test_add_func ("/seg-overlays/flagger-not-offered", test_flagger_not_offered);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  fovea_test_rmdir (root);
  g_free (root);
  g_free (models);
  return status;
}
