/* test-cnn.c: the CNN engine against real torchvision networks (and a
 * module with timm's mobilenetv2_100 names) on the same seeded random
 * weights and pixels (tests/scripts/make-cnn-fixtures.py), single
 * convolutions against PyTorch's conv2d, and strict loading.
 *
 * The weights are regenerated here with the generator that wrote them for
 * the script (tools/fovea-random-cnn.c), from the seeds in the fixtures'
 * manifest: only the expected outputs are committed. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-cnn.h"
#include "fovea-conv.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"
#include "tools/fovea-random-cnn.h"

/* Threads of the runs: more than the CI machine's two cores, so that
 * uneven splits of the work are exercised too. */
#define N_THREADS 3

static JsonObject *manifest;
static double tolerance_rel;

static void
load_manifest (void)
{
  g_autofree char *path = fovea_test_fixture_path ("cnn/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  manifest = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  tolerance_rel = json_object_get_double_member (manifest, "tolerance_rel");
}

static FoveaSafetensors *
open_fixture (const char *relative)
{
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

/* max |actual - expected| / max |expected|. */
static double
relative_error (const float *actual, const float *expected, gsize n)
{
  double worst = 0, scale = 0;
  for (gsize i = 0; i < n; i++)
    {
      worst = MAX (worst, fabs ((double) actual[i] - expected[i]));
      scale = MAX (scale, fabs ((double) expected[i]));
    }
  return worst / scale;
}

static const float *
expected_tensor (FoveaSafetensors *st, const char *name, gsize n)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  g_assert_nonnull (view);
  g_assert_cmpint (view->dtype, ==, FOVEA_DTYPE_F32);
  g_assert_cmpuint (view->n_elements, ==, n);
  return view->data;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_string_member (object, name)
                                               : NULL;
}

static FoveaDType
member_dtype (JsonObject *model)
{
  const char *name = member_string (model, "dtype");
  if (name == NULL || strcmp (name, "f32") == 0)
    return FOVEA_DTYPE_F32;
  return strcmp (name, "f16") == 0 ? FOVEA_DTYPE_F16 : FOVEA_DTYPE_BF16;
}

/* Writes the manifest's model into dir, as fovea-make-random-cnn did. */
static void
write_model (const char *dir, JsonObject *model)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = fovea_random_cnn_config_json (
    json_object_get_string_member (model, "architecture"),
    (int) json_object_get_int_member (model, "num_classes"),
    member_string (model, "pad_type"), member_string (model, "global_pool"));

  g_assert_true (fovea_random_cnn_write (dir, json, member_dtype (model),
                                         (guint64) json_object_get_int_member (model, "seed"),
                                         &error));
  g_assert_no_error (error);
}

static float *
pixels_for (int batch, int height, int width)
{
  gsize n = (gsize) batch * 3 * height * width;
  float *pixels = g_new (float, n);
  fovea_random_cnn_pixels (pixels, n,
                           (guint64) json_object_get_int_member (manifest, "pixel_seed"));
  return pixels;
}

/* Every size of one model (written in dir), on a run per size, with the
 * given GEMM; and the first image alone on the same run. */
