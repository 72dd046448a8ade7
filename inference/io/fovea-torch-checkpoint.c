/* fovea-torch-checkpoint.c: the archive side of reading a PyTorch
 * checkpoint: telling the format, the zip's members, and copying each
 * tensor out of its storage into one safetensors image in memory.
 *
 * Sizes are checked before anything is allocated: data.pkl is at most
 * 64 MiB (a 10 000-tensor state dict pickles to about 1 MB); each storage
 * member must have exactly the bytes its persistent id claims; and the
 * image may not exceed four times the storages it copies from plus
 * 16 MiB, so views that overlap themselves (stride 0) or share one storage
 * many times cannot blow a small file up. Then the image is allocated
 * once, filled, and handed to fovea_safetensors_new_from_bytes(), which
 * validates it like any file: every loader reads it unchanged. */
#define G_LOG_DOMAIN "fovea-torch-checkpoint"

#include "fovea-torch-checkpoint-private.h"

#include <string.h>

#include "fovea-safetensors-private.h"
#include "fovea-zip-reader.h"

#define MAX_PICKLE ((guint64) 64 << 20)
/* version and byteorder hold a few characters. */
#define MAX_SMALL_MEMBER 64
#define IMAGE_SLACK ((guint64) 16 << 20)
#define IMAGE_FACTOR 4

G_DEFINE_QUARK (fovea-torch-checkpoint-error-quark, fovea_torch_checkpoint_error)

typedef struct {
  const char               *file;
  FoveaZip                 *zip;
  char                     *prefix;     /* the archive's folder, with its '/' */
  gboolean                  big_endian;
  GHashTable               *storages;   /* key → GBytes, read once */
  GError                  **error;
} Reader;

void
fovea_torch_checkpoint_info_clear (FoveaTorchCheckpointInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->wrapper, g_free);
  g_clear_pointer (&info->skipped, g_ptr_array_unref);
  info->module_prefix = FALSE;
}

static gboolean G_GNUC_PRINTF (3, 4)
set_error (Reader *r, int code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (r->error, FOVEA_TORCH_CHECKPOINT_ERROR, code, "%s: %s", r->file, problem);
  return FALSE;
}

/* ---- the format -------------------------------------------------------------- */

/* Refuses what is not a zip checkpoint, saying what it is instead. */
static gboolean
check_magic (const char *file, const guint8 *data, gsize length, GError **error)
{
  if (length >= 4 && memcmp (data, "PK", 2) == 0 &&
      ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6)))
    return TRUE;
  const char *what;
  if (length >= 2 && data[0] == 0x80 && data[1] <= 5)
    what = "legacy PyTorch format (torch < 1.6, or _use_new_zipfile_serialization=False): "
           "re-save with torch ≥ 1.6 or convert to safetensors";
  else if (length >= 9 && data[8] == '{')
    what = "a safetensors file, not a PyTorch checkpoint";
  else
    what = "not a PyTorch checkpoint (torch.save writes a zip archive)";
  g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,
               "%s: %s", file, what);
  return FALSE;
}

/* torch.save puts every member in one folder, named after the first
 * member's (as PyTorch's own reader finds it). */
static gboolean
find_prefix (Reader *r)
{
  const char *first = fovea_zip_get_member_name (r->zip, 0);
  const char *slash = first != NULL ? strchr (first, '/') : NULL;
  if (slash == NULL)
    return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,
                      "not a PyTorch checkpoint: its first zip member, “%s”, is in no folder",
                      first != NULL ? first : "(none)");
  r->prefix = g_strndup (first, (gsize) (slash - first + 1));
  return TRUE;
}

static char *
member_path (Reader *r, const char *name)
{
  return g_strconcat (r->prefix, name, NULL);
}

static gboolean
has_member_under (Reader *r, const char *folder)
{
  g_autofree char *start = member_path (r, folder);
  for (guint i = 0; i < fovea_zip_get_n_members (r->zip); i++)
    if (g_str_has_prefix (fovea_zip_get_member_name (r->zip, i), start))
      return TRUE;
  return FALSE;
}

/* A short text member (version, byteorder), or NULL when absent (and no
 * error) or unreadable (error set). */
