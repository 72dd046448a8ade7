/* fovea-vit-config.c: a timm ViT's hyper-parameters from the hub layout's
 * config.json, resolved the way timm resolves them: the architecture
 * name's defaults, then model_args, then pretrained_cfg for the input.
 *
 * Root keys that timm keeps for information only ("num_features",
 * "global_pool", "label_names") and pretrained_cfg keys that do not
 * change the arithmetic (tag, license, first_conv, ...) are ignored.
 * model_args keys that would change the network in ways Fovea does not
 * implement are refused, so a model never runs with the wrong maths. */
#define G_LOG_DOMAIN "fovea-vit-config"

#include "fovea-vit-config.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-json-check.h"

/* Hub configs nest four levels at most (root, pretrained_cfg, a list). */
#define CONFIG_MAX_DEPTH 16
/* Larger sizes are not real models, and would overflow the arithmetic
 * of whoever allocates for them. */
#define CONFIG_MAX_SIZE 100000

/* timm's vit_{tiny,small,base,large,huge}_* widths, depths and heads. */
static const struct
{
  const char *name;
  int         embed_dim, depth, num_heads;
} vit_sizes[] = {
  { "tiny", 192, 12, 3 },
  { "small", 384, 12, 6 },
  { "base", 768, 12, 12 },
  { "large", 1024, 24, 16 },
  { "huge", 1280, 32, 16 },
};

static const int vit_patch_sizes[] = { 8, 14, 16, 32 };

/* model_args keys that only matter for training. */
static const char *const training_only_args[] = {
  "drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate",
  "attn_drop_rate", "drop_path_rate", "weight_init", "dynamic_img_size",
};

/* model_args keys for features Fovea does not implement: accepted only
 * when they switch the feature off (null or false, timm's defaults). */
static const char *const off_only_args[] = {
  "qk_norm", "init_values", "pre_norm", "dynamic_img_pad", "scale_attn_norm",
  "scale_mlp_norm", "attn_pool", "pos_embed_grid",
};

typedef struct
{
  const char *file;   /* for messages */
  GError    **error;
} Ctx;

G_GNUC_PRINTF (2, 3) static gboolean
fail (Ctx *ctx, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (ctx->error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "%s: %s",
               ctx->file, problem);
  g_free (problem);
  return FALSE;
}

static gboolean
in_list (const char *const *list, gsize n, const char *key)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (list[i], key) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
holds_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
read_int (Ctx *ctx, JsonNode *node, const char *key, int min, int *out)
{
  if (!holds_type (node, G_TYPE_INT64) || json_node_get_int (node) < min ||
      json_node_get_int (node) > CONFIG_MAX_SIZE)
    return fail (ctx, "%s must be an integer from %d to %d", key, min, CONFIG_MAX_SIZE);
  *out = (int) json_node_get_int (node);
  return TRUE;
}

static gboolean
read_number (Ctx *ctx, JsonNode *node, const char *key, double *out)
{
  if (holds_type (node, G_TYPE_INT64))
    *out = (double) json_node_get_int (node);
  else if (holds_type (node, G_TYPE_DOUBLE))
    *out = json_node_get_double (node);
  else
    return fail (ctx, "%s must be a number", key);
  return TRUE;
}

static gboolean
read_bool (Ctx *ctx, JsonNode *node, const char *key, gboolean *out)
{
  if (!holds_type (node, G_TYPE_BOOLEAN))
    return fail (ctx, "%s must be true or false", key);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer or an [h, w] pair, as timm's img_size (to_2tuple). */
static gboolean
read_size2 (Ctx *ctx, JsonNode *node, const char *key, int size[2])
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      if (json_array_get_length (array) != 2)
        return fail (ctx, "%s must be an integer or [height, width]", key);
      return read_int (ctx, json_array_get_element (array, 0), key, 1, &size[0]) &&
             read_int (ctx, json_array_get_element (array, 1), key, 1, &size[1]);
    }
  if (!read_int (ctx, node, key, 1, &size[0]))
    return FALSE;
  size[1] = size[0];
  return TRUE;
}

static gboolean
read_number_array (Ctx *ctx, JsonNode *node, const char *key, double *out, guint n)
{
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) != n)
    return fail (ctx, "%s must be a list of %u numbers", key, n);
  for (guint i = 0; i < n; i++)
    if (!read_number (ctx, json_array_get_element (json_node_get_array (node), i), key, &out[i]))
      return FALSE;
  return TRUE;
}

/* "vit_base_patch16_224" (optionally with a "_suffix" after the size and a
 * ".pretrained_tag") sets timm's defaults. */
