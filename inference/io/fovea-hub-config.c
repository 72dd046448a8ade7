/* fovea-hub-config.c: the shared parts of a hub config.json (see the
 * header): strict member readers, the parse, and pretrained_cfg.
 *
 * pretrained_cfg keys that do not change the arithmetic (tag, license,
 * first_conv, classifier, ...) are ignored. */
#define G_LOG_DOMAIN "fovea-hub-config"

#include "fovea-hub-config.h"

#include <string.h>

#include "fovea-json-check.h"

/* Hub configs nest four levels at most (root, pretrained_cfg, a list). */
#define CONFIG_MAX_DEPTH 16

gboolean
fovea_hub_fail (FoveaHubReader *reader, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (reader->error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "%s: %s",
               reader->file, problem);
  g_free (problem);
  return FALSE;
}

gboolean
fovea_hub_in_list (const char *const *list, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (list[i], key) == 0)
      return TRUE;
  return FALSE;
}

gboolean
fovea_hub_holds_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
fovea_hub_read_int (FoveaHubReader *reader, JsonNode *node, const char *key, int min,
                    int *out)
{
  if (!fovea_hub_holds_type (node, G_TYPE_INT64) || json_node_get_int (node) < min ||
      json_node_get_int (node) > FOVEA_HUB_MAX_SIZE)
    return fovea_hub_fail (reader, "%s must be an integer from %d to %d", key, min,
                           FOVEA_HUB_MAX_SIZE);
  *out = (int) json_node_get_int (node);
  return TRUE;
}

gboolean
fovea_hub_read_number (FoveaHubReader *reader, JsonNode *node, const char *key,
                       double *out)
{
  if (fovea_hub_holds_type (node, G_TYPE_INT64))
    *out = (double) json_node_get_int (node);
  else if (fovea_hub_holds_type (node, G_TYPE_DOUBLE))
    *out = json_node_get_double (node);
  else
    return fovea_hub_fail (reader, "%s must be a number", key);
  return TRUE;
}

gboolean
fovea_hub_read_bool (FoveaHubReader *reader, JsonNode *node, const char *key,
                     gboolean *out)
{
  if (!fovea_hub_holds_type (node, G_TYPE_BOOLEAN))
    return fovea_hub_fail (reader, "%s must be true or false", key);
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
fovea_hub_read_number_array (FoveaHubReader *reader, JsonNode *node, const char *key,
                             double *out, guint n)
{
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) != n)
    return fovea_hub_fail (reader, "%s must be a list of %u numbers", key, n);
  for (guint i = 0; i < n; i++)
    if (!fovea_hub_read_number (reader, json_array_get_element (json_node_get_array (node), i),
                                key, &out[i]))
      return FALSE;
  return TRUE;
}

gboolean
fovea_hub_config_parse (const char *json, gsize length, const char *file,
                        FoveaHubLoadFunc load, gpointer data, GError **error)
{
  FoveaHubReader reader = { file, error };
  if (!g_utf8_validate_len (json, length, NULL))
    return fovea_hub_fail (&reader, "not valid UTF-8");
  if (!fovea_json_check_text (json, length, CONFIG_MAX_DEPTH, file, FOVEA_MODEL_ERROR,
                              FOVEA_MODEL_ERROR_CONFIG, error))
    return FALSE;

  JsonParser *parser = json_parser_new_immutable ();
  GError *json_error = NULL;
  gboolean ok;
  if (!json_parser_load_from_data (parser, json, (gssize) length, &json_error))
    {
      ok = fovea_hub_fail (&reader, "not valid JSON: %s", json_error->message);
      g_error_free (json_error);
    }
  else if (json_parser_get_root (parser) == NULL ||
           !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    ok = fovea_hub_fail (&reader, "not a JSON object");
  else
    ok = load (&reader, json_node_get_object (json_parser_get_root (parser)), data);
  g_object_unref (parser);
  return ok;
}

gboolean
fovea_hub_config_parse_file (const char *path, FoveaHubLoadFunc load, gpointer data,
                             GError **error)
{
  char *contents;
  gsize length;
  GError *read_error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &read_error))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "%s",
                   read_error->message);
      g_error_free (read_error);
      return FALSE;
    }
  gboolean ok = fovea_hub_config_parse (contents, length, path, load, data, error);
  g_free (contents);
  return ok;
}

static gboolean
take_architecture (FoveaHubReader *reader, JsonObject *root, gpointer data)
{
  JsonNode *node = json_object_get_member (root, "architecture");
  if (node == NULL || !fovea_hub_holds_type (node, G_TYPE_STRING))
    return fovea_hub_fail (reader, "no \"architecture\" string");
  *(char **) data = g_strdup (json_node_get_string (node));
  return TRUE;
}

