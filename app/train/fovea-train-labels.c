/* fovea-train-labels.c: reading a folder's labels.csv.
 *
 * The CSV is RFC 4180: fields separated by commas, records by LF or CRLF,
 * a field in double quotes may hold commas, line breaks and doubled
 * quotes. A UTF-8 byte order mark (as spreadsheets write) is skipped.
 * Every problem is an error naming the file and the line its record
 * starts on: a training set with a silently dropped row is a different
 * training set. */
#define G_LOG_DOMAIN "fovea-train-labels"

#include "fovea-train-labels.h"

#include <string.h>

#include "fovea-train-data.h"

typedef struct {
  const char *p, *end;
  int         line;   /* the physical line p is on, from 1 */
  const char *path;
} Reader;

static gboolean G_GNUC_PRINTF (4, 5)
fail (const char *path, int line, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
               "“%s” line %d: %s", path, line, detail);
  return FALSE;
}

static gboolean
at_record_end (const Reader *r)
{
  return r->p == r->end || *r->p == '\n' ||
         (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n');
}

static gboolean
read_quoted (Reader *r, GString *field, GError **error)
{
  int opened = r->line;
  r->p++;
  for (;;)
    {
      if (r->p == r->end)
        return fail (r->path, opened, error, "a quoted field is not closed");
      if (*r->p == '"')
        {
          if (r->p + 1 < r->end && r->p[1] == '"')
            {
              g_string_append_c (field, '"');
              r->p += 2;
              continue;
            }
          r->p++;
          break;
        }
      if (*r->p == '\n')
        r->line++;
      g_string_append_c (field, *r->p++);
    }
  if (!at_record_end (r) && *r->p != ',')
    return fail (r->path, r->line, error, "text after a closing quote");
  return TRUE;
}

/* One record into fields (strings). *blank is TRUE for an empty line. */
static gboolean
read_record (Reader *r, GPtrArray *fields, gboolean *blank, GError **error)
{
  gboolean quoted_any = FALSE;
  g_ptr_array_set_size (fields, 0);
  for (;;)
    {
      g_autoptr (GString) field = g_string_new (NULL);
      if (r->p < r->end && *r->p == '"')
        {
          quoted_any = TRUE;
          if (!read_quoted (r, field, error))
            return FALSE;
        }
      else
        while (!at_record_end (r) && *r->p != ',')
          {
            if (*r->p == '"')
              return fail (r->path, r->line, error, "a quote inside an unquoted field");
            g_string_append_c (field, *r->p++);
          }
      g_ptr_array_add (fields, g_string_free (g_steal_pointer (&field), FALSE));
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      /* The end of the record: LF, CRLF or the end of the file. */
      if (r->p < r->end)
        {
          r->p += *r->p == '\r' ? 2 : 1;
          r->line++;
        }
      break;
    }
  *blank = fields->len == 1 && !quoted_any && *(const char *) fields->pdata[0] == '\0';
  return TRUE;
}

/* "a/./b.png" → "a/b.png"; NULL (with the reason) for an empty, absolute
 * or escaping path. */
static char *
normalise_file (const char *file, const char **reason)
{
  if (file[0] == '\0')
    return *reason = "the file name is empty", NULL;
  if (g_path_is_absolute (file) || file[0] == '\\' ||
      (g_ascii_isalpha (file[0]) && file[1] == ':'))
    return *reason = "absolute paths are not allowed", NULL;
  g_auto (GStrv) parts = g_strsplit (file, "/", -1);
  g_autoptr (GString) out = g_string_new (NULL);
  for (int i = 0; parts[i] != NULL; i++)
    {
      if (strcmp (parts[i], "..") == 0)
        return *reason = "“..” would leave the folder", NULL;
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  if (out->len == 0)
    return *reason = "the file name is empty", NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
parse_label (const char *text, int *out)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  gint64 v;
  if (trimmed[0] == '\0' || trimmed[0] == '+' ||
      !g_ascii_string_to_signed (trimmed, 10, G_MININT64, G_MAXINT64, &v, NULL))
    return FALSE;
  *out = v < 0 ? -1 : (int) MIN (v, (gint64) G_MAXINT);
  return TRUE;
}

/* A class name ("mel" for "MEL"), compared without case; -1 if none. */
static int
find_label_name (const char *const *names, const char *text)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  for (int k = 0; names != NULL && names[k] != NULL; k++)
    if (g_ascii_strcasecmp (names[k], trimmed) == 0)
      return k;
  return -1;
}

typedef struct {
  const char                   *csv_path, *root;
  const FoveaTrainLabelsQuery  *query;
  int                           n_columns, file_column, label_column;
  GPtrArray                    *files;
  GArray                       *labels;
  GHashTable                   *first_line;  /* normalised file → the line it is first on */
  GHashTable                   *seen_in_split;  /* split files met in the labels */
} Rows;

static gboolean
read_label (Rows *rows, const char *text, int line, int *label, GError **error)
{
  if (!parse_label (text, label))
    {
      *label = find_label_name (rows->query->label_names, text);
      if (*label >= 0)
        return TRUE;
      if (rows->query->label_names != NULL)
        {
          g_autofree char *known = g_strjoinv (", ", (char **) rows->query->label_names);
          return fail (rows->csv_path, line, error,
                       "the label “%s” is neither a class index nor one of %s", text, known);
        }
      return fail (rows->csv_path, line, error, "the label “%s” is not an integer", text);
    }
  if (*label < 0)
    return fail (rows->csv_path, line, error, "the label “%s” is negative", text);
  if (*label >= FOVEA_TRAIN_DATA_MAX_CLASSES)
    return fail (rows->csv_path, line, error, "the label “%s” is not below %d", text,
                 FOVEA_TRAIN_DATA_MAX_CLASSES);
  return TRUE;
}

static gboolean
add_row (Rows *rows, GPtrArray *fields, int line, GError **error)
{
  if ((int) fields->len != rows->n_columns)
    return fail (rows->csv_path, line, error, "expected %d fields, as the header has, found %u",
                 rows->n_columns, fields->len);
  const char *file = fields->pdata[rows->file_column];
  const char *label_text = fields->pdata[rows->label_column];
  const char *reason = NULL;
  g_autofree char *normal = normalise_file (file, &reason);
  if (normal == NULL)
    return fail (rows->csv_path, line, error, "“%s”: %s", file, reason);

  gpointer first = g_hash_table_lookup (rows->first_line, normal);
  if (first != NULL)
    return fail (rows->csv_path, line, error, "“%s” is listed again (first on line %d)",
                 file, GPOINTER_TO_INT (first));
  g_hash_table_insert (rows->first_line, g_strdup (normal), GINT_TO_POINTER (line));

  /* A row of another split is checked for its file name only: its label
   * may be anything the data set uses. */
  const FoveaTrainLabelsQuery *q = rows->query;
  if (q->split_of != NULL)
    {
      const char *split = g_hash_table_lookup (q->split_of, normal);
      if (split == NULL)
        return fail (rows->csv_path, line, error,
                     "“%s” is in no split of the split file: every image must be in one",
                     file);
      g_hash_table_add (rows->seen_in_split, g_strdup (normal));
      if (strcmp (split, q->split) != 0)
        return TRUE;
    }

  int label;
  if (!read_label (rows, label_text, line, &label, error))
    return FALSE;
  g_autofree char *full = g_build_filename (rows->root, normal, NULL);
  if (!g_file_test (full, G_FILE_TEST_IS_REGULAR))
    return fail (rows->csv_path, line, error, "“%s” does not exist (no file %s)", file, full);

  g_ptr_array_add (rows->files, g_steal_pointer (&normal));
  g_array_append_val (rows->labels, label);
  return TRUE;
}

static int
find_column (GPtrArray *header, const char *name)
{
  for (guint i = 0; i < header->len; i++)
    if (strcmp (header->pdata[i], name) == 0)
      return (int) i;
  return -1;
}

static gboolean
read_header (Reader *r, Rows *rows, GError **error)
{
  g_autoptr (GPtrArray) header = g_ptr_array_new_with_free_func (g_free);
  gboolean blank;
  if (!read_record (r, header, &blank, error))
    return FALSE;
  const char *label_name = rows->query->label_column;
  rows->n_columns = (int) header->len;
  rows->file_column = find_column (header, "file");
  rows->label_column = find_column (header, label_name);
  if (rows->file_column < 0 || rows->label_column < 0)
    return fail (r->path, 1, error, "the header must name a “file” and a “%s” column",
                 label_name);
  return TRUE;
}

static gboolean
read_rows (Reader *r, Rows *rows, GError **error)
{
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gboolean blank;
  if (!read_header (r, rows, error))
    return FALSE;

  int blank_line = 0;  /* the first empty line, which must be in the tail */
  while (r->p < r->end)
    {
      int line = r->line;
      if (!read_record (r, fields, &blank, error))
        return FALSE;
      if (blank)
        {
          blank_line = blank_line ? blank_line : line;
          continue;
        }
      if (blank_line)
        return fail (r->path, blank_line, error, "an empty line before more rows");
      if (!add_row (rows, fields, line, error))
        return FALSE;
    }
  return TRUE;
}

/* Every image of the split file must be one the labels list: a split
 * naming images that are not there is a split of another data set. */
static gboolean
check_split_covered (const Rows *rows, GError **error)
{
  const FoveaTrainLabelsQuery *q = rows->query;
  if (q->split_of == NULL)
    return TRUE;
  GHashTableIter iter;
  gpointer file;
  g_hash_table_iter_init (&iter, q->split_of);
  while (g_hash_table_iter_next (&iter, &file, NULL))
    if (!g_hash_table_contains (rows->seen_in_split, file))
      {
        g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
                     "The split file lists “%s”, which “%s” does not",
                     (const char *) file, rows->csv_path);
        return FALSE;
      }
  return TRUE;
}

