/* fovea-display-test.c: helpers shared by the display tests; see the
 * header for their contracts. */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "fovea-display-test.h"
#include "fovea-window-private.h"

/* Set-up and tear-down */

void
fovea_display_test_init (int    *argc,
                         char ***argv)
{
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
}

static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

void
fovea_display_test_destroy_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  run_pending ();
}

void
fovea_display_test_destroy_windows (GtkApplication *application)
{
  GList *windows = g_list_copy (gtk_application_get_windows (application));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free (windows);
  run_pending ();
}

/* Main loop */

void
fovea_display_test_wait_for (FoveaDisplayTestPredicate predicate,
                             gpointer                  data,
                             const char               *what)
{
  g_autoptr(GTimer) timer = g_timer_new ();

  while (!predicate (data))
    {
      if (g_timer_elapsed (timer, NULL) > FOVEA_DISPLAY_TEST_TIMEOUT_S)
        g_error ("timed out after %.0f s waiting for %s", FOVEA_DISPLAY_TEST_TIMEOUT_S, what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

#define N_FRAMES 3

typedef struct {
  GtkWidget     *widget;
  GdkFrameClock *clock;    /* once the widget is mapped */
  gulong         handler;
  guint          n_painted;
} FrameWait;

static void
painted_cb (GdkFrameClock *clock,
            FrameWait     *wait)
{
  wait->n_painted++;
}

static gboolean
frames_painted (gpointer data)
{
  FrameWait *wait = data;

  if (wait->clock == NULL)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (wait->widget);

      if (!gtk_widget_get_mapped (wait->widget) || gtk_widget_get_width (wait->widget) == 0 ||
          clock == NULL)
        return FALSE;
      wait->clock = g_object_ref (clock);
      wait->handler = g_signal_connect (clock, "after-paint", G_CALLBACK (painted_cb), wait);
    }
  if (wait->n_painted >= N_FRAMES)
    return TRUE;
  /* A frame is only painted when something asks for one. */
  gtk_widget_queue_draw (wait->widget);
  return FALSE;
}

void
fovea_display_test_wait_for_frames (GtkWidget *widget)
{
  FrameWait wait = { .widget = widget };
  g_autofree char *what = g_strdup_printf ("a %s to be drawn", G_OBJECT_TYPE_NAME (widget));

  fovea_display_test_wait_for (frames_painted, &wait, what);
  g_signal_handler_disconnect (wait.clock, wait.handler);
  g_object_unref (wait.clock);
}

/* Documents */

static gboolean
document_settled (gpointer data)
{
  return fovea_document_get_state (data) != FOVEA_DOCUMENT_LOADING;
}

void
fovea_display_test_wait_for_document (FoveaDocument *document)
{
  g_autofree char *name = g_file_get_basename (fovea_document_get_file (document));
  g_autofree char *what = g_strdup_printf ("%s to load or fail", name);

  fovea_display_test_wait_for (document_settled, document, what);
}

FoveaDocument *
fovea_display_test_load_file (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  FoveaDocument *document = fovea_document_new (file);

  fovea_document_load (document, NULL);
  fovea_display_test_wait_for_document (document);
  return document;
}

FoveaDocument *
fovea_display_test_load_sample (const char *name)
{
  g_autofree char *path = fovea_test_sample_path (name);
  FoveaDocument *document = fovea_display_test_load_file (path);

  g_assert_cmpint (fovea_document_get_state (document), ==, FOVEA_DOCUMENT_READY);
  return document;
}

FoveaDocument *
fovea_display_test_find_document (FoveaWindow *window,
                                  GFile       *file)
{
  GListModel *documents = fovea_window_get_documents (window);
  FoveaDocument *document = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (documents); i++)
    {
      g_autoptr(FoveaDocument) candidate = g_list_model_get_item (documents, i);
      if (g_file_equal (fovea_document_get_file (candidate), file))
        document = candidate;
    }
  g_assert_nonnull (document);
  return document;
}

/* Widgets */

GtkWidget *
fovea_display_test_find_widget (GtkWidget *root,
                                GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = fovea_display_test_find_widget (child, type);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_widgets (GtkWidget *root,
                 GType      type,
                 GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, out);
}

GPtrArray *
fovea_display_test_list_widgets (GtkWidget *root,
                                 GType      type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect_widgets (root, type, found);
  return found;
}

GtkWidget *
fovea_display_test_find_button (GtkWidget  *root,
                                const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = fovea_display_test_find_button (child, label);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
collect_text (GtkWidget *widget,
              GString   *out)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget) && gtk_label_get_text (GTK_LABEL (widget))[0] != '\0')
    g_string_append_printf (out, "%s\n", gtk_label_get_text (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_text (child, out);
}

char *
fovea_display_test_dup_text (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  fovea_display_test_wait_for_frames (widget);
  collect_text (widget, text);
  return g_string_free (text, FALSE);
}

void
fovea_display_test_assert_shows (const char *text,
                                 const char *line)
{
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree char *haystack = g_strconcat ("\n", text, NULL);

  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” is not on show; what is:\n%s", line, text);
}

/* Rendering and pixels */

GdkTexture *
fovea_display_test_render (GtkWidget *widget)
{
  fovea_display_test_wait_for_frames (widget);

  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  const graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  if (!GTK_IS_NATIVE (widget))
    {
      GdkRGBA background;

      g_assert_true (gtk_style_context_lookup_color (gtk_widget_get_style_context (widget),
                                                     "window_bg_color", &background));
      gtk_snapshot_append_color (snapshot, &background, &bounds);
    }
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &bounds);
  gsk_render_node_unref (node);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, height);
  return texture;
}

