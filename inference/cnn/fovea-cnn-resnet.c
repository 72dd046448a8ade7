/* fovea-cnn-resnet.c: the ResNets, laid out as torchvision builds them
 * (timm's resnet18/34/50 are the same networks under the same tensor
 * names):
 *
 *   conv1 7×7/2, bn1, ReLU, max pool 3×3/2
 *   layer1..layer4: BasicBlock (18, 34) or Bottleneck (50), the first
 *     block of layers 2-4 with stride 2 and a downsample (1×1 conv + BN)
 *   global pool, fc
 *
 * The Bottleneck is "ResNet v1.5": the stride is on its 3×3 convolution. */
#define G_LOG_DOMAIN "fovea-cnn-resnet"

#include "fovea-cnn-private.h"

#define STEM_CHANNELS 64

typedef struct {
  FoveaCnn *cnn;
  GArray   *sources;
} Builder;

static void
add_conv (Builder *b, FoveaCnnBlock *block, FoveaConv *conv, char *conv_name, char *bn_name,
          int in, int out, int kernel, int stride)
{
  FoveaCnnConvSource source = { conv, conv_name, bn_name };
  fovea_cnn_conv_init (b->cnn, conv, in, out, kernel, stride, 1);
  g_array_append_val (b->sources, source);
}

/* Block `index` of layer `layer` (both from 1 and 0, as the names). */
static void
describe_block (Builder *b, FoveaCnnBlock *block, int layer, int index, gboolean bottleneck,
                int in, int planes, int stride)
{
  int out = bottleneck ? 4 * planes : planes;
  g_autofree char *prefix = g_strdup_printf ("layer%d.%d", layer, index);

  if (bottleneck)
    {
      add_conv (b, block, &block->convs[0], g_strconcat (prefix, ".conv1", NULL),
                g_strconcat (prefix, ".bn1", NULL), in, planes, 1, 1);
      add_conv (b, block, &block->convs[1], g_strconcat (prefix, ".conv2", NULL),
                g_strconcat (prefix, ".bn2", NULL), planes, planes, 3, stride);
      add_conv (b, block, &block->convs[2], g_strconcat (prefix, ".conv3", NULL),
                g_strconcat (prefix, ".bn3", NULL), planes, out, 1, 1);
      block->n_convs = 3;
    }
  else
    {
      add_conv (b, block, &block->convs[0], g_strconcat (prefix, ".conv1", NULL),
                g_strconcat (prefix, ".bn1", NULL), in, planes, 3, stride);
      add_conv (b, block, &block->convs[1], g_strconcat (prefix, ".conv2", NULL),
                g_strconcat (prefix, ".bn2", NULL), planes, out, 3, 1);
      block->n_convs = 2;
    }
  for (int i = 0; i < block->n_convs; i++)
    block->acts[i] = FOVEA_ACT_RELU;

  block->has_downsample = stride != 1 || in != out;
  block->identity_shortcut = !block->has_downsample;
  if (block->has_downsample)
    add_conv (b, block, &block->downsample, g_strconcat (prefix, ".downsample.0", NULL),
              g_strconcat (prefix, ".downsample.1", NULL), in, out, 1, stride);
}

void
fovea_cnn_resnet_describe (FoveaCnn *cnn, GArray *sources)
{
  static const int basic_counts[2][4] = { { 2, 2, 2, 2 }, { 3, 4, 6, 3 } };
  const FoveaCnnConfig *c = &cnn->config;
  gboolean bottleneck = c->depth == 50;
  const int *counts = basic_counts[c->depth == 18 ? 0 : 1];
  Builder b = { cnn, sources };

  cnn->n_blocks = 1 + counts[0] + counts[1] + counts[2] + counts[3];
  cnn->blocks = g_new0 (FoveaCnnBlock, cnn->n_blocks);

  FoveaCnnBlock *stem = &cnn->blocks[0];
  add_conv (&b, stem, &stem->convs[0], g_strdup ("conv1"), g_strdup ("bn1"), c->in_chans,
            STEM_CHANNELS, 7, 2);
  stem->n_convs = 1;
  stem->acts[0] = FOVEA_ACT_RELU;
  cnn->max_pool_after = 0;
  cnn->max_pool = (FoveaWindow) { 3, 3, 2, 2, 1, 1, 1, 1, c->same_padding };

  int in = STEM_CHANNELS, next = 1;
  for (int layer = 0; layer < 4; layer++)
    {
      int planes = STEM_CHANNELS << layer;
      for (int i = 0; i < counts[layer]; i++)
        {
          int stride = layer > 0 && i == 0 ? 2 : 1;
          describe_block (&b, &cnn->blocks[next++], layer + 1, i, bottleneck, in, planes, stride);
          in = bottleneck ? 4 * planes : planes;
        }
    }
  cnn->head_name = g_strdup ("fc");
}
