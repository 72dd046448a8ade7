/* test-vit-config.c: config.json as the Hugging Face hub publishes it for
 * timm ViTs, resolved to the hyper-parameters timm would build.
 *
 * The expected values are timm's (its vit_* registrations and its ViT
 * pretrained_cfg defaults), written out here by hand, plus the parity
 * fixtures' configs whose models the torch reference built. */
#include <string.h>

#include "fovea-test-common.h"
#include "fovea-vit-config.h"

/* As published for timm/vit_base_patch16_224.augreg2_in21k_ft_in1k. */
static const char hub_base[] =
  "{\n"
  "    \"architecture\": \"vit_base_patch16_224\",\n"
  "    \"num_classes\": 1000,\n"
  "    \"num_features\": 768,\n"
  "    \"global_pool\": \"token\",\n"
  "    \"pretrained_cfg\": {\n"
  "        \"tag\": \"augreg2_in21k_ft_in1k\",\n"
  "        \"custom_load\": false,\n"
  "        \"input_size\": [3, 224, 224],\n"
  "        \"fixed_input_size\": true,\n"
  "        \"interpolation\": \"bicubic\",\n"
  "        \"crop_pct\": 0.9,\n"
  "        \"crop_mode\": \"center\",\n"
  "        \"mean\": [0.5, 0.5, 0.5],\n"
  "        \"std\": [0.5, 0.5, 0.5],\n"
  "        \"num_classes\": 1000,\n"
  "        \"pool_size\": null,\n"
  "        \"first_conv\": \"patch_embed.proj\",\n"
  "        \"classifier\": \"head\"\n"
  "    }\n"
  "}\n";

/* A fine-tuned large/14 at 384 with ImageNet statistics, saved by timm's
 * push_to_hf_hub with a new head. */
static const char hub_large_finetuned[] =
  "{\"architecture\": \"vit_large_patch14_224.orig_in21k\", \"num_classes\": 5,"
  " \"num_features\": 1024, \"global_pool\": \"token\","
  " \"model_args\": {\"img_size\": 392, \"drop_path_rate\": 0.2},"
  " \"pretrained_cfg\": {\"input_size\": [3, 224, 224], \"fixed_input_size\": true,"
  " \"interpolation\": \"bilinear\", \"crop_pct\": 1.0,"
  " \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225],"
  " \"num_classes\": 21843, \"label_names\": [\"a\", \"b\"]}}";

/* Older hub layout: the pretrained_cfg keys at the root. */
static const char hub_legacy[] =
  "{\"architecture\": \"vit_small_patch32_384\", \"num_classes\": 10,"
  " \"input_size\": [3, 384, 384], \"interpolation\": \"bicubic\","
  " \"mean\": [0.5, 0.5, 0.5], \"std\": [0.5, 0.5, 0.5], \"crop_pct\": 1}";

static void
load_ok (FoveaVitConfig *config, const char *json)
{
  GError *error = NULL;
  g_assert_true (fovea_vit_config_load_data (config, json, -1, &error));
  g_assert_no_error (error);
}

static void
test_hub_base (void)
{
  FoveaVitConfig c;
  load_ok (&c, hub_base);
  g_assert_cmpstr (c.architecture, ==, "vit_base_patch16_224");
  g_assert_cmpint (c.embed_dim, ==, 768);
  g_assert_cmpint (c.depth, ==, 12);
  g_assert_cmpint (c.num_heads, ==, 12);
  g_assert_cmpint (c.patch_size, ==, 16);
  g_assert_cmpint (c.img_size[0], ==, 224);
  g_assert_cmpint (c.img_size[1], ==, 224);
  g_assert_cmpint (c.in_chans, ==, 3);
  g_assert_cmpfloat (c.mlp_ratio, ==, 4.0);
  g_assert_true (c.qkv_bias);
  g_assert_true (c.class_token);
  g_assert_cmpint (c.global_pool, ==, FOVEA_VIT_POOL_TOKEN);
  g_assert_false (c.no_embed_class);
  g_assert_false (c.fc_norm);
  g_assert_cmpint (c.reg_tokens, ==, 0);
  g_assert_cmpint (c.num_classes, ==, 1000);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (c.mean[i], ==, 0.5f);
      g_assert_cmpfloat (c.std[i], ==, 0.5f);
    }
  g_assert_cmpint (c.input_size[0], ==, 3);
  g_assert_cmpint (c.input_size[1], ==, 224);
  g_assert_cmpint (c.input_size[2], ==, 224);
  g_assert_cmpint (c.interpolation, ==, FOVEA_RESIZE_BICUBIC);
  g_assert_cmpfloat (c.crop_pct, ==, 0.9);
  fovea_vit_config_clear (&c);
  g_assert_null (c.architecture);
}

