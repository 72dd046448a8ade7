/* fovea-adapter-tensors.c: reading an adapter's matrices with shape checks
 * whose errors name the tensor. */
#define G_LOG_DOMAIN "fovea-adapter-tensors"

#include "fovea-adapter-private.h"

#include <stdarg.h>
#include <string.h>

void
fovea_adapter_set_error (GError         **error,
                         const FoveaLora *lora,
                         const char      *format,
                         ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
               "Adapter “%s”: %s", lora->name, message);
}

static char *
format_shape (int           n_dims,
              const gint64 *shape)
{
  GString *text = g_string_new ("[");
  for (int i = 0; i < n_dims; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      if (shape[i] < 0)
        g_string_append (text, "any");
      else
        g_string_append_printf (text, "%" G_GINT64_FORMAT, shape[i]);
    }
  g_string_append_c (text, ']');
  return g_string_free (text, FALSE);
}

const float *
fovea_adapter_get_tensor (const FoveaLora  *lora,
                          FoveaSafetensors *st,
                          const char       *name,
                          int               n_dims,
                          const gint64     *shape,
                          GError          **error)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  if (view == NULL)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s” is missing", name);
      return NULL;
    }
  gboolean fits = view->n_dims == n_dims;
  for (int i = 0; fits && i < n_dims; i++)
    fits = view->shape[i] >= 1 && view->shape[i] <= G_MAXINT &&
           (shape[i] < 0 || view->shape[i] == shape[i]);
  if (!fits)
    {
      g_autofree char *found = format_shape (view->n_dims, view->shape);
      g_autofree char *expected = format_shape (n_dims, shape);
      fovea_adapter_set_error (error, lora, "tensor “%s” has shape %s, expected %s",
                               name, found, expected);
      return NULL;
    }
  GError *local = NULL;
  /* A NaN or infinity is refused here too, by name. */
  const float *data = fovea_safetensors_get_weights (st, name, n_dims, view->shape, &local);
  if (data == NULL)
    {
      fovea_adapter_set_error (error, lora, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  return data;
}

gboolean
fovea_adapter_read_update (const FoveaLora  *lora,
                           FoveaSafetensors *st,
                           const char       *a_name,
                           const char       *b_name,
                           int               expected_rank,
                           int               in_features,
                           int               out_features,
                           int               out_offset,
                           float             scale,
                           FoveaLoraUpdate  *update,
                           GError          **error)
{
  const FoveaTensorView *a = fovea_safetensors_lookup (st, a_name);
  const FoveaTensorView *b = fovea_safetensors_lookup (st, b_name);
  if (a == NULL || b == NULL)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s” has no matching “%s”",
                               a ? a_name : b_name, a ? b_name : a_name);
      return FALSE;
    }
  if (a->n_dims == 2 && b->n_dims == 2 && a->shape[0] != b->shape[1])
    {
      fovea_adapter_set_error (error, lora, "tensor “%s” has rank %" G_GINT64_FORMAT
                               " but “%s” has rank %" G_GINT64_FORMAT,
                               a_name, a->shape[0], b_name, b->shape[1]);
      return FALSE;
    }
  if (a->n_dims == 2 && a->shape[0] > FOVEA_ADAPTER_MAX_RANK)
    {
      fovea_adapter_set_error (error, lora, "tensor “%s” has rank %" G_GINT64_FORMAT
                               ", more than %d", a_name, a->shape[0], FOVEA_ADAPTER_MAX_RANK);
      return FALSE;
    }

  gint64 a_shape[2] = { expected_rank ? expected_rank : -1, in_features };
  const float *a_data = fovea_adapter_get_tensor (lora, st, a_name, 2, a_shape, error);
  if (a_data == NULL)
    return FALSE;
  int rank = (int) a->shape[0];
  gint64 b_shape[2] = { out_features, rank };
  const float *b_data = fovea_adapter_get_tensor (lora, st, b_name, 2, b_shape, error);
  if (b_data == NULL)
    return FALSE;

  *update = (FoveaLoraUpdate) {
    .rank = rank,
    .in_features = in_features,
    .out_features = out_features,
    .out_offset = out_offset,
    .scale = scale,
    .a = a_data,
    .b = b_data,
  };
  return TRUE;
}

gboolean
fovea_adapter_parse_index (const char *text,
                           gsize       len,
                           int         width,
                           int        *value)
{
  if (len == 0 || len > 9)
    return FALSE;
  int parsed = 0;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      parsed = parsed * 10 + (text[i] - '0');
    }
  /* Only the spelling f"{parsed:0{width}d}" is the same index. */
  char canonical[16];
  int n = g_snprintf (canonical, sizeof canonical, "%0*d", width, parsed);
  if ((gsize) n != len || memcmp (canonical, text, len) != 0)
    return FALSE;
  *value = parsed;
  return TRUE;
}
