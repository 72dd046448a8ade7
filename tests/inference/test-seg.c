/* test-seg.c: the segmentation engine (a Unet on MobileNetV2, smp's
 * layout) against tests/scripts/torch_seg.py on the same seeded random
 * weights and pixels (tests/scripts/make-seg-fixtures.py), its
 * probabilities, its config reader and strict loading.
 *
 * The weights are regenerated here with the generator that wrote them for
 * the script (tools/fovea-random-seg.c), from the manifest's seeds. */
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-optim.h"
#include "fovea-safetensors.h"
#include "fovea-seg.h"
#include "fovea-seg-kernels.h"
#include "fovea-seg-loss.h"
#include "fovea-seg-tiles.h"
#include "fovea-train-cnn.h"
#include "fovea-test-common.h"
#include "tools/fovea-random-cnn.h"
#include "tools/fovea-random-seg.h"
#include "tools/fovea-random-tensors.h"

#define N_THREADS 3

static JsonObject *manifest;
static double tolerance_abs;

static void
load_manifest (void)
{
  g_autofree char *path = fovea_test_fixture_path ("seg/manifest.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  manifest = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  tolerance_abs = json_object_get_double_member (manifest, "tolerance_abs");
}

static char *
case_config_json (JsonObject *spec)
{
  JsonArray *channels = json_object_get_array_member (spec, "decoder_channels");
  int decoder[FOVEA_SEG_DECODER_BLOCKS];
  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    decoder[i] = (int) json_array_get_int_element (channels, i);
  return fovea_random_seg_config_json ((int) json_object_get_int_member (spec, "classes"),
                                       decoder,
                                       json_object_get_string_member (spec, "activation"),
                                       224);
}

/* max |a - b|. */
static double
max_abs_error (const float *a, const double *b, gsize n)
{
  double worst = 0;
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) a[i] - b[i]));
  return worst;
}

static void
test_parity (gconstpointer data)
{
  JsonObject *spec = (JsonObject *) data;
  const char *name = json_object_get_string_member (spec, "name");
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = case_config_json (spec);
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_random_seg_write (dir, json, FOVEA_DTYPE_F32,
                                         (guint64) json_object_get_int_member (spec, "seed"),
                                         &error));
  g_assert_no_error (error);

  int batch = (int) json_object_get_int_member (spec, "batch");
  JsonArray *size = json_object_get_array_member (spec, "size");
  int height = (int) json_array_get_int_element (size, 0);
  int width = (int) json_array_get_int_element (size, 1);
  int classes = (int) json_object_get_int_member (spec, "classes");
  gsize n_pixels = (gsize) batch * 3 * height * width;
  gsize n = (gsize) batch * height * width * classes;
  g_autofree float *pixels = g_new (float, n_pixels);
  fovea_random_cnn_pixels (pixels, n_pixels,
                           (guint64) json_object_get_int_member (manifest, "pixel_seed"));

  g_autofree char *relative = g_strdup_printf ("seg/cases/%s.safetensors", name);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (FoveaSafetensors) expected = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *view = fovea_safetensors_lookup (expected, "logits");
  g_assert_nonnull (view);
  g_assert_cmpuint (view->n_elements, ==, n);
  g_autofree double *reference = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    reference[i] = ((const float *) view->data)[i];

  for (int openblas = 0; openblas < 2; openblas++)
    {
      g_autoptr (FoveaSeg) seg = fovea_seg_load (dir, openblas ? FOVEA_CNN_LOAD_OPENBLAS
                                                               : FOVEA_CNN_LOAD_DEFAULT,
                                                 &error);
      g_assert_no_error (error);
      g_autoptr (FoveaSegRun) run = fovea_seg_run_new (seg, batch, height, width, N_THREADS,
                                                       &error);
      g_assert_no_error (error);
      g_assert_true (fovea_seg_forward (run, pixels, batch, &error));
      g_assert_no_error (error);

      double worst = max_abs_error (fovea_seg_run_get_logits (run), reference, n);
      g_test_message ("%s%s: logits max abs error %.3g", name, openblas ? " (OpenBLAS)" : "",
                      worst);
      g_assert_cmpfloat (worst, <=, tolerance_abs);

      /* The probabilities: the reference's logits through the config's
       * activation, one plane per class. */
      gboolean softmax = fovea_seg_get_config (seg)->activation == FOVEA_SEG_SOFTMAX;
      const float *probabilities = fovea_seg_run_get_probabilities (run);
      gsize plane = (gsize) height * width;
      double worst_p = 0;
      for (int b = 0; b < batch; b++)
        for (gsize p = 0; p < plane; p++)
          {
            const double *z = reference + ((gsize) b * plane + p) * classes;
            double sum = 0;
            for (int c = 0; c < classes; c++)
              sum += exp (z[c]);
            for (int c = 0; c < classes; c++)
              {
                double want = softmax ? exp (z[c]) / sum : 1 / (1 + exp (-z[c]));
                double got = probabilities[((gsize) b * classes + c) * plane + p];
                worst_p = MAX (worst_p, fabs (got - want));
              }
          }
      g_test_message ("%s: probabilities max abs error %.3g", name, worst_p);
      g_assert_cmpfloat (worst_p, <=, tolerance_abs);
    }
  fovea_test_rmdir (dir);
}

