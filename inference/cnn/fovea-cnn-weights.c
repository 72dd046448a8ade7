/* fovea-cnn-weights.c: every convolution's weight with its BatchNorm
 * folded in, and the head's, each checked for presence and shape.
 *
 * Folding: BN (conv (x)) = γ (W·x − μ) / √(σ² + ε) + β is one convolution
 * with W' = W · γ / √(σ² + ε) and bias β − μ · γ / √(σ² + ε), computed in
 * double once at load. The folded weight is then laid out for its kernel
 * ((ky, kx, channel) rows for the GEMM, then packed into panels where the
 * CPU has AVX-512; tap-major for the depthwise kernel) in one allocation,
 * with the head (a Linear is a 1×1 convolution with a bias and no BN),
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

static double element (const FoveaTensorView *view, gsize i);

static gboolean
take_conv (Loader *loader, const FoveaCnnConvSource *source, ConvViews *views,
           const FoveaTensorView **conv_bias, GError **error)
{
  const FoveaConv *conv = source->conv;
  int out = conv->out_channels;

  views->weight = take_member (loader, source->conv_name, ".weight",
                               SHAPE (out, conv->in_channels / conv->groups,
                                      conv->window.kernel_h, conv->window.kernel_w), error);
  if (views->weight != NULL && source->bn_name == NULL)  /* its own bias, no BatchNorm */
    return (*conv_bias = take_member (loader, source->conv_name, ".bias", SHAPE (out),
                                      error)) != NULL;
  if (views->weight == NULL ||
      !(views->gamma = take_member (loader, source->bn_name, ".weight", SHAPE (out), error)) ||
      !(views->beta = take_member (loader, source->bn_name, ".bias", SHAPE (out), error)) ||
      !(views->mean = take_member (loader, source->bn_name, ".running_mean", SHAPE (out),
                                   error)) ||
      !(views->var = take_member (loader, source->bn_name, ".running_var", SHAPE (out),
                                  error)))
    return FALSE;

  for (int o = 0; o < out; o++)
    if (!(element (views->var, o) + loader->cnn->config.bn_eps > 0))
      {
        g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_WEIGHTS,
                     "%s: tensor %s.running_var has %g at %d: a variance plus eps "
                     "must be positive", loader->cnn->weights_name, source->bn_name,
                     element (views->var, o), o);
        return FALSE;
      }
  return TRUE;
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

/* out[i] = view[start + i] · scale, n values, rounded once. */
static void
scaled_row (const FoveaTensorView *view, gsize start, gsize n, double scale, float *out)
{
  const guint8 *bytes = view->data;
  if (view->dtype == FOVEA_DTYPE_F32 && (guintptr) bytes % sizeof (float) == 0)
    {
      const float *in = (const float *) bytes + start;
      for (gsize i = 0; i < n; i++)
        out[i] = (float) (in[i] * scale);
      return;
    }
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (element (view, start + i) * scale);
}

/* One convolution to fold, and where its weights go. */
typedef struct {
  FoveaConv  *conv;
  ConvViews   views;      /* BatchNorm's NULL for the head */
  const FoveaTensorView *conv_bias;  /* a convolution's own bias (the head's), with no
                                      * BatchNorm; NULL for the others */
  double      eps;
  gboolean    drop_pages;
  float      *weight;   /* fovea_conv_weight_size floats */
  float      *bias;
} FoldItem;

static void drop_pages (const FoveaTensorView *view);

/* Brings a view's pages in with one call rather than a fault per page
 * (which a virtual machine makes dear); a kernel without it faults them
 * in as they are read. */
static void
populate_pages (const FoveaTensorView *view)
{
#ifdef MADV_POPULATE_READ
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = (guintptr) view->data / page * page;
  madvise ((void *) start, (guintptr) view->data + view->n_bytes - start, MADV_POPULATE_READ);
#endif
}

/* W' = W · γ / √(σ² + ε) and β − μ · γ / √(σ² + ε) (the head: W and its
 * bias as they are), each output's row of
 * W (in PyTorch's (channel, ky, kx) order) written where the kernel reads
 * it (fovea_conv_weight_row). */
