/* test-image-view.c: the image view, its heat-map legend and the compare
 * view, in real windows under Xvfb: zoom and pan geometry, fit, the
 * heat-map blend, the colour-matrix adjustments and linked compare views,
 * checked in pixels rendered through the window's own renderer. Writes a
 * PNG of each main state into the build folder. */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "fovea-colormap.h"
#include "fovea-compare-view.h"
#include "fovea-decode.h"
#include "fovea-display-test.h"
#include "fovea-enhance.h"
#include "fovea-heatmap-legend.h"
#include "fovea-image-view.h"
#include "fovea-texture.h"

/* 8-bit rounding in the renderer, both ways. */
#define LEVELS 3

/* Four flat quadrants, so a pixel's colour tells where in the image it
 * came from. */
static const guint8 quadrant_colors[4][3] = {
  { 200, 60, 40 }, { 40, 180, 60 }, { 50, 70, 200 }, { 230, 220, 210 },
};

/* A window of width × height holding child, shown and drawn. */
static GtkWindow *
present_in_window (GtkWidget *child,
                   int        width,
                   int        height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, width, height);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  fovea_display_test_wait_for_frames (child);
  g_assert_cmpint (gtk_widget_get_width (child), ==, width);
  g_assert_cmpint (gtk_widget_get_height (child), ==, height);
  return window;
}

static FoveaImage *
make_quadrants (int width,
                int height)
{
  FoveaImage *image = fovea_image_new (width, height, 3, 8, NULL);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      memcpy (fovea_image_row (image, y) + 3 * x,
              quadrant_colors[(y >= height / 2) * 2 + (x >= width / 2)], 3);
  return image;
}

/* The colour the quadrant image has at image point (x, y). */
static void
quadrant_color_at (const FoveaImage *image,
                   double            x,
                   double            y,
                   double            rgb[3])
{
  const guint8 *color = quadrant_colors[(y >= image->height / 2) * 2 + (x >= image->width / 2)];

  for (int c = 0; c < 3; c++)
    rgb[c] = color[c];
}

static FoveaImageView *
new_view_with_image (const FoveaImage *image)
{
  FoveaImageView *view = FOVEA_IMAGE_VIEW (fovea_image_view_new ());
  g_autoptr(GError) error = NULL;

  g_assert_true (fovea_image_view_set_image (view, image, &error));
  g_assert_no_error (error);
  return view;
}

/* Every view pixel at the given points shows the image colour that
 * view_to_image says is there: the drawing and the mapping agree. */
static void
check_drawing_matches_mapping (FoveaImageView   *view,
                               const FoveaImage *image,
                               const char       *screenshot_name)
{
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (view), screenshot_name);
  int n_checked = 0;

  for (int y = 5; y < pixels.height; y += 23)
    for (int x = 5; x < pixels.width; x += 29)
      {
        double ix, iy, expected[3];

        fovea_image_view_view_to_image (view, x + 0.5, y + 0.5, &ix, &iy);
        /* Skip the bars outside the image and the filtered quadrant edges. */
        if (ix < 2 || iy < 2 || ix > image->width - 2 || iy > image->height - 2 ||
            fabs (ix - image->width / 2) < 2 || fabs (iy - image->height / 2) < 2)
          continue;
        quadrant_color_at (image, ix, iy, expected);
        fovea_display_test_assert_rgb_near (&pixels, x, y, expected, LEVELS);
        n_checked++;
      }
  g_assert_cmpint (n_checked, >, 50);
}

