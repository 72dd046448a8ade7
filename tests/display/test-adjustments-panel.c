/* test-adjustments-panel.c: the adjustments panel driving an image view
 * under Xvfb, through its own controls: enhanced pixels checked against
 * fovea-enhance computed here, tone changes on the view at once, reset,
 * undo/redo, debouncing, cancelling, and a new document. The main states
 * are written as PNGs into the build folder. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fovea-adjustments-panel-private.h"
#include "fovea-display-test.h"
#include "fovea-encode.h"
#include "fovea-enhance.h"

typedef struct {
  GtkWindow             *window;
  GtkWidget             *box;
  FoveaImageView        *view;
  FoveaAdjustmentsPanel *panel;
  FoveaDocument         *document;
  guint                  n_ready;  /* "enhanced-ready" emissions */
} Fixture;

/* Runs the main loop for ms milliseconds. */
static void
spin (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

static void
count_ready_cb (FoveaAdjustmentsPanel *panel, Fixture *fixture)
{
  fixture->n_ready++;
}

/* Shows document in the view and hands both to the panel, as the window
 * does. */
static void
show_document (Fixture *fixture, FoveaDocument *document)
{
  g_autoptr(GError) error = NULL;

  g_set_object (&fixture->document, document);
  g_assert_true (fovea_image_view_set_image (fixture->view, fovea_document_get_image (document),
                                             &error));
  g_assert_no_error (error);
  fovea_adjustments_panel_set_document (fixture->panel, document);
}

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");

  fixture->view = FOVEA_IMAGE_VIEW (fovea_image_view_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (fixture->view), TRUE);
  fixture->panel = FOVEA_ADJUSTMENTS_PANEL (fovea_adjustments_panel_new ());
  gtk_widget_set_size_request (GTK_WIDGET (fixture->panel), 340, -1);
  g_object_set (fixture->panel, "margin-start", 12, "margin-end", 12,
                "margin-top", 12, "margin-bottom", 12, NULL);
  g_signal_connect (fixture->panel, "enhanced-ready", G_CALLBACK (count_ready_cb), fixture);

  fixture->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_append (GTK_BOX (fixture->box), GTK_WIDGET (fixture->view));
  gtk_box_append (GTK_BOX (fixture->box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (fixture->box), GTK_WIDGET (fixture->panel));
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 900, 520);
  gtk_window_set_child (fixture->window, fixture->box);

  fovea_adjustments_panel_set_view (fixture->panel, fixture->view);
  show_document (fixture, document);
  gtk_window_present (fixture->window);
  fovea_display_test_wait_for_frames (fixture->box);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  fovea_display_test_destroy_window (fixture->window);
  g_clear_object (&fixture->document);
}

/* The template child with that id. */
static gpointer
find_by_id (GtkWidget *widget, const char *id)
{
  const char *own = gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget));

  if (own != NULL && g_str_equal (own, id))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = find_by_id (child, id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gpointer
get_control (Fixture *fixture, const char *id)
{
  gpointer control = find_by_id (GTK_WIDGET (fixture->panel), id);

  if (control == NULL)
    g_error ("the panel has no control “%s”", id);
  return control;
}

static GtkWidget *
find_action_button (GtkWidget *widget, const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Whether the button for action can be clicked now. */
static gboolean
action_clickable (Fixture *fixture, const char *action)
{
  GtkWidget *button = find_action_button (GTK_WIDGET (fixture->panel), action);

  g_assert_nonnull (button);
  return gtk_widget_is_sensitive (button);
}

static void
select_enhancement (Fixture *fixture, FoveaEnhancement enhancement)
{
  adw_combo_row_set_selected (get_control (fixture, "enhancement_row"), enhancement);
}

static void
set_scale (Fixture *fixture, const char *id, double value)
{
  gtk_range_set_value (get_control (fixture, id), value);
}

static const char *
get_state_text (Fixture *fixture)
{
  return gtk_label_get_text (get_control (fixture, "state_label"));
}

typedef struct {
  Fixture *fixture;
  guint    n;
} ReadyWait;

static gboolean
ready_reached (gpointer data)
{
  ReadyWait *wait = data;

  return wait->fixture->n_ready >= wait->n;
}

/* Waits for the next "enhanced-ready". */
static void
wait_enhanced_ready (Fixture *fixture)
{
  ReadyWait wait = { fixture, fixture->n_ready + 1 };

  fovea_display_test_wait_for (ready_reached, &wait, "the enhanced image");
}

/* The controls show state, and so does the panel. */
static void
assert_controls (Fixture *fixture, const FoveaAdjustments *state)
{
  const FoveaAdjustments *shown = fovea_adjustments_panel_get_adjustments (fixture->panel);

  g_assert_true (fovea_adjustments_equal (shown, state));
  g_assert_cmpuint (adw_combo_row_get_selected (get_control (fixture, "enhancement_row")), ==,
                    state->enhancement);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (get_control (fixture, "gamma_scale")),
                                  state->gamma, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (get_control (fixture, "brightness_scale")),
                                  state->brightness, 1e-9);
  g_assert_cmpfloat_with_epsilon (gtk_range_get_value (get_control (fixture, "contrast_scale")),
                                  state->contrast, 1e-9);
  g_assert_cmpint (gtk_switch_get_active (get_control (fixture, "red_free_switch")), ==,
                   state->red_free);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_brightness (fixture->view),
                                  state->brightness, 1e-9);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_contrast (fixture->view),
                                  state->contrast, 1e-9);
  g_assert_cmpint (fovea_image_view_get_red_free (fixture->view), ==, state->red_free);
}

