/* test-window.c: the real application and window, driven in-process under
 * Xvfb: open a sample image, render the window and check what it shows;
 * open a corrupt file and check it fails cleanly. */
#include "config.h"

#include <string.h>

#include "fovea-application.h"
#include "fovea-decode.h"
#include "fovea-display-test.h"
#include "fovea-document.h"
#include "fovea-window-private.h"

static FoveaApplication *application;

/* Opens path the way `fovea PATH` does and waits until it has loaded or
 * failed. Returns the window and (borrowed) document. */
static FoveaWindow *
open_and_wait (const char *path, FoveaDocument **out_document)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_application_open (G_APPLICATION (application), &file, 1, "");

  GList *windows = gtk_application_get_windows (GTK_APPLICATION (application));
  g_assert_nonnull (windows);
  g_assert_null (windows->next);
  FoveaWindow *window = FOVEA_WINDOW (windows->data);

  FoveaDocument *document = fovea_display_test_find_document (window, file);
  fovea_display_test_wait_for_document (document);
  *out_document = document;
  return window;
}

/* An axis-aligned pixel rectangle. */
typedef struct { int x, y, width, height; } Box;

static gboolean
box_contains (const Box *box, int x, int y)
{
  return x >= box->x && x < box->x + box->width &&
         y >= box->y && y < box->y + box->height;
}

/* Where a letterboxed image of image_w × image_h must land inside a view
 * of view_w × view_h: computed here independently of
 * the widget's code. */
static Box
letterbox (int view_w, int view_h, int image_w, int image_h)
{
  double scale = MIN ((double) view_w / image_w, (double) view_h / image_h);
  double w = image_w * scale, h = image_h * scale;

  return (Box) { (int) ((view_w - w) / 2), (int) ((view_h - h) / 2),
                 (int) w, (int) h };
}

static void
mean_rgb8 (const FoveaImage *image, double mean[3])
{
  g_autoptr(FoveaImage) rgb = fovea_image_to_rgb8 (image);
  double sum[3] = { 0, 0, 0 };

  for (int y = 0; y < rgb->height; y++)
    for (int x = 0; x < rgb->width; x++)
      for (int c = 0; c < 3; c++)
        sum[c] += fovea_image_row (rgb, y)[x * 3 + c];
  for (int c = 0; c < 3; c++)
    mean[c] = sum[c] / ((double) rgb->width * rgb->height);
}

/* Checks the rendered image view: letterbox bars are one dark colour, and
 * inside the picture many pixels differ from it, the luminance varies, and
 * the mean colour matches the decoded file's. */
static void
check_rendered_view (const FoveaDisplayTestPixels *p, const Box *view, const Box *picture,
                     const FoveaImage *reference)
{
  /* Stay clear of the antialiased edges of the picture and the view. */
  Box inner = { picture->x + 2, picture->y + 2, picture->width - 4, picture->height - 4 };
  Box inner_view = { view->x + 2, view->y + 2, view->width - 4, view->height - 4 };
  int background[3] = { -1, -1, -1 };
  guint64 n_bars = 0;

  for (int y = inner_view.y; y < inner_view.y + inner_view.height; y++)
    for (int x = inner_view.x; x < inner_view.x + inner_view.width; x++)
      {
        if (box_contains (picture, x, y) || box_contains (picture, x - 2, y - 2) ||
            box_contains (picture, x + 2, y + 2))
          continue;
        int rgb[3];
        fovea_display_test_get_rgb (p, x, y, rgb);
        if (background[0] < 0)
          memcpy (background, rgb, sizeof background);
        g_assert_cmpint (rgb[0], ==, background[0]);
        g_assert_cmpint (rgb[1], ==, background[1]);
        g_assert_cmpint (rgb[2], ==, background[2]);
        n_bars++;
      }
  /* The sample is not the view's aspect ratio, so there must be bars. */
  g_assert_cmpuint (n_bars, >, 100);
  g_assert_cmpint (background[0] + background[1] + background[2], <, 3 * 64);

  guint64 n = 0, n_differ = 0;
  double sum[3] = { 0, 0, 0 }, luma_sum = 0, luma_sq = 0;
  for (int y = inner.y; y < inner.y + inner.height; y++)
    for (int x = inner.x; x < inner.x + inner.width; x++)
      {
        int rgb[3];
        fovea_display_test_get_rgb (p, x, y, rgb);
        int diff = MAX (ABS (rgb[0] - background[0]),
                        MAX (ABS (rgb[1] - background[1]), ABS (rgb[2] - background[2])));
        double luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
        n++;
        n_differ += diff > 16;
        luma_sum += luma;
        luma_sq += luma * luma;
        for (int c = 0; c < 3; c++)
          sum[c] += rgb[c];
      }

  double differ_fraction = (double) n_differ / n;
  double mean_luma = luma_sum / n;
  double variance = luma_sq / n - mean_luma * mean_luma;
  g_test_message ("picture %d×%d at (%d,%d): %.1f%% differ from background, luma variance %.1f",
                  picture->width, picture->height, picture->x, picture->y,
                  100 * differ_fraction, variance);
  g_assert_cmpfloat (differ_fraction, >, 0.3);
  g_assert_cmpfloat (variance, >, 100.0);

  double reference_mean[3];
  mean_rgb8 (reference, reference_mean);
  for (int c = 0; c < 3; c++)
    {
      g_test_message ("channel %d: rendered mean %.1f, file mean %.1f",
                      c, sum[c] / n, reference_mean[c]);
      g_assert_cmpfloat_with_epsilon (sum[c] / n, reference_mean[c], 10.0);
    }
}

