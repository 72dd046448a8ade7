/* test-explain-layers.c: the review window's explanation overlays, in the
 * real application under Xvfb, with the tiny ViT fixture and a MeLo
 * adapter: the overlay chooser, Grad-CAM made on demand and served from
 * the cache when switched back to, a map being made that is dropped when
 * the document changes, Anomaly insensitive without a bank and shown by
 * PatchCore with its normal mark once a (tiny, built here) bank is
 * installed, then by the bundled LesionPaste flagger once that is
 * installed too (on a DRIVE photograph with a lesion-like spot drawn in,
 * from ../shared/data: skipped without it), and PatchCore again once the
 * flagger is gone; Export Report with the overlay on show, naming its
 * method. Screenshots go to the build folder. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "fovea-analysis-private.h"
#include "fovea-anomaly.h"
#include "fovea-application.h"
#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-display-test.h"
#include "fovea-explainer-private.h"
#include "fovea-heatmap-legend.h"
#include "fovea-overlay-chooser-private.h"
#include "fovea-results-panel-private.h"
#include "fovea-seg-models-private.h"
#include "fovea-window-private.h"

static const char melo_card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-7\","
  " \"title\": \"Fundus fixture (7 classes)\", \"kind\": \"classification\","
  " \"modality\": \"fundus\","
  " \"labels\": [\"c-zero\", \"c-one\", \"c-two\", \"c-three\", \"c-four\", \"c-five\", \"c-six\"],"
  " \"provenance\": {\"training_data\": \"none: random fixture weights\"},"
  " \"intended_use\": \"Tests of the overlays only.\", \"research_use_only\": true}";

static FoveaApplication *application;
static FoveaWindow *window;
static char *root;
static char *models;

static gboolean
widget_shown (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Opens path as `fovea PATH` does; returns its document once it is
 * loaded and on show. */
static FoveaDocument *
open_path (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_application_open (G_APPLICATION (application), &file, 1, "");
  window = FOVEA_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  g_assert_nonnull (window);
  FoveaDocument *document = fovea_display_test_find_document (window, file);
  fovea_display_test_wait_for_document (document);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  fovea_display_test_wait_for (widget_shown, window, "the window to be shown");
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  return document;
}

/* Opens the generated sample name. */
static FoveaDocument *
open_sample (const char *name)
{
  g_autofree char *path = fovea_test_sample_path (name);

  return open_path (path);
}

static FoveaOverlayChooser *
get_chooser (void)
{
  GtkWidget *chooser = fovea_display_test_find_widget (GTK_WIDGET (window),
                                                       FOVEA_TYPE_OVERLAY_CHOOSER);
  g_assert_nonnull (chooser);
  return FOVEA_OVERLAY_CHOOSER (chooser);
}

static FoveaHeatmapLegend *
get_legend (void)
{
  return FOVEA_HEATMAP_LEGEND (fovea_display_test_find_widget (GTK_WIDGET (window),
                                                               FOVEA_TYPE_HEATMAP_LEGEND));
}

/* The anomaly choice's label, as the chooser shows it. */
static const char *
anomaly_label (void)
{
  return gtk_check_button_get_label (fovea_overlay_chooser_get_button (get_chooser (), FOVEA_OVERLAY_ANOMALY));
}

/* Chooses kind as a click (or Space) on its radio button does. */
static void
choose (FoveaOverlayKind kind)
{
  GtkCheckButton *button = fovea_overlay_chooser_get_button (get_chooser (), kind);

  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_activate (GTK_WIDGET (button)));
  g_assert_true (gtk_check_button_get_active (button));
  g_assert_cmpint (fovea_overlay_chooser_get_kind (get_chooser ()), ==, kind);
}

static gboolean
panel_idle (gpointer data)
{
  return !fovea_results_panel_get_busy (data) && fovea_results_panel_get_result (data) != NULL;
}

