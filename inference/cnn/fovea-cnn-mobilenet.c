/* fovea-cnn-mobilenet.c: MobileNetV2 (width 1.0), under torchvision's
 * tensor names or timm's (mobilenetv2_100):
 *
 *   stem 3×3/2 conv → 32, BN, ReLU6      features.0.{0,1}       conv_stem, bn1
 *   17 inverted residual blocks          features.1 .. 17       blocks.S.B
 *   1×1 conv 320 → 1280, BN, ReLU6       features.18.{0,1}      conv_head, bn2
 *   global pool, linear                  classifier.1           classifier
 *
 * A block with expansion t: 1×1 expand (t > 1) + ReLU6, 3×3 depthwise
 * (stride s) + ReLU6, 1×1 projection, plus its input when the stride is 1
 * and the widths match. Its tensors, with expansion and without:
 *   torchvision  conv.0.{0,1} expand, conv.1.{0,1} dw, conv.2 + conv.3 project
 *                conv.0.{0,1} dw, conv.1 + conv.2 project
 *   timm         conv_pw/bn1, conv_dw/bn2, conv_pwl/bn3
 *                conv_dw/bn1, conv_pw/bn2 (a DepthwiseSeparableConv) */
#define G_LOG_DOMAIN "fovea-cnn-mobilenet"

#include "fovea-cnn-private.h"

#define STEM_CHANNELS 32
#define HEAD_CHANNELS 1280

/* The inverted residual settings: expansion, channels, blocks, stride. */
static const struct {
  int t, c, n, s;
} stages[] = {
  { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
  { 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
};

typedef struct {
  FoveaCnn *cnn;
  GArray   *sources;
  gboolean  timm;
} Builder;

/* Appends conv, with the names prefix + conv_suffix and prefix + bn_suffix. */
static void
add_conv (Builder *b, FoveaConv *conv, const char *prefix, const char *conv_suffix,
          const char *bn_suffix, int in, int out, int kernel, int stride, int groups)
{
  FoveaCnnConvSource source = {
    conv, g_strconcat (prefix, conv_suffix, NULL), g_strconcat (prefix, bn_suffix, NULL),
  };
  fovea_cnn_conv_init (b->cnn, conv, in, out, kernel, stride, groups);
  g_array_append_val (b->sources, source);
}

/* A block of one convolution + BN + ReLU6: the stem and the head. */
static void
describe_single (Builder *b, FoveaCnnBlock *block, const char *prefix, const char *conv_suffix,
                 const char *bn_suffix, int in, int out, int kernel, int stride)
{
  add_conv (b, &block->convs[0], prefix, conv_suffix, bn_suffix, in, out, kernel, stride, 1);
  block->n_convs = 1;
  block->acts[0] = FOVEA_ACT_RELU6;
}

static void
describe_inverted_residual (Builder *b, FoveaCnnBlock *block, const char *prefix,
                            int in, int out, int t, int stride)
{
  int hidden = in * t, n = 0;

  if (t != 1)
    {
      add_conv (b, &block->convs[n], prefix, b->timm ? ".conv_pw" : ".conv.0.0",
                b->timm ? ".bn1" : ".conv.0.1", in, hidden, 1, 1, 1);
      block->acts[n++] = FOVEA_ACT_RELU6;
    }
  const char *dw_conv = b->timm ? ".conv_dw" : t != 1 ? ".conv.1.0" : ".conv.0.0";
  const char *dw_bn = b->timm ? (t != 1 ? ".bn2" : ".bn1") : t != 1 ? ".conv.1.1" : ".conv.0.1";
  add_conv (b, &block->convs[n], prefix, dw_conv, dw_bn, hidden, hidden, 3, stride, hidden);
  block->acts[n++] = FOVEA_ACT_RELU6;

  const char *pw_conv = b->timm ? (t != 1 ? ".conv_pwl" : ".conv_pw")
                                : t != 1 ? ".conv.2" : ".conv.1";
  const char *pw_bn = b->timm ? (t != 1 ? ".bn3" : ".bn2") : t != 1 ? ".conv.3" : ".conv.2";
  add_conv (b, &block->convs[n], prefix, pw_conv, pw_bn, hidden, out, 1, 1, 1);
  block->acts[n++] = FOVEA_ACT_NONE;

  block->n_convs = n;
  block->identity_shortcut = stride == 1 && in == out;
}

void
fovea_cnn_mobilenet_describe (FoveaCnn *cnn, GArray *sources)
{
  const FoveaCnnConfig *c = &cnn->config;
  Builder b = { cnn, sources, c->naming == FOVEA_CNN_NAMES_TIMM };

  cnn->n_blocks = 2;
  for (gsize i = 0; i < G_N_ELEMENTS (stages); i++)
    cnn->n_blocks += stages[i].n;
  cnn->blocks = g_new0 (FoveaCnnBlock, cnn->n_blocks);
  cnn->max_pool_after = -1;

  if (b.timm)
    describe_single (&b, &cnn->blocks[0], "", "conv_stem", "bn1", c->in_chans,
                     STEM_CHANNELS, 3, 2);
  else
    describe_single (&b, &cnn->blocks[0], "features.0", ".0", ".1", c->in_chans,
                     STEM_CHANNELS, 3, 2);

  int in = STEM_CHANNELS, next = 1;
  for (gsize s = 0; s < G_N_ELEMENTS (stages); s++)
    for (int i = 0; i < stages[s].n; i++)
      {
        g_autofree char *prefix = b.timm ? g_strdup_printf ("blocks.%d.%d", (int) s, i)
                                         : g_strdup_printf ("features.%d", next);
        describe_inverted_residual (&b, &cnn->blocks[next++], prefix, in, stages[s].c,
                                    stages[s].t, i == 0 ? stages[s].s : 1);
        in = stages[s].c;
      }

  g_autofree char *head_prefix = g_strdup_printf ("features.%d", next);
  if (b.timm)
    describe_single (&b, &cnn->blocks[next], "", "conv_head", "bn2", in, HEAD_CHANNELS, 1, 1);
  else
    describe_single (&b, &cnn->blocks[next], head_prefix, ".0", ".1", in, HEAD_CHANNELS, 1, 1);
  cnn->head_name = g_strdup (b.timm ? "classifier" : "classifier.1");
}
