/* fovea-report-batch.c: the batch summary: counts by grade, the patients
 * (worst eye), the referable list, the ungradable list, then every file in
 * a table across pages. */
#define G_LOG_DOMAIN "fovea-report-batch"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "fovea-patient-summary.h"
#include "fovea-report-private.h"

#define ROW_HEIGHT 13.0
#define N_COLUMNS 6

typedef struct {
  const char *title;
  double      width;
} Column;

typedef struct {
  const Column *columns;
  int           n_columns;
} Table;

static gboolean
is_ungradable (const FoveaGradeRecord *record)
{
  return record->error != NULL || !record->quality.gradable;
}

static void
draw_row (ReportWriter *writer, const Table *table, const char *const *cells,
          ReportStyle style, gboolean shaded)
{
  if (shaded)
    {
      cairo_set_source_rgb (writer->cr, report_pale[0], report_pale[1], report_pale[2]);
      cairo_rectangle (writer->cr, REPORT_MARGIN, writer->y, REPORT_CONTENT_WIDTH, ROW_HEIGHT);
      cairo_fill (writer->cr);
    }
  double x = REPORT_MARGIN + 3;
  for (int c = 0; c < table->n_columns; c++)
    {
      /* File names keep their ends, which tell them apart. */
      report_draw_text (writer, style, cells[c], x, writer->y + 1.5,
                        table->columns[c].width - 6,
                        c == 0 ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_END, report_ink);
      x += table->columns[c].width;
    }
  writer->y += ROW_HEIGHT;
}

static void
draw_header_row (ReportWriter *writer, const Table *table)
{
  const char *cells[N_COLUMNS];
  for (int c = 0; c < table->n_columns; c++)
    cells[c] = table->columns[c].title;
  draw_row (writer, table, cells, REPORT_SMALL_BOLD, FALSE);
  cairo_set_source_rgb (writer->cr, report_grey[0], report_grey[1], report_grey[2]);
  cairo_set_line_width (writer->cr, 0.5);
  cairo_move_to (writer->cr, REPORT_MARGIN, writer->y);
  cairo_line_to (writer->cr, REPORT_PAGE_WIDTH - REPORT_MARGIN, writer->y);
  cairo_stroke (writer->cr);
  writer->y += 1;
}

/* A row, repeating the header at the top of a new page. */
static void
table_row (ReportWriter *writer, const Table *table, const char *const *cells, guint index)
{
  int page = writer->page;
  report_ensure (writer, ROW_HEIGHT);
  if (writer->page != page)
    draw_header_row (writer, table);
  draw_row (writer, table, cells, REPORT_SMALL, index % 2 == 1);
}

static void
fill_cells (const FoveaGradeRecord *record, char **cells)
{
  cells[0] = record->path != NULL ? g_path_get_basename (record->path) : g_strdup ("—");
  cells[1] = g_strdup (report_dash (record->patient_id));
  cells[2] = g_strdup (report_dash (record->eye));
  if (record->error != NULL)
    cells[3] = g_strdup_printf (_("error: %s"), record->error);
  else if (!record->quality.gradable)
    {
      g_autofree char *reasons = report_quality_reasons (&record->quality);
      cells[3] = g_strdup_printf (_("ungradable: %s"), reasons);
    }
  else
    cells[3] = g_strdup (_("gradable"));
  cells[4] = report_result_text (record);
  cells[5] = report_referable_text (record);
}

static void
list_records (ReportWriter *writer, const Table *table, FoveaGradeRecord *const *records,
              guint n_records, gboolean (*keep) (const FoveaGradeRecord *))
{
  report_ensure (writer, 2 * ROW_HEIGHT);
  draw_header_row (writer, table);
  guint shown = 0;
  for (guint i = 0; i < n_records; i++)
    {
      if (keep != NULL && !keep (records[i]))
        continue;
      char *cells[N_COLUMNS] = { NULL };
      fill_cells (records[i], cells);
      table_row (writer, table, (const char *const *) cells, shown++);
      for (int c = 0; c < N_COLUMNS; c++)
        g_free (cells[c]);
    }
  if (shown == 0)
    {
      const char *none[N_COLUMNS] = { _("none"), "", "", "", "", "" };
      table_row (writer, table, none, 0);
    }
  writer->y += 6;
}