static void
analyse (void)
{
  FoveaResultsPanel *panel = fovea_window_get_results_panel (window);

  g_assert_true (fovea_results_panel_select_task (panel, "fundus-7"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.analyse", NULL));
  fovea_display_test_wait_for (panel_idle, panel, "the analysis to finish");
  g_assert_true (fovea_results_panel_get_result (panel)->quality.gradable);
}

/* The chosen map is on show: the chooser is idle and a heat-map drawn. */
static gboolean
overlay_shown (gpointer data)
{
  return !fovea_overlay_chooser_get_busy (get_chooser ()) &&
         fovea_image_view_get_heatmap (fovea_window_get_image_view (window)) != NULL;
}

static gboolean
anomaly_ready (gpointer data)
{
  return fovea_explainer_get_anomaly_ready (fovea_window_get_explainer (window));
}

static void
save_screenshot (const char *name)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_render_pixels (content, name);

  g_assert_cmpint (pixels.width, >, 0);
}

/* A heat-map texture is a real map over the fundus: transparent in the
 * black corner outside the FOV, coloured somewhere inside it. */
static void
assert_map_texture (GdkTexture *texture)
{
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_download (texture);
  guint n_coloured = 0;

  g_assert_cmphex (fovea_display_test_get_pixel (&pixels, 0, 0) >> 24, ==, 0);
  for (int y = 0; y < pixels.height; y++)
    for (int x = 0; x < pixels.width; x++)
      n_coloured += fovea_display_test_get_pixel (&pixels, x, y) >> 24 == 0xff;
  g_test_message ("%u of %d pixels coloured", n_coloured, pixels.width * pixels.height);
  g_assert_cmpuint (n_coloured, >, 0);
}

/* Without a bank, Anomaly cannot be chosen, and says why. */
static void
test_no_bank (void)
{
  open_sample ("fundus-healthy.png");
  fovea_display_test_wait_for (anomaly_ready, NULL, "the anomaly bank search");

  FoveaOverlayChooser *chooser = get_chooser ();
  GtkWidget *anomaly = GTK_WIDGET (fovea_overlay_chooser_get_button (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_false (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_false (gtk_widget_get_sensitive (anomaly));
  g_assert_nonnull (gtk_widget_get_tooltip_text (anomaly));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (anomaly), "No anomaly bank is installed"));
  g_assert_true (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_GRADCAM));
  /* No method to name. */
  g_assert_cmpstr (anomaly_label (), ==, "Anomaly");
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (chooser));
  g_test_message ("chooser:\n%s", text);
  fovea_display_test_assert_shows (text, "Overlay");
  fovea_display_test_assert_shows (text, "Saliency — Grad-CAM");
  fovea_display_test_save_screenshot (chooser, "explain-chooser-no-bank.png");
}

/* Grad-CAM is made once; switching away and back serves the same texture
 * without another computation. */
static void
test_gradcam_cached (void)
{
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaExplainer *explainer = fovea_window_get_explainer (window);
  FoveaHeatmapLegend *legend = get_legend ();

  open_sample ("fundus-healthy.png");
  choose (FOVEA_OVERLAY_ROLLOUT);
  analyse ();
  fovea_display_test_wait_for (overlay_shown, NULL, "the attention rollout");
  g_assert_cmpstr (fovea_heatmap_legend_get_title (legend), ==, "Saliency (attention rollout)");
  GdkTexture *rollout = fovea_image_view_get_heatmap (view);
  guint computed = fovea_explainer_get_n_computed (explainer);

  choose (FOVEA_OVERLAY_GRADCAM);
  /* Nothing stale meanwhile: the rollout went at once. */
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_null (fovea_image_view_get_heatmap (view));
  fovea_display_test_wait_for (overlay_shown, NULL, "the Grad-CAM map");
  GdkTexture *gradcam = fovea_image_view_get_heatmap (view);
  g_assert_true (gradcam != rollout);
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);
  g_assert_true (fovea_image_view_get_heatmap_visible (view));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (legend)));
  g_assert_cmpstr (fovea_heatmap_legend_get_title (legend), ==, "Saliency (Grad-CAM)");
  g_assert_cmpfloat (fovea_heatmap_legend_get_min (legend), ==, 0);
  g_assert_cmpfloat (fovea_heatmap_legend_get_max (legend), ==, 1);
  g_assert_true (isnan (fovea_heatmap_legend_get_mark (legend)));
  assert_map_texture (gradcam);
  save_screenshot ("explain-gradcam.png");

  /* Back and forth: from the cache, at once. */
  choose (FOVEA_OVERLAY_ROLLOUT);
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_true (fovea_image_view_get_heatmap (view) == rollout);
  choose (FOVEA_OVERLAY_GRADCAM);
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_true (fovea_image_view_get_heatmap (view) == gradcam);
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);

  /* None: no layer, no legend. */
  choose (FOVEA_OVERLAY_NONE);
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (legend)));
  choose (FOVEA_OVERLAY_GRADCAM);
  g_assert_true (fovea_image_view_get_heatmap (view) == gradcam);
}

