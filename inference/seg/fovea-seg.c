/* fovea-seg.c: loading a Unet: the encoder is the CNN engine's MobileNetV2
 * under "encoder.", and the decoder's and head's convolutions join its
 * list of sources, so that one strict loader folds and checks them all
 * (a tensor of the file that no part takes is refused by name). */
#define G_LOG_DOMAIN "fovea-seg"

#include "fovea-seg-private.h"

#include "fovea-model-weights.h"

#define ENCODER_PREFIX "encoder."
#define HEAD_NAME "segmentation_head.0"

/* features[:2], [2:4], [4:7], [7:14], [14:] of torchvision's MobileNetV2:
 * the blocks after which smp's mobilenet_v2 encoder gives its stages. */
const int fovea_seg_feature_blocks[FOVEA_SEG_N_FEATURES] = { 1, 3, 6, 13, 18 };

/* Output channels of each of those blocks. */
static const int feature_channels[FOVEA_SEG_N_FEATURES] = { 16, 24, 32, 96, 1280 };

static void
add_source (GArray *sources, FoveaConv *conv, char *conv_name, char *bn_name)
{
  FoveaCnnConvSource source = { conv, conv_name, bn_name };
  g_array_append_val (sources, source);
}

void
fovea_seg_describe_decoder (FoveaSeg *seg, GArray *sources)
{
  const FoveaSegConfig *c = &seg->config;
  int in = feature_channels[FOVEA_SEG_N_FEATURES - 1];

  for (int i = 0; i < FOVEA_SEG_DECODER_BLOCKS; i++)
    {
      FoveaSegBlock *block = &seg->blocks[i];
      int skip_index = FOVEA_SEG_N_FEATURES - 2 - i;
      block->in_channels = in;
      block->skip_channels = skip_index >= 0 ? feature_channels[skip_index] : 0;
      block->out_channels = c->decoder_channels[i];
      fovea_cnn_conv_init (seg->encoder, &block->conv1, in + block->skip_channels,
                           block->out_channels, 3, 1, 1);
      fovea_cnn_conv_init (seg->encoder, &block->conv2, block->out_channels,
                           block->out_channels, 3, 1, 1);
      if (sources != NULL)
        {
          add_source (sources, &block->conv1, g_strdup_printf ("decoder.blocks.%d.conv1.0", i),
                      g_strdup_printf ("decoder.blocks.%d.conv1.1", i));
          add_source (sources, &block->conv2, g_strdup_printf ("decoder.blocks.%d.conv2.0", i),
                      g_strdup_printf ("decoder.blocks.%d.conv2.1", i));
        }
      in = block->out_channels;
    }
  fovea_cnn_conv_init (seg->encoder, &seg->head, in, c->classes, 3, 1, 1);
  if (sources != NULL)
    add_source (sources, &seg->head, g_strdup (HEAD_NAME), NULL);
}

/* Takes config (moved) and the encoder's shell (weights set). */
static FoveaSeg *
build (FoveaSeg *seg, FoveaCnnLoadFlags flags, GError **error)
{
  g_autoptr (FoveaSeg) owned = seg;
  FoveaCnn *cnn = seg->encoder;

  cnn->config = seg->config.encoder;
  cnn->config.architecture = g_strdup (seg->config.encoder.architecture);
  cnn->flags = flags;
  cnn->tensor_prefix = g_strdup (ENCODER_PREFIX);
  cnn->sources = fovea_cnn_describe (cnn);
  fovea_seg_describe_decoder (seg, cnn->sources);
  if (!fovea_cnn_weights_load (cnn, cnn->sources, error))
    return NULL;
  return g_steal_pointer (&owned);
}

