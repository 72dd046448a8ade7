/* fovea-csv-log.c: RFC 4180 quoting and parsing, and the durable batch CSV. */
#define G_LOG_DOMAIN "fovea-csv-log"

#include "fovea-csv-log.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fovea-modality.h"

struct _FoveaCsvLog
{
  char *path;
  GStrv    columns;    /* ours, then the extra ones */
  guint    n_columns;
  int      fd;
  guint    n_resumed;
  guint    n_resumed_files, n_resumed_failed, n_resumed_ungradable;
  GString *pending;
};

static const char *const columns[FOVEA_CSV_N_COLUMNS + 1] = {
  "file", "patient", "eye", "modality", "quality", "quality_reasons", "task", "grade",
  "label", "referable", "confidence", "referral_rule", "model", "model_sha256",
  "seconds", "error",
  /* Added after the first release: new columns go last, so readers that
   * index the older ones keep working. */
  "label_title", "note", NULL,
};

/* Columns read back when resuming. */
#define QUALITY_COLUMN 4
#define ERROR_COLUMN 15

G_DEFINE_QUARK (fovea-csv-error-quark, fovea_csv_error)

const char *const *
fovea_csv_columns (void)
{
  return columns;
}

gboolean
fovea_csv_header_is_ours (char **row)
{
  if (g_strv_length (row) < FOVEA_CSV_N_COLUMNS)
    return FALSE;
  for (guint i = 0; i < FOVEA_CSV_N_COLUMNS; i++)
    if (strcmp (row[i], columns[i]) != 0)
      return FALSE;
  return TRUE;
}

char *
fovea_csv_header_describe_extra (char **row)
{
  guint n = g_strv_length (row);
  if (n <= FOVEA_CSV_N_COLUMNS)
    return g_strdup ("none");
  return g_strjoinv (", ", row + FOVEA_CSV_N_COLUMNS);
}

/* Quoting */

static gboolean
needs_quotes (const char *field)
{
  gsize length = strlen (field);
  if (length == 0)
    return FALSE;
  if (field[0] == ' ' || field[0] == '\t' || field[length - 1] == ' ' ||
      field[length - 1] == '\t')
    return TRUE;
  return strpbrk (field, ",\"\r\n") != NULL;
}

/* Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell
 * that starts with = + - @ (or a tab or CR before one), so such a field
 * gets a leading apostrophe, which spreadsheets show as text. A field
 * that is a plain number ("-0.25") is left alone. A field that already
 * starts with an apostrophe before one of those gets a second one, so
 * that parsing gives back exactly what was written. */
static gboolean
starts_formula (const char *text)
{
  return text[0] != '\0' && strchr ("=+-@\t\r", text[0]) != NULL;
}

/* After any leading apostrophes. */
static const char *
skip_apostrophes (const char *text)
{
  while (*text == '\'')
    text++;
  return text;
}

static gboolean
needs_neutralising (const char *field)
{
  if (field[0] == '\'')
    return starts_formula (skip_apostrophes (field));
  if (!starts_formula (field))
    return FALSE;
  char *end = NULL;
  double value = g_ascii_strtod (field, &end);
  return end == field || *end != '\0' || !isfinite (value);
}

