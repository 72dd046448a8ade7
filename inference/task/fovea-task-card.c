/* fovea-task-card.c: parsing task cards (schema in the README, "Task cards").
 *
 * The parser is strict on purpose: a typo in a member name, labels in the
 * wrong number or thresholds out of order would silently put the wrong
 * clinical words on a model's outputs, so each is an error naming the field. */
#define G_LOG_DOMAIN "fovea-task-card"

#include "fovea-task-card.h"

#include <math.h>
#include <string.h>

#include "fovea-json-check.h"
#include "fovea-task-card-fields.h"

G_DEFINE_QUARK (fovea-task-card-error-quark, fovea_task_card_error)

#define MAX_INPUT_SIDE 8192
/* Deep enough for any card; the lexical check refuses deeper nesting
 * before json-glib's recursive parser could overflow the stack. */
#define MAX_DEPTH 32

static const char *const top_level_members[] = {
  "schema_version", "name", "title", "kind", "ordinal", "modality", "labels", "label_titles",
  "thresholds", "colours", "threshold", "fov_diameter", "role",
  "referral", "preprocessing", "provenance", "intended_use", "research_use_only",
  NULL
};
static const char *const referral_members[] = {
  "rule", "min_grade", "labels", "min_probability", NULL
};
static const char *const preprocessing_members[] = {
  "fundus_crop", "input_size", "interpolation", "crop_pct", "mean", "std", NULL
};
static const char *const segmentation_members[] = {
  "colours", "threshold", "fov_diameter", "role"
};
static const char *const metric_members[] = { "name", "value", "split", "ci95", "held_out", NULL };

static void
task_metric_free (gpointer data)
{
  FoveaTaskMetric *metric = data;
  g_free (metric->name);
  g_free (metric->split);
  g_free (metric);
}

void
fovea_task_card_free (FoveaTaskCard *card)
{
  if (card == NULL)
    return;
  g_free (card->name);
  g_free (card->title);
  g_strfreev (card->labels);
  g_strfreev (card->label_titles);
  if (card->thresholds != NULL)
    g_array_unref (card->thresholds);
  g_strfreev (card->colours);
  if (card->label_thresholds != NULL)
    g_array_unref (card->label_thresholds);
  g_strfreev (card->referral_labels);
  g_free (card->referral_rule);
  g_free (card->training_data);
  if (card->metrics != NULL)
    g_ptr_array_unref (card->metrics);
  g_free (card->sha256);
  g_free (card->intended_use);
  g_free (card);
}

static gboolean
parse_kind (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
            GError **error)
{
  g_autofree char *kind = NULL;
  if (!fovea_card_get_string (scope, root, "kind", TRUE, &kind, error))
    return FALSE;
  if (strcmp (kind, "classification") == 0)
    card->kind = FOVEA_TASK_CLASSIFICATION;
  else if (strcmp (kind, "grading_regression") == 0)
    card->kind = FOVEA_TASK_GRADING_REGRESSION;
  else if (strcmp (kind, "segmentation") == 0)
    card->kind = FOVEA_TASK_SEGMENTATION;
  else
    {
      fovea_card_set_error (scope, "kind", error,
                            "is “%s”; expected classification, grading_regression or "
                            "segmentation", kind);
      return FALSE;
    }
  return TRUE;
}

/* ordinal: classification whose labels are ordered grades (grade =
 * label index), e.g. ICDR grades learnt with cross-entropy. */
