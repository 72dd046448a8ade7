/* fovea-adapter-peft-config.c: adapter_config.json and PEFT's module
 * matching rules. */
#define G_LOG_DOMAIN "fovea-adapter-peft-config"

#include "fovea-adapter-peft-config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-adapter-private.h"
#include "fovea-json-check.h"

/* adapter_config.json is flat: a few levels cover every PEFT field. */
#define PEFT_CONFIG_MAX_DEPTH 16

/* Keys of LoraConfig that change what the adapter computes in ways Fovea
 * does not implement: an adapter using any of them is refused, not run
 * wrongly. */
static const char *const unsupported_keys[] = {
  "use_dora", "lora_bias", "use_qalora", "layer_replication",
  "target_parameters", "alora_invocation_tokens", "trainable_token_indices",
};

typedef enum {
  MATCH_NONE,
  MATCH_FULL,    /* the regex, or a list entry equal to the name */
  MATCH_SUFFIX,  /* a list entry the name ends with, after a dot */
} ModuleMatch;

/* The member, or NULL when absent or null. */
static JsonNode *
get_member (JsonObject *object,
            const char *key)
{
  JsonNode *node = json_object_get_member (object, key);
  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

static gboolean
holds_type (JsonNode *node,
            GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
holds_number (JsonNode *node)
{
  return holds_type (node, G_TYPE_INT64) || holds_type (node, G_TYPE_DOUBLE);
}

/* null, false, [] and {} all mean "not used". */
static gboolean
is_unset (JsonNode *node)
{
  if (node == NULL)
    return TRUE;
  if (holds_type (node, G_TYPE_BOOLEAN))
    return !json_node_get_boolean (node);
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_array_get_length (json_node_get_array (node)) == 0;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return json_object_get_size (json_node_get_object (node)) == 0;
  return FALSE;
}

static gboolean
read_positive_int (JsonObject      *object,
                   const char      *key,
                   const FoveaLora *lora,
                   int             *value,
                   GError         **error)
{
  JsonNode *node = get_member (object, key);
  if (node == NULL)
    return TRUE;
  gint64 v = holds_type (node, G_TYPE_INT64) ? json_node_get_int (node) : 0;
  if (v < 1 || v > FOVEA_ADAPTER_MAX_RANK)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” must be an integer "
                               "from 1 to %d", key, FOVEA_ADAPTER_MAX_RANK);
      return FALSE;
    }
  *value = (int) v;
  return TRUE;
}

static gboolean
read_number (JsonObject      *object,
             const char      *key,
             const FoveaLora *lora,
             double          *value,
             GError         **error)
{
  JsonNode *node = get_member (object, key);
  if (node == NULL)
    return TRUE;
  if (!holds_number (node) || !isfinite (json_node_get_double (node)))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” must be a number", key);
      return FALSE;
    }
  *value = json_node_get_double (node);
  return TRUE;
}

static gboolean
read_boolean (JsonObject      *object,
              const char      *key,
              const FoveaLora *lora,
              gboolean        *value,
              GError         **error)
{
  JsonNode *node = get_member (object, key);
  if (node == NULL)
    return TRUE;
  if (!holds_type (node, G_TYPE_BOOLEAN))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” must be true or false", key);
      return FALSE;
    }
  *value = json_node_get_boolean (node);
  return TRUE;
}

/* Compiles prefix + body + suffix, naming the key and body on error. */
static GRegex *
compile (const char      *prefix,
         const char      *body,
         const char      *suffix,
         const char      *key,
         const FoveaLora *lora,
         GError         **error)
{
  g_autofree char *pattern = g_strconcat (prefix, body, suffix, NULL);
  GError *local = NULL;
  GRegex *regex = g_regex_new (pattern, 0, 0, &local);
  if (regex == NULL)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s”: invalid regular "
                               "expression “%s”: %s", key, body, local->message);
      g_error_free (local);
    }
  return regex;
}

/* A string array member as a NULL-terminated vector; NULL with an error
 * when it is not one. */