static gboolean
keep_referable (const FoveaGradeRecord *record)
{
  return !is_ungradable (record) && record->calibrated && record->has_referable &&
         record->referable;
}

/* The key a record is counted under: "Grade N: name", the class name, or
 * "Uncalibrated raw output"; NULL for ungradable or failed files. */
static char *
count_key (const FoveaGradeRecord *record)
{
  if (is_ungradable (record))
    return NULL;
  if (record->calibrated && record->grade < 0)
    return report_class_text (record, -1);
  return report_result_text (record);
}

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

static void
draw_counts (ReportWriter *writer, FoveaGradeRecord *const *records, guint n_records)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  guint n_ungradable = 0, n_failed = 0, n_referable = 0;
  for (guint i = 0; i < n_records; i++)
    {
      const FoveaGradeRecord *record = records[i];
      n_failed += record->error != NULL;
      n_ungradable += record->error == NULL && !record->quality.gradable;
      n_referable += keep_referable (record);
      char *key = count_key (record);
      if (key != NULL && !g_ptr_array_find_with_equal_func (keys, key, g_str_equal, NULL))
        g_ptr_array_add (keys, key);
      else
        g_free (key);
    }
  /* "Grade 0: …" … "Grade 4: …" sort by grade; class names alphabetically. */
  g_ptr_array_sort (keys, compare_keys);
  g_autofree guint *n = g_new0 (guint, keys->len + 1);
  for (guint i = 0; i < n_records; i++)
    {
      g_autofree char *key = count_key (records[i]);
      guint k;
      if (key != NULL && g_ptr_array_find_with_equal_func (keys, key, g_str_equal, &k))
        n[k]++;
    }

  report_heading (writer, _("Counts"));
  static const Column count_columns[] = { { NULL, 300 }, { NULL, 80 } };
  const Table table = { count_columns, 2 };
  for (guint k = 0; k < keys->len; k++)
    {
      g_autofree char *value = g_strdup_printf ("%u", n[k]);
      const char *cells[] = { keys->pdata[k], value };
      table_row (writer, &table, cells, k);
    }
  struct { const char *name; guint value; } totals[] = {
    { _("Referable"), n_referable },
    { _("Ungradable"), n_ungradable },
    { _("Failed (error)"), n_failed },
    { _("Total files"), n_records },
  };
  for (guint t = 0; t < G_N_ELEMENTS (totals); t++)
    {
      g_autofree char *value = g_strdup_printf ("%u", totals[t].value);
      const char *cells[] = { totals[t].name, value };
      report_ensure (writer, ROW_HEIGHT);
      draw_row (writer, &table, cells, REPORT_SMALL_BOLD, FALSE);
    }
  writer->y += 6;
}

/* One row per patient and task, when any record names a patient: the
 * worst eye decides referral (fovea-patient-summary.h). */
static void
draw_patients (ReportWriter *writer, FoveaGradeRecord *const *records, guint n_records)
{
  g_autoptr (GPtrArray) summaries = fovea_patient_summarise (records, n_records);
  if (summaries->len == 0)
    return;
  guint n_patients = 0, n_referable = 0;
  fovea_patient_summary_count (summaries, &n_patients, &n_referable);
  report_heading (writer, _("Patients (worst eye)"));
  const Column columns[N_COLUMNS] = {
    { _("Patient"), 75 }, { _("Task"), 95 }, { _("Eyes"), 50 }, { _("Worst eye"), 55 },
    { _("Result"), 110 }, { _("Referral"), REPORT_CONTENT_WIDTH - 385 },
  };
  const Table table = { columns, N_COLUMNS };
  report_ensure (writer, 2 * ROW_HEIGHT);
  draw_header_row (writer, &table);
  for (guint i = 0; i < summaries->len; i++)
    {
      const FoveaPatientSummary *s = summaries->pdata[i];
      g_autofree char *result = NULL;
      if (!s->has_worst)
        result = g_strdup ("—");
      else if (s->worst_grade >= 0)
        result = g_strdup_printf (_("Grade %d: %s"), s->worst_grade, report_dash (s->worst_label));
      else
        result = g_strdup (report_dash (s->worst_label));
      const char *cells[N_COLUMNS] = {
        s->patient_id, s->task, s->eyes, s->has_worst ? report_dash (s->worst_eye) : "—",
        result, fovea_referral_to_display (s->referral),
      };
      table_row (writer, &table, cells, i);
    }
  writer->y += 3;
  g_autofree char *total = g_strdup_printf (ngettext ("%u patient, %u referable (worst eye)",
                                                     "%u patients, %u referable (worst eye)",
                                                     n_patients),
                                            n_patients, n_referable);
  report_paragraph (writer, REPORT_SMALL_BOLD, total, report_ink);
  writer->y += 6;
}

