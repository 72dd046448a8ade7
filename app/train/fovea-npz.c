/* fovea-npz.c: integer arrays out of NumPy .npz files.
 *
 * The .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a major
 * and minor version byte, the header length (2 bytes little-endian in
 * version 1, 4 bytes in 2 and 3), then the header: a Python dict literal
 * such as {'descr': '|u1', 'fortran_order': False, 'shape': (1080, 28, 28,
 * 3), } padded with spaces and ended by '\n'; then the raw data. The
 * parser below reads exactly that and nothing more general: it is not a
 * Python evaluator, and every deviation is refused. */
#define G_LOG_DOMAIN "fovea-npz"

#include "fovea-npz.h"

#include <string.h>
#include <unzip.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy refuses headers over 10000 bytes unless told otherwise. */
#define NPY_MAX_HEADER_LEN 65535
/* Shape entries and element counts stay far below overflow. */
#define NPY_MAX_DIM ((guint64) 1 << 48)
/* unzReadCurrentFile takes an unsigned length: read in chunks. */
#define READ_CHUNK ((gsize) 1 << 30)

G_DEFINE_QUARK (fovea-npz-error-quark, fovea_npz_error)

struct _FoveaNpz {
  char   *path;
  unzFile zip;
};

static const struct {
  const char  *descr;
  FoveaNpyType type;
  gsize        item_size;
} npy_types[] = {
  { "|u1", FOVEA_NPY_U8, 1 },  { "<u1", FOVEA_NPY_U8, 1 },
  { "|i1", FOVEA_NPY_I8, 1 },  { "<i1", FOVEA_NPY_I8, 1 },
  { "<u2", FOVEA_NPY_U16, 2 }, { "<i2", FOVEA_NPY_I16, 2 },
  { "<u4", FOVEA_NPY_U32, 4 }, { "<i4", FOVEA_NPY_I32, 4 },
  { "<u8", FOVEA_NPY_U64, 8 }, { "<i8", FOVEA_NPY_I64, 8 },
};

const char *
fovea_npy_type_to_string (FoveaNpyType type)
{
  static const char *const names[] = { "uint8", "int8", "uint16", "int16",
                                       "uint32", "int32", "uint64", "int64" };
  return (guint) type < G_N_ELEMENTS (names) ? names[type] : "?";
}

/* ---- the header dict ---------------------------------------------------- */

typedef struct {
  const char *start, *p, *end;
  const char *name;
  GError    **error;
} Cursor;

static gboolean G_GNUC_PRINTF (2, 3)
fail (Cursor *c, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (c->error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_FORMAT,
               "Array “%s”: malformed .npy header: %s", c->name, detail);
  return FALSE;
}

static void
skip_spaces (Cursor *c)
{
  while (c->p < c->end && *c->p == ' ')
    c->p++;
}

static gboolean
expect (Cursor *c, char ch)
{
  skip_spaces (c);
  if (c->p >= c->end || *c->p != ch)
    return fail (c, "expected “%c” at header byte %d", ch, (int) (c->p - c->start));
  c->p++;
  return TRUE;
}

static gboolean
peek (Cursor *c, char ch)
{
  skip_spaces (c);
  return c->p < c->end && *c->p == ch;
}