static void
test_fit (void)
{
  g_autoptr(FoveaImage) image = make_quadrants (500, 300);
  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 640, 480);
  double x0, y0, x1, y1;

  /* 640/500 < 480/300: the width fits exactly and the height is centred. */
  g_assert_true (fovea_viewport_get_fit (fovea_image_view_get_viewport (view)));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), 640.0 / 500, 1e-9);
  fovea_image_view_image_to_view (view, 0, 0, &x0, &y0);
  fovea_image_view_image_to_view (view, 500, 300, &x1, &y1);
  g_assert_cmpfloat_with_epsilon (x0, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (x1, 640, 1e-9);
  g_assert_cmpfloat_with_epsilon (y0, (480 - 300 * 1.28) / 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (y1, 480 - (480 - 300 * 1.28) / 2, 1e-9);

  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  int top_bar[3], bottom_bar[3];
  fovea_display_test_get_rgb (&pixels, 320, 10, top_bar);
  fovea_display_test_get_rgb (&pixels, 320, 470, bottom_bar);
  g_assert_cmpmem (top_bar, sizeof top_bar, bottom_bar, sizeof bottom_bar);
  g_assert_cmpint (top_bar[0] + top_bar[1] + top_bar[2], <, 3 * 64);
  check_drawing_matches_mapping (view, image, NULL);

  /* Back to fit after zooming, through the action. */
  fovea_image_view_set_scale (view, 3);
  g_assert_false (fovea_viewport_get_fit (fovea_image_view_get_viewport (view)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-fit", NULL));
  g_assert_true (fovea_viewport_get_fit (fovea_image_view_get_viewport (view)));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), 1.28, 1e-9);

  gtk_window_destroy (window);
}

static FoveaImage *
make_flat (int width, int height, guint8 r, guint8 g, guint8 b)
{
  FoveaImage *image = fovea_image_new (width, height, 3, 8, NULL);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *px = fovea_image_row (image, y) + 3 * x;
        px[0] = r, px[1] = g, px[2] = b;
      }
  return image;
}

/* The preview is drawn while the view shows no more pixels than it has,
 * the full texture beyond that. Told apart here by their colours. */
static void
test_preview_texture (void)
{
  g_autoptr(FoveaImage) full = make_flat (2000, 1500, 200, 40, 40);
  g_autoptr(FoveaImage) small = make_flat (500, 375, 40, 200, 40);
  g_autoptr(GdkTexture) preview = fovea_texture_new_from_image (small, NULL);
  FoveaImageView *view = new_view_with_image (full);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 400, 300);

  fovea_image_view_set_preview_texture (view, preview);
  /* Fit: 400 screen pixels across, the preview has 500. */
  g_auto(FoveaDisplayTestPixels) fitted =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  fovea_display_test_assert_rgb_near (&fitted, 200, 150, (const double[3]) { 40, 200, 40 }, 3);

  /* 1:1 shows 2000 pixels' worth: the full texture. */
  fovea_image_view_set_scale (view, 1);
  g_auto(FoveaDisplayTestPixels) actual =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  fovea_display_test_assert_rgb_near (&actual, 200, 150, (const double[3]) { 200, 40, 40 }, 3);

  /* A new image drops the old image's preview. */
  g_autoptr(FoveaImage) other = make_flat (800, 600, 40, 40, 200);
  g_autoptr(GdkTexture) other_texture = fovea_texture_new_from_image (other, NULL);
  fovea_image_view_set_texture (view, other_texture);
  g_auto(FoveaDisplayTestPixels) replaced =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  fovea_display_test_assert_rgb_near (&replaced, 200, 150, (const double[3]) { 40, 40, 200 }, 3);

  gtk_window_destroy (window);
}

/* Zooming keeps the image point under the cursor where it is and scales
 * by the step; the drawing follows the same mapping. */