/* Upsampling with concatenation against a direct loop, and its backward
 * against the sum it is. */
static void
test_upsample_concat (void)
{
  enum { B = 2, H = 3, W = 5, C = 4, S = 3 };
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPool) pool = fovea_pool_new (N_THREADS, &error);
  float in[B * H * W * C], skip[B * 4 * H * W * S], out[B * 4 * H * W * (C + S)];
  float d_in[B * H * W * C], d_skip[B * 4 * H * W * S];
  guint64 seed = 5;

  for (gsize i = 0; i < G_N_ELEMENTS (in); i++)
    in[i] = fovea_random_uniform (&seed);
  for (gsize i = 0; i < G_N_ELEMENTS (skip); i++)
    skip[i] = fovea_random_uniform (&seed);
  fovea_upsample_concat_forward (pool, out, in, skip, B, H, W, C, S);
  for (int b = 0; b < B; b++)
    for (int y = 0; y < 2 * H; y++)
      for (int x = 0; x < 2 * W; x++)
        {
          const float *o = out + (((gsize) b * 2 * H + y) * 2 * W + x) * (C + S);
          for (int c = 0; c < C; c++)
            g_assert_cmpfloat (o[c], ==, in[(((gsize) b * H + y / 2) * W + x / 2) * C + c]);
          for (int c = 0; c < S; c++)
            g_assert_cmpfloat (o[C + c], ==, skip[(((gsize) b * 2 * H + y) * 2 * W + x) * S + c]);
        }

  /* With d_out = out, d_in sums the four copies of each input (4 · in)
   * and d_skip is skip itself. */
  fovea_upsample_concat_backward (pool, d_in, d_skip, out, B, H, W, C, S, FALSE, FALSE);
  for (gsize i = 0; i < G_N_ELEMENTS (in); i++)
    g_assert_cmpfloat (fabsf (d_in[i] - 4 * in[i]), <=, 1e-6f);
  for (gsize i = 0; i < G_N_ELEMENTS (skip); i++)
    g_assert_cmpfloat (d_skip[i], ==, skip[i]);
}

static const float *
loss_tensor (FoveaSafetensors *st, const char *name, gsize n)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  g_assert_nonnull (view);
  g_assert_cmpuint (view->n_elements, ==, n);
  return view->data;
}

/* One loss and its gradient against PyTorch's autograd; a second call
 * with weight 2 adds twice the gradient to the first's. */
