/* fovea-torch-state-dict.c: the whitelist of globals a PyTorch checkpoint
 * may name, and the state dict's tensors found in its unpickled tree.
 *
 * torch.save pickles a tensor as a call
 *   torch._utils._rebuild_tensor_v2 (storage, storage_offset, size,
 *                                    stride, requires_grad, backward_hooks
 *                                    [, metadata])
 * (torch/_tensor.py, __reduce_ex__), an nn.Parameter as
 *   torch._utils._rebuild_parameter (tensor, requires_grad, hooks)
 * (or _rebuild_parameter_with_state, with a fourth argument), and the
 * storage as a persistent id
 *   ("storage", torch.FloatStorage, key, location, numel)
 * whose bytes are the archive's member data/<key>. The tree is matched
 * against exactly these shapes; anything else in the state dict is an
 * error naming the entry. */
#define G_LOG_DOMAIN "fovea-torch-state-dict"

#include "fovea-torch-checkpoint-private.h"

#include <string.h>

#include "fovea-safetensors-private.h"

/* DataParallel's prefix, stripped when every name has it. */
#define MODULE_PREFIX "module."

const FoveaPickleGlobal fovea_torch_globals[] = {
  [FOVEA_TORCH_GLOBAL_ORDERED_DICT] = { "collections", "OrderedDict", TRUE },
  [FOVEA_TORCH_GLOBAL_REBUILD_TENSOR_V2] = { "torch._utils", "_rebuild_tensor_v2", FALSE },
  [FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER] = { "torch._utils", "_rebuild_parameter", FALSE },
  [FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER_WITH_STATE] =
    { "torch._utils", "_rebuild_parameter_with_state", FALSE },
  [FOVEA_TORCH_GLOBAL_FLOAT_STORAGE] = { "torch", "FloatStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_HALF_STORAGE] = { "torch", "HalfStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_BFLOAT16_STORAGE] = { "torch", "BFloat16Storage", FALSE },
  [FOVEA_TORCH_GLOBAL_DOUBLE_STORAGE] = { "torch", "DoubleStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_LONG_STORAGE] = { "torch", "LongStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_INT_STORAGE] = { "torch", "IntStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_SHORT_STORAGE] = { "torch", "ShortStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_CHAR_STORAGE] = { "torch", "CharStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_BYTE_STORAGE] = { "torch", "ByteStorage", FALSE },
  [FOVEA_TORCH_GLOBAL_BOOL_STORAGE] = { "torch", "BoolStorage", FALSE },
  /* Data only: Fovea never calls anything, and Python makes these from
   * plain values without running code of the checkpoint's choosing.
   * timm's and many papers' training checkpoints keep their arguments as
   * an argparse.Namespace and metrics as numpy scalars (which pickle
   * their raw bytes through _codecs.encode). */
  [FOVEA_TORCH_GLOBAL_FIRST_DATA_ONLY] = { "torch", "float32", FALSE },
  { "torch", "float16", FALSE },
  { "torch", "bfloat16", FALSE },
  { "torch", "float64", FALSE },
  { "torch", "int64", FALSE },
  { "torch", "device", FALSE },
  { "argparse", "Namespace", FALSE },
  { "numpy.core.multiarray", "scalar", FALSE },
  { "numpy._core.multiarray", "scalar", FALSE },
  { "numpy", "dtype", FALSE },
  { "_codecs", "encode", FALSE },
};
const guint fovea_torch_n_globals = G_N_ELEMENTS (fovea_torch_globals);

static const FoveaTorchStorageType storage_types[] = {
  { "torch.FloatStorage", 4, FOVEA_DTYPE_F32, FALSE, FALSE },
  { "torch.HalfStorage", 2, FOVEA_DTYPE_F16, FALSE, FALSE },
  { "torch.BFloat16Storage", 2, FOVEA_DTYPE_BF16, FALSE, FALSE },
  { "torch.DoubleStorage", 8, FOVEA_DTYPE_F32, FALSE, TRUE },
  { "torch.LongStorage", 8, FOVEA_DTYPE_F32, TRUE, FALSE },
  { "torch.IntStorage", 4, FOVEA_DTYPE_F32, TRUE, FALSE },
  { "torch.ShortStorage", 2, FOVEA_DTYPE_F32, TRUE, FALSE },
  { "torch.CharStorage", 1, FOVEA_DTYPE_F32, TRUE, FALSE },
  { "torch.ByteStorage", 1, FOVEA_DTYPE_F32, TRUE, FALSE },
  { "torch.BoolStorage", 1, FOVEA_DTYPE_F32, TRUE, FALSE },
};
G_STATIC_ASSERT (G_N_ELEMENTS (storage_types) ==
                 FOVEA_TORCH_GLOBAL_BOOL_STORAGE - FOVEA_TORCH_GLOBAL_FLOAT_STORAGE + 1);

/* Where torch.save keeps a state dict inside a training checkpoint. */
static const char *const wrapper_keys[] = { "state_dict", "model", "model_state_dict" };

const FoveaTorchStorageType *
fovea_torch_storage_type (gint64 global)
{
  if (global < FOVEA_TORCH_GLOBAL_FLOAT_STORAGE || global > FOVEA_TORCH_GLOBAL_BOOL_STORAGE)
    return NULL;
  return &storage_types[global - FOVEA_TORCH_GLOBAL_FLOAT_STORAGE];
}

static gboolean G_GNUC_PRINTF (5, 6)
tensor_error (GError **error, int code, const char *file, const char *name,
              const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, code, "%s: tensor “%s”: %s",
               file, name, problem);
  return FALSE;
}

