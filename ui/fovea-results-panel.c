/* fovea-results-panel.c: choosing a task, running it, and reading its
 * result.
 *
 * The offered tasks are pointers into the catalog, which the panel holds a
 * reference on; a result holds its own. Result rows are rebuilt for each
 * result: there are a dozen at most, so nothing is worth reusing. */
#define G_LOG_DOMAIN "fovea-results-panel"

#include "config.h"

#include "fovea-results-panel-private.h"

#include <glib/gi18n.h>

#include "fovea-grade-record-build.h"

/* Raw outputs listed for a task without a card; a 1000-class ImageNet
 * head would otherwise fill the panel with meaningless numbers. */
#define MAX_RAW_OUTPUTS 16

/* The widget name of the patient's row, to find it again. */
#define PATIENT_ROW_NAME "patient-row"

typedef struct {
  const FoveaCatalogModel *model;
  const FoveaCatalogTask  *task;
} OfferedTask;

struct _FoveaResultsPanel
{
  GtkWidget            parent_instance;

  FoveaAnalysis       *analysis;
  FoveaModelCatalog   *catalog;
  GArray              *offered;      /* OfferedTask, in task_names order */
  gboolean             populating;   /* the picker is being refilled, not chosen from */
  gboolean             user_chose;   /* the user picked the selected task */
  FoveaDocument       *document;
  FoveaModality        modality;
  GCancellable        *cancellable;  /* of the running analysis; NULL when idle */
  GArray              *pending;      /* OfferedTask: the run's tasks, in order */
  guint                n_started;    /* of pending */
  GPtrArray           *results;      /* FoveaAnalysisResult*, one per task run */
  FoveaAnalysisResult *result;       /* in results: the selected task's, or NULL */
  int                  patient_position;  /* where the patient's line goes in outcome_list */

  /* Template widgets */
  AdwComboRow          *task_row;
  GtkStringList        *task_names;
  GtkSpinner           *spinner;
  GtkButton            *cancel_button;
  GtkStack             *result_stack;
  GtkLabel             *message_label;
  AdwPreferencesGroup  *summary_group;
  GtkListBox           *summary_list;
  GtkListBox           *quality_list;
  AdwPreferencesGroup  *outcome_group;
  GtkListBox           *outcome_list;
  GtkListBox           *card_list;
  GtkLabel             *research_label;
};

