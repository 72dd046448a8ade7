/* fovea-patient-summary.h: one line per patient and task from the grade
 * records of both eyes — the worst eye decides referral, as screening
 * programmes do.
 *
 * Records are grouped by patient id and task (records without a patient
 * id are left out). Within a group, each eye ("OD", "OS", or unknown) is
 * graded when at least one of its images was; an eye none of whose images
 * could be graded (ungradable or failed) is ungradable. Then:
 *
 *   - the worst graded eye is the referable one, else the higher grade;
 *   - any referable eye: refer ("OS referable: grade 3 Severe NPDR"), even
 *     when the other eye is ungradable;
 *   - else any ungradable eye: ungradable — re-image;
 *   - else no referral, when the task has a referral rule;
 *   - a task without a referral rule, or whose card has no held-out figures
 *     (record->validated FALSE), gives no recommendation: only the worst
 *     grade. */
#pragma once

#include "fovea-grade-record.h"

G_BEGIN_DECLS

/* How a reason starts when the task's card has no held-out figures. */
#define FOVEA_PATIENT_REASON_UNVALIDATED "model without held-out figures"

typedef enum {
  FOVEA_REFERRAL_NO_RECOMMENDATION,
  FOVEA_REFERRAL_NONE,
  FOVEA_REFERRAL_REFER,
  FOVEA_REFERRAL_UNGRADABLE,
} FoveaReferral;

typedef struct {
  char          *patient_id;
  char          *task;
  char          *eyes;         /* the eyes seen: "OD+OS", "OD", "OS"; "?" for an unknown eye */
  guint          n_images;
  gboolean       has_worst;    /* FALSE when no eye could be graded */
  char          *worst_eye;    /* "OD", "OS" or ""; NULL without has_worst */
  int            worst_grade;  /* -1 when none or not a grading task */
  char          *worst_label;  /* NULL when none */
  gboolean       worst_referable;
  FoveaReferral  referral;
  char          *reason;       /* in words, e.g. "OS referable: grade 3 Severe NPDR" */
} FoveaPatientSummary;

void fovea_patient_summary_free (FoveaPatientSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPatientSummary, fovea_patient_summary_free)

/* "refer", "no referral", "ungradable", "no recommendation": the CSV's
 * words, never translated. */
const char *fovea_referral_to_string  (FoveaReferral referral);
/* The same for people, translated; "ungradable — re-image". */
const char *fovea_referral_to_display (FoveaReferral referral);

/* FoveaPatientSummary*, sorted by patient id, then by the order in which
 * each task first appears in records. */
GPtrArray *fovea_patient_summarise (FoveaGradeRecord *const *records,
                                    guint                    n_records);

/* Patients (distinct ids) and those with a "refer" for some task. */
void       fovea_patient_summary_count (GPtrArray *summaries,
                                        guint     *out_n_patients,
                                        guint     *out_n_referable);

/* "Patient P017: refer (worst eye OS, grade 3)", one line for a screen. */
char      *fovea_patient_summary_dup_line (const FoveaPatientSummary *summary);

G_END_DECLS