void
fovea_csv_append_field (GString *out, const char *field)
{
  if (field == NULL)
    return;
  g_autofree char *neutralised = NULL;
  if (needs_neutralising (field))
    field = neutralised = g_strconcat ("'", field, NULL);
  if (!needs_quotes (field))
    {
      g_string_append (out, field);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = field; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

void
fovea_csv_append_row (GString *out, const char *const *fields, guint n_fields)
{
  for (guint i = 0; i < n_fields; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      fovea_csv_append_field (out, fields[i]);
    }
  g_string_append (out, "\r\n");
}

/* Parsing */

/* Undoes fovea_csv_append_field's apostrophe. */
static void
end_field (GPtrArray *fields, GString *field)
{
  gboolean neutralised = field->str[0] == '\'' && starts_formula (skip_apostrophes (field->str));
  if (neutralised)
    g_string_erase (field, 0, 1);
  g_ptr_array_add (fields, g_strndup (field->str, field->len));
  g_string_truncate (field, 0);
}

static char **
end_row (GPtrArray *fields)
{
  g_ptr_array_add (fields, NULL);
  return (char **) g_ptr_array_free (fields, FALSE);
}

GPtrArray *
fovea_csv_parse (const char *data, gsize length, gsize *out_complete_length, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GString) field = g_string_new (NULL);
  GPtrArray *fields = NULL;
  gsize row_start = 0;
  gsize i = 0;
  guint line = 1;

  while (i < length)
    {
      if (fields == NULL)
        fields = g_ptr_array_new_with_free_func (g_free);

      /* One field. */
      if (data[i] == '"')
        {
          gboolean closed = FALSE;
          for (i++; i < length; i++)
            {
              if (data[i] != '"')
                {
                  if (data[i] == '\n')
                    line++;
                  g_string_append_c (field, data[i]);
                  continue;
                }
              if (i + 1 < length && data[i + 1] == '"')
                {
                  g_string_append_c (field, '"');
                  i++;
                  continue;
                }
              closed = TRUE;
              i++;
              break;
            }
          if (!closed)
            break;  /* partial row */
          if (i < length && data[i] != ',' && data[i] != '\r' && data[i] != '\n')
            {
              g_ptr_array_free (fields, TRUE);
              g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                           "line %u: text after a closing quote", line);
              return NULL;
            }
        }
      else
        {
          for (; i < length && data[i] != ',' && data[i] != '\r' && data[i] != '\n'; i++)
            {
              if (data[i] == '"')
                {
                  g_ptr_array_free (fields, TRUE);
                  g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                               "line %u: a quote inside an unquoted field", line);
                  return NULL;
                }
              g_string_append_c (field, data[i]);
            }
        }

      if (i >= length)
        break;  /* no line end: partial row */
      end_field (fields, field);
      if (data[i] == ',')
        {
          i++;
          continue;
        }
      /* A line end: "\r\n", "\n" or a lone "\r". */
      if (data[i] == '\r')
        {
          if (i + 1 >= length)
            break;  /* "\r" at the very end: the "\n" may be missing */
          if (data[i + 1] == '\n')
            i++;
        }
      i++;
      line++;
      g_ptr_array_add (rows, end_row (fields));
      fields = NULL;
      row_start = i;
    }

  if (fields != NULL)
    g_ptr_array_free (fields, TRUE);
  if (out_complete_length != NULL)
    *out_complete_length = row_start;
  return g_steal_pointer (&rows);
}

/* Records */

static char *
format_double (const char *format, double value)
{
  if (!isfinite (value))
    return g_strdup ("");
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, format, value));
}

static char *
quality_reasons (guint reasons)
{
  g_auto (GStrv) names = fovea_quality_reason_names (reasons, NULL);
  return g_strjoinv (";", names);
}

GStrv
fovea_csv_record_fields (const FoveaGradeRecord *r)
{
  /* An error before quality was assessed leaves the quality empty; after
   * it (e.g. the forward pass failed) the verdict stays. */
  gboolean assessed = r->error == NULL || r->quality.fov.found ||
                      r->quality.effective_resolution > 0;
  gboolean graded = r->error == NULL && r->quality.gradable;
  char **f = g_new0 (char *, FOVEA_CSV_N_COLUMNS + 1);
  /* A file name that is not UTF-8 is written as GLib's display name
   * (invalid bytes become U+FFFD), so the CSV and the JSON lines made
   * from these fields are valid UTF-8. */
  f[0] = g_filename_display_name (r->path);
  f[1] = g_strdup (r->patient_id != NULL ? r->patient_id : "");
  f[2] = g_strdup (r->eye != NULL ? r->eye : "");
  f[3] = g_strdup (fovea_modality_to_string (r->modality));
  f[4] = g_strdup (!assessed ? "" : r->quality.gradable ? "gradable" : "ungradable");
  f[5] = assessed ? quality_reasons (r->quality.reasons) : g_strdup ("");
  f[6] = g_strdup (r->task != NULL ? r->task : "");
  f[7] = graded && r->grade >= 0 ? g_strdup_printf ("%d", r->grade) : g_strdup ("");
  f[8] = g_strdup (graded && r->label != NULL ? r->label : "");
  f[9] = g_strdup (graded && r->has_referable ? (r->referable ? "yes" : "no") : "");
  f[10] = graded ? format_double ("%.4f", r->confidence) : g_strdup ("");
  f[11] = g_strdup (graded && r->has_referable && r->referral_rule ? r->referral_rule : "");
  f[12] = g_strdup (r->model_name != NULL ? r->model_name : "");
  f[13] = g_strdup (r->model_sha256 != NULL ? r->model_sha256 : "");
  f[14] = format_double ("%.3f", r->seconds);
  f[15] = g_strconcat (r->error == NULL ? ""
                       : r->retryable ? FOVEA_CSV_RETRYABLE_PREFIX
                       : r->not_for_task ? FOVEA_CSV_NOT_FOR_TASK_PREFIX : "",
                       r->error != NULL ? r->error : "", NULL);
  f[16] = g_strdup (graded && r->label_title != NULL ? r->label_title : "");
  f[17] = g_strdup (r->note != NULL ? r->note : "");
  /* Messages and model names may quote file names too. */
  for (guint i = 1; i < FOVEA_CSV_N_COLUMNS; i++)
    if (!g_utf8_validate (f[i], -1, NULL))
      {
        char *valid = g_utf8_make_valid (f[i], -1);
        g_free (f[i]);
        f[i] = valid;
      }
  return f;
}

