/* fovea-task-card-seg.c: the members of a segmentation task card, each
 * label's display colour and measurement threshold, the field of view's
 * diameter and the model's role (see fovea-task-card-fields.h), and
 * reading a colour back. */
#define G_LOG_DOMAIN "fovea-task-card-seg"

#include "fovea-task-card.h"
#include "fovea-task-card-fields.h"

#include <string.h>

#define DEFAULT_THRESHOLD 0.5

static gboolean
is_colour (const char *text)
{
  if (strlen (text) != 7 || text[0] != '#')
    return FALSE;
  for (int i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
parse_colours (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
               guint n_labels, GError **error)
{
  JsonArray *array = fovea_card_get_array (scope, root, "colours", TRUE, error);
  if (array == NULL)
    return FALSE;
  if (json_array_get_length (array) != n_labels)
    {
      fovea_card_set_error (scope, "colours", error, "has %u colours for %u labels",
                            json_array_get_length (array), n_labels);
      return FALSE;
    }
  g_autoptr (GStrvBuilder) colours = g_strv_builder_new ();
  for (guint i = 0; i < n_labels; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *element = g_strdup_printf ("colours[%u]", i);
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !is_colour (json_node_get_string (node)))
        {
          fovea_card_set_error (scope, element, error, "must be a colour \"#rrggbb\"");
          return FALSE;
        }
      g_strv_builder_add (colours, json_node_get_string (node));
    }
  card->colours = g_strv_builder_end (colours);
  return TRUE;
}

/* Smaller than a thumbnail's or larger than any camera's is a typo. */
#define FOVEA_SEG_MIN_FOV_DIAMETER 32
#define FOVEA_SEG_MAX_FOV_DIAMETER 16384

/* threshold: one number for every label, or a list of one per label. */
static gboolean
parse_threshold (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
                 guint n_labels, GError **error)
{
  JsonNode *node = json_object_get_member (root, "threshold");
  card->label_thresholds = g_array_sized_new (FALSE, FALSE, sizeof (double), n_labels);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      g_array_unref (card->label_thresholds);
      card->label_thresholds = NULL;
      if (!fovea_card_get_numbers (scope, root, "threshold", (int) n_labels,
                                   &card->label_thresholds, error))
        return FALSE;
    }
  else
    {
      gboolean present = FALSE;
      double value = DEFAULT_THRESHOLD;
      if (!fovea_card_get_number (scope, root, "threshold", FALSE, &present, &value, error))
        return FALSE;
      for (guint i = 0; i < n_labels; i++)
        g_array_append_val (card->label_thresholds, value);
    }
  for (guint i = 0; i < n_labels; i++)
    {
      double t = g_array_index (card->label_thresholds, double, i);
      if (!(t > 0 && t < 1))
        {
          fovea_card_set_error (scope, "threshold", error,
                                "is %g for “%s”; expected 0 < t < 1", t, card->labels[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* fov_diameter: optional, a whole number of pixels a photograph can have. */
static gboolean
parse_fov_diameter (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
                    GError **error)
{
  gboolean present = FALSE;
  gint64 value = 0;
  if (!fovea_card_get_int (scope, root, "fov_diameter", FALSE, &present, &value, error))
    return FALSE;
  if (present && (value < FOVEA_SEG_MIN_FOV_DIAMETER || value > FOVEA_SEG_MAX_FOV_DIAMETER))
    {
      fovea_card_set_error (scope, "fov_diameter", error,
                            "is %" G_GINT64_FORMAT "; expected %d to %d pixels", value,
                            FOVEA_SEG_MIN_FOV_DIAMETER, FOVEA_SEG_MAX_FOV_DIAMETER);
      return FALSE;
    }
  card->fov_diameter = (int) value;
  return TRUE;
}

/* role: optional; "anomaly" marks a flagger, whose map is not labels. */
static gboolean
parse_role (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
            GError **error)
{
  g_autofree char *role = NULL;
  if (!fovea_card_get_string (scope, root, "role", FALSE, &role, error))
    return FALSE;
  if (role == NULL || strcmp (role, "segmentation") == 0)
    card->role = FOVEA_SEG_ROLE_SEGMENTATION;
  else if (strcmp (role, "anomaly") == 0)
    card->role = FOVEA_SEG_ROLE_ANOMALY;
  else
    {
      fovea_card_set_error (scope, "role", error,
                            "is “%s”; expected segmentation or anomaly", role);
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_card_parse_segmentation (const FoveaCardScope *scope, JsonObject *root,
                               FoveaTaskCard *card, GError **error)
{
  guint n_labels = g_strv_length (card->labels);

  if (json_object_has_member (root, "thresholds"))
    {
      fovea_card_set_error (scope, "thresholds", error,
                            "is only for kind grading_regression; segmentation uses "
                            "threshold");
      return FALSE;
    }
  if (n_labels < 1)
    {
      fovea_card_set_error (scope, "labels", error, "must name at least one class");
      return FALSE;
    }
  return parse_colours (scope, root, card, n_labels, error) &&
         parse_threshold (scope, root, card, n_labels, error) &&
         parse_fov_diameter (scope, root, card, error) &&
         parse_role (scope, root, card, error);
}

void
fovea_task_card_label_colour (const FoveaTaskCard *card, int index, double rgb[3])
{
  g_return_if_fail (card != NULL && card->colours != NULL);
  g_return_if_fail (index >= 0 && index < (int) g_strv_length (card->colours));

  const char *text = card->colours[index];
  for (int c = 0; c < 3; c++)
    rgb[c] = (g_ascii_xdigit_value (text[1 + 2 * c]) * 16 +
              g_ascii_xdigit_value (text[2 + 2 * c])) / 255.0;
}
