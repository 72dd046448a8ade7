/* fovea-cli-merge.c: `fovea-cli merge --out merged.csv [--force] SHARD.csv…`
 *
 * Joins the CSVs of `fovea-cli grade --shard I/N` runs into one: one
 * header (every input's must be grade's, with the same extra columns, such
 * as --segment's measurements, as the first input's), rows sorted by file (a file's
 * task rows keep their order), written atomically. A file and task found
 * twice, a partial last row (a shard still running or killed: resume it
 * first) or a row of the wrong width is refused, and nothing is written.
 * Then the per-patient summary of the merged CSV (fovea-patient-csv.h),
 * with the tasks that the shards' summaries show to have held-out figures. */
#define G_LOG_DOMAIN "fovea-cli-merge"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fovea-cli-commands.h"
#include "fovea-csv-log.h"
#include "fovea-output-guard.h"
#include "fovea-patient-csv.h"

typedef struct {
  char **fields;
  guint  order;   /* input order, to keep a file's task rows in theirs */
} Row;

static int
compare_rows (gconstpointer a, gconstpointer b)
{
  const Row *x = *(const Row *const *) a;
  const Row *y = *(const Row *const *) b;
  int by_file = strcmp (x->fields[0], y->fields[0]);
  if (by_file != 0)
    return by_file;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
row_free (Row *row)
{
  g_strfreev (row->fields);
  g_free (row);
}

/* Adds path's rows to rows; FALSE with a message printed. *header is
 * the first input's header (set from this one when NULL): every input must
 * have the same columns. */
static gboolean
read_shard (const char *path, GPtrArray *rows, GStrv *header, const char **header_path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &data, &length, &error))
    {
      fprintf (stderr, "fovea-cli merge: %s\n", error->message);
      return FALSE;
    }
  gsize complete = 0;
  g_autoptr (GPtrArray) parsed = fovea_csv_parse (data, length, &complete, &error);
  if (parsed == NULL)
    {
      fprintf (stderr, "fovea-cli merge: %s: %s\n", path, error->message);
      return FALSE;
    }
  if (complete != length)
    {
      fprintf (stderr, "fovea-cli merge: %s ends in a partial row (was its run interrupted? "
               "finish it with --resume first)\n", path);
      return FALSE;
    }
  char **own = parsed->len > 0 ? parsed->pdata[0] : NULL;
  if (own == NULL || !fovea_csv_header_is_ours (own))
    {
      fprintf (stderr, "fovea-cli merge: %s: its header is not that of fovea-cli grade\n", path);
      return FALSE;
    }
  if (*header == NULL)
    {
      *header = g_strdupv (own);
      *header_path = path;
    }
  else if (!g_strv_equal ((const char *const *) own, (const char *const *) *header))
    {
      g_autofree char *theirs = fovea_csv_header_describe_extra (own);
      g_autofree char *first = fovea_csv_header_describe_extra (*header);
      fprintf (stderr, "fovea-cli merge: %s and %s have different columns (extra columns: "
               "%s; %s): were they graded with different --segment tasks?\n", *header_path,
               path, first, theirs);
      return FALSE;
    }
  guint n_columns = g_strv_length (*header);
  for (guint r = 1; r < parsed->len; r++)
    {
      char **fields = parsed->pdata[r];
      if (g_strv_length (fields) != n_columns)
        {
          fprintf (stderr, "fovea-cli merge: %s: row %u has %u fields, not %u\n", path, r + 1,
                   g_strv_length (fields), n_columns);
          return FALSE;
        }
      Row *row = g_new0 (Row, 1);
      row->fields = g_steal_pointer (&parsed->pdata[r]);
      row->order = rows->len;
      g_ptr_array_add (rows, row);
    }
  return TRUE;
}

int
fovea_cli_merge (int argc, char **argv)
{
  g_autofree char *out = NULL;
  g_auto (GStrv) inputs = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The merged CSV (required)", "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing output", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "SHARD.csv…" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("SHARD.csv… — merge shard CSVs");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Joins the CSVs of `fovea-cli grade --shard I/N` runs: one header, rows\n"
    "sorted by file. Refuses differing headers, partial rows and duplicates.");
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "fovea-cli merge: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  if (inputs == NULL || out == NULL)
    {
      fprintf (stderr, "fovea-cli merge: give the shards' CSVs and --out FILE\n");
      return FOVEA_CLI_EXIT_FATAL;
    }
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  fovea_output_guard_add_all (reads, (const char *const *) inputs);
  if (!fovea_output_guard_check (out, reads, force, &error))
    {
      fprintf (stderr, "fovea-cli merge: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }

  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  g_auto (GStrv) header = NULL;
  const char *header_path = NULL;
  for (guint i = 0; inputs[i] != NULL; i++)
    if (!read_shard (inputs[i], rows, &header, &header_path))
      return FOVEA_CLI_EXIT_FATAL;
  g_ptr_array_sort (rows, compare_rows);

  /* A file's task rows sit together now: a task twice is a duplicate. */
  for (guint r = 1; r < rows->len; r++)
    {
      const Row *row = rows->pdata[r];
      for (guint q = r; q-- > 0;)
        {
          const Row *before = rows->pdata[q];
          if (strcmp (before->fields[0], row->fields[0]) != 0)
            break;
          if (strcmp (before->fields[6], row->fields[6]) == 0)
            {
              fprintf (stderr, "fovea-cli merge: %s (task %s) appears twice: were shards "
                       "overlapping, or one given twice?\n", row->fields[0], row->fields[6]);
              return FOVEA_CLI_EXIT_FATAL;
            }
        }
    }

  g_autoptr (GString) text = g_string_new (NULL);
  guint n_columns = g_strv_length (header);
  fovea_csv_append_row (text, (const char *const *) header, n_columns);
  for (guint r = 0; r < rows->len; r++)
    fovea_csv_append_row (text, (const char *const *) ((Row *) rows->pdata[r])->fields,
                          n_columns);
  if (!fovea_output_write_atomic (out, text->str, text->len, 0644, &error))
    {
      fprintf (stderr, "fovea-cli merge: %s\n", error->message);
      return FOVEA_CLI_EXIT_FATAL;
    }
  fprintf (stderr, "fovea-cli merge: %u row(s) from %u file(s) into %s\n", rows->len,
           g_strv_length (inputs), out);

  /* The CSVs do not say which cards have held-out figures; the shards'
   * summaries do. */
  g_autoptr (GPtrArray) validated = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; inputs[i] != NULL; i++)
    {
      g_autofree char *shard_patients = fovea_patient_csv_path (inputs[i]);
      if (!fovea_patient_csv_read_validated (shard_patients, validated, &error))
        {
          fprintf (stderr, "fovea-cli merge: %s\n", error->message);
          return FOVEA_CLI_EXIT_SOME_FAILED;
        }
    }
  g_ptr_array_add (validated, NULL);
  g_autoptr (GPtrArray) patients = NULL;
  g_autofree char *patients_path = fovea_patient_csv_path (out);
  if (!fovea_patient_csv_write_for (out, (const char *const *) validated->pdata, &patients,
                                    &error))
    {
      fprintf (stderr, "fovea-cli merge: per-patient summary: %s\n", error->message);
      return FOVEA_CLI_EXIT_SOME_FAILED;
    }
  guint n_patients = 0, n_referable = 0;
  fovea_patient_summary_count (patients, &n_patients, &n_referable);
  fprintf (stderr, "fovea-cli merge: %u patient(s), %u referable (worst eye); %s\n",
           n_patients, n_referable, patients_path);
  return FOVEA_CLI_EXIT_OK;
}