/* The log */

static gboolean
write_all (int fd, const char *data, gsize length, const char *path, GError **error)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot write: %s",
                       path, g_strerror (saved));
          return FALSE;
        }
      data += n;
      length -= (gsize) n;
    }
  if (fsync (fd) != 0)
    {
      int saved = errno;
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot sync: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Makes a newly created file's directory entry durable too. */
static void
sync_parent (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      (void) fsync (fd);
      close (fd);
    }
}

static gboolean
write_header (FoveaCsvLog *log, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  fovea_csv_append_row (text, (const char *const *) log->columns, log->n_columns);
  return write_all (log->fd, text->str, text->len, log->path, error);
}

/* A header of ours but with other extra columns is another kind of run
 * (another --segment): its rows and this run's would not line up. */
static gboolean
check_header (FoveaCsvLog *log, char **row, GError **error)
{
  if (g_strv_equal ((const char *const *) row, (const char *const *) log->columns))
    return TRUE;
  if (!fovea_csv_header_is_ours (row))
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                   "%s: not a Fovea batch CSV (its header differs)", log->path);
      return FALSE;
    }
  g_autofree char *theirs = fovea_csv_header_describe_extra (row);
  g_autofree char *ours = fovea_csv_header_describe_extra (log->columns);
  g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_COLUMNS,
               "%s: its segmentation columns (%s) are not this run's (%s): resume it with the "
               "same --segment tasks, or write a new CSV", log->path, theirs, ours);
  return FALSE;
}

/* Reads what a previous run left; returns the length to keep (0: start
 * afresh), or -1 with an error. *rewrite is set to the text to keep when
 * rows in the middle must go (retryable ones). */