/* Every pixel of texture equals the 8-bit RGB(A) image. */
static void
assert_texture_equals (GdkTexture *texture, const FoveaImage *expected)
{
  g_auto(FoveaDisplayTestPixels) pixels = fovea_display_test_download (texture);
  g_autoptr(FoveaImage) rgb = fovea_image_to_rgb8 (expected);
  guint64 n_differ = 0;

  g_assert_cmpint (pixels.width, ==, expected->width);
  g_assert_cmpint (pixels.height, ==, expected->height);
  for (int y = 0; y < pixels.height; y++)
    for (int x = 0; x < pixels.width; x++)
      {
        int v[3];
        const guint8 *e = fovea_image_row (rgb, y) + 3 * x;

        fovea_display_test_get_rgb (&pixels, x, y, v);
        n_differ += v[0] != e[0] || v[1] != e[1] || v[2] != e[2];
      }
  g_assert_cmpuint (n_differ, ==, 0);
}

static FoveaImage *
compute_clahe (const FoveaImage *image)
{
  g_autoptr(GError) error = NULL;
  FoveaImage *clahe = fovea_enhance_clahe (image, FOVEA_ADJUSTMENTS_PANEL_CLAHE_CLIP_LIMIT,
                                           FOVEA_ADJUSTMENTS_PANEL_CLAHE_TILES,
                                           FOVEA_ADJUSTMENTS_PANEL_CLAHE_TILES, &error);
  g_assert_no_error (error);
  return clahe;
}

static void
test_panel_clahe (Fixture *fixture, gconstpointer data)
{
  const FoveaImage *image = fovea_document_get_image (fixture->document);

  g_assert_cmpstr (get_state_text (fixture), ==, "Original");
  g_assert_false (fovea_adjustments_panel_get_enhanced (fixture->panel));
  g_assert_false (action_clickable (fixture, "adjustments.reset"));
  g_assert_false (action_clickable (fixture, "adjustments.undo"));
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
  fovea_display_test_save_screenshot (fixture->box, "adjustments-panel-original.png");

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  g_assert_cmpstr (get_state_text (fixture), ==, "Enhanced: CLAHE");
  g_assert_true (fovea_adjustments_panel_get_enhanced (fixture->panel));
  g_assert_true (action_clickable (fixture, "adjustments.reset"));
  g_assert_true (fovea_adjustments_panel_get_can_undo (fixture->panel));
  wait_enhanced_ready (fixture);

  g_autoptr(FoveaImage) expected = compute_clahe (image);
  GdkTexture *enhanced = fovea_image_view_get_enhanced_texture (fixture->view);
  g_assert_nonnull (enhanced);
  g_assert_true (fovea_image_view_get_showing_enhanced (fixture->view));
  assert_texture_equals (enhanced, expected);
  g_assert_cmpuint (fovea_adjustments_panel_get_n_computations (fixture->panel), ==, 1);
  fovea_display_test_save_screenshot (fixture->box, "adjustments-panel-clahe.png");

  /* Gamma is applied to the CLAHE result, not to the original. */
  set_scale (fixture, "gamma_scale", 1.4);
  g_assert_cmpstr (get_state_text (fixture), ==, "Enhanced: CLAHE, γ 1.40");
  wait_enhanced_ready (fixture);
  g_autoptr(FoveaImage) combined = fovea_enhance_adjust (expected, 1.4, 0, 1);
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), combined);
}