/* Whether a newline-separated list already holds item. */
static gboolean
list_contains (const GString *list, const char *item)
{
  g_auto (GStrv) items = g_strsplit (list->str, "\n", -1);
  return list->len > 0 && g_strv_contains ((const char *const *) items, item);
}

void
report_render_batch (ReportWriter *writer, FoveaGradeRecord *const *records, guint n_records)
{
  const FoveaReportInfo *info = writer->info;
  report_new_page (writer);
  writer->y += report_draw_text (writer, REPORT_TITLE, _("Fovea batch grading summary"),
                                 REPORT_MARGIN, writer->y, REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE,
                                 report_ink);
  writer->y += 8;
  gboolean research = FALSE;
  for (guint i = 0; i < n_records; i++)
    research |= records[i]->research_use_only || !records[i]->calibrated;
  if (research)
    report_banner (writer, _("RESEARCH USE ONLY — not for diagnosis. This model has not "
                             "been validated for clinical use."),
                   report_red, report_white);
  report_paragraph (writer, REPORT_BOLD, _("AI-generated; requires clinician review."),
                    report_ink);
  report_gap (writer, 6);
  report_field (writer, _("Site"), report_dash (info->site), REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, 120);
  report_field (writer, _("Operator"), report_dash (info->operator_name), REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, 120);
  report_field (writer, _("Exam date"), report_dash (info->exam_date), REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, 120);
  /* A batch may run several tasks: every model, and every intended use,
   * once each, in order of appearance. */
  g_autoptr (GString) models = g_string_new (NULL);
  g_autoptr (GString) uses = g_string_new (NULL);
  for (guint i = 0; i < n_records; i++)
    {
      const char *name = records[i]->model_name, *use = records[i]->intended_use;
      if (name != NULL && !list_contains (models, name))
        g_string_append_printf (models, "%s%s", models->len > 0 ? "\n" : "", name);
      if (use != NULL && !list_contains (uses, use))
        g_string_append_printf (uses, "%s%s", uses->len > 0 ? "\n" : "", use);
    }
  report_field (writer, _("Model"), models->len > 0 ? models->str : "—", REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, 120);
  if (uses->len > 0)
    report_field (writer, _("Intended use"), uses->str, REPORT_MARGIN,
                  REPORT_CONTENT_WIDTH, 120);

  draw_counts (writer, records, n_records);
  draw_patients (writer, records, n_records);

  const Column columns[N_COLUMNS] = {
    { _("File"), 115 }, { _("Patient"), 75 }, { _("Eye"), 28 }, { _("Quality"), 115 },
    { _("Result"), 110 }, { _("Referable"), REPORT_CONTENT_WIDTH - 443 },
  };
  const Table table = { columns, N_COLUMNS };
  report_heading (writer, _("Referable"));
  list_records (writer, &table, records, n_records, keep_referable);
  report_heading (writer, _("Ungradable or failed"));
  list_records (writer, &table, records, n_records, is_ungradable);
  report_heading (writer, _("All files"));
  list_records (writer, &table, records, n_records, NULL);
}