static gboolean
quiet_period_over (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/* A Grad-CAM being made for one document is dropped when another is
 * shown: it never appears over the other image, and is not cached. */
static void
test_switch_cancels (void)
{
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaExplainer *explainer = fovea_window_get_explainer (window);
  FoveaAnalysis *analysis = fovea_results_panel_get_analysis (fovea_window_get_results_panel (window));

  choose (FOVEA_OVERLAY_NONE);
  open_sample ("fundus-lesions.jpg");
  analyse ();
  guint computed = fovea_explainer_get_n_computed (explainer);

  fovea_analysis_set_paused (analysis, TRUE);
  choose (FOVEA_OVERLAY_GRADCAM);
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  save_screenshot ("explain-computing.png");

  open_sample ("fundus-healthy.png");
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_null (fovea_image_view_get_heatmap (view));
  fovea_analysis_set_paused (analysis, FALSE);

  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  fovea_display_test_wait_for (quiet_period_over, &until, "half a second");
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_assert_false (fovea_overlay_chooser_get_busy (get_chooser ()));
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed);

  /* Back on the lesions: the dropped map was not kept, so it is made. */
  open_sample ("fundus-lesions.jpg");
  analyse ();
  g_assert_true (fovea_overlay_chooser_get_busy (get_chooser ()));
  fovea_display_test_wait_for (overlay_shown, NULL, "the lesions' Grad-CAM");
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);
}

/* A bank of synthetic normal fundi on the catalogued backbone, where the
 * window looks for the default one. */
static void
install_bank (void)
{
  g_autofree char *model = g_build_filename (models, "tiny-token", NULL);
  g_autofree char *dir = g_build_filename (models, "anomaly", NULL);
  g_autofree char *path = g_build_filename (dir, "fundus-normal.safetensors", NULL);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_image_free);
  const char *names[] = { "normal-1.png", "normal-2.png", "normal-3.png" };
  g_autoptr(GError) error = NULL;
  FoveaAnomalyOptions options;
  FoveaAnomalyBankOptions bank_options;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_ptr_array_add (images, fovea_test_synthetic_fundus (160, 160, 80 + 2.0 * i, 80 - 1.0 * i, 70 + i));
  fovea_anomaly_options_init (&options);
  options.model_dir = model;
  options.layer = 0;
  options.modality = FOVEA_MODALITY_FUNDUS;
  options.n_threads = 1;
  g_autoptr(FoveaAnomaly) anomaly = fovea_anomaly_new (&options, &error);
  g_assert_no_error (error);
  fovea_anomaly_bank_options_init (&bank_options);
  bank_options.coreset_ratio = 0.5;
  const FoveaPatchBank *bank = fovea_anomaly_build_bank_from_images (anomaly,
                                                                     (const FoveaImage *const *) images->pdata,
                                                                     names, G_N_ELEMENTS (names),
                                                                     &bank_options, &error);
  g_assert_no_error (error);
  g_assert_true (isfinite (bank->card.normal_score_max));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (fovea_patch_bank_save (bank, path, &error));
  g_assert_no_error (error);
}

/* With a bank installed (and the models looked at again, as Preferences'
 * folder does), Anomaly is shown with its legend and normal mark. */
static void
test_anomaly (void)
{
  GSettings *settings = fovea_application_get_settings (application);
  g_autofree char *empty = g_build_filename (root, "more-models", NULL);
  FoveaHeatmapLegend *legend = get_legend ();
  FoveaOverlayChooser *chooser = get_chooser ();

  install_bank ();
  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  g_settings_set_string (settings, "models-folder", empty);
  fovea_display_test_wait_for (anomaly_ready, NULL, "the anomaly bank search");
  g_assert_true (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_null (gtk_widget_get_tooltip_text (GTK_WIDGET (fovea_overlay_chooser_get_button (chooser, FOVEA_OVERLAY_ANOMALY))));

  open_sample ("fundus-healthy.png");
  analyse ();
  choose (FOVEA_OVERLAY_ANOMALY);
  fovea_display_test_wait_for (overlay_shown, NULL, "the anomaly map");
  g_assert_cmpstr (anomaly_label (), ==, "Anomaly — PatchCore");
  g_assert_cmpstr (fovea_heatmap_legend_get_title (legend), ==,
                   "Anomaly — PatchCore: distance to normal patches");
  double mark = fovea_heatmap_legend_get_mark (legend);
  g_assert_true (isfinite (mark) && mark > 0);
  /* The top of the scale is twice what a normal image reached. */
  g_assert_cmpfloat_with_epsilon (fovea_heatmap_legend_get_max (legend), 2 * mark, 1e-9);
  g_assert_nonnull (strstr (fovea_heatmap_legend_get_mark_label (legend), "Normal images reach at most"));
  assert_map_texture (fovea_image_view_get_heatmap (fovea_window_get_image_view (window)));
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (legend));
  fovea_display_test_assert_shows (text, "Anomaly — PatchCore: distance to normal patches");
  save_screenshot ("explain-anomaly.png");

  /* Not for another modality's images. */
  open_sample ("skin-naevus.png");
  g_assert_false (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (GTK_WIDGET (fovea_overlay_chooser_get_button (chooser, FOVEA_OVERLAY_ANOMALY))),
                            "fundus"));
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