/* A quoted string without escapes, at most size - 1 characters. */
static gboolean
parse_string (Cursor *c, char *out, gsize size)
{
  skip_spaces (c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return fail (c, "expected a quoted string");
  char quote = *c->p++;
  gsize n = 0;
  while (c->p < c->end && *c->p != quote)
    {
      if (*c->p == '\\' || n + 1 >= size)
        return fail (c, "unexpected string");
      out[n++] = *c->p++;
    }
  if (c->p >= c->end)
    return fail (c, "unterminated string");
  c->p++;
  out[n] = '\0';
  return TRUE;
}

static gboolean
parse_word (Cursor *c, const char *word)
{
  skip_spaces (c);
  gsize n = strlen (word);
  if ((gsize) (c->end - c->p) < n || memcmp (c->p, word, n) != 0)
    return FALSE;
  c->p += n;
  return TRUE;
}

static gboolean
parse_dim (Cursor *c, guint64 *out)
{
  skip_spaces (c);
  guint64 v = 0;
  const char *start = c->p;
  while (c->p < c->end && g_ascii_isdigit (*c->p))
    {
      v = v * 10 + (guint64) (*c->p++ - '0');
      if (v > NPY_MAX_DIM)
        return fail (c, "a shape entry is too large");
    }
  if (c->p == start)
    return fail (c, "expected a non-negative integer in the shape");
  *out = v;
  return TRUE;
}

/* A Python tuple of integers: (), (5,), (5, 6) or (5, 6,). */
static gboolean
parse_shape (Cursor *c, FoveaNpyHeader *out)
{
  if (!expect (c, '('))
    return FALSE;
  out->n_dims = 0;
  while (!peek (c, ')'))
    {
      if (out->n_dims == FOVEA_NPY_MAX_DIMS)
        return fail (c, "more than %d dimensions", FOVEA_NPY_MAX_DIMS);
      if (!parse_dim (c, &out->shape[out->n_dims++]))
        return FALSE;
      if (peek (c, ')'))
        {
          /* (5) is an int to Python, not a tuple. */
          if (out->n_dims == 1)
            return fail (c, "the shape is not a tuple");
          break;
        }
      if (!expect (c, ','))
        return FALSE;
    }
  return expect (c, ')');
}

static gboolean
set_descr (Cursor *c, const char *descr, FoveaNpyHeader *out)
{
  for (gsize i = 0; i < G_N_ELEMENTS (npy_types); i++)
    if (strcmp (descr, npy_types[i].descr) == 0)
      {
        out->type = npy_types[i].type;
        out->item_size = npy_types[i].item_size;
        return TRUE;
      }
  g_set_error (c->error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED,
               "Array “%s”: dtype '%s' is not read (only little-endian "
               "integers: |u1, <i4, <i8 …)", c->name, descr);
  return FALSE;
}

static gboolean
parse_dict (Cursor *c, FoveaNpyHeader *out)
{
  gboolean have_descr = FALSE, have_order = FALSE, have_shape = FALSE;
  if (!expect (c, '{'))
    return FALSE;
  while (!peek (c, '}'))
    {
      char key[32], value[32];
      if (!parse_string (c, key, sizeof key) || !expect (c, ':'))
        return FALSE;
      if (strcmp (key, "descr") == 0 && !have_descr)
        {
          if (peek (c, '['))
            {
              g_set_error (c->error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED,
                           "Array “%s”: structured dtypes are not read", c->name);
              return FALSE;
            }
          if (!parse_string (c, value, sizeof value) || !set_descr (c, value, out))
            return FALSE;
          have_descr = TRUE;
        }
      else if (strcmp (key, "fortran_order") == 0 && !have_order)
        {
          if (parse_word (c, "True"))
            {
              g_set_error (c->error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED,
                           "Array “%s”: Fortran-order arrays are not read", c->name);
              return FALSE;
            }
          if (!parse_word (c, "False"))
            return fail (c, "fortran_order is not True or False");
          have_order = TRUE;
        }
      else if (strcmp (key, "shape") == 0 && !have_shape)
        {
          if (!parse_shape (c, out))
            return FALSE;
          have_shape = TRUE;
        }
      else
        return fail (c, "unexpected or repeated key '%s'", key);
      if (peek (c, '}'))
        break;
      if (!expect (c, ','))
        return FALSE;
    }
  if (!expect (c, '}'))
    return FALSE;
  if (!have_descr || !have_order || !have_shape)
    return fail (c, "'descr', 'fortran_order' and 'shape' are required");
  /* Only padding and the final newline may follow. */
  skip_spaces (c);
  if (c->p + 1 != c->end || *c->p != '\n')
    return fail (c, "unexpected bytes after the dict");
  return TRUE;
}

/* The bytes before the data, from the fixed prefix; 0 when length does not
 * hold the prefix yet. */
static gsize
prefix_header_size (const guint8 *bytes, gsize length)
{
  if (length < 12)
    return 0;
  if (bytes[6] == 1)
    return 10 + (bytes[8] | (gsize) bytes[9] << 8);
  return 12 + (bytes[8] | (gsize) bytes[9] << 8 | (gsize) bytes[10] << 16 |
               (gsize) bytes[11] << 24);
}

gboolean
fovea_npy_parse_header (const guint8 *bytes, gsize length, guint64 total_size,
                        const char *name, FoveaNpyHeader *out, GError **error)
{
  Cursor c = { NULL, NULL, NULL, name, error };
  memset (out, 0, sizeof *out);
  if (length < 10 || memcmp (bytes, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    return fail (&c, "not a .npy file (no \\x93NUMPY magic)");
  if (bytes[6] < 1 || bytes[6] > 3 || bytes[7] != 0)
    return fail (&c, "unknown version %d.%d", bytes[6], bytes[7]);
  /* A version 1 header with an empty dict is shorter than 12 bytes, and
   * such a file is refused below anyway. */
  gsize header_size = prefix_header_size (bytes, length);
  gsize prefix = bytes[6] == 1 ? 10 : 12;
  if (header_size == 0 || header_size - prefix > NPY_MAX_HEADER_LEN)
    return fail (&c, "the header is too short or too long");
  if (header_size > length || header_size > total_size)
    return fail (&c, "the file ends inside the header");
  for (gsize i = prefix; i < header_size; i++)
    if (bytes[i] < 0x20 && bytes[i] != '\n')
      return fail (&c, "control characters in the header");

  c.start = c.p = (const char *) bytes + prefix;
  c.end = (const char *) bytes + header_size;
  if (!parse_dict (&c, out))
    return FALSE;
  out->header_size = header_size;

  guint64 n = 1;
  for (int d = 0; d < out->n_dims; d++)
    {
      if (out->shape[d] != 0 && n > G_MAXUINT64 / 16 / out->shape[d])
        return fail (&c, "the shape is too large");
      n *= out->shape[d];
    }
  out->n_elements = n;
  guint64 data_size = n * out->item_size;
  if (total_size - header_size != data_size)
    {
      g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_FORMAT,
                   "Array “%s”: %" G_GUINT64_FORMAT " bytes of data, but its shape "
                   "and dtype need %" G_GUINT64_FORMAT, name,
                   total_size - header_size, data_size);
      return FALSE;
    }
  return TRUE;
}

/* ---- the zip ------------------------------------------------------------ */

FoveaNpz *
fovea_npz_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_IO,
                   "“%s”: no such file", path);
      return NULL;
    }
  unzFile zip = unzOpen64 (path);
  if (zip == NULL)
    {
      g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_IO,
                   "“%s”: not a readable .npz (zip) file, or truncated", path);
      return NULL;
    }
  FoveaNpz *npz = g_new0 (FoveaNpz, 1);
  npz->path = g_strdup (path);
  npz->zip = zip;
  return npz;
}