G_DEFINE_FINAL_TYPE (FoveaResultsPanel, fovea_results_panel, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_RESULT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
describe_modality (FoveaModality modality)
{
  switch (modality)
    {
    case FOVEA_MODALITY_FUNDUS:
      return _("fundus photographs");
    case FOVEA_MODALITY_SKIN:
      return _("dermoscopy images");
    case FOVEA_MODALITY_OCTA:
      return _("OCTA scans");
    case FOVEA_MODALITY_UNKNOWN:
    default:
      return _("images of unknown modality");
    }
}

static const char *
describe_reason (FoveaQualityReason reason)
{
  switch (reason)
    {
    case FOVEA_QUALITY_BLUR:
      return _("Blurred or out of focus");
    case FOVEA_QUALITY_UNDEREXPOSED:
      return _("Too dark");
    case FOVEA_QUALITY_OVEREXPOSED:
      return _("Too bright");
    case FOVEA_QUALITY_FIELD_OF_VIEW:
      return _("Field of view cut off or badly framed");
    case FOVEA_QUALITY_RESOLUTION:
    default:
      return _("Resolution too low");
    }
}

/* The measurement behind a reason, against the threshold it failed. */
static char *
dup_reason_detail (FoveaQualityReason            reason,
                   const FoveaQualityReport     *report,
                   const FoveaQualityThresholds *limits)
{
  switch (reason)
    {
    case FOVEA_QUALITY_BLUR:
      return g_strdup_printf (_("Sharpness %.2f, at least %.1f needed"),
                              report->sharpness, limits->min_sharpness);
    case FOVEA_QUALITY_UNDEREXPOSED:
      return g_strdup_printf (_("Mean brightness %.0f, at least %.0f needed; %.0f %% dark"),
                              report->mean_luminance, limits->min_mean_luminance,
                              100 * report->dark_fraction);
    case FOVEA_QUALITY_OVEREXPOSED:
      return g_strdup_printf (_("Mean brightness %.0f, at most %.0f allowed; %.0f %% saturated"),
                              report->mean_luminance, limits->max_mean_luminance,
                              100 * report->bright_fraction);
    case FOVEA_QUALITY_FIELD_OF_VIEW:
      return g_strdup_printf (_("%.0f %% of the field of view inside the frame"),
                              100 * report->fov.coverage);
    case FOVEA_QUALITY_RESOLUTION:
    default:
      return g_strdup_printf (_("%.0f pixels across, at least %.0f needed"),
                              report->effective_resolution, limits->min_resolution);
    }
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* A row of plain text: card fields are data, not Pango markup. */
static AdwActionRow *
add_row (GtkListBox *list,
         const char *title,
         const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (row, subtitle);
  gtk_list_box_append (list, GTK_WIDGET (row));
  return row;
}

static void
add_icon (AdwActionRow *row,
          const char   *icon_name,
          const char   *style_class)
{
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_add_css_class (image, style_class);
  adw_action_row_add_prefix (row, image);
}

/* Right-aligned in a fixed width, so the bars beside them line up. */
static void
add_suffix_text (AdwActionRow *row,
                 const char   *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_width_chars (GTK_LABEL (label), 5);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (row, label);
}

static void
show_quality (FoveaResultsPanel         *self,
              const FoveaAnalysisResult *result)
{
  const FoveaQualityReport *report = &result->quality;
  FoveaQualityThresholds limits;
  AdwActionRow *row;

  fovea_quality_thresholds_init (&limits, result->modality);
  if (report->gradable)
    {
      g_autofree char *detail =
        g_strdup_printf (_("Sharpness %.1f · mean brightness %.0f"),
                         report->sharpness, report->mean_luminance);
      row = add_row (self->quality_list, _("Gradable"), detail);
      add_icon (row, "emblem-ok-symbolic", "success");
      return;
    }

  row = add_row (self->quality_list, _("Ungradable: re-image or refer"),
                 _("No grade is given for an image of this quality."));
  add_icon (row, "dialog-warning-symbolic", "error");
  for (guint bit = 0; bit < FOVEA_QUALITY_N_REASONS; bit++)
    {
      FoveaQualityReason reason = 1u << bit;
      g_autofree char *detail = NULL;

      if ((report->reasons & reason) == 0)
        continue;
      detail = dup_reason_detail (reason, report, &limits);
      add_row (self->quality_list, describe_reason (reason), detail);
    }
}

/* A class as a clinician reads it: the card's title with its short label,
 * "Melanoma (MEL)", or the label alone when the card has no titles. */
static char *
dup_class_name (const FoveaTaskCard *card,
                int                  index)
{
  const char *title = fovea_task_card_label_title (card, index);

  if (g_strcmp0 (title, card->labels[index]) == 0)
    return g_strdup (title);
  /* Translators: a class spelt out and its short name, e.g. "Melanoma (MEL)". */
  return g_strdup_printf (_("%s (%s)"), title, card->labels[index]);
}

static void
add_probability_row (FoveaResultsPanel *self,
                     const char        *label,
                     double             probability)
{
  AdwActionRow *row = add_row (self->outcome_list, label, NULL);
  GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
  g_autofree char *percent = g_strdup_printf (_("%.0f %%"), 100 * probability);

  /* Plain bars: their length is the value; no "low/high" colours. */
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
  gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), probability);
  gtk_widget_set_size_request (bar, 90, -1);
  gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (row, bar);
  add_suffix_text (row, percent);
}