static char *
read_text (const char *csv_path, gsize *length, GError **error)
{
  char *text = NULL;
  GError *local = NULL;
  if (!g_file_get_contents (csv_path, &text, length, &local))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
                   "Cannot read “%s”: %s", csv_path, local->message);
      g_error_free (local);
      return NULL;
    }
  if (strlen (text) != *length || !g_utf8_validate (text, (gssize) *length, NULL))
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_LABELS,
                   "“%s” is not UTF-8 text", csv_path);
      g_free (text);
      return NULL;
    }
  return text;
}

static Reader
start_reader (const char *text, gsize length, const char *csv_path)
{
  Reader r = { text, text + length, 1, csv_path };
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    r.p += 3;
  return r;
}

gboolean
fovea_train_labels_read (const char *csv_path, const char *root,
                         const FoveaTrainLabelsQuery *query, GStrv *out_files,
                         GArray **out_labels, GError **error)
{
  static const FoveaTrainLabelsQuery plain = { "label", NULL, NULL, NULL };
  gsize length;
  g_autofree char *text = read_text (csv_path, &length, error);
  if (text == NULL)
    return FALSE;
  if (query == NULL)
    query = &plain;

  Reader r = start_reader (text, length, csv_path);
  Rows rows = {
    csv_path, root, query, 0, -1, -1, g_ptr_array_new_with_free_func (g_free),
    g_array_new (FALSE, FALSE, sizeof (int)),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };
  gboolean ok = read_rows (&r, &rows, error) && check_split_covered (&rows, error);
  g_hash_table_unref (rows.first_line);
  g_hash_table_unref (rows.seen_in_split);
  if (ok && rows.files->len == 0)
    {
      if (query->split != NULL)
        g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY,
                     "“%s” has no image in the split “%s”", csv_path, query->split);
      else
        g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY,
                     "“%s” lists no images", csv_path);
      ok = FALSE;
    }
  if (!ok)
    {
      g_ptr_array_unref (rows.files);
      g_array_unref (rows.labels);
      return FALSE;
    }
  g_ptr_array_add (rows.files, NULL);
  *out_files = (GStrv) g_ptr_array_free (rows.files, FALSE);
  *out_labels = rows.labels;
  return TRUE;
}