static void
check_loss (FoveaSafetensors *st, const char *name, gboolean dice, gboolean masked)
{
  JsonObject *spec = json_object_get_object_member (manifest, "losses");
  JsonArray *shape = json_object_get_array_member (spec, "shape");
  int batch = (int) json_array_get_int_element (shape, 0);
  gsize pixels = (gsize) json_array_get_int_element (shape, 1) *
                 json_array_get_int_element (shape, 2);
  int classes = (int) json_array_get_int_element (shape, 3);
  gsize n = batch * pixels * classes;
  double smooth = json_object_get_double_member (spec, "dice_smooth");
  const float *logits = loss_tensor (st, "logits", n);
  const float *targets = loss_tensor (st, "targets", n);
  const float *mask = masked ? loss_tensor (st, "mask", batch * pixels) : NULL;
  const float *weights = masked ? loss_tensor (st, "class_weights", classes) : NULL;
  g_autofree char *grad_name = g_strconcat (name, ".grad", NULL);
  const float *want = loss_tensor (st, grad_name, n);
  g_autofree float *grad = g_new0 (float, n);

  for (int round = 1; round <= 2; round++)
    {
      double loss = dice ? fovea_seg_loss_dice (logits, targets, mask, batch, pixels, classes,
                                                smooth, round, grad)
                         : fovea_seg_loss_bce (logits, targets, mask, batch, pixels, classes,
                                               weights, round, grad);
      g_assert_cmpfloat (fabs (loss - loss_tensor (st, name, 1)[0]), <=, 1e-6);
      double worst = 0;
      for (gsize i = 0; i < n; i++)
        worst = MAX (worst, fabs (grad[i] - (round == 1 ? 1 : 3) * (double) want[i]));
      if (round == 1)
        g_test_message ("%s: loss %.6f, gradient max abs error %.3g", name, loss, worst);
      g_assert_cmpfloat (worst, <=, 1e-7);
    }
}

