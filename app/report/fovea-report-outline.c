/* fovea-report-outline.c: the report's image with segmentation outlines:
 * each label's region (its probability at or above the card's threshold,
 * inside the FOV) is traced by its border pixels in the card's colour, at
 * the thumbnail's resolution, so the photograph stays visible inside. */
#define G_LOG_DOMAIN "fovea-report-outline"

#include "config.h"

#include <math.h>

#include "fovea-report-private.h"

/* The label's region sampled at the thumbnail's pixels (nearest map pixel
 * of each one's centre). */
static guint8 *
sample_region (const FoveaSegmentation *s, int l, double threshold, int width, int height)
{
  guint32 cut = (guint32) ceil (CLAMP (threshold, 0.0, 1.0) * 65535.0);
  guint8 *region = g_new0 (guint8, (gsize) width * height);
  const FoveaImage *map = s->maps[l];
  for (int y = 0; y < height; y++)
    {
      int my = MIN (map->height - 1, (int) ((y + 0.5) * map->height / height));
      const guint16 *row = fovea_image_row16 (map, my);
      for (int x = 0; x < width; x++)
        {
          int mx = MIN (map->width - 1, (int) ((x + 0.5) * map->width / width));
          region[(gsize) y * width + x] = s->fov_mask[(gsize) my * map->width + mx] &&
                                          row[mx] >= cut && row[mx] > 0;
        }
    }
  return region;
}

static gboolean
on_border (const guint8 *region, int width, int height, int x, int y)
{
  return x == 0 || y == 0 || x == width - 1 || y == height - 1 ||
         !region[(gsize) y * width + x - 1] || !region[(gsize) y * width + x + 1] ||
         !region[(gsize) (y - 1) * width + x] || !region[(gsize) (y + 1) * width + x];
}

static void
trace (cairo_surface_t *surface, const guint8 *region, const double rgb[3])
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  guint32 colour = 0xff000000u | ((guint32) lround (255 * rgb[0]) << 16) |
                   ((guint32) lround (255 * rgb[1]) << 8) | (guint32) lround (255 * rgb[2]);
  for (int y = 0; y < height; y++)
    {
      guint32 *out = (guint32 *) (gpointer) (data + (gsize) y * stride);
      for (int x = 0; x < width; x++)
        if (region[(gsize) y * width + x] && on_border (region, width, height, x, y))
          out[x] = colour;
    }
}

cairo_surface_t *
report_outline_thumbnail_new (const FoveaImage *image, const FoveaSegResult *result,
                              int max_pixels)
{
  cairo_surface_t *surface = report_thumbnail_new (image, NULL, 0, 0, max_pixels);
  if (surface == NULL)
    return NULL;
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  cairo_surface_flush (surface);
  for (guint t = 0; t < result->n_tasks; t++)
    {
      const FoveaSegmentation *s = result->segmentations[t];
      const FoveaTaskCard *card = result->cards[t];
      for (int l = 0; l < s->n_labels; l++)
        {
          double rgb[3];
          fovea_task_card_label_colour (card, l, rgb);
          g_autofree guint8 *region = sample_region (
            s, l, g_array_index (card->label_thresholds, double, l), width, height);
          trace (surface, region, rgb);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}
