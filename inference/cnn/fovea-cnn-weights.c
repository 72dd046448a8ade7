/* fovea-cnn-weights.c: every convolution's weight with its BatchNorm
 * folded in, and the head's view, each checked for presence and shape.
 *
 * Folding: BN (conv (x)) = γ (W·x − μ) / √(σ² + ε) + β is one convolution
 * with W' = W · γ / √(σ² + ε) and bias β − μ · γ / √(σ² + ε), computed in
 * double once at load. The folded weight is then laid out for its kernel
 * ((ky, kx, channel) rows for the GEMM, then packed into panels where the
 * CPU has AVX-512; tap-major for the depthwise kernel) in one allocation,
 * and the file's pages of the source weight are given back at once, so
 * memory holds the weights about once, even at the peak of loading.
 *
 * Loading is as strict as PyTorch's load_state_dict(strict=True): a
 * tensor the architecture does not have means a variant this engine would
 * silently run wrong, so it is refused by name. BatchNorm's
 * num_batches_tracked counters, which only training reads, are ignored. */
#define G_LOG_DOMAIN "fovea-cnn-weights"

#include "fovea-cnn-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((gsize) 2 << 20)
/* Each layer's weights and bias start on a cache line (and a vector). */
#define ALIGN_FLOATS 16

typedef struct {
  FoveaCnn   *cnn;
  GHashTable *used;  /* names of the tensors taken so far */
} Loader;

/* The views of one convolution and its BatchNorm. */
typedef struct {
  const FoveaTensorView *weight, *gamma, *beta, *mean, *var;
} ConvViews;

static char *
shape_string (int n_dims, const gint64 *shape)
{
  GString *text = g_string_new ("[");
  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? ", " : "", shape[i]);
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

/* The view of tensor name, which must have the given shape. */
static const FoveaTensorView *
take (Loader *loader, const char *name, int n_dims, const gint64 *shape, GError **error)
{
  const FoveaCnn *cnn = loader->cnn;
  const FoveaTensorView *view = fovea_safetensors_lookup (cnn->weights, name);

  if (view == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                   "%s: tensor %s is missing (a %s has it)", cnn->weights_name, name,
                   cnn->config.architecture);
      return NULL;
    }
  gboolean same = view->n_dims == n_dims;
  for (int i = 0; same && i < n_dims; i++)
    same = view->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *found = shape_string (view->n_dims, view->shape);
      g_autofree char *wanted = shape_string (n_dims, shape);
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                   "%s: tensor %s has shape %s, but a %s with this config needs %s",
                   cnn->weights_name, name, found, cnn->config.architecture, wanted);
      return NULL;
    }
  g_hash_table_add (loader->used, g_strdup (name));
  return view;
}

#define SHAPE(...) (int) (sizeof ((gint64[]) { __VA_ARGS__ }) / sizeof (gint64)), \
                   (gint64[]) { __VA_ARGS__ }

static const FoveaTensorView *
take_member (Loader *loader, const char *prefix, const char *member, int n_dims,
             const gint64 *shape, GError **error)
{
  g_autofree char *name = g_strconcat (prefix, member, NULL);
  return take (loader, name, n_dims, shape, error);
}

static gboolean
take_conv (Loader *loader, const FoveaCnnConvSource *source, ConvViews *views, GError **error)
{
  const FoveaConv *conv = source->conv;
  int out = conv->out_channels;

  views->weight = take_member (loader, source->conv_name, ".weight",
                               SHAPE (out, conv->in_channels / conv->groups,
                                      conv->window.kernel_h, conv->window.kernel_w), error);
  return views->weight != NULL &&
         (views->gamma = take_member (loader, source->bn_name, ".weight", SHAPE (out), error)) &&
         (views->beta = take_member (loader, source->bn_name, ".bias", SHAPE (out), error)) &&
         (views->mean = take_member (loader, source->bn_name, ".running_mean", SHAPE (out),
                                     error)) &&
         (views->var = take_member (loader, source->bn_name, ".running_var", SHAPE (out),
                                    error));
}

static double
element (const FoveaTensorView *view, gsize i)
{
  const guint8 *bytes = view->data;
  if (view->dtype == FOVEA_DTYPE_F32)
    {
      float value;
      memcpy (&value, bytes + 4 * i, sizeof value);
      return value;
    }
  guint16 half;
  memcpy (&half, bytes + 2 * i, sizeof half);
  return view->dtype == FOVEA_DTYPE_F16 ? fovea_f16_to_f32 (half) : fovea_bf16_to_f32 (half);
}

/* Writes conv's folded weight, in PyTorch's layout, to weight and its
 * bias to bias. */
static gboolean
fold (const Loader *loader, const FoveaCnnConvSource *source, const ConvViews *views,
      float *weight, float *bias, GError **error)
{
  const FoveaConv *conv = source->conv;
  gsize per_output = (gsize) fovea_conv_depth (conv);
  double eps = loader->cnn->config.bn_eps;

  for (int o = 0; o < conv->out_channels; o++)
    {
      double var = element (views->var, o) + eps;
      if (!(var > 0))
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                       "%s: tensor %s.running_var has %g at %d: a variance plus eps "
                       "must be positive", loader->cnn->weights_name, source->bn_name,
                       element (views->var, o), o);
          return FALSE;
        }
      double scale = element (views->gamma, o) / sqrt (var);
      bias[o] = (float) (element (views->beta, o) - element (views->mean, o) * scale);
      for (gsize i = o * per_output; i < (o + 1) * per_output; i++)
        weight[i] = (float) (element (views->weight, i) * scale);
    }
  return TRUE;
}

