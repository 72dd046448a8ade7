/* fovea-batch-row.c: one row of the batch view's results table. */
#define G_LOG_DOMAIN "fovea-batch-row"

#include "config.h"

#include "fovea-batch-row.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

struct _FoveaBatchRow
{
  GObject           parent_instance;

  FoveaGradeRecord *record;
  char             *file;
  char             *quality;
  char             *grade_text;
  char             *referable_text;
  char             *confidence_text;
  char             *search_text;
};

G_DEFINE_FINAL_TYPE (FoveaBatchRow, fovea_batch_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_PATIENT,
  PROP_EYE,
  PROP_QUALITY,
  PROP_GRADE,
  PROP_GRADE_TEXT,
  PROP_REFERABLE,
  PROP_CONFIDENCE,
  PROP_ERROR,
  PROP_SEARCH_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
dup_quality_text (const FoveaGradeRecord *record)
{
  if (record->error != NULL)
    return g_strdup ("");
  if (record->quality.gradable)
    return g_strdup (_("Gradable"));

  g_auto (GStrv) reasons = fovea_quality_reason_names (record->quality.reasons, NULL);
  if (reasons[0] == NULL)
    return g_strdup (_("Ungradable"));
  g_autofree char *joined = g_strjoinv (", ", reasons);
  return g_strdup_printf ("%s: %s", _("Ungradable"), joined);
}

static char *
dup_grade_text (const FoveaGradeRecord *record)
{
  if (record->error != NULL || !record->quality.gradable)
    return g_strdup ("");
  /* A class spelt out ("Melanoma") when the card gives titles. */
  if (record->label_title != NULL)
    return g_strdup (record->label_title);
  if (record->label != NULL)
    return g_strdup (record->label);
  if (record->grade >= 0)
    return g_strdup_printf ("%d", record->grade);
  if (record->logits != NULL && record->logits->len > 0)
    /* Uncalibrated: the first raw output, marked as such. */
    return g_strdup_printf (_("raw %.3g"), (double) g_array_index (record->logits, float, 0));
  return g_strdup ("");
}

FoveaBatchRow *
fovea_batch_row_new (FoveaGradeRecord *record,
                     const char       *folder)
{
  FoveaBatchRow *self;
  const char *file;

  g_return_val_if_fail (record != NULL, NULL);

  self = g_object_new (FOVEA_TYPE_BATCH_ROW, NULL);
  self->record = record;

  file = record->path != NULL ? record->path : "";
  if (folder != NULL && g_str_has_prefix (file, folder))
    {
      const char *rest = file + strlen (folder);

      while (*rest == G_DIR_SEPARATOR)
        rest++;
      if (*rest != '\0')
        file = rest;
    }
  self->file = g_strdup (file);
  self->quality = dup_quality_text (record);
  self->grade_text = dup_grade_text (record);
  if (record->error == NULL && record->quality.gradable && record->has_referable)
    self->referable_text = g_strdup (record->referable ? _("Yes") : _("No"));
  else
    self->referable_text = g_strdup ("");
  if (record->error == NULL && !isnan (record->confidence))
    self->confidence_text = g_strdup_printf ("%.0f %%", 100.0 * record->confidence);
  else
    self->confidence_text = g_strdup ("");
  self->search_text = g_strjoin ("\n", self->file,
                                 record->patient_id != NULL ? record->patient_id : "",
                                 record->eye != NULL ? record->eye : "",
                                 self->quality, self->grade_text,
                                 record->error != NULL ? record->error : "", NULL);
  return self;
}

const FoveaGradeRecord *
fovea_batch_row_get_record (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->record;
}

const char *
fovea_batch_row_get_file (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->file;
}

const char *
fovea_batch_row_get_quality (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->quality;
}

const char *
fovea_batch_row_get_grade_text (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->grade_text;
}

const char *
fovea_batch_row_get_referable_text (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->referable_text;
}

const char *
fovea_batch_row_get_confidence_text (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), NULL);
  return self->confidence_text;
}

int
fovea_batch_row_get_grade (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), -1);
  if (self->record->error != NULL || !self->record->quality.gradable)
    return -1;
  return self->record->grade;
}

double
fovea_batch_row_get_confidence (FoveaBatchRow *self)
{
  g_return_val_if_fail (FOVEA_IS_BATCH_ROW (self), -1);
  if (self->record->error != NULL || isnan (self->record->confidence))
    return -1;
  return self->record->confidence;
}

static const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

static void
fovea_batch_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  FoveaBatchRow *self = FOVEA_BATCH_ROW (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_string (value, self->file);
      break;
    case PROP_PATIENT:
      g_value_set_string (value, or_empty (self->record->patient_id));
      break;
    case PROP_EYE:
      g_value_set_string (value, or_empty (self->record->eye));
      break;
    case PROP_QUALITY:
      g_value_set_string (value, self->quality);
      break;
    case PROP_GRADE:
      g_value_set_int (value, fovea_batch_row_get_grade (self));
      break;
    case PROP_GRADE_TEXT:
      g_value_set_string (value, self->grade_text);
      break;
    case PROP_REFERABLE:
      g_value_set_string (value, self->referable_text);
      break;
    case PROP_CONFIDENCE:
      g_value_set_double (value, fovea_batch_row_get_confidence (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, or_empty (self->record->error));
      break;
    case PROP_SEARCH_TEXT:
      g_value_set_string (value, self->search_text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_batch_row_finalize (GObject *object)
{
  FoveaBatchRow *self = FOVEA_BATCH_ROW (object);

  g_clear_pointer (&self->record, fovea_grade_record_free);
  g_free (self->file);
  g_free (self->quality);
  g_free (self->grade_text);
  g_free (self->referable_text);
  g_free (self->confidence_text);
  g_free (self->search_text);

  G_OBJECT_CLASS (fovea_batch_row_parent_class)->finalize (object);
}

static void
fovea_batch_row_class_init (FoveaBatchRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fovea_batch_row_finalize;
  object_class->get_property = fovea_batch_row_get_property;

  properties[PROP_FILE] = g_param_spec_string ("file", NULL, NULL, NULL, flags);
  properties[PROP_PATIENT] = g_param_spec_string ("patient", NULL, NULL, NULL, flags);
  properties[PROP_EYE] = g_param_spec_string ("eye", NULL, NULL, NULL, flags);
  properties[PROP_QUALITY] = g_param_spec_string ("quality", NULL, NULL, NULL, flags);
  properties[PROP_GRADE] = g_param_spec_int ("grade", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_GRADE_TEXT] = g_param_spec_string ("grade-text", NULL, NULL, NULL, flags);
  properties[PROP_REFERABLE] = g_param_spec_string ("referable", NULL, NULL, NULL, flags);
  properties[PROP_CONFIDENCE] = g_param_spec_double ("confidence", NULL, NULL, -1, 1, -1, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_SEARCH_TEXT] = g_param_spec_string ("search-text", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fovea_batch_row_init (FoveaBatchRow *self)
{
}