static gssize
scan_existing (FoveaCsvLog *log, guint rows_per_file, GHashTable *done_files, GString **rewrite,
               GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (log->path, &data, &length, &local))
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s", local->message);
      return -1;
    }
  /* Our header first, or (cut short) a prefix of it: anything else is
   * someone else's file, whatever its syntax. A complete header of ours
   * with other extra columns is told apart by check_header. */
  g_autoptr (GString) header = g_string_new (NULL);
  fovea_csv_append_row (header, (const char *const *) log->columns, log->n_columns);
  g_autoptr (GString) base_header = g_string_new (NULL);
  fovea_csv_append_row (base_header, columns, FOVEA_CSV_N_COLUMNS);
  g_string_truncate (base_header, base_header->len - 2);  /* without its line end */
  if (memcmp (data, header->str, MIN (length, header->len)) != 0 &&
      (length < base_header->len || memcmp (data, base_header->str, base_header->len) != 0))
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                   "%s: not a Fovea batch CSV (it does not start with the header row)",
                   log->path);
      return -1;
    }
  gsize complete = 0;
  g_autoptr (GPtrArray) rows = fovea_csv_parse (data, length, &complete, &local);
  if (rows == NULL)
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE, "%s: %s", log->path,
                   local->message);
      return -1;
    }
  if (rows->len == 0)
    {
      if (memcmp (data, header->str, MIN (length, header->len)) == 0)
        return 0;  /* a partial header line of ours */
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_COLUMNS,
                   "%s: its header is cut short and its columns are not this run's: "
                   "write a new CSV", log->path);
      return -1;
    }
  if (!check_header (log, rows->pdata[0], error))
    return -1;

  /* Where each row starts, to cut the last file's rows if too few. */
  g_autoptr (GArray) starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  {
    /* Row boundaries: re-scan, tracking quotes. */
    gboolean quoted = FALSE;
    gsize at = 0;
    g_array_append_val (starts, at);
    for (gsize i = 0; i < complete; i++)
      {
        if (data[i] == '"')
          quoted = !quoted;
        else if (!quoted && (data[i] == '\n' || (data[i] == '\r' && (i + 1 >= complete ||
                                                                      data[i + 1] != '\n'))))
          {
            gsize next = i + 1;
            if (next < complete)
              g_array_append_val (starts, next);
          }
      }
  }
  if (starts->len != rows->len)
    {
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                   "%s: rows could not be delimited", log->path);
      return -1;
    }

  /* The last file's rows: complete only with rows_per_file of them. */
  guint keep = rows->len;
  if (rows->len > 1 && rows_per_file > 1)
    {
      const char *last = ((char **) rows->pdata[rows->len - 1])[0];
      guint first = rows->len - 1;
      while (first > 1 && g_strcmp0 (((char **) rows->pdata[first - 1])[0], last) == 0)
        first--;
      if (rows->len - first < rows_per_file)
        keep = first;
    }

  /* Files with a retryable error are graded again: their rows go. */
  g_autoptr (GHashTable) retry = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint r = 1; r < keep; r++)
    {
      char **row = rows->pdata[r];
      if (g_strv_length (row) != log->n_columns)
        {
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_PARSE,
                       "%s: row %u has %u fields, not %u", log->path, r + 1,
                       g_strv_length (row), log->n_columns);
          return -1;
        }
      if (g_str_has_prefix (row[ERROR_COLUMN], FOVEA_CSV_RETRYABLE_PREFIX))
        g_hash_table_add (retry, row[0]);
    }

  gsize end = keep < rows->len ? g_array_index (starts, gsize, keep) : complete;
  if (g_hash_table_size (retry) > 0)
    *rewrite = g_string_new_len (data, (gssize) g_array_index (starts, gsize, 1));
  const char *previous = NULL;
  gboolean failed = FALSE, ungradable = FALSE;
  for (guint r = 1; r < keep; r++)
    {
      char **row = rows->pdata[r];
      if (g_hash_table_contains (retry, row[0]))
        continue;
      if (*rewrite != NULL)
        {
          gsize to = r + 1 < keep ? g_array_index (starts, gsize, r + 1) : end;
          gsize from = g_array_index (starts, gsize, r);
          g_string_append_len (*rewrite, data + from, (gssize) (to - from));
        }
      log->n_resumed++;
      if (done_files != NULL)
        g_hash_table_add (done_files, g_strdup (row[0]));
      /* A file's rows are together: count it when its last row is read. */
      if (previous == NULL || strcmp (previous, row[0]) != 0)
        failed = ungradable = FALSE;
      previous = row[0];
      gboolean not_for_task = g_str_has_prefix (row[ERROR_COLUMN], FOVEA_CSV_NOT_FOR_TASK_PREFIX);
      failed |= row[ERROR_COLUMN][0] != '\0' && !not_for_task;
      ungradable |= strcmp (row[QUALITY_COLUMN], "ungradable") == 0 || not_for_task;
      char **next = r + 1 < keep ? rows->pdata[r + 1] : NULL;
      if (next == NULL || strcmp (next[0], row[0]) != 0)
        {
          log->n_resumed_files++;
          log->n_resumed_failed += failed;
          log->n_resumed_ungradable += !failed && ungradable;
        }
    }
  return (gssize) end;
}

static gboolean
open_resume (FoveaCsvLog *log, guint rows_per_file, GHashTable *done_files, GError **error)
{
  log->fd = open (log->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (log->fd < 0)
    {
      int saved = errno;
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot open: %s",
                   log->path, g_strerror (saved));
      return FALSE;
    }
  g_autoptr (GString) rewrite = NULL;
  gssize keep = scan_existing (log, rows_per_file, done_files, &rewrite, error);
  if (keep < 0)
    return FALSE;
  if (rewrite != NULL)
    {
      /* Replaced whole (temporary file, then rename), then appended to. */
      g_autoptr (GError) local = NULL;
      if (!g_file_set_contents_full (log->path, rewrite->str, (gssize) rewrite->len,
                                     G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                     0644, &local))
        {
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s", local->message);
          return FALSE;
        }
      close (log->fd);
      log->fd = open (log->path, O_RDWR | O_CLOEXEC);
      if (log->fd < 0)
        {
          int saved = errno;
          g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot open: %s",
                       log->path, g_strerror (saved));
          return FALSE;
        }
      keep = (gssize) rewrite->len;
    }
  if (ftruncate (log->fd, (off_t) keep) != 0 || lseek (log->fd, 0, SEEK_END) < 0)
    {
      int saved = errno;
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot truncate: %s",
                   log->path, g_strerror (saved));
      return FALSE;
    }
  sync_parent (log->path);
  if (keep == 0)
    return write_header (log, error);
  return write_all (log->fd, "", 0, log->path, error);
}

FoveaCsvLog *
fovea_csv_log_open (const char *path, FoveaCsvMode mode, guint rows_per_file,
                    GHashTable *done_files, GError **error)
{
  return fovea_csv_log_open_with_columns (path, mode, NULL, rows_per_file, done_files, error);
}