static void
test_zoom_at_cursor (void)
{
  g_autoptr(FoveaImage) image = make_quadrants (500, 300);
  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 640, 480);
  const double points[][3] = {
    /* view x, view y, factor */
    { 100, 200, G_SQRT2 }, { 500, 300, 2.5 }, { 320, 240, 1 / G_SQRT2 }, { 50, 400, 0.8 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (points); i++)
    {
      double scale = fovea_image_view_get_scale (view);
      double before_x, before_y, after_x, after_y;

      fovea_image_view_view_to_image (view, points[i][0], points[i][1], &before_x, &before_y);
      fovea_image_view_zoom_at (view, points[i][2], points[i][0], points[i][1]);
      g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), scale * points[i][2], 1e-9);
      fovea_image_view_view_to_image (view, points[i][0], points[i][1], &after_x, &after_y);
      g_test_message ("zoom ×%.3f at (%.0f, %.0f): image point (%.3f, %.3f) → (%.3f, %.3f)",
                      points[i][2], points[i][0], points[i][1], before_x, before_y, after_x, after_y);
      g_assert_cmpfloat_with_epsilon (after_x, before_x, 1e-6);
      g_assert_cmpfloat_with_epsilon (after_y, before_y, 1e-6);
    }
  check_drawing_matches_mapping (view, image, "image-view-zoomed-quadrants.png");

  /* The actions zoom by √2 about the centre, and 1:1 is one view pixel
   * per image pixel. */
  double scale = fovea_image_view_get_scale (view);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-in", NULL));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), scale * G_SQRT2, 1e-9);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-out", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-out", NULL));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), scale / G_SQRT2, 1e-9);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-1to1", NULL));
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), 1, 1e-9);
  check_drawing_matches_mapping (view, image, NULL);

  /* Zooming is bounded, and out of range does not move the view. */
  fovea_image_view_zoom_at (view, 1e6, 320, 240);
  g_assert_cmpfloat (fovea_image_view_get_scale (view), ==, 32);

  gtk_window_destroy (window);
}

/* A drag moves the image with the pointer, through the view's own
 * GtkGestureDrag handlers. */
static void
test_drag_pans (void)
{
  g_autoptr(FoveaImage) image = make_quadrants (500, 300);
  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 640, 480);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));
  GtkGesture *drag = NULL;
  double before_x, before_y, after_x, after_y;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_GESTURE_DRAG (controller))
        drag = GTK_GESTURE (controller);
    }
  g_assert_nonnull (drag);

  fovea_image_view_set_scale (view, 2);
  fovea_image_view_view_to_image (view, 200, 150, &before_x, &before_y);
  g_signal_emit_by_name (drag, "drag-begin", 200.0, 150.0);
  g_signal_emit_by_name (drag, "drag-update", 60.0, -40.0);
  g_signal_emit_by_name (drag, "drag-end", 60.0, -40.0);
  fovea_image_view_view_to_image (view, 260, 110, &after_x, &after_y);
  g_assert_cmpfloat_with_epsilon (after_x, before_x, 1e-6);
  g_assert_cmpfloat_with_epsilon (after_y, before_y, 1e-6);
  g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (view), 2, 1e-9);
  check_drawing_matches_mapping (view, image, NULL);

  gtk_window_destroy (window);
}

/* Zoom, pan, opacity and adjustments change how layers are drawn, never
 * the layers themselves. */
static void
test_zoom_keeps_textures (void)
{
  g_autoptr(FoveaImage) image = make_quadrants (500, 300);
  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 640, 480);
  float values[4] = { 0, 0.3f, 0.6f, 1 };
  g_autoptr(GdkTexture) heatmap = fovea_colormap_texture_new (values, 2, 2, 0, 1, NULL);
  g_autoptr(GdkTexture) enhanced = fovea_texture_new_from_image (image, NULL);

  fovea_image_view_set_heatmap (view, heatmap);
  fovea_image_view_set_enhanced_texture (view, enhanced);
  GdkTexture *texture = fovea_image_view_get_texture (view);
  g_assert_nonnull (texture);
  g_auto(FoveaDisplayTestPixels) before =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-in", NULL));
  fovea_image_view_zoom_at (view, 3, 10, 20);
  fovea_image_view_set_heatmap_opacity (view, 0.25);
  fovea_image_view_set_contrast (view, 1.5);
  fovea_image_view_set_red_free (view, TRUE);
  g_auto(FoveaDisplayTestPixels) after = fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  g_assert_true (memcmp (before.data, after.data, before.stride * before.height) != 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-1to1", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.zoom-fit", NULL));

  g_assert_true (fovea_image_view_get_texture (view) == texture);
  g_assert_true (fovea_image_view_get_enhanced_texture (view) == enhanced);
  g_assert_true (fovea_image_view_get_heatmap (view) == heatmap);

  gtk_window_destroy (window);
}

/* A uniform image under a 4 × 3 heat-map at 50 %: at each cell centre the
 * pixel is half the image and half the colour map's colour for that value. */