static gboolean
apply_architecture (Ctx *ctx, const char *architecture, FoveaVitConfig *config)
{
  char *name = g_strndup (architecture, strcspn (architecture, "."));
  char **tokens = g_strsplit (name, "_", -1);
  guint n = g_strv_length (tokens);
  gboolean ok = FALSE;
  int size = -1, patch = 0, img = 0;
  if (n >= 4 && strcmp (tokens[0], "vit") == 0 && g_str_has_prefix (tokens[2], "patch"))
    {
      for (gsize i = 0; i < G_N_ELEMENTS (vit_sizes); i++)
        if (strcmp (tokens[1], vit_sizes[i].name) == 0)
          size = (int) i;
      for (gsize i = 0; i < G_N_ELEMENTS (vit_patch_sizes); i++)
        {
          char *expected = g_strdup_printf ("patch%d", vit_patch_sizes[i]);
          if (strcmp (tokens[2], expected) == 0)
            patch = vit_patch_sizes[i];
          g_free (expected);
        }
      /* The image size comes right after the patch size: anything in
       * between (clip, reg4, gap, dinov2...) is another family. */
      const char *img_token = tokens[3];
      char *end = NULL;
      long value = strtol (img_token, &end, 10);
      if (img_token[0] >= '1' && img_token[0] <= '9' && *end == '\0' &&
          value <= CONFIG_MAX_SIZE)
        img = (int) value;
      ok = size >= 0 && patch > 0 && img > 0;
    }
  g_strfreev (tokens);
  g_free (name);
  if (!ok)
    return fail (ctx, "architecture “%s” is not a timm ViT Fovea knows: expected "
                 "vit_{tiny,small,base,large,huge}_patch{8,14,16,32}_SIZE", architecture);

  config->architecture = g_strdup (architecture);
  config->embed_dim = vit_sizes[size].embed_dim;
  config->depth = vit_sizes[size].depth;
  config->num_heads = vit_sizes[size].num_heads;
  config->patch_size = patch;
  config->img_size[0] = config->img_size[1] = img;
  config->in_chans = 3;
  config->mlp_ratio = 4.0;
  config->qkv_bias = TRUE;
  config->class_token = TRUE;
  config->global_pool = FOVEA_VIT_POOL_TOKEN;
  config->no_embed_class = FALSE;
  config->reg_tokens = 0;
  config->num_classes = 1000;
  return TRUE;
}

/* Which model_args were given: each changes how other keys resolve. */
typedef struct
{
  gboolean fc_norm;      /* otherwise derived from global_pool */
  gboolean img_size;     /* sets a fixed-size model's input size */
  gboolean in_chans;     /* sets the input's channels */
  gboolean num_classes;  /* wins over the root and pretrained_cfg */
} GivenArgs;

static gboolean
apply_model_args (Ctx *ctx, JsonObject *args, FoveaVitConfig *config, GivenArgs *given)
{
  GList *members = json_object_get_members (args);
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (args, key);
      if (strcmp (key, "img_size") == 0)
        ok = given->img_size = read_size2 (ctx, node, "model_args.img_size", config->img_size);
      else if (strcmp (key, "patch_size") == 0)
        ok = read_int (ctx, node, "model_args.patch_size", 1, &config->patch_size);
      else if (strcmp (key, "in_chans") == 0)
        ok = given->in_chans = read_int (ctx, node, "model_args.in_chans", 1, &config->in_chans);
      else if (strcmp (key, "embed_dim") == 0)
        ok = read_int (ctx, node, "model_args.embed_dim", 1, &config->embed_dim);
      else if (strcmp (key, "depth") == 0)
        ok = read_int (ctx, node, "model_args.depth", 1, &config->depth);
      else if (strcmp (key, "num_heads") == 0)
        ok = read_int (ctx, node, "model_args.num_heads", 1, &config->num_heads);
      else if (strcmp (key, "reg_tokens") == 0)
        ok = read_int (ctx, node, "model_args.reg_tokens", 0, &config->reg_tokens);
      else if (strcmp (key, "num_classes") == 0)
        ok = given->num_classes = read_int (ctx, node, "model_args.num_classes", 0,
                                            &config->num_classes);
      else if (strcmp (key, "mlp_ratio") == 0)
        ok = read_number (ctx, node, "model_args.mlp_ratio", &config->mlp_ratio);
      else if (strcmp (key, "qkv_bias") == 0)
        ok = read_bool (ctx, node, "model_args.qkv_bias", &config->qkv_bias);
      else if (strcmp (key, "class_token") == 0)
        ok = read_bool (ctx, node, "model_args.class_token", &config->class_token);
      else if (strcmp (key, "no_embed_class") == 0)
        ok = read_bool (ctx, node, "model_args.no_embed_class", &config->no_embed_class);
      else if (strcmp (key, "fc_norm") == 0)
        {
          given->fc_norm = !JSON_NODE_HOLDS_NULL (node);
          if (given->fc_norm)
            ok = read_bool (ctx, node, "model_args.fc_norm", &config->fc_norm);
        }
      else if (strcmp (key, "global_pool") == 0)
        {
          const char *pool = holds_type (node, G_TYPE_STRING) ? json_node_get_string (node) : "";
          if (strcmp (pool, "token") == 0)
            config->global_pool = FOVEA_VIT_POOL_TOKEN;
          else if (strcmp (pool, "avg") == 0)
            config->global_pool = FOVEA_VIT_POOL_AVG;
          else
            ok = fail (ctx, "model_args.global_pool must be \"token\" or \"avg\"");
        }
      else if (in_list (off_only_args, G_N_ELEMENTS (off_only_args), key))
        {
          if (!JSON_NODE_HOLDS_NULL (node) &&
              !(holds_type (node, G_TYPE_BOOLEAN) && !json_node_get_boolean (node)))
            ok = fail (ctx, "model_args.%s is not supported (only null or false)", key);
        }
      else if (!in_list (training_only_args, G_N_ELEMENTS (training_only_args), key))
        ok = fail (ctx, "model_args.%s is not supported", key);
    }
  g_list_free (members);
  return ok;
}

