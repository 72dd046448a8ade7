/* fovea-seg-report.c: the document's cached segmentation overlays as a
 * report's segmentation (see the header). */
#define G_LOG_DOMAIN "fovea-seg-report"

#include "config.h"

#include "fovea-seg-report.h"

#include <string.h>

#include "fovea-seg-models.h"

/* The overlay's masks as a segmentation whose every map is certain: 1
 * inside a label, 0 outside it; the masks are already cut to the field
 * of view, so the whole frame is its mask. */
static FoveaSegmentation *
segmentation_from_overlay (const FoveaSegOverlay *overlay)
{
  gsize n = (gsize) overlay->width * overlay->height;
  FoveaSegmentation *s = g_new0 (FoveaSegmentation, 1);

  s->width = overlay->width;
  s->height = overlay->height;
  s->n_labels = overlay->n_labels;
  s->maps = g_new0 (FoveaImage *, s->n_labels);
  s->fov_mask = g_malloc (n);
  memset (s->fov_mask, 1, n);
  for (int l = 0; l < s->n_labels; l++)
    {
      const guint8 *mask = overlay->labels[l].mask;
      FoveaImage *map = fovea_image_new (s->width, s->height, 1, 16, NULL);

      if (map == NULL)
        {
          fovea_segmentation_free (s);
          return NULL;
        }
      s->maps[l] = map;
      for (int y = 0; y < s->height; y++)
        {
          guint16 *row = fovea_image_row16 (map, y);
          const guint8 *in = mask + (gsize) y * s->width;

          for (int x = 0; x < s->width; x++)
            row[x] = in[x] != FOVEA_SEG_MASK_OUTSIDE ? G_MAXUINT16 : 0;
        }
    }
  return s;
}

/* Every overlay's measurements side by side (see the header). */
static FoveaSegMeasures *
merge_measures (const FoveaSegOverlay *const *overlays,
                guint                         n)
{
  FoveaSegMeasures *merged = g_new0 (FoveaSegMeasures, 1);
  const FoveaSegMeasures *first = overlays[0]->measures;
  int k = 0;

  merged->fov_pixels = first->fov_pixels;
  merged->fov_found = first->fov_found;
  merged->fov_cx = first->fov_cx;
  merged->fov_cy = first->fov_cy;
  merged->fov_radius = first->fov_radius;
  for (guint i = 0; i < n; i++)
    merged->n_labels += overlays[i]->measures->n_labels;
  merged->labels = g_new0 (FoveaSegLabelMeasures, merged->n_labels);
  for (guint i = 0; i < n; i++)
    {
      const FoveaSegMeasures *m = overlays[i]->measures;

      for (int l = 0; l < m->n_labels; l++, k++)
        {
          merged->labels[k] = m->labels[l];
          merged->labels[k].label = g_strdup (m->labels[l].label);
        }
      if (m->has_disc && !merged->has_disc)
        {
          merged->has_disc = TRUE;
          merged->disc_cx = m->disc_cx;
          merged->disc_cy = m->disc_cy;
          merged->disc_diameter = m->disc_diameter;
          merged->disc_centred = m->disc_centred;
          merged->has_fovea = m->has_fovea;
          merged->fovea_x = m->fovea_x;
          merged->fovea_y = m->fovea_y;
        }
      if (m->has_vessels && !merged->has_vessels)
        {
          merged->has_vessels = TRUE;
          merged->vessel_density = m->vessel_density;
          merged->fractal_dimension = m->fractal_dimension;
          merged->tortuosity = m->tortuosity;
          merged->tortuosity_segments = m->tortuosity_segments;
        }
    }
  return merged;
}

FoveaSegResult *
fovea_seg_report_collect (FoveaExplainer *explainer,
                          FoveaDocument  *document)
{
  FoveaSegModels *models;
  g_autoptr(GPtrArray) overlays = g_ptr_array_new ();
  g_autoptr(GPtrArray) cards = g_ptr_array_new ();
  g_autoptr(GPtrArray) dirs = g_ptr_array_new ();
  g_autoptr(FoveaSegResult) result = NULL;

  g_return_val_if_fail (FOVEA_IS_EXPLAINER (explainer), NULL);
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);

  models = fovea_explainer_get_seg_models (explainer);
  for (guint i = 0; models != NULL && i < fovea_seg_models_get_n (models); i++)
    {
      const char *name = fovea_seg_models_get_name (models, i);
      FoveaExplainMap *map = fovea_explainer_lookup_segmentation (explainer, document, name);
      const FoveaTaskCard *card = fovea_seg_models_get_card (models, name);

      /* A model changed in its folder since: its overlay is not its card's. */
      if (map == NULL || map->segmentation == NULL || map->segmentation->measures == NULL ||
          card == NULL || (int) g_strv_length (card->labels) != map->segmentation->n_labels)
        continue;
      g_ptr_array_add (overlays, map->segmentation);
      g_ptr_array_add (cards, (gpointer) card);
      g_ptr_array_add (dirs, (gpointer) fovea_seg_models_get_dir (models, name));
    }
  if (overlays->len == 0)
    return NULL;

  result = g_new0 (FoveaSegResult, 1);
  result->segmentations = g_new0 (FoveaSegmentation *, overlays->len);
  result->cards = g_new0 (const FoveaTaskCard *, overlays->len);
  result->model_names = g_new0 (char *, overlays->len + 1);
  for (guint t = 0; t < overlays->len; t++)
    {
      result->segmentations[t] = segmentation_from_overlay (overlays->pdata[t]);
      result->cards[t] = cards->pdata[t];
      result->model_names[t] = g_path_get_basename (dirs->pdata[t]);
      result->n_tasks = t + 1;
      if (result->segmentations[t] == NULL)
        return NULL;  /* out of memory: the report goes without it */
    }
  result->measures = merge_measures ((const FoveaSegOverlay *const *) overlays->pdata,
                                     overlays->len);
  return g_steal_pointer (&result);
}