static void
test_losses (void)
{
  g_autofree char *path = fovea_test_fixture_path ("seg/losses.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);

  check_loss (st, "bce", FALSE, TRUE);
  check_loss (st, "bce.unmasked", FALSE, FALSE);
  check_loss (st, "dice", TRUE, TRUE);
  check_loss (st, "dice.unmasked", TRUE, FALSE);

  /* An empty mask: no loss, no gradient. */
  float z[2] = { 1, -1 }, t[2] = { 1, 0 }, m[2] = { 0, 0 }, d[2] = { 0, 0 };
  g_assert_cmpfloat (fovea_seg_loss_bce (z, t, m, 1, 2, 1, NULL, 1, d), ==, 0);
  g_assert_cmpfloat (d[0], ==, 0);
  g_assert_cmpfloat (d[1], ==, 0);
}

/* pos_weight, worked by hand at z = 0 (softplus ln 2, sigmoid 1/2), p = 3,
 * one class, two pixels: a positive costs 3 ln 2 with gradient
 * 3 · 1/2 − 3 = −1.5, a negative ln 2 with 1/2; halved by the mean. All
 * ones is plain BCE. */
static void
test_bce_pos_weight (void)
{
  const float z[2] = { 0, 0 }, t[2] = { 1, 0 }, p[1] = { 3 };
  float d[2] = { 0, 0 };
  double loss = fovea_seg_loss_bce_pos (z, t, NULL, 1, 2, 1, NULL, p, 1, d);
  g_assert_cmpfloat_with_epsilon (loss, (3 * G_LN2 + G_LN2) / 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (d[0], -0.75, 1e-7);
  g_assert_cmpfloat_with_epsilon (d[1], 0.25, 1e-7);

  const float logits[6] = { -2.5f, 0.3f, 1.7f, 0.1f, -0.4f, 3.0f };
  const float targets[6] = { 1, 0, 1, 0, 0, 1 }, ones[2] = { 1, 1 };
  float a[6] = { 0 }, b[6] = { 0 };
  double plain = fovea_seg_loss_bce (logits, targets, NULL, 1, 3, 2, NULL, 1, a);
  double unit = fovea_seg_loss_bce_pos (logits, targets, NULL, 1, 3, 2, NULL, ones, 1, b);
  g_assert_cmpfloat (plain, ==, unit);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
}

/* Saves model to out_dir, loads it with fovea_seg_load and checks that
 * its probabilities are the trainable model's (eval form: BatchNorm
 * frozen) on pixels, within tolerance × max (1, largest |logit|): float
 * rounding grows with the activations, which an untrained decoder
 * (BatchNorm as identity) lets grow to hundreds. Returns the largest
 * difference. */
static double
check_saved (FoveaTrainCnn *model, const char *out_dir, const float *pixels, int batch,
             int height, int width, int classes, gboolean softmax, double tolerance)
{
  g_autoptr (GError) error = NULL;
  gsize plane = (gsize) height * width;

  g_assert_true (fovea_train_cnn_save (model, out_dir, NULL, &error));
  g_assert_no_error (error);
  const float *logits = fovea_train_cnn_forward (model, pixels, batch, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSeg) seg = fovea_seg_load (out_dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_seg_get_config (seg)->classes, ==, classes);
  g_autoptr (FoveaSegRun) run = fovea_seg_run_new (seg, batch, height, width, N_THREADS, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_seg_forward (run, pixels, batch, &error));
  const float *probs = fovea_seg_run_get_probabilities (run);
  double worst = 0, scale = 0;
  for (int b = 0; b < batch; b++)
    for (gsize p = 0; p < plane; p++)
      {
        const float *z = logits + ((gsize) b * plane + p) * classes;
        for (int c = 0; c < classes; c++)
          scale = MAX (scale, fabsf (z[c]));
        double top = z[0], sum = 0;
        for (int c = 1; c < classes; c++)
          top = MAX (top, z[c]);
        for (int c = 0; c < classes; c++)
          sum += exp (z[c] - top);
        for (int c = 0; c < classes; c++)
          {
            double want = softmax ? exp (z[c] - top) / sum : 1.0 / (1.0 + exp (-z[c]));
            double got = probs[((gsize) b * classes + c) * plane + p];
            worst = MAX (worst, fabs (got - want));
          }
      }
  g_test_message ("saved and reloaded: probabilities max abs difference %.3g (|logits| up "
                  "to %.3g)", worst, scale);
  g_assert_cmpfloat (worst, <=, tolerance * MAX (1.0, scale));
  return worst;
}

/* Training: the loss BCE + Dice of a Unet's logits, back-propagated
 * through the head, the decoder (upsampling, concatenation) and the whole
 * encoder, against PyTorch's autograd (eval-mode BatchNorm). */
static void
test_train_parity (void)
{
  JsonObject *spec = json_object_get_object_member (manifest, "train");
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = case_config_json (spec);
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_random_seg_write (dir, json, FOVEA_DTYPE_F32,
                                         (guint64) json_object_get_int_member (spec, "seed"),
                                         &error));
  g_assert_no_error (error);
  FoveaSegConfig config;
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  g_assert_true (fovea_seg_config_load_file (&config, config_path, &error));
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);

  int batch = (int) json_object_get_int_member (spec, "batch");
  JsonArray *size = json_object_get_array_member (spec, "size");
  int height = (int) json_array_get_int_element (size, 0);
  int width = (int) json_array_get_int_element (size, 1);
  int classes = (int) json_object_get_int_member (spec, "classes");
  FoveaTrainCnnSize train_size = { batch, height, width, N_THREADS };
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_seg (&config, weights, 0, &train_size,
                                                             &error);
  g_assert_no_error (error);
  fovea_seg_config_clear (&config);
  g_assert_cmpint (fovea_train_cnn_get_n_outputs (model), ==, height * width * classes);

  gsize n_pixels = (gsize) batch * 3 * height * width, n = (gsize) batch * height * width * classes;
  g_autofree float *pixels = g_new (float, n_pixels);
  fovea_random_cnn_pixels (pixels, n_pixels,
                           (guint64) json_object_get_int_member (manifest, "pixel_seed"));
  const float *logits = fovea_train_cnn_forward (model, pixels, batch, &error);
  g_assert_no_error (error);

  g_autofree char *path = fovea_test_fixture_path ("seg/train.safetensors");
  g_autoptr (FoveaSafetensors) expected = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const float *targets = loss_tensor (expected, "targets", n);
  JsonArray *weight_array = json_object_get_array_member (spec, "class_weights");
  g_autofree float *class_weights = g_new (float, classes);
  for (int c = 0; c < classes; c++)
    class_weights[c] = (float) json_array_get_double_element (weight_array, c);
  g_autofree float *dlogits = g_new0 (float, n);
  double smooth = json_object_get_double_member (json_object_get_object_member (manifest,
                                                                                "losses"),
                                                 "dice_smooth");
  gsize plane = (gsize) height * width;
  double loss = fovea_seg_loss_bce (logits, targets, NULL, batch, plane, classes, class_weights,
                                    1.0, dlogits) +
                fovea_seg_loss_dice (logits, targets, NULL, batch, plane, classes, smooth, 1.0,
                                     dlogits);
  g_test_message ("loss %.6f (PyTorch %.6f)", loss, loss_tensor (expected, "loss", 1)[0]);
  g_assert_cmpfloat (fabs (loss - loss_tensor (expected, "loss", 1)[0]), <=, 1e-5);

  fovea_train_cnn_zero_grad (model);
  fovea_train_cnn_backward (model, dlogits);

  int n_params;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n_params);
  JsonArray *names = json_object_get_array_member (spec, "params");
  double worst_all = 0;
  for (guint k = 0; k < json_array_get_length (names); k++)
    {
      const char *name = json_array_get_string_element (names, k);
      const FoveaTrainParam *param = NULL;
      for (int i = 0; i < n_params && param == NULL; i++)
        if (strcmp (params[i].name, name) == 0)
          param = &params[i];
      g_assert_nonnull (param);
      g_autofree char *grad_name = g_strconcat (name, ".grad", NULL);
      const float *want = loss_tensor (expected, grad_name, param->n);
      double worst = 0, scale = 0;
      for (gsize i = 0; i < param->n; i++)
        {
          worst = MAX (worst, fabs ((double) param->grad[i] - want[i]));
          scale = MAX (scale, fabs ((double) want[i]));
        }
      g_test_message ("%s: gradient max abs error %.3g (|grad| up to %.3g)", name, worst,
                      scale);
      worst_all = MAX (worst_all, worst);
      g_assert_cmpfloat (worst, <=, tolerance_abs * MAX (1.0, scale));
    }
  g_test_message ("gradients: max abs error %.3g over %u tensors", worst_all,
                  json_array_get_length (names));

  /* Two AdamW steps, then saved and read back by the inference engine. */
  FoveaAdamWConfig adamw = { 1e-3, 0.9, 0.999, 1e-8, 0.01 };
  g_autoptr (FoveaAdamW) opt = fovea_adamw_new (&adamw, params, n_params);
  for (int step = 0; step < 2; step++)
    {
      fovea_adamw_step (opt, params, n_params, 1e-3);
      logits = fovea_train_cnn_forward (model, pixels, batch, &error);
      g_assert_no_error (error);
      memset (dlogits, 0, sizeof (float) * n);
      fovea_seg_loss_bce (logits, targets, NULL, batch, plane, classes, class_weights, 1.0,
                          dlogits);
      fovea_train_cnn_zero_grad (model);
      fovea_train_cnn_backward (model, dlogits);
    }
  g_autofree char *out_dir = g_build_filename (dir, "saved", NULL);
  /* The fixture's network is well scaled: 1e-5 in probability, flat. */
  double worst = check_saved (model, out_dir, pixels, batch, height, width, classes,
               g_strcmp0 (json_object_get_string_member (spec, "activation"), "softmax") == 0,
               1e-5);
  g_assert_cmpfloat (worst, <=, 1e-5);
  fovea_test_rmdir (dir);
}