static GStrv
read_strings (JsonNode        *node,
              const char      *key,
              const FoveaLora *lora,
              GError         **error)
{
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = array ? json_array_get_length (array) : 0;
  GStrv names = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      if (!holds_type (element, G_TYPE_STRING) || *json_node_get_string (element) == '\0')
        break;
      names[i] = g_strdup (json_node_get_string (element));
    }
  if (array == NULL || g_strv_length (names) != n)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” must be a list of "
                               "module names or a regular expression", key);
      g_strfreev (names);
      return NULL;
    }
  return names;
}

/* target_modules / exclude_modules: a regex string or a list of names. */
static gboolean
read_modules (JsonObject       *object,
              const char       *key,
              const FoveaLora  *lora,
              FoveaPeftModules *modules,
              GError          **error)
{
  JsonNode *node = get_member (object, key);
  if (node == NULL)
    return TRUE;
  if (holds_type (node, G_TYPE_STRING))
    modules->regex = compile ("\\A(?:", json_node_get_string (node), ")\\z", key, lora, error);
  else
    modules->names = read_strings (node, key, lora, error);
  return modules->regex != NULL || modules->names != NULL;
}

static gboolean
read_modules_to_save (JsonObject      *object,
                      const FoveaLora *lora,
                      FoveaPeftConfig *config,
                      GError         **error)
{
  JsonNode *node = get_member (object, "modules_to_save");
  if (node == NULL)
    return TRUE;
  g_auto (GStrv) names = read_strings (node, "modules_to_save", lora, error);
  if (names == NULL)
    return FALSE;
  config->modules_to_save = g_ptr_array_new_with_free_func ((GDestroyNotify) g_regex_unref);
  for (char **name = names; *name != NULL; name++)
    {
      GRegex *regex = compile ("\\A(^|.*\\.)", *name, "($|\\..*)", "modules_to_save", lora, error);
      if (regex == NULL)
        return FALSE;
      g_ptr_array_add (config->modules_to_save, regex);
    }
  return TRUE;
}

static gboolean
read_layers (JsonObject      *object,
             const FoveaLora *lora,
             FoveaPeftConfig *config,
             GError         **error)
{
  JsonNode *node = get_member (object, "layers_to_transform");
  if (node != NULL && !is_unset (node))
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      guint n = array ? json_array_get_length (array) : 1;
      config->layers_to_transform = g_array_sized_new (FALSE, FALSE, sizeof (int), n);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = array ? json_array_get_element (array, i) : node;
          gint64 v = holds_type (element, G_TYPE_INT64) ? json_node_get_int (element) : -1;
          if (v < 0 || v > G_MAXINT)
            {
              fovea_adapter_set_error (error, lora, "adapter_config.json: “layers_to_transform” "
                                       "must be a block index or a list of them");
              return FALSE;
            }
          int index = (int) v;
          g_array_append_val (config->layers_to_transform, index);
        }
    }

  node = get_member (object, "layers_pattern");
  if (node == NULL || is_unset (node))
    return TRUE;
  if (holds_type (node, G_TYPE_STRING))
    {
      const char *pattern = json_node_get_string (node);
      config->layers_pattern_blocks = *pattern == '\0' || strcmp (pattern, "blocks") == 0;
      return TRUE;
    }
  g_auto (GStrv) patterns = read_strings (node, "layers_pattern", lora, error);
  if (patterns == NULL)
    return FALSE;
  config->layers_pattern_blocks = g_strv_contains ((const char *const *) patterns, "blocks");
  return TRUE;
}

