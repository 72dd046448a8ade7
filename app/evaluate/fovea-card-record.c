/* fovea-card-record.c: measured figures into a task card file. */
#define G_LOG_DOMAIN "fovea-card-record"

#include "fovea-card-record.h"

#include "fovea-output-guard.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static JsonObject *
load_card_object (const char *path, JsonParser *parser, GError **error)
{
  /* Refuse a card the parser refuses: writing figures into a broken
   * card would hide why it does not load. */
  g_autoptr (FoveaTaskCard) card = fovea_task_card_load_file (path, error);
  if (card == NULL)
    return NULL;
  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  return json_node_get_object (json_parser_get_root (parser));
}

static JsonObject *
ensure_object (JsonObject *parent, const char *member)
{
  if (!json_object_has_member (parent, member))
    json_object_set_object_member (parent, member, json_object_new ());
  return json_object_get_object_member (parent, member);
}

static gboolean
save_card (const char *path, JsonParser *parser, GError **error)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  g_autoptr (GError) invalid = NULL;
  g_autoptr (FoveaTaskCard) check = fovea_task_card_load_data (with_newline, -1, &invalid);
  if (check == NULL)
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s: the card with the new figures would not load (%s); left unchanged",
                   path, invalid->message);
      return FALSE;
    }
  return fovea_output_write_atomic (path, with_newline, strlen (with_newline), 0644, error);
}

/* Rounded to 4 decimals: the bootstrap does not know more, and json-glib
 * would otherwise write 17 digits. */
static double
rounded (double value)
{
  return round (value * 1e4) / 1e4;
}

gboolean
fovea_card_record_metrics (const char *card_path, GPtrArray *metrics, const char *split,
                           gboolean held_out, gboolean replace, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root = load_card_object (card_path, parser, error);
  if (root == NULL)
    return FALSE;
  JsonObject *provenance = ensure_object (root, "provenance");
  if (!json_object_has_member (provenance, "metrics"))
    json_object_set_array_member (provenance, "metrics", json_array_new ());
  JsonArray *old = json_object_get_array_member (provenance, "metrics");
  JsonArray *kept = json_array_new ();
  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonObject *m = json_array_get_object_element (old, i);
      gboolean was_held_out = json_object_get_boolean_member_with_default (m, "held_out", FALSE);
      if (held_out && was_held_out && !replace)
        {
          g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                       "%s already has held-out figures (%s): a held-out part is scored "
                       "once; --force replaces them", card_path,
                       json_object_get_string_member_with_default (m, "split", "?"));
          json_array_unref (kept);
          return FALSE;
        }
      gboolean same_split = g_strcmp0 (json_object_get_string_member_with_default (m, "split", ""),
                                       split) == 0;
      if (!same_split && !(held_out && was_held_out))
        json_array_add_element (kept, json_node_copy (json_array_get_element (old, i)));
    }
  for (guint i = 0; i < metrics->len; i++)
    {
      const FoveaEvalMetric *metric = g_ptr_array_index (metrics, i);
      if (isnan (metric->value))
        continue;
      JsonObject *m = json_object_new ();
      json_object_set_string_member (m, "name", metric->name);
      json_object_set_double_member (m, "value", rounded (metric->value));
      json_object_set_string_member (m, "split", split);
      if (!isnan (metric->ci_low))
        {
          JsonArray *ci = json_array_new ();
          /* Rounded outwards, so the interval still holds the value. */
          json_array_add_double_element (ci, floor (metric->ci_low * 1e4) / 1e4);
          json_array_add_double_element (ci, ceil (metric->ci_high * 1e4) / 1e4);
          json_object_set_array_member (m, "ci95", ci);
        }
      if (held_out)
        json_object_set_boolean_member (m, "held_out", TRUE);
      json_array_add_object_element (kept, m);
    }
  json_object_set_array_member (provenance, "metrics", kept);
  return save_card (card_path, parser, error);
}

gboolean
fovea_card_record_operating_point (const char *card_path, double min_probability,
                                   const char *note, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *root = load_card_object (card_path, parser, error);
  if (root == NULL)
    return FALSE;
  if (!json_object_has_member (root, "referral"))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s has no referral rule to put an operating point on", card_path);
      return FALSE;
    }
  json_object_set_double_member (json_object_get_object_member (root, "referral"),
                                 "min_probability", min_probability);
  json_object_set_string_member (ensure_object (root, "provenance"), "operating_point", note);
  return save_card (card_path, parser, error);
}
