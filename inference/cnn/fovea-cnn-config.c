/* fovea-cnn-config.c: a CNN's hyper-parameters from the hub layout's
 * config.json: the architecture name's defaults, then model_args, then
 * pretrained_cfg for the input (fovea-hub-config.c reads the shared
 * parts).
 *
 * Root keys that timm keeps for information only ("num_features",
 * "label_names") are ignored. model_args keys that would change the
 * network in ways Fovea does not implement are refused, so a model never
 * runs with the wrong maths. */
#define G_LOG_DOMAIN "fovea-cnn-config"

#include "fovea-cnn-config.h"

#include <string.h>

#define TORCHVISION_PREFIX "torchvision/"
#define DEFAULT_BN_EPS 1e-5

static const struct
{
  const char     *name;     /* without the torchvision/ prefix */
  FoveaCnnFamily  family;
  int             depth;
  int             num_features;
  gboolean        timm;     /* a timm name */
  gboolean        torchvision;
} architectures[] = {
  { "resnet18", FOVEA_CNN_RESNET, 18, 512, TRUE, TRUE },
  { "resnet34", FOVEA_CNN_RESNET, 34, 512, TRUE, TRUE },
  { "resnet50", FOVEA_CNN_RESNET, 50, 2048, TRUE, TRUE },
  { "mobilenetv2_100", FOVEA_CNN_MOBILENETV2, 0, 1280, TRUE, FALSE },
  { "mobilenet_v2", FOVEA_CNN_MOBILENETV2, 0, 1280, FALSE, TRUE },
};

/* model_args keys that only matter for training. */
static const char *const training_only_args[] = {
  "drop_rate", "drop_path_rate", "drop_block_rate", "zero_init_last",
};

static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };

/* The index in architectures[] of name, or -1. */
static int
find_architecture (const char *name, FoveaCnnNaming *naming)
{
  gboolean torchvision = g_str_has_prefix (name, TORCHVISION_PREFIX);
  g_autofree char *base = torchvision ? g_strdup (name + strlen (TORCHVISION_PREFIX))
                                      : g_strndup (name, strcspn (name, "."));

  for (gsize i = 0; i < G_N_ELEMENTS (architectures); i++)
    if (strcmp (base, architectures[i].name) == 0 &&
        (torchvision ? architectures[i].torchvision : architectures[i].timm))
      {
        *naming = torchvision ? FOVEA_CNN_NAMES_TORCHVISION : FOVEA_CNN_NAMES_TIMM;
        return (int) i;
      }
  return -1;
}

gboolean
fovea_cnn_architecture_is_known (const char *architecture)
{
  FoveaCnnNaming naming;
  return architecture != NULL && find_architecture (architecture, &naming) >= 0;
}

static gboolean
apply_architecture (FoveaHubReader *reader, const char *architecture, FoveaCnnConfig *config)
{
  int index = find_architecture (architecture, &config->naming);
  if (index < 0)
    return fovea_hub_fail (reader, "architecture “%s” is not a CNN Fovea knows: expected "
                           "resnet18, resnet34, resnet50, mobilenetv2_100, "
                           "torchvision/resnet18|34|50 or torchvision/mobilenet_v2",
                           architecture);

  config->architecture = g_strdup (architecture);
  config->family = architectures[index].family;
  config->depth = architectures[index].depth;
  config->num_features = architectures[index].num_features;
  config->in_chans = 3;
  config->num_classes = 1000;
  config->global_pool = FOVEA_CNN_POOL_AVG;
  config->same_padding = FALSE;
  config->bn_eps = DEFAULT_BN_EPS;

  /* timm's ResNet and MobileNetV2 _cfg, and torchvision's transforms. */
  FoveaPretrainedCfg *pre = &config->pretrained;
  for (int c = 0; c < 3; c++)
    {
      pre->mean[c] = (float) imagenet_mean[c];
      pre->std[c] = (float) imagenet_std[c];
    }
  pre->input_size[0] = 3;
  pre->input_size[1] = pre->input_size[2] = 224;
  pre->interpolation = FOVEA_RESIZE_BILINEAR;
  pre->crop_pct = 0.875;
  return TRUE;
}

static gboolean
read_global_pool (FoveaHubReader *reader, JsonNode *node, const char *key,
                  FoveaCnnConfig *config)
{
  const char *pool = fovea_hub_holds_type (node, G_TYPE_STRING) ? json_node_get_string (node) : "";
  if (strcmp (pool, "avg") == 0)
    config->global_pool = FOVEA_CNN_POOL_AVG;
  else if (strcmp (pool, "max") == 0)
    config->global_pool = FOVEA_CNN_POOL_MAX;
  else if (strcmp (pool, "avgmax") == 0)
    config->global_pool = FOVEA_CNN_POOL_AVGMAX;
  else
    return fovea_hub_fail (reader, "%s must be \"avg\", \"max\" or \"avgmax\"", key);
  return TRUE;
}

/* Which model_args were given: they win over the root's. */
typedef struct
{
  gboolean num_classes;
  gboolean global_pool;
  gboolean in_chans;
} GivenArgs;