static void
show_calibrated (FoveaResultsPanel     *self,
                 const FoveaTaskCard   *card,
                 const FoveaTaskResult *outcome,
                 int                    site_min_grade)
{
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;

  /* Translators: the heading of the selected task's full result. */
  g_autofree char *heading = g_strdup_printf (_("Details: %s"), card->title);

  adw_preferences_group_set_title (self->outcome_group, heading);
  adw_preferences_group_set_description (self->outcome_group, NULL);

  if (card->kind == FOVEA_TASK_GRADING_REGRESSION)
    {
      /* Translators: a grade number and its name, e.g. "Grade 2: Moderate NPDR". */
      title = g_strdup_printf (_("Grade %d: %s"), outcome->label_index, outcome->label);
      detail = g_strdup_printf (_("Regression output %.2f"), outcome->score);
    }
  else
    {
      title = dup_class_name (card, outcome->label_index);
      detail = g_strdup_printf (_("Most likely class, probability %.0f %%"),
                                100 * outcome->score);
    }
  add_row (self->outcome_list, title, detail);

  /* The patient's line, if any, follows this image's own referral. */
  self->patient_position = outcome->has_referable ? 2 : 1;
  if (outcome->has_referable)
    {
      g_autofree char *rule = fovea_grade_record_dup_referral_rule (card, site_min_grade);
      AdwActionRow *row;

      if (!fovea_task_card_is_validated (card))
        {
          /* Translators: the card's rule is shown, but not as advice. */
          g_autofree char *advice =
            g_strdup_printf (_("%s by the card's rule (%s), which no held-out figures support"),
                             outcome->referable ? _("Referable") : _("Not referable"), rule);
          add_row (self->outcome_list, _("No recommendation"), advice);
        }
      else
        {
          row = add_row (self->outcome_list,
                         outcome->referable ? _("Referable") : _("Not referable"), rule);
          add_icon (row, outcome->referable ? "dialog-warning-symbolic" : "emblem-ok-symbolic",
                    outcome->referable ? "warning" : "dim-label");
        }
    }

  for (int i = 0; outcome->probs != NULL && i < outcome->n_outputs; i++)
    {
      g_autofree char *name = dup_class_name (card, i);

      add_probability_row (self, name, outcome->probs[i]);
    }
}

static char *
dup_task_title (const FoveaCatalogTask *task)
{
  if (task->card == NULL)
    /* Translators: a task without a task card, e.g. "backbone (uncalibrated raw output)". */
    return g_strdup_printf (_("%s (uncalibrated raw output)"), task->name);
  return g_strdup (task->card->title);
}

/* One compact row per task run: its title, what it found with how sure,
 * and the referral it implies, if its card may recommend one at all. */
static void
add_summary_row (FoveaResultsPanel         *self,
                 const FoveaAnalysisResult *result)
{
  const FoveaTaskCard *card = result->task->card;
  const FoveaTaskResult *outcome = &result->output->results[0];
  g_autofree char *task_title = dup_task_title (result->task);
  g_autofree char *finding = NULL;
  g_autofree char *referral = NULL;
  g_autofree char *subtitle = NULL;

  if (!outcome->calibrated)
    {
      add_row (self->summary_list, task_title, _("No task card: raw output only"));
      return;
    }
  if (card->kind == FOVEA_TASK_GRADING_REGRESSION)
    finding = g_strdup_printf (_("Grade %d: %s · output %.2f"), outcome->label_index,
                               outcome->label, outcome->score);
  else
    {
      g_autofree char *name = dup_class_name (card, outcome->label_index);

      /* Translators: a label and its probability, e.g. "Moderate NPDR · 71 %". */
      finding = g_strdup_printf (_("%s · %.0f %%"), name, 100 * outcome->score);
    }

  if (outcome->has_referable && !fovea_task_card_is_validated (card))
    referral = g_strdup (_("No recommendation: no held-out figures on the card"));
  else if (outcome->has_referable)
    {
      g_autofree char *rule =
        fovea_grade_record_dup_referral_rule (card, result->referral_min_grade);
      /* Translators: the referral and the rule that gave it. */
      referral = g_strdup_printf (_("%s — %s"),
                                  outcome->referable ? _("Referable") : _("Not referable"),
                                  rule);
    }
  subtitle = referral != NULL ? g_strdup_printf ("%s\n%s", finding, referral)
                              : g_steal_pointer (&finding);
  AdwActionRow *row = add_row (self->summary_list, task_title, subtitle);

  /* One line of title keeps three tasks in view; the tooltip has it whole. */
  adw_action_row_set_title_lines (row, 1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row), task_title);
  if (outcome->has_referable && fovea_task_card_is_validated (card))
    add_icon (row, outcome->referable ? "dialog-warning-symbolic" : "emblem-ok-symbolic",
              outcome->referable ? "warning" : "dim-label");
}

