/* fovea-cnn-tensors.c: a network's description (its blocks, and where
 * each convolution's weights come from), and the names and shapes of its
 * tensors from that same description, which the loader checks against. */
#define G_LOG_DOMAIN "fovea-cnn-tensors"

#include "fovea-cnn-private.h"

static void
clear_source (gpointer data)
{
  FoveaCnnConvSource *source = data;
  g_free (source->conv_name);
  g_free (source->bn_name);
}

GArray *
fovea_cnn_describe (FoveaCnn *cnn)
{
  GArray *sources = g_array_new (FALSE, FALSE, sizeof (FoveaCnnConvSource));
  g_array_set_clear_func (sources, clear_source);
  if (cnn->config.family == FOVEA_CNN_RESNET)
    fovea_cnn_resnet_describe (cnn, sources);
  else
    fovea_cnn_mobilenet_describe (cnn, sources);
  if (cnn->tensor_prefix != NULL)
    {
      for (guint i = 0; i < sources->len; i++)
        {
          FoveaCnnConvSource *s = &g_array_index (sources, FoveaCnnConvSource, i);
          char *conv_name = g_strconcat (cnn->tensor_prefix, s->conv_name, NULL);
          char *bn_name = g_strconcat (cnn->tensor_prefix, s->bn_name, NULL);
          g_free (s->conv_name);
          g_free (s->bn_name);
          s->conv_name = conv_name;
          s->bn_name = bn_name;
        }
      char *head_name = g_strconcat (cnn->tensor_prefix, cnn->head_name, NULL);
      g_free (cnn->head_name);
      cnn->head_name = head_name;
    }
  return sources;
}

static void
call (FoveaCnnTensorFunc func, gpointer data, const char *prefix, const char *member,
      FoveaCnnTensorRole role, int n_dims, const gint64 *shape)
{
  g_autofree char *name = g_strconcat (prefix, member, NULL);
  func (name, role, n_dims, shape, data);
}

void
fovea_cnn_config_foreach_tensor (const FoveaCnnConfig *config, FoveaCnnTensorFunc func,
                                 gpointer data)
{
  fovea_cnn_foreach_tensor_prefixed (config, NULL, func, data);
}

void
fovea_cnn_foreach_tensor_prefixed (const FoveaCnnConfig *config, const char *prefix,
                                   FoveaCnnTensorFunc func, gpointer data)
{
  /* A network described but not loaded: the config and prefix are only
   * borrowed. */
  FoveaCnn cnn = { .config = *config, .tensor_prefix = (char *) prefix };
  g_autoptr (GArray) sources = fovea_cnn_describe (&cnn);

  for (guint i = 0; i < sources->len; i++)
    {
      const FoveaCnnConvSource *s = &g_array_index (sources, FoveaCnnConvSource, i);
      const FoveaConv *conv = s->conv;
      gint64 weight[4] = { conv->out_channels, conv->in_channels / conv->groups,
                           conv->window.kernel_h, conv->window.kernel_w };
      gint64 channels[1] = { conv->out_channels };

      call (func, data, s->conv_name, ".weight", FOVEA_CNN_TENSOR_CONV_WEIGHT, 4, weight);
      call (func, data, s->bn_name, ".weight", FOVEA_CNN_TENSOR_BN_WEIGHT, 1, channels);
      call (func, data, s->bn_name, ".bias", FOVEA_CNN_TENSOR_BN_BIAS, 1, channels);
      call (func, data, s->bn_name, ".running_mean", FOVEA_CNN_TENSOR_BN_MEAN, 1, channels);
      call (func, data, s->bn_name, ".running_var", FOVEA_CNN_TENSOR_BN_VAR, 1, channels);
    }
  if (config->num_classes > 0)
    {
      gint64 head[2] = { config->num_classes, config->num_features };
      call (func, data, cnn.head_name, ".weight", FOVEA_CNN_TENSOR_HEAD_WEIGHT, 2, head);
      call (func, data, cnn.head_name, ".bias", FOVEA_CNN_TENSOR_HEAD_BIAS, 1, head);
    }
  g_free (cnn.blocks);
  g_free (cnn.head_name);
}
