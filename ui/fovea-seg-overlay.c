/* fovea-seg-overlay.c: segmentation maps thresholded into masks, their
 * outlines, and the masks drawn in their labels' colours. */
#define G_LOG_DOMAIN "fovea-seg-overlay"

#include "config.h"

#include "fovea-seg-overlay.h"

#include <math.h>
#include <string.h>

#include "fovea-image.h"

/* Outlines are this many mask pixels wide per this many pixels of the
 * longer side, at least one: about 1.5 screen pixels when the image fits
 * a window. */
#define OUTLINE_SIDE_PER_PIXEL 700.0

FoveaSegStyle
fovea_seg_overlay_style_for_label (const char *label)
{
  return label != NULL && strstr (label, "vessel") != NULL ? FOVEA_SEG_STYLE_FILL
                                                            : FOVEA_SEG_STYLE_OUTLINE;
}

/* The pixels of map at or above threshold inside the FOV, as the
 * measurements count them, at width × height: a shrunk mask pixel is
 * inside when any image pixel it covers is, so thin vessels stay joined. */
static guint8 *
threshold_mask (const FoveaImage *map,
                const guint8     *fov_mask,
                double            threshold,
                int               width,
                int               height)
{
  guint32 cut = (guint32) ceil (CLAMP (threshold, 0.0, 1.0) * 65535.0);
  guint8 *mask = g_new0 (guint8, (gsize) width * height);

  for (int y = 0; y < map->height; y++)
    {
      const guint16 *row = fovea_image_row16 (map, y);
      const guint8 *fov_row = fov_mask + (gsize) y * map->width;
      guint8 *out = mask + (gsize) ((gint64) y * height / map->height) * width;

      for (int x = 0; x < map->width; x++)
        if (row[x] >= cut && row[x] > 0 && fov_row[x])
          out[(gint64) x * width / map->width] = FOVEA_SEG_MASK_INSIDE;
    }
  return mask;
}

/* out[i] = 1 where in[j] is set for every j within radius of i along one
 * line of n elements stride apart; beyond the line counts as unset. A
 * running count of the unset keeps it linear in n. */
static void
erode_line (const guint8 *in,
            guint8       *out,
            int           n,
            gsize         stride,
            int           radius)
{
  int unset = radius;  /* the window [-radius, radius] at i = 0: the left half is beyond */

  for (int j = 0; j <= radius; j++)
    unset += j >= n || in[j * stride] == 0;
  for (int i = 0; i < n; i++)
    {
      int enter = i + radius + 1, leave = i - radius;

      out[i * stride] = unset == 0;
      unset += enter >= n || in[enter * stride] == 0;
      unset -= leave < 0 || in[leave * stride] == 0;
    }
}

/* Marks as edge the inside pixels within radius (a square) of an outside
 * one: the mask minus its erosion, rows then columns. */
static void
mark_edges (guint8 *mask,
            int     width,
            int     height,
            int     radius)
{
  gsize n = (gsize) width * height;
  g_autofree guint8 *rows = g_new (guint8, n);
  g_autofree guint8 *eroded = g_new (guint8, n);

  for (int y = 0; y < height; y++)
    erode_line (mask + (gsize) y * width, rows + (gsize) y * width, width, 1, radius);
  for (int x = 0; x < width; x++)
    erode_line (rows + x, eroded + x, height, width, radius);
  for (gsize i = 0; i < n; i++)
    if (mask[i] != FOVEA_SEG_MASK_OUTSIDE && !eroded[i])
      mask[i] = FOVEA_SEG_MASK_EDGE;
}