/* Numbers only: without a card there is no label, grade or referral. */
static void
show_uncalibrated (FoveaResultsPanel       *self,
                   const FoveaEngineOutput *output)
{
  int shown = MIN (output->n_outputs, MAX_RAW_OUTPUTS);

  adw_preferences_group_set_title (self->outcome_group, _("Uncalibrated Raw Output"));
  adw_preferences_group_set_description (self->outcome_group,
                                         _("This task has no task card: these numbers have no "
                                           "clinical meaning."));
  for (int i = 0; i < shown; i++)
    {
      g_autofree char *title = g_strdup_printf (_("Output %d"), i);
      g_autofree char *value = g_strdup_printf ("%.3f", output->logits[i]);

      add_suffix_text (add_row (self->outcome_list, title, NULL), value);
    }
  if (output->n_outputs > shown)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%d more output not shown",
                                                         "%d more outputs not shown",
                                                         output->n_outputs - shown),
                                               output->n_outputs - shown);
      add_row (self->outcome_list, more, NULL);
    }
}

static void
show_card (FoveaResultsPanel         *self,
           const FoveaAnalysisResult *result)
{
  const FoveaTaskCard *card = result->task->card;
  g_autofree char *origin = NULL;

  if (card == NULL)
    {
      origin = g_strdup_printf (_("No task card · model %s"), result->model->name);
      add_row (self->card_list, result->task->name, origin);
      return;
    }

  /* Translators: a task's short name and the model folder it belongs to. */
  origin = g_strdup_printf (_("%s · model %s"), card->name, result->model->name);
  add_row (self->card_list, card->title, origin);
  add_row (self->card_list, _("Training data"), card->training_data);
  if (card->metrics->len == 0)
    add_row (self->card_list, _("Held-out metrics"), _("None recorded"));
  for (guint i = 0; i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *metric = card->metrics->pdata[i];
      /* Translators: a metric's name and value, e.g. "qwk 0.61". */
      g_autofree char *title = g_strdup_printf (_("%s %.3g"), metric->name, metric->value);
      /* Translators: the held-out data a metric was measured on. */
      g_autofree char *split = g_strdup_printf (_("Measured on %s"), metric->split);

      add_row (self->card_list, title, split);
    }
  add_row (self->card_list, _("Intended use"), card->intended_use);
}

static void
show_time (FoveaResultsPanel         *self,
           const FoveaAnalysisResult *result)
{
  g_autofree char *total = g_strdup_printf (_("%.2f s"), result->total_s);
  g_autofree char *detail = NULL;

  if (result->output == NULL)
    detail = g_strdup (_("Quality check only: no model was run"));
  else if (result->loaded_backbone)
    detail = g_strdup_printf (_("Quality check %.2f s · model %.2f s, including loading it"),
                              result->quality_s, result->model_s);
  else
    detail = g_strdup_printf (_("Quality check %.2f s · model %.2f s"),
                              result->quality_s, result->model_s);
  add_suffix_text (add_row (self->card_list, _("Time taken"), detail), total);
}

static void
update_research_label (FoveaResultsPanel *self)
{
  gboolean research_only = self->results->len == 0;

  /* Once for the group: research use if any of its tasks is. */
  for (guint i = 0; i < self->results->len; i++)
    {
      const FoveaAnalysisResult *result = self->results->pdata[i];

      if (result->task->card == NULL || result->task->card->research_use_only)
        research_only = TRUE;
    }
  if (!research_only)
    gtk_label_set_text (self->research_label, _("Not a diagnosis; requires clinician review"));
  else
    gtk_label_set_text (self->research_label,
                        _("Research use only — not a diagnosis; requires clinician review"));
}

static void
show_message (FoveaResultsPanel *self,
              const char        *message)
{
  gtk_label_set_text (self->message_label, message);
  gtk_stack_set_visible_child_name (self->result_stack, "message");
}