char *
fovea_hub_config_read_architecture (const char *model_dir, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, "config.json", NULL);
  char *architecture = NULL;
  if (!fovea_hub_config_parse_file (path, take_architecture, &architecture, error))
    return NULL;
  return architecture;
}

static gboolean
take_label_names (FoveaHubReader *reader, JsonObject *root, gpointer data)
{
  JsonNode *node = json_object_get_member (root, "label_names");
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fovea_hub_fail (reader, "label_names is not a list of strings");
  JsonArray *array = json_node_get_array (node);
  guint n = json_array_get_length (array);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!fovea_hub_holds_type (element, G_TYPE_STRING))
        return fovea_hub_fail (reader, "label_names[%u] is not a string", i);
      g_strv_builder_add (names, json_node_get_string (element));
    }
  *(GStrv *) data = g_strv_builder_end (names);
  return TRUE;
}

gboolean
fovea_hub_config_read_label_names (const char *model_dir, GStrv *label_names, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, "config.json", NULL);
  *label_names = NULL;
  return fovea_hub_config_parse_file (path, take_label_names, label_names, error);
}

JsonObject *
fovea_hub_get_pretrained_cfg (FoveaHubReader *reader, JsonObject *root)
{
  JsonNode *node = json_object_get_member (root, "pretrained_cfg");
  if (node == NULL)
    return root;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fovea_hub_fail (reader, "pretrained_cfg is not an object");
      return NULL;
    }
  return json_node_get_object (node);
}

gboolean
fovea_hub_read_pretrained_cfg (FoveaHubReader *reader, JsonObject *cfg,
                               FoveaPretrainedCfg *out)
{
  JsonNode *node;
  double values[3];

  if ((node = json_object_get_member (cfg, "mean")) != NULL)
    {
      if (!fovea_hub_read_number_array (reader, node, "pretrained_cfg.mean", values, 3))
        return FALSE;
      for (int c = 0; c < 3; c++)
        out->mean[c] = (float) values[c];
    }
  if ((node = json_object_get_member (cfg, "std")) != NULL)
    {
      if (!fovea_hub_read_number_array (reader, node, "pretrained_cfg.std", values, 3))
        return FALSE;
      for (int c = 0; c < 3; c++)
        {
          if (!(values[c] > 0 && values[c] < 1e6))
            return fovea_hub_fail (reader, "pretrained_cfg.std must be positive");
          out->std[c] = (float) values[c];
        }
    }
  if ((node = json_object_get_member (cfg, "input_size")) != NULL)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      if (array == NULL || json_array_get_length (array) != 3)
        return fovea_hub_fail (reader,
                               "pretrained_cfg.input_size must be [channels, height, width]");
      for (guint i = 0; i < 3; i++)
        if (!fovea_hub_read_int (reader, json_array_get_element (array, i),
                                 "pretrained_cfg.input_size", 1, &out->input_size[i]))
          return FALSE;
    }
  if ((node = json_object_get_member (cfg, "interpolation")) != NULL)
    {
      const char *name = fovea_hub_holds_type (node, G_TYPE_STRING)
                         ? json_node_get_string (node) : "";
      if (strcmp (name, "bicubic") == 0)
        out->interpolation = FOVEA_RESIZE_BICUBIC;
      else if (strcmp (name, "bilinear") == 0)
        out->interpolation = FOVEA_RESIZE_BILINEAR;
      else
        return fovea_hub_fail (reader, "pretrained_cfg.interpolation must be \"bicubic\" "
                               "or \"bilinear\"");
    }
  if ((node = json_object_get_member (cfg, "crop_pct")) != NULL)
    {
      if (!fovea_hub_read_number (reader, node, "pretrained_cfg.crop_pct", &out->crop_pct))
        return FALSE;
      if (!(out->crop_pct > 0 && out->crop_pct <= 1))
        return fovea_hub_fail (reader, "pretrained_cfg.crop_pct must be in (0, 1]");
    }
  return TRUE;
}

gboolean
fovea_hub_read_num_classes (FoveaHubReader *reader, JsonObject *root, JsonObject *cfg,
                            int *num_classes)
{
  JsonNode *node;
  if ((node = json_object_get_member (root, "num_classes")) != NULL ||
      (node = json_object_get_member (cfg, "num_classes")) != NULL)
    return fovea_hub_read_int (reader, node, "num_classes", 0, num_classes);
  return TRUE;
}