static gboolean
read_patterns (JsonObject      *object,
               const char      *key,
               gboolean         rank,
               const FoveaLora *lora,
               GArray         **patterns,
               GError         **error)
{
  JsonNode *node = get_member (object, key);
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” must be an object", key);
      return FALSE;
    }
  *patterns = g_array_new (FALSE, FALSE, sizeof (FoveaPeftPattern));
  JsonObject *map = json_node_get_object (node);
  /* json-glib keeps members in file order, which PEFT's first match uses. */
  g_autoptr (GList) members = json_object_get_members (map);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *value = json_object_get_member (map, name);
      gboolean valid = rank ? holds_type (value, G_TYPE_INT64) &&
                              json_node_get_int (value) >= 1 &&
                              json_node_get_int (value) <= FOVEA_ADAPTER_MAX_RANK
                            : holds_number (value) && isfinite (json_node_get_double (value));
      if (!valid)
        {
          fovea_adapter_set_error (error, lora, "adapter_config.json: “%s”: “%s” must be %s",
                                   key, name, rank ? "a rank from 1 to 65536" : "a number");
          return FALSE;
        }
      FoveaPeftPattern pattern = { NULL, json_node_get_double (value) };
      pattern.regex = compile ("\\A(.*\\.)?(", name, ")$", key, lora, error);
      if (pattern.regex == NULL)
        return FALSE;
      g_array_append_val (*patterns, pattern);
    }
  return TRUE;
}

static gboolean
check_kind (JsonObject      *object,
            const FoveaLora *lora,
            GError         **error)
{
  JsonNode *type = get_member (object, "peft_type");
  if (type != NULL && !(holds_type (type, G_TYPE_STRING) &&
                        strcmp (json_node_get_string (type), "LORA") == 0))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “peft_type” is not “LORA”");
      return FALSE;
    }
  JsonNode *bias = get_member (object, "bias");
  if (bias != NULL && !(holds_type (bias, G_TYPE_STRING) &&
                        strcmp (json_node_get_string (bias), "none") == 0))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “bias” other than “none” "
                               "is not supported");
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (unsupported_keys); i++)
    if (!is_unset (get_member (object, unsupported_keys[i])))
      {
        fovea_adapter_set_error (error, lora, "adapter_config.json: “%s” is not supported",
                                 unsupported_keys[i]);
        return FALSE;
      }
  if (get_member (object, "target_modules") == NULL)
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json: “target_modules” is not set");
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_peft_config_parse (FoveaPeftConfig *config,
                         const char      *json,
                         gssize           length,
                         const FoveaLora *lora,
                         GError         **error)
{
  /* LoraConfig's defaults */
  *config = (FoveaPeftConfig) { .r = 8, .lora_alpha = 8, .layers_pattern_blocks = TRUE };

  /* json-glib alone would overflow the stack on deeply nested input and
   * accept non-JSON; the strict lexical pass refuses both first. */
  gsize n_bytes = length < 0 ? strlen (json) : (gsize) length;
  g_autofree char *what = g_strdup_printf ("%s: adapter_config.json",
                                           lora->path ? lora->path : "adapter");
  if (!fovea_json_check_text (json, n_bytes, PEFT_CONFIG_MAX_DEPTH, what, FOVEA_MODEL_ERROR,
                              FOVEA_MODEL_ERROR_ADAPTER, error))
    return FALSE;

  g_autoptr (JsonParser) parser = json_parser_new ();
  GError *local = NULL;
  if (!json_parser_load_from_data (parser, json, (gssize) n_bytes, &local))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json is not valid JSON: %s",
                               local->message);
      g_error_free (local);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fovea_adapter_set_error (error, lora, "adapter_config.json is not a JSON object");
      return FALSE;
    }
  JsonObject *object = json_node_get_object (root);
  gboolean ignored = FALSE;

  if (check_kind (object, lora, error) &&
      read_positive_int (object, "r", lora, &config->r, error) &&
      read_number (object, "lora_alpha", lora, &config->lora_alpha, error) &&
      read_boolean (object, "use_rslora", lora, &config->use_rslora, error) &&
      read_boolean (object, "fan_in_fan_out", lora, &ignored, error) &&
      read_modules (object, "target_modules", lora, &config->target_modules, error) &&
      read_modules (object, "exclude_modules", lora, &config->exclude_modules, error) &&
      read_modules_to_save (object, lora, config, error) &&
      read_layers (object, lora, config, error) &&
      read_patterns (object, "rank_pattern", TRUE, lora, &config->rank_pattern, error) &&
      read_patterns (object, "alpha_pattern", FALSE, lora, &config->alpha_pattern, error))
    return TRUE;

  fovea_peft_config_clear (config);
  return FALSE;
}

