/* fovea-random-tensors.c: seeded random tensors written as safetensors
 * (see the header). */
#define G_LOG_DOMAIN "fovea-random-tensors"

#include "fovea-random-tensors.h"

#include "fovea-rng.h"

void
fovea_random_tensors_init (FoveaRandomTensors *list, guint64 seed)
{
  list->views = g_array_new (FALSE, FALSE, sizeof (FoveaTensorView));
  list->owned = g_ptr_array_new_with_free_func (g_free);
  list->state = seed;
}

void
fovea_random_tensors_clear (FoveaRandomTensors *list)
{
  g_array_unref (list->views);
  g_ptr_array_unref (list->owned);
}

float
fovea_random_uniform (guint64 *state)
{
  guint64 z = fovea_splitmix64 (state);
  return (float) (z >> 40) / (float) (1 << 24) * 2.0f - 1.0f;  /* [-1, 1) */
}

void
fovea_random_tensors_add (FoveaRandomTensors *list, char *name, float centre, float spread,
                          int n_dims, const gint64 *shape)
{
  FoveaTensorView view = { .name = name, .dtype = FOVEA_DTYPE_F32, .n_dims = n_dims };

  view.n_elements = 1;
  for (int i = 0; i < n_dims; i++)
    {
      view.shape[i] = shape[i];
      view.n_elements *= (gsize) shape[i];
    }
  float *data = g_new (float, view.n_elements);
  for (gsize i = 0; i < view.n_elements; i++)
    data[i] = centre + spread * fovea_random_uniform (&list->state);
  view.data = data;
  view.n_bytes = view.n_elements * sizeof (float);

  g_ptr_array_add (list->owned, name);
  g_ptr_array_add (list->owned, data);
  g_array_append_val (list->views, view);
}

/* A copy of the views with their data rounded to dtype (owned by owned). */
static FoveaTensorView *
convert_views (const FoveaRandomTensors *list, FoveaDType dtype, GPtrArray *owned)
{
  FoveaTensorView *views = g_memdup2 (list->views->data,
                                      sizeof (FoveaTensorView) * list->views->len);
  g_ptr_array_add (owned, views);
  for (guint i = 0; i < list->views->len; i++)
    {
      const float *in = views[i].data;
      guint16 *out = g_new (guint16, MAX (views[i].n_elements, 1));
      for (gsize j = 0; j < views[i].n_elements; j++)
        out[j] = dtype == FOVEA_DTYPE_F16 ? fovea_f32_to_f16 (in[j]) : fovea_f32_to_bf16 (in[j]);
      g_ptr_array_add (owned, out);
      views[i].dtype = dtype;
      views[i].data = out;
      views[i].n_bytes = views[i].n_elements * sizeof (guint16);
    }
  return views;
}

gboolean
fovea_random_tensors_write (FoveaRandomTensors *list, const char *path, FoveaDType dtype,
                            GError **error)
{
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  const FoveaTensorView *views = (const FoveaTensorView *) list->views->data;

  if (dtype != FOVEA_DTYPE_F32)
    views = convert_views (list, dtype, owned);
  g_hash_table_insert (metadata, "format", "pt");
  return fovea_safetensors_write (path, views, list->views->len, metadata, error);
}
