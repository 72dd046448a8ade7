/* fovea-report-text.c: the wording that per-image reports and the batch
 * summary share, through gettext. */
#define G_LOG_DOMAIN "fovea-report-text"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "fovea-report-private.h"

const char *
report_dash (const char *value)
{
  return value != NULL && value[0] != '\0' ? value : "—";
}

const char *
report_eye_text (const char *eye)
{
  if (g_strcmp0 (eye, "OD") == 0)
    return _("OD (right eye)");
  if (g_strcmp0 (eye, "OS") == 0)
    return _("OS (left eye)");
  return report_dash (eye);
}

char *
report_clip (const char *value, glong max_chars)
{
  if (g_utf8_strlen (value, -1) <= max_chars)
    return g_strdup (value);
  g_autofree char *head = g_utf8_substring (value, 0, max_chars - 1);
  return g_strconcat (head, "…", NULL);
}

static const char *
reason_text (FoveaQualityReason reason)
{
  switch (reason)
    {
    case FOVEA_QUALITY_BLUR:          return _("blurred");
    case FOVEA_QUALITY_UNDEREXPOSED:  return _("underexposed");
    case FOVEA_QUALITY_OVEREXPOSED:   return _("overexposed");
    case FOVEA_QUALITY_FIELD_OF_VIEW: return _("field of view cut off or too small");
    case FOVEA_QUALITY_RESOLUTION:    return _("resolution too low");
    default:                          return _("unknown reason");
    }
}

char *
report_quality_reasons (const FoveaQualityReport *quality)
{
  g_auto (GStrv) reasons = fovea_quality_reason_names (quality->reasons, reason_text);
  return g_strjoinv (", ", reasons);
}

char *
report_class_text (const FoveaGradeRecord *record, int index)
{
  const char *label = index < 0 ? record->label : record->labels[index];
  const char *title = index < 0 ? record->label_title
                    : record->label_titles != NULL &&
                      (guint) index < g_strv_length (record->label_titles)
                    ? record->label_titles[index] : NULL;
  if (title == NULL || g_strcmp0 (title, label) == 0)
    return g_strdup (report_dash (label));
  /* Translators: a class spelt out and its short name, e.g. "Melanoma (MEL)". */
  return g_strdup_printf (_("%s (%s)"), title, report_dash (label));
}

/* One line: what the record found, for tables and the result block. */
char *
report_result_text (const FoveaGradeRecord *record)
{
  if (record->error != NULL)
    return g_strdup (_("Not graded (error)"));
  if (!record->quality.gradable)
    return g_strdup (_("Ungradable: no grade"));
  if (!record->calibrated)
    return g_strdup (_("Uncalibrated raw output"));
  if (record->grade >= 0)
    return g_strdup_printf (_("Grade %d: %s"), record->grade, report_dash (record->label));
  g_autofree char *label = report_class_text (record, -1);
  if (isfinite (record->confidence))
    return g_strdup_printf ("%s (%.1f %%)", label, 100.0 * record->confidence);
  return g_steal_pointer (&label);
}

const char *
report_recommendation (const FoveaGradeRecord *record)
{
  if (record->error != NULL || !record->quality.gradable)
    return _("Ungradable: re-image or refer");
  if (!record->calibrated)
    return _("No recommendation: uncalibrated raw output — no clinical interpretation");
  if (!record->validated)
    return _("No recommendation: the model has no figures measured on held-out photographs "
             "— clinician decision");
  if (!record->has_referable)
    return _("No referral rule in the model card: clinician decision");
  if (record->modality == FOVEA_MODALITY_SKIN)
    return record->referable ? _("Refer to a dermatologist")
                             : _("No referral indicated: routine follow-up");
  return record->referable ? _("Refer to an eye-care professional")
                           : _("Rescreen in 12 months");
}

char *
report_referable_text (const FoveaGradeRecord *record)
{
  if (record->error != NULL || !record->quality.gradable || !record->calibrated ||
      !record->has_referable)
    return g_strdup ("—");
  return g_strdup (record->referable ? _("Yes") : _("No"));
}