static void
check_model (JsonObject *model, const char *dir, FoveaCnnLoadFlags flags)
{
  const char *name = json_object_get_string_member (model, "name");
  g_autofree char *cases = g_strdup_printf ("cnn/cases/%s.safetensors", name);
  g_autoptr (FoveaSafetensors) expected = open_fixture (cases);
  g_autoptr (GError) error = NULL;
  int batch = (int) json_object_get_int_member (model, "batch");
  JsonArray *sizes = json_object_get_array_member (model, "sizes");

  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, flags, &error);
  g_assert_no_error (error);

  for (guint s = 0; s < json_array_get_length (sizes); s++)
    {
      JsonArray *size = json_array_get_array_element (sizes, s);
      int height = (int) json_array_get_int_element (size, 0);
      int width = (int) json_array_get_int_element (size, 1);
      g_autofree float *pixels = pixels_for (batch, height, width);
      g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, batch, height, width, N_THREADS,
                                                       &error);
      g_assert_no_error (error);
      g_assert_true (fovea_cnn_forward (run, pixels, batch, &error));
      g_assert_no_error (error);

      int n_outputs = fovea_cnn_run_get_n_outputs (run);
      gsize n = (gsize) batch * n_outputs;
      g_autofree char *key = g_strdup_printf ("logits.%dx%d", height, width);
      const float *want = expected_tensor (expected, key, n);
      double rel = relative_error (fovea_cnn_run_get_logits (run), want, n);
      g_test_message ("%s %s%s: max relative difference %.2e", name, key,
                      flags & FOVEA_CNN_LOAD_OPENBLAS ? " (OpenBLAS)" : "", rel);
      g_assert_cmpfloat (rel, <=, tolerance_rel);

      g_autofree char *map_key = g_strdup_printf ("feature_map.%dx%d", height, width);
      if (fovea_safetensors_lookup (expected, map_key) != NULL)
        {
          int fh, fw, fc;
          const float *map = fovea_cnn_run_get_feature_map (run, &fh, &fw, &fc);
          gsize map_n = (gsize) batch * fh * fw * fc;
          rel = relative_error (map, expected_tensor (expected, map_key, map_n), map_n);
          g_test_message ("%s %s: max relative difference %.2e", name, map_key, rel);
          g_assert_cmpfloat (rel, <=, tolerance_rel);
        }

      /* The first image alone gives the first row. */
      g_assert_true (fovea_cnn_forward (run, pixels, 1, &error));
      g_assert_cmpfloat (relative_error (fovea_cnn_run_get_logits (run), want, n_outputs),
                         <=, tolerance_rel);
    }
}

/* Both GEMMs (the same where the CPU lacks AVX-512) on one model. */
static void
test_parity (gconstpointer data)
{
  JsonObject *model = json_node_get_object ((JsonNode *) data);
  g_autofree char *dir = fovea_test_mkdtemp ();

  write_model (dir, model);
  check_model (model, dir, FOVEA_CNN_LOAD_DEFAULT);
  check_model (model, dir, FOVEA_CNN_LOAD_OPENBLAS);
  fovea_test_rmdir (dir);
}

/* The NCHW tensor as NHWC. */
static float *
to_nhwc (const FoveaTensorView *view)
{
  int n = (int) view->shape[0], c = (int) view->shape[1];
  int h = (int) view->shape[2], w = (int) view->shape[3];
  const float *in = view->data;
  float *out = g_new (float, view->n_elements);
  for (int b = 0; b < n; b++)
    for (int ch = 0; ch < c; ch++)
      for (int p = 0; p < h * w; p++)
        out[((gsize) b * h * w + p) * c + ch] = in[((gsize) b * c + ch) * h * w + p];
  return out;
}

static int
pair_member (JsonObject *spec, const char *name, int index)
{
  return (int) json_array_get_int_element (json_object_get_array_member (spec, name), index);
}

static const FoveaTensorView *
conv_tensor (FoveaSafetensors *st, const char *conv, const char *member)
{
  g_autofree char *name = g_strconcat (conv, ".", member, NULL);
  return fovea_safetensors_lookup (st, name);
}