static gboolean
apply_pretrained_cfg (Ctx *ctx, JsonObject *cfg, FoveaVitConfig *config)
{
  JsonNode *node;
  double values[3];

  if ((node = json_object_get_member (cfg, "mean")) != NULL)
    {
      if (!read_number_array (ctx, node, "pretrained_cfg.mean", values, 3))
        return FALSE;
      for (int c = 0; c < 3; c++)
        config->mean[c] = (float) values[c];
    }
  if ((node = json_object_get_member (cfg, "std")) != NULL)
    {
      if (!read_number_array (ctx, node, "pretrained_cfg.std", values, 3))
        return FALSE;
      for (int c = 0; c < 3; c++)
        {
          if (!(values[c] > 0 && values[c] < 1e6))
            return fail (ctx, "pretrained_cfg.std must be positive");
          config->std[c] = (float) values[c];
        }
    }
  if ((node = json_object_get_member (cfg, "input_size")) != NULL)
    {
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      if (array == NULL || json_array_get_length (array) != 3)
        return fail (ctx, "pretrained_cfg.input_size must be [channels, height, width]");
      for (guint i = 0; i < 3; i++)
        if (!read_int (ctx, json_array_get_element (array, i), "pretrained_cfg.input_size",
                       1, &config->input_size[i]))
          return FALSE;
    }
  if ((node = json_object_get_member (cfg, "interpolation")) != NULL)
    {
      const char *name = holds_type (node, G_TYPE_STRING) ? json_node_get_string (node) : "";
      if (strcmp (name, "bicubic") == 0)
        config->interpolation = FOVEA_RESIZE_BICUBIC;
      else if (strcmp (name, "bilinear") == 0)
        config->interpolation = FOVEA_RESIZE_BILINEAR;
      else
        return fail (ctx, "pretrained_cfg.interpolation must be \"bicubic\" or \"bilinear\"");
    }
  if ((node = json_object_get_member (cfg, "crop_pct")) != NULL)
    {
      if (!read_number (ctx, node, "pretrained_cfg.crop_pct", &config->crop_pct))
        return FALSE;
      if (!(config->crop_pct > 0 && config->crop_pct <= 1))
        return fail (ctx, "pretrained_cfg.crop_pct must be in (0, 1]");
    }
  return TRUE;
}

static gboolean
validate (Ctx *ctx, const FoveaVitConfig *config)
{
  if (config->embed_dim % config->num_heads != 0)
    return fail (ctx, "embed_dim %d is not a multiple of num_heads %d",
                 config->embed_dim, config->num_heads);
  for (int i = 0; i < 2; i++)
    if (config->img_size[i] % config->patch_size != 0)
      return fail (ctx, "img_size %d×%d is not a multiple of patch_size %d",
                   config->img_size[0], config->img_size[1], config->patch_size);
  if (!(config->mlp_ratio > 0 && config->mlp_ratio * config->embed_dim >= 1 &&
        config->mlp_ratio * config->embed_dim <= CONFIG_MAX_SIZE))
    return fail (ctx, "mlp_ratio %g gives no usable MLP width", config->mlp_ratio);
  if (!config->class_token && config->global_pool == FOVEA_VIT_POOL_TOKEN)
    return fail (ctx, "global_pool \"token\" needs a class token");
  if (config->input_size[0] != config->in_chans)
    return fail (ctx, "pretrained_cfg.input_size has %d channels but the model has %d",
                 config->input_size[0], config->in_chans);
  return TRUE;
}