static void
show_result (FoveaResultsPanel *self)
{
  const FoveaAnalysisResult *result = self->result;

  clear_list (self->summary_list);
  clear_list (self->quality_list);
  clear_list (self->outcome_list);
  clear_list (self->card_list);

  self->patient_position = -1;
  for (guint i = 0; i < self->results->len; i++)
    if (((FoveaAnalysisResult *) self->results->pdata[i])->output != NULL)
      add_summary_row (self, self->results->pdata[i]);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_group),
                          gtk_widget_get_first_child (GTK_WIDGET (self->summary_list)) != NULL);
  show_quality (self, result);
  /* Ungradable overrides any grade: no outcome at all is shown. */
  gtk_widget_set_visible (GTK_WIDGET (self->outcome_group), result->output != NULL);
  if (result->output != NULL && result->output->results[0].calibrated)
    show_calibrated (self, result->task->card, &result->output->results[0],
                     result->referral_min_grade);
  else if (result->output != NULL)
    show_uncalibrated (self, result->output);
  show_card (self, result);
  show_time (self, result);
  update_research_label (self);
  gtk_stack_set_visible_child_name (self->result_stack, "results");
}

/* Forgets the last run's results, without notifying. */
static void
drop_results (FoveaResultsPanel *self)
{
  self->result = NULL;
  if (self->results != NULL)
    g_ptr_array_set_size (self->results, 0);
}

/* The last run's result for task, or NULL if it was not run. */
static FoveaAnalysisResult *
find_result (FoveaResultsPanel      *self,
             const FoveaCatalogTask *task)
{
  for (guint i = 0; i < self->results->len; i++)
    {
      FoveaAnalysisResult *result = self->results->pdata[i];

      if (result->task == task)
        return result;
    }
  return NULL;
}

static const OfferedTask *
get_selected_task (FoveaResultsPanel *self)
{
  guint selected = adw_combo_row_get_selected (self->task_row);

  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->offered->len)
    return NULL;
  return &g_array_index (self->offered, OfferedTask, selected);
}

static void
update_actions (FoveaResultsPanel *self)
{
  gboolean busy = self->cancellable != NULL;
  gboolean ready = self->document != NULL && get_selected_task (self) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.run", ready && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "panel.cancel", busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->task_row), !busy && self->offered->len > 0);
}

/* Back to no result, with a hint at what to do next. */
static void
clear_result (FoveaResultsPanel *self)
{
  gboolean had_result = self->result != NULL;

  drop_results (self);
  if (had_result)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
  update_research_label (self);
  if (self->document == NULL)
    show_message (self, _("Open an image to analyse it."));
  else if (self->offered->len == 0)
    show_message (self, _("No installed model has a task for this kind of image."));
  else
    show_message (self, _("Choose a task and press Analyse."));
}

static void
cancel_running (FoveaResultsPanel *self)
{
  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
offer_tasks (FoveaResultsPanel *self,
             gboolean           calibrated)
{
  guint n_models = self->catalog != NULL ? fovea_model_catalog_get_n_models (self->catalog) : 0;

  for (guint m = 0; m < n_models; m++)
    {
      const FoveaCatalogModel *model = fovea_model_catalog_get_model (self->catalog, m);

      for (guint t = 0; model->error == NULL && t < model->tasks->len; t++)
        {
          const FoveaCatalogTask *task = model->tasks->pdata[t];
          OfferedTask offered = { model, task };
          g_autofree char *title = NULL;

          if ((task->card != NULL) != calibrated ||
              !fovea_catalog_task_fits_modality (task, self->modality))
            continue;
          title = dup_task_title (task);
          g_array_append_val (self->offered, offered);
          gtk_string_list_append (self->task_names, title);
        }
    }
}

/* Which model the selected task runs on, or why there is none. */
static void
update_task_subtitle (FoveaResultsPanel *self)
{
  const OfferedTask *offered = get_selected_task (self);
  g_autofree char *subtitle = NULL;

  if (offered != NULL && offered->task->card == NULL)
    /* Translators: the model a task without a card runs on. */
    subtitle = g_strdup_printf (_("Model: %s · uncalibrated raw output"), offered->model->name);
  else if (offered != NULL)
    /* Translators: the model a task runs on, e.g. "Model: vit-base". */
    subtitle = g_strdup_printf (_("Model: %s"), offered->model->name);
  else
    /* Translators: e.g. "No task for dermoscopy images". */
    subtitle = g_strdup_printf (_("No task for %s"), describe_modality (self->modality));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->task_row), subtitle);
}