GHashTable *
fovea_train_split_read (const char *csv_path, GError **error)
{
  gsize length;
  g_autofree char *text = read_text (csv_path, &length, error);
  if (text == NULL)
    return NULL;
  Reader r = start_reader (text, length, csv_path);
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) split_of = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                           g_free, g_free);
  gboolean blank;
  if (!read_record (&r, fields, &blank, error))
    return NULL;
  if (fields->len != 2 || strcmp (fields->pdata[0], "file") != 0 ||
      strcmp (fields->pdata[1], "split") != 0)
    return fail (csv_path, 1, error, "the header must be “file,split”"), NULL;
  while (r.p < r.end)
    {
      int line = r.line;
      if (!read_record (&r, fields, &blank, error))
        return NULL;
      if (blank)
        continue;
      const char *reason = NULL;
      g_autofree char *normal = fields->len == 2 ? normalise_file (fields->pdata[0], &reason) : NULL;
      if (fields->len != 2)
        return fail (csv_path, line, error, "expected 2 fields (file,split), found %u",
                     fields->len), NULL;
      if (normal == NULL)
        return fail (csv_path, line, error, "“%s”: %s", (char *) fields->pdata[0], reason), NULL;
      if (*(const char *) fields->pdata[1] == '\0')
        return fail (csv_path, line, error, "“%s” has an empty split", normal), NULL;
      if (g_hash_table_contains (split_of, normal))
        return fail (csv_path, line, error, "“%s” is listed again", normal), NULL;
      g_hash_table_insert (split_of, g_steal_pointer (&normal), g_strdup (fields->pdata[1]));
    }
  if (g_hash_table_size (split_of) == 0)
    return fail (csv_path, 1, error, "no rows"), NULL;
  return g_steal_pointer (&split_of);
}