static void
test_heatmap_blend (void)
{
  static const double image_rgb[3] = { 180, 90, 60 };
  g_autoptr(FoveaImage) image = fovea_image_new (400, 300, 3, 8, NULL);
  enum { COLS = 4, ROWS = 3 };
  float values[COLS * ROWS];
  guint8 low[3], high[3];

  /* The ends of matplotlib's viridis, #440154 and #fde725. */
  fovea_colormap_lookup (0, low);
  fovea_colormap_lookup (1, high);
  g_assert_cmpmem (low, 3, ((guint8[]) { 0x44, 0x01, 0x54 }), 3);
  g_assert_cmpmem (high, 3, ((guint8[]) { 0xfd, 0xe7, 0x25 }), 3);

  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      for (int c = 0; c < 3; c++)
        fovea_image_row (image, y)[3 * x + c] = (guint8) image_rgb[c];
  /* Values from -2 to 20 in a range of [0, 10]: clamped at both ends. One
   * cell is NaN, "no value", which must leave the image alone. */
  for (int i = 0; i < COLS * ROWS; i++)
    values[i] = -2 + 2 * i;
  values[5] = NAN;

  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 400, 300);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) heatmap = fovea_colormap_texture_new (values, COLS, ROWS, 0, 10, &error);
  g_assert_no_error (error);

  /* H (the toggle action) is disabled while there is no heat-map. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.toggle-heatmap", NULL);
  g_assert_true (fovea_image_view_get_heatmap_visible (view));
  fovea_image_view_set_heatmap (view, heatmap);
  fovea_image_view_set_heatmap_opacity (view, 0.5);
  g_assert_true (fovea_image_view_get_heatmap_visible (view));

  g_auto(FoveaDisplayTestPixels) shown = fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  for (int j = 0; j < ROWS; j++)
    for (int i = 0; i < COLS; i++)
      {
        float value = values[j * COLS + i];
        double x = (i + 0.5) * 100, y = (j + 0.5) * 100, expected[3];
        guint8 color[3];

        fovea_colormap_lookup ((value - 0) / 10, color);
        for (int c = 0; c < 3; c++)
          expected[c] = isnan (value) ? image_rgb[c] : 0.5 * image_rgb[c] + 0.5 * color[c];
        fovea_display_test_assert_rgb_near (&shown, x, y, expected, LEVELS);
      }

  /* Toggled off with the action bound to H: the image alone. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.toggle-heatmap", NULL));
  g_assert_false (fovea_image_view_get_heatmap_visible (view));
  g_auto(FoveaDisplayTestPixels) hidden =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  for (int j = 0; j < ROWS; j++)
    for (int i = 0; i < COLS; i++)
      fovea_display_test_assert_rgb_near (&hidden, (i + 0.5) * 100, (j + 0.5) * 100, image_rgb,
                                          LEVELS);

  gtk_window_destroy (window);
}

typedef struct {
  double   brightness;
  double   contrast;
  gboolean red_free;
} Adjustment;

/* out = contrast·(in − ½) + ½ + brightness on [0, 1], after red-free. */
static void
expected_adjusted (const guint8     *in,
                   const Adjustment *adjustment,
                   double            out[3])
{
  for (int c = 0; c < 3; c++)
    {
      double v = (adjustment->red_free ? in[1] : in[c]) / 255.0;
      v = adjustment->contrast * (v - 0.5) + 0.5 + adjustment->brightness;
      out[c] = 255 * CLAMP (v, 0, 1);
    }
}