/* One convolution of convs.safetensors, with packed weights when pack. */
static void
check_conv (JsonObject *spec, gboolean pack)
{
  const char *name = json_object_get_string_member (spec, "name");
  g_autoptr (FoveaSafetensors) st = open_fixture ("cnn/convs.safetensors");
  const FoveaTensorView *input = conv_tensor (st, name, "input");
  const FoveaTensorView *output = conv_tensor (st, name, "output");
  const FoveaTensorView *residual = conv_tensor (st, name, "residual");
  JsonNode *padding = json_object_get_member (spec, "padding");
  gboolean same = JSON_NODE_HOLDS_VALUE (padding);
  const char *act_name = json_object_get_string_member (spec, "act");
  FoveaAct act = strcmp (act_name, "relu") == 0 ? FOVEA_ACT_RELU
                 : strcmp (act_name, "relu6") == 0 ? FOVEA_ACT_RELU6 : FOVEA_ACT_NONE;
  FoveaConv conv = {
    .window = {
      pair_member (spec, "kernel", 0), pair_member (spec, "kernel", 1),
      pair_member (spec, "stride", 0), pair_member (spec, "stride", 1),
      pair_member (spec, "dilation", 0), pair_member (spec, "dilation", 1),
      same ? 0 : pair_member (spec, "padding", 0), same ? 0 : pair_member (spec, "padding", 1),
      same,
    },
    .in_channels = (int) json_object_get_int_member (spec, "in"),
    .out_channels = (int) json_object_get_int_member (spec, "out"),
    .groups = (int) json_object_get_int_member (spec, "groups"),
    .bias = conv_tensor (st, name, "bias")->data,
  };
  conv.depthwise = conv.groups > 1 && conv.groups == conv.in_channels &&
                   conv.groups == conv.out_channels;

  if (pack && !conv.depthwise)
    {
      if (!fovea_conv_gemm_supported ())
        {
          g_test_skip ("no AVX-512 on this CPU");
          return;
        }
      conv.panel_vectors = fovea_conv_gemm_panel_vectors (conv.out_channels / conv.groups);
    }
  /* 64-byte aligned, as the packed panels must be. */
  float *weight = g_aligned_alloc (fovea_conv_weight_size (&conv), sizeof (float), 64);
  fovea_conv_layout_weight (&conv, conv_tensor (st, name, "weight")->data, weight);
  if (conv.panel_vectors > 0)
    conv.packed = weight;
  else
    conv.weight = weight;

  int batch = (int) input->shape[0];
  FoveaWindowShape shape;
  fovea_window_shape (&conv.window, (int) input->shape[2], (int) input->shape[3], &shape);
  g_assert_cmpint (shape.out_h, ==, output->shape[2]);
  g_assert_cmpint (shape.out_w, ==, output->shape[3]);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (N_THREADS, &error);
  g_assert_no_error (error);
  g_autofree float *in = to_nhwc (input);
  g_autofree float *want = to_nhwc (output);
  g_autofree float *res = residual != NULL ? to_nhwc (residual) : NULL;
  g_autofree float *out = g_new (float, output->n_elements);
  g_autofree float *scratch = g_new (float, MAX (fovea_conv_scratch_size (&conv, &shape, batch,
                                                                          N_THREADS), 1));

  fovea_conv_forward (pool, &conv, &shape, batch, in, out, res, act, scratch);
  double rel = relative_error (out, want, output->n_elements);
  g_test_message ("%s%s: max relative difference %.2e", name, pack ? "" : " (OpenBLAS)", rel);
  g_assert_cmpfloat (rel, <=, tolerance_rel);
  g_aligned_free (weight);
}

static void
test_conv (gconstpointer data)
{
  check_conv (json_node_get_object ((JsonNode *) data), TRUE);
}

static void
test_conv_openblas (gconstpointer data)
{
  check_conv (json_node_get_object ((JsonNode *) data), FALSE);
}

/* A random resnet18 under the given architecture name in a new folder. */
static char *
write_resnet18 (const char *architecture, int num_classes, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = fovea_random_cnn_config_json (architecture, num_classes, NULL, NULL);
  g_assert_true (fovea_random_cnn_write (dir, json, FOVEA_DTYPE_F32, seed, &error));
  g_assert_no_error (error);
  return dir;
}

/* Runs dir's network on the fixture pixels at 64 × 48; returns a copy of
 * its outputs and (when features is not NULL) its pooled features. */
static float *
run_folder (const char *dir, int batch, int *n_outputs, float **features)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, batch, 64, 48, N_THREADS, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = pixels_for (batch, 64, 48);
  g_assert_true (fovea_cnn_forward (run, pixels, batch, &error));

  *n_outputs = fovea_cnn_run_get_n_outputs (run);
  if (features != NULL)
    *features = g_memdup2 (fovea_cnn_run_get_features (run),
                           sizeof (float) * batch * fovea_cnn_get_config (cnn)->num_features);
  return g_memdup2 (fovea_cnn_run_get_logits (run), sizeof (float) * batch * *n_outputs);
}

/* timm's resnet names are torchvision's: the same file loads under both
 * architecture names and gives the same logits. */
static void
test_timm_names_are_torchvision (void)
{
  g_autofree char *timm = write_resnet18 ("resnet18.a1_in1k", 10, 5);
  g_autofree char *tv = write_resnet18 ("torchvision/resnet18", 10, 5);
  int n_timm, n_tv;
  g_autofree float *a = run_folder (timm, 2, &n_timm, NULL);
  g_autofree float *b = run_folder (tv, 2, &n_tv, NULL);

  g_assert_cmpint (n_timm, ==, 10);
  g_assert_cmpint (n_tv, ==, 10);
  g_assert_cmpmem (a, sizeof (float) * 20, b, sizeof (float) * 20);
  fovea_test_rmdir (timm);
  fovea_test_rmdir (tv);
}

/* num_classes 0 outputs the pooled features: the same as the head's
 * input in the network with a head (the generator draws the head last, so
 * the convolutions are the same). */
