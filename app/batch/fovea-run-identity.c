/* fovea-run-identity.c: a batch run's settings, recorded beside its CSV
 * and compared when it is resumed. */
#define G_LOG_DOMAIN "fovea-run-identity"

#include "fovea-run-identity.h"

#include <json-glib/json-glib.h>

#define FORMAT_KEY "fovea_run"
#define FORMAT_VERSION "1"

struct _FoveaRunIdentity
{
  GPtrArray *keys;    /* char*, in the order added */
  GPtrArray *values;  /* char*, one per key */
};

G_DEFINE_QUARK (fovea-run-identity-error-quark, fovea_run_identity_error)

FoveaRunIdentity *
fovea_run_identity_new (void)
{
  FoveaRunIdentity *identity = g_new0 (FoveaRunIdentity, 1);
  identity->keys = g_ptr_array_new_with_free_func (g_free);
  identity->values = g_ptr_array_new_with_free_func (g_free);
  fovea_run_identity_add (identity, FORMAT_KEY, FORMAT_VERSION);
  return identity;
}

void
fovea_run_identity_free (FoveaRunIdentity *identity)
{
  if (identity == NULL)
    return;
  g_ptr_array_unref (identity->keys);
  g_ptr_array_unref (identity->values);
  g_free (identity);
}

void
fovea_run_identity_add (FoveaRunIdentity *identity, const char *key, const char *value)
{
  g_ptr_array_add (identity->keys, g_strdup (key));
  g_ptr_array_add (identity->values, g_strdup (value != NULL ? value : ""));
}

char *
fovea_run_identity_path (const char *csv_path)
{
  return g_strconcat (csv_path, ".run.json", NULL);
}

gboolean
fovea_run_identity_write (const FoveaRunIdentity *identity, const char *csv_path, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  for (guint i = 0; i < identity->keys->len; i++)
    {
      json_builder_set_member_name (builder, identity->keys->pdata[i]);
      json_builder_add_string_value (builder, identity->values->pdata[i]);
    }
  json_builder_end_object (builder);
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *path = fovea_run_identity_path (csv_path);
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local))
    {
      g_set_error (error, FOVEA_RUN_IDENTITY_ERROR, FOVEA_RUN_IDENTITY_ERROR_IO, "%s",
                   local->message);
      return FALSE;
    }
  return TRUE;
}

static const char *
recorded_value (JsonObject *object, const char *key)
{
  JsonNode *node = json_object_get_member (object, key);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
fovea_run_identity_check (const FoveaRunIdentity *identity, const char *csv_path, GError **error)
{
  g_autofree char *path = fovea_run_identity_path (csv_path);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_mapped_file (parser, path, &local) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, FOVEA_RUN_IDENTITY_ERROR, FOVEA_RUN_IDENTITY_ERROR_MISSING,
                   "%s cannot be resumed: its run record %s is %s, so whether it was made "
                   "with these folders, tasks and models is unknown (use --force to start "
                   "afresh, or another --out)", csv_path, path,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? "missing"
                                                                             : "unreadable");
      return FALSE;
    }
  JsonObject *object = json_node_get_object (json_parser_get_root (parser));
  for (guint i = 0; i < identity->keys->len; i++)
    {
      const char *key = identity->keys->pdata[i];
      const char *now = identity->values->pdata[i];
      const char *then = recorded_value (object, key);
      if (g_strcmp0 (then, now) != 0)
        {
          g_set_error (error, FOVEA_RUN_IDENTITY_ERROR, FOVEA_RUN_IDENTITY_ERROR_DIFFERENT,
                       "%s was written by another run: its %s was “%s”, now “%s” "
                       "(resume with the same settings, or use another --out)",
                       csv_path, key, then != NULL ? then : "(not recorded)", now);
          return FALSE;
        }
    }
  return TRUE;
}
