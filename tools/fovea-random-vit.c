/* fovea-random-vit.c: seeded random timm ViTs and MeLo adapters.
 *
 * The architecture's hyper-parameters come from Fovea's own config
 * loader, so whatever name it understands can be generated, and the
 * tensors are written under timm's names with fovea_safetensors_write. */
#define G_LOG_DOMAIN "fovea-random-vit"

#include "fovea-random-vit.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>

#include "fovea-random-tensors.h"

static const double imagenet_mean[3] = { 0.485, 0.456, 0.406 };
static const double imagenet_std[3] = { 0.229, 0.224, 0.225 };

/* How a tensor's values are drawn: uniform around centre ± spread. */
typedef enum {
  FILL_WEIGHT,  /* timm's trunc_normal(std = 0.02), near enough */
  FILL_BIAS,
  FILL_NORM,    /* LayerNorm scales around one */
} Fill;

static void
add_tensor (FoveaRandomTensors *list, Fill fill, char *name, int n_dims,
            gint64 d0, gint64 d1, gint64 d2, gint64 d3)
{
  gint64 dims[4] = { d0, d1, d2, d3 };
  float centre = fill == FILL_NORM ? 1.0f : 0.0f;
  float spread = fill == FILL_WEIGHT ? 0.02f * sqrtf (3.0f) : 0.1f;

  fovea_random_tensors_add (list, name, centre, spread, n_dims, dims);
}

static void
add_linear (FoveaRandomTensors *list, int block, const char *module, int in_dim,
            int out_dim, gboolean bias)
{
  add_tensor (list, FILL_WEIGHT, g_strdup_printf ("blocks.%d.%s.weight", block, module),
              2, out_dim, in_dim, 0, 0);
  if (bias)
    add_tensor (list, FILL_BIAS, g_strdup_printf ("blocks.%d.%s.bias", block, module),
                1, out_dim, 0, 0, 0);
}

static void
add_norm (FoveaRandomTensors *list, const char *prefix, int dim)
{
  add_tensor (list, FILL_NORM, g_strconcat (prefix, ".weight", NULL), 1, dim, 0, 0, 0);
  add_tensor (list, FILL_BIAS, g_strconcat (prefix, ".bias", NULL), 1, dim, 0, 0, 0);
}

/* Every tensor timm's VisionTransformer has for this config. */
static void
add_vit_tensors (FoveaRandomTensors *list, const FoveaVitConfig *c)
{
  int dim = c->embed_dim, p = c->patch_size;
  int hidden = (int) (dim * c->mlp_ratio);
  int prefix = (c->class_token ? 1 : 0) + c->reg_tokens;
  int n_pos = (c->no_embed_class ? 0 : prefix) + (c->img_size[0] / p) * (c->img_size[1] / p);

  add_tensor (list, FILL_WEIGHT, g_strdup ("patch_embed.proj.weight"), 4, dim, c->in_chans, p, p);
  add_tensor (list, FILL_BIAS, g_strdup ("patch_embed.proj.bias"), 1, dim, 0, 0, 0);
  if (c->class_token)
    add_tensor (list, FILL_WEIGHT, g_strdup ("cls_token"), 3, 1, 1, dim, 0);
  if (c->reg_tokens > 0)
    add_tensor (list, FILL_WEIGHT, g_strdup ("reg_token"), 3, 1, c->reg_tokens, dim, 0);
  add_tensor (list, FILL_WEIGHT, g_strdup ("pos_embed"), 3, 1, n_pos, dim, 0);

  for (int i = 0; i < c->depth; i++)
    {
      g_autofree char *norm1 = g_strdup_printf ("blocks.%d.norm1", i);
      g_autofree char *norm2 = g_strdup_printf ("blocks.%d.norm2", i);

      add_norm (list, norm1, dim);
      add_linear (list, i, "attn.qkv", dim, 3 * dim, c->qkv_bias);
      add_linear (list, i, "attn.proj", dim, dim, TRUE);
      add_norm (list, norm2, dim);
      add_linear (list, i, "mlp.fc1", dim, hidden, TRUE);
      add_linear (list, i, "mlp.fc2", hidden, dim, TRUE);
    }
  add_norm (list, c->fc_norm ? "fc_norm" : "norm", dim);
  if (c->num_classes > 0)
    {
      add_tensor (list, FILL_WEIGHT, g_strdup ("head.weight"), 2, c->num_classes, dim, 0, 0);
      add_tensor (list, FILL_BIAS, g_strdup ("head.bias"), 1, c->num_classes, 0, 0, 0);
    }
}