FoveaSeg *
fovea_seg_load (const char *dir, FoveaCnnLoadFlags flags, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);

  g_autoptr (FoveaSeg) seg = g_new0 (FoveaSeg, 1);
  g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);

  if (!fovea_seg_config_load_file (&seg->config, config_path, error))
    return NULL;
  FoveaCnn *cnn = seg->encoder = g_new0 (FoveaCnn, 1);
  cnn->weights = fovea_model_weights_open (dir, error);
  if (cnn->weights == NULL)
    return NULL;
  cnn->weights_name = g_strdup (fovea_safetensors_get_path (cnn->weights));
  cnn->from_file = TRUE;
  cnn->mapped = !g_str_has_suffix (cnn->weights_name, FOVEA_MODEL_WEIGHTS_PYTORCH);
  return build (g_steal_pointer (&seg), flags, error);
}

FoveaSeg *
fovea_seg_new (const FoveaSegConfig *config, FoveaSafetensors *weights, const char *name,
               FoveaCnnLoadFlags flags, GError **error)
{
  g_return_val_if_fail (config != NULL && config->encoder_name != NULL, NULL);
  g_return_val_if_fail (weights != NULL, NULL);

  FoveaSeg *seg = g_new0 (FoveaSeg, 1);
  seg->config = *config;
  seg->config.encoder_name = g_strdup (config->encoder_name);
  seg->config.encoder.architecture = g_strdup (config->encoder.architecture);
  seg->encoder = g_new0 (FoveaCnn, 1);
  seg->encoder->weights_name = g_strdup (name != NULL ? name : "weights");
  seg->encoder->weights = fovea_safetensors_ref (weights);
  return build (seg, flags, error);
}

void
fovea_seg_free (FoveaSeg *seg)
{
  if (seg == NULL)
    return;
  fovea_cnn_free (seg->encoder);
  fovea_seg_config_clear (&seg->config);
  g_free (seg);
}

const FoveaSegConfig *
fovea_seg_get_config (const FoveaSeg *seg)
{
  return &seg->config;
}

static void
call (FoveaCnnTensorFunc func, gpointer data, const char *prefix, const char *member,
      FoveaCnnTensorRole role, int n_dims, const gint64 *shape)
{
  g_autofree char *name = g_strconcat (prefix, member, NULL);
  func (name, role, n_dims, shape, data);
}

void
fovea_seg_config_foreach_tensor (const FoveaSegConfig *config, FoveaCnnTensorFunc func,
                                 gpointer data)
{
  fovea_cnn_foreach_tensor_prefixed (&config->encoder, ENCODER_PREFIX, func, data);

  /* The decoder described on a bare encoder (only its padding is read). */
  FoveaCnn cnn = { .config = config->encoder };
  FoveaSeg seg = { .config = *config, .encoder = &cnn };
  g_autoptr (GArray) sources = g_array_new (FALSE, FALSE, sizeof (FoveaCnnConvSource));
  fovea_seg_describe_decoder (&seg, sources);
  for (guint i = 0; i < sources->len; i++)
    {
      FoveaCnnConvSource *s = &g_array_index (sources, FoveaCnnConvSource, i);
      const FoveaConv *conv = s->conv;
      gint64 weight[4] = { conv->out_channels, conv->in_channels / conv->groups,
                           conv->window.kernel_h, conv->window.kernel_w };
      gint64 channels[1] = { conv->out_channels };

      call (func, data, s->conv_name, ".weight", FOVEA_CNN_TENSOR_CONV_WEIGHT, 4, weight);
      if (s->bn_name != NULL)
        {
          call (func, data, s->bn_name, ".weight", FOVEA_CNN_TENSOR_BN_WEIGHT, 1, channels);
          call (func, data, s->bn_name, ".bias", FOVEA_CNN_TENSOR_BN_BIAS, 1, channels);
          call (func, data, s->bn_name, ".running_mean", FOVEA_CNN_TENSOR_BN_MEAN, 1, channels);
          call (func, data, s->bn_name, ".running_var", FOVEA_CNN_TENSOR_BN_VAR, 1, channels);
        }
      else
        call (func, data, s->conv_name, ".bias", FOVEA_CNN_TENSOR_HEAD_BIAS, 1, channels);
      g_free (s->conv_name);
      g_free (s->bn_name);
    }
}