static void
test_adjustments (void)
{
  static const Adjustment adjustments[] = {
    { 0.1, 1, FALSE }, { -0.2, 1, FALSE }, { 0, 1.5, FALSE }, { 0, 0.5, FALSE },
    { 0, 1, TRUE }, { -0.1, 2, TRUE },
  };
  g_autoptr(FoveaImage) image = make_quadrants (400, 300);
  FoveaImageView *view = new_view_with_image (image);
  GtkWindow *window = present_in_window (GTK_WIDGET (view), 400, 300);

  for (gsize i = 0; i < G_N_ELEMENTS (adjustments); i++)
    {
      fovea_image_view_set_brightness (view, adjustments[i].brightness);
      fovea_image_view_set_contrast (view, adjustments[i].contrast);
      fovea_image_view_set_red_free (view, adjustments[i].red_free);
      g_auto(FoveaDisplayTestPixels) pixels =
        fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);

      for (int q = 0; q < 4; q++)
        {
          double expected[3];

          expected_adjusted (quadrant_colors[q], &adjustments[i], expected);
          fovea_display_test_assert_rgb_near (&pixels, 100 + 200 * (q % 2), 75 + 150 * (q / 2),
                                              expected, LEVELS);
        }
    }

  /* The heat-map keeps its colours under red-free: they are its values. */
  float value = 1;
  g_autoptr(GdkTexture) heatmap = fovea_colormap_texture_new (&value, 1, 1, 0, 1, NULL);
  fovea_image_view_set_heatmap (view, heatmap);
  fovea_image_view_set_heatmap_opacity (view, 1);
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  fovea_display_test_assert_rgb_near (&pixels, 200, 150, (double[]) { 0xfd, 0xe7, 0x25 }, LEVELS);

  gtk_window_destroy (window);
}

/* Zooming or panning either side of the compare view moves both; the
 * right side shows the enhanced texture and is labelled by what it shows. */
static void
test_compare_linked (void)
{
  g_autoptr(FoveaImage) image = make_quadrants (400, 300);
  g_autoptr(FoveaImage) negative = fovea_image_copy (image);
  for (int y = 0; y < negative->height; y++)
    for (int x = 0; x < 3 * negative->width; x++)
      fovea_image_row (negative, y)[x] = 255 - fovea_image_row (negative, y)[x];
  g_autoptr(GdkTexture) original = fovea_texture_new_from_image (image, NULL);
  g_autoptr(GdkTexture) enhanced = fovea_texture_new_from_image (negative, NULL);

  FoveaCompareView *compare = FOVEA_COMPARE_VIEW (fovea_compare_view_new ());
  FoveaImageView *left = fovea_compare_view_get_original_view (compare);
  FoveaImageView *right = fovea_compare_view_get_enhanced_view (compare);
  fovea_compare_view_set_textures (compare, original, enhanced);
  GtkWindow *window = present_in_window (GTK_WIDGET (compare), 802, 300);

  g_assert_true (fovea_image_view_get_viewport (left) == fovea_image_view_get_viewport (right));
  g_assert_true (fovea_image_view_get_texture (left) == original);
  g_assert_true (fovea_image_view_get_texture (right) == original);
  g_assert_false (fovea_image_view_get_showing_enhanced (left));
  g_assert_true (fovea_image_view_get_showing_enhanced (right));

  for (int side = 0; side < 2; side++)
    {
      FoveaImageView *zoomed = side == 0 ? left : right;
      FoveaImageView *other = side == 0 ? right : left;
      double zoomed_x, zoomed_y, other_x, other_y;

      fovea_image_view_zoom_fit (zoomed);
      fovea_image_view_zoom_at (zoomed, 2.5, 120 + side * 50, 90);
      g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (other),
                                      fovea_image_view_get_scale (zoomed), 1e-12);
      g_assert_cmpfloat_with_epsilon (fovea_image_view_get_scale (other), 2.5, 1e-9);
      /* Both sides have the same size, so the same image point is at the
       * same place in each. */
      fovea_image_view_view_to_image (zoomed, 30, 40, &zoomed_x, &zoomed_y);
      fovea_image_view_view_to_image (other, 30, 40, &other_x, &other_y);
      g_assert_cmpfloat_with_epsilon (other_x, zoomed_x, 1e-9);
      g_assert_cmpfloat_with_epsilon (other_y, zoomed_y, 1e-9);
    }

  /* Fit again: the right half shows the negative of the left half. */
  fovea_image_view_zoom_fit (right);
  g_assert_true (fovea_viewport_get_fit (fovea_image_view_get_viewport (left)));
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (compare), NULL);
  for (int q = 0; q < 4; q++)
    {
      double x = 100 + 200 * (q % 2), y = 75 + 150 * (q / 2);
      double left_rgb[3], right_rgb[3];

      for (int c = 0; c < 3; c++)
        {
          left_rgb[c] = quadrant_colors[q][c];
          right_rgb[c] = 255 - quadrant_colors[q][c];
        }
      fovea_display_test_assert_rgb_near (&pixels, x, y, left_rgb, LEVELS);
      fovea_display_test_assert_rgb_near (&pixels, 402 + x, y, right_rgb, LEVELS);
    }

  /* Without an enhanced image the right side shows the original, and
   * says so. */
  fovea_compare_view_set_textures (compare, original, NULL);
  g_assert_false (fovea_image_view_get_showing_enhanced (right));

  gtk_window_destroy (window);
}