static char *
read_small_member (Reader *r, const char *name)
{
  g_autofree char *path = member_path (r, name);
  if (fovea_zip_get_member_size (r->zip, path) < 0)
    return NULL;
  g_autoptr (GBytes) bytes = fovea_zip_read_member (r->zip, path, MAX_SMALL_MEMBER, r->error);
  if (bytes == NULL)
    return NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  char *text = g_strndup (length > 0 ? data : "", length);
  g_strchomp (text);
  return text;
}

static gboolean
read_version_and_byteorder (Reader *r)
{
  g_autofree char *version = read_small_member (r, "version");
  if (version == NULL && r->error != NULL && *r->error != NULL)
    return FALSE;
  if (version != NULL && (version[0] == '\0' || strspn (version, "0123456789") != strlen (version)))
    return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_ARCHIVE,
                      "member “%sversion” is not a format version number", r->prefix);

  /* Since PyTorch 2.1; before, storages are in the saving machine's order,
   * which was little-endian wherever PyTorch ran. */
  g_autofree char *order = read_small_member (r, "byteorder");
  if (order == NULL && r->error != NULL && *r->error != NULL)
    return FALSE;
  if (order != NULL && strcmp (order, "little") != 0 && strcmp (order, "big") != 0)
    return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_ARCHIVE,
                      "member “%sbyteorder” is neither “little” nor “big”", r->prefix);
  r->big_endian = order != NULL && strcmp (order, "big") == 0;
  return TRUE;
}

/* ---- storages and the image ------------------------------------------------ */

static char *
storage_member (Reader *r, const FoveaTorchTensor *t)
{
  return g_strconcat (r->prefix, "data/", t->storage_key, NULL);
}

/* Checks every tensor's storage member against its persistent id, and
 * returns the image's data size, within the limit. */
static gboolean
check_storages (Reader *r, GArray *tensors, guint64 *data_size)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint64 storage_bytes = 0, out_bytes = 0;
  for (guint i = 0; i < tensors->len; i++)
    {
      const FoveaTorchTensor *t = &g_array_index (tensors, FoveaTorchTensor, i);
      g_autofree char *member = storage_member (r, t);
      gint64 size = fovea_zip_get_member_size (r->zip, member);
      guint64 want;
      gboolean overflow = !g_uint64_checked_mul (&want, t->storage_numel, t->type->element_size);
      if (size < 0)
        return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,
                          "tensor “%s”: its storage, member “%s”, is not in the archive",
                          t->name, member);
      if (overflow || want != (guint64) size)
        return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,
                          "tensor “%s”: member “%s” holds %" G_GINT64_FORMAT " bytes, but its "
                          "storage is %" G_GUINT64_FORMAT " elements of %s (%" G_GSIZE_FORMAT
                          " bytes each)", t->name, member, size, t->storage_numel,
                          t->type->name, t->type->element_size);
      /* Sums saturate: an overflow is over the limit anyway. */
      if (g_hash_table_add (seen, (gpointer) t->storage_key) &&
          !g_uint64_checked_add (&storage_bytes, storage_bytes, want))
        storage_bytes = G_MAXUINT64;
      if (!g_uint64_checked_add (&out_bytes, out_bytes,
                                 (guint64) t->n_elements * fovea_dtype_get_size (t->type->dtype)))
        out_bytes = G_MAXUINT64;
    }
  guint64 limit;
  if (!g_uint64_checked_mul (&limit, storage_bytes, IMAGE_FACTOR) ||
      !g_uint64_checked_add (&limit, limit, IMAGE_SLACK))
    limit = G_MAXUINT64;
  if (out_bytes > limit)
    return set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_LIMIT,
                      "its tensors would take %" G_GUINT64_FORMAT " bytes, more than %d times "
                      "their %" G_GUINT64_FORMAT " bytes of storage (views that overlap "
                      "themselves or repeat one storage many times)",
                      out_bytes, IMAGE_FACTOR, storage_bytes);
  *data_size = out_bytes;
  return TRUE;
}

static const guint8 *
storage_bytes (Reader *r, const FoveaTorchTensor *t)
{
  GBytes *bytes = g_hash_table_lookup (r->storages, t->storage_key);
  if (bytes == NULL)
    {
      g_autofree char *member = storage_member (r, t);
      bytes = fovea_zip_read_member (r->zip, member, t->storage_numel * t->type->element_size,
                                     r->error);
      if (bytes == NULL)
        return NULL;
      g_hash_table_insert (r->storages, g_strdup (t->storage_key), bytes);
    }
  /* An empty member may give a NULL pointer, and no element is read. */
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  static const guint8 empty[8];
  return data != NULL ? data : empty;
}