FoveaSegOverlay *
fovea_seg_overlay_new (const FoveaSegmentation *segmentation,
                       const FoveaTaskCard     *card)
{
  FoveaSegOverlay *overlay;
  double scale;
  int radius;

  g_return_val_if_fail (segmentation != NULL && card != NULL, NULL);
  g_return_val_if_fail (card->kind == FOVEA_TASK_SEGMENTATION, NULL);
  g_return_val_if_fail ((int) g_strv_length (card->labels) == segmentation->n_labels, NULL);

  overlay = g_new0 (FoveaSegOverlay, 1);
  overlay->task_name = g_strdup (card->name);
  overlay->task_title = g_strdup (card->title != NULL ? card->title : card->name);
  overlay->validated = fovea_task_card_is_validated (card);
  scale = MIN (1.0, (double) FOVEA_SEG_OVERLAY_MAX_SIDE /
                    MAX (segmentation->width, segmentation->height));
  overlay->width = MAX (1, (int) lround (segmentation->width * scale));
  overlay->height = MAX (1, (int) lround (segmentation->height * scale));
  radius = MAX (1, (int) lround (MAX (overlay->width, overlay->height) / OUTLINE_SIDE_PER_PIXEL));

  overlay->n_labels = segmentation->n_labels;
  overlay->labels = g_new0 (FoveaSegOverlayLabel, overlay->n_labels);
  for (int i = 0; i < overlay->n_labels; i++)
    {
      FoveaSegOverlayLabel *label = &overlay->labels[i];
      double rgb[3];

      label->name = g_strdup (card->labels[i]);
      label->title = g_strdup (fovea_task_card_label_title (card, i));
      fovea_task_card_label_colour (card, i, rgb);
      for (int c = 0; c < 3; c++)
        label->rgb[c] = (guint8) lround (CLAMP (rgb[c], 0.0, 1.0) * 255);
      label->style = fovea_seg_overlay_style_for_label (label->name);
      label->threshold = g_array_index (card->label_thresholds, double, i);
      label->mask = threshold_mask (segmentation->maps[i], segmentation->fov_mask,
                                    label->threshold, overlay->width, overlay->height);
      if (label->style == FOVEA_SEG_STYLE_OUTLINE)
        mark_edges (label->mask, overlay->width, overlay->height, radius);
    }
  overlay->measures = fovea_seg_measure (segmentation, card);
  return overlay;
}

void
fovea_seg_overlay_free (FoveaSegOverlay *overlay)
{
  if (overlay == NULL)
    return;
  for (int i = 0; i < overlay->n_labels; i++)
    {
      g_free (overlay->labels[i].name);
      g_free (overlay->labels[i].title);
      g_free (overlay->labels[i].mask);
    }
  g_free (overlay->labels);
  g_clear_pointer (&overlay->measures, fovea_seg_measures_free);
  g_free (overlay->task_name);
  g_free (overlay->task_title);
  g_free (overlay);
}

/* Lays one label over pixels (premultiplied RGBA): "over" compositing
 * at alpha (0..255) where its mask says it is drawn. */
static void
draw_label (const FoveaSegOverlayLabel *label,
            gsize                       n,
            guint8                     *pixels)
{
  guint alpha = label->style == FOVEA_SEG_STYLE_FILL
                  ? (guint) lround (FOVEA_SEG_OVERLAY_FILL_ALPHA * 255) : 255;
  guint keep = 255 - alpha;
  guint8 minimum = label->style == FOVEA_SEG_STYLE_OUTLINE ? FOVEA_SEG_MASK_EDGE
                                                           : FOVEA_SEG_MASK_INSIDE;
  guint premultiplied[3];

  for (int c = 0; c < 3; c++)
    premultiplied[c] = (label->rgb[c] * alpha + 127) / 255;
  for (gsize i = 0; i < n; i++)
    {
      guint8 *out = pixels + i * 4;

      if (label->mask[i] < minimum)
        continue;
      for (int c = 0; c < 3; c++)
        out[c] = (guint8) (premultiplied[c] + (out[c] * keep + 127) / 255);
      out[3] = (guint8) (alpha + (out[3] * keep + 127) / 255);
    }
}

GdkTexture *
fovea_seg_overlay_render (const FoveaSegOverlay *overlay,
                          const gboolean        *shown,
                          GError               **error)
{
  gsize n, total;
  guint8 *pixels;

  g_return_val_if_fail (overlay != NULL, NULL);

  n = (gsize) overlay->width * overlay->height;
  total = n * 4;
  pixels = g_try_malloc0 (total);
  if (pixels == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory drawing a %d×%d segmentation overlay",
                   overlay->width, overlay->height);
      return NULL;
    }
  for (int i = 0; i < overlay->n_labels; i++)
    if (shown == NULL || shown[i])
      draw_label (&overlay->labels[i], n, pixels);

  g_autoptr(GBytes) bytes = g_bytes_new_take (pixels, total);
  return gdk_memory_texture_new (overlay->width, overlay->height,
                                 GDK_MEMORY_R8G8B8A8_PREMULTIPLIED, bytes,
                                 (gsize) overlay->width * 4);
}