static void
add_double_array (JsonBuilder *builder, const char *key, const double *values, int n)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (int i = 0; i < n; i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_end_array (builder);
}

/* config.json as timm's push_to_hub writes it; img_size 0 leaves out the
 * input size (used to learn the architecture's defaults first). */
static char *
config_json (const char *architecture, int num_classes, int img_h, int img_w)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "architecture");
  json_builder_add_string_value (builder, architecture);
  json_builder_set_member_name (builder, "num_classes");
  json_builder_add_int_value (builder, num_classes);
  json_builder_set_member_name (builder, "pretrained_cfg");
  json_builder_begin_object (builder);
  add_double_array (builder, "mean", imagenet_mean, 3);
  add_double_array (builder, "std", imagenet_std, 3);
  json_builder_set_member_name (builder, "interpolation");
  json_builder_add_string_value (builder, "bicubic");
  json_builder_set_member_name (builder, "crop_pct");
  json_builder_add_double_value (builder, 0.9);
  if (img_h > 0)
    {
      json_builder_set_member_name (builder, "input_size");
      json_builder_begin_array (builder);
      json_builder_add_int_value (builder, 3);
      json_builder_add_int_value (builder, img_h);
      json_builder_add_int_value (builder, img_w);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

gboolean
fovea_random_vit_write (const char *dir, const char *architecture,
                        int num_classes, guint64 seed, GError **error)
{
  FoveaVitConfig config = { 0 };
  g_autofree char *probe = config_json (architecture, num_classes, 0, 0);

  if (!fovea_vit_config_load_data (&config, probe, -1, error))
    return FALSE;

  g_autofree char *json = config_json (architecture, num_classes,
                                       config.img_size[0], config.img_size[1]);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  FoveaRandomTensors list;
  gboolean ok = FALSE;

  fovea_random_tensors_init (&list, seed);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                 "Cannot create %s: %s", dir, g_strerror (errno));
  else if (g_file_set_contents (config_path, json, -1, error))
    {
      add_vit_tensors (&list, &config);
      ok = fovea_random_tensors_write (&list, weights_path, FOVEA_DTYPE_F32, error);
    }
  fovea_random_tensors_clear (&list);
  fovea_vit_config_clear (&config);
  return ok;
}

gboolean
fovea_random_melo_write (const char *path, const FoveaVitConfig *config,
                         int rank, int head_classes, guint64 seed, GError **error)
{
  int dim = config->embed_dim;
  FoveaRandomTensors list;

  fovea_random_tensors_init (&list, seed);
  /* MeLo's index 2i is block i's q, 2i + 1 its v. */
  for (int i = 0; i < 2 * config->depth; i++)
    {
      add_tensor (&list, FILL_WEIGHT, g_strdup_printf ("w_a_%03d", i), 2, rank, dim, 0, 0);
      add_tensor (&list, FILL_WEIGHT, g_strdup_printf ("w_b_%03d", i), 2, dim, rank, 0, 0);
    }
  if (head_classes > 0)
    add_tensor (&list, FILL_WEIGHT, g_strdup_printf ("fc_%din_%dout", dim, head_classes),
                2, head_classes, dim, 0, 0);

  gboolean ok = fovea_random_tensors_write (&list, path, FOVEA_DTYPE_F32, error);
  fovea_random_tensors_clear (&list);
  return ok;
}