void
fovea_npz_close (FoveaNpz *npz)
{
  if (npz == NULL)
    return;
  unzClose (npz->zip);
  g_free (npz->path);
  g_free (npz);
}

static gboolean
set_io_error (FoveaNpz *npz, const char *name, const char *what, GError **error)
{
  g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_IO,
               "“%s”: array “%s”: %s", npz->path, name, what);
  return FALSE;
}

/* Reads exactly length bytes of the open entry. */
static gboolean
read_exactly (FoveaNpz *npz, const char *name, guint8 *out, gsize length,
              GError **error)
{
  gsize done = 0;
  while (done < length)
    {
      int n = unzReadCurrentFile (npz->zip, out + done,
                                  (unsigned) MIN (length - done, READ_CHUNK));
      if (n < 0)
        return set_io_error (npz, name, "the zip entry is damaged", error);
      if (n == 0)
        return set_io_error (npz, name, "the zip entry ends early", error);
      done += (gsize) n;
    }
  return TRUE;
}

static gboolean
read_entry (FoveaNpz *npz, const char *name, guint64 total, FoveaNpyArray *array,
            GError **error)
{
  /* The fixed prefix, then the rest of the header, then the data, so that
   * nothing is allocated before the header has been checked. */
  guint8 prefix[12];
  gsize prefix_len = (gsize) MIN (total, sizeof prefix);
  if (!read_exactly (npz, name, prefix, prefix_len, error))
    return FALSE;
  gsize header_size = prefix_header_size (prefix, prefix_len);
  /* A version 1 header may declare itself shorter than the prefix read. */
  if (header_size < prefix_len || header_size > MIN (total, NPY_MAX_HEADER_LEN + 12))
    {
      /* Always refused: let the parser say why. */
      if (fovea_npy_parse_header (prefix, prefix_len, total, name, &array->header, error))
        set_io_error (npz, name, "malformed .npy header", error);
      return FALSE;
    }
  g_autofree guint8 *header = g_malloc (header_size);
  memcpy (header, prefix, prefix_len);
  if (prefix_len < header_size &&
      !read_exactly (npz, name, header + prefix_len, header_size - prefix_len, error))
    return FALSE;
  if (!fovea_npy_parse_header (header, header_size, total, name, &array->header, error))
    return FALSE;

  gsize data_size = (gsize) (total - header_size);
  array->data = g_try_malloc (MAX (data_size, 1));
  if (array->data == NULL)
    return set_io_error (npz, name, "out of memory", error);
  if (!read_exactly (npz, name, array->data, data_size, error))
    return FALSE;
  guint8 extra;
  if (unzReadCurrentFile (npz->zip, &extra, 1) != 0)
    return set_io_error (npz, name, "the zip entry is longer than its recorded size", error);
  return TRUE;
}