static gboolean
parse_ordinal (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
               GError **error)
{
  gboolean present = FALSE;
  if (!fovea_card_get_bool (scope, root, "ordinal", FALSE, &present, &card->ordinal, error))
    return FALSE;
  if (present && card->kind != FOVEA_TASK_CLASSIFICATION)
    {
      fovea_card_set_error (scope, "ordinal", error,
                            "is for classification; grading_regression is ordered already, "
                            "segmentation maps are not grades");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_modality (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
                GError **error)
{
  g_autofree char *modality = NULL;
  if (!fovea_card_get_string (scope, root, "modality", TRUE, &modality, error))
    return FALSE;
  if (!fovea_modality_from_string (modality, &card->modality) ||
      card->modality == FOVEA_MODALITY_UNKNOWN)
    {
      fovea_card_set_error (scope, "modality", error,
                            "is “%s”; expected fundus, skin or octa", modality);
      return FALSE;
    }
  return TRUE;
}

/* Titles spell the labels out for people ("MEL" → "Melanoma"); optional. */
static gboolean
parse_label_titles (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
                    GError **error)
{
  guint n_labels = g_strv_length (card->labels);

  if (!json_object_has_member (root, "label_titles"))
    return TRUE;
  if (!fovea_card_get_strv (scope, root, "label_titles", TRUE, &card->label_titles, error))
    return FALSE;
  if (g_strv_length (card->label_titles) != n_labels)
    {
      fovea_card_set_error (scope, "label_titles", error, "has %u titles for %u labels",
                            g_strv_length (card->label_titles), n_labels);
      return FALSE;
    }
  return TRUE;
}

/* Labels, and for grading the thresholds between them: grade g is the
 * number of thresholds exceeded, so there is one label more than cut points. */
static gboolean
parse_outputs (const FoveaCardScope *scope, JsonObject *root, FoveaTaskCard *card,
               GError **error)
{
  if (!fovea_card_get_strv (scope, root, "labels", TRUE, &card->labels, error))
    return FALSE;
  guint n_labels = g_strv_length (card->labels);

  if (card->kind == FOVEA_TASK_SEGMENTATION)
    return fovea_card_parse_segmentation (scope, root, card, error);
  for (guint i = 0; i < G_N_ELEMENTS (segmentation_members); i++)
    if (json_object_has_member (root, segmentation_members[i]))
      {
        fovea_card_set_error (scope, segmentation_members[i], error,
                              "is only for kind segmentation");
        return FALSE;
      }
  if (card->kind == FOVEA_TASK_CLASSIFICATION)
    {
      if (json_object_has_member (root, "thresholds"))
        {
          fovea_card_set_error (scope, "thresholds", error,
                                "is only for kind grading_regression");
          return FALSE;
        }
      if (n_labels < 2)
        {
          fovea_card_set_error (scope, "labels", error,
                                "must name at least two classes for classification");
          return FALSE;
        }
      return TRUE;
    }

  if (!fovea_card_get_numbers (scope, root, "thresholds", 0, &card->thresholds, error))
    return FALSE;
  if (card->thresholds->len + 1 != n_labels)
    {
      fovea_card_set_error (scope, "labels", error,
                            "has %u grade names, but %u thresholds make %u grades",
                            n_labels, card->thresholds->len, card->thresholds->len + 1);
      return FALSE;
    }
  for (guint i = 1; i < card->thresholds->len; i++)
    {
      if (!(g_array_index (card->thresholds, double, i) >
            g_array_index (card->thresholds, double, i - 1)))
        {
          fovea_card_set_error (scope, "thresholds", error,
                                "must be strictly ascending (%g follows %g)",
                                g_array_index (card->thresholds, double, i),
                                g_array_index (card->thresholds, double, i - 1));
          return FALSE;
        }
    }
  return TRUE;
}

/* min_grade: a grade from 0 to the last label. */
static gboolean
parse_min_grade (const FoveaCardScope *scope, JsonObject *referral, FoveaTaskCard *card,
                 GError **error)
{
  guint n_labels = g_strv_length (card->labels);
  gint64 min_grade = 0;
  if (json_object_has_member (referral, "labels"))
    {
      fovea_card_set_error (scope, "labels", error,
                            "is for unordered classes; grades use min_grade");
      return FALSE;
    }
  if (!fovea_card_get_int (scope, referral, "min_grade", TRUE, NULL, &min_grade, error))
    return FALSE;
  if (min_grade < 0 || min_grade >= n_labels)
    {
      fovea_card_set_error (scope, "min_grade", error,
                            "is %" G_GINT64_FORMAT "; grades run from 0 to %u",
                            min_grade, n_labels - 1);
      return FALSE;
    }
  card->referral_min_grade = (int) min_grade;
  return TRUE;
}

static gboolean
parse_referral_labels (const FoveaCardScope *scope, JsonObject *referral, FoveaTaskCard *card,
                       GError **error)
{
  if (json_object_has_member (referral, "min_grade"))
    {
      fovea_card_set_error (scope, "min_grade", error,
                            "is for grades (grading_regression, or ordinal classification); "
                            "classification uses labels");
      return FALSE;
    }
  if (!fovea_card_get_strv (scope, referral, "labels", TRUE, &card->referral_labels, error))
    return FALSE;
  for (guint i = 0; card->referral_labels[i] != NULL; i++)
    {
      if (!g_strv_contains ((const char *const *) card->labels, card->referral_labels[i]))
        {
          g_autofree char *element = g_strdup_printf ("labels[%u]", i);
          fovea_card_set_error (scope, element, error,
                                "“%s” is not one of the card's labels",
                                card->referral_labels[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* min_probability: an operating point on the probability of the
 * referable classes, chosen on validation data (classification only: a
 * regression output is not a probability). */
static gboolean
parse_min_probability (const FoveaCardScope *scope, JsonObject *referral, FoveaTaskCard *card,
                       GError **error)
{
  gboolean present = FALSE;
  double p = 0;
  if (!fovea_card_get_number (scope, referral, "min_probability", FALSE, &present, &p, error))
    return FALSE;
  if (!present)
    return TRUE;
  if (card->kind != FOVEA_TASK_CLASSIFICATION)
    {
      fovea_card_set_error (scope, "min_probability", error,
                            "is for classification; a regression output is not a probability");
      return FALSE;
    }
  if (!(p > 0 && p < 1))
    {
      fovea_card_set_error (scope, "min_probability", error, "is %g; expected 0 < p < 1", p);
      return FALSE;
    }
  card->referral_min_probability = p;
  return TRUE;
}

static gboolean
parse_referral (const FoveaCardScope *root_scope, JsonObject *root, FoveaTaskCard *card,
                GError **error)
{
  card->referral_min_grade = -1;
  g_autoptr (GError) local_error = NULL;
  JsonObject *referral = fovea_card_get_object (root_scope, root, "referral", FALSE,
                                                &local_error);
  if (referral == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (card->kind == FOVEA_TASK_SEGMENTATION)
    {
      fovea_card_set_error (root_scope, "referral", error,
                            "is for a reading per image; segmentation gives maps");
      return FALSE;
    }
  const FoveaCardScope scope = { root_scope->source, "referral." };
  if (!fovea_card_check_members (&scope, referral, referral_members, error) ||
      !fovea_card_get_string (&scope, referral, "rule", TRUE, &card->referral_rule, error))
    return FALSE;
  /* Grades are ordered: refer from a grade on. Unordered classes: refer
   * on some of them. */
  gboolean graded = card->kind == FOVEA_TASK_GRADING_REGRESSION || card->ordinal;
  gboolean ok = graded ? parse_min_grade (&scope, referral, card, error)
                       : parse_referral_labels (&scope, referral, card, error);
  return ok && parse_min_probability (&scope, referral, card, error);
}

static gboolean
parse_input_size (const FoveaCardScope *scope, JsonObject *pre, FoveaTaskCard *card,
                  GError **error)
{
  g_autoptr (GArray) size = NULL;
  if (!fovea_card_get_numbers (scope, pre, "input_size", 2, &size, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      double v = g_array_index (size, double, i);
      if (v < 1 || v > MAX_INPUT_SIDE || v != floor (v))
        {
          g_autofree char *element = g_strdup_printf ("input_size[%u]", i);
          fovea_card_set_error (scope, element, error,
                                "must be a whole number of pixels from 1 to %d",
                                MAX_INPUT_SIDE);
          return FALSE;
        }
    }
  card->input_height = (int) g_array_index (size, double, 0);
  card->input_width = (int) g_array_index (size, double, 1);
  return TRUE;
}

static gboolean
parse_normalisation (const FoveaCardScope *scope, JsonObject *pre, FoveaTaskCard *card,
                     GError **error)
{
  gboolean has_mean = json_object_has_member (pre, "mean");
  if (has_mean != json_object_has_member (pre, "std"))
    {
      fovea_card_set_error (scope, has_mean ? "std" : "mean", error,
                            "is required together with %s", has_mean ? "mean" : "std");
      return FALSE;
    }
  if (!has_mean)
    return TRUE;

  g_autoptr (GArray) mean = NULL;
  g_autoptr (GArray) std = NULL;
  if (!fovea_card_get_numbers (scope, pre, "mean", 3, &mean, error) ||
      !fovea_card_get_numbers (scope, pre, "std", 3, &std, error))
    return FALSE;
  for (guint c = 0; c < 3; c++)
    {
      if (!(g_array_index (std, double, c) > 0))
        {
          g_autofree char *element = g_strdup_printf ("std[%u]", c);
          fovea_card_set_error (scope, element, error, "must be positive");
          return FALSE;
        }
      card->mean[c] = (float) g_array_index (mean, double, c);
      card->std[c] = (float) g_array_index (std, double, c);
    }
  card->has_normalisation = TRUE;
  return TRUE;
}

static gboolean
parse_preprocessing (const FoveaCardScope *root_scope, JsonObject *root,
                     FoveaTaskCard *card, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  JsonObject *pre = fovea_card_get_object (root_scope, root, "preprocessing", FALSE,
                                           &local_error);
  if (pre == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  const FoveaCardScope scope = { root_scope->source, "preprocessing." };
  if (!fovea_card_check_members (&scope, pre, preprocessing_members, error) ||
      !fovea_card_get_bool (&scope, pre, "fundus_crop", FALSE, NULL, &card->fundus_crop, error))
    return FALSE;
  if (card->fundus_crop && card->modality != FOVEA_MODALITY_FUNDUS)
    {
      fovea_card_set_error (&scope, "fundus_crop", error, "needs modality fundus");
      return FALSE;
    }
  if (json_object_has_member (pre, "input_size") &&
      !parse_input_size (&scope, pre, card, error))
    return FALSE;

  g_autofree char *interpolation = NULL;
  if (!fovea_card_get_string (&scope, pre, "interpolation", FALSE, &interpolation, error))
    return FALSE;
  if (interpolation != NULL)
    {
      if (!fovea_resize_filter_from_string (interpolation, &card->interpolation))
        {
          fovea_card_set_error (&scope, "interpolation", error,
                                "is “%s”; expected bilinear or bicubic", interpolation);
          return FALSE;
        }
      card->has_interpolation = TRUE;
    }

  gboolean has_crop_pct;
  if (!fovea_card_get_number (&scope, pre, "crop_pct", FALSE, &has_crop_pct,
                              &card->crop_pct, error))
    return FALSE;
  if (has_crop_pct && !(card->crop_pct > 0 && card->crop_pct <= 1))
    {
      fovea_card_set_error (&scope, "crop_pct", error, "must lie in (0, 1]");
      return FALSE;
    }
  return parse_normalisation (&scope, pre, card, error);
}

/* ci95: [low, high] around the value; held_out: measured on data that
 * neither training nor any choice (epoch, threshold, recipe) saw. */
static gboolean
parse_metric_extras (const FoveaCardScope *scope, JsonObject *object, FoveaTaskMetric *metric,
                     GError **error)
{
  metric->ci_low = metric->ci_high = NAN;
  if (json_object_has_member (object, "ci95"))
    {
      g_autoptr (GArray) ci = NULL;
      if (!fovea_card_get_numbers (scope, object, "ci95", 2, &ci, error))
        return FALSE;
      metric->ci_low = g_array_index (ci, double, 0);
      metric->ci_high = g_array_index (ci, double, 1);
      if (!(metric->ci_low <= metric->value && metric->value <= metric->ci_high))
        {
          fovea_card_set_error (scope, "ci95", error, "[%g, %g] does not hold the value %g",
                                metric->ci_low, metric->ci_high, metric->value);
          return FALSE;
        }
    }
  return fovea_card_get_bool (scope, object, "held_out", FALSE, NULL, &metric->held_out, error);
}

static gboolean
parse_metrics (const FoveaCardScope *scope, JsonObject *provenance, FoveaTaskCard *card,
               GError **error)
{
  card->metrics = g_ptr_array_new_with_free_func (task_metric_free);
  g_autoptr (GError) local_error = NULL;
  JsonArray *metrics = fovea_card_get_array (scope, provenance, "metrics", FALSE, &local_error);
  if (metrics == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (metrics); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("%smetrics[%u].", scope->prefix, i);
      const FoveaCardScope item_scope = { scope->source, prefix };
      JsonNode *node = json_array_get_element (metrics, i);
      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *member = g_strdup_printf ("metrics[%u]", i);
          fovea_card_set_error (scope, member, error, "must be an object");
          return FALSE;
        }
      JsonObject *object = json_node_get_object (node);
      FoveaTaskMetric *metric = g_new0 (FoveaTaskMetric, 1);
      g_ptr_array_add (card->metrics, metric);
      if (!fovea_card_check_members (&item_scope, object, metric_members, error) ||
          !fovea_card_get_string (&item_scope, object, "name", TRUE, &metric->name, error) ||
          !fovea_card_get_number (&item_scope, object, "value", TRUE, NULL, &metric->value,
                                  error) ||
          !fovea_card_get_string (&item_scope, object, "split", TRUE, &metric->split, error) ||
          !parse_metric_extras (&item_scope, object, metric, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_sha256_hex (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p))
        return FALSE;
    }
  return TRUE;
}

/* Members other than these are free-form notes for people (the training
 * command, seed, commit...): any JSON is accepted there. */
static gboolean
parse_provenance (const FoveaCardScope *root_scope, JsonObject *root, FoveaTaskCard *card,
                  GError **error)
{
  JsonObject *provenance = fovea_card_get_object (root_scope, root, "provenance", TRUE,
                                                  error);
  if (provenance == NULL)
    return FALSE;

  const FoveaCardScope scope = { root_scope->source, "provenance." };
  if (!fovea_card_get_string (&scope, provenance, "training_data", TRUE,
                              &card->training_data, error) ||
      !parse_metrics (&scope, provenance, card, error) ||
      !fovea_card_get_string (&scope, provenance, "sha256", FALSE, &card->sha256, error))
    return FALSE;
  if (card->sha256 != NULL)
    {
      if (!is_sha256_hex (card->sha256))
        {
          fovea_card_set_error (&scope, "sha256", error, "must be 64 hexadecimal digits");
          return FALSE;
        }
      char *lower = g_ascii_strdown (card->sha256, -1);
      g_free (card->sha256);
      card->sha256 = lower;
    }
  return TRUE;
}

static gboolean
parse_schema_version (const FoveaCardScope *scope, JsonObject *root, GError **error)
{
  gint64 version = 0;
  if (!fovea_card_get_int (scope, root, "schema_version", TRUE, NULL, &version, error))
    return FALSE;
  if (version != FOVEA_TASK_CARD_SCHEMA_VERSION)
    {
      fovea_card_set_error (scope, "schema_version", error,
                            "is %" G_GINT64_FORMAT "; this Fovea reads version %d",
                            version, FOVEA_TASK_CARD_SCHEMA_VERSION);
      return FALSE;
    }
  return TRUE;
}

/* json-glib ends a string at "\u0000" ("nul\u0000name" becomes "nul"), so
 * the escape is refused in the text itself. Backslashes only occur in
 * strings; an escaped backslash is skipped whole. */
static gboolean
has_nul_escape (const char *json, gsize length)
{
  for (gsize i = 0; i + 1 < length; i++)
    if (json[i] == '\\')
      {
        if (json[i + 1] == 'u' && i + 5 < length && strncmp (json + i + 2, "0000", 4) == 0)
          return TRUE;
        i++;
      }
  return FALSE;
}

/* A task name becomes part of file names (reports, adapters): no folder
 * separators or parent references. */
static gboolean
check_name (const FoveaCardScope *scope, const char *name, GError **error)
{
  if (strchr (name, '/') != NULL || strchr (name, '\\') != NULL || strstr (name, "..") != NULL)
    {
      fovea_card_set_error (scope, "name", error, "must not hold “/”, “\\” or “..”");
      return FALSE;
    }
  return TRUE;
}

static FoveaTaskCard *
parse_card (const char *source, const char *json, gsize length, GError **error)
{
  if (!g_utf8_validate_len (json, length, NULL))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s: not valid UTF-8", source);
      return NULL;
    }
  if (!fovea_json_check_text (json, length, MAX_DEPTH, source, FOVEA_TASK_CARD_ERROR,
                              FOVEA_TASK_CARD_ERROR_INVALID, error))
    return NULL;
  if (memchr (json, '\0', length) != NULL || has_nul_escape (json, length))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s: holds a NUL character (\\u0000), which would cut its text short",
                   source);
      return NULL;
    }

  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) parse_error = NULL;
  if (!json_parser_load_from_data (parser, json, (gssize) length, &parse_error))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s: not valid JSON: %s", source, parse_error->message);
      return NULL;
    }
  JsonNode *root_node = json_parser_get_root (parser);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "%s: a task card must be a JSON object", source);
      return NULL;
    }

  JsonObject *root = json_node_get_object (root_node);
  const FoveaCardScope scope = { source, "" };
  g_autoptr (FoveaTaskCard) card = g_new0 (FoveaTaskCard, 1);
  card->referral_min_grade = -1;
  if (!fovea_card_check_members (&scope, root, top_level_members, error) ||
      !parse_schema_version (&scope, root, error) ||
      !fovea_card_get_string (&scope, root, "name", TRUE, &card->name, error) ||
      !check_name (&scope, card->name, error) ||
      !fovea_card_get_string (&scope, root, "title", FALSE, &card->title, error) ||
      !parse_kind (&scope, root, card, error) ||
      !parse_ordinal (&scope, root, card, error) ||
      !parse_modality (&scope, root, card, error) ||
      !parse_outputs (&scope, root, card, error) ||
      !parse_label_titles (&scope, root, card, error) ||
      !parse_referral (&scope, root, card, error) ||
      !parse_preprocessing (&scope, root, card, error) ||
      !parse_provenance (&scope, root, card, error) ||
      !fovea_card_get_string (&scope, root, "intended_use", TRUE, &card->intended_use, error) ||
      !fovea_card_get_bool (&scope, root, "research_use_only", TRUE, NULL,
                            &card->research_use_only, error))
    return NULL;
  if (card->title == NULL)
    card->title = g_strdup (card->name);
  return g_steal_pointer (&card);
}

FoveaTaskCard *
fovea_task_card_load_data (const char *json, gssize length, GError **error)
{
  g_return_val_if_fail (json != NULL, NULL);
  return parse_card ("task card", json, length < 0 ? strlen (json) : (gsize) length, error);
}

FoveaTaskCard *
fovea_task_card_load_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr (GError) io_error = NULL;
  if (!g_file_get_contents (path, &contents, &length, &io_error))
    {
      g_set_error (error, FOVEA_TASK_CARD_ERROR, FOVEA_TASK_CARD_ERROR_INVALID,
                   "Cannot read task card: %s", io_error->message);
      return NULL;
    }
  return parse_card (path, contents, length, error);
}

const char *
fovea_task_card_label_title (const FoveaTaskCard *card, int index)
{
  g_return_val_if_fail (card != NULL, NULL);
  g_return_val_if_fail (index >= 0 && index < (int) g_strv_length (card->labels), NULL);
  return card->label_titles != NULL ? card->label_titles[index] : card->labels[index];
}