static void
test_headless (void)
{
  g_autofree char *headed = write_resnet18 ("resnet18", 6, 9);
  g_autofree char *headless = write_resnet18 ("resnet18", 0, 9);
  g_autofree float *features = NULL;
  int n_headed, n_headless;
  g_autofree float *logits = run_folder (headed, 2, &n_headed, &features);
  g_autofree float *pooled = run_folder (headless, 2, &n_headless, NULL);

  g_assert_cmpint (n_headed, ==, 6);
  g_assert_cmpint (n_headless, ==, 512);
  g_assert_cmpmem (pooled, sizeof (float) * 2 * 512, features, sizeof (float) * 2 * 512);

  /* and the logits are fc (features) */
  g_autofree char *path = g_build_filename (headed, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const float *weight = fovea_safetensors_lookup (st, "fc.weight")->data;
  const float *bias = fovea_safetensors_lookup (st, "fc.bias")->data;
  for (int b = 0; b < 2; b++)
    for (int k = 0; k < 6; k++)
      {
        double sum = bias[k];
        for (int i = 0; i < 512; i++)
          sum += (double) weight[k * 512 + i] * features[b * 512 + i];
        g_assert_cmpfloat (fabs (sum - logits[b * 6 + k]), <=, 1e-4 * (1 + fabs (sum)));
      }
  fovea_test_rmdir (headed);
  fovea_test_rmdir (headless);
}

/* Weights already in memory (as a converted PyTorch checkpoint comes) and
 * a config from the architecture alone (a bare file with --arch) give
 * the same network as the folder. */
static void
test_new_from_memory (void)
{
  g_autofree char *dir = write_resnet18 ("torchvision/resnet18", 4, 6);
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_new_from_bytes (bytes, "checkpoint.pt",
                                                                     &error);
  g_assert_no_error (error);
  FoveaCnnConfig config;
  g_assert_true (fovea_cnn_config_init (&config, "torchvision/resnet18", 4, &error));

  g_autoptr (FoveaCnn) cnn = fovea_cnn_new (&config, st, "checkpoint.pt", 0, &error);
  g_assert_no_error (error);
  fovea_cnn_config_clear (&config);
  g_assert_null (fovea_cnn_get_sha256 (cnn));
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, 2, 64, 48, N_THREADS, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = pixels_for (2, 64, 48);
  g_assert_true (fovea_cnn_forward (run, pixels, 2, &error));

  int n_outputs;
  g_autofree float *want = run_folder (dir, 2, &n_outputs, NULL);
  g_assert_cmpint (fovea_cnn_run_get_n_outputs (run), ==, n_outputs);
  g_assert_cmpmem (fovea_cnn_run_get_logits (run), sizeof (float) * 2 * n_outputs,
                   want, sizeof (float) * 2 * n_outputs);

  /* The config says the head's width: another is refused by name. */
  g_assert_true (fovea_cnn_config_init (&config, "torchvision/resnet18", 5, &error));
  g_autoptr (FoveaCnn) wrong = fovea_cnn_new (&config, st, "checkpoint.pt", 0, &error);
  g_assert_null (wrong);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS);
  fovea_test_assert_contains (error->message, "checkpoint.pt: tensor fc.weight has shape [4, 512]");
  fovea_cnn_config_clear (&config);
  fovea_test_rmdir (dir);
}

