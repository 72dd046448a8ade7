/* fovea-seg-config.c: reading a segmentation model's config.json (see the
 * header for what is accepted, and why each refusal). */
#define G_LOG_DOMAIN "fovea-seg-config"

#include "fovea-seg-config.h"

#include <string.h>

/* smp's Unet defaults. */
static const int default_decoder_channels[FOVEA_SEG_DECODER_BLOCKS] = { 256, 128, 64, 32, 16 };

/* Members that say something about the model but change nothing here. */
static const char *const note_members[] = {
  "encoder_weights", "label_names", "architecture", "_model_class", "pretrained_cfg",
};

static gboolean
is_null (JsonNode *node)
{
  return JSON_NODE_HOLDS_NULL (node);
}

static gboolean
read_string (FoveaHubReader *reader, JsonNode *node, const char *key, const char **out)
{
  if (!fovea_hub_holds_type (node, G_TYPE_STRING))
    return fovea_hub_fail (reader, "%s is not a string", key);
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_decoder_channels (FoveaHubReader *reader, JsonNode *node, FoveaSegConfig *config)
{
  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (json_node_get_array (node)) != FOVEA_SEG_DECODER_BLOCKS)
    return fovea_hub_fail (reader, "decoder_channels is not a list of %d widths",
                           FOVEA_SEG_DECODER_BLOCKS);
  JsonArray *array = json_node_get_array (node);
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    {
      g_autofree char *key = g_strdup_printf ("decoder_channels[%d]", i);
      if (!fovea_hub_read_int (reader, json_array_get_element (array, i), key, 1,
                               &config->decoder_channels[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_activation (FoveaHubReader *reader, JsonNode *node, FoveaSegConfig *config)
{
  const char *name = NULL;
  if (is_null (node))
    {
      config->activation = FOVEA_SEG_SIGMOID;
      return TRUE;
    }
  if (!read_string (reader, node, "activation", &name))
    return FALSE;
  if (strcmp (name, "sigmoid") == 0)
    config->activation = FOVEA_SEG_SIGMOID;
  else if (strcmp (name, "softmax") == 0 || strcmp (name, "softmax2d") == 0)
    config->activation = FOVEA_SEG_SOFTMAX;
  else
    return fovea_hub_fail (reader, "activation \"%s\" is not supported (null, \"sigmoid\", "
                           "\"softmax\" or \"softmax2d\")", name);
  return TRUE;
}

/* A member that must hold the one value this engine runs. */
static gboolean
read_member (FoveaHubReader *reader, const char *key, JsonNode *node, FoveaSegConfig *config)
{
  const char *text = NULL;
  gboolean flag;
  int value;

  if (strcmp (key, "encoder_name") == 0)
    {
      if (!read_string (reader, node, key, &text))
        return FALSE;
      if (strcmp (text, "mobilenet_v2") != 0)
        return fovea_hub_fail (reader, "encoder_name \"%s\" is not supported (mobilenet_v2)",
                               text);
      g_free (config->encoder_name);
      config->encoder_name = g_strdup (text);
      return TRUE;
    }
  if (strcmp (key, "encoder_depth") == 0)
    {
      if (!fovea_hub_read_int (reader, node, key, 1, &value))
        return FALSE;
      return value == 5 || fovea_hub_fail (reader, "encoder_depth %d is not supported (5)",
                                           value);
    }
  if (strcmp (key, "decoder_channels") == 0)
    return read_decoder_channels (reader, node, config);
  if (strcmp (key, "decoder_use_batchnorm") == 0)
    {
      if (!fovea_hub_read_bool (reader, node, key, &flag))
        return FALSE;
      return flag || fovea_hub_fail (reader, "decoder_use_batchnorm false is not supported");
    }
  if (strcmp (key, "decoder_use_norm") == 0)
    {
      if (fovea_hub_holds_type (node, G_TYPE_BOOLEAN) && json_node_get_boolean (node))
        return TRUE;
      if (fovea_hub_holds_type (node, G_TYPE_STRING) &&
          strcmp (json_node_get_string (node), "batchnorm") == 0)
        return TRUE;
      return fovea_hub_fail (reader, "decoder_use_norm is not supported (true or "
                             "\"batchnorm\")");
    }
  if (strcmp (key, "decoder_attention_type") == 0 || strcmp (key, "aux_params") == 0)
    return is_null (node) || fovea_hub_fail (reader, "%s is not supported (null)", key);
  if (strcmp (key, "decoder_add_center_block") == 0)
    {
      if (!fovea_hub_read_bool (reader, node, key, &flag))
        return FALSE;
      return !flag || fovea_hub_fail (reader, "decoder_add_center_block true is not supported");
    }
  if (strcmp (key, "decoder_interpolation") == 0)
    {
      if (!read_string (reader, node, key, &text))
        return FALSE;
      return strcmp (text, "nearest") == 0 ||
             fovea_hub_fail (reader, "decoder_interpolation \"%s\" is not supported "
                             "(nearest)", text);
    }
  if (strcmp (key, "in_channels") == 0)
    return fovea_hub_read_int (reader, node, key, 1, &config->in_channels);
  if (strcmp (key, "classes") == 0)
    return fovea_hub_read_int (reader, node, key, 1, &config->classes);
  if (strcmp (key, "activation") == 0)
    return read_activation (reader, node, config);
  if (strcmp (key, FOVEA_SEG_PAD_MEMBER) == 0)
    {
      if (!read_string (reader, node, key, &text))
        return FALSE;
      if (strcmp (text, "same") != 0 && strcmp (text, "torch") != 0)
        return fovea_hub_fail (reader, "%s \"%s\" is not supported (\"same\" or \"torch\")",
                               key, text);
      config->encoder_same_padding = strcmp (text, "same") == 0;
      return TRUE;
    }
  if (strcmp (key, "kwargs") == 0)
    return (JSON_NODE_HOLDS_OBJECT (node) && json_object_get_size (json_node_get_object (node))
            == 0) || fovea_hub_fail (reader, "kwargs is not supported (an empty object)");
  if (fovea_hub_in_list (note_members, G_N_ELEMENTS (note_members), key))
    return TRUE;
  return fovea_hub_fail (reader, "%s is not supported", key);
}

static gboolean
load_root (FoveaHubReader *reader, JsonObject *root, gpointer data)
{
  FoveaSegConfig *config = data;
  JsonNode *node = json_object_get_member (root, "_model_class");
  const char *text = NULL;

  if (node == NULL)
    return fovea_hub_fail (reader, "no \"_model_class\" string (a segmentation model's)");
  if (!read_string (reader, node, "_model_class", &text))
    return FALSE;
  if (strcmp (text, "Unet") != 0)
    return fovea_hub_fail (reader, "_model_class \"%s\" is not supported (Unet)", text);
  if ((node = json_object_get_member (root, "architecture")) != NULL &&
      (!read_string (reader, node, "architecture", &text) || strcmp (text, "smp/Unet") != 0))
    return fovea_hub_fail (reader, "architecture is not \"smp/Unet\"");
  if (json_object_get_member (root, "encoder_name") == NULL)
    return fovea_hub_fail (reader, "no \"encoder_name\" string");

  config->in_channels = 3;
  config->classes = 1;
  memcpy (config->decoder_channels, default_decoder_channels, sizeof default_decoder_channels);
  config->activation = FOVEA_SEG_SIGMOID;

  GList *members = json_object_get_members (root);
  gboolean ok = TRUE;
  for (GList *l = members; ok && l != NULL; l = l->next)
    ok = read_member (reader, l->data, json_object_get_member (root, l->data), config);
  g_list_free (members);
  if (!ok)
    return FALSE;

  if (!fovea_cnn_config_init (&config->encoder, "torchvision/mobilenet_v2", 0,
                              reader->error))
    return FALSE;
  config->encoder.in_chans = config->in_channels;
  config->encoder.same_padding = config->encoder_same_padding;
  /* Messages about its tensors name the whole model. */
  g_free (config->encoder.architecture);
  config->encoder.architecture = g_strdup ("Unet (mobilenet_v2)");

  config->pretrained = config->encoder.pretrained;
  config->pretrained.input_size[0] = config->in_channels;
  JsonObject *cfg = fovea_hub_get_pretrained_cfg (reader, root);
  if (cfg == NULL || !fovea_hub_read_pretrained_cfg (reader, cfg, &config->pretrained))
    return FALSE;
  if (config->pretrained.input_size[0] != config->in_channels)
    return fovea_hub_fail (reader, "pretrained_cfg.input_size has %d channels but the model "
                           "has %d", config->pretrained.input_size[0], config->in_channels);
  config->encoder.pretrained = config->pretrained;
  return TRUE;
}

gboolean
fovea_seg_config_load_data (FoveaSegConfig *config, const char *json, gssize length,
                            GError **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse (json, length < 0 ? strlen (json) : (gsize) length,
                              "config.json", load_root, config, error))
    return TRUE;
  fovea_seg_config_clear (config);
  return FALSE;
}

gboolean
fovea_seg_config_load_file (FoveaSegConfig *config, const char *path, GError **error)
{
  memset (config, 0, sizeof *config);
  if (fovea_hub_config_parse_file (path, load_root, config, error))
    return TRUE;
  fovea_seg_config_clear (config);
  return FALSE;
}

static gboolean
has_model_class (FoveaHubReader *reader, JsonObject *root, gpointer data)
{
  (void) reader;
  *(gboolean *) data = json_object_get_member (root, "_model_class") != NULL;
  return TRUE;
}

gboolean
fovea_seg_config_is_segmentation (const char *model_dir)
{
  g_autofree char *path = g_build_filename (model_dir, "config.json", NULL);
  gboolean found = FALSE;
  return fovea_hub_config_parse_file (path, has_model_class, &found, NULL) && found;
}

void
fovea_seg_config_clear (FoveaSegConfig *config)
{
  g_free (config->encoder_name);
  fovea_cnn_config_clear (&config->encoder);
  memset (config, 0, sizeof *config);
}
