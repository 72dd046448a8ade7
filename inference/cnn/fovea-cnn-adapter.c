/* fovea-cnn-adapter.c: a CNN's head replaced and LoRA updates merged
 * into copies of its folded 1×1 convolutions (see the header). */
#define G_LOG_DOMAIN "fovea-cnn-adapter"

#include "fovea-cnn-adapter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fovea-cnn-private.h"

/* Each copy starts on a cache line, as the network's own weights do. */
#define WEIGHT_ALIGN 64

guint
fovea_cnn_get_n_modules (const FoveaCnn *cnn)
{
  return cnn->sources->len;
}

void
fovea_cnn_get_module (const FoveaCnn *cnn, guint index, FoveaCnnModule *module)
{
  g_return_if_fail (index < cnn->sources->len);

  const FoveaCnnConvSource *source = &g_array_index (cnn->sources, FoveaCnnConvSource, index);
  const FoveaConv *conv = source->conv;
  *module = (FoveaCnnModule) {
    .module = source->conv_name,
    .in_channels = conv->in_channels,
    .out_channels = conv->out_channels,
    .kernel_h = conv->window.kernel_h,
    .kernel_w = conv->window.kernel_w,
    .stride_h = conv->window.stride_h,
    .stride_w = conv->window.stride_w,
    .groups = conv->groups,
  };
}

const char *
fovea_cnn_get_head_module (const FoveaCnn *cnn)
{
  return cnn->head_name;
}

FoveaCnnAdapter *
fovea_cnn_adapter_new (FoveaCnn *cnn, const char *name)
{
  g_return_val_if_fail (cnn != NULL, NULL);

  FoveaCnnAdapter *adapter = g_new0 (FoveaCnnAdapter, 1);
  adapter->cnn = cnn;
  adapter->name = g_strdup (name != NULL ? name : "adapter");
  adapter->blocks = g_memdup2 (cnn->blocks, sizeof (FoveaCnnBlock) * (gsize) cnn->n_blocks);
  adapter->memory = g_ptr_array_new_with_free_func (free);
  return adapter;
}

void
fovea_cnn_adapter_free (FoveaCnnAdapter *adapter)
{
  if (adapter == NULL)
    return;
  g_free (adapter->name);
  g_free (adapter->blocks);
  g_ptr_array_unref (adapter->memory);
  g_free (adapter);
}

const char *
fovea_cnn_adapter_get_name (const FoveaCnnAdapter *adapter)
{
  return adapter->name;
}

const FoveaCnn *
fovea_cnn_adapter_get_cnn (const FoveaCnnAdapter *adapter)
{
  return adapter->cnn;
}

int
fovea_cnn_adapter_get_n_outputs (const FoveaCnnAdapter *adapter)
{
  const FoveaCnnConfig *c = &adapter->cnn->config;
  if (adapter->has_head)
    return adapter->head.out_channels;
  return c->num_classes > 0 ? c->num_classes : c->num_features;
}

gboolean
fovea_cnn_get_head_row (const FoveaCnn *cnn, const FoveaCnnAdapter *adapter, int target_class,
                        float *row, GError **error)
{
  g_return_val_if_fail (cnn != NULL && row != NULL, FALSE);
  g_return_val_if_fail (adapter == NULL || adapter->cnn == cnn, FALSE);

  const FoveaConv *head = adapter != NULL && adapter->has_head ? &adapter->head
                          : cnn->has_head ? &cnn->head : NULL;
  if (head == NULL || target_class < 0 || target_class >= head->out_channels)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT,
                   head == NULL ? "This %s has no classifier head to weigh its features by"
                                : "This %s's head has no class %d", cnn->config.architecture,
                   target_class);
      return FALSE;
    }
  /* A 1×1 kernel: the row's depth index is the input feature. */
  const float *data = head->packed != NULL ? head->packed : head->weight;
  gsize stride, at = fovea_conv_weight_row (head, target_class, &stride);
  for (int c = 0; c < head->in_channels; c++)
    row[c] = data[at + (gsize) c * stride];
  return TRUE;
}

int
fovea_cnn_adapter_get_n_merged (const FoveaCnnAdapter *adapter)
{
  return adapter->n_merged;
}

gsize
fovea_cnn_adapter_get_weights_size (const FoveaCnnAdapter *adapter)
{
  return adapter->weight_bytes;
}

/* floats of zeroed memory the adapter owns; NULL with an error. */
static float *
adapter_alloc (FoveaCnnAdapter *adapter, gsize floats, GError **error)
{
  gpointer memory = NULL;
  gsize bytes = MAX (floats, 1) * sizeof (float);
  if (posix_memalign (&memory, WEIGHT_ALIGN, bytes) != 0)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Adapter %s: out of memory for %.1f MB of weights", adapter->name,
                   (double) bytes / 1e6);
      return NULL;
    }
  memset (memory, 0, bytes);
  g_ptr_array_add (adapter->memory, memory);
  adapter->weight_bytes += bytes;
  return memory;
}

/* Lays conv out as the network's own convolutions are: packed panels
 * where the packed GEMM runs. */
static void
choose_layout (const FoveaCnn *cnn, FoveaConv *conv)
{
  gboolean pack = fovea_conv_gemm_supported () && !(cnn->flags & FOVEA_CNN_LOAD_OPENBLAS);
  conv->panel_vectors = pack ? fovea_conv_gemm_panel_vectors (conv->out_channels) : 0;
}

