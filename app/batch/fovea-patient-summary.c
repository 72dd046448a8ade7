/* fovea-patient-summary.c: grouping grade records by patient and task;
 * the worst eye decides referral. */
#define G_LOG_DOMAIN "fovea-patient-summary"

#include "config.h"

#include "fovea-patient-summary.h"

#include <glib/gi18n-lib.h>
#include <string.h>

/* One eye of one patient for one task: its worst graded image, if any. */
typedef struct {
  const char             *eye;      /* "OD", "OS" or "" */
  guint                   n_images;
  const FoveaGradeRecord *worst;    /* NULL: no image of this eye could be graded */
  const FoveaGradeRecord *failed;   /* an image that could not be graded */
} EyeSlot;

/* The eyes in the order they are reported: right, left, unknown. */
static const char *const eye_order[] = { "OD", "OS", "" };
#define N_EYES G_N_ELEMENTS (eye_order)

static gboolean
is_graded (const FoveaGradeRecord *record)
{
  return record->error == NULL && record->quality.gradable;
}

static gboolean
is_referable (const FoveaGradeRecord *record)
{
  return record->has_referable && record->referable;
}

/* Referable beats not referable; then the higher grade; then, so that the
 * order of the rows (a resumed run's differs) does not matter, the path. */
static gboolean
is_worse (const FoveaGradeRecord *a, const FoveaGradeRecord *b)
{
  if (is_referable (a) != is_referable (b))
    return is_referable (a);
  if (a->grade != b->grade)
    return a->grade > b->grade;
  return g_strcmp0 (a->path, b->path) < 0;
}

static guint
eye_index (const char *eye)
{
  for (guint i = 0; i < N_EYES - 1; i++)
    if (g_strcmp0 (eye, eye_order[i]) == 0)
      return i;
  return N_EYES - 1;
}

static const char *
eye_name (const char *eye)
{
  return eye != NULL && *eye != '\0' ? eye : "unknown eye";
}

/* "grade 3 Severe NPDR", "grade 3", "class-3" or "graded". */
static char *
result_text (const FoveaGradeRecord *record)
{
  if (record->grade >= 0 && record->label != NULL && *record->label != '\0')
    return g_strdup_printf ("grade %d %s", record->grade, record->label);
  if (record->grade >= 0)
    return g_strdup_printf ("grade %d", record->grade);
  if (record->label != NULL && *record->label != '\0')
    return g_strdup (record->label);
  return g_strdup ("graded");
}

/* Eye names joined with sep, for the slots with images that keep accepts;
 * keep NULL: all of them, with "?" for an unknown eye (the eyes column). */
static char *
join_eyes (const EyeSlot *slots, const char *sep, gboolean (*keep) (const EyeSlot *))
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; i < N_EYES; i++)
    if (slots[i].n_images > 0 && (keep == NULL || keep (&slots[i])))
      g_string_append_printf (out, "%s%s", out->len > 0 ? sep : "",
                              keep == NULL && *slots[i].eye == '\0' ? "?"
                                                                    : eye_name (slots[i].eye));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
slot_seen (const EyeSlot *slot)
{
  return TRUE;
}

static gboolean
slot_ungradable (const EyeSlot *slot)
{
  return slot->worst == NULL;
}

static gboolean
slot_referable (const EyeSlot *slot)
{
  return slot->worst != NULL && is_referable (slot->worst);
}

/* "OD ungradable — re-image", naming a failure as such. */
static void
append_ungradable (GString *reason, const EyeSlot *slots)
{
  g_autofree char *eyes = join_eyes (slots, " and ", slot_ungradable);
  gboolean failed = FALSE;
  for (guint i = 0; i < N_EYES; i++)
    failed |= slots[i].n_images > 0 && slots[i].worst == NULL && slots[i].failed != NULL &&
              slots[i].failed->error != NULL;
  g_string_append_printf (reason, "%s%s %s — re-image", reason->len > 0 ? "; " : "", eyes,
                          failed ? "ungradable or failed" : "ungradable");
}

