/* bench-image-view.c: how fast the image view shows a 12-megapixel JPEG,
 * and how long a zoom or pan frame of it takes, in a real window under
 * Xvfb. Prints medians of wall-clock times (the GL renderer works in other
 * threads too, so CPU time of this one would undercount); asserts nothing
 * about them. Targets from the review-window issue: at most 0.5 s to show
 * the image, under 16 ms per zoom or pan frame. */
#include "config.h"

#include <stdlib.h>

#include "fovea-decode.h"
#include "fovea-encode.h"
#include "fovea-image-view.h"
#include "fovea-resize.h"
#include "fovea-test-common.h"
#include "fovea-texture.h"

#define N_OPENS 5
#define N_FRAMES 30
#define VIEW_WIDTH 1280
#define VIEW_HEIGHT 900

typedef struct {
  GtkWidget *view;
  gint64     paint_start;
  gint64     paint_end;
} Frame;

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return values[n / 2];
}

static double
minimum (const double *values,
         int           n)
{
  double least = values[0];

  for (int i = 1; i < n; i++)
    least = MIN (least, values[i]);
  return least;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Frame         *frame)
{
  frame->paint_start = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                Frame         *frame)
{
  frame->paint_end = g_get_monotonic_time ();
}

/* Runs the main loop until the frame clock has painted once more. */
static void
wait_for_frame (Frame *frame)
{
  frame->paint_end = 0;
  gtk_widget_queue_draw (frame->view);
  while (frame->paint_end == 0)
    g_main_context_iteration (NULL, TRUE);
}

/* Snapshot and render the view through the window's GskRenderer, as a
 * frame does, into a texture (so including the read-back). */
static double
time_render_to_texture (GtkWidget *view)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (view);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot, VIEW_WIDTH, VIEW_HEIGHT);
  GskRenderNode *node = gtk_snapshot_free_to_node (snapshot);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (view));
  GdkTexture *texture = gsk_renderer_render_texture (renderer, node,
                                                     &GRAPHENE_RECT_INIT (0, 0, VIEW_WIDTH, VIEW_HEIGHT));
  g_object_unref (texture);
  gsk_render_node_unref (node);
  return ms_since (start);
}

/* Decode (at full size, or DCT-scaled to the view when preview is set),
 * copy into a texture, and wait until a frame showing it has been painted.
 * Each run makes a new texture, so each pays the GPU upload. */
static void
bench_open (Frame      *frame,
            const char *path,
            gboolean    preview)
{
  double total[N_OPENS], decode[N_OPENS], texture[N_OPENS], paint[N_OPENS];
  FoveaDecodeOptions options;
  FoveaDecodeInfo info;
  int width = 0, height = 0;

  fovea_decode_options_init (&options);
  if (preview)
    {
      options.min_width = VIEW_WIDTH;
      options.min_height = VIEW_HEIGHT;
    }

  for (int i = 0; i < N_OPENS; i++)
    {
      g_autoptr(GError) error = NULL;

      fovea_image_view_set_image (FOVEA_IMAGE_VIEW (frame->view), NULL, NULL);
      wait_for_frame (frame);

      gint64 start = g_get_monotonic_time ();
      g_autoptr(FoveaImage) image = fovea_decode_file (path, &options, &info, &error);
      g_assert_no_error (error);
      decode[i] = ms_since (start);
      gint64 texture_start = g_get_monotonic_time ();
      g_assert_true (fovea_image_view_set_image (FOVEA_IMAGE_VIEW (frame->view), image, &error));
      texture[i] = ms_since (texture_start);
      wait_for_frame (frame);
      total[i] = (frame->paint_end - start) / 1000.0;
      paint[i] = (frame->paint_end - frame->paint_start) / 1000.0;
      width = image->width;
      height = image->height;
    }

  g_print ("open %s (%d×%d, DCT 1/%d): %.1f ms to first frame (fastest %.1f; "
           "decode %.1f, texture copy %.1f, frame with upload %.1f), median of %d\n",
           preview ? "preview" : "full size", width, height, info.scale_denom,
           median (total, N_OPENS), minimum (total, N_OPENS), median (decode, N_OPENS),
           median (texture, N_OPENS), median (paint, N_OPENS), N_OPENS);
}