/* Export Report takes the overlay on show. */
static void
test_export (void)
{
  g_autofree char *path = g_build_filename (root, "report.pdf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *contents = NULL;
  gsize length;

  open_sample ("fundus-healthy.png");
  analyse ();
  choose (FOVEA_OVERLAY_GRADCAM);
  fovea_display_test_wait_for (overlay_shown, NULL, "the Grad-CAM map");
  fovea_window_export_report (window, file);
  fovea_display_test_wait_for (file_exists, path, "the report");
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_true (length > 4 && memcmp (contents, "%PDF", 4) == 0);
}

/* Where the lesion-like spot is drawn on DRIVE photograph 36 (565 × 584),
 * well inside its field of view and off the vessels' main arcades. */
#define SPOT_X 380
#define SPOT_Y 200
#define SPOT_RADIUS 7.0

/* DRIVE photograph 36 with a dark red spot (a haemorrhage's colour,
 * blended in with a soft edge) at SPOT_X, SPOT_Y, written as a PNG under
 * root; NULL when ../shared/data is absent (the test is then skipped). */
static char *
make_spot_photograph (void)
{
  g_autofree char *drive = fovea_test_data_path ("drive/training/images/36_training.tif");
  g_autofree char *path = g_build_filename (root, "drive-36-spot.png", NULL);
  static const double spot_rgb[3] = { 60, 10, 5 };
  g_autoptr(GError) error = NULL;
  FoveaDecodeOptions options;

  if (drive == NULL)
    return NULL;
  fovea_decode_options_init (&options);
  g_autoptr(FoveaImage) image = fovea_decode_file (drive, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->bit_depth, ==, 8);
  g_assert_cmpint (image->channels, >=, 3);
  for (int y = SPOT_Y - 12; y <= SPOT_Y + 12; y++)
    for (int x = SPOT_X - 12; x <= SPOT_X + 12; x++)
      {
        guint8 *pixel = image->data + (gsize) y * image->stride + (gsize) x * image->channels;
        double alpha = 0.9 * CLAMP ((SPOT_RADIUS - hypot (x - SPOT_X, y - SPOT_Y)) / 2 + 0.5, 0, 1);

        for (int c = 0; c < 3; c++)
          pixel[c] = (guint8) lround ((1 - alpha) * pixel[c] + alpha * spot_rgb[c]);
      }
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/* Looks at the models again, as choosing another folder in Preferences
 * does; folder is made if need be. */
static void
rescan_models (const char *folder)
{
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_settings_set_string (fovea_application_get_settings (application), "models-folder", folder);
  fovea_display_test_wait_for (anomaly_ready, NULL, "the anomaly bank search");
}

/* The anomaly map on show, for the shown analysis of document. */
static FoveaExplainMap *
lookup_anomaly (FoveaDocument *document)
{
  const FoveaAnalysisResult *result = fovea_results_panel_get_result (fovea_window_get_results_panel (window));
  FoveaExplainMap *map = fovea_explainer_lookup (fovea_window_get_explainer (window), document,
                                                 result, FOVEA_OVERLAY_ANOMALY);

  g_assert_nonnull (map);
  return map;
}

/* With the bundled LesionPaste flagger installed beside the bank, Anomaly
 * on a fundus photograph is the flagger's probability map, named so in the
 * chooser, the legend and the report, and peaking on the spot; made once,
 * cached, dropped on a switch like the other maps. Without the flagger,
 * PatchCore again. */
static void
test_anomaly_flagger (void)
{
  g_autofree char *photograph = make_spot_photograph ();
  if (photograph == NULL)
    return;
  g_autofree char *bundled = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources",
                                               "models", "lesionpaste", NULL);
  g_autofree char *source = g_canonicalize_filename (bundled, NULL);
  g_autofree char *installed = g_build_filename (models, "lesionpaste", NULL);
  g_autofree char *folder_a = g_build_filename (root, "more-models-flagger", NULL);
  g_autofree char *folder_b = g_build_filename (root, "more-models", NULL);
  FoveaExplainer *explainer = fovea_window_get_explainer (window);
  FoveaImageView *view = fovea_window_get_image_view (window);
  FoveaHeatmapLegend *legend = get_legend ();
  FoveaOverlayChooser *chooser = get_chooser ();
  const char *title = "Anomaly — LesionPaste anomaly flagger: probability";

  g_assert_cmpint (symlink (source, installed), ==, 0);
  rescan_models (folder_a);
  FoveaDocument *document = open_path (photograph);
  g_assert_cmpint (fovea_document_get_modality (document), ==, FOVEA_MODALITY_FUNDUS);
  g_assert_true (fovea_overlay_chooser_get_available (chooser, FOVEA_OVERLAY_ANOMALY));
  g_assert_cmpstr (anomaly_label (), ==, "Anomaly — LesionPaste anomaly flagger");
  /* A flagger is not a segmentation overlay. */
  FoveaSegModels *seg_models = fovea_explainer_get_seg_models (explainer);
  for (guint i = 0; i < fovea_seg_models_get_n (seg_models); i++)
    g_assert_cmpstr (fovea_seg_models_get_name (seg_models, i), !=, "lesionpaste");

  choose (FOVEA_OVERLAY_NONE);
  analyse ();
  guint computed = fovea_explainer_get_n_computed (explainer);
  choose (FOVEA_OVERLAY_ANOMALY);
  fovea_display_test_wait_for (overlay_shown, NULL, "the flagger's anomaly map");
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);
  g_assert_cmpstr (fovea_heatmap_legend_get_title (legend), ==, title);
  g_assert_cmpfloat (fovea_heatmap_legend_get_min (legend), ==, 0);
  g_assert_cmpfloat (fovea_heatmap_legend_get_max (legend), ==, 1);
  g_assert_true (isnan (fovea_heatmap_legend_get_mark (legend)));
  GdkTexture *texture = fovea_image_view_get_heatmap (view);
  assert_map_texture (texture);

  /* The probability peaks on the spot, and is low elsewhere. */
  FoveaExplainMap *map = lookup_anomaly (document);
  g_assert_cmpint (map->width, ==, 565);
  g_assert_cmpint (map->height, ==, 584);
  gsize peak = 0, n_high = 0, n_drawn_away = 0;
  for (gsize i = 0; i < (gsize) map->width * map->height; i++)
    {
      peak = map->values[i] > map->values[peak] ? i : peak;
      n_high += map->values[i] >= 0.5f;
      /* Drawn (not negligible) pixels away from the spot. */
      n_drawn_away += map->values[i] > 0 &&
                      hypot ((double) (i % map->width) - SPOT_X,
                             (double) (i / map->width) - SPOT_Y) > 30;
    }
  int peak_x = (int) (peak % map->width), peak_y = (int) (peak / map->width);
  g_test_message ("peak %.3f at (%d, %d); %" G_GSIZE_FORMAT " pixels ≥ 0.5, %" G_GSIZE_FORMAT
                  " drawn away from the spot", map->values[peak], peak_x, peak_y, n_high,
                  n_drawn_away);
  g_assert_cmpfloat (map->values[peak], >=, 0.5);
  g_assert_cmpfloat (hypot (peak_x - SPOT_X, peak_y - SPOT_Y), <=, 2 * SPOT_RADIUS);
  g_assert_cmpuint (n_high, >, 0);
  g_assert_cmpuint (n_high, <, 4 * G_PI * SPOT_RADIUS * SPOT_RADIUS);
  /* The rest of this normal fundus is left as it is (under 1 % of it). */
  g_assert_cmpuint (n_drawn_away, <, map->width * map->height / 100);
  g_autofree char *text = fovea_display_test_dup_text (GTK_WIDGET (legend));
  fovea_display_test_assert_shows (text, title);
  save_screenshot ("explain-anomaly-flagger.png");

  /* From the cache when chosen again. */
  choose (FOVEA_OVERLAY_NONE);
  choose (FOVEA_OVERLAY_ANOMALY);
  g_assert_false (fovea_overlay_chooser_get_busy (chooser));
  g_assert_true (fovea_image_view_get_heatmap (view) == texture);
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);

  /* The report names the method. */
  g_autofree char *pdftotext = g_find_program_in_path ("pdftotext");
  if (pdftotext != NULL)
    {
      g_autofree char *path = g_build_filename (root, "report-flagger.pdf", NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      fovea_window_export_report (window, file);
      fovea_display_test_wait_for (file_exists, path, "the report");
      g_autofree char *report = fovea_test_pdf_text (path);
      fovea_test_assert_contains (report, "Overlay: Anomaly — LesionPaste anomaly flagger");
    }
  else
    g_test_message ("pdftotext not found: the report's overlay name is not checked");

  /* A map being made is dropped when another image is shown. */
  choose (FOVEA_OVERLAY_NONE);
  fovea_seg_models_set_paused (seg_models, TRUE);
  open_sample ("fundus-lesions.jpg");
  analyse ();
  choose (FOVEA_OVERLAY_ANOMALY);
  g_assert_true (fovea_overlay_chooser_get_busy (chooser));
  open_sample ("skin-naevus.png");
  g_assert_false (fovea_overlay_chooser_get_busy (chooser));
  g_assert_null (fovea_image_view_get_heatmap (view));
  fovea_seg_models_set_paused (seg_models, FALSE);
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  fovea_display_test_wait_for (quiet_period_over, &until, "half a second");
  g_assert_null (fovea_image_view_get_heatmap (view));
  g_assert_cmpuint (fovea_explainer_get_n_computed (explainer), ==, computed + 1);

  /* The flagger gone: PatchCore makes the map. */
  g_assert_cmpint (g_unlink (installed), ==, 0);
  rescan_models (folder_b);
  open_path (photograph);
  g_assert_cmpstr (anomaly_label (), ==, "Anomaly — PatchCore");
  analyse ();
  if (fovea_overlay_chooser_get_kind (chooser) != FOVEA_OVERLAY_ANOMALY)
    choose (FOVEA_OVERLAY_ANOMALY);
  fovea_display_test_wait_for (overlay_shown, NULL, "PatchCore's anomaly map");
  g_assert_cmpstr (fovea_heatmap_legend_get_title (legend), ==,
                   "Anomaly — PatchCore: distance to normal patches");
  g_assert_true (isfinite (fovea_heatmap_legend_get_mark (legend)));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  root = fovea_test_mkdtemp ();
  g_autofree char *data_home = g_build_filename (root, "data", NULL);
  models = g_build_filename (root, "models", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  /* The catalog: the tiny backbone with one fundus adapter, copied. */
  {
    g_autofree char *adapters = g_build_filename (models, "tiny-token", "adapters", NULL);
    static const char * const copies[][2] = {
      { "vit/models/tiny-token/config.json", "tiny-token/config.json" },
      { "vit/models/tiny-token/model.safetensors", "tiny-token/model.safetensors" },
      { "vit/adapters/melo-tiny_lora_4_8.safetensors", "tiny-token/adapters/melo-tiny_lora_4_8.safetensors" },
    };

    fovea_test_copy_fixtures (models, copies, G_N_ELEMENTS (copies));
    g_autofree char *card = g_build_filename (adapters, "melo-tiny_lora_4_8.task_card.json", NULL);
    g_assert_true (g_file_set_contents (card, melo_card, -1, NULL));
  }
  g_setenv ("FOVEA_MODELS_DIR", models, TRUE);

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);
  g_settings_set_int (fovea_application_get_settings (application), "window-width", 1240);
  g_settings_set_int (fovea_application_get_settings (application), "window-height", 900);

  /* In order: each builds on the window the one before left. */
  g_test_add_func ("/explain-layers/no-bank", test_no_bank);
  g_test_add_func ("/explain-layers/gradcam-cached", test_gradcam_cached);
  g_test_add_func ("/explain-layers/switch-cancels", test_switch_cancels);
  g_test_add_func ("/explain-layers/anomaly", test_anomaly);
  g_test_add_func ("/explain-layers/anomaly-flagger", test_anomaly_flagger);
  g_test_add_func ("/explain-layers/export", test_export);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  fovea_test_rmdir (root);
  g_free (root);
  g_free (models);
  return status;
}