static gboolean
load_root (Ctx *ctx, JsonObject *root, FoveaVitConfig *config)
{
  JsonNode *node = json_object_get_member (root, "architecture");
  if (node == NULL || !holds_type (node, G_TYPE_STRING))
    return fail (ctx, "no \"architecture\" string");
  if (!apply_architecture (ctx, json_node_get_string (node), config))
    return FALSE;

  GivenArgs given = { FALSE, FALSE, FALSE, FALSE };
  if ((node = json_object_get_member (root, "model_args")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (ctx, "model_args is not an object");
      if (!apply_model_args (ctx, json_node_get_object (node), config, &given))
        return FALSE;
    }
  if (!given.fc_norm)
    config->fc_norm = config->global_pool == FOVEA_VIT_POOL_AVG;

  /* Older hub configs have no pretrained_cfg: its keys sit at the root. */
  JsonObject *cfg = root;
  if ((node = json_object_get_member (root, "pretrained_cfg")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fail (ctx, "pretrained_cfg is not an object");
      cfg = json_node_get_object (node);
    }

  /* timm's ViT pretrained_cfg defaults (vision_transformer.py _cfg). */
  for (int c = 0; c < 3; c++)
    {
      config->mean[c] = 0.5f;
      config->std[c] = 0.5f;
    }
  config->input_size[0] = config->in_chans;
  config->input_size[1] = config->img_size[0];
  config->input_size[2] = config->img_size[1];
  config->interpolation = FOVEA_RESIZE_BICUBIC;
  config->crop_pct = 0.9;
  if (!apply_pretrained_cfg (ctx, cfg, config))
    return FALSE;

  /* As timm's _parse_model_cfg: in_chans sets the input's channels, and
   * img_size its size when the model has a fixed input size. */
  if (given.in_chans)
    config->input_size[0] = config->in_chans;
  node = json_object_get_member (cfg, "fixed_input_size");
  gboolean fixed = node == NULL || !holds_type (node, G_TYPE_BOOLEAN) || json_node_get_boolean (node);
  if (given.img_size && fixed)
    {
      config->input_size[0] = config->in_chans;
  config->input_size[1] = config->img_size[0];
      config->input_size[2] = config->img_size[1];
    }

  /* num_classes: model_args, then the root, then pretrained_cfg, then 1000. */
  if (!given.num_classes)
    {
      if ((node = json_object_get_member (root, "num_classes")) != NULL ||
          (node = json_object_get_member (cfg, "num_classes")) != NULL)
        {
          if (!read_int (ctx, node, "num_classes", 0, &config->num_classes))
            return FALSE;
        }
    }
  return validate (ctx, config);
}

static gboolean
load_data (FoveaVitConfig *config, const char *json, gsize length, const char *file,
           GError **error)
{
  Ctx ctx = { file, error };
  memset (config, 0, sizeof *config);
  if (!g_utf8_validate_len (json, length, NULL))
    return fail (&ctx, "not valid UTF-8");
  if (!fovea_json_check_text (json, length, CONFIG_MAX_DEPTH, file, FOVEA_MODEL_ERROR,
                              FOVEA_MODEL_ERROR_CONFIG, error))
    return FALSE;

  JsonParser *parser = json_parser_new_immutable ();
  GError *json_error = NULL;
  gboolean ok;
  if (!json_parser_load_from_data (parser, json, (gssize) length, &json_error))
    {
      ok = fail (&ctx, "not valid JSON: %s", json_error->message);
      g_error_free (json_error);
    }
  else if (json_parser_get_root (parser) == NULL ||
           !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    ok = fail (&ctx, "not a JSON object");
  else
    ok = load_root (&ctx, json_node_get_object (json_parser_get_root (parser)), config);
  g_object_unref (parser);
  if (!ok)
    fovea_vit_config_clear (config);
  return ok;
}

gboolean
fovea_vit_config_load_data (FoveaVitConfig *config,
                            const char     *json,
                            gssize          length,
                            GError        **error)
{
  return load_data (config, json, length < 0 ? strlen (json) : (gsize) length,
                    "config.json", error);
}

gboolean
fovea_vit_config_load_file (FoveaVitConfig *config,
                            const char     *path,
                            GError        **error)
{
  char *contents;
  gsize length;
  GError *read_error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &read_error))
    {
      memset (config, 0, sizeof *config);
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG, "%s",
                   read_error->message);
      g_error_free (read_error);
      return FALSE;
    }
  gboolean ok = load_data (config, contents, length, path, error);
  g_free (contents);
  return ok;
}

void
fovea_vit_config_clear (FoveaVitConfig *config)
{
  g_free (config->architecture);
  memset (config, 0, sizeof *config);
}