/* A call of one of torch's tensor or parameter rebuild functions. */
static gboolean
is_tensor (const FoveaPickleValue *value)
{
  if (value->kind != FOVEA_PICKLE_CALL)
    return FALSE;
  gint64 callable = value->callable->integer;
  return callable == FOVEA_TORCH_GLOBAL_REBUILD_TENSOR_V2 ||
         callable == FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER ||
         callable == FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER_WITH_STATE;
}

static const FoveaPickleValue *
arg (const FoveaPickleValue *call, guint index)
{
  return g_ptr_array_index (call->args->items, index);
}

static gboolean
read_count (const FoveaPickleValue *value, guint64 *out)
{
  if (value->kind != FOVEA_PICKLE_INT || value->integer < 0)
    return FALSE;
  *out = (guint64) value->integer;
  return TRUE;
}

/* size or stride: a tuple of non-negative ints. */
static gboolean
read_dims (const char *file, const char *name, const char *what,
           const FoveaPickleValue *value, gint64 *dims, int *n_dims, GError **error)
{
  if (value->kind != FOVEA_PICKLE_TUPLE)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its %s is %s, not a tuple", what,
                         fovea_pickle_kind_describe (value->kind));
  if (value->items->len > FOVEA_TENSOR_MAX_DIMS)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its %s has %u dimensions, more than %d", what, value->items->len,
                         FOVEA_TENSOR_MAX_DIMS);
  for (guint i = 0; i < value->items->len; i++)
    {
      guint64 v;
      if (!read_count (g_ptr_array_index (value->items, i), &v) || v > G_MAXINT64 / 2)
        return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                             "its %s has an entry that is not a non-negative int", what);
      dims[i] = (gint64) v;
    }
  *n_dims = (int) value->items->len;
  return TRUE;
}

/* ("storage", StorageType, key, location, numel). */
static gboolean
read_storage (const char *file, const char *name, const FoveaPickleValue *value,
              FoveaTorchTensor *t, GError **error)
{
  const FoveaPickleValue *id = value->kind == FOVEA_PICKLE_PERSID ? value->args : NULL;
  if (id == NULL || id->kind != FOVEA_PICKLE_TUPLE || id->items->len != 5)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its storage is not a persistent id (\"storage\", type, key, "
                         "location, numel)");
  const FoveaPickleValue *tag = g_ptr_array_index (id->items, 0);
  const FoveaPickleValue *type = g_ptr_array_index (id->items, 1);
  const FoveaPickleValue *key = g_ptr_array_index (id->items, 2);
  const FoveaPickleValue *numel = g_ptr_array_index (id->items, 4);
  if (tag->kind != FOVEA_PICKLE_STRING || strcmp (tag->string, "storage") != 0)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its persistent id is not a storage");
  t->type = type->kind == FOVEA_PICKLE_GLOBAL ? fovea_torch_storage_type (type->integer) : NULL;
  if (t->type == NULL)
    {
      const char *kind = type->kind == FOVEA_PICKLE_GLOBAL
                         ? fovea_torch_globals[type->integer].name
                         : fovea_pickle_kind_describe (type->kind);
      return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                           "its storage type is %s, not a storage class", kind);
    }
  if (key->kind != FOVEA_PICKLE_STRING || key->length == 0 || strlen (key->string) != key->length)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its storage key is not a non-empty string");
  if (!read_count (numel, &t->storage_numel))
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its storage size is not a non-negative int");
  t->storage_key = key->string;
  return TRUE;
}