static gboolean
apply_model_args (FoveaHubReader *reader, JsonObject *args, FoveaCnnConfig *config,
                  GivenArgs *given)
{
  GList *members = json_object_get_members (args);
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (args, key);
      if (strcmp (key, "pad_type") == 0)
        {
          const char *pad = fovea_hub_holds_type (node, G_TYPE_STRING)
                            ? json_node_get_string (node) : NULL;
          if (pad == NULL || (strcmp (pad, "") != 0 && strcmp (pad, "same") != 0))
            ok = fovea_hub_fail (reader, "model_args.pad_type must be \"\" or \"same\"");
          else
            config->same_padding = strcmp (pad, "same") == 0;
        }
      else if (strcmp (key, "bn_eps") == 0)
        {
          ok = fovea_hub_read_number (reader, node, "model_args.bn_eps", &config->bn_eps);
          if (ok && !(config->bn_eps >= 0 && config->bn_eps <= 1))
            ok = fovea_hub_fail (reader, "model_args.bn_eps must be from 0 to 1");
        }
      else if (strcmp (key, "num_classes") == 0)
        ok = given->num_classes = fovea_hub_read_int (reader, node, "model_args.num_classes", 0,
                                                      &config->num_classes);
      else if (strcmp (key, "in_chans") == 0)
        ok = given->in_chans = fovea_hub_read_int (reader, node, "model_args.in_chans", 1,
                                                   &config->in_chans);
      else if (strcmp (key, "global_pool") == 0)
        ok = given->global_pool = read_global_pool (reader, node, "model_args.global_pool",
                                                    config);
      else if (!fovea_hub_in_list (training_only_args, G_N_ELEMENTS (training_only_args), key))
        ok = fovea_hub_fail (reader, "model_args.%s is not supported", key);
    }
  g_list_free (members);
  return ok;
}

static gboolean
load_root (FoveaHubReader *reader, JsonObject *root, gpointer data)
{
  FoveaCnnConfig *config = data;
  JsonNode *node = json_object_get_member (root, "architecture");
  if (node == NULL || !fovea_hub_holds_type (node, G_TYPE_STRING))
    return fovea_hub_fail (reader, "no \"architecture\" string");
  if (!apply_architecture (reader, json_node_get_string (node), config))
    return FALSE;

  GivenArgs given = { FALSE, FALSE, FALSE };
  if ((node = json_object_get_member (root, "model_args")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return fovea_hub_fail (reader, "model_args is not an object");
      if (!apply_model_args (reader, json_node_get_object (node), config, &given))
        return FALSE;
    }
  if (!given.global_pool && (node = json_object_get_member (root, "global_pool")) != NULL &&
      !read_global_pool (reader, node, "global_pool", config))
    return FALSE;

  JsonObject *cfg = fovea_hub_get_pretrained_cfg (reader, root);
  if (cfg == NULL)
    return FALSE;
  config->pretrained.input_size[0] = config->in_chans;
  if (!fovea_hub_read_pretrained_cfg (reader, cfg, &config->pretrained))
    return FALSE;
  /* As timm's _parse_model_cfg: in_chans sets the input's channels. */
  if (given.in_chans)
    config->pretrained.input_size[0] = config->in_chans;
  if (config->pretrained.input_size[0] != config->in_chans)
    return fovea_hub_fail (reader, "pretrained_cfg.input_size has %d channels but the model "
                           "has %d", config->pretrained.input_size[0], config->in_chans);

  /* num_classes: model_args, then the root, then pretrained_cfg, then 1000. */
  if (!given.num_classes &&
      !fovea_hub_read_num_classes (reader, root, cfg, &config->num_classes))
    return FALSE;
  return TRUE;
}

gboolean
fovea_cnn_config_load_data (FoveaCnnConfig *config, const char *json, gssize length,
                            GError **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse (json, length < 0 ? strlen (json) : (gsize) length,
                              "config.json", load_root, config, error))
    return TRUE;
  fovea_cnn_config_clear (config);
  return FALSE;
}

gboolean
fovea_cnn_config_load_file (FoveaCnnConfig *config, const char *path, GError **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse_file (path, load_root, config, error))
    return TRUE;
  fovea_cnn_config_clear (config);
  return FALSE;
}

gboolean
fovea_cnn_config_init (FoveaCnnConfig *config, const char *architecture, int num_classes,
                       GError **error)
{
  FoveaHubReader reader = { "--arch", error };

  memset (config, 0, sizeof *config);
  if (num_classes < 0 || num_classes > FOVEA_HUB_MAX_SIZE)
    return fovea_hub_fail (&reader, "num_classes must be from 0 to %d", FOVEA_HUB_MAX_SIZE);
  if (!apply_architecture (&reader, architecture, config))
    return FALSE;
  config->num_classes = num_classes;
  return TRUE;
}

void
fovea_cnn_config_clear (FoveaCnnConfig *config)
{
  g_free (config->architecture);
  memset (config, 0, sizeof *config);
}