FoveaNpyArray *
fovea_npz_read_array (FoveaNpz *npz, const char *name, GError **error)
{
  g_return_val_if_fail (npz != NULL && name != NULL, NULL);
  g_autofree char *entry = g_strconcat (name, ".npy", NULL);
  if (unzLocateFile (npz->zip, entry, 1) != UNZ_OK)
    {
      g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_MISSING,
                   "“%s”: no array “%s”", npz->path, name);
      return NULL;
    }
  unz_file_info64 info;
  if (unzGetCurrentFileInfo64 (npz->zip, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
    {
      set_io_error (npz, name, "unreadable zip directory entry", error);
      return NULL;
    }
  if (info.flag & 1)
    {
      g_set_error (error, FOVEA_NPZ_ERROR, FOVEA_NPZ_ERROR_UNSUPPORTED,
                   "“%s”: array “%s” is encrypted", npz->path, name);
      return NULL;
    }
  if (unzOpenCurrentFile (npz->zip) != UNZ_OK)
    {
      set_io_error (npz, name, "the zip entry cannot be opened", error);
      return NULL;
    }
  g_autoptr (FoveaNpyArray) array = g_new0 (FoveaNpyArray, 1);
  GError *local = NULL;
  gboolean ok = read_entry (npz, name, info.uncompressed_size, array, &local);
  /* Closing checks the CRC once the whole entry has been read. */
  int closed = unzCloseCurrentFile (npz->zip);
  if (!ok)
    {
      /* Parse errors name the array only: add the file. */
      if (local->domain == FOVEA_NPZ_ERROR && local->code != FOVEA_NPZ_ERROR_IO)
        g_prefix_error (&local, "“%s”: ", npz->path);
      g_propagate_error (error, local);
      return NULL;
    }
  if (closed != UNZ_OK)
    {
      set_io_error (npz, name, closed == UNZ_CRCERROR ? "CRC mismatch (damaged file)"
                                                      : "the zip entry is damaged", error);
      return NULL;
    }
  return g_steal_pointer (&array);
}

void
fovea_npy_array_free (FoveaNpyArray *array)
{
  if (array == NULL)
    return;
  g_free (array->data);
  g_free (array);
}

gboolean
fovea_npy_array_get_int (const FoveaNpyArray *array, guint64 i, gint64 *out)
{
  g_return_val_if_fail (i < array->header.n_elements, FALSE);
  const guint8 *p = array->data + i * array->header.item_size;
  guint64 u = 0;
  for (gsize b = 0; b < array->header.item_size; b++)
    u |= (guint64) p[b] << (8 * b);
  switch (array->header.type)
    {
    case FOVEA_NPY_I8:  *out = (gint8) u; break;
    case FOVEA_NPY_I16: *out = (gint16) u; break;
    case FOVEA_NPY_I32: *out = (gint32) u; break;
    case FOVEA_NPY_I64: *out = (gint64) u; break;
    case FOVEA_NPY_U64:
      if (u > G_MAXINT64)
        return FALSE;
      *out = (gint64) u;
      break;
    default: *out = (gint64) u; break;
    }
  return TRUE;
}