/* Fills the picker for the current catalog and modality. A task the user
 * picked is kept while it is still on offer; otherwise the first task is
 * selected, and calibrated tasks come first. */
static void
populate_tasks (FoveaResultsPanel *self)
{
  const OfferedTask *selected = get_selected_task (self);
  g_autofree char *selected_path = NULL;
  g_autofree char *selected_name = NULL;
  guint n_names = g_list_model_get_n_items (G_LIST_MODEL (self->task_names));
  guint keep = 0;

  if (selected != NULL && self->user_chose)
    {
      selected_path = g_strdup (selected->model->path);
      selected_name = g_strdup (selected->task->name);
    }

  self->populating = TRUE;
  g_array_set_size (self->offered, 0);
  gtk_string_list_splice (self->task_names, 0, n_names, NULL);
  /* Calibrated tasks first: they are what a clinician is looking for. */
  offer_tasks (self, TRUE);
  offer_tasks (self, FALSE);

  for (guint i = 0; i < self->offered->len; i++)
    {
      const OfferedTask *offered = &g_array_index (self->offered, OfferedTask, i);

      if (g_strcmp0 (offered->model->path, selected_path) == 0 &&
          g_strcmp0 (offered->task->name, selected_name) == 0)
        keep = i;
    }
  if (self->offered->len > 0)
    adw_combo_row_set_selected (self->task_row, keep);
  self->populating = FALSE;
  self->user_chose = selected_path != NULL && keep < self->offered->len;
  update_task_subtitle (self);
  update_actions (self);
}

static void
task_row_selected_cb (FoveaResultsPanel *self,
                      GParamSpec        *pspec,
                      AdwComboRow       *row)
{
  if (!self->populating)
    self->user_chose = TRUE;
  update_task_subtitle (self);
  if (self->cancellable == NULL)
    {
      const OfferedTask *offered = get_selected_task (self);
      FoveaAnalysisResult *result = offered != NULL ? find_result (self, offered->task) : NULL;

      /* A task the last run covered: show its result (and heat-map) at once. */
      if (result != NULL)
        {
          self->result = result;
          show_result (self);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
        }
      else
        clear_result (self);
    }
  update_actions (self);
}

/* Holds the panel alive until the run returns; cancellable tells whether
 * that run is still the current one. */
typedef struct {
  FoveaResultsPanel *self;
  GCancellable      *cancellable;
} RunClosure;

static void run_done_cb (GObject      *source_object,
                         GAsyncResult *res,
                         gpointer      user_data);

/* Starts the next pending task on the same engine, under the run's
 * cancellable; TRUE if there was one. */
static gboolean
start_next_task (FoveaResultsPanel *self)
{
  const OfferedTask *offered;
  RunClosure *closure;
  g_autofree char *message = NULL;

  if (self->n_started >= self->pending->len)
    return FALSE;
  offered = &g_array_index (self->pending, OfferedTask, self->n_started++);
  closure = g_new0 (RunClosure, 1);
  closure->self = g_object_ref (self);
  closure->cancellable = g_object_ref (self->cancellable);
  fovea_analysis_run_async (self->analysis, self->document, self->modality, self->catalog,
                            offered->model, offered->task, self->cancellable,
                            run_done_cb, closure);
  if (self->pending->len == 1)
    message = g_strdup (_("Analysing…"));
  else
    /* Translators: e.g. "Analysing… task 2 of 3". */
    message = g_strdup_printf (_("Analysing… task %u of %u"), self->n_started,
                               self->pending->len);
  show_message (self, message);
  return TRUE;
}

