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

#include <stdlib.h>
#include <string.h>

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

/* An integer or an [h, w] pair, as timm's img_size (to_2tuple). */
static gboolean
read_size2 (FoveaHubReader *ctx, JsonNode *node, const char *key, int size[2])
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      if (json_array_get_length (array) != 2)
        return fovea_hub_fail (ctx, "%s must be an integer or [height, width]", key);
      return fovea_hub_read_int (ctx, json_array_get_element (array, 0), key, 1, &size[0]) &&
             fovea_hub_read_int (ctx, json_array_get_element (array, 1), key, 1, &size[1]);
    }
  if (!fovea_hub_read_int (ctx, node, key, 1, &size[0]))
    return FALSE;
  size[1] = size[0];
  return TRUE;
}

/* "vit_base_patch16_224" (optionally with a "_suffix" after the size and a
 * ".pretrained_tag") sets timm's defaults. */
static gboolean
apply_architecture (FoveaHubReader *ctx, const char *architecture, FoveaVitConfig *config)
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
          value <= FOVEA_HUB_MAX_SIZE)
        img = (int) value;
      ok = size >= 0 && patch > 0 && img > 0;
    }
  g_strfreev (tokens);
  g_free (name);
  if (!ok)
    return fovea_hub_fail (ctx, "architecture “%s” is not a timm ViT Fovea knows: expected "
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
apply_model_args (FoveaHubReader *ctx, JsonObject *args, FoveaVitConfig *config, GivenArgs *given)
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
        ok = fovea_hub_read_int (ctx, node, "model_args.patch_size", 1, &config->patch_size);
      else if (strcmp (key, "in_chans") == 0)
        ok = given->in_chans = fovea_hub_read_int (ctx, node, "model_args.in_chans", 1, &config->in_chans);
      else if (strcmp (key, "embed_dim") == 0)
        ok = fovea_hub_read_int (ctx, node, "model_args.embed_dim", 1, &config->embed_dim);
      else if (strcmp (key, "depth") == 0)
        ok = fovea_hub_read_int (ctx, node, "model_args.depth", 1, &config->depth);
      else if (strcmp (key, "num_heads") == 0)
        ok = fovea_hub_read_int (ctx, node, "model_args.num_heads", 1, &config->num_heads);
      else if (strcmp (key, "reg_tokens") == 0)
        ok = fovea_hub_read_int (ctx, node, "model_args.reg_tokens", 0, &config->reg_tokens);
      else if (strcmp (key, "num_classes") == 0)
        ok = given->num_classes = fovea_hub_read_int (ctx, node, "model_args.num_classes", 0,
                                            &config->num_classes);
      else if (strcmp (key, "mlp_ratio") == 0)
        ok = fovea_hub_read_number (ctx, node, "model_args.mlp_ratio", &config->mlp_ratio);
      else if (strcmp (key, "qkv_bias") == 0)
        ok = fovea_hub_read_bool (ctx, node, "model_args.qkv_bias", &config->qkv_bias);
      else if (strcmp (key, "class_token") == 0)
        ok = fovea_hub_read_bool (ctx, node, "model_args.class_token", &config->class_token);
      else if (strcmp (key, "no_embed_class") == 0)
        ok = fovea_hub_read_bool (ctx, node, "model_args.no_embed_class", &config->no_embed_class);
      else if (strcmp (key, "fc_norm") == 0)
        {
          given->fc_norm = !JSON_NODE_HOLDS_NULL (node);
          if (given->fc_norm)
            ok = fovea_hub_read_bool (ctx, node, "model_args.fc_norm", &config->fc_norm);
        }
      else if (strcmp (key, "global_pool") == 0)
        {
          const char *pool = fovea_hub_holds_type (node, G_TYPE_STRING) ? json_node_get_string (node) : "";
          if (strcmp (pool, "token") == 0)
            config->global_pool = FOVEA_VIT_POOL_TOKEN;
          else if (strcmp (pool, "avg") == 0)
            config->global_pool = FOVEA_VIT_POOL_AVG;
          else
            ok = fovea_hub_fail (ctx, "model_args.global_pool must be \"token\" or \"avg\"");
        }
      else if (fovea_hub_in_list (off_only_args, G_N_ELEMENTS (off_only_args), key))
        {
          if (!JSON_NODE_HOLDS_NULL (node) &&
              !(fovea_hub_holds_type (node, G_TYPE_BOOLEAN) && !json_node_get_boolean (node)))
            ok = fovea_hub_fail (ctx, "model_args.%s is not supported (only null or false)", key);
        }
      else if (!fovea_hub_in_list (training_only_args, G_N_ELEMENTS (training_only_args), key))
        ok = fovea_hub_fail (ctx, "model_args.%s is not supported", key);
    }
  g_list_free (members);
  return ok;
}