/* The decision and its reason, from the eyes of one patient and task. */
static void
decide (FoveaPatientSummary *summary, const EyeSlot *slots, const FoveaGradeRecord *worst,
        gboolean validated, gboolean has_rule)
{
  gboolean any_ungradable = FALSE;
  for (guint i = 0; i < N_EYES; i++)
    any_ungradable |= slots[i].n_images > 0 && slots[i].worst == NULL;
  g_autofree char *worst_text = worst != NULL ? result_text (worst) : NULL;
  g_autoptr (GString) reason = g_string_new (NULL);

  /* An eye that cannot be graded needs re-imaging whatever the rule: the
   * rule is only asked for when some eye was graded. */
  if (!validated || (worst != NULL && !has_rule))
    {
      summary->referral = FOVEA_REFERRAL_NO_RECOMMENDATION;
      g_string_append (reason, !validated ? FOVEA_PATIENT_REASON_UNVALIDATED
                                          : "no referral rule on the task card");
      if (worst != NULL)
        g_string_append_printf (reason, "; worst %s: %s", eye_name (worst->eye), worst_text);
      if (any_ungradable)
        append_ungradable (reason, slots);
    }
  else if (worst != NULL && is_referable (worst))
    {
      summary->referral = FOVEA_REFERRAL_REFER;
      g_string_append_printf (reason, "%s referable: %s", eye_name (worst->eye), worst_text);
      g_autofree char *all = join_eyes (slots, " and ", slot_referable);
      if (strcmp (all, eye_name (worst->eye)) != 0)
        g_string_append_printf (reason, " (%s referable)", all);
    }
  else if (any_ungradable)
    {
      summary->referral = FOVEA_REFERRAL_UNGRADABLE;
      append_ungradable (reason, slots);
    }
  else
    {
      summary->referral = FOVEA_REFERRAL_NONE;
      g_autofree char *eyes = join_eyes (slots, " and ", slot_seen);
      g_string_append_printf (reason, "%s not referable; worst %s: %s", eyes,
                              eye_name (worst->eye), worst_text);
    }
  summary->reason = g_string_free (g_steal_pointer (&reason), FALSE);
}

static FoveaPatientSummary *
summarise_group (GPtrArray *group)
{
  EyeSlot slots[N_EYES] = { { 0 } };
  for (guint i = 0; i < N_EYES; i++)
    slots[i].eye = eye_order[i];
  gboolean validated = TRUE, has_rule = FALSE;
  for (guint i = 0; i < group->len; i++)
    {
      const FoveaGradeRecord *record = group->pdata[i];
      EyeSlot *slot = &slots[eye_index (record->eye)];
      slot->n_images++;
      /* One card per task: a record that is not validated vouches for none. */
      validated &= record->validated;
      if (!is_graded (record))
        {
          if (slot->failed == NULL || record->error != NULL)
            slot->failed = record;
          continue;
        }
      has_rule |= record->has_referable;
      if (slot->worst == NULL || is_worse (record, slot->worst))
        slot->worst = record;
    }

  const FoveaGradeRecord *worst = NULL;
  for (guint i = 0; i < N_EYES; i++)
    if (slots[i].worst != NULL && (worst == NULL || is_worse (slots[i].worst, worst)))
      worst = slots[i].worst;

  const FoveaGradeRecord *first = group->pdata[0];
  FoveaPatientSummary *summary = g_new0 (FoveaPatientSummary, 1);
  summary->patient_id = g_strdup (first->patient_id);
  summary->task = g_strdup (first->task != NULL ? first->task : "");
  summary->eyes = join_eyes (slots, "+", NULL);
  summary->n_images = group->len;
  summary->worst_grade = -1;
  if (worst != NULL)
    {
      summary->has_worst = TRUE;
      summary->worst_eye = g_strdup (worst->eye != NULL ? worst->eye : "");
      summary->worst_grade = worst->grade;
      summary->worst_label = g_strdup (worst->label);
      summary->worst_referable = is_referable (worst);
    }
  decide (summary, slots, worst, validated, has_rule);
  return summary;
}

static int
compare_summaries (gconstpointer a, gconstpointer b)
{
  const FoveaPatientSummary *x = *(FoveaPatientSummary *const *) a;
  const FoveaPatientSummary *y = *(FoveaPatientSummary *const *) b;
  return strcmp (x->patient_id, y->patient_id);
}

void
fovea_patient_summary_free (FoveaPatientSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->patient_id);
  g_free (summary->task);
  g_free (summary->eyes);
  g_free (summary->worst_eye);
  g_free (summary->worst_label);
  g_free (summary->reason);
  g_free (summary);
}