/* Tiled segmentation: one tile covering the image is the plain forward
 * pass exactly; overlapping tiles agree with the whole image's pass away
 * from the tiles' edges, as far as the network's context allows; an
 * image smaller than a tile is padded. */
static void
test_tiles (void)
{
  static const int decoder[FOVEA_SEG_DECODER_BLOCKS] = { 16, 8, 8, 4, 4 };
  enum { H = 128, W = 160, TILE = 64, OVERLAP = 32, CLASSES = 2 };
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = fovea_random_seg_config_json (CLASSES, decoder, "sigmoid", TILE);
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_random_seg_write (dir, json, FOVEA_DTYPE_F32, 7, &error));
  g_autoptr (FoveaSeg) seg = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegRun) tile_run = fovea_seg_run_new (seg, 1, TILE, TILE, N_THREADS, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegRun) whole_run = fovea_seg_run_new (seg, 1, H, W, N_THREADS, &error);
  g_assert_no_error (error);
  g_autofree float *pixels = g_new (float, 3 * H * W);
  fovea_random_cnn_pixels (pixels, 3 * H * W, 9);
  /* A smooth picture rather than noise, as a photograph is. */
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        pixels[((gsize) c * H + y) * W + x] = 0.2f * pixels[((gsize) c * H + y) * W + x] +
                                              sinf (0.05f * (x + 2 * y) + c);

  /* One tile, the whole image. */
  g_autofree float *single = g_new (float, CLASSES * TILE * TILE);
  g_autofree float *square = g_new (float, 3 * TILE * TILE);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < TILE; y++)
      memcpy (square + ((gsize) c * TILE + y) * TILE, pixels + ((gsize) c * H + y) * W,
              sizeof (float) * TILE);
  g_assert_true (fovea_seg_forward_tiled (tile_run, square, TILE, TILE, 0, single, &error));
  g_assert_true (fovea_seg_forward (tile_run, square, 1, &error));
  const float *plain = fovea_seg_run_get_probabilities (tile_run);
  for (gsize i = 0; i < CLASSES * TILE * TILE; i++)
    g_assert_cmpfloat (fabsf (single[i] - plain[i]), <=, 1e-6f);

  /* Overlapping tiles against the whole image, inside a margin. */
  g_autofree float *tiled = g_new (float, CLASSES * H * W);
  g_assert_true (fovea_seg_forward_tiled (tile_run, pixels, H, W, OVERLAP, tiled, &error));
  g_assert_no_error (error);
  g_assert_true (fovea_seg_forward (whole_run, pixels, 1, &error));
  const float *whole = fovea_seg_run_get_probabilities (whole_run);
  double worst = 0, sum = 0;
  gsize count = 0;
  for (int c = 0; c < CLASSES; c++)
    for (int y = OVERLAP / 2; y < H - OVERLAP / 2; y++)
      for (int x = OVERLAP / 2; x < W - OVERLAP / 2; x++)
        {
          gsize at = ((gsize) c * H + y) * W + x;
          g_assert_true (tiled[at] >= 0 && tiled[at] <= 1);
          worst = MAX (worst, fabs (tiled[at] - whole[at]));
          sum += fabs (tiled[at] - whole[at]);
          count++;
        }
  g_test_message ("tiled (%d px, overlap %d) vs whole %d×%d: interior max abs difference "
                  "%.3g, mean %.3g", TILE, OVERLAP, W, H, worst, sum / count);
  g_assert_cmpfloat (sum / count, <=, 0.05);

  /* Smaller than a tile: padded, still probabilities. */
  g_autofree float *small = g_new (float, CLASSES * 40 * 50);
  g_assert_true (fovea_seg_forward_tiled (tile_run, pixels, 40, 50, OVERLAP, small, &error));
  for (gsize i = 0; i < CLASSES * 40 * 50; i++)
    g_assert_true (small[i] >= 0 && small[i] <= 1);
  g_assert_false (fovea_seg_forward_tiled (tile_run, pixels, H, W, TILE, tiled, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  fovea_test_rmdir (dir);
}

static const FoveaTrainParam *
find_param (const FoveaTrainParam *params, int n_params, const char *name)
{
  for (int i = 0; i < n_params; i++)
    if (strcmp (params[i].name, name) == 0)
      return &params[i];
  return NULL;
}

/* A Unet started from a bare torchvision MobileNetV2 (as the bundled
 * ImageNet one; its classifier is not read): the encoder's values are
 * the file's under "encoder.", the decoder and head new; it trains. */
static void
test_train_from_encoder (void)
{
  static const int decoder[FOVEA_SEG_DECODER_BLOCKS] = { 8, 8, 4, 4, 4 };
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *cnn_json = fovea_random_cnn_config_json ("torchvision/mobilenet_v2", 10,
                                                            NULL, NULL);
  g_autofree char *seg_json = fovea_random_seg_config_json (1, decoder, NULL, 32);
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_random_cnn_write (dir, cnn_json, FOVEA_DTYPE_F32, 13, &error));
  g_assert_no_error (error);
  g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  FoveaSegConfig config;
  g_assert_true (fovea_seg_config_load_data (&config, seg_json, -1, &error));
  FoveaTrainCnnSize size = { 1, 32, 32, N_THREADS };
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_seg (&config, weights, 5, &size, &error);
  fovea_seg_config_clear (&config);
  g_assert_no_error (error);

  int n_params;
  const FoveaTrainParam *params = fovea_train_cnn_get_params (model, &n_params);
  const FoveaTrainParam *stem = find_param (params, n_params, "encoder.features.0.0.weight");
  const FoveaTensorView *file_stem = fovea_safetensors_lookup (weights, "features.0.0.weight");
  g_assert_nonnull (stem);
  g_assert_cmpuint (stem->n, ==, file_stem->n_elements);
  g_assert_cmpmem (stem->value, stem->n * sizeof (float), file_stem->data, file_stem->n_bytes);
  const FoveaTrainParam *head_bias = find_param (params, n_params, "segmentation_head.0.bias");
  const FoveaTrainParam *conv = find_param (params, n_params, "decoder.blocks.2.conv1.0.weight");
  g_assert_nonnull (head_bias);
  g_assert_nonnull (conv);
  g_assert_cmpfloat (head_bias->value[0], ==, 0.0f);
  double energy = 0;
  for (gsize i = 0; i < conv->n; i++)
    energy += conv->value[i] * conv->value[i];
  g_assert_cmpfloat (energy, >, 0);

  float pixels[3 * 32 * 32], targets[32 * 32];
  fovea_random_cnn_pixels (pixels, G_N_ELEMENTS (pixels), 3);
  for (int i = 0; i < 32 * 32; i++)
    targets[i] = (i / 32 + i % 32) % 5 == 0;
  const float *logits = fovea_train_cnn_forward (model, pixels, 1, &error);
  g_assert_no_error (error);
  float dlogits[32 * 32] = { 0 };
  double loss = fovea_seg_loss_dice (logits, targets, NULL, 1, 32 * 32, 1, 1.0, 1.0, dlogits);
  g_assert_true (isfinite (loss) && loss > 0);
  fovea_train_cnn_zero_grad (model);
  fovea_train_cnn_backward (model, dlogits);
  double grad = 0;
  for (gsize i = 0; i < stem->n; i++)
    grad += fabsf (stem->grad[i]);
  g_assert_true (isfinite (grad) && grad > 0);
  fovea_test_rmdir (dir);
}