static void
config_fails (const char *json, const char *needle)
{
  FoveaCnnConfig config;
  g_autoptr (GError) error = NULL;
  g_assert_false (fovea_cnn_config_load_data (&config, json, -1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG);
  fovea_test_assert_contains (error->message, needle);
}

static void
test_config (void)
{
  /* As timm publishes resnet50.a1_in1k. */
  static const char hub[] =
    "{\"architecture\": \"resnet50.a1_in1k\", \"num_classes\": 1000, \"num_features\": 2048,"
    " \"global_pool\": \"avg\", \"pretrained_cfg\": {\"tag\": \"a1_in1k\","
    " \"custom_load\": false, \"input_size\": [3, 224, 224], \"test_input_size\": [3, 288, 288],"
    " \"fixed_input_size\": false, \"interpolation\": \"bicubic\", \"crop_pct\": 0.95,"
    " \"crop_mode\": \"center\", \"mean\": [0.485, 0.456, 0.406],"
    " \"std\": [0.229, 0.224, 0.225], \"num_classes\": 1000, \"pool_size\": [7, 7],"
    " \"first_conv\": \"conv1\", \"classifier\": \"fc\", \"origin_url\": \"x\"}}";
  FoveaCnnConfig config;
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_cnn_config_load_data (&config, hub, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config.family, ==, FOVEA_CNN_RESNET);
  g_assert_cmpint (config.naming, ==, FOVEA_CNN_NAMES_TIMM);
  g_assert_cmpint (config.depth, ==, 50);
  g_assert_cmpint (config.num_features, ==, 2048);
  g_assert_cmpint (config.global_pool, ==, FOVEA_CNN_POOL_AVG);
  g_assert_false (config.same_padding);
  g_assert_cmpfloat (config.bn_eps, ==, 1e-5);
  g_assert_cmpint (config.pretrained.interpolation, ==, FOVEA_RESIZE_BICUBIC);
  g_assert_cmpfloat (config.pretrained.crop_pct, ==, 0.95);
  g_assert_cmpfloat_with_epsilon (config.pretrained.std[2], 0.225, 1e-7);
  fovea_cnn_config_clear (&config);

  /* torchvision's, the TFLite conversion's settings; defaults otherwise. */
  g_assert_true (fovea_cnn_config_load_data (&config,
    "{\"architecture\": \"torchvision/mobilenet_v2\", \"num_classes\": 1001,"
    " \"model_args\": {\"pad_type\": \"same\", \"bn_eps\": 0.001, \"drop_rate\": 0.2},"
    " \"pretrained_cfg\": {\"mean\": [0.5, 0.5, 0.5], \"std\": [0.5, 0.5, 0.5]}}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config.family, ==, FOVEA_CNN_MOBILENETV2);
  g_assert_cmpint (config.naming, ==, FOVEA_CNN_NAMES_TORCHVISION);
  g_assert_cmpint (config.num_classes, ==, 1001);
  g_assert_cmpint (config.num_features, ==, 1280);
  g_assert_true (config.same_padding);
  g_assert_cmpfloat (config.bn_eps, ==, 0.001);
  g_assert_cmpint (config.pretrained.input_size[1], ==, 224);
  g_assert_cmpint (config.pretrained.interpolation, ==, FOVEA_RESIZE_BILINEAR);
  g_assert_cmpfloat (config.pretrained.crop_pct, ==, 0.875);
  g_assert_cmpfloat (config.pretrained.mean[0], ==, 0.5f);
  fovea_cnn_config_clear (&config);

  g_assert_true (fovea_cnn_architecture_is_known ("mobilenetv2_100.ra_in1k"));
  g_assert_true (fovea_cnn_architecture_is_known ("torchvision/resnet34"));
  g_assert_false (fovea_cnn_architecture_is_known ("torchvision/mobilenetv2_100"));
  g_assert_false (fovea_cnn_architecture_is_known ("mobilenet_v2"));
  g_assert_false (fovea_cnn_architecture_is_known ("vit_base_patch16_224"));

  config_fails ("{\"architecture\": \"resnet101\"}", "resnet101");
  config_fails ("{\"architecture\": \"torchvision/resnet50.tag\"}", "resnet50.tag");
  config_fails ("{\"num_classes\": 3}", "architecture");
  config_fails ("{\"architecture\": \"resnet18\", \"model_args\": {\"pad_type\": \"valid\"}}",
                "model_args.pad_type");
  config_fails ("{\"architecture\": \"resnet18\", \"global_pool\": \"catavgmax\"}",
                "global_pool");
  config_fails ("{\"architecture\": \"resnet18\", \"model_args\": {\"stem_type\": \"deep\"}}",
                "model_args.stem_type");
  config_fails ("{\"architecture\": \"resnet18\", \"model_args\": {\"bn_eps\": -1}}",
                "model_args.bn_eps");
  config_fails ("{\"architecture\": \"resnet18\", \"num_classes\": \"5\"}", "num_classes");
  config_fails ("{\"architecture\": \"resnet18\", \"pretrained_cfg\": "
                "{\"input_size\": [1, 224, 224]}}", "input_size has 1 channels");
  config_fails ("{\"architecture\": \"resnet18\", \"pretrained_cfg\": {\"std\": [1, 0, 1]}}",
                "pretrained_cfg.std");
  config_fails ("{\"architecture\": \"resnet18\"", "config.json");
}

/* The tensors the engine asks for are PyTorch's state dict, less the
 * num_batches_tracked counters: 53 convolutions and BatchNorms and fc in
 * a ResNet-50 (267 tensors), 52 and classifier.1 in a MobileNetV2. */
static void
count_tensor (const char *name, FoveaCnnTensorRole role, int n_dims, const gint64 *shape,
              gpointer data)
{
  (*(int *) data)++;
}

static void
test_tensor_list (void)
{
  static const struct { const char *architecture; int num_classes, tensors; } cases[] = {
    { "resnet50", 1000, 53 * 5 + 2 }, { "torchvision/resnet18", 0, 20 * 5 },
    { "torchvision/mobilenet_v2", 1000, 52 * 5 + 2 }, { "mobilenetv2_100", 3, 52 * 5 + 2 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FoveaCnnConfig config;
      g_autoptr (GError) error = NULL;
      int count = 0;
      g_assert_true (fovea_cnn_config_init (&config, cases[i].architecture,
                                            cases[i].num_classes, &error));
      fovea_cnn_config_foreach_tensor (&config, count_tensor, &count);
      g_assert_cmpint (count, ==, cases[i].tensors);
      fovea_cnn_config_clear (&config);
    }
}

/* Rewrites dir's model.safetensors through edit, which may drop, add or
 * change tensors (given as a GArray of views it may modify). */
typedef void (*EditFunc) (GArray *views, gpointer data);

static void
rewrite_weights (const char *dir, EditFunc edit, gpointer data)
{
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (FoveaTensorView));
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    g_array_append_val (views, *fovea_safetensors_get_nth (st, i));
  edit (views, data);
  g_assert_true (fovea_safetensors_write (path, (FoveaTensorView *) views->data, views->len,
                                          NULL, &error));
  g_assert_no_error (error);
}

static void
load_fails (const char *dir, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, 0, &error);
  g_assert_null (cnn);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS);
  fovea_test_assert_contains (error->message, needle);
}

static guint
find_view (GArray *views, const char *name)
{
  for (guint i = 0; i < views->len; i++)
    if (strcmp (g_array_index (views, FoveaTensorView, i).name, name) == 0)
      return i;
  g_assert_not_reached ();
}

static void
drop_tensor (GArray *views, gpointer name)
{
  g_array_remove_index (views, find_view (views, name));
}

static void
reshape_tensor (GArray *views, gpointer name)
{
  FoveaTensorView *view = &g_array_index (views, FoveaTensorView, find_view (views, name));
  /* [64, 64, 3, 3] read as [64, 576, 1, 1]: the same bytes */
  view->shape[1] *= view->shape[2] * view->shape[3];
  view->shape[2] = view->shape[3] = 1;
}

static void
add_tensor (GArray *views, gpointer name)
{
  FoveaTensorView view = g_array_index (views, FoveaTensorView, find_view (views, "fc.bias"));
  view.name = name;
  g_array_append_val (views, view);
}

static void
negate_variance (GArray *views, gpointer name)
{
  FoveaTensorView *view = &g_array_index (views, FoveaTensorView, find_view (views, name));
  float *copy = g_memdup2 (view->data, view->n_bytes);
  copy[3] = -2.0f;
  view->data = copy;
  g_test_queue_free (copy);
}

static void
test_strict_weights (void)
{
  static const struct {
    EditFunc    edit;
    const char *tensor;
    const char *needle;
  } cases[] = {
    { drop_tensor, "layer2.0.downsample.1.running_var", "layer2.0.downsample.1.running_var is missing" },
    { drop_tensor, "fc.weight", "fc.weight is missing" },
    { reshape_tensor, "layer1.1.conv2.weight", "[64, 576, 1, 1]" },
    { add_tensor, "layer1.0.bn1.extra", "layer1.0.bn1.extra is not part of a resnet18" },
    { negate_variance, "layer3.1.bn2.running_var", "layer3.1.bn2.running_var has -2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = write_resnet18 ("resnet18", 4, 3);
      rewrite_weights (dir, cases[i].edit, (gpointer) cases[i].tensor);
      load_fails (dir, cases[i].needle);
      fovea_test_rmdir (dir);
    }

  /* num_batches_tracked, which training alone reads, is ignored. */
  g_autofree char *dir = write_resnet18 ("resnet18", 4, 3);
  rewrite_weights (dir, add_tensor, "layer1.0.bn1.num_batches_tracked");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cnn);

  /* A head in the file of a headless config is refused. */
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *json = fovea_random_cnn_config_json ("resnet18", 0, NULL, NULL);
  g_assert_true (g_file_set_contents (config, json, -1, &error));
  load_fails (dir, "fc.weight is not part of a resnet18 with this config (num_classes 0");
  fovea_test_rmdir (dir);
}

static void
test_bad_input (void)
{
  g_autofree char *dir = write_resnet18 ("resnet18", 4, 3);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, 0, &error);
  g_assert_no_error (error);

  g_assert_null (fovea_cnn_run_new (cnn, 0, 64, 64, 1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_null (fovea_cnn_run_new (cnn, 1 << 20, 4096, 4096, 1, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);

  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, 2, 32, 32, 1, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = pixels_for (3, 32, 32);
  g_assert_false (fovea_cnn_forward (run, pixels, 3, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  fovea_test_rmdir (dir);
}

/* MobileNetV2's activations at 224 outweigh its weights, so a batch of 5
 * goes through the blocks in passes (of 2, 2, 1): the logits, pooled
 * features and feature maps must be those of each image alone. */
static void
test_batch_in_passes (void)
{
  JsonArray *models = json_object_get_array_member (manifest, "models");
  JsonObject *model = NULL;
  for (guint i = 0; i < json_array_get_length (models); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (models, i),
                                                    "name"), "tv-mobilenet-v2"))
      model = json_array_get_object_element (models, i);
  g_assert_nonnull (model);

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (GError) error = NULL;
  write_model (dir, model);
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (dir, 0, &error);
  g_assert_no_error (error);
  const int batch = 5, size = 224;
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, batch, size, size, N_THREADS, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaCnnRun) single = fovea_cnn_run_new (cnn, 1, size, size, N_THREADS, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = pixels_for (batch, size, size);
  g_assert_true (fovea_cnn_forward (run, pixels, batch, &error));

  int n_outputs = fovea_cnn_run_get_n_outputs (run), fh, fw, fc;
  int features = fovea_cnn_get_config (cnn)->num_features;
  const float *map = fovea_cnn_run_get_feature_map (run, &fh, &fw, &fc);
  gsize map_n = (gsize) fh * fw * fc, image_pixels = (gsize) 3 * size * size;
  for (int b = 0; b < batch; b++)
    {
      g_assert_true (fovea_cnn_forward (single, pixels + b * image_pixels, 1, &error));
      g_assert_cmpfloat (relative_error (fovea_cnn_run_get_logits (run) + (gsize) b * n_outputs,
                                         fovea_cnn_run_get_logits (single), n_outputs),
                         <=, 1e-6);
      g_assert_cmpfloat (relative_error (fovea_cnn_run_get_features (run) + (gsize) b * features,
                                         fovea_cnn_run_get_features (single), features),
                         <=, 1e-6);
      g_assert_cmpfloat (relative_error (map + b * map_n,
                                         fovea_cnn_run_get_feature_map (single, NULL, NULL, NULL),
                                         map_n),
                         <=, 1e-6);
    }
  fovea_test_rmdir (dir);
}

static void
add_manifest_tests (const char *list, const char *prefix, GTestDataFunc func)
{
  JsonArray *array = json_object_get_array_member (manifest, list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *path = g_strdup_printf ("%s/%s", prefix,
                                               json_object_get_string_member (
                                                 json_node_get_object (node), "name"));
      g_test_add_data_func (path, node, func);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  load_manifest ();

  add_manifest_tests ("models", "/cnn/parity", test_parity);
  add_manifest_tests ("convs", "/cnn/conv", test_conv);
  add_manifest_tests ("convs", "/cnn/conv-openblas", test_conv_openblas);
  g_test_add_func ("/cnn/timm-names-are-torchvision", test_timm_names_are_torchvision);
  g_test_add_func ("/cnn/headless", test_headless);
  g_test_add_func ("/cnn/new-from-memory", test_new_from_memory);
  g_test_add_func ("/cnn/config", test_config);
  g_test_add_func ("/cnn/tensor-list", test_tensor_list);
  g_test_add_func ("/cnn/strict-weights", test_strict_weights);
  g_test_add_func ("/cnn/bad-input", test_bad_input);
  g_test_add_func ("/cnn/batch-in-passes", test_batch_in_passes);

  int status = g_test_run ();
  json_object_unref (manifest);
  return status;
}