/* The legend's ramp runs from the colour map's low end to its high end,
 * and its labels give the range. */
static void
test_legend (void)
{
  GtkWidget *legend = fovea_heatmap_legend_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_widget_set_margin_start (legend, 12);
  gtk_widget_set_margin_end (legend, 12);
  gtk_widget_set_margin_top (legend, 8);
  gtk_widget_set_margin_bottom (legend, 8);
  gtk_box_append (GTK_BOX (box), legend);
  fovea_heatmap_legend_set_title (FOVEA_HEATMAP_LEGEND (legend), "Anomaly score");
  fovea_heatmap_legend_set_range (FOVEA_HEATMAP_LEGEND (legend), 0, 2.5);
  GtkWindow *window = present_in_window (box, 240, 120);

  GtkWidget *ramp = fovea_display_test_find_widget (legend, GTK_TYPE_PICTURE);
  g_assert_nonnull (ramp);
  graphene_rect_t bounds;
  g_assert_true (gtk_widget_compute_bounds (ramp, box, &bounds));
  g_assert_cmpfloat (bounds.size.width, >, 150);

  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (box, "image-view-legend.png");
  guint8 low[3], high[3];
  double low_rgb[3], high_rgb[3];
  fovea_colormap_lookup (0, low);
  fovea_colormap_lookup (1, high);
  for (int c = 0; c < 3; c++)
    {
      low_rgb[c] = low[c];
      high_rgb[c] = high[c];
    }
  double y = bounds.origin.y + bounds.size.height / 2;
  /* The texture's end texels are 1/256 of the ramp wide; sample inside. */
  fovea_display_test_assert_rgb_near (&pixels, bounds.origin.x + 0.5, y, low_rgb, 6);
  fovea_display_test_assert_rgb_near (&pixels, bounds.origin.x + bounds.size.width - 0.5, y,
                                      high_rgb, 6);

  g_autofree char *texts = fovea_display_test_dup_text (legend);
  g_assert_cmpstr (texts, ==, "Anomaly score\n0.00\n2.50\nOpacity\n");

  gtk_window_destroy (window);
}

/* A heat-map for the lesion sample: bright over its exudates and
 * haemorrhages, no value (NaN) outside the fundus disc. */
static GdkTexture *
make_sample_heatmap (int width,
                     int height)
{
  static const double spots[][3] = {
    /* x, y (fractions of the image), weight */
    { 0.80, 0.40, 1.0 }, { 0.78, 0.47, 0.9 }, { 0.47, 0.47, 0.6 },
    { 0.69, 0.71, 0.7 }, { 0.49, 0.80, 0.5 }, { 0.41, 0.27, 0.55 },
  };
  g_autofree float *values = g_new (float, width * height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double u = (x + 0.5) / width, v = (y + 0.5) / height, sum = 0;

        for (gsize i = 0; i < G_N_ELEMENTS (spots); i++)
          sum += spots[i][2] * exp (-(pow (u - spots[i][0], 2) + pow (v - spots[i][1], 2)) / 0.004);
        values[y * width + x] = hypot (u - 0.5, v - 0.5) > 0.45 ? NAN : (float) MIN (sum, 1);
      }
  return fovea_colormap_texture_new (values, width, height, 0, 1, NULL);
}