static void
test_window_shows_sample (void)
{
  g_autofree char *path = fovea_test_sample_path ("fundus-healthy.png");
  g_autofree char *basename = g_path_get_basename (path);
  FoveaDocument *document;
  FoveaWindow *window = open_and_wait (path, &document);

  g_assert_cmpstr (fovea_document_get_error_message (document), ==, NULL);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, basename);

  g_autoptr(GError) error = NULL;
  g_autoptr(FoveaImage) reference = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);

  FoveaImageView *view = fovea_window_get_image_view (window);
  GdkTexture *texture = fovea_image_view_get_texture (view);
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, reference->width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, reference->height);

  /* The view itself is rendered rather than the whole window: under Xvfb
   * the window's client-side frame offsets its drawing by a few pixels
   * from what gtk_widget_compute_bounds() reports. Being mapped proves it
   * is the page on show. */
  g_auto(FoveaDisplayTestPixels) pixels =
    fovea_display_test_render_pixels (GTK_WIDGET (view), NULL);
  int width = pixels.width;
  int height = pixels.height;
  g_assert_cmpint (width, ==, gtk_widget_get_width (GTK_WIDGET (view)));
  g_assert_cmpint (height, ==, gtk_widget_get_height (GTK_WIDGET (view)));
  Box view_box = { 0, 0, width, height };
  Box picture = letterbox (width, height, reference->width, reference->height);

  check_rendered_view (&pixels, &view_box, &picture, reference);
}

static void
test_window_corrupt_file (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "garbage.png", NULL);
  guint8 garbage[4096];
  GRand *rand = g_rand_new_with_seed (42);
  FoveaDocument *document;

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (path, (const char *) garbage, sizeof garbage, NULL));

  FoveaWindow *window = open_and_wait (path, &document);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_FAILED);
  g_assert_nonnull (fovea_document_get_error_message (document));
  g_test_message ("error shown: %s", fovea_document_get_error_message (document));
  g_assert_nonnull (strstr (fovea_document_get_error_message (document), "garbage.png"));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "garbage.png");
  g_assert_null (fovea_image_view_get_texture (fovea_window_get_image_view (window)));

  /* The window still works: reopening the sample selects and shows it. */
  g_autofree char *sample = fovea_test_sample_path ("fundus-healthy.png");
  guint n_documents = g_list_model_get_n_items (fovea_window_get_documents (window));
  open_and_wait (sample, &document);
  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  g_assert_cmpuint (g_list_model_get_n_items (fovea_window_get_documents (window)), ==, n_documents);
  g_assert_nonnull (fovea_image_view_get_texture (fovea_window_get_image_view (window)));

  fovea_test_rmdir (dir);
}

/* The window takes its size from GSettings and writes it back on close. */
static void
test_window_remembers_size (void)
{
  GSettings *settings = fovea_application_get_settings (application);
  int width, height;

  g_assert_nonnull (settings);
  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 640);

  FoveaWindow *window = fovea_window_new (application);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 640);

  /* Only a realized window can be closed. */
  gtk_window_present (GTK_WINDOW (window));
  fovea_display_test_wait_for_frames (GTK_WIDGET (window));
  gtk_window_set_default_size (GTK_WINDOW (window), 812, 577);
  gtk_window_close (GTK_WINDOW (window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 812);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 577);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);

  application = fovea_application_new (G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (application), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/shows-sample", test_window_shows_sample);
  g_test_add_func ("/window/corrupt-file", test_window_corrupt_file);
  g_test_add_func ("/window/remembers-size", test_window_remembers_size);
  int status = g_test_run ();

  fovea_display_test_destroy_windows (GTK_APPLICATION (application));
  g_object_unref (application);
  return status;
}