/* The view must lie inside its storage. */
static gboolean
check_view (const char *file, const char *name, FoveaTorchTensor *t, GError **error)
{
  guint64 n = 1, last = t->offset;
  gboolean overflow = FALSE;
  for (int d = 0; d < t->n_dims; d++)
    {
      guint64 span;
      overflow |= !g_uint64_checked_mul (&n, n, (guint64) t->shape[d]);
      if (t->shape[d] > 0)
        overflow |= !g_uint64_checked_mul (&span, (guint64) (t->shape[d] - 1),
                                           (guint64) t->stride[d]) ||
                    !g_uint64_checked_add (&last, last, span);
    }
  g_autofree char *shape = fovea_shape_to_string (t->shape, t->n_dims);
  if (overflow || n > G_MAXSIZE / 8)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_LIMIT, file, name,
                         "shape %s with strides too large to address", shape);
  t->n_elements = (gsize) n;
  if (n > 0 && last >= t->storage_numel)
    {
      g_autofree char *stride = fovea_shape_to_string (t->stride, t->n_dims);
      return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                           "its view (offset %" G_GUINT64_FORMAT ", shape %s, stride %s) "
                           "reaches element %" G_GUINT64_FORMAT " of storage “%s”, which "
                           "holds %" G_GUINT64_FORMAT, t->offset, shape, stride, last,
                           t->storage_key, t->storage_numel);
    }
  return TRUE;
}

/* _rebuild_tensor_v2 (storage, offset, size, stride, requires_grad,
 * backward_hooks[, metadata]), possibly inside _rebuild_parameter (tensor,
 * requires_grad, backward_hooks[, state]). */
static gboolean
read_tensor (const char *file, const char *name, const FoveaPickleValue *value,
             FoveaTorchTensor *t, GError **error)
{
  guint n_args = value->args->items->len;
  if (value->callable->integer != FOVEA_TORCH_GLOBAL_REBUILD_TENSOR_V2)
    {
      const FoveaPickleValue *inner = n_args >= 3 ? arg (value, 0) : NULL;
      gboolean with_state =
        value->callable->integer == FOVEA_TORCH_GLOBAL_REBUILD_PARAMETER_WITH_STATE;
      if (inner == NULL || n_args != (with_state ? 4u : 3u) || inner->kind != FOVEA_PICKLE_CALL ||
          inner->callable->integer != FOVEA_TORCH_GLOBAL_REBUILD_TENSOR_V2)
        return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                             "a parameter that does not wrap a plain tensor");
      value = inner;
      n_args = value->args->items->len;
    }
  if (n_args != 6 && n_args != 7)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "_rebuild_tensor_v2 has %u arguments, not 6 or 7", n_args);
  int n_stride;
  if (!read_storage (file, name, arg (value, 0), t, error))
    return FALSE;
  if (!read_count (arg (value, 1), &t->offset))
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "its storage offset is not a non-negative int");
  if (!read_dims (file, name, "size", arg (value, 2), t->shape, &t->n_dims, error) ||
      !read_dims (file, name, "stride", arg (value, 3), t->stride, &n_stride, error))
    return FALSE;
  if (n_stride != t->n_dims)
    return tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR, file, name,
                         "it has %d sizes but %d strides", t->n_dims, n_stride);
  return check_view (file, name, t, error);
}

/* A dict whose values are all tensors. */
static gboolean
is_state_dict (const FoveaPickleValue *value)
{
  if (value == NULL || value->kind != FOVEA_PICKLE_DICT || value->items->len == 0)
    return FALSE;
  for (guint i = 1; i < value->items->len; i += 2)
    if (!is_tensor (g_ptr_array_index (value->items, i)))
      return FALSE;
  return TRUE;
}

