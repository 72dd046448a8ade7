/* fovea-display-test.h: helpers shared by the display tests and benchmarks
 * in tests/display, on top of tests/fovea-test-common.h: waiting on the
 * main loop, loading samples, finding widgets and the text they show, and
 * rendering widgets through their window's own renderer into pixels and
 * screenshots.
 *
 * Every wait runs the default main context and fails the test (g_error)
 * after FOVEA_DISPLAY_TEST_TIMEOUT_S seconds, naming what it waited for. */
#pragma once

#include <gtk/gtk.h>

#include "fovea-document.h"
#include "fovea-test-common.h"
#include "fovea-window.h"

G_BEGIN_DECLS

/* How long any wait may take before the test fails: generous, so that
 * sanitizer builds and loaded machines pass too. */
#define FOVEA_DISPLAY_TEST_TIMEOUT_S 60.0

/* Set-up and tear-down */

/* gtk_test_init(), adw_init(), and the application's default dark style
 * (as in reading rooms). */
void           fovea_display_test_init               (int                      *argc,
                                                      char                   ***argv);
/* Destroys window and runs the main loop until nothing is pending. */
void           fovea_display_test_destroy_window     (GtkWindow                *window);
/* Destroys every window of application and runs the main loop until
 * nothing is pending; the caller still owns application. */
void           fovea_display_test_destroy_windows    (GtkApplication           *application);

/* Main loop */

typedef gboolean (*FoveaDisplayTestPredicate) (gpointer data);

/* Runs the main loop until predicate (data) holds; fails the test on
 * timeout with "timed out … waiting for <what>". */
void           fovea_display_test_wait_for           (FoveaDisplayTestPredicate predicate,
                                                      gpointer                  data,
                                                      const char               *what);
/* Waits until widget is mapped with a non-zero size and its window has
 * painted three frames since this call (queueing draws, since a frame is
 * only painted when something asks for one): layout, style changes and
 * drawing have caught up with the last change, and a widget paintable
 * shows the widget as it is now. */
void           fovea_display_test_wait_for_frames    (GtkWidget                *widget);

/* Documents */

/* Waits until document has loaded or failed (is no longer LOADING). */
void           fovea_display_test_wait_for_document  (FoveaDocument            *document);
/* A new document for path, loaded and waited for; it may have failed. */
FoveaDocument *fovea_display_test_load_file          (const char               *path);
/* A new document for the generated sample name (fovea_test_sample_path),
 * loaded; asserts that it is READY. */
FoveaDocument *fovea_display_test_load_sample        (const char               *name);

/* The document of window's list that is for file (the last, if several);
 * asserts there is one. Borrowed. */
FoveaDocument *fovea_display_test_find_document      (FoveaWindow              *window,
                                                      GFile                    *file);

/* Widgets */

/* The first widget of type under root, root included, in tree order
 * (depth first); NULL if there is none. Borrowed. */
GtkWidget     *fovea_display_test_find_widget        (GtkWidget                *root,
                                                      GType                     type);
/* Every widget of type under root, root included, in tree order, shown or
 * not. The array is the caller's; the widgets are borrowed. */
GPtrArray     *fovea_display_test_list_widgets       (GtkWidget                *root,
                                                      GType                     type);
/* The first button under root whose label is label; NULL if none. */
GtkWidget     *fovea_display_test_find_button        (GtkWidget                *root,
                                                      const char               *label);
/* After fovea_display_test_wait_for_frames (widget): the text of every
 * mapped label under widget (widget included) that is not empty, in tree
 * order, each followed by "\n". Free with g_free(). */
char          *fovea_display_test_dup_text           (GtkWidget                *widget);
/* Fails the test unless text (as from dup_text) has line as a whole line. */
void           fovea_display_test_assert_shows       (const char               *text,
                                                      const char               *line);

/* Rendering and pixels */

/* After fovea_display_test_wait_for_frames (widget): widget as it is on
 * screen, rendered through its native's GskRenderer at its own size. A
 * widget that is not itself a window (GtkNative) is drawn over its
 * window's background colour, which shows through where it draws nothing;
 * a window keeps its transparent shadow margin. */
GdkTexture    *fovea_display_test_render             (GtkWidget                *widget);
/* Writes a PNG named file_name into the build folder (G_TEST_BUILDDIR, see
 * g_test_build_filename()) and logs its path. widget_or_texture is a
 * GdkTexture, saved as is, or a GtkWidget, rendered first with
 * fovea_display_test_render(). */
void           fovea_display_test_save_screenshot    (gpointer                  widget_or_texture,
                                                      const char               *file_name);

/* A texture's pixels as gdk_texture_download() gives them: native-endian
 * 0xAARRGGBB words (CAIRO_FORMAT_ARGB32), premultiplied. */
typedef struct {
  guint8 *data;
  gsize   stride;
  int     width;
  int     height;
} FoveaDisplayTestPixels;

FoveaDisplayTestPixels fovea_display_test_download       (GdkTexture *texture);
/* Renders widget (fovea_display_test_render), saves it as file_name if
 * that is not NULL (fovea_display_test_save_screenshot), and returns its
 * pixels. */
FoveaDisplayTestPixels fovea_display_test_render_pixels  (GtkWidget  *widget,
                                                          const char *file_name);
void                   fovea_display_test_pixels_clear   (FoveaDisplayTestPixels *pixels);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FoveaDisplayTestPixels, fovea_display_test_pixels_clear)

/* The 0xAARRGGBB word at (x, y); asserts that it lies inside. */
guint32        fovea_display_test_get_pixel          (const FoveaDisplayTestPixels *pixels,
                                                      int                           x,
                                                      int                           y);
/* The red, green and blue of the pixel that contains point (x, y), 0 … 255;
 * asserts that it lies inside. */
void           fovea_display_test_get_rgb            (const FoveaDisplayTestPixels *pixels,
                                                      double                        x,
                                                      double                        y,
                                                      int                           rgb[3]);
/* Fails the test unless each channel of the pixel containing (x, y) is
 * within tolerance of expected. */
void           fovea_display_test_assert_rgb_near    (const FoveaDisplayTestPixels *pixels,
                                                      double                        x,
                                                      double                        y,
                                                      const double                  expected[3],
                                                      double                        tolerance);

G_END_DECLS