static void
swap_bytes (guint8 *p, gsize size)
{
  for (gsize i = 0; i < size / 2; i++)
    {
      guint8 b = p[i];
      p[i] = p[size - 1 - i];
      p[size - 1 - i] = b;
    }
}

static void
copy_element (guint8 *dst, const guint8 *src, const FoveaTorchStorageType *type, gboolean swap)
{
  if (type->from_double)
    {
      guint8 raw[8];
      memcpy (raw, src, 8);
      if (swap)
        swap_bytes (raw, 8);
      double d;
      memcpy (&d, raw, 8);
      float f = (float) d;
      memcpy (dst, &f, 4);
      return;
    }
  memcpy (dst, src, type->element_size);
  if (swap)
    swap_bytes (dst, type->element_size);
}

static gboolean
is_contiguous (const FoveaTorchTensor *t)
{
  gint64 expected = 1;
  for (int d = t->n_dims - 1; d >= 0; d--)
    {
      if (t->shape[d] != 1 && t->stride[d] != expected)
        return FALSE;
      expected *= t->shape[d];
    }
  return TRUE;
}

/* The view's elements in row-major order; the view was checked to lie
 * inside src. */
static void
copy_view (guint8 *dst, const guint8 *src, const FoveaTorchTensor *t, gboolean swap)
{
  const FoveaTorchStorageType *type = t->type;
  gsize in_size = type->element_size, out_size = fovea_dtype_get_size (type->dtype);
  if (t->n_elements == 0)
    return;
  if (is_contiguous (t) && !swap && !type->from_double)
    {
      memcpy (dst, src + t->offset * in_size, t->n_elements * in_size);
      return;
    }
  gint64 index[FOVEA_TENSOR_MAX_DIMS] = { 0 };
  guint64 position = t->offset;
  for (gsize i = 0; i < t->n_elements; i++)
    {
      copy_element (dst + i * out_size, src + position * in_size, type, swap);
      for (int d = t->n_dims - 1; d >= 0; d--)
        {
          position += (guint64) t->stride[d];
          if (++index[d] < t->shape[d])
            break;
          position -= (guint64) t->stride[d] * (guint64) t->shape[d];
          index[d] = 0;
        }
    }
}

static FoveaSafetensors *
build_image (Reader *r, GArray *tensors, guint64 data_size)
{
  g_autofree FoveaTensorView *views = g_new0 (FoveaTensorView, tensors->len);
  for (guint i = 0; i < tensors->len; i++)
    {
      const FoveaTorchTensor *t = &g_array_index (tensors, FoveaTorchTensor, i);
      FoveaTensorView *v = &views[i];
      v->name = t->name;
      v->dtype = t->type->dtype;
      v->n_dims = t->n_dims;
      memcpy (v->shape, t->shape, sizeof v->shape);
      v->n_elements = t->n_elements;
      v->n_bytes = t->n_elements * fovea_dtype_get_size (v->dtype);
    }
  /* As safetensors' own save_file (and the hub's converter) marks them. */
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, "format", "pt");
  GString *header = fovea_safetensors_build_header (r->file, views, tensors->len, metadata,
                                                    FALSE, r->error);
  if (header == NULL)
    return NULL;
  gsize header_end = 8 + header->len;
  guint8 *image = data_size <= G_MAXSIZE - header_end
                  ? g_try_malloc (header_end + (gsize) data_size) : NULL;
  if (image == NULL)
    {
      set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_LIMIT, "out of memory for %" G_GUINT64_FORMAT
                 " bytes of tensors", data_size);
      g_string_free (header, TRUE);
      return NULL;
    }
  for (int i = 0; i < 8; i++)
    image[i] = (guint8) ((guint64) header->len >> (8 * i));
  memcpy (image + 8, header->str, header->len);
  g_string_free (header, TRUE);

  gsize offset = header_end;
  for (guint i = 0; i < tensors->len; i++)
    {
      const FoveaTorchTensor *t = &g_array_index (tensors, FoveaTorchTensor, i);
      const guint8 *src = storage_bytes (r, t);
      if (src == NULL)
        {
          g_free (image);
          return NULL;
        }
      copy_view (image + offset, src, t, r->big_endian);
      offset += views[i].n_bytes;
    }
  g_autoptr (GBytes) bytes = g_bytes_new_take (image, offset);
  return fovea_safetensors_new_from_bytes (bytes, r->file, r->error);
}