/* Moves the view by dx view pixels, as a drag does. */
static void
pan_by (FoveaImageView *view,
        double          dx)
{
  FoveaViewport *viewport = fovea_image_view_get_viewport (view);
  double scale = fovea_image_view_get_scale (view), x, y;

  fovea_image_view_view_to_image (view, VIEW_WIDTH / 2.0 + dx, VIEW_HEIGHT / 2.0, &x, &y);
  fovea_viewport_set (viewport, scale, x, y);
}

/* Alternating zoom and pan steps at scale (0: fit), each shown in a real
 * frame. */
static void
bench_frames (Frame *frame,
              double scale)
{
  FoveaImageView *view = FOVEA_IMAGE_VIEW (frame->view);
  double paint[N_FRAMES], render[N_FRAMES];

  fovea_image_view_zoom_fit (view);
  if (scale > 0)
    fovea_image_view_set_scale (view, scale);
  wait_for_frame (frame);
  GdkTexture *texture = fovea_image_view_get_texture (view);

  for (int i = 0; i < N_FRAMES; i++)
    {
      if (i % 2 == 0)
        fovea_image_view_zoom_at (view, i % 4 == 0 ? 1.05 : 1 / 1.05, 400, 300);
      else
        pan_by (view, i % 4 == 1 ? 20 : -20);
      wait_for_frame (frame);
      paint[i] = (frame->paint_end - frame->paint_start) / 1000.0;
      render[i] = time_render_to_texture (frame->view);
    }
  g_assert_true (fovea_image_view_get_texture (view) == texture);

  g_print ("zoom/pan frames at scale %.2f: %.2f ms per painted frame (fastest %.2f), "
           "%.2f ms per snapshot + render to texture (fastest %.2f), median of %d\n",
           fovea_image_view_get_scale (view), median (paint, N_FRAMES), minimum (paint, N_FRAMES),
           median (render, N_FRAMES), minimum (render, N_FRAMES), N_FRAMES);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  gtk_init ();

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "fundus-12mp.jpg", NULL);
  g_autoptr(FoveaImage) fundus = fovea_test_synthetic_fundus (4000, 3000, 2000, 1500, 1450);
  g_assert_true (fovea_encode_jpeg_file (fundus, path, 92, &error));
  g_assert_no_error (error);

  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  Frame frame = { .view = fovea_image_view_new () };
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, VIEW_WIDTH, VIEW_HEIGHT);
  gtk_window_set_child (window, frame.view);
  gtk_window_present (window);
  while (!gtk_widget_get_mapped (frame.view))
    g_main_context_iteration (NULL, TRUE);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (frame.view);
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &frame);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &frame);
  wait_for_frame (&frame);
  g_print ("renderer: %s, view %d×%d\n",
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))),
           gtk_widget_get_width (frame.view), gtk_widget_get_height (frame.view));

  bench_open (&frame, path, FALSE);
  bench_open (&frame, path, TRUE);

  bench_open (&frame, path, FALSE);
  g_print ("without a preview texture:\n");
  bench_frames (&frame, 0);
  bench_frames (&frame, 1);
  bench_frames (&frame, 4);

  /* The window also gives the view the document's 2048-pixel preview,
   * which it draws while zoomed out. */
  g_autoptr(FoveaImage) preview_image = fovea_resize (fundus, 2048, 1536,
                                                      FOVEA_RESIZE_BILINEAR, &error);
  g_assert_no_error (error);
  g_autoptr(GdkTexture) preview = fovea_texture_new_from_image (preview_image, &error);
  g_assert_no_error (error);
  fovea_image_view_set_preview_texture (FOVEA_IMAGE_VIEW (frame.view), preview);
  g_print ("with the 2048 × 1536 preview texture:\n");
  bench_frames (&frame, 0);
  bench_frames (&frame, 1);

  g_signal_handlers_disconnect_by_data (clock, &frame);
  gtk_window_destroy (window);
  fovea_test_rmdir (dir);
  return 0;
}