static void
run_done_cb (GObject      *source_object,
             GAsyncResult *res,
             gpointer      user_data)
{
  RunClosure *closure = user_data;
  FoveaResultsPanel *self = closure->self;
  g_autoptr(GError) error = NULL;
  FoveaAnalysisResult *result = fovea_analysis_run_finish (FOVEA_ANALYSIS (source_object),
                                                           res, &error);
  gboolean current = closure->cancellable == self->cancellable;
  const OfferedTask *selected;

  g_object_unref (closure->cancellable);
  g_free (closure);

  if (!current)
    {
      /* Superseded or cancelled: set_document() or the Cancel button has
       * already moved on. */
      g_clear_pointer (&result, fovea_analysis_result_free);
      g_object_unref (self);
      return;
    }

  if (result != NULL)
    {
      g_ptr_array_add (self->results, result);
      /* An ungradable image gets no grade from any task: the verdict is
       * the same for all, so the rest are not run. */
      if (result->output != NULL && start_next_task (self))
        {
          g_object_unref (self);
          return;
        }
    }

  /* The result is kept before the panel says it is idle, so that anyone
   * watching "busy" or "result" can read it at once. */
  g_clear_object (&self->cancellable);
  selected = get_selected_task (self);
  if (result == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The analysis failed: %s"), error->message);
      drop_results (self);
      show_message (self, message);
    }
  else
    {
      self->result = selected != NULL ? find_result (self, selected->task) : NULL;
      if (self->result == NULL)
        self->result = self->results->pdata[0];
      show_result (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  update_actions (self);
  g_object_unref (self);
}

/* What Analyse runs: with a calibrated task selected, every calibrated
 * task of its model on offer for this modality (the selected one first,
 * so its result and heat-map come soonest); an uncalibrated task alone. */
static void
collect_pending (FoveaResultsPanel *self,
                 const OfferedTask *selected)
{
  g_autoptr (GPtrArray) carded = NULL;

  g_array_set_size (self->pending, 0);
  self->n_started = 0;
  g_array_append_val (self->pending, *selected);
  if (selected->task->card == NULL)
    return;
  /* The one rule for what runs together, shared with fovea-cli grade --task auto. */
  carded = fovea_catalog_model_carded_tasks (selected->model, &self->modality);
  for (guint i = 0; i < carded->len; i++)
    {
      OfferedTask offered = { selected->model, carded->pdata[i] };

      if (offered.task != selected->task)
        g_array_append_val (self->pending, offered);
    }
}

static void
run_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  FoveaResultsPanel *self = FOVEA_RESULTS_PANEL (widget);
  const OfferedTask *offered = get_selected_task (self);

  if (offered == NULL || self->document == NULL || self->cancellable != NULL)
    return;

  drop_results (self);
  collect_pending (self, offered);
  self->cancellable = g_cancellable_new ();
  start_next_task (self);
  update_research_label (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
cancel_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FoveaResultsPanel *self = FOVEA_RESULTS_PANEL (widget);

  if (self->cancellable == NULL)
    return;
  cancel_running (self);
  show_message (self, _("Analysis cancelled."));
  update_actions (self);
}

/* The patient's row, wherever set_patient_line put it. */
static void
remove_patient_row (GtkListBox *list)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_name (child), PATIENT_ROW_NAME) == 0)
      {
        gtk_list_box_remove (list, child);
        return;
      }
}

static void
fovea_results_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  FoveaResultsPanel *self = FOVEA_RESULTS_PANEL (object);

  switch (prop_id)
    {
    case PROP_RESULT:
      g_value_set_pointer (value, (gpointer) self->result);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, fovea_results_panel_get_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fovea_results_panel_dispose (GObject *object)
{
  FoveaResultsPanel *self = FOVEA_RESULTS_PANEL (object);
  GtkWidget *child;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), FOVEA_TYPE_RESULTS_PANEL);
  /* Only bound children are unparented by that; the rest are ours to drop. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->document);
  g_clear_object (&self->analysis);
  drop_results (self);
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  g_clear_pointer (&self->offered, g_array_unref);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->results, g_ptr_array_unref);

  G_OBJECT_CLASS (fovea_results_panel_parent_class)->dispose (object);
}

static void
fovea_results_panel_class_init (FoveaResultsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = fovea_results_panel_dispose;
  object_class->get_property = fovea_results_panel_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Notified whenever the result is kept or dropped (a new run, another
   * task or document); the value is fovea_results_panel_get_result(). */
  properties[PROP_RESULT] =
    g_param_spec_pointer ("result", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "panel.run", NULL, run_action_cb);
  gtk_widget_class_install_action (widget_class, "panel.cancel", NULL, cancel_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "panel.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "panel.run", NULL);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/fovea/Fovea/ui/fovea-results-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, task_row);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, task_names);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, result_stack);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, message_label);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, summary_group);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, summary_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, quality_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, outcome_group);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, outcome_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, card_list);
  gtk_widget_class_bind_template_child (widget_class, FoveaResultsPanel, research_label);
  gtk_widget_class_bind_template_callback (widget_class, task_row_selected_cb);
}