gboolean
fovea_cnn_adapter_set_head (FoveaCnnAdapter *adapter, int classes, const float *weight,
                            const float *bias, GError **error)
{
  g_return_val_if_fail (adapter != NULL && weight != NULL, FALSE);

  const FoveaCnn *cnn = adapter->cnn;
  if (classes < 1 || adapter->has_head)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter %s: %s", adapter->name,
                   classes < 1 ? "a head needs at least one class" : "it has two heads");
      return FALSE;
    }
  FoveaConv head;
  fovea_cnn_conv_init (cnn, &head, cnn->config.num_features, classes, 1, 1, 1);
  choose_layout (cnn, &head);
  float *laid = adapter_alloc (adapter, fovea_conv_weight_size (&head), error);
  float *head_bias = laid != NULL ? adapter_alloc (adapter, (gsize) classes, error) : NULL;
  if (head_bias == NULL)
    return FALSE;
  fovea_conv_layout_weight (&head, weight, laid);
  if (bias != NULL)
    memcpy (head_bias, bias, sizeof (float) * (gsize) classes);
  head.packed = head.panel_vectors > 0 ? laid : NULL;
  head.weight = head.panel_vectors > 0 ? NULL : laid;
  head.bias = head_bias;
  adapter->head = head;
  adapter->has_head = TRUE;
  return TRUE;
}

/* The adapter's copy of the convolution source describes. */
static FoveaConv *
adapter_conv (FoveaCnnAdapter *adapter, const FoveaCnnConvSource *source)
{
  const FoveaCnn *cnn = adapter->cnn;
  for (int b = 0; b < cnn->n_blocks; b++)
    {
      if (source->conv == &cnn->blocks[b].downsample)
        return &adapter->blocks[b].downsample;
      for (int i = 0; i < cnn->blocks[b].n_convs; i++)
        if (source->conv == &cnn->blocks[b].convs[i])
          return &adapter->blocks[b].convs[i];
    }
  g_return_val_if_reached (NULL);
}

/* s = γ / √(σ² + ε) of the convolution's BatchNorm, which scales
 * whatever the convolution outputs, its LoRA update included. */
static gboolean
bn_scales (const FoveaCnn *cnn, const FoveaCnnConvSource *source, double *scales,
           GError **error)
{
  gint64 shape[1] = { source->conv->out_channels };
  g_autofree char *gamma_name = g_strconcat (source->bn_name, ".weight", NULL);
  g_autofree char *var_name = g_strconcat (source->bn_name, ".running_var", NULL);
  const float *gamma = fovea_safetensors_get_f32 (cnn->weights, gamma_name, 1, shape, error);
  const float *var = gamma != NULL ? fovea_safetensors_get_f32 (cnn->weights, var_name, 1,
                                                                shape, error) : NULL;
  if (var == NULL)
    return FALSE;
  for (int o = 0; o < source->conv->out_channels; o++)
    scales[o] = gamma[o] / sqrt ((double) var[o] + cnn->config.bn_eps);
  return TRUE;
}

gboolean
fovea_cnn_adapter_merge_lora (FoveaCnnAdapter *adapter, guint module, int rank, float scale,
                              const float *a, const float *b, GError **error)
{
  g_return_val_if_fail (adapter != NULL && a != NULL && b != NULL, FALSE);
  g_return_val_if_fail (module < adapter->cnn->sources->len, FALSE);

  const FoveaCnn *cnn = adapter->cnn;
  const FoveaCnnConvSource *source = &g_array_index (cnn->sources, FoveaCnnConvSource, module);
  const FoveaConv *base = source->conv;
  FoveaConv *conv = adapter_conv (adapter, source);
  int in = base->in_channels, out = base->out_channels;

  if (base->window.kernel_h != 1 || base->window.kernel_w != 1 || base->groups != 1)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter %s: %s is a %d×%d convolution%s; Fovea merges LoRA into 1×1 "
                   "convolutions of one group only", adapter->name, source->conv_name,
                   base->window.kernel_h, base->window.kernel_w,
                   base->groups > 1 ? " in groups" : "");
      return FALSE;
    }
  if (conv->weight != base->weight || conv->packed != base->packed)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter %s: %s has two LoRA updates", adapter->name, source->conv_name);
      return FALSE;
    }
  if (rank < 1)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter %s: %s has a LoRA of rank %d", adapter->name, source->conv_name,
                   rank);
      return FALSE;
    }

  g_autofree double *scales = g_new (double, out);
  gsize size = fovea_conv_weight_size (base);
  float *merged = bn_scales (cnn, source, scales, error)
                  ? adapter_alloc (adapter, size, error) : NULL;
  if (merged == NULL)
    return FALSE;
  memcpy (merged, base->packed != NULL ? base->packed : base->weight, sizeof (float) * size);
  g_autofree double *row = g_new (double, in);
  for (int o = 0; o < out; o++)
    {
      /* Row o of B·A, in double: rank terms per weight. */
      memset (row, 0, sizeof (double) * in);
      for (int r = 0; r < rank; r++)
        {
          double b_or = b[(gsize) o * rank + r];
          const float *a_r = a + (gsize) r * in;
          for (int ci = 0; ci < in; ci++)
            row[ci] += b_or * a_r[ci];
        }
      /* A 1×1 kernel of one group: the row's depth index is the channel. */
      gsize stride, at = fovea_conv_weight_row (base, o, &stride);
      double factor = scales[o] * scale;
      for (int ci = 0; ci < in; ci++)
        merged[at + (gsize) ci * stride] += (float) (factor * row[ci]);
    }
  conv->packed = base->packed != NULL ? merged : NULL;
  conv->weight = base->packed != NULL ? NULL : merged;
  adapter->n_merged++;
  return TRUE;
}