const char *
fovea_referral_to_string (FoveaReferral referral)
{
  switch (referral)
    {
    case FOVEA_REFERRAL_REFER:
      return "refer";
    case FOVEA_REFERRAL_NONE:
      return "no referral";
    case FOVEA_REFERRAL_UNGRADABLE:
      return "ungradable";
    case FOVEA_REFERRAL_NO_RECOMMENDATION:
    default:
      return "no recommendation";
    }
}

GPtrArray *
fovea_patient_summarise (FoveaGradeRecord *const *records, guint n_records)
{
  /* Groups keyed "patient\ntask", kept in order of first appearance. */
  g_autoptr (GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < n_records; i++)
    {
      const FoveaGradeRecord *record = records[i];
      if (record->patient_id == NULL || *record->patient_id == '\0')
        continue;
      g_autofree char *key = g_strdup_printf ("%s\n%s", record->patient_id,
                                              record->task != NULL ? record->task : "");
      GPtrArray *group = g_hash_table_lookup (index, key);
      if (group == NULL)
        {
          group = g_ptr_array_new ();
          g_ptr_array_add (groups, group);
          g_hash_table_insert (index, g_steal_pointer (&key), group);
        }
      g_ptr_array_add (group, (gpointer) record);
    }

  GPtrArray *summaries = g_ptr_array_new_full (groups->len,
                                               (GDestroyNotify) fovea_patient_summary_free);
  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (summaries, summarise_group (groups->pdata[i]));
  /* Stable (since GLib 2.32): a patient's tasks keep their order. */
  g_ptr_array_sort (summaries, compare_summaries);
  return summaries;
}

void
fovea_patient_summary_count (GPtrArray *summaries, guint *out_n_patients, guint *out_n_referable)
{
  guint n_patients = 0, n_referable = 0;
  for (guint i = 0; i < summaries->len; i++)
    {
      const FoveaPatientSummary *s = summaries->pdata[i];
      /* Summaries are sorted by patient: a new id starts a new patient. */
      gboolean first = i == 0 ||
        strcmp (((FoveaPatientSummary *) summaries->pdata[i - 1])->patient_id, s->patient_id) != 0;
      if (first)
        {
          n_patients++;
          gboolean refer = FALSE;
          for (guint j = i; j < summaries->len &&
                            strcmp (((FoveaPatientSummary *) summaries->pdata[j])->patient_id,
                                    s->patient_id) == 0; j++)
            refer |= ((FoveaPatientSummary *) summaries->pdata[j])->referral ==
                     FOVEA_REFERRAL_REFER;
          n_referable += refer;
        }
    }
  if (out_n_patients != NULL)
    *out_n_patients = n_patients;
  if (out_n_referable != NULL)
    *out_n_referable = n_referable;
}

const char *
fovea_referral_to_display (FoveaReferral referral)
{
  switch (referral)
    {
    case FOVEA_REFERRAL_REFER:
      return _("refer");
    case FOVEA_REFERRAL_NONE:
      return _("no referral");
    case FOVEA_REFERRAL_UNGRADABLE:
      return _("ungradable — re-image");
    case FOVEA_REFERRAL_NO_RECOMMENDATION:
    default:
      return _("no recommendation");
    }
}

char *
fovea_patient_summary_dup_line (const FoveaPatientSummary *summary)
{
  const char *decision = fovea_referral_to_display (summary->referral);
  if (!summary->has_worst)
    /* TRANSLATORS: "Patient P017: ungradable — re-image" */
    return g_strdup_printf (_("Patient %s: %s"), summary->patient_id, decision);

  const char *eye = *summary->worst_eye != '\0' ? summary->worst_eye : "?";
  if (summary->worst_grade >= 0)
    /* TRANSLATORS: "Patient P017: refer (worst eye OS, grade 3)" */
    return g_strdup_printf (_("Patient %s: %s (worst eye %s, grade %d)"), summary->patient_id,
                            decision, eye, summary->worst_grade);
  /* TRANSLATORS: "Patient P017: refer (worst eye OS, Referable)", with a class name */
  return g_strdup_printf (_("Patient %s: %s (worst eye %s, %s)"), summary->patient_id, decision,
                          eye, summary->worst_label != NULL ? summary->worst_label : "—");
}
