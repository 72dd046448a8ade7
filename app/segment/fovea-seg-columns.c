/* fovea-seg-columns.c: segmentation measurements as named columns (see the
 * header for the names). */
#define G_LOG_DOMAIN "fovea-seg-columns"

#include "fovea-seg-columns.h"

#include <math.h>
#include <string.h>

#include "fovea-model-error.h"

typedef enum {
  VALUE_FOV_DIAMETER,
  VALUE_COUNT,
  VALUE_AREA_PX,
  VALUE_AREA_PCT,
  VALUE_NEAR_FOVEA,
  VALUE_DISC_X,
  VALUE_DISC_Y,
  VALUE_DISC_DIAMETER,
  VALUE_DISC_CENTRED,
  VALUE_FOVEA_X,
  VALUE_FOVEA_Y,
  VALUE_VESSEL_DENSITY,
  VALUE_FRACTAL_DIMENSION,
  VALUE_TORTUOSITY,
  VALUE_TORTUOSITY_SEGMENTS,
} ValueKind;

typedef struct {
  ValueKind kind;
  char     *label;   /* per-label kinds: the label measured */
} Column;

struct _FoveaSegColumns {
  GPtrArray *names;    /* char*, NULL-terminated */
  GArray    *columns;  /* Column */
};

static void
add (FoveaSegColumns *c, char *name, ValueKind kind, const char *label)
{
  Column column = { kind, g_strdup (label) };
  g_array_append_val (c->columns, column);
  g_ptr_array_insert (c->names, (gint) c->names->len - 1, name);
}

static char *
prefix_of (const char *task)
{
  char *prefix = g_ascii_strdown (task, -1);
  for (char *p = prefix; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';
  return prefix;
}

static void
add_label (FoveaSegColumns *c, const char *prefix, const char *label)
{
  g_autofree char *stem = strcmp (prefix, label) == 0 ? g_strdup (prefix)
                                                      : g_strdup_printf ("%s_%s", prefix, label);
  add (c, g_strconcat (stem, "_count", NULL), VALUE_COUNT, label);
  add (c, g_strconcat (stem, "_area_px", NULL), VALUE_AREA_PX, label);
  add (c, g_strconcat (stem, "_area_pct", NULL), VALUE_AREA_PCT, label);
  /* fovea-seg-measure's own test for an exudate or haemorrhage label. */
  if (strstr (label, "exudate") != NULL || strstr (label, "haemorrhage") != NULL ||
      strstr (label, "hemorrhage") != NULL)
    add (c, g_strconcat (stem, "_near_fovea", NULL), VALUE_NEAR_FOVEA, label);
}

FoveaSegColumns *
fovea_seg_columns_new (const FoveaTaskCard *const *cards, guint n_cards, GError **error)
{
  g_autoptr (FoveaSegColumns) c = g_new0 (FoveaSegColumns, 1);
  c->names = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c->names, NULL);
  c->columns = g_array_new (FALSE, FALSE, sizeof (Column));
  gboolean disc = FALSE, vessels = FALSE;

  add (c, g_strdup ("fov_diameter_px"), VALUE_FOV_DIAMETER, NULL);
  for (guint t = 0; t < n_cards; t++)
    {
      g_autofree char *prefix = prefix_of (cards[t]->name);
      for (guint l = 0; cards[t]->labels[l] != NULL; l++)
        {
          add_label (c, prefix, cards[t]->labels[l]);
          disc |= strcmp (cards[t]->labels[l], "optic_disc") == 0;
          vessels |= strcmp (cards[t]->labels[l], "vessels") == 0;
        }
    }
  if (disc)
    {
      add (c, g_strdup ("optic_disc_x"), VALUE_DISC_X, NULL);
      add (c, g_strdup ("optic_disc_y"), VALUE_DISC_Y, NULL);
      add (c, g_strdup ("optic_disc_diameter_px"), VALUE_DISC_DIAMETER, NULL);
      add (c, g_strdup ("optic_disc_centred"), VALUE_DISC_CENTRED, NULL);
      add (c, g_strdup ("fovea_x"), VALUE_FOVEA_X, NULL);
      add (c, g_strdup ("fovea_y"), VALUE_FOVEA_Y, NULL);
    }
  if (vessels)
    {
      add (c, g_strdup ("vessels_density"), VALUE_VESSEL_DENSITY, NULL);
      add (c, g_strdup ("vessels_fractal_dimension"), VALUE_FRACTAL_DIMENSION, NULL);
      add (c, g_strdup ("vessels_tortuosity"), VALUE_TORTUOSITY, NULL);
      add (c, g_strdup ("vessels_tortuosity_segments"), VALUE_TORTUOSITY_SEGMENTS, NULL);
    }

  /* Names come from cards: two tasks may still meet on one. */
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i + 1 < c->names->len; i++)
    if (!g_hash_table_add (seen, c->names->pdata[i]))
      {
        g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                     "segmentation tasks: two measurements would both be the column “%s”; "
                     "give the tasks in separate runs", (const char *) c->names->pdata[i]);
        return NULL;
      }
  return g_steal_pointer (&c);
}

