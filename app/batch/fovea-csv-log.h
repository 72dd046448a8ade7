/* fovea-csv-log.h: the batch CSV, written durably row by row.
 *
 * RFC 4180: fields separated by commas, rows ended by "\r\n"; a field with
 * a comma, a double quote, CR or LF, or leading or trailing space is put in
 * double quotes, with each double quote doubled. A field a spreadsheet
 * would run as a formula (starting with =, +, -, @, tab or CR, and not a
 * plain number) is written with a leading apostrophe (OWASP's advice);
 * fovea_csv_parse removes it again. The first row names the
 * columns (fovea_csv_columns(), documented in the README):
 *
 *   file, patient, eye, modality, quality, quality_reasons, task, grade,
 *   label, referable, confidence, referral_rule, model, model_sha256,
 *   seconds, error, label_title, note
 *
 * then, when a run asks for them, extra columns (`grade --segment`'s
 * measurements, fovea-seg-columns.h): the header names them, and a CSV's
 * rows all have its header's width. Without extra columns the file is
 * what it was before they existed.
 *
 * An error that may pass on another try starts with
 * FOVEA_CSV_RETRYABLE_PREFIX; resuming drops such a file's rows and grades
 * the file again. One that says the task is for another modality starts
 * with FOVEA_CSV_NOT_FOR_TASK_PREFIX: the file counts as ungradable.
 *
 * Each group of rows (one file's, all its tasks) is written with one
 * write(), then fsync()ed, so a crash or kill -9 leaves a valid prefix plus
 * at most one partial line, which resuming drops. */
#pragma once

#include <gio/gio.h>

#include "fovea-grade-record.h"

G_BEGIN_DECLS

#define FOVEA_CSV_ERROR (fovea_csv_error_quark ())
#define FOVEA_CSV_N_COLUMNS 18
#define FOVEA_CSV_RETRYABLE_PREFIX "retryable: "
/* Starts the error of a task for another modality (the record's
 * not_for_task): the file counts as ungradable, not failed. */
#define FOVEA_CSV_NOT_FOR_TASK_PREFIX "not for this task: "

typedef enum {
  FOVEA_CSV_ERROR_EXISTS,    /* the output exists and neither force nor resume was asked */
  FOVEA_CSV_ERROR_IO,
  FOVEA_CSV_ERROR_PARSE,     /* not CSV, or a header that is not ours */
  FOVEA_CSV_ERROR_COLUMNS,   /* our header, with other extra columns than this run's */
} FoveaCsvError;

typedef enum {
  FOVEA_CSV_CREATE,          /* refuse an existing file */
  FOVEA_CSV_FORCE,           /* replace an existing file */
  FOVEA_CSV_RESUME,          /* keep the complete rows of an existing file, append */
} FoveaCsvMode;

typedef struct _FoveaCsvLog FoveaCsvLog;

GQuark             fovea_csv_error_quark   (void);
/* The column names, in order; NULL-terminated. */
const char *const *fovea_csv_columns       (void);
/* Whether row (a parsed header) starts with our FOVEA_CSV_N_COLUMNS
 * columns; what follows them are the CSV's extra columns. */
gboolean           fovea_csv_header_is_ours (char **row);
/* The extra columns of a header, comma-separated, or "none": for
 * messages. */
char              *fovea_csv_header_describe_extra (char **row);

/* Appends field to out, quoted when it needs to be. NULL is empty. */
void       fovea_csv_append_field   (GString           *out,
                                     const char        *field);
/* Appends one row, "\r\n"-terminated. */
void       fovea_csv_append_row     (GString           *out,
                                     const char *const *fields,
                                     guint              n_fields);
/* Parses complete rows (char** each, NULL-terminated) from data. A last
 * row without its line end, or an unterminated quote, is a partial row:
 * it is left out and *out_complete_length (may be NULL) is where it
 * starts. A quote in the middle of an unquoted field, or text after a
 * closing quote, is an error. */
GPtrArray *fovea_csv_parse          (const char        *data,
                                     gsize              length,
                                     gsize             *out_complete_length,
                                     GError           **error);
/* A record as the FOVEA_CSV_N_COLUMNS fields of its row, valid UTF-8:
 * the file as g_filename_display_name() gives it. */
GStrv      fovea_csv_record_fields  (const FoveaGradeRecord *record);

/* Opens path for appending rows. In RESUME mode an existing file must
 * start with our header; a trailing partial line is cut off, and so are the
 * rows of a last file that has fewer than rows_per_file rows (a file's
 * rows are one write, so this only happens if that write was cut); the
 * rows of files with a retryable error are dropped (the file is replaced
 * atomically); every file (the "file" column) of the rows kept is added
 * to done_files (a set of strings; may be NULL). A missing or empty file
 * is started afresh. */
FoveaCsvLog *fovea_csv_log_open     (const char        *path,
                                     FoveaCsvMode       mode,
                                     guint              rows_per_file,
                                     GHashTable        *done_files,
                                     GError           **error);
/* The same with extra columns after ours (NULL: none). In RESUME mode the
 * existing header must name exactly these: one of ours with others is a
 * FOVEA_CSV_ERROR_COLUMNS error that names both sets. */
FoveaCsvLog *fovea_csv_log_open_with_columns (const char        *path,
                                              FoveaCsvMode       mode,
                                              const char *const *extra_columns,
                                              guint              rows_per_file,
                                              GHashTable        *done_files,
                                              GError           **error);
/* Writes records (one file's) as rows with one write(), then fsync(). */
gboolean     fovea_csv_log_append   (FoveaCsvLog             *log,
                                     const FoveaGradeRecord *const *records,
                                     guint                    n_records,
                                     GError                 **error);
/* Or one at a time: add buffers a record's row, commit writes what was
 * added with one write(), then fsync(). */
void         fovea_csv_log_add      (FoveaCsvLog             *log,
                                     const FoveaGradeRecord  *record);
/* With the values of the extra columns, in order (NULL, or fewer: empty). */
void         fovea_csv_log_add_with_values (FoveaCsvLog            *log,
                                            const FoveaGradeRecord *record,
                                            const char *const      *extra_values);
gboolean     fovea_csv_log_commit   (FoveaCsvLog             *log,
                                     GError                 **error);
/* Rows already in the file when it was opened for resuming. */
guint        fovea_csv_log_get_n_resumed (const FoveaCsvLog *log);
/* What the files of those rows came to, as a batch run counts them: a
 * file failed when one of its rows has an error, else it is ungradable
 * when its quality says so. Files with retryable errors are not counted:
 * their rows were dropped for grading again. */
void         fovea_csv_log_get_resumed_files (const FoveaCsvLog *log,
                                              guint             *n_files,
                                              guint             *n_failed,
                                              guint             *n_ungradable);
/* Closes; FALSE if the last close failed. log may be NULL. */
gboolean     fovea_csv_log_close    (FoveaCsvLog       *log,
                                     GError           **error);
void         fovea_csv_log_free     (FoveaCsvLog       *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaCsvLog, fovea_csv_log_free)

G_END_DECLS