/* An encoder with TensorFlow's SAME padding (the bundled ImageNet
 * MobileNetV2's, used here) is said so in config.json
 * (fovea_encoder_pad_type) and runs alike in the trainer and, once saved,
 * in the inference engine; SAME and PyTorch padding differ, so the member
 * is not decoration. */
static void
test_save_same_padding (void)
{
  static const int decoder[FOVEA_SEG_DECODER_BLOCKS] = { 8, 8, 4, 4, 4 };
  enum { H = 64, W = 96 };
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *plain_json = fovea_random_seg_config_json (2, decoder, NULL, 64);
  g_autoptr (GString) seg_json = g_string_new (plain_json);
  g_string_insert (seg_json, 1, "\"" FOVEA_SEG_PAD_MEMBER "\": \"same\", ");
  g_autoptr (GError) error = NULL;

  g_autofree char *weights_path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..",
                                                    "resources", "models",
                                                    "mobilenetv2-imagenet",
                                                    "model.safetensors", NULL);
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (weights_path, &error);
  g_assert_no_error (error);
  FoveaSegConfig same, plain;
  g_assert_true (fovea_seg_config_load_data (&same, seg_json->str, -1, &error));
  g_assert_no_error (error);
  g_assert_true (same.encoder.same_padding);
  g_assert_true (fovea_seg_config_load_data (&plain, plain_json, -1, &error));
  g_assert_false (plain.encoder.same_padding);
  FoveaTrainCnnSize size = { 1, H, W, N_THREADS };
  g_autoptr (FoveaTrainCnn) model = fovea_train_cnn_new_seg (&same, weights, 5, &size, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaTrainCnn) torch_pad = fovea_train_cnn_new_seg (&plain, weights, 5, &size,
                                                                 &error);
  g_assert_no_error (error);
  fovea_seg_config_clear (&same);
  fovea_seg_config_clear (&plain);

  g_autofree float *pixels = g_new (float, 3 * H * W);
  fovea_random_cnn_pixels (pixels, 3 * H * W, 4);
  g_autofree float *a = g_memdup2 (fovea_train_cnn_forward (model, pixels, 1, &error),
                                   sizeof (float) * H * W * 2);
  const float *b = fovea_train_cnn_forward (torch_pad, pixels, 1, &error);
  double differ = 0;
  for (int i = 0; i < H * W * 2; i++)
    differ = MAX (differ, fabs (a[i] - b[i]));
  g_test_message ("SAME against PyTorch padding: logits differ by up to %.3g", differ);
  g_assert_cmpfloat (differ, >, 1e-4);

  g_autofree char *out_dir = g_build_filename (dir, "saved", NULL);
  check_saved (model, out_dir, pixels, 1, H, W, 2, FALSE, 1e-6);
  FoveaSegConfig reread;
  g_autofree char *config_path = g_build_filename (out_dir, "config.json", NULL);
  g_assert_true (fovea_seg_config_load_file (&reread, config_path, &error));
  g_assert_true (reread.encoder.same_padding);
  fovea_seg_config_clear (&reread);
  fovea_test_rmdir (dir);
}