void
fovea_seg_columns_free (FoveaSegColumns *c)
{
  if (c == NULL)
    return;
  if (c->columns != NULL)
    {
      for (guint i = 0; i < c->columns->len; i++)
        g_free (g_array_index (c->columns, Column, i).label);
      g_array_unref (c->columns);
    }
  if (c->names != NULL)
    g_ptr_array_unref (c->names);
  g_free (c);
}

guint
fovea_seg_columns_get_n (const FoveaSegColumns *c)
{
  return c->columns->len;
}

const char *const *
fovea_seg_columns_names (const FoveaSegColumns *c)
{
  return (const char *const *) c->names->pdata;
}

/* NaN (not measurable) is empty. */
static char *
number (const char *format, double value)
{
  if (!isfinite (value))
    return g_strdup ("");
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, format, value));
}

static const FoveaSegLabelMeasures *
find_label (const FoveaSegMeasures *m, const char *label)
{
  for (int i = 0; i < m->n_labels; i++)
    if (strcmp (m->labels[i].label, label) == 0)
      return &m->labels[i];
  return NULL;
}

static char *
label_value (const FoveaSegLabelMeasures *lm, ValueKind kind)
{
  switch (kind)
    {
    case VALUE_COUNT:
      return g_strdup_printf ("%d", lm->count);
    case VALUE_AREA_PX:
      return g_strdup_printf ("%" G_GINT64_FORMAT, lm->area);
    case VALUE_AREA_PCT:
      return number ("%.4f", lm->area_percent);
    case VALUE_NEAR_FOVEA:
      return g_strdup (lm->near_fovea < 0 ? "" : lm->near_fovea ? "yes" : "no");
    default:
      g_return_val_if_reached (g_strdup (""));
    }
}

static char *
image_value (const FoveaSegMeasures *m, ValueKind kind)
{
  switch (kind)
    {
    case VALUE_FOV_DIAMETER:
      return number ("%.1f", 2.0 * m->fov_radius);
    case VALUE_DISC_X:
      return m->has_disc ? number ("%.1f", m->disc_cx) : g_strdup ("");
    case VALUE_DISC_Y:
      return m->has_disc ? number ("%.1f", m->disc_cy) : g_strdup ("");
    case VALUE_DISC_DIAMETER:
      return m->has_disc ? number ("%.1f", m->disc_diameter) : g_strdup ("");
    case VALUE_DISC_CENTRED:
      return g_strdup (!m->has_disc ? "" : m->disc_centred ? "yes" : "no");
    case VALUE_FOVEA_X:
      return m->has_fovea ? number ("%.1f", m->fovea_x) : g_strdup ("");
    case VALUE_FOVEA_Y:
      return m->has_fovea ? number ("%.1f", m->fovea_y) : g_strdup ("");
    case VALUE_VESSEL_DENSITY:
      return m->has_vessels ? number ("%.5f", m->vessel_density) : g_strdup ("");
    case VALUE_FRACTAL_DIMENSION:
      return m->has_vessels ? number ("%.4f", m->fractal_dimension) : g_strdup ("");
    case VALUE_TORTUOSITY:
      return m->has_vessels ? number ("%.5f", m->tortuosity) : g_strdup ("");
    case VALUE_TORTUOSITY_SEGMENTS:
      return m->has_vessels ? g_strdup_printf ("%d", m->tortuosity_segments) : g_strdup ("");
    default:
      g_return_val_if_reached (g_strdup (""));
    }
}

GStrv
fovea_seg_columns_values (const FoveaSegColumns *c, const FoveaSegMeasures *m)
{
  char **values = g_new0 (char *, c->columns->len + 1);
  for (guint i = 0; i < c->columns->len; i++)
    {
      const Column *column = &g_array_index (c->columns, Column, i);
      const FoveaSegLabelMeasures *lm = m != NULL && column->label != NULL
                                        ? find_label (m, column->label) : NULL;
      if (m == NULL || (column->label != NULL && lm == NULL))
        values[i] = g_strdup ("");
      else
        values[i] = lm != NULL ? label_value (lm, column->kind) : image_value (m, column->kind);
    }
  return values;
}