FoveaCsvLog *
fovea_csv_log_open_with_columns (const char *path, FoveaCsvMode mode,
                                 const char *const *extra_columns, guint rows_per_file,
                                 GHashTable *done_files, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (FoveaCsvLog) log = g_new0 (FoveaCsvLog, 1);
  log->path = g_strdup (path);
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  g_strv_builder_addv (names, (const char **) columns);
  if (extra_columns != NULL)
    g_strv_builder_addv (names, (const char **) extra_columns);
  log->columns = g_strv_builder_end (names);
  log->n_columns = g_strv_length (log->columns);
  log->fd = -1;
  log->pending = g_string_new (NULL);

  if (mode == FOVEA_CSV_RESUME)
    return open_resume (log, rows_per_file, done_files, error) ? g_steal_pointer (&log) : NULL;

  /* A symbolic link at path is replaced, never written through: its
   * target may be a photograph. */
  GStatBuf st;
  if (mode == FOVEA_CSV_FORCE && g_lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    g_unlink (path);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
              (mode == FOVEA_CSV_FORCE ? O_TRUNC : O_EXCL);
  log->fd = open (path, flags, 0644);
  if (log->fd < 0)
    {
      int saved = errno;
      if (saved == EEXIST)
        g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_EXISTS,
                     "%s exists; use --resume to continue it or --force to replace it", path);
      else
        g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot create: %s", path,
                     g_strerror (saved));
      return NULL;
    }
  sync_parent (path);
  if (!write_header (log, error))
    return NULL;
  return g_steal_pointer (&log);
}

void
fovea_csv_log_add (FoveaCsvLog *log, const FoveaGradeRecord *record)
{
  fovea_csv_log_add_with_values (log, record, NULL);
}

void
fovea_csv_log_add_with_values (FoveaCsvLog *log, const FoveaGradeRecord *record,
                               const char *const *extra_values)
{
  g_auto (GStrv) fields = fovea_csv_record_fields (record);
  fovea_csv_append_row (log->pending, (const char *const *) fields, FOVEA_CSV_N_COLUMNS);
  if (log->n_columns == FOVEA_CSV_N_COLUMNS)
    return;
  /* The extra fields after ours: the row's "\r\n" moves to their end. */
  g_string_truncate (log->pending, log->pending->len - 2);
  guint n_extra = log->n_columns - FOVEA_CSV_N_COLUMNS;
  for (guint i = 0; i < n_extra; i++)
    {
      g_string_append_c (log->pending, ',');
      gboolean given = extra_values != NULL && g_strv_length ((char **) extra_values) > i;
      fovea_csv_append_field (log->pending, given ? extra_values[i] : NULL);
    }
  g_string_append (log->pending, "\r\n");
}

gboolean
fovea_csv_log_commit (FoveaCsvLog *log, GError **error)
{
  g_return_val_if_fail (log != NULL && log->fd >= 0, FALSE);
  gboolean ok = write_all (log->fd, log->pending->str, log->pending->len, log->path, error);
  g_string_truncate (log->pending, 0);
  return ok;
}

gboolean
fovea_csv_log_append (FoveaCsvLog *log, const FoveaGradeRecord *const *records,
                      guint n_records, GError **error)
{
  for (guint i = 0; i < n_records; i++)
    fovea_csv_log_add (log, records[i]);
  return fovea_csv_log_commit (log, error);
}

guint
fovea_csv_log_get_n_resumed (const FoveaCsvLog *log)
{
  return log->n_resumed;
}

void
fovea_csv_log_get_resumed_files (const FoveaCsvLog *log, guint *n_files, guint *n_failed,
                                 guint *n_ungradable)
{
  *n_files = log->n_resumed_files;
  *n_failed = log->n_resumed_failed;
  *n_ungradable = log->n_resumed_ungradable;
}

gboolean
fovea_csv_log_close (FoveaCsvLog *log, GError **error)
{
  if (log == NULL || log->fd < 0)
    return TRUE;
  int fd = log->fd;
  log->fd = -1;
  if (close (fd) != 0)
    {
      int saved = errno;
      g_set_error (error, FOVEA_CSV_ERROR, FOVEA_CSV_ERROR_IO, "%s: cannot close: %s",
                   log->path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

void
fovea_csv_log_free (FoveaCsvLog *log)
{
  if (log == NULL)
    return;
  fovea_csv_log_close (log, NULL);
  g_string_free (log->pending, TRUE);
  g_strfreev (log->columns);
  g_free (log->path);
  g_free (log);
}