static void
test_panel_tone (Fixture *fixture, gconstpointer data)
{
  FoveaAdjustments expected;

  set_scale (fixture, "brightness_scale", 0.2);
  /* On the view at once, through its colour matrix. */
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_brightness (fixture->view), 0.2, 1e-9);
  g_assert_cmpstr (gtk_label_get_text (get_control (fixture, "brightness_value")), ==, "+0.20");
  set_scale (fixture, "contrast_scale", 1.5);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_contrast (fixture->view), 1.5, 1e-9);
  gtk_switch_set_active (get_control (fixture, "red_free_switch"), TRUE);
  g_assert_true (fovea_image_view_get_red_free (fixture->view));
  g_assert_cmpstr (get_state_text (fixture), ==,
                   "Enhanced: brightness +0.20, contrast 1.50, red-free");
  g_assert_true (fovea_adjustments_panel_get_enhanced (fixture->panel));

  /* No pixels are recomputed for tone changes. */
  spin (2 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS);
  g_assert_cmpuint (fovea_adjustments_panel_get_n_computations (fixture->panel), ==, 0);
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));

  /* Red-free on screen: grey in the middle of the picture. */
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (fixture->view), NULL);
  int centre[3];
  fovea_display_test_get_rgb (&pixels, pixels.width / 2, pixels.height / 2, centre);
  int r = centre[0], g = centre[1], b = centre[2];
  g_test_message ("red-free centre pixel %d,%d,%d", r, g, b);
  g_assert_cmpint (ABS (r - g), <=, 1);
  g_assert_cmpint (ABS (b - g), <=, 1);
  g_assert_cmpint (g, >, 16);
  fovea_display_test_save_screenshot (fixture->box, "adjustments-panel-red-free.png");

  fovea_adjustments_panel_reset (fixture->panel);
  fovea_adjustments_init_original (&expected,
                                   fovea_adjustments_panel_get_adjustments (fixture->panel)->overlay_opacity);
  assert_controls (fixture, &expected);
  g_assert_cmpstr (get_state_text (fixture), ==, "Original");
  g_assert_false (fovea_adjustments_panel_get_enhanced (fixture->panel));
  g_assert_false (action_clickable (fixture, "adjustments.reset"));
}

static void
test_panel_reset (Fixture *fixture, gconstpointer data)
{
  const FoveaImage *image = fovea_document_get_image (fixture->document);

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  wait_enhanced_ready (fixture);
  g_assert_nonnull (fovea_image_view_get_enhanced_texture (fixture->view));

  /* One click, at once: no computation to wait for. */
  g_signal_emit_by_name (find_action_button (GTK_WIDGET (fixture->panel), "adjustments.reset"),
                         "clicked");
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
  g_assert_false (fovea_image_view_get_showing_enhanced (fixture->view));
  g_assert_cmpstr (get_state_text (fixture), ==, "Original");
  g_assert_false (action_clickable (fixture, "adjustments.reset"));
  g_assert_cmpuint (adw_combo_row_get_selected (get_control (fixture, "enhancement_row")), ==,
                    FOVEA_ENHANCEMENT_NONE);

  /* Reset is itself undoable. */
  g_assert_true (fovea_adjustments_panel_undo (fixture->panel));
  g_assert_cmpstr (get_state_text (fixture), ==, "Enhanced: CLAHE");
  wait_enhanced_ready (fixture);
  g_autoptr(FoveaImage) expected = compute_clahe (image);
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), expected);
}