void
fovea_display_test_save_screenshot (gpointer    widget_or_texture,
                                    const char *file_name)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, file_name, NULL);

  if (GDK_IS_TEXTURE (widget_or_texture))
    texture = g_object_ref (widget_or_texture);
  else if (GTK_IS_WIDGET (widget_or_texture))
    texture = fovea_display_test_render (widget_or_texture);
  else
    g_error ("a screenshot of neither a widget nor a texture: %s", file_name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

FoveaDisplayTestPixels
fovea_display_test_download (GdkTexture *texture)
{
  FoveaDisplayTestPixels pixels = {
    .width = gdk_texture_get_width (texture),
    .height = gdk_texture_get_height (texture),
  };

  pixels.stride = (gsize) pixels.width * 4;
  pixels.data = g_malloc (pixels.stride * pixels.height);
  gdk_texture_download (texture, pixels.data, pixels.stride);
  return pixels;
}

FoveaDisplayTestPixels
fovea_display_test_render_pixels (GtkWidget  *widget,
                                  const char *file_name)
{
  g_autoptr(GdkTexture) texture = fovea_display_test_render (widget);

  if (file_name != NULL)
    fovea_display_test_save_screenshot (texture, file_name);
  return fovea_display_test_download (texture);
}

void
fovea_display_test_pixels_clear (FoveaDisplayTestPixels *pixels)
{
  g_clear_pointer (&pixels->data, g_free);
}

guint32
fovea_display_test_get_pixel (const FoveaDisplayTestPixels *pixels,
                              int                           x,
                              int                           y)
{
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpint (y, >=, 0);
  g_assert_cmpint (x, <, pixels->width);
  g_assert_cmpint (y, <, pixels->height);
  return ((const guint32 *) (gconstpointer) (pixels->data + (gsize) y * pixels->stride))[x];
}

void
fovea_display_test_get_rgb (const FoveaDisplayTestPixels *pixels,
                            double                        x,
                            double                        y,
                            int                           rgb[3])
{
  guint32 v = fovea_display_test_get_pixel (pixels, (int) floor (x), (int) floor (y));

  rgb[0] = (v >> 16) & 0xff;
  rgb[1] = (v >> 8) & 0xff;
  rgb[2] = v & 0xff;
}

void
fovea_display_test_assert_rgb_near (const FoveaDisplayTestPixels *pixels,
                                    double                        x,
                                    double                        y,
                                    const double                  expected[3],
                                    double                        tolerance)
{
  int rgb[3];

  fovea_display_test_get_rgb (pixels, x, y, rgb);
  for (int c = 0; c < 3; c++)
    if (fabs (rgb[c] - expected[c]) > tolerance)
      g_error ("pixel (%.0f, %.0f) is (%d, %d, %d), expected (%.1f, %.1f, %.1f) ± %.0f",
               floor (x), floor (y), rgb[0], rgb[1], rgb[2],
               expected[0], expected[1], expected[2], tolerance);
}
