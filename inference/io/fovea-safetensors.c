/* fovea-safetensors.c: mapping a safetensors file, validating its header
 * in full, and handing out its tensors.
 *
 * The rules are those of the reference reader (huggingface/safetensors):
 * sorted by data_offsets, the tensors must tile the data area exactly,
 * each starting where the previous one ended and the last ending at the
 * end of the file. So a gap between tensors, or bytes after the last one,
 * is refused just as the reference refuses it, and any file Fovea accepts
 * loads in PyTorch too. */
#define G_LOG_DOMAIN "fovea-safetensors"

#include "fovea-safetensors-private.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "fovea-json-check.h"

/* Tensor bytes are little-endian and F32 data is handed out in place. */
G_STATIC_ASSERT (G_BYTE_ORDER == G_LITTLE_ENDIAN);

/* A valid header nests at most three levels: root, entry, shape. */
#define HEADER_MAX_DEPTH 3

struct _FoveaSafetensors
{
  gatomicrefcount  ref_count;
  char            *path;
  GBytes          *bytes;       /* the whole file: a mapping or the caller's bytes */
  FoveaTensorView *tensors;     /* in order of data offsets; names owned */
  guint            n_tensors;
  GHashTable      *by_name;     /* name → FoveaTensorView* */
  GHashTable      *metadata;    /* key → value, both owned */
  GMutex           convert_lock;
  float          **converted;   /* per tensor: its F32 copy, once made */
  gint            *finite;      /* per tensor: 0 unchecked, 1 finite, -1 not (atomic) */
};

/* A tensor while the header is read: its view and its byte range. */
typedef struct
{
  FoveaTensorView view;
  guint64         begin, end;
} Entry;

static const struct
{
  const char *name;
  FoveaDType  dtype;
  gsize       size;
} readable_dtypes[] = {
  { "F32", FOVEA_DTYPE_F32, 4 },
  { "F16", FOVEA_DTYPE_F16, 2 },
  { "BF16", FOVEA_DTYPE_BF16, 2 },
};

/* Valid safetensors dtypes that Fovea has no use for. */
static const char *const other_dtypes[] = {
  "F64", "I64", "U64", "I32", "U32", "I16", "U16", "I8", "U8", "BOOL",
  "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
};

G_DEFINE_QUARK (fovea-safetensors-error-quark, fovea_safetensors_error)

const char *
fovea_dtype_to_string (FoveaDType dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (readable_dtypes); i++)
    if (readable_dtypes[i].dtype == dtype)
      return readable_dtypes[i].name;
  return "invalid dtype";
}

gsize
fovea_dtype_get_size (FoveaDType dtype)
{
  for (gsize i = 0; i < G_N_ELEMENTS (readable_dtypes); i++)
    if (readable_dtypes[i].dtype == dtype)
      return readable_dtypes[i].size;
  return 0;
}

char *
fovea_shape_to_string (const gint64 *shape, int n_dims)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < n_dims; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      if (shape[i] == -1)
        g_string_append_c (s, '*');
      else
        g_string_append_printf (s, "%" G_GINT64_FORMAT, shape[i]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* "file: tensor “name”: problem". */
G_GNUC_PRINTF (5, 6) static void
set_tensor_error (GError **error, int code, const char *file, const char *tensor,
                  const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_SAFETENSORS_ERROR, code, "%s: tensor “%s”: %s",
               file, tensor, problem);
  g_free (problem);
}

/* A JSON integer ≥ 0 (the lexical check has already refused any integer
 * too large for json-glib to hold). */
static gboolean
read_count (JsonNode *node, guint64 *value)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *value = (guint64) v;
  return TRUE;
}

static gboolean
parse_dtype (const char *file, const char *name, JsonNode *node,
             Entry *entry, gsize *element_size, GError **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_DTYPE, file, name,
                        "dtype is not a string");
      return FALSE;
    }
  const char *dtype = json_node_get_string (node);
  for (gsize i = 0; i < G_N_ELEMENTS (readable_dtypes); i++)
    {
      if (strcmp (dtype, readable_dtypes[i].name) == 0)
        {
          entry->view.dtype = readable_dtypes[i].dtype;
          *element_size = readable_dtypes[i].size;
          return TRUE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (other_dtypes); i++)
    {
      if (strcmp (dtype, other_dtypes[i]) == 0)
        {
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_DTYPE, file, name,
                            "dtype %s is not supported (Fovea reads F32, F16 and BF16)",
                            dtype);
          return FALSE;
        }
    }
  set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_DTYPE, file, name,
                    "“%s” is not a safetensors dtype", dtype);
  return FALSE;
}