/* Gives back the whole pages of view's bytes (edges shared with the
 * neighbouring tensors stay): a private read-only file mapping refaults
 * them from the file if anyone reads them again. */
static void
drop_pages (const FoveaTensorView *view)
{
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) view->data + page - 1) / page * page;
  guintptr end = ((guintptr) view->data + view->n_bytes) / page * page;

  if (end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
}

static gsize
round_up (gsize floats)
{
  return (floats + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
}

/* Floats of conv's weight as the forward pass reads it. */
static gsize
weight_size (const FoveaConv *conv)
{
  if (conv->panel_vectors > 0)
    return fovea_conv_packed_size (conv);
  return (gsize) conv->out_channels * fovea_conv_depth (conv);
}

static gboolean
check_all_used (Loader *loader, GError **error)
{
  FoveaSafetensors *weights = loader->cnn->weights;

  for (guint i = 0; i < fovea_safetensors_get_n_tensors (weights); i++)
    {
      const char *name = fovea_safetensors_get_nth (weights, i)->name;
      if (!g_hash_table_contains (loader->used, name) &&
          !g_str_has_suffix (name, ".num_batches_tracked"))
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                       "%s: tensor %s is not part of a %s with this config%s",
                       loader->cnn->weights_name, name, loader->cnn->config.architecture,
                       loader->cnn->config.num_classes == 0 ? " (num_classes 0: no head)" : "");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
take_head (Loader *loader, GError **error)
{
  FoveaCnn *cnn = loader->cnn;
  const FoveaCnnConfig *c = &cnn->config;
  FoveaLinear *head = &cnn->head;
  g_autofree char *weight = g_strconcat (cnn->head_name, ".weight", NULL);
  g_autofree char *bias = g_strconcat (cnn->head_name, ".bias", NULL);

  if (c->num_classes == 0)
    return TRUE;
  if (take (loader, weight, SHAPE (c->num_classes, c->num_features), error) == NULL ||
      take (loader, bias, SHAPE (c->num_classes), error) == NULL)
    return FALSE;
  /* F32 in place; F16 and BF16 converted once, into memory st owns. */
  head->weight = fovea_safetensors_get_f32 (cnn->weights, weight,
                                            SHAPE (c->num_classes, c->num_features), error);
  head->bias = fovea_safetensors_get_f32 (cnn->weights, bias, SHAPE (c->num_classes), error);
  if (head->weight == NULL || head->bias == NULL)
    return FALSE;
  head->in_dim = c->num_features;
  head->out_dim = c->num_classes;
  return TRUE;
}

static gpointer
allocate_weights (gsize floats)
{
  gpointer memory = NULL;
  if (posix_memalign (&memory, HUGE_PAGE, MAX (floats, 1) * sizeof (float)) != 0)
    return NULL;
  /* Huge pages: packing faults in a few hundred pages, not tens of
   * thousands, and the forward pass misses the TLB less. */
  madvise (memory, floats * sizeof (float) / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
  return memory;
}

gboolean
fovea_cnn_weights_load (FoveaCnn *cnn, GArray *sources, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Loader loader = { cnn, used };
  guint n = sources->len;
  g_autofree ConvViews *views = g_new0 (ConvViews, n);
  gboolean pack = fovea_conv_gemm_supported () && !(cnn->flags & FOVEA_CNN_LOAD_OPENBLAS);
  gsize total = 0, largest = 0;

  for (guint i = 0; i < n; i++)
    {
      const FoveaCnnConvSource *source = &g_array_index (sources, FoveaCnnConvSource, i);
      FoveaConv *conv = source->conv;
      if (!take_conv (&loader, source, &views[i], error))
        return FALSE;
      if (pack && !conv->depthwise)
        conv->panel_vectors = fovea_conv_gemm_panel_vectors (conv->out_channels / conv->groups);
      total += round_up (weight_size (conv)) + round_up ((gsize) conv->out_channels);
      largest = MAX (largest, (gsize) conv->out_channels * fovea_conv_depth (conv));
    }
  if (!take_head (&loader, error) || !check_all_used (&loader, error))
    return FALSE;

  float *next = cnn->weight_memory = allocate_weights (total);
  g_autofree float *folded = g_try_new (float, largest);
  g_autofree float *unpacked = pack ? g_try_new (float, largest) : NULL;
  if (next == NULL || folded == NULL || (pack && unpacked == NULL))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for the weights of %s (%.0f MB)", cnn->config.architecture,
                   (double) total * sizeof (float) / 1e6);
      return FALSE;
    }

  for (guint i = 0; i < n; i++)
    {
      const FoveaCnnConvSource *source = &g_array_index (sources, FoveaCnnConvSource, i);
      FoveaConv *conv = source->conv;
      gboolean packed = conv->panel_vectors > 0;
      float *weight = next, *bias = next + round_up (weight_size (conv));

      if (!fold (&loader, source, &views[i], folded, bias, error))
        return FALSE;
      if (cnn->from_file)
        drop_pages (views[i].weight);
      fovea_conv_layout_weight (conv, folded, packed ? unpacked : weight);
      if (packed)
        fovea_conv_pack (conv, weight, unpacked);
      conv->weight = packed ? NULL : weight;
      conv->bias = bias;
      next = bias + round_up ((gsize) conv->out_channels);
    }
  return TRUE;
}