/* The root itself, or its member under a wrapper key. */
static const FoveaPickleValue *
find_state_dict (const FoveaPickleValue *root, const char *file,
                 FoveaTorchCheckpointInfo *info, GError **error)
{
  if (root->kind != FOVEA_PICKLE_DICT)
    {
      g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
                   "%s: the checkpoint holds %s, not a dict of tensors (a state dict)",
                   file, fovea_pickle_kind_describe (root->kind));
      return NULL;
    }
  if (is_state_dict (root))
    return root;
  for (gsize i = 0; i < G_N_ELEMENTS (wrapper_keys); i++)
    {
      const FoveaPickleValue *inner = fovea_pickle_dict_lookup (root, wrapper_keys[i]);
      if (inner != NULL && inner->kind == FOVEA_PICKLE_DICT)
        {
          info->wrapper = g_strdup (wrapper_keys[i]);
          return inner;
        }
    }
  GString *keys = g_string_new (NULL);
  guint n_keys = root->items->len / 2;
  for (guint i = 0; i < root->items->len && i < 16; i += 2)
    {
      const FoveaPickleValue *key = g_ptr_array_index (root->items, i);
      g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "",
                              key->kind == FOVEA_PICKLE_STRING ? key->string
                              : fovea_pickle_kind_describe (key->kind));
    }
  if (n_keys > 8)
    g_string_append (keys, ", …");
  g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
               "%s: no state dict: the checkpoint's dict holds %s%s%s; Fovea reads a dict "
               "of tensors, or one under “state_dict”, “model” or “model_state_dict”",
               file, n_keys == 0 ? "nothing" : "“", keys->str, n_keys == 0 ? "" : "”");
  g_string_free (keys, TRUE);
  return NULL;
}

static gboolean
all_have_prefix (const FoveaPickleValue *dict)
{
  for (guint i = 0; i < dict->items->len; i += 2)
    {
      const FoveaPickleValue *key = g_ptr_array_index (dict->items, i);
      if (key->kind != FOVEA_PICKLE_STRING || !g_str_has_prefix (key->string, MODULE_PREFIX))
        return FALSE;
    }
  return dict->items->len > 0;
}

static void
tensor_clear (gpointer data)
{
  g_free (((FoveaTorchTensor *) data)->name);
}

GArray *
fovea_torch_state_dict_read (const FoveaPickleValue   *root,
                             const char               *file,
                             FoveaTorchCheckpointInfo *info,
                             GError                  **error)
{
  const FoveaPickleValue *dict = find_state_dict (root, file, info, error);
  if (dict == NULL)
    return NULL;
  info->module_prefix = all_have_prefix (dict);
  gsize strip = info->module_prefix ? strlen (MODULE_PREFIX) : 0;
  GArray *tensors = g_array_new (FALSE, TRUE, sizeof (FoveaTorchTensor));
  g_array_set_clear_func (tensors, tensor_clear);
  for (guint i = 0; i < dict->items->len; i += 2)
    {
      const FoveaPickleValue *key = g_ptr_array_index (dict->items, i);
      const FoveaPickleValue *value = g_ptr_array_index (dict->items, i + 1);
      if (key->kind != FOVEA_PICKLE_STRING || strlen (key->string) != key->length ||
          key->length == strip || strcmp (key->string + strip, "__metadata__") == 0)
        {
          g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
                       "%s: the state dict has a key that is %s, not a usable tensor name",
                       file, key->kind == FOVEA_PICKLE_STRING ? "empty, __metadata__ or holds a NUL"
                       : fovea_pickle_kind_describe (key->kind));
          g_array_unref (tensors);
          return NULL;
        }
      const char *name = key->string + strip;
      if (!is_tensor (value))
        {
          tensor_error (error, FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT, file, name,
                        "the state dict holds %s there, not a tensor",
                        fovea_pickle_kind_describe (value->kind));
          g_array_unref (tensors);
          return NULL;
        }
      FoveaTorchTensor t = { 0 };
      if (!read_tensor (file, name, value, &t, error))
        {
          g_array_unref (tensors);
          return NULL;
        }
      if (t.type->skip)
        {
          g_ptr_array_add (info->skipped, g_strdup (name));
          continue;
        }
      t.name = g_strdup (name);
      g_array_append_val (tensors, t);
    }
  if (tensors->len == 0)
    {
      g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
                   "%s: the state dict holds no floating-point tensor", file);
      g_array_unref (tensors);
      return NULL;
    }
  return tensors;
}
