/* fovea-explain-map.c: an explanation overlay, normalised and coloured. */
#define G_LOG_DOMAIN "fovea-explain-map"

#include "config.h"

#include "fovea-explain-map.h"

#include <glib/gi18n.h>
#include <math.h>

#include "fovea-colormap.h"

/* The map is followed by its reference count, which only g_atomic touches. */
typedef struct {
  FoveaExplainMap map;
  gint            ref_count;
} ExplainMapBox;

const char *
fovea_overlay_kind_get_title (FoveaOverlayKind kind)
{
  switch (kind)
    {
    case FOVEA_OVERLAY_ROLLOUT:
      return _("Saliency (attention rollout)");
    case FOVEA_OVERLAY_GRADCAM:
      return _("Saliency (Grad-CAM)");
    case FOVEA_OVERLAY_ANOMALY:
      return _("Anomaly — PatchCore: distance to normal patches");
    case FOVEA_OVERLAY_SEGMENTATION:
      return _("Segmentation");
    case FOVEA_OVERLAY_NONE:
    default:
      return NULL;
    }
}

/* A map with one reference, of kind and texture (taken); the rest is
 * the caller's to fill. */
static ExplainMapBox *
box_new (FoveaOverlayKind  kind,
         int               width,
         int               height,
         GdkTexture       *texture)
{
  ExplainMapBox *box = g_new0 (ExplainMapBox, 1);

  box->ref_count = 1;
  box->map.kind = kind;
  box->map.title = g_strdup (fovea_overlay_kind_get_title (kind));
  box->map.width = width;
  box->map.height = height;
  box->map.texture = texture;
  return box;
}

FoveaExplainMap *
fovea_explain_map_new (FoveaOverlayKind   kind,
                       float             *values,
                       int                width,
                       int                height,
                       double             legend_max,
                       double             normal_max,
                       GError           **error)
{
  gsize n = (gsize) width * height;
  g_autofree float *coloured = NULL;
  ExplainMapBox *box;
  GdkTexture *texture;

  g_return_val_if_fail (values != NULL && width > 0 && height > 0, NULL);

  if (!(legend_max > 0) || !isfinite (legend_max))
    legend_max = 1;
  coloured = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      float v = isfinite (values[i]) ? (float) CLAMP (values[i] / legend_max, 0.0, 1.0) : 0.0f;

      values[i] = v;
      /* Maps are exactly zero outside the fundus: leave the image alone
       * there instead of painting the black surround with the lowest
       * colour. */
      coloured[i] = v == 0.0f ? NAN : v;
    }
  texture = fovea_colormap_texture_new (coloured, width, height, 0, 1, error);
  if (texture == NULL)
    {
      g_free (values);
      return NULL;
    }

  box = box_new (kind, width, height, texture);
  box->map.values = values;
  box->map.legend_max = legend_max;
  box->map.normal_max = normal_max;
  return &box->map;
}

FoveaExplainMap *
fovea_explain_map_new_segmentation (FoveaSegOverlay  *overlay,
                                    GError          **error)
{
  GdkTexture *texture;
  ExplainMapBox *box;

  g_return_val_if_fail (overlay != NULL, NULL);

  texture = fovea_seg_overlay_render (overlay, NULL, error);
  if (texture == NULL)
    {
      fovea_seg_overlay_free (overlay);
      return NULL;
    }
  box = box_new (FOVEA_OVERLAY_SEGMENTATION, overlay->width, overlay->height, texture);
  box->map.legend_max = 1;
  box->map.normal_max = NAN;
  box->map.segmentation = overlay;
  return &box->map;
}

void
fovea_explain_map_set_title (FoveaExplainMap *map,
                             const char      *title)
{
  g_return_if_fail (map != NULL && title != NULL);

  g_free (map->title);
  map->title = g_strdup (title);
}

FoveaExplainMap *
fovea_explain_map_ref (FoveaExplainMap *map)
{
  g_return_val_if_fail (map != NULL, NULL);

  g_atomic_int_inc (&((ExplainMapBox *) map)->ref_count);
  return map;
}

void
fovea_explain_map_unref (FoveaExplainMap *map)
{
  ExplainMapBox *box = (ExplainMapBox *) map;

  if (map == NULL || !g_atomic_int_dec_and_test (&box->ref_count))
    return;
  g_free (map->title);
  g_free (map->values);
  g_clear_object (&map->texture);
  g_clear_pointer (&map->segmentation, fovea_seg_overlay_free);
  g_free (box);
}