static gboolean
parse_shape (const char *file, const char *name, JsonNode *node,
             Entry *entry, GError **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_SHAPE, file, name,
                        "shape is not an array");
      return FALSE;
    }
  JsonArray *array = json_node_get_array (node);
  guint n_dims = json_array_get_length (array);
  if (n_dims > FOVEA_TENSOR_MAX_DIMS)
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_SHAPE, file, name,
                        "shape has %u dimensions, more than %d", n_dims,
                        FOVEA_TENSOR_MAX_DIMS);
      return FALSE;
    }
  guint64 n_elements = 1;
  gboolean overflow = FALSE;
  for (guint i = 0; i < n_dims; i++)
    {
      guint64 size;
      if (!read_count (json_array_get_element (array, i), &size))
        {
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_SHAPE, file, name,
                            "shape element %u is not a non-negative integer", i);
          return FALSE;
        }
      entry->view.shape[i] = (gint64) size;
      /* Like the reference, a product that overflows on the way is refused
       * even if a later 0 would bring it back. */
      overflow |= !g_uint64_checked_mul (&n_elements, n_elements, size);
    }
  entry->view.n_dims = (int) n_dims;
  if (overflow || n_elements > G_MAXSIZE)
    {
      char *shape = fovea_shape_to_string (entry->view.shape, entry->view.n_dims);
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_SHAPE, file, name,
                        "shape %s has too many elements to address", shape);
      g_free (shape);
      return FALSE;
    }
  entry->view.n_elements = (gsize) n_elements;
  return TRUE;
}

static gboolean
parse_offsets (const char *file, const char *name, JsonNode *node,
               gsize data_size, Entry *entry, GError **error)
{
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (array == NULL || json_array_get_length (array) != 2 ||
      !read_count (json_array_get_element (array, 0), &entry->begin) ||
      !read_count (json_array_get_element (array, 1), &entry->end))
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_RANGE, file, name,
                        "data_offsets is not [begin, end] with two non-negative integers");
      return FALSE;
    }
  if (entry->begin > entry->end)
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_RANGE, file, name,
                        "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] are reversed",
                        entry->begin, entry->end);
      return FALSE;
    }
  if (entry->end > data_size)
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_RANGE, file, name,
                        "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] run past "
                        "the end of the data area (%" G_GSIZE_FORMAT " bytes)",
                        entry->begin, entry->end, data_size);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_entry (const char *file, const char *name, JsonNode *node,
             gsize data_size, Entry *entry, GError **error)
{
  static const char *const keys[] = { "dtype", "shape", "data_offsets" };
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_HEADER, file, name,
                        "entry is not a JSON object");
      return FALSE;
    }
  JsonObject *object = json_node_get_object (node);

  GList *members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean known = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        known |= strcmp (l->data, keys[i]) == 0;
      if (!known)
        {
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_HEADER, file, name,
                            "unknown key “%s” (entries have dtype, shape and data_offsets)",
                            (const char *) l->data);
          g_list_free (members);
          return FALSE;
        }
    }
  g_list_free (members);

  JsonNode *nodes[G_N_ELEMENTS (keys)];
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      nodes[i] = json_object_get_member (object, keys[i]);
      if (nodes[i] == NULL)
        {
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_HEADER, file, name,
                            "no “%s”", keys[i]);
          return FALSE;
        }
    }

  gsize element_size;
  if (!parse_dtype (file, name, nodes[0], entry, &element_size, error) ||
      !parse_shape (file, name, nodes[1], entry, error) ||
      !parse_offsets (file, name, nodes[2], data_size, entry, error))
    return FALSE;

  guint64 n_bytes;
  gboolean overflow = !g_uint64_checked_mul (&n_bytes, entry->view.n_elements, element_size);
  if (overflow || n_bytes != entry->end - entry->begin)
    {
      char *shape = fovea_shape_to_string (entry->view.shape, entry->view.n_dims);
      char *size = overflow ? g_strdup ("more than 2^64")
                            : g_strdup_printf ("%" G_GUINT64_FORMAT, n_bytes);
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_SHAPE, file, name,
                        "shape %s is %s bytes as %s but data_offsets span %" G_GUINT64_FORMAT,
                        shape, size, fovea_dtype_to_string (entry->view.dtype),
                        entry->end - entry->begin);
      g_free (size);
      g_free (shape);
      return FALSE;
    }
  entry->view.n_bytes = (gsize) n_bytes;
  return TRUE;
}