static void
test_panel_undo_redo (Fixture *fixture, gconstpointer data)
{
  FoveaAdjustments states[5];
  const FoveaImage *image = fovea_document_get_image (fixture->document);

  states[0] = *fovea_adjustments_panel_get_adjustments (fixture->panel);
  states[1] = states[0];
  states[1].enhancement = FOVEA_ENHANCEMENT_GRAHAM;
  states[2] = states[1];
  states[2].gamma = 1.3;
  states[3] = states[2];
  states[3].brightness = -0.1;
  states[4] = states[3];
  states[4].red_free = TRUE;

  select_enhancement (fixture, FOVEA_ENHANCEMENT_GRAHAM);
  /* A drag: its values make one step. */
  set_scale (fixture, "gamma_scale", 1.1);
  set_scale (fixture, "gamma_scale", 1.2);
  set_scale (fixture, "gamma_scale", 1.3);
  set_scale (fixture, "brightness_scale", -0.1);
  gtk_switch_set_active (get_control (fixture, "red_free_switch"), TRUE);
  assert_controls (fixture, &states[4]);
  g_assert_false (fovea_adjustments_panel_get_can_redo (fixture->panel));

  for (int i = 3; i >= 0; i--)
    {
      g_assert_true (fovea_adjustments_panel_get_can_undo (fixture->panel));
      g_assert_true (fovea_adjustments_panel_undo (fixture->panel));
      assert_controls (fixture, &states[i]);
      g_assert_true (fovea_adjustments_panel_get_can_redo (fixture->panel));
    }
  g_assert_false (fovea_adjustments_panel_get_can_undo (fixture->panel));
  g_assert_false (fovea_adjustments_panel_undo (fixture->panel));
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
  g_assert_cmpstr (get_state_text (fixture), ==, "Original");

  for (int i = 1; i <= 4; i++)
    {
      g_assert_true (fovea_adjustments_panel_redo (fixture->panel));
      assert_controls (fixture, &states[i]);
    }
  g_assert_false (fovea_adjustments_panel_redo (fixture->panel));
  g_assert_false (fovea_adjustments_panel_get_can_redo (fixture->panel));

  /* The pixels follow: Graham (the detected FOV), then gamma. */
  wait_enhanced_ready (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaImage) graham = fovea_enhance_graham (image, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(FoveaImage) expected = fovea_enhance_adjust (graham, 1.3, 0, 1);
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), expected);

  /* A change after an undo drops the redo states. */
  g_assert_true (fovea_adjustments_panel_undo (fixture->panel));
  set_scale (fixture, "contrast_scale", 1.25);
  g_assert_false (fovea_adjustments_panel_get_can_redo (fixture->panel));
  g_assert_true (fovea_adjustments_panel_undo (fixture->panel));
  assert_controls (fixture, &states[3]);
}

static void
test_panel_debounce (Fixture *fixture, gconstpointer data)
{
  const FoveaImage *image = fovea_document_get_image (fixture->document);

  /* Ten changes within about 100 ms: each restarts the wait. */
  for (int i = 1; i <= 10; i++)
    {
      set_scale (fixture, "gamma_scale", 1.0 + 0.05 * i);
      spin (10);
    }
  wait_enhanced_ready (fixture);
  spin (2 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS);
  g_assert_cmpuint (fovea_adjustments_panel_get_n_computations (fixture->panel), ==, 1);
  g_assert_cmpuint (fixture->n_ready, ==, 1);
  g_autoptr(FoveaImage) expected = fovea_enhance_adjust (image, 1.5, 0, 1);
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), expected);
}

typedef struct {
  FoveaAdjustmentsPanel *panel;
  guint                  n;
} ComputationWait;

static gboolean
computation_started (gpointer data)
{
  ComputationWait *wait = data;

  return fovea_adjustments_panel_get_n_computations (wait->panel) >= wait->n;
}

static void
test_panel_cancel (Fixture *fixture, gconstpointer data)
{
  const FoveaImage *image = fovea_document_get_image (fixture->document);

  ComputationWait first = { fixture->panel, 1 }, third = { fixture->panel, 3 };

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  fovea_display_test_wait_for (computation_started, &first, "the CLAHE computation to start");
  /* Its result cannot have been delivered yet: that takes another
   * main-loop iteration. */
  g_assert_cmpuint (fixture->n_ready, ==, 0);
  select_enhancement (fixture, FOVEA_ENHANCEMENT_GRAHAM);
  wait_enhanced_ready (fixture);
  /* Give a stale CLAHE result every chance to arrive. */
  spin (4 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS);

  g_assert_cmpuint (fovea_adjustments_panel_get_n_computations (fixture->panel), ==, 2);
  g_assert_cmpuint (fixture->n_ready, ==, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaImage) expected = fovea_enhance_graham (image, NULL, &error);
  g_assert_no_error (error);
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), expected);
  g_assert_cmpstr (get_state_text (fixture), ==, "Enhanced: Graham");

  /* Back to the original while computing: nothing arrives afterwards. */
  set_scale (fixture, "gamma_scale", 0.8);
  fovea_display_test_wait_for (computation_started, &third, "the gamma computation to start");
  fovea_adjustments_panel_reset (fixture->panel);
  spin (4 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS);
  g_assert_cmpuint (fixture->n_ready, ==, 1);
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
}