static void
fovea_results_panel_init (FoveaResultsPanel *self)
{
  self->offered = g_array_new (FALSE, FALSE, sizeof (OfferedTask));
  self->pending = g_array_new (FALSE, FALSE, sizeof (OfferedTask));
  self->results = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_analysis_result_free);
  self->analysis = fovea_analysis_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  populate_tasks (self);
  clear_result (self);
}

GtkWidget *
fovea_results_panel_new (void)
{
  return g_object_new (FOVEA_TYPE_RESULTS_PANEL, NULL);
}

void
fovea_results_panel_set_catalog (FoveaResultsPanel *self,
                                 FoveaModelCatalog *catalog)
{
  g_return_if_fail (FOVEA_IS_RESULTS_PANEL (self));

  /* Results and offered tasks point into the old catalog until replaced. */
  cancel_running (self);
  drop_results (self);
  if (catalog != NULL)
    fovea_model_catalog_ref (catalog);
  g_array_set_size (self->offered, 0);
  g_clear_pointer (&self->catalog, fovea_model_catalog_unref);
  self->catalog = catalog;
  populate_tasks (self);
  clear_result (self);
}

void
fovea_results_panel_set_document (FoveaResultsPanel *self,
                                  FoveaDocument     *document,
                                  FoveaModality      modality)
{
  g_return_if_fail (FOVEA_IS_RESULTS_PANEL (self));
  g_return_if_fail (document == NULL || fovea_document_get_image (document) != NULL);

  cancel_running (self);
  g_set_object (&self->document, document);
  self->modality = modality;
  drop_results (self);
  populate_tasks (self);
  clear_result (self);
}

gboolean
fovea_results_panel_select_task (FoveaResultsPanel *self,
                                 const char        *name)
{
  g_return_val_if_fail (FOVEA_IS_RESULTS_PANEL (self), FALSE);

  for (guint i = 0; i < self->offered->len; i++)
    {
      if (g_strcmp0 (g_array_index (self->offered, OfferedTask, i).task->name, name) == 0)
        {
          adw_combo_row_set_selected (self->task_row, i);
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
fovea_results_panel_get_busy (FoveaResultsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_RESULTS_PANEL (self), FALSE);

  return self->cancellable != NULL;
}

const FoveaAnalysisResult *
fovea_results_panel_get_result (FoveaResultsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_RESULTS_PANEL (self), NULL);

  return self->result;
}

FoveaAnalysis *
fovea_results_panel_get_analysis (FoveaResultsPanel *self)
{
  g_return_val_if_fail (FOVEA_IS_RESULTS_PANEL (self), NULL);

  return self->analysis;
}

void
fovea_results_panel_set_patient_line (FoveaResultsPanel *self,
                                      const char        *line,
                                      gboolean           refer)
{
  gboolean with_outcome;
  GtkListBox *list;
  AdwActionRow *row;

  g_return_if_fail (FOVEA_IS_RESULTS_PANEL (self));

  remove_patient_row (self->outcome_list);
  remove_patient_row (self->quality_list);
  if (line == NULL || self->result == NULL)
    return;

  /* An ungradable image shows no outcome: the line goes under its quality. */
  with_outcome = gtk_widget_get_visible (GTK_WIDGET (self->outcome_group));
  list = with_outcome ? self->outcome_list : self->quality_list;
  row = add_row (list, line, _("Both eyes: the worse one decides"));
  gtk_widget_set_name (GTK_WIDGET (row), PATIENT_ROW_NAME);
  add_icon (row, refer ? "dialog-warning-symbolic" : "avatar-default-symbolic",
            refer ? "warning" : "dim-label");
  if (with_outcome && self->patient_position >= 0)
    {
      g_object_ref (row);
      gtk_list_box_remove (list, GTK_WIDGET (row));
      gtk_list_box_insert (list, GTK_WIDGET (row), self->patient_position);
      g_object_unref (row);
    }
}