static gboolean
parse_metadata (const char *file, JsonNode *node, GHashTable **metadata, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_METADATA,
                   "%s: __metadata__ is not a JSON object", file);
      return FALSE;
    }
  JsonObject *object = json_node_get_object (node);
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GList *members = json_object_get_members (object);
  gboolean ok = TRUE;
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      JsonNode *value = json_object_get_member (object, l->data);
      ok = JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING;
      if (ok)
        g_hash_table_insert (table, g_strdup (l->data), g_strdup (json_node_get_string (value)));
      else
        g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_METADATA,
                     "%s: __metadata__ value “%s” is not a string", file,
                     (const char *) l->data);
    }
  g_list_free (members);
  if (!ok)
    {
      g_hash_table_unref (table);
      return FALSE;
    }
  *metadata = table;
  return TRUE;
}

/* json-glib keeps only the last of repeated keys; this notices them, as
 * it emits object-member after storing each member. Counts are dropped
 * when an object ends, so a later object at a freed one's address starts
 * afresh. */
typedef struct
{
  GHashTable *counts;       /* JsonObject* being parsed → members so far */
  JsonObject *dup_object;   /* where the first repeated key was seen */
  char       *dup_key;
  char       *dup_parent;   /* the root key holding dup_object, if not the root */
} DuplicateWatch;

static void
object_member_cb (JsonParser *parser, JsonObject *object, const char *name,
                  gpointer user_data)
{
  DuplicateWatch *watch = user_data;
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (watch->counts, object)) + 1;
  g_hash_table_insert (watch->counts, object, GUINT_TO_POINTER (count));
  if (count > json_object_get_size (object) && watch->dup_key == NULL)
    {
      watch->dup_object = object;
      watch->dup_key = g_strdup (name);
      return;
    }
  /* The object with the repeated key has just been stored under name. */
  JsonNode *member = json_object_get_member (object, name);
  if (watch->dup_key != NULL && watch->dup_parent == NULL &&
      JSON_NODE_HOLDS_OBJECT (member) && json_node_get_object (member) == watch->dup_object)
    watch->dup_parent = g_strdup (name);
}

static void
object_end_cb (JsonParser *parser, JsonObject *object, gpointer user_data)
{
  DuplicateWatch *watch = user_data;
  g_hash_table_remove (watch->counts, object);
}

static void
set_duplicate_error (const char *file, JsonObject *root, const DuplicateWatch *watch,
                     GError **error)
{
  const char *tensor = watch->dup_object == root ? watch->dup_key : watch->dup_parent;
  if (g_strcmp0 (tensor, "__metadata__") == 0 && watch->dup_object == root)
    g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_METADATA,
                 "%s: __metadata__ appears twice", file);
  else if (g_strcmp0 (tensor, "__metadata__") == 0)
    g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_METADATA,
                 "%s: __metadata__ key “%s” appears twice", file, watch->dup_key);
  else if (watch->dup_object == root)
    set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_HEADER, file, tensor,
                      "listed twice in the header");
  else if (tensor != NULL)
    set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_HEADER, file, tensor,
                      "key “%s” appears twice", watch->dup_key);
  else
    g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                 "%s: key “%s” appears twice", file, watch->dup_key);
}

/* Parses the JSON header into its root object, refusing anything a strict
 * JSON reader would refuse; the caller unrefs *parser_out. */
