/* fovea-report-image.c: the page-set of one image: who and what, the
 * thumbnail, the recommendation, quality, result, model and statements. */
#define G_LOG_DOMAIN "fovea-report-image"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "fovea-report-private.h"

#define THUMB_BOX 160.0          /* points, the thumbnail's square */
#define THUMB_PIXELS 640         /* embedded resolution (~270 dpi in the box) */
#define LABEL_WIDTH 120.0
#define MAX_RAW_OUTPUTS 32

static void
draw_thumbnail (ReportWriter *writer, const ReportImageItem *item, double x, double y)
{
  cairo_t *cr = writer->cr;
  cairo_surface_t *thumb = report_thumbnail_new (item->image, item->overlay,
                                                 item->overlay_width, item->overlay_height,
                                                 THUMB_PIXELS);
  cairo_set_source_rgb (cr, report_pale[0], report_pale[1], report_pale[2]);
  cairo_rectangle (cr, x, y, THUMB_BOX, THUMB_BOX);
  cairo_fill (cr);
  if (thumb == NULL)
    {
      report_draw_text (writer, REPORT_SMALL, _("No image"), x + 8, y + THUMB_BOX / 2 - 6,
                        THUMB_BOX - 16, PANGO_ELLIPSIZE_NONE, report_grey);
      return;
    }
  int w = cairo_image_surface_get_width (thumb);
  int h = cairo_image_surface_get_height (thumb);
  double s = THUMB_BOX / MAX (w, h);
  cairo_save (cr);
  cairo_translate (cr, x + (THUMB_BOX - w * s) / 2, y + (THUMB_BOX - h * s) / 2);
  cairo_scale (cr, s, s);
  cairo_set_source_surface (cr, thumb, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (thumb);
  if (item->overlay != NULL)
    {
      /* The overlay's name is for the reader, not markup. */
      g_autofree char *caption = writer->info->overlay_name != NULL
        ? g_strdup_printf (_("Overlay: %s"), writer->info->overlay_name)
        : g_strdup (_("Heat-map overlay shown"));
      report_draw_text (writer, REPORT_SMALL, caption, x, y + THUMB_BOX + 3, THUMB_BOX,
                        PANGO_ELLIPSIZE_NONE, report_grey);
    }
}

static void
draw_identity (ReportWriter *writer, const ReportImageItem *item)
{
  const FoveaGradeRecord *record = item->record;
  const FoveaReportInfo *info = writer->info;
  double top = writer->y;
  double column = REPORT_CONTENT_WIDTH - THUMB_BOX - 16;
  g_autofree char *file = record->path != NULL ? g_path_get_basename (record->path) : NULL;

  report_field (writer, _("Patient ID"), report_dash (record->patient_id), REPORT_MARGIN,
                column, LABEL_WIDTH);
  report_field (writer, _("Exam date"), report_dash (info->exam_date), REPORT_MARGIN, column,
                LABEL_WIDTH);
  report_field (writer, _("Eye"), report_eye_text (record->eye), REPORT_MARGIN, column,
                LABEL_WIDTH);
  report_field (writer, _("Modality"), fovea_modality_to_string (record->modality),
                REPORT_MARGIN, column, LABEL_WIDTH);
  report_field (writer, _("Site"), report_dash (info->site), REPORT_MARGIN, column,
                LABEL_WIDTH);
  report_field (writer, _("Operator"), report_dash (info->operator_name), REPORT_MARGIN,
                column, LABEL_WIDTH);
  report_field (writer, _("Image file"), report_dash (file), REPORT_MARGIN, column,
                LABEL_WIDTH);
  report_field (writer, _("Task"), report_dash (record->task), REPORT_MARGIN, column,
                LABEL_WIDTH);

  draw_thumbnail (writer, item, REPORT_PAGE_WIDTH - REPORT_MARGIN - THUMB_BOX, top);
  writer->y = MAX (writer->y, top + THUMB_BOX + 16) + 4;
}

static void
draw_recommendation (ReportWriter *writer, const ReportImageItem *item)
{
  const FoveaGradeRecord *record = item->record;
  const double *fill = report_grey;
  g_autofree char *text = NULL;
  if (record->error != NULL || !record->quality.gradable)
    fill = report_amber;
  else if (record->calibrated && record->validated && record->has_referable)
    fill = record->referable || item->referred_by != NULL ? report_red : report_green;
  if (fill == report_red && !record->referable)
    /* One image, one decision: the most urgent of its validated tasks. */
    text = g_strdup_printf (_("Recommendation: %s (this task: not referable; %s: referable)"),
                            report_recommendation (item->referred_by),
                            item->referred_by->task);
  else
    text = g_strdup_printf (_("Recommendation: %s"), report_recommendation (record));
  report_banner (writer, text, fill, report_white);
}

static void
draw_quality (ReportWriter *writer, const FoveaGradeRecord *record)
{
  report_heading (writer, _("Image quality"));
  if (record->error != NULL)
    {
      report_field (writer, _("Verdict"), _("Not assessed: the file could not be graded"),
                    REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
      report_field (writer, _("Error"), record->error, REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                    LABEL_WIDTH);
      return;
    }
  const FoveaQualityReport *q = &record->quality;
  report_field (writer, _("Verdict"), q->gradable ? _("Gradable") : _("Ungradable"),
                REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
  g_autofree char *reasons = report_quality_reasons (q);
  report_field (writer, _("Reasons"), reasons[0] ? reasons : _("none"), REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, LABEL_WIDTH);
  g_autofree char *scores = g_strdup_printf (_("sharpness %.1f · mean luminance %.0f · "
                                               "resolution %.0f px"),
                                             q->sharpness, q->mean_luminance,
                                             q->effective_resolution);
  report_field (writer, _("Scores"), scores, REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
}

static void
draw_probabilities (ReportWriter *writer, const FoveaGradeRecord *record)
{
  guint n = MIN (record->probs->len, g_strv_length (record->labels));
  /* Spelt-out classes ("Basal cell carcinoma (BCC)") need the room. */
  double name_width = record->label_titles != NULL ? 190 : 110;
  double bar_width = record->label_titles != NULL ? 120 : 200;
  for (guint i = 0; i < n; i++)
    {
      float p = g_array_index (record->probs, float, i);
      report_ensure (writer, 14);
      double x = REPORT_MARGIN + LABEL_WIDTH;
      gboolean chosen = g_strcmp0 (record->labels[i], record->label) == 0;
      ReportStyle style = chosen ? REPORT_BOLD : REPORT_NORMAL;
      g_autofree char *name = report_class_text (record, (int) i);
      report_draw_text (writer, style, name, x, writer->y, name_width, PANGO_ELLIPSIZE_END,
                        report_ink);
      double bar = bar_width * CLAMP (isfinite (p) ? p : 0.0f, 0.0f, 1.0f);
      cairo_set_source_rgb (writer->cr, 0.86, 0.88, 0.91);
      cairo_rectangle (writer->cr, x + name_width + 5, writer->y + 3, bar_width, 8);
      cairo_fill (writer->cr);
      cairo_set_source_rgb (writer->cr, 0.25, 0.45, 0.70);
      cairo_rectangle (writer->cr, x + name_width + 5, writer->y + 3, bar, 8);
      cairo_fill (writer->cr);
      g_autofree char *percent = g_strdup_printf ("%.1f %%", 100.0 * p);
      report_draw_text (writer, style, percent, x + name_width + bar_width + 12, writer->y, 60,
                        PANGO_ELLIPSIZE_NONE, report_ink);
      writer->y += 14;
    }
  writer->y += 3;
}

static void
draw_raw_outputs (ReportWriter *writer, const FoveaGradeRecord *record)
{
  report_banner (writer, _("Uncalibrated raw output — no clinical interpretation"),
                 report_amber, report_white);
  g_autoptr (GString) text = g_string_new (NULL);
  guint n = record->logits != NULL ? record->logits->len : 0;
  for (guint i = 0; i < MIN (n, MAX_RAW_OUTPUTS); i++)
    g_string_append_printf (text, "%s%.4g", i ? ", " : "", g_array_index (record->logits, float, i));
  if (n > MAX_RAW_OUTPUTS)
    g_string_append_printf (text, ", … (%u)", n);
  report_field (writer, _("Raw outputs"), text->len ? text->str : "—", REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, LABEL_WIDTH);
}

static void
draw_result (ReportWriter *writer, const FoveaGradeRecord *record)
{
  report_heading (writer, _("Result"));
  if (record->error != NULL)
    {
      report_paragraph (writer, REPORT_BOLD, _("Not graded: the file could not be read or "
                                               "run. No grade is given."), report_ink);
      return;
    }
  if (!record->quality.gradable)
    {
      report_paragraph (writer, REPORT_BOLD, _("Ungradable image: no grade is given."),
                        report_ink);
      return;
    }
  if (!record->calibrated)
    {
      draw_raw_outputs (writer, record);
      return;
    }
  if (record->grade >= 0)
    {
      g_autofree char *grade = g_strdup_printf ("%d — %s", record->grade,
                                                report_dash (record->label));
      report_field (writer, record->modality == FOVEA_MODALITY_FUNDUS ? _("ICDR grade")
                                                                      : _("Grade"),
                    grade, REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
    }
  else
    {
      g_autofree char *name = report_class_text (record, -1);
      g_autofree char *label = isfinite (record->confidence)
        ? g_strdup_printf (_("%s (probability %.1f %%)"), name, 100.0 * record->confidence)
        : g_strdup (name);
      /* A classification that is not ordinal gives a class, never a grade. */
      report_field (writer, record->modality == FOVEA_MODALITY_SKIN ? _("Lesion class")
                                                                    : _("Class"),
                    label, REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
    }
  if (record->probs != NULL && record->labels != NULL)
    {
      report_field (writer, _("Probabilities"), "", REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                    LABEL_WIDTH);
      writer->y -= 14;
      draw_probabilities (writer, record);
    }
  g_autofree char *referable = report_referable_text (record);
  report_field (writer, _("Referable"), referable, REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                LABEL_WIDTH);
  report_field (writer, _("Referral rule"),
                record->has_referable ? report_dash (record->referral_rule)
                                      : _("none in the model card"),
                REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
}

static void
draw_model (ReportWriter *writer, const FoveaGradeRecord *record)
{
  report_heading (writer, _("Model"));
  report_field (writer, _("Name"), report_dash (record->model_name), REPORT_MARGIN,
                REPORT_CONTENT_WIDTH, LABEL_WIDTH);
  report_field_styled (writer, _("Weights SHA-256"), report_dash (record->model_sha256),
                       REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH, REPORT_MONO_SMALL);
  report_field (writer, _("Training data"),
                record->training_data != NULL ? record->training_data
                                              : _("unknown: no task card"),
                REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
  g_autoptr (GString) metrics = g_string_new (NULL);
  for (guint i = 0; record->metrics != NULL && i < record->metrics->len; i++)
    g_string_append_printf (metrics, "%s%s", i ? "\n" : "",
                            (const char *) record->metrics->pdata[i]);
  report_field (writer, _("Held-out metrics"), metrics->len ? metrics->str : _("none stated"),
                REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
  report_field (writer, _("Use"),
                record->research_use_only ? _("Research use only — not a medical device")
                                          : _("Not labelled research-only by its card; "
                                              "follow local clinical governance"),
                REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
}

static void
draw_statements (ReportWriter *writer, const FoveaGradeRecord *record)
{
  report_paragraph (writer, REPORT_BOLD, _("AI-generated; requires clinician review."),
                    report_ink);
  report_gap (writer, 3);
  g_autofree char *intended = g_strdup_printf (_("Intended use: %s"),
                                               record->intended_use != NULL
                                                 ? record->intended_use
                                                 : _("not stated (no task card)"));
  report_paragraph (writer, REPORT_NORMAL, intended, report_ink);
  report_gap (writer, 4);
}

void
report_render_image_item (ReportWriter *writer, const ReportImageItem *item)
{
  const FoveaGradeRecord *record = item->record;
  report_new_page (writer);

  writer->y += report_draw_text (writer, REPORT_TITLE, _("Fovea grading report"),
                                 REPORT_MARGIN, writer->y, REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE,
                                 report_ink);
  writer->y += 8;
  /* Honesty first: the label of a research model is the first thing read. */
  if (record->research_use_only || !record->calibrated)
    report_banner (writer, _("RESEARCH USE ONLY — not for diagnosis. This model has not "
                             "been validated for clinical use."),
                   report_red, report_white);
  report_gap (writer, 4);
  draw_identity (writer, item);
  draw_recommendation (writer, item);
  draw_statements (writer, record);
  draw_quality (writer, record);
  draw_result (writer, record);
  draw_model (writer, record);
  if (item->segmentation != NULL)
    report_render_segmentation (writer, item->image, item->segmentation);
}
