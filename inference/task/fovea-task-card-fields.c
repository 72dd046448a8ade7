/* fovea-task-card-fields.c: typed, strict JSON member readers for cards. */
#define G_LOG_DOMAIN "fovea-task-card-fields"

#include "fovea-task-card-fields.h"

#include <math.h>

#include "fovea-hidden-char.h"
#include "fovea-task-card.h"

void
fovea_card_set_error (const FoveaCardScope *scope, const char *member,
                      GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
               "%s: field “%s%s” %s", scope->source, scope->prefix, member, what);
}

/* An error on element index of array member: field “member[index]”. */
static void G_GNUC_PRINTF (5, 6)
set_element_error (const FoveaCardScope *scope, const char *member, guint index,
                   GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_autofree char *element = g_strdup_printf ("%s[%u]", member, index);
  fovea_card_set_error (scope, element, error, "%s", what);
}

gboolean
fovea_card_check_members (const FoveaCardScope *scope, JsonObject *object,
                          const char *const *known, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (known, l->data))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) known);
          fovea_card_set_error (scope, l->data, error,
                                "is not part of the schema (expected one of: %s)", list);
          return FALSE;
        }
    }
  return TRUE;
}

/* The member's node, or NULL; fails only when a required one is absent.
 * present (may be NULL) says whether the member was there. */
static gboolean
lookup (const FoveaCardScope *scope, JsonObject *object, const char *member,
        gboolean required, gboolean *present, JsonNode **out_node, GError **error)
{
  *out_node = json_object_get_member (object, member);
  if (*out_node == NULL && required)
    {
      fovea_card_set_error (scope, member, error, "is required");
      return FALSE;
    }
  if (present != NULL)
    *present = *out_node != NULL;
  return TRUE;
}

static gboolean
is_value_of_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
is_number (JsonNode *node)
{
  return is_value_of_type (node, G_TYPE_INT64) || is_value_of_type (node, G_TYPE_DOUBLE);
}

/* Why text cannot be shown as it is, or NULL: control characters and
 * bidirectional overrides would hide or reorder what a clinician reads
 * (a patient ID displayed reversed). */
static const char *
unsafe_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (fovea_unichar_is_hidden (g_utf8_get_char (p)))
      return "must not hold control characters or bidirectional overrides "
             "(U+202A–U+202E, U+2066–U+2069)";
  return NULL;
}

gboolean
fovea_card_get_string (const FoveaCardScope *scope, JsonObject *object,
                       const char *member, gboolean required, char **out,
                       GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, NULL, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!is_value_of_type (node, G_TYPE_STRING) || *json_node_get_string (node) == '\0')
    {
      fovea_card_set_error (scope, member, error, "must be a non-empty string");
      return FALSE;
    }
  const char *unsafe = unsafe_text (json_node_get_string (node));
  if (unsafe != NULL)
    {
      fovea_card_set_error (scope, member, error, "%s", unsafe);
      return FALSE;
    }
  g_free (*out);
  *out = json_node_dup_string (node);
  return TRUE;
}

gboolean
fovea_card_get_bool (const FoveaCardScope *scope, JsonObject *object,
                     const char *member, gboolean required, gboolean *present,
                     gboolean *out, GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, present, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!is_value_of_type (node, G_TYPE_BOOLEAN))
    {
      fovea_card_set_error (scope, member, error, "must be true or false");
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
fovea_card_get_int (const FoveaCardScope *scope, JsonObject *object,
                    const char *member, gboolean required, gboolean *present,
                    gint64 *out, GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, present, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!is_value_of_type (node, G_TYPE_INT64))
    {
      fovea_card_set_error (scope, member, error, "must be an integer");
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
fovea_card_get_number (const FoveaCardScope *scope, JsonObject *object,
                       const char *member, gboolean required, gboolean *present,
                       double *out, GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, present, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!is_number (node) || !isfinite (json_node_get_double (node)))
    {
      fovea_card_set_error (scope, member, error, "must be a finite number");
      return FALSE;
    }
  *out = json_node_get_double (node);
  return TRUE;
}

JsonObject *
fovea_card_get_object (const FoveaCardScope *scope, JsonObject *object,
                       const char *member, gboolean required, GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, NULL, &node, error) || node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fovea_card_set_error (scope, member, error, "must be an object");
      return NULL;
    }
  return json_node_get_object (node);
}

JsonArray *
fovea_card_get_array (const FoveaCardScope *scope, JsonObject *object,
                      const char *member, gboolean required, GError **error)
{
  JsonNode *node;
  if (!lookup (scope, object, member, required, NULL, &node, error) || node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fovea_card_set_error (scope, member, error, "must be an array");
      return NULL;
    }
  return json_node_get_array (node);
}

gboolean
fovea_card_get_strv (const FoveaCardScope *scope, JsonObject *object,
                     const char *member, gboolean required, GStrv *out,
                     GError **error)
{
  g_autoptr (GError) local_error = NULL;
  JsonArray *array = fovea_card_get_array (scope, object, member, required, &local_error);
  if (array == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  guint n = json_array_get_length (array);
  if (n == 0)
    {
      fovea_card_set_error (scope, member, error, "must not be empty");
      return FALSE;
    }
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (!is_value_of_type (node, G_TYPE_STRING) || *json_node_get_string (node) == '\0')
        {
          set_element_error (scope, member, i, error, "must be a non-empty string");
          return FALSE;
        }
      const char *text = json_node_get_string (node);
      const char *unsafe = unsafe_text (text);
      if (unsafe != NULL)
        {
          set_element_error (scope, member, i, error, "%s", unsafe);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) text))
        {
          set_element_error (scope, member, i, error, "repeats “%s”", text);
          return FALSE;
        }
      g_strv_builder_add (builder, text);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

gboolean
fovea_card_get_numbers (const FoveaCardScope *scope, JsonObject *object,
                        const char *member, int n, GArray **out, GError **error)
{
  JsonArray *array = fovea_card_get_array (scope, object, member, TRUE, error);
  if (array == NULL)
    return FALSE;
  guint length = json_array_get_length (array);
  if (n > 0 ? length != (guint) n : length == 0)
    {
      if (n > 0)
        fovea_card_set_error (scope, member, error, "must hold %d numbers, not %u", n, length);
      else
        fovea_card_set_error (scope, member, error, "must not be empty");
      return FALSE;
    }
  g_autoptr (GArray) values = g_array_sized_new (FALSE, FALSE, sizeof (double), length);
  for (guint i = 0; i < length; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (!is_number (node) || !isfinite (json_node_get_double (node)))
        {
          set_element_error (scope, member, i, error, "must be a finite number");
          return FALSE;
        }
      double v = json_node_get_double (node);
      g_array_append_val (values, v);
    }
  if (*out != NULL)
    g_array_unref (*out);
  *out = g_steal_pointer (&values);
  return TRUE;
}
