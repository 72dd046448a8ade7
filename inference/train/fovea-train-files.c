/* fovea-train-files.c: tensor lists and JSON for the writers of trained
 * models (fovea-train-files.h). */
#define G_LOG_DOMAIN "fovea-train-files"

#include "fovea-train-files.h"

void
fovea_tensor_list_init (FoveaTensorList *list)
{
  list->views = g_array_new (FALSE, TRUE, sizeof (FoveaTensorView));
  list->strings = g_ptr_array_new_with_free_func (g_free);
  list->buffers = g_ptr_array_new_with_free_func (g_free);
}

void
fovea_tensor_list_clear (FoveaTensorList *list)
{
  g_array_unref (list->views);
  g_ptr_array_unref (list->strings);
  g_ptr_array_unref (list->buffers);
}

void
fovea_tensor_list_add (FoveaTensorList *list, char *name, const float *data, int n_dims,
                       const gint64 *shape)
{
  FoveaTensorView view = { .name = name, .dtype = FOVEA_DTYPE_F32, .n_dims = n_dims,
                           .data = data, .n_elements = 1 };
  for (int i = 0; i < n_dims; i++)
    {
      view.shape[i] = shape[i];
      view.n_elements *= (gsize) shape[i];
    }
  view.n_bytes = view.n_elements * sizeof (float);
  g_ptr_array_add (list->strings, name);
  g_array_append_val (list->views, view);
}

float *
fovea_tensor_list_buffer (FoveaTensorList *list, gsize n)
{
  float *buffer = g_new0 (float, MAX (n, 1));
  g_ptr_array_add (list->buffers, buffer);
  return buffer;
}

void
fovea_tensor_list_to_f16 (FoveaTensorList *list)
{
  for (guint i = 0; i < list->views->len; i++)
    {
      FoveaTensorView *view = &g_array_index (list->views, FoveaTensorView, i);
      if (view->dtype != FOVEA_DTYPE_F32)
        continue;
      const float *in = view->data;
      guint16 *out = g_new (guint16, MAX (view->n_elements, 1));
      for (gsize k = 0; k < view->n_elements; k++)
        out[k] = GUINT16_TO_LE (fovea_f32_to_f16 (in[k]));
      g_ptr_array_add (list->buffers, out);
      view->data = out;
      view->dtype = FOVEA_DTYPE_F16;
      view->n_bytes = view->n_elements * sizeof (guint16);
    }
}

gboolean
fovea_tensor_list_write (FoveaTensorList *list, const char *path, GHashTable *extra,
                         GError **error)
{
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, (gpointer) "format", (gpointer) "pt");
  if (extra != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, extra);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (metadata, key, value);
    }
  return fovea_safetensors_write (path, (const FoveaTensorView *) list->views->data,
                                  list->views->len, metadata, error);
}

gboolean
fovea_json_write_file (const char *path, JsonBuilder *builder, GError **error)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  return g_file_set_contents_full (path, with_newline, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0644, error);
}

void
fovea_json_add_int (JsonBuilder *b, const char *key, gint64 value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, value);
}

void
fovea_json_add_bool (JsonBuilder *b, const char *key, gboolean value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, value);
}

void
fovea_json_add_double (JsonBuilder *b, const char *key, double value)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, value);
}

void
fovea_json_add_string (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

void
fovea_json_add_numbers (JsonBuilder *b, const char *key, const double *values, int n,
                        gboolean integers)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    {
      if (integers)
        json_builder_add_int_value (b, (gint64) values[i]);
      else
        json_builder_add_double_value (b, values[i]);
    }
  json_builder_end_array (b);
}