/* ---- the whole --------------------------------------------------------------- */

static FoveaSafetensors *
read_checkpoint (Reader *r, FoveaTorchCheckpointInfo *info)
{
  if (!find_prefix (r))
    return NULL;
  g_autofree char *pickle_path = member_path (r, "data.pkl");
  if (has_member_under (r, "code/") || has_member_under (r, "constants.pkl"))
    {
      set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,
                 "a TorchScript module (torch.jit.save), which holds code; Fovea reads "
                 "checkpoints of tensors only: save the module's state_dict() with torch.save");
      return NULL;
    }
  if (fovea_zip_get_member_size (r->zip, pickle_path) < 0)
    {
      set_error (r, FOVEA_TORCH_CHECKPOINT_ERROR_ARCHIVE,
                 "member “%s” is not in the archive (not a PyTorch checkpoint?)", pickle_path);
      return NULL;
    }
  if (!read_version_and_byteorder (r))
    return NULL;

  g_autoptr (GBytes) pickle_bytes = fovea_zip_read_member (r->zip, pickle_path, MAX_PICKLE,
                                                           r->error);
  if (pickle_bytes == NULL)
    return NULL;
  gsize pickle_length;
  const guint8 *pickle_data = g_bytes_get_data (pickle_bytes, &pickle_length);
  g_autoptr (FoveaPickle) pickle = fovea_pickle_load (pickle_data, pickle_length, r->file,
                                                      pickle_path, fovea_torch_globals,
                                                      fovea_torch_n_globals, r->error);
  if (pickle == NULL)
    return NULL;
  g_autoptr (GArray) tensors = fovea_torch_state_dict_read (fovea_pickle_get_root (pickle),
                                                            r->file, info, r->error);
  guint64 data_size = 0;
  if (tensors == NULL || !check_storages (r, tensors, &data_size))
    return NULL;
  return build_image (r, tensors, data_size);
}

FoveaSafetensors *
fovea_torch_checkpoint_new_from_bytes (GBytes                   *bytes,
                                       const char               *name,
                                       FoveaTorchCheckpointInfo *info,
                                       GError                  **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  const char *file = name != NULL ? name : "checkpoint";
  FoveaTorchCheckpointInfo local = { 0 };
  FoveaTorchCheckpointInfo *out = info != NULL ? info : &local;
  memset (out, 0, sizeof *out);
  out->skipped = g_ptr_array_new_with_free_func (g_free);

  /* Errors are collected here even when the caller passes none, since the
   * steps test for a set error. */
  GError *local_error = NULL;
  FoveaSafetensors *st = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  if (check_magic (file, data, length, &local_error))
    {
      Reader r = { .file = file, .error = &local_error,
                   .storages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) g_bytes_unref) };
      r.zip = fovea_zip_new_from_bytes (bytes, file, &local_error);
      if (r.zip != NULL)
        st = read_checkpoint (&r, out);
      g_hash_table_unref (r.storages);
      fovea_zip_free (r.zip);
      g_free (r.prefix);
    }
  if (st == NULL)
    {
      g_propagate_error (error, local_error);
      fovea_torch_checkpoint_info_clear (out);
    }
  fovea_torch_checkpoint_info_clear (&local);
  return st;
}

FoveaSafetensors *
fovea_torch_checkpoint_open (const char *path, FoveaTorchCheckpointInfo *info, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  GError *map_error = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &map_error);
  if (mapped == NULL)
    {
      g_set_error (error, FOVEA_TORCH_CHECKPOINT_ERROR, FOVEA_TORCH_CHECKPOINT_ERROR_IO,
                   "%s", map_error->message);
      g_error_free (map_error);
      return NULL;
    }
  GBytes *bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  FoveaSafetensors *st = fovea_torch_checkpoint_new_from_bytes (bytes, path, info, error);
  g_bytes_unref (bytes);
  return st;
}