static void
test_hub_large_finetuned (void)
{
  FoveaVitConfig c;
  load_ok (&c, hub_large_finetuned);
  g_assert_cmpint (c.embed_dim, ==, 1024);
  g_assert_cmpint (c.depth, ==, 24);
  g_assert_cmpint (c.num_heads, ==, 16);
  g_assert_cmpint (c.patch_size, ==, 14);
  /* model_args.img_size wins, and a fixed-size model's input follows it. */
  g_assert_cmpint (c.img_size[0], ==, 392);
  g_assert_cmpint (c.input_size[1], ==, 392);
  g_assert_cmpint (c.input_size[2], ==, 392);
  /* The root num_classes wins over pretrained_cfg's. */
  g_assert_cmpint (c.num_classes, ==, 5);
  g_assert_cmpint (c.interpolation, ==, FOVEA_RESIZE_BILINEAR);
  g_assert_cmpfloat (c.crop_pct, ==, 1.0);
  g_assert_cmpfloat (c.mean[0], ==, 0.485f);
  g_assert_cmpfloat (c.std[2], ==, 0.225f);
  fovea_vit_config_clear (&c);
}

static void
test_hub_legacy (void)
{
  FoveaVitConfig c;
  load_ok (&c, hub_legacy);
  g_assert_cmpint (c.embed_dim, ==, 384);
  g_assert_cmpint (c.num_heads, ==, 6);
  g_assert_cmpint (c.patch_size, ==, 32);
  g_assert_cmpint (c.img_size[0], ==, 384);
  g_assert_cmpint (c.num_classes, ==, 10);
  g_assert_cmpfloat (c.crop_pct, ==, 1.0);
  fovea_vit_config_clear (&c);
}