static void
test_panel_document (Fixture *fixture, gconstpointer data)
{
  FoveaAdjustments original;

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  set_scale (fixture, "brightness_scale", 0.3);
  wait_enhanced_ready (fixture);

  /* A document still loading: back to the original, nothing to adjust. */
  g_autofree char *path = fovea_test_sample_path ("fundus-lesions.jpg");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FoveaDocument) next = fovea_document_new (file);
  fovea_adjustments_panel_set_document (fixture->panel, next);
  fovea_adjustments_init_original (&original,
                                   fovea_image_view_get_heatmap_opacity (fixture->view));
  assert_controls (fixture, &original);
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
  g_assert_false (fovea_adjustments_panel_get_can_undo (fixture->panel));
  g_assert_false (fovea_adjustments_panel_get_can_redo (fixture->panel));
  g_assert_false (fovea_adjustments_panel_get_enhanced (fixture->panel));
  g_assert_false (gtk_widget_is_sensitive (get_control (fixture, "gamma_scale")));

  fovea_document_load (next, NULL);
  fovea_display_test_wait_for_document (next);
  g_assert_true (gtk_widget_is_sensitive (get_control (fixture, "gamma_scale")));
  show_document (fixture, next);

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  wait_enhanced_ready (fixture);
  g_autoptr(FoveaImage) expected = compute_clahe (fovea_document_get_image (next));
  assert_texture_equals (fovea_image_view_get_enhanced_texture (fixture->view), expected);
}

/* An image too small for 8 × 8 CLAHE tiles: the failure is shown. */
static void
test_panel_failure (Fixture *fixture, gconstpointer data)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tiny.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaImage) tiny = fovea_image_new (4, 4, 3, 8, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_encode_png_file (tiny, path, &error));
  g_assert_no_error (error);
  g_autoptr(FoveaDocument) document = fovea_display_test_load_file (path);
  show_document (fixture, document);

  select_enhancement (fixture, FOVEA_ENHANCEMENT_CLAHE);
  ComputationWait started = { fixture->panel, 1 };
  fovea_display_test_wait_for (computation_started, &started, "the CLAHE computation to start");
  spin (4 * FOVEA_ADJUSTMENTS_PANEL_DEBOUNCE_MS);
  g_assert_cmpuint (fixture->n_ready, ==, 0);
  g_assert_null (fovea_image_view_get_enhanced_texture (fixture->view));
  g_assert_true (g_str_has_prefix (get_state_text (fixture), "The enhancement failed: "));

  /* Any later change shows the state again. */
  select_enhancement (fixture, FOVEA_ENHANCEMENT_NONE);
  g_assert_cmpstr (get_state_text (fixture), ==, "Original");
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  fovea_display_test_init (&argc, &argv);

  g_test_add ("/adjustments-panel/clahe", Fixture, NULL,
              fixture_set_up, test_panel_clahe, fixture_tear_down);
  g_test_add ("/adjustments-panel/tone", Fixture, NULL,
              fixture_set_up, test_panel_tone, fixture_tear_down);
  g_test_add ("/adjustments-panel/reset", Fixture, NULL,
              fixture_set_up, test_panel_reset, fixture_tear_down);
  g_test_add ("/adjustments-panel/undo-redo", Fixture, NULL,
              fixture_set_up, test_panel_undo_redo, fixture_tear_down);
  g_test_add ("/adjustments-panel/debounce", Fixture, NULL,
              fixture_set_up, test_panel_debounce, fixture_tear_down);
  g_test_add ("/adjustments-panel/cancel", Fixture, NULL,
              fixture_set_up, test_panel_cancel, fixture_tear_down);
  g_test_add ("/adjustments-panel/document", Fixture, NULL,
              fixture_set_up, test_panel_document, fixture_tear_down);
  g_test_add ("/adjustments-panel/failure", Fixture, NULL,
              fixture_set_up, test_panel_failure, fixture_tear_down);
  return g_test_run ();
}
