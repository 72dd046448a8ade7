/* fovea-window-patient.c: when the document list holds both eyes of the
 * shown patient, the results panel shows one line for the patient — the
 * worst eye decides referral (fovea-patient-summary.h), as in batch
 * grading's summary. */
#define G_LOG_DOMAIN "fovea-window-patient"

#include "config.h"

#include "fovea-patient-summary.h"
#include "fovea-window-private.h"

/* The records of the documents of patient_id analysed with task, with the
 * patient and eye as the documents say now (they may have been edited
 * since the analysis). */
static GPtrArray *
collect_records (FoveaWindow *self, const char *patient_id, const char *task)
{
  GListModel *documents = G_LIST_MODEL (self->documents);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_grade_record_free);

  for (guint i = 0; i < g_list_model_get_n_items (documents); i++)
    {
      g_autoptr(FoveaDocument) document = g_list_model_get_item (documents, i);
      const FoveaGradeRecord *record = fovea_document_get_record (document);

      if (record == NULL || g_strcmp0 (record->task, task) != 0 ||
          g_strcmp0 (fovea_document_get_patient_id (document), patient_id) != 0)
        continue;
      FoveaGradeRecord *copy = fovea_grade_record_copy (record);
      g_free (copy->patient_id);
      copy->patient_id = g_strdup (patient_id);
      g_free (copy->eye);
      copy->eye = g_strdup (fovea_eye_to_string (fovea_document_get_eye (document)));
      g_ptr_array_add (records, copy);
    }
  return records;
}

void
fovea_window_update_patient (FoveaWindow *self)
{
  const FoveaAnalysisResult *result = fovea_results_panel_get_result (self->results_panel);
  FoveaDocument *document = self->shown_document;
  const char *patient_id;

  if (result == NULL || document == NULL)
    {
      fovea_results_panel_set_patient_line (self->results_panel, NULL, FALSE);
      return;
    }
  g_autoptr(FoveaGradeRecord) record = fovea_window_record_from_analysis (document, result);
  fovea_document_set_record (document, record);

  patient_id = fovea_document_get_patient_id (document);
  if (patient_id == NULL || *patient_id == '\0')
    {
      fovea_results_panel_set_patient_line (self->results_panel, NULL, FALSE);
      return;
    }
  g_autoptr(GPtrArray) records = collect_records (self, patient_id, record->task);
  g_autoptr(GPtrArray) summaries =
    fovea_patient_summarise ((FoveaGradeRecord *const *) records->pdata, records->len);
  const FoveaPatientSummary *summary = summaries->len == 1 ? summaries->pdata[0] : NULL;
  /* One eye alone is the image's own result: nothing to add. */
  gboolean both = summary != NULL && g_str_has_prefix (summary->eyes, "OD+OS");
  g_autofree char *line = both ? fovea_patient_summary_dup_line (summary) : NULL;

  fovea_results_panel_set_patient_line (self->results_panel, line,
                                        both && summary->referral == FOVEA_REFERRAL_REFER);
}
