/* fovea-report-thumbnail.c: a small RGB copy of the image for the report,
 * area-averaged, with the heat-map blended in. Keeps the PDF small (a
 * 2000 × 2000 photograph is embedded at ~600 px) and shows the overlay the
 * way the review window does: transparent where the map is 0. */
#define G_LOG_DOMAIN "fovea-report-thumbnail"

#include "config.h"

#include <math.h>

#include "fovea-report-private.h"

/* A "turbo"-like ramp: blue, cyan, green, yellow, red. */
static void
heat_colour (float v, double rgb[3])
{
  static const double stops[5][3] = {
    { 0.19, 0.07, 0.23 }, { 0.16, 0.67, 0.93 }, { 0.40, 0.95, 0.40 },
    { 0.98, 0.75, 0.15 }, { 0.80, 0.10, 0.05 },
  };
  double t = CLAMP (v, 0.0f, 1.0f) * 4.0;
  int i = MIN ((int) t, 3);
  double f = t - i;
  for (int c = 0; c < 3; c++)
    rgb[c] = stops[i][c] * (1 - f) + stops[i + 1][c] * f;
}

cairo_surface_t *
report_thumbnail_new (const FoveaImage *image, const float *overlay, int overlay_width,
                      int overlay_height, int max_pixels)
{
  if (image == NULL || image->width < 1 || image->height < 1)
    return NULL;
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  if (rgb == NULL)
    return NULL;

  double scale = MIN (1.0, (double) max_pixels / MAX (rgb->width, rgb->height));
  int width = MAX (1, (int) lround (rgb->width * scale));
  int height = MAX (1, (int) lround (rgb->height * scale));
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  for (int y = 0; y < height; y++)
    {
      int y0 = (int) ((gint64) y * rgb->height / height);
      int y1 = MAX (y0 + 1, (int) ((gint64) (y + 1) * rgb->height / height));
      guint32 *out = (guint32 *) (gpointer) (data + (gsize) y * stride);
      for (int x = 0; x < width; x++)
        {
          int x0 = (int) ((gint64) x * rgb->width / width);
          int x1 = MAX (x0 + 1, (int) ((gint64) (x + 1) * rgb->width / width));
          guint64 sum[3] = { 0, 0, 0 };
          for (int sy = y0; sy < y1; sy++)
            {
              const guint8 *row = fovea_image_row (rgb, sy);
              for (int sx = x0; sx < x1; sx++)
                for (int c = 0; c < 3; c++)
                  sum[c] += row[3 * sx + c];
            }
          guint64 n = (guint64) (y1 - y0) * (guint64) (x1 - x0);
          double px[3] = { (double) sum[0] / n, (double) sum[1] / n, (double) sum[2] / n };
          if (overlay != NULL)
            {
              int ox = MIN (overlay_width - 1, (int) ((x + 0.5) * overlay_width / width));
              int oy = MIN (overlay_height - 1, (int) ((y + 0.5) * overlay_height / height));
              float v = overlay[(gsize) oy * overlay_width + ox];
              if (isfinite (v) && v > 0)
                {
                  double heat[3];
                  heat_colour (v, heat);
                  double alpha = 0.6 * CLAMP (v, 0.0f, 1.0f);
                  for (int c = 0; c < 3; c++)
                    px[c] = px[c] * (1 - alpha) + 255.0 * heat[c] * alpha;
                }
            }
          out[x] = 0xff000000u | ((guint32) lround (px[0]) << 16) |
                   ((guint32) lround (px[1]) << 8) | (guint32) lround (px[2]);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}
