/* fovea-seg-measure.c: measurements on thresholded segmentation maps
 * (see the header for each definition). */
#define G_LOG_DOMAIN "fovea-seg-measure"

#include "fovea-seg-measure.h"

#include <math.h>
#include <string.h>

#include "fovea-json-number.h"
#include "fovea-seg-components.h"
#include "fovea-seg-vessels.h"

static gboolean
is_macular_label (const char *label)
{
  return strstr (label, "exudate") != NULL || strstr (label, "haemorrhage") != NULL ||
         strstr (label, "hemorrhage") != NULL;
}

/* The label's pixels at or above threshold, inside the FOV. */
static guint8 *
threshold_map (const FoveaImage *map, double threshold, const guint8 *fov_mask, gint64 *count)
{
  guint32 cut = (guint32) ceil (CLAMP (threshold, 0.0, 1.0) * 65535.0);
  guint8 *mask = g_new (guint8, (gsize) map->width * map->height);
  *count = 0;
  for (int y = 0; y < map->height; y++)
    {
      const guint16 *row = fovea_image_row16 (map, y);
      gsize at = (gsize) y * map->width;
      for (int x = 0; x < map->width; x++)
        {
          mask[at + x] = fov_mask[at + x] && row[x] >= cut && row[x] > 0;
          *count += mask[at + x];
        }
    }
  return mask;
}

static void
measure_disc (FoveaSegMeasures *out, const guint8 *mask, int width, int height)
{
  g_autoptr (FoveaSegComponents) parts = fovea_seg_components_new (mask, width, height);
  int largest = fovea_seg_components_largest (parts);
  if (largest < 0)
    return;
  const FoveaSegComponent *disc = &parts->components[largest];
  out->has_disc = TRUE;
  out->disc_cx = disc->cx;
  out->disc_cy = disc->cy;
  out->disc_diameter = 2.0 * sqrt ((double) disc->area / G_PI);
  double off = hypot (disc->cx - out->fov_cx, disc->cy - out->fov_cy);
  out->disc_centred = off < FOVEA_SEG_DISC_CENTRED_FRACTION * out->fov_radius;
  if (out->disc_centred || off <= 0)
    return;
  double step = FOVEA_SEG_FOVEA_DISC_DIAMETERS * out->disc_diameter / off;
  out->has_fovea = TRUE;
  out->fovea_x = disc->cx + step * (out->fov_cx - disc->cx);
  out->fovea_y = disc->cy + step * (out->fov_cy - disc->cy);
}

/* Whether any pixel of mask (its centre) lies within one disc diameter
 * of the fovea. */
static gboolean
near_fovea (const FoveaSegMeasures *m, const guint8 *mask, int width, int height)
{
  double r = m->disc_diameter;
  int y0 = MAX (0, (int) floor (m->fovea_y - r)), y1 = MIN (height - 1, (int) ceil (m->fovea_y + r));
  int x0 = MAX (0, (int) floor (m->fovea_x - r)), x1 = MIN (width - 1, (int) ceil (m->fovea_x + r));
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      if (mask[(gsize) y * width + x] &&
          hypot (x + 0.5 - m->fovea_x, y + 0.5 - m->fovea_y) <= r)
        return TRUE;
  return FALSE;
}

FoveaSegMeasures *
fovea_seg_measure_maps (const FoveaImage *const *maps, const char *const *labels,
                        const double *thresholds, int n_labels, const guint8 *fov_mask,
                        const FoveaFov *fov)
{
  g_return_val_if_fail (maps != NULL && labels != NULL && thresholds != NULL && n_labels > 0 &&
                        fov_mask != NULL && fov != NULL, NULL);

  int width = maps[0]->width, height = maps[0]->height;
  gsize n = (gsize) width * height;
  FoveaSegMeasures *out = g_new0 (FoveaSegMeasures, 1);
  out->fov_found = fov->found;
  out->fov_cx = fov->cx;
  out->fov_cy = fov->cy;
  out->fov_radius = fov->r;
  for (gsize i = 0; i < n; i++)
    out->fov_pixels += fov_mask[i] != 0;
  out->n_labels = n_labels;
  out->labels = g_new0 (FoveaSegLabelMeasures, n_labels);

  /* Thresholded masks, kept until the disc (wherever its label comes)
   * has placed the fovea. */
  g_autofree guint8 **masks = g_new0 (guint8 *, n_labels);
  for (int i = 0; i < n_labels; i++)
    {
      g_return_val_if_fail (maps[i]->width == width && maps[i]->height == height &&
                            maps[i]->channels == 1 && maps[i]->bit_depth == 16, out);
      FoveaSegLabelMeasures *lm = &out->labels[i];
      lm->label = g_strdup (labels[i]);
      masks[i] = threshold_map (maps[i], thresholds[i], fov_mask, &lm->area);
      g_autoptr (FoveaSegComponents) parts = fovea_seg_components_new (masks[i], width, height);
      lm->count = parts->n_components;
      lm->area_percent = out->fov_pixels > 0 ? 100.0 * lm->area / out->fov_pixels : NAN;
      lm->macular = is_macular_label (labels[i]);
      lm->near_fovea = -1;
      if (strcmp (labels[i], "optic_disc") == 0)
        measure_disc (out, masks[i], width, height);
      if (strcmp (labels[i], "vessels") == 0)
        {
          out->has_vessels = TRUE;
          out->vessel_density = out->fov_pixels > 0 ? (double) lm->area / out->fov_pixels : NAN;
          out->fractal_dimension = fovea_seg_fractal_dimension (masks[i], width, height);
          out->tortuosity = fovea_seg_tortuosity (masks[i], width, height,
                                                  FOVEA_SEG_MIN_SEGMENT_CHORD,
                                                  &out->tortuosity_segments);
        }
    }
  for (int i = 0; i < n_labels; i++)
    {
      if (out->labels[i].macular && out->has_fovea)
        out->labels[i].near_fovea = near_fovea (out, masks[i], width, height);
      g_free (masks[i]);
    }
  return out;
}