/* Sizes, and the defaults when pretrained_cfg says nothing. */
static void
test_architecture_defaults (void)
{
  static const struct { const char *name; int dim, depth, heads, patch, img; } cases[] = {
    { "vit_tiny_patch16_224", 192, 12, 3, 16, 224 },
    { "vit_small_patch8_224.dino", 384, 12, 6, 8, 224 },
    { "vit_base_patch32_384.augreg_in21k_ft_in1k", 768, 12, 12, 32, 384 },
    { "vit_base_patch16_224_miil", 768, 12, 12, 16, 224 },
    { "vit_large_patch16_512", 1024, 24, 16, 16, 512 },
    { "vit_huge_patch14_224.orig_in21k", 1280, 32, 16, 14, 224 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *json = g_strdup_printf ("{\"architecture\": \"%s\"}", cases[i].name);
      FoveaVitConfig c;
      load_ok (&c, json);
      g_assert_cmpint (c.embed_dim, ==, cases[i].dim);
      g_assert_cmpint (c.depth, ==, cases[i].depth);
      g_assert_cmpint (c.num_heads, ==, cases[i].heads);
      g_assert_cmpint (c.patch_size, ==, cases[i].patch);
      g_assert_cmpint (c.img_size[0], ==, cases[i].img);
      g_assert_cmpint (c.input_size[2], ==, cases[i].img);
      g_assert_cmpint (c.num_classes, ==, 1000);
      /* timm's ViT _cfg: Inception mean/std, bicubic, crop 0.9. */
      g_assert_cmpfloat (c.mean[1], ==, 0.5f);
      g_assert_cmpfloat (c.std[1], ==, 0.5f);
      g_assert_cmpint (c.interpolation, ==, FOVEA_RESIZE_BICUBIC);
      g_assert_cmpfloat (c.crop_pct, ==, 0.9);
      fovea_vit_config_clear (&c);
      g_free (json);
    }
}

static void
test_model_args (void)
{
  FoveaVitConfig c;
  load_ok (&c, "{\"architecture\": \"vit_base_patch16_224\", \"model_args\": {"
               "\"img_size\": [32, 48], \"patch_size\": 8, \"embed_dim\": 96, \"depth\": 2,"
               " \"num_heads\": 12, \"mlp_ratio\": 2, \"qkv_bias\": false,"
               " \"global_pool\": \"avg\", \"fc_norm\": null, \"no_embed_class\": true,"
               " \"reg_tokens\": 4, \"in_chans\": 1, \"qk_norm\": false, \"init_values\": null,"
               " \"num_classes\": 0},"
               " \"pretrained_cfg\": {\"input_size\": [3, 224, 224], \"fixed_input_size\": false,"
               " \"mean\": [0, 0, 0], \"std\": [1, 1, 1]}}");
  g_assert_cmpint (c.img_size[0], ==, 32);
  g_assert_cmpint (c.img_size[1], ==, 48);
  g_assert_cmpint (c.patch_size, ==, 8);
  g_assert_cmpint (c.embed_dim, ==, 96);
  g_assert_cmpint (c.depth, ==, 2);
  g_assert_cmpint (c.num_heads, ==, 12);
  g_assert_cmpfloat (c.mlp_ratio, ==, 2.0);
  g_assert_false (c.qkv_bias);
  g_assert_cmpint (c.global_pool, ==, FOVEA_VIT_POOL_AVG);
  g_assert_true (c.fc_norm);   /* null: timm's default for avg pooling */
  g_assert_true (c.no_embed_class);
  g_assert_cmpint (c.reg_tokens, ==, 4);
  g_assert_cmpint (c.in_chans, ==, 1);
  g_assert_cmpint (c.input_size[0], ==, 1);
  /* Not a fixed-size model: its pretrained input size stays. */
  g_assert_cmpint (c.input_size[1], ==, 224);
  g_assert_cmpint (c.num_classes, ==, 0);
  g_assert_cmpfloat (c.std[0], ==, 1.0f);
  fovea_vit_config_clear (&c);

  load_ok (&c, "{\"architecture\": \"vit_tiny_patch16_224\", \"model_args\": {"
               "\"global_pool\": \"avg\", \"fc_norm\": false, \"class_token\": false}}");
  g_assert_false (c.fc_norm);
  g_assert_false (c.class_token);
  fovea_vit_config_clear (&c);
}

/* The parity fixtures' configs, whose models the torch reference built
 * from the same keys (tests/scripts/make-vit-fixtures.py). */
static void
test_fixture_configs (void)
{
  static const struct {
    const char *model; int dim, depth, heads, img, classes, reg; gboolean avg, fc_norm, cls;
  } cases[] = {
    { "tiny-token", 48, 2, 3, 32, 5, 0, FALSE, FALSE, TRUE },
    { "h12-avg", 96, 2, 12, 32, 4, 1, TRUE, TRUE, TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *rel = g_build_filename ("vit", "models", cases[i].model, "config.json", NULL);
      char *path = fovea_test_fixture_path (rel);
      FoveaVitConfig c;
      GError *error = NULL;
      g_assert_true (fovea_vit_config_load_file (&c, path, &error));
      g_assert_no_error (error);
      g_assert_cmpint (c.embed_dim, ==, cases[i].dim);
      g_assert_cmpint (c.depth, ==, cases[i].depth);
      g_assert_cmpint (c.num_heads, ==, cases[i].heads);
      g_assert_cmpint (c.patch_size, ==, 8);
      g_assert_cmpint (c.img_size[0], ==, cases[i].img);
      g_assert_cmpint (c.num_classes, ==, cases[i].classes);
      g_assert_cmpint (c.reg_tokens, ==, cases[i].reg);
      g_assert_cmpint (c.global_pool == FOVEA_VIT_POOL_AVG, ==, cases[i].avg);
      g_assert_cmpint (c.fc_norm, ==, cases[i].fc_norm);
      g_assert_cmpint (c.class_token, ==, cases[i].cls);
      fovea_vit_config_clear (&c);
      g_free (path);
      g_free (rel);
    }
}

typedef struct
{
  const char *name;
  const char *json;
  const char *in_message;
} BadConfig;

#define ARCH "\"architecture\": \"vit_base_patch16_224\""

static const BadConfig bad_configs[] = {
  { "not-json", "{\"architecture\": ", "not valid JSON" },
  { "not-object", "[1, 2]", "not a JSON object" },
  { "empty", "", "not a JSON object" },
  { "deep", "{\"a\": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", "nested deeper" },
  { "no-architecture", "{\"num_classes\": 3}", "architecture" },
  { "unknown-family", "{\"architecture\": \"deit_base_patch16_224\"}", "deit_base_patch16_224" },
  { "unknown-size", "{\"architecture\": \"vit_medium_patch16_224\"}", "vit_medium_patch16_224" },
  { "unknown-patch", "{\"architecture\": \"vit_base_patch12_224\"}", "vit_base_patch12_224" },
  { "other-variant", "{\"architecture\": \"vit_base_patch16_clip_224.openai\"}", "clip" },
  { "reg-gap-variant", "{\"architecture\": \"vit_base_patch16_reg4_gap_256\"}", "reg4" },
  { "heads-not-dividing", "{" ARCH ", \"model_args\": {\"num_heads\": 7}}", "num_heads 7" },
  { "img-not-multiple", "{" ARCH ", \"model_args\": {\"img_size\": 200}}", "patch_size 16" },
  { "zero-depth", "{" ARCH ", \"model_args\": {\"depth\": 0}}", "model_args.depth" },
  { "negative-dim", "{" ARCH ", \"model_args\": {\"embed_dim\": -768}}", "model_args.embed_dim" },
  { "huge-dim", "{" ARCH ", \"model_args\": {\"embed_dim\": 1000000000}}", "model_args.embed_dim" },
  { "fraction-depth", "{" ARCH ", \"model_args\": {\"depth\": 12.5}}", "model_args.depth" },
  { "bad-pool", "{" ARCH ", \"model_args\": {\"global_pool\": \"map\"}}", "global_pool" },
  { "token-pool-no-class", "{" ARCH ", \"model_args\": {\"class_token\": false}}", "class token" },
  { "qk-norm", "{" ARCH ", \"model_args\": {\"qk_norm\": true}}", "qk_norm" },
  { "unknown-arg", "{" ARCH ", \"model_args\": {\"act_layer\": \"quick_gelu\"}}", "act_layer" },
  { "bool-as-string", "{" ARCH ", \"model_args\": {\"qkv_bias\": \"yes\"}}", "qkv_bias" },
  { "bad-interpolation", "{" ARCH ", \"pretrained_cfg\": {\"interpolation\": \"lanczos\"}}",
    "interpolation" },
  { "short-mean", "{" ARCH ", \"pretrained_cfg\": {\"mean\": [0.5, 0.5]}}", "mean" },
  { "zero-std", "{" ARCH ", \"pretrained_cfg\": {\"std\": [0.5, 0, 0.5]}}", "std" },
  { "bad-crop", "{" ARCH ", \"pretrained_cfg\": {\"crop_pct\": 0}}", "crop_pct" },
  { "bad-input-size", "{" ARCH ", \"pretrained_cfg\": {\"input_size\": [224, 224]}}", "input_size" },
  { "channels-mismatch", "{" ARCH ", \"pretrained_cfg\": {\"input_size\": [1, 224, 224]}}", "channels" },
  { "negative-classes", "{" ARCH ", \"num_classes\": -1}", "num_classes" },
  { "huge-integer", "{" ARCH ", \"num_classes\": 18446744073709551621}", "too large" },
};

static void
test_bad_config (gconstpointer data)
{
  const BadConfig *c = data;
  FoveaVitConfig config;
  GError *error = NULL;
  g_assert_false (fovea_vit_config_load_data (&config, c->json, -1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  if (!g_str_has_prefix (error->message, "config.json: ") ||
      strstr (error->message, c->in_message) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, c->in_message);
  /* Nothing is left allocated in a failed load. */
  g_assert_null (config.architecture);
  g_error_free (error);
}

static void
test_missing_file (void)
{
  FoveaVitConfig c;
  GError *error = NULL;
  g_assert_false (fovea_vit_config_load_file (&c, "/nonexistent/config.json", &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "/nonexistent/config.json"));
  g_error_free (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vit-config/hub/base-augreg2", test_hub_base);
  g_test_add_func ("/vit-config/hub/large-finetuned", test_hub_large_finetuned);
  g_test_add_func ("/vit-config/hub/legacy-layout", test_hub_legacy);
  g_test_add_func ("/vit-config/architecture-defaults", test_architecture_defaults);
  g_test_add_func ("/vit-config/model-args", test_model_args);
  g_test_add_func ("/vit-config/fixture-configs", test_fixture_configs);
  g_test_add_func ("/vit-config/missing-file", test_missing_file);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      char *name = g_strdup_printf ("/vit-config/bad/%s", bad_configs[i].name);
      g_test_add_data_func (name, &bad_configs[i], test_bad_config);
      g_free (name);
    }
  return g_test_run ();
}
