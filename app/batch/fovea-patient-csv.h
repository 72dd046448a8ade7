/* fovea-patient-csv.h: the per-patient summary of a batch CSV, written next
 * to it as OUT.patients.csv ("results.csv" → "results.patients.csv").
 *
 * It is rebuilt from the whole batch CSV, not from one run's records, so
 * that a resumed run gives the same file as an uninterrupted one. Columns:
 *
 *   patient_id, task, eyes, worst_eye, worst_grade, worst_label, referral,
 *   reason
 *
 * referral is "refer", "no referral", "ungradable" or "no recommendation"
 * (fovea-patient-summary.h says when). */
#pragma once

#include <gio/gio.h>

#include "fovea-patient-summary.h"

G_BEGIN_DECLS

#define FOVEA_PATIENT_CSV_N_COLUMNS 8

/* The column names, in order; NULL-terminated. */
const char *const *fovea_patient_csv_columns (void);

/* "DIR/results.patients.csv" for "DIR/results.csv"; a name without the
 * ".csv" ending gets ".patients.csv" appended. */
char      *fovea_patient_csv_path     (const char        *csv_path);

/* The records of a batch CSV (fovea-csv-log.h), as far as its columns
 * tell: patient, eye, task, quality, grade, label, referable, error. The
 * CSV does not say whether a task's card has held-out figures:
 * validated_tasks names the tasks that do (NULL: none). A partial last row
 * is left out; a header that is not the batch CSV's, or a row of the wrong
 * width, is an error naming the file and the row. */
GPtrArray *fovea_patient_csv_read_records (const char        *csv_path,
                                           const char *const *validated_tasks,
                                           GError           **error);

/* The summaries (FoveaPatientSummary*) as CSV text, header first. */
char      *fovea_patient_csv_format   (GPtrArray         *summaries);

/* The tasks that a per-patient summary written by grade shows to have
 * held-out figures (a reason not starting FOVEA_PATIENT_REASON_UNVALIDATED),
 * added to tasks (char*, owned) once each: merge learns from the shards'
 * summaries what their CSVs do not say. A missing file adds nothing. */
gboolean   fovea_patient_csv_read_validated (const char *patients_path,
                                             GPtrArray  *tasks,
                                             GError    **error);

/* Reads the batch CSV at csv_path, summarises it and writes
 * fovea_patient_csv_path (csv_path) atomically (temporary file, then
 * rename). *out_summaries (may be NULL) receives the summaries. */
gboolean   fovea_patient_csv_write_for (const char        *csv_path,
                                        const char *const *validated_tasks,
                                        GPtrArray        **out_summaries,
                                        GError           **error);

G_END_DECLS