static const char *const good_config =
  "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", \"classes\": 4}";

static void
test_config (void)
{
  FoveaSegConfig config;
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_seg_config_load_data (&config, good_config, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (config.classes, ==, 4);
  g_assert_cmpint (config.in_channels, ==, 3);
  g_assert_cmpint (config.decoder_channels[0], ==, 256);
  g_assert_cmpint (config.decoder_channels[4], ==, 16);
  g_assert_cmpint (config.activation, ==, FOVEA_SEG_SIGMOID);
  g_assert_cmpfloat (config.pretrained.mean[0], ==, 0.485f);
  fovea_seg_config_clear (&config);

  /* Each refusal names the member. */
  static const struct { const char *json, *member; } bad[] = {
    { "{\"encoder_name\": \"mobilenet_v2\"}", "_model_class" },
    { "{\"_model_class\": \"FPN\", \"encoder_name\": \"mobilenet_v2\"}", "_model_class" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"resnet34\"}", "encoder_name" },
    { "{\"_model_class\": \"Unet\"}", "encoder_name" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"decoder_channels\": [1, 2, 3]}", "decoder_channels" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"decoder_attention_type\": \"scse\"}", "decoder_attention_type" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"activation\": \"tanh\"}", "activation" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"encoder_depth\": 4}", "encoder_depth" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"classes\": 0}", "classes" },
    { "{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
      "\"upsampling\": 4}", "upsampling" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) bad_error = NULL;
      g_assert_false (fovea_seg_config_load_data (&config, bad[i].json, -1, &bad_error));
      g_assert_nonnull (bad_error);
      g_assert_nonnull (strstr (bad_error->message, bad[i].member));
    }
}

/* A tensor missing, or one the model lacks, is refused by name; sizes
 * that are not multiples of 32 too. */
static void
test_strict (void)
{
  static const int decoder[FOVEA_SEG_DECODER_BLOCKS] = { 8, 8, 4, 4, 4 };
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *json = fovea_random_seg_config_json (1, decoder, NULL, 64);
  g_autoptr (GError) error = NULL;

  g_assert_true (fovea_random_seg_write (dir, json, FOVEA_DTYPE_F32, 3, &error));
  g_assert_no_error (error);
  g_autoptr (FoveaSeg) seg = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSegRun) run = fovea_seg_run_new (seg, 1, 48, 64, 1, &error);
  g_assert_null (run);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);

  /* Two classes in the config, one in the weights. */
  g_autofree char *two = fovea_random_seg_config_json (2, decoder, NULL, 64);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
  g_assert_true (g_file_set_contents (config_path, two, -1, NULL));
  g_autoptr (FoveaSeg) mismatched = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_null (mismatched);
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS);
  g_assert_nonnull (strstr (error->message, "segmentation_head.0.weight"));
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  load_manifest ();

  JsonArray *cases = json_object_get_array_member (manifest, "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *spec = json_array_get_object_element (cases, i);
      g_autofree char *path = g_strdup_printf ("/seg/parity/%s",
                                               json_object_get_string_member (spec, "name"));
      g_test_add_data_func (path, spec, test_parity);
    }
  g_test_add_func ("/seg/upsample-concat", test_upsample_concat);
  g_test_add_func ("/seg/losses", test_losses);
  g_test_add_func ("/seg/bce-pos-weight", test_bce_pos_weight);
  g_test_add_func ("/seg/tiles", test_tiles);
  g_test_add_func ("/seg/train-parity", test_train_parity);
  g_test_add_func ("/seg/train-from-encoder", test_train_from_encoder);
  g_test_add_func ("/seg/save-same-padding", test_save_same_padding);
  g_test_add_func ("/seg/config", test_config);
  g_test_add_func ("/seg/strict", test_strict);
  int status = g_test_run ();
  json_object_unref (manifest);
  return status;
}