FoveaSegMeasures *
fovea_seg_measure (const FoveaSegmentation *segmentation, const FoveaTaskCard *card)
{
  g_return_val_if_fail (segmentation != NULL && card != NULL, NULL);
  g_return_val_if_fail ((int) g_strv_length (card->labels) == segmentation->n_labels, NULL);

  return fovea_seg_measure_maps ((const FoveaImage *const *) segmentation->maps,
                                 (const char *const *) card->labels,
                                 (const double *) (gpointer) card->label_thresholds->data,
                                 segmentation->n_labels, segmentation->fov_mask,
                                 &segmentation->fov);
}

FoveaSegMeasures *
fovea_seg_measures_copy (const FoveaSegMeasures *measures)
{
  if (measures == NULL)
    return NULL;
  FoveaSegMeasures *copy = g_memdup2 (measures, sizeof *measures);
  copy->labels = g_memdup2 (measures->labels,
                            sizeof *measures->labels * (gsize) measures->n_labels);
  for (int i = 0; i < measures->n_labels; i++)
    copy->labels[i].label = g_strdup (measures->labels[i].label);
  return copy;
}

void
fovea_seg_measures_free (FoveaSegMeasures *measures)
{
  if (measures == NULL)
    return;
  for (int i = 0; i < measures->n_labels; i++)
    g_free (measures->labels[i].label);
  g_free (measures->labels);
  g_free (measures);
}

static void
add_point (JsonBuilder *b, const char *member, double x, double y)
{
  json_builder_set_member_name (b, member);
  json_builder_begin_array (b);
  fovea_json_add_number (b, NULL, x);
  fovea_json_add_number (b, NULL, y);
  json_builder_end_array (b);
}

static void
add_null (JsonBuilder *b, const char *member)
{
  json_builder_set_member_name (b, member);
  json_builder_add_null_value (b);
}

void
fovea_seg_measures_add_json (const FoveaSegMeasures *m, JsonBuilder *b)
{
  g_return_if_fail (m != NULL && b != NULL);

  json_builder_set_member_name (b, "fov");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "found");
  json_builder_add_boolean_value (b, m->fov_found);
  add_point (b, "centre", m->fov_cx, m->fov_cy);
  fovea_json_add_number (b, "diameter", 2.0 * m->fov_radius);
  json_builder_set_member_name (b, "pixels");
  json_builder_add_int_value (b, m->fov_pixels);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "labels");
  json_builder_begin_object (b);
  for (int i = 0; i < m->n_labels; i++)
    {
      const FoveaSegLabelMeasures *lm = &m->labels[i];
      json_builder_set_member_name (b, lm->label);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, lm->count);
      json_builder_set_member_name (b, "area_pixels");
      json_builder_add_int_value (b, lm->area);
      fovea_json_add_number (b, "area_percent_fov", lm->area_percent);
      if (lm->macular)
        {
          json_builder_set_member_name (b, "within_1_disc_diameter_of_fovea");
          if (lm->near_fovea < 0)
            json_builder_add_null_value (b);
          else
            json_builder_add_boolean_value (b, lm->near_fovea == 1);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  if (m->has_disc)
    {
      json_builder_set_member_name (b, "optic_disc");
      json_builder_begin_object (b);
      add_point (b, "centre", m->disc_cx, m->disc_cy);
      fovea_json_add_number (b, "diameter", m->disc_diameter);
      json_builder_set_member_name (b, "diameter_definition");
      json_builder_add_string_value (b, "equivalent-area diameter of the largest component");
      json_builder_set_member_name (b, "centred_on");
      json_builder_add_string_value (b, m->disc_centred ? "disc" : "macula");
      json_builder_end_object (b);
    }
  else
    add_null (b, "optic_disc");

  if (m->has_fovea)
    {
      json_builder_set_member_name (b, "fovea");
      json_builder_begin_object (b);
      add_point (b, "centre", m->fovea_x, m->fovea_y);
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, "estimated from the optic disc: 2.5 disc diameters "
                                        "temporal, towards the FOV centre");
      json_builder_end_object (b);
    }
  else
    add_null (b, "fovea");

  if (m->has_vessels)
    {
      json_builder_set_member_name (b, "vessels");
      json_builder_begin_object (b);
      fovea_json_add_number (b, "density", m->vessel_density);
      fovea_json_add_number (b, "fractal_dimension", m->fractal_dimension);
      fovea_json_add_number (b, "tortuosity", m->tortuosity);
      json_builder_set_member_name (b, "tortuosity_segments");
      json_builder_add_int_value (b, m->tortuosity_segments);
      json_builder_end_object (b);
    }
  else
    add_null (b, "vessels");
}