static gboolean
validate (FoveaHubReader *ctx, const FoveaVitConfig *config)
{
  if (config->embed_dim % config->num_heads != 0)
    return fovea_hub_fail (ctx, "embed_dim %d is not a multiple of num_heads %d",
                 config->embed_dim, config->num_heads);
  for (int i = 0; i < 2; i++)
    if (config->img_size[i] % config->patch_size != 0)
      return fovea_hub_fail (ctx, "img_size %d×%d is not a multiple of patch_size %d",
                   config->img_size[0], config->img_size[1], config->patch_size);
  if (!(config->mlp_ratio > 0 && config->mlp_ratio * config->embed_dim >= 1 &&
        config->mlp_ratio * config->embed_dim <= FOVEA_HUB_MAX_SIZE))
    return fovea_hub_fail (ctx, "mlp_ratio %g gives no usable MLP width", config->mlp_ratio);
  if (!config->class_token && config->global_pool == FOVEA_VIT_POOL_TOKEN)
    return fovea_hub_fail (ctx, "global_pool \"token\" needs a class token");
  if (config->input_size[0] != config->in_chans)
    return fovea_hub_fail (ctx, "pretrained_cfg.input_size has %d channels but the model has %d",
                 config->input_size[0], config->in_chans);
  return TRUE;
}

static gboolean
load_root (FoveaHubReader *ctx, JsonObject *root, FoveaVitConfig *config)
{
  JsonNode *node = json_object_get_member (root, "architecture");
  if (node == NULL || !fovea_hub_holds_type (node, G_TYPE_STRING))
    return fovea_hub_fail (ctx, "no \"architecture\" string");
  if (!apply_architecture (ctx, json_node_get_string (node), config))
    return FALSE;

  GivenArgs given = { FALSE, FALSE, FALSE, FALSE };
  if ((node = json_object_get_member (root, "model_args")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fovea_hub_fail (ctx, "model_args is not an object");
      if (!apply_model_args (ctx, json_node_get_object (node), config, &given))
        return FALSE;
    }
  if (!given.fc_norm)
    config->fc_norm = config->global_pool == FOVEA_VIT_POOL_AVG;

  JsonObject *cfg = fovea_hub_get_pretrained_cfg (ctx, root);
  if (cfg == NULL)
    return FALSE;

  /* timm's ViT pretrained_cfg defaults (vision_transformer.py _cfg). */
  FoveaPretrainedCfg pretrained = {
    .mean = { 0.5f, 0.5f, 0.5f }, .std = { 0.5f, 0.5f, 0.5f },
    .input_size = { config->in_chans, config->img_size[0], config->img_size[1] },
    .interpolation = FOVEA_RESIZE_BICUBIC, .crop_pct = 0.9,
  };
  if (!fovea_hub_read_pretrained_cfg (ctx, cfg, &pretrained))
    return FALSE;
  memcpy (config->mean, pretrained.mean, sizeof config->mean);
  memcpy (config->std, pretrained.std, sizeof config->std);
  memcpy (config->input_size, pretrained.input_size, sizeof config->input_size);
  config->interpolation = pretrained.interpolation;
  config->crop_pct = pretrained.crop_pct;

  /* As timm's _parse_model_cfg: in_chans sets the input's channels, and
   * img_size its size when the model has a fixed input size. */
  if (given.in_chans)
    config->input_size[0] = config->in_chans;
  node = json_object_get_member (cfg, "fixed_input_size");
  gboolean fixed = node == NULL || !fovea_hub_holds_type (node, G_TYPE_BOOLEAN) || json_node_get_boolean (node);
  if (given.img_size && fixed)
    {
          config->input_size[0] = config->in_chans;
      config->input_size[1] = config->img_size[0];
      config->input_size[2] = config->img_size[1];
    }

  /* num_classes: model_args, then the root, then pretrained_cfg, then 1000. */
  if (!given.num_classes &&
      !fovea_hub_read_num_classes (ctx, root, cfg, &config->num_classes))
    return FALSE;
  return validate (ctx, config);
}

static gboolean
load_root_func (FoveaHubReader *reader, JsonObject *root, gpointer config)
{
  return load_root (reader, root, config);
}

gboolean
fovea_vit_config_load_data (FoveaVitConfig *config,
                            const char     *json,
                            gssize          length,
                            GError        **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse (json, length < 0 ? strlen (json) : (gsize) length,
                              "config.json", load_root_func, config, error))
    return TRUE;
  fovea_vit_config_clear (config);
  return FALSE;
}

gboolean
fovea_vit_config_load_file (FoveaVitConfig *config,
                            const char     *path,
                            GError        **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse_file (path, load_root_func, config, error))
    return TRUE;
  fovea_vit_config_clear (config);
  return FALSE;
}

void
fovea_vit_config_clear (FoveaVitConfig *config)
{
  g_free (config->architecture);
  memset (config, 0, sizeof *config);
}