static JsonObject *
parse_json_header (const char *file, const char *text, gsize length,
                   JsonParser **parser_out, GError **error)
{
  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the header is not valid UTF-8 (or contains a NUL byte)", file);
      return NULL;
    }
  char *what = g_strdup_printf ("%s: header", file);
  gboolean lexically_ok = fovea_json_check_text (text, length, HEADER_MAX_DEPTH, what,
                                                 FOVEA_SAFETENSORS_ERROR,
                                                 FOVEA_SAFETENSORS_ERROR_HEADER, error);
  g_free (what);
  if (!lexically_ok)
    return NULL;

  JsonParser *parser = json_parser_new_immutable ();
  DuplicateWatch watch = { g_hash_table_new (NULL, NULL), NULL, NULL, NULL };
  g_signal_connect (parser, "object-member", G_CALLBACK (object_member_cb), &watch);
  g_signal_connect (parser, "object-end", G_CALLBACK (object_end_cb), &watch);
  GError *json_error = NULL;
  JsonObject *root = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) length, &json_error))
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the header is not valid JSON: %s", file, json_error->message);
      g_error_free (json_error);
    }
  else if (json_parser_get_root (parser) == NULL ||
           !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                 "%s: the header is not a JSON object", file);
  else if (watch.dup_key != NULL)
    set_duplicate_error (file, json_node_get_object (json_parser_get_root (parser)),
                         &watch, error);
  else
    root = json_node_get_object (json_parser_get_root (parser));
  g_signal_handlers_disconnect_by_data (parser, &watch);
  g_hash_table_unref (watch.counts);
  g_free (watch.dup_key);
  g_free (watch.dup_parent);

  if (root == NULL)
    g_object_unref (parser);
  else
    *parser_out = parser;
  return root;
}

static int
compare_entries (const void *a, const void *b)
{
  const Entry *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* Sorts entries by offset and checks that they tile the data area. */
static gboolean
check_tiling (const char *file, Entry *entries, guint n, gsize data_size, GError **error)
{
  if (n > 1)
    qsort (entries, n, sizeof *entries, compare_entries);
  guint64 next = 0;
  for (guint i = 0; i < n; i++)
    {
      const Entry *e = &entries[i];
      if (e->begin < next)
        {
          const Entry *prev = &entries[i - 1];
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_OVERLAP, file, e->view.name,
                            "data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] overlap "
                            "those of tensor “%s” [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
                            e->begin, e->end, prev->view.name, prev->begin, prev->end);
          return FALSE;
        }
      if (e->begin > next)
        {
          set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_RANGE, file, e->view.name,
                            "data_offsets start at %" G_GUINT64_FORMAT ", leaving bytes %"
                            G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT " unused (tensors must be "
                            "packed without gaps)", e->begin, next, e->begin);
          return FALSE;
        }
      next = e->end;
    }
  if (next != data_size)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_RANGE,
                   "%s: %" G_GUINT64_FORMAT " bytes follow the last tensor (the data must end "
                   "where the last tensor ends)", file, (guint64) data_size - next);
      return FALSE;
    }
  return TRUE;
}

static void
free_entries (Entry *entries, guint n)
{
  for (guint i = 0; i < n; i++)
    g_free ((char *) entries[i].view.name);
  g_free (entries);
}