/* The states a clinician sees, for looking at, on the lesion sample. */
static void
test_screenshots (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-lesions.jpg");
  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(FoveaImage) clahe = fovea_enhance_clahe (image, 2.0, 8, 8, &error);
  g_assert_no_error (error);
  g_autoptr(GdkTexture) original = fovea_texture_new_from_image (image, &error);
  g_autoptr(GdkTexture) enhanced = fovea_texture_new_from_image (clahe, &error);
  g_autoptr(GdkTexture) heatmap = make_sample_heatmap (64, 64);

  /* The view with the legend over its corner, as the window lays it out. */
  FoveaImageView *view = FOVEA_IMAGE_VIEW (fovea_image_view_new ());
  GtkWidget *legend = fovea_heatmap_legend_new ();
  GtkWidget *overlay = gtk_overlay_new ();
  gtk_widget_set_halign (legend, GTK_ALIGN_START);
  gtk_widget_set_valign (legend, GTK_ALIGN_END);
  gtk_widget_set_margin_start (legend, 12);
  gtk_widget_set_margin_bottom (legend, 12);
  gtk_widget_add_css_class (legend, "osd");
  gtk_widget_add_css_class (legend, "toolbar");
  fovea_heatmap_legend_set_title (FOVEA_HEATMAP_LEGEND (legend), "Saliency");
  fovea_heatmap_legend_set_range (FOVEA_HEATMAP_LEGEND (legend), 0, 1);
  gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (view));
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), legend);
  fovea_image_view_set_texture (view, original);
  GtkWindow *window = present_in_window (overlay, 800, 600);

  g_auto(FoveaDisplayTestPixels) fit =
    fovea_display_test_render_pixels (overlay, "image-view-fit.png");
  fovea_image_view_set_heatmap (view, heatmap);
  g_auto(FoveaDisplayTestPixels) overlaid =
    fovea_display_test_render_pixels (overlay, "image-view-heatmap.png");
  fovea_image_view_zoom_at (view, 3, 560, 250);
  g_auto(FoveaDisplayTestPixels) zoomed =
    fovea_display_test_render_pixels (overlay, "image-view-heatmap-zoomed.png");
  fovea_image_view_set_heatmap_visible (view, FALSE);
  fovea_image_view_set_red_free (view, TRUE);
  fovea_image_view_set_contrast (view, 1.4);
  g_auto(FoveaDisplayTestPixels) red_free =
    fovea_display_test_render_pixels (overlay, "image-view-red-free.png");
  /* Each state is a different picture. */
  g_assert_true (memcmp (fit.data, overlaid.data, fit.stride * fit.height) != 0);
  g_assert_true (memcmp (overlaid.data, zoomed.data, fit.stride * fit.height) != 0);
  g_assert_true (memcmp (zoomed.data, red_free.data, fit.stride * fit.height) != 0);
  gtk_window_destroy (window);

  FoveaCompareView *compare = FOVEA_COMPARE_VIEW (fovea_compare_view_new ());
  fovea_compare_view_set_textures (compare, original, enhanced);
  window = present_in_window (GTK_WIDGET (compare), 1000, 500);
  g_auto(FoveaDisplayTestPixels) side_by_side =
    fovea_display_test_render_pixels (GTK_WIDGET (compare), "image-view-compare.png");
  fovea_image_view_zoom_at (fovea_compare_view_get_original_view (compare), 2.5, 150, 300);
  g_auto(FoveaDisplayTestPixels) linked =
    fovea_display_test_render_pixels (GTK_WIDGET (compare), "image-view-compare-zoomed.png");
  g_assert_true (memcmp (side_by_side.data, linked.data, linked.stride * linked.height) != 0);
  gtk_window_destroy (window);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();
  /* The app's default: dark, as in reading rooms. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);

  g_test_add_func ("/image-view/fit", test_fit);
  g_test_add_func ("/image-view/zoom-at-cursor", test_zoom_at_cursor);
  g_test_add_func ("/image-view/drag-pans", test_drag_pans);
  g_test_add_func ("/image-view/zoom-keeps-textures", test_zoom_keeps_textures);
  g_test_add_func ("/image-view/heatmap-blend", test_heatmap_blend);
  g_test_add_func ("/image-view/adjustments", test_adjustments);
  g_test_add_func ("/compare-view/linked", test_compare_linked);
  g_test_add_func ("/heatmap-legend/ramp", test_legend);
  g_test_add_func ("/image-view/preview-texture", test_preview_texture);
  g_test_add_func ("/image-view/screenshots", test_screenshots);
  return g_test_run ();
}
