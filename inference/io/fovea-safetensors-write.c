/* fovea-safetensors-write.c: writing safetensors files atomically.
 *
 * The data is streamed to a temporary file next to the destination, which
 * is then renamed over it: readers see the old file or the whole new one,
 * never a part, and a failure leaves nothing behind. Streaming (rather
 * than g_file_set_contents) avoids a second copy of large weights. */
#define G_LOG_DOMAIN "fovea-safetensors-write"

#include "fovea-safetensors-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

/* Checks that a view describes what it holds (its data only if
 * need_data). */
static gboolean
check_view (const char *path, const FoveaTensorView *view, gboolean need_data,
            GHashTable *seen, GError **error)
{
  const char *name = view->name != NULL ? view->name : "(null)";
  const char *problem = NULL;
  gsize element_size = fovea_dtype_get_size (view->dtype);
  guint64 n_elements = 1;

  if (view->name == NULL || g_strcmp0 (view->name, "__metadata__") == 0)
    problem = "is not a usable tensor name";
  else if (!g_hash_table_add (seen, (gpointer) view->name))
    problem = "is listed twice";
  else if (element_size == 0)
    problem = "has an invalid dtype";
  else if (view->n_dims < 0 || view->n_dims > FOVEA_TENSOR_MAX_DIMS)
    problem = "has an invalid number of dimensions";
  for (int i = 0; problem == NULL && i < view->n_dims; i++)
    {
      if (view->shape[i] < 0 ||
          !g_uint64_checked_mul (&n_elements, n_elements, (guint64) view->shape[i]))
        problem = "has an invalid shape";
    }
  if (problem == NULL && (n_elements != view->n_elements ||
                          n_elements * element_size != view->n_bytes ||
                          (need_data && view->n_bytes > 0 && view->data == NULL)))
    problem = "has n_elements, n_bytes or data that do not match its shape and dtype";
  if (problem != NULL)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_SHAPE,
                   "%s: tensor “%s” %s", path, name, problem);
      return FALSE;
    }
  return TRUE;
}

static void
add_int_array (JsonBuilder *builder, const char *member, const guint64 *values, int n)
{
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (int i = 0; i < n; i++)
    json_builder_add_int_value (builder, (gint64) values[i]);
  json_builder_end_array (builder);
}

/* The header JSON, padded with spaces to a multiple of 8 bytes. Metadata
 * keys are sorted so that the same input always gives the same file. */
static GString *
header_json (const FoveaTensorView *tensors, guint n_tensors, GHashTable *metadata)
{
  JsonBuilder *builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    {
      json_builder_set_member_name (builder, "__metadata__");
      json_builder_begin_object (builder);
      GList *keys = g_list_sort (g_hash_table_get_keys (metadata), (GCompareFunc) g_strcmp0);
      for (GList *l = keys; l != NULL; l = l->next)
        {
          json_builder_set_member_name (builder, l->data);
          json_builder_add_string_value (builder, g_hash_table_lookup (metadata, l->data));
        }
      g_list_free (keys);
      json_builder_end_object (builder);
    }
  guint64 offset = 0;
  for (guint i = 0; i < n_tensors; i++)
    {
      const FoveaTensorView *view = &tensors[i];
      guint64 shape[FOVEA_TENSOR_MAX_DIMS];
      for (int d = 0; d < view->n_dims; d++)
        shape[d] = (guint64) view->shape[d];
      guint64 offsets[2] = { offset, offset + view->n_bytes };
      offset = offsets[1];

      json_builder_set_member_name (builder, view->name);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "dtype");
      json_builder_add_string_value (builder, fovea_dtype_to_string (view->dtype));
      add_int_array (builder, "shape", shape, view->n_dims);
      add_int_array (builder, "data_offsets", offsets, 2);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  JsonGenerator *generator = json_generator_new ();
  JsonNode *root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  GString *header = g_string_new (NULL);
  json_generator_to_gstring (generator, header);
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');
  json_node_unref (root);
  g_object_unref (generator);
  g_object_unref (builder);
  return header;
}

GString *
fovea_safetensors_build_header (const char            *path,
                                const FoveaTensorView *tensors,
                                guint                  n_tensors,
                                GHashTable            *metadata,
                                gboolean               need_data,
                                GError               **error)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean valid = TRUE;
  for (guint i = 0; i < n_tensors && valid; i++)
    valid = check_view (path, &tensors[i], need_data, seen, error);
  g_hash_table_unref (seen);
  if (!valid)
    return NULL;

  GString *header = header_json (tensors, n_tensors, metadata);
  if (header->len > FOVEA_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the header would be %" G_GSIZE_FORMAT " bytes, over the limit of %"
                   G_GUINT64_FORMAT, path, header->len, FOVEA_SAFETENSORS_MAX_HEADER);
      g_string_free (header, TRUE);
      return NULL;
    }
  return header;
}

static gboolean
write_all (FILE *file, GString *header, const FoveaTensorView *tensors, guint n_tensors)
{
  guint8 length[8];
  for (int i = 0; i < 8; i++)
    length[i] = (guint8) ((guint64) header->len >> (8 * i));
  if (fwrite (length, 1, 8, file) != 8 ||
      fwrite (header->str, 1, header->len, file) != header->len)
    return FALSE;
  for (guint i = 0; i < n_tensors; i++)
    if (tensors[i].n_bytes > 0 &&
        fwrite (tensors[i].data, 1, tensors[i].n_bytes, file) != tensors[i].n_bytes)
      return FALSE;
  return fflush (file) == 0 && fsync (fileno (file)) == 0;
}

gboolean
fovea_safetensors_write (const char            *path,
                         const FoveaTensorView *tensors,
                         guint                  n_tensors,
                         GHashTable            *metadata,
                         GError               **error)
{
  GString *header = fovea_safetensors_build_header (path, tensors, n_tensors, metadata,
                                                    TRUE, error);
  if (header == NULL)
    return FALSE;

  char *temp_path = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (temp_path, O_RDWR | O_CLOEXEC, 0666);
  FILE *file = fd >= 0 ? fdopen (fd, "wb") : NULL;
  gboolean ok = file != NULL && write_all (file, header, tensors, n_tensors);
  int saved_errno = ok ? 0 : errno;
  if (file != NULL)
    {
      if (fclose (file) != 0 && ok)
        {
          ok = FALSE;
          saved_errno = errno;
        }
    }
  else if (fd >= 0)
    close (fd);
  if (ok && g_rename (temp_path, path) != 0)
    {
      ok = FALSE;
      saved_errno = errno;
    }
  if (!ok)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO,
                   "%s: cannot write: %s", path, g_strerror (saved_errno));
      if (fd >= 0)
        g_unlink (temp_path);
    }
  g_free (temp_path);
  g_string_free (header, TRUE);
  return ok;
}