static void
clear_modules (FoveaPeftModules *modules)
{
  g_clear_pointer (&modules->regex, g_regex_unref);
  g_clear_pointer (&modules->names, g_strfreev);
}

static void
clear_patterns (GArray **patterns)
{
  if (*patterns == NULL)
    return;
  for (guint i = 0; i < (*patterns)->len; i++)
    {
      FoveaPeftPattern *pattern = &g_array_index (*patterns, FoveaPeftPattern, i);
      g_clear_pointer (&pattern->regex, g_regex_unref);
    }
  g_clear_pointer (patterns, g_array_unref);
}

void
fovea_peft_config_clear (FoveaPeftConfig *config)
{
  clear_modules (&config->target_modules);
  clear_modules (&config->exclude_modules);
  g_clear_pointer (&config->modules_to_save, g_ptr_array_unref);
  g_clear_pointer (&config->layers_to_transform, g_array_unref);
  clear_patterns (&config->rank_pattern);
  clear_patterns (&config->alpha_pattern);
}

static ModuleMatch
match_modules (const FoveaPeftModules *modules,
               const char             *module)
{
  if (modules->regex != NULL)
    return g_regex_match (modules->regex, module, 0, NULL) ? MATCH_FULL : MATCH_NONE;
  if (modules->names == NULL)
    return MATCH_NONE;
  if (g_strv_contains ((const char *const *) modules->names, module))
    return MATCH_FULL;
  gsize len = strlen (module);
  for (char **name = modules->names; *name != NULL; name++)
    {
      gsize n = strlen (*name);
      if (n < len && module[len - n - 1] == '.' && strcmp (module + len - n, *name) == 0)
        return MATCH_SUFFIX;
    }
  return MATCH_NONE;
}

gboolean
fovea_peft_config_saves (const FoveaPeftConfig *config,
                         const char            *module)
{
  for (guint i = 0; config->modules_to_save && i < config->modules_to_save->len; i++)
    if (g_regex_match (config->modules_to_save->pdata[i], module, 0, NULL))
      return TRUE;
  return FALSE;
}

gboolean
fovea_peft_config_targets (const FoveaPeftConfig *config,
                           const char            *module,
                           int                    block)
{
  if (match_modules (&config->exclude_modules, module) != MATCH_NONE ||
      fovea_peft_config_saves (config, module))
    return FALSE;
  ModuleMatch match = match_modules (&config->target_modules, module);
  /* PEFT applies layers_to_transform to suffix matches only. */
  if (match != MATCH_SUFFIX || config->layers_to_transform == NULL)
    return match != MATCH_NONE;
  if (block < 0 || !config->layers_pattern_blocks)
    return FALSE;
  for (guint i = 0; i < config->layers_to_transform->len; i++)
    if (g_array_index (config->layers_to_transform, int, i) == block)
      return TRUE;
  return FALSE;
}

/* The value of the first pattern matching module, else fallback. */
static double
pattern_value (const GArray *patterns,
               const char   *module,
               double        fallback)
{
  for (guint i = 0; patterns && i < patterns->len; i++)
    {
      const FoveaPeftPattern *pattern = &g_array_index (patterns, FoveaPeftPattern, i);
      if (g_regex_match (pattern->regex, module, 0, NULL))
        return pattern->value;
    }
  return fallback;
}

void
fovea_peft_config_rank_scale (const FoveaPeftConfig *config,
                              const char            *module,
                              int                   *rank,
                              float                 *scale)
{
  *rank = (int) pattern_value (config->rank_pattern, module, config->r);
  double alpha = pattern_value (config->alpha_pattern, module, config->lora_alpha);
  *scale = (float) (config->use_rslora ? alpha / sqrt (*rank) : alpha / *rank);
}