/* Reads the header of the file in st->bytes into st's tables. */
static gboolean
load_header (FoveaSafetensors *st, GError **error)
{
  const char *file = st->path;
  gsize size;
  const guint8 *data = g_bytes_get_data (st->bytes, &size);
  if (size < 8)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the file is %" G_GSIZE_FORMAT " bytes, too short for the 8-byte "
                   "header length", file, size);
      return FALSE;
    }
  guint64 header_length = 0;
  for (int i = 7; i >= 0; i--)
    header_length = (header_length << 8) | data[i];
  if (header_length > FOVEA_SAFETENSORS_MAX_HEADER)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the header length %" G_GUINT64_FORMAT " exceeds the limit of %"
                   G_GUINT64_FORMAT " bytes", file, header_length, FOVEA_SAFETENSORS_MAX_HEADER);
      return FALSE;
    }
  if (header_length > size - 8)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_HEADER,
                   "%s: the header length %" G_GUINT64_FORMAT " runs past the end of the %"
                   G_GSIZE_FORMAT "-byte file", file, header_length, size);
      return FALSE;
    }

  JsonParser *parser = NULL;
  JsonObject *root = parse_json_header (file, (const char *) data + 8,
                                        (gsize) header_length, &parser, error);
  if (root == NULL)
    return FALSE;

  const guint8 *data_area = data + 8 + header_length;
  gsize data_size = size - 8 - (gsize) header_length;
  Entry *entries = g_new0 (Entry, json_object_get_size (root));
  guint n = 0;
  gboolean ok = TRUE;
  GList *members = json_object_get_members (root);
  for (GList *l = members; l != NULL && ok; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (root, name);
      if (strcmp (name, "__metadata__") == 0)
        ok = parse_metadata (file, node, &st->metadata, error);
      else
        {
          Entry *entry = &entries[n++];
          entry->view.name = g_strdup (name);
          ok = parse_entry (file, name, node, data_size, entry, error);
        }
    }
  g_list_free (members);
  g_object_unref (parser);

  if (!ok || !check_tiling (file, entries, n, data_size, error))
    {
      free_entries (entries, n);
      return FALSE;
    }

  st->n_tensors = n;
  st->tensors = g_new0 (FoveaTensorView, MAX (n, 1));
  st->converted = g_new0 (float *, MAX (n, 1));
  st->finite = g_new0 (gint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      st->tensors[i] = entries[i].view;
      st->tensors[i].data = data_area + entries[i].begin;
      g_hash_table_insert (st->by_name, (gpointer) st->tensors[i].name, &st->tensors[i]);
    }
  g_free (entries);  /* the names now belong to st->tensors */
  return TRUE;
}

FoveaSafetensors *
fovea_safetensors_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  FoveaSafetensors *st = g_new0 (FoveaSafetensors, 1);
  g_atomic_ref_count_init (&st->ref_count);
  st->path = g_strdup (name != NULL ? name : "safetensors data");
  st->bytes = g_bytes_ref (bytes);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_mutex_init (&st->convert_lock);
  if (!load_header (st, error))
    {
      fovea_safetensors_unref (st);
      return NULL;
    }
  return st;
}

FoveaSafetensors *
fovea_safetensors_open (const char *path, GError **error)
{
  GError *map_error = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &map_error);
  if (mapped == NULL)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO,
                   "%s", map_error->message);
      g_error_free (map_error);
      return NULL;
    }
  GBytes *bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  FoveaSafetensors *st = fovea_safetensors_new_from_bytes (bytes, path, error);
  g_bytes_unref (bytes);
  return st;
}

FoveaSafetensors *
fovea_safetensors_ref (FoveaSafetensors *st)
{
  g_atomic_ref_count_inc (&st->ref_count);
  return st;
}

void
fovea_safetensors_unref (FoveaSafetensors *st)
{
  if (st == NULL || !g_atomic_ref_count_dec (&st->ref_count))
    return;
  for (guint i = 0; i < st->n_tensors; i++)
    {
      g_free ((char *) st->tensors[i].name);
      g_free (st->converted[i]);
    }
  g_free (st->tensors);
  g_free (st->converted);
  g_free (st->finite);
  g_hash_table_unref (st->by_name);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_mutex_clear (&st->convert_lock);
  g_bytes_unref (st->bytes);
  g_free (st->path);
  g_free (st);
}

const char *
fovea_safetensors_get_path (const FoveaSafetensors *st)
{
  return st->path;
}

guint
fovea_safetensors_get_n_tensors (const FoveaSafetensors *st)
{
  return st->n_tensors;
}

const FoveaTensorView *
fovea_safetensors_get_nth (const FoveaSafetensors *st, guint index)
{
  return index < st->n_tensors ? &st->tensors[index] : NULL;
}

const FoveaTensorView *
fovea_safetensors_lookup (const FoveaSafetensors *st, const char *name)
{
  return g_hash_table_lookup (st->by_name, name);
}

const char *
fovea_safetensors_get_metadata (const FoveaSafetensors *st, const char *key)
{
  return st->metadata != NULL ? g_hash_table_lookup (st->metadata, key) : NULL;
}