static void
fold_item (gpointer data, int index, int thread)
{
  FoldItem *item = (FoldItem *) data + index;
  const FoveaConv *conv = item->conv;
  const ConvViews *v = &item->views;
  int taps = conv->window.kernel_h * conv->window.kernel_w;
  int in_group = conv->in_channels / conv->groups;
  gsize per_output = (gsize) fovea_conv_depth (conv);
  g_autofree float *row = g_new (float, per_output);

  if (item->drop_pages)
    populate_pages (v->weight);
  if (conv->panel_vectors > 0)  /* the panels' columns past the outputs */
    memset (item->weight, 0, sizeof (float) * fovea_conv_weight_size (conv));
  for (int o = 0; o < conv->out_channels; o++)
    {
      double scale = 1.0;
      if (v->gamma == NULL)
        item->bias[o] = (float) element (item->conv_bias, o);
      else
        {
          scale = element (v->gamma, o) / sqrt (element (v->var, o) + item->eps);
          item->bias[o] = (float) (element (v->beta, o) - element (v->mean, o) * scale);
        }
      scaled_row (v->weight, o * per_output, per_output, scale, row);

      gsize stride, base = fovea_conv_weight_row (conv, o, &stride);
      for (int ci = 0; ci < in_group; ci++)
        for (int t = 0; t < taps; t++)
          item->weight[base + ((gsize) t * in_group + ci) * stride] = row[ci * taps + t];
    }
  if (item->drop_pages)
    drop_pages (v->weight);
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

/* The head, a 1×1 convolution on the pooled features: weight
 * [num_classes, num_features] (a Linear's, the same bytes as a Conv2d's
 * [num_classes, num_features, 1, 1]) and bias, with no BatchNorm. */
static gboolean
take_head (Loader *loader, FoldItem *item, GError **error)
{
  FoveaCnn *cnn = loader->cnn;
  const FoveaCnnConfig *c = &cnn->config;

  cnn->has_head = c->num_classes > 0;
  if (!cnn->has_head)
    return TRUE;
  fovea_cnn_conv_init (cnn, &cnn->head, c->num_features, c->num_classes, 1, 1, 1);
  item->conv = &cnn->head;
  item->views.weight = take_member (loader, cnn->head_name, ".weight",
                                    SHAPE (c->num_classes, c->num_features), error);
  item->conv_bias = item->views.weight == NULL ? NULL
    : take_member (loader, cnn->head_name, ".bias", SHAPE (c->num_classes), error);
  return item->conv_bias != NULL;
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
  /* The convolutions, then the head. */
  g_autofree FoldItem *items = g_new0 (FoldItem, n + 1);
  gboolean pack = fovea_conv_gemm_supported () && !(cnn->flags & FOVEA_CNN_LOAD_OPENBLAS);
  gsize total = 0;

  for (guint i = 0; i < n; i++)
    {
      const FoveaCnnConvSource *source = &g_array_index (sources, FoveaCnnConvSource, i);
      items[i].conv = source->conv;
      if (!take_conv (&loader, source, &items[i].views, &items[i].conv_bias, error))
        return FALSE;
    }
  if (!take_head (&loader, &items[n], error) || !check_all_used (&loader, error))
    return FALSE;
  if (cnn->has_head)
    n++;

  for (guint i = 0; i < n; i++)
    {
      FoveaConv *conv = items[i].conv;
      if (pack && !conv->depthwise)
        conv->panel_vectors = fovea_conv_gemm_panel_vectors (conv->out_channels / conv->groups);
      items[i].eps = cnn->config.bn_eps;
      items[i].drop_pages = cnn->mapped;
      total += round_up (fovea_conv_weight_size (conv)) + round_up ((gsize) conv->out_channels);
    }

  float *next = cnn->weight_memory = allocate_weights (total);
  if (next == NULL)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                   "Out of memory for the weights of %s (%.0f MB)", cnn->config.architecture,
                   (double) total * sizeof (float) / 1e6);
      return FALSE;
    }
  cnn->weight_bytes = total * sizeof (float);
  for (guint i = 0; i < n; i++)
    {
      FoveaConv *conv = items[i].conv;
      items[i].weight = next;
      items[i].bias = next + round_up (fovea_conv_weight_size (conv));
      next = items[i].bias + round_up ((gsize) conv->out_channels);
      conv->packed = conv->panel_vectors > 0 ? items[i].weight : NULL;
      conv->weight = conv->panel_vectors > 0 ? NULL : items[i].weight;
      conv->bias = items[i].bias;
    }

  g_autoptr (FoveaPool) pool = fovea_pool_new_no_gemm ((int) g_get_num_processors (), error);
  if (pool == NULL)
    return FALSE;
  fovea_pool_run (pool, (int) n, fold_item, items);
  return TRUE;
}