static gboolean
shape_matches (const FoveaTensorView *view, int n_dims, const gint64 *shape)
{
  if (n_dims != view->n_dims)
    return FALSE;
  for (int i = 0; i < n_dims; i++)
    if (shape[i] != -1 && shape[i] != view->shape[i])
      return FALSE;
  return TRUE;
}

/* The tensor's elements as a new F32 array (at least one element long,
 * so that an empty tensor still gets a non-NULL pointer). */
static float *
convert_to_f32 (const FoveaTensorView *view)
{
  float *out = g_new (float, MAX (view->n_elements, 1));
  const guint8 *p = view->data;
  switch (view->dtype)
    {
    case FOVEA_DTYPE_F32:
      memcpy (out, p, view->n_bytes);
      break;
    case FOVEA_DTYPE_F16:
      for (gsize i = 0; i < view->n_elements; i++)
        out[i] = fovea_f16_to_f32 ((guint16) (p[2 * i] | p[2 * i + 1] << 8));
      break;
    case FOVEA_DTYPE_BF16:
      for (gsize i = 0; i < view->n_elements; i++)
        out[i] = fovea_bf16_to_f32 ((guint16) (p[2 * i] | p[2 * i + 1] << 8));
      break;
    default:
      g_assert_not_reached ();
    }
  return out;
}

/* Whether every element of the tensor is finite, scanned once per file
 * (the scan is idempotent, so racing threads at worst both do it). */
static gboolean
check_finite (FoveaSafetensors *st, const FoveaTensorView *view, gsize index,
              const float *data, GError **error)
{
  int state = g_atomic_int_get (&st->finite[index]);
  gsize bad = view->n_elements;
  if (state == 0)
    {
      for (gsize i = 0; i < view->n_elements && bad == view->n_elements; i++)
        if (!isfinite (data[i]))
          bad = i;
      state = bad == view->n_elements ? 1 : -1;
      g_atomic_int_set (&st->finite[index], state);
    }
  if (state > 0)
    return TRUE;
  for (bad = 0; bad < view->n_elements && isfinite (data[bad]); bad++)
    ;
  set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_NOT_FINITE, st->path, view->name,
                    "element %" G_GSIZE_FORMAT " is %g (not finite)",
                    bad, bad < view->n_elements ? (double) data[bad] : 0.0);
  return FALSE;
}

const float *
fovea_safetensors_get_f32 (FoveaSafetensors *st,
                           const char       *name,
                           int               n_dims,
                           const gint64     *shape,
                           GError          **error)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  if (view == NULL)
    {
      g_set_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_MISSING,
                   "%s: no tensor “%s”", st->path, name);
      return NULL;
    }
  if (!shape_matches (view, n_dims, shape))
    {
      char *have = fovea_shape_to_string (view->shape, view->n_dims);
      char *want = n_dims >= 0 && n_dims <= FOVEA_TENSOR_MAX_DIMS
                   ? fovea_shape_to_string (shape, n_dims)
                   : g_strdup_printf ("%d dimensions", n_dims);
      set_tensor_error (error, FOVEA_SAFETENSORS_ERROR_MISMATCH, st->path, name,
                        "shape is %s, expected %s", have, want);
      g_free (have);
      g_free (want);
      return NULL;
    }
  const float *result = view->data;
  if (view->dtype != FOVEA_DTYPE_F32 || (guintptr) view->data % G_ALIGNOF (float) != 0)
    {
      /* Converted once, under the lock, so loaders on several threads may
       * ask for the same tensor. */
      gsize index = (gsize) (view - st->tensors);
      g_mutex_lock (&st->convert_lock);
      if (st->converted[index] == NULL)
        st->converted[index] = convert_to_f32 (view);
      result = st->converted[index];
      g_mutex_unlock (&st->convert_lock);
    }
  return result;
}

const float *
fovea_safetensors_get_weights (FoveaSafetensors *st,
                               const char       *name,
                               int               n_dims,
                               const gint64     *shape,
                               GError          **error)
{
  const float *data = fovea_safetensors_get_f32 (st, name, n_dims, shape, error);
  if (data == NULL)
    return NULL;
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  return check_finite (st, view, (gsize) (view - st->tensors), data, error) ? data : NULL;
}
