/* fovea-report-segmentation.c: the segmentation section of an image's
 * page-set: the models with their research-use and validation labels
 * (worded as the Model section words them), the image with each label's
 * outline and a legend, and the measurements (fovea-seg-measure.h) as a
 * table with units. */
#define G_LOG_DOMAIN "fovea-report-segmentation"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "fovea-report-private.h"

#define LABEL_WIDTH 120.0
#define IMAGE_BOX 240.0          /* points, the outlined image's square */
#define IMAGE_PIXELS 900         /* embedded resolution: thin outlines stay sharp */
#define SWATCH 8.0
#define ROW_HEIGHT 12.0
#define NAME_WIDTH 250.0
#define VALUE_WIDTH 95.0

typedef struct {
  char *name, *value, *unit;
} Row;

static void
row_clear (gpointer data)
{
  Row *row = data;
  g_free (row->name);
  g_free (row->value);
  g_free (row->unit);
}

static void
add_row (GArray *rows, char *name, char *value, const char *unit)
{
  Row row = { name, value, g_strdup (unit) };
  g_array_append_val (rows, row);
}

/* NaN (not measurable) reads as a dash. */
static char *
number (int decimals, double value)
{
  return isfinite (value) ? g_strdup_printf ("%.*f", decimals, value) : g_strdup ("—");
}

/* A unit, never a format. */
static const char *
percent_of_fov (void)
{
  /* xgettext:no-c-format */
  return _("% of the field of view");
}

static const char *
near_fovea_text (int near_fovea)
{
  if (near_fovea < 0)
    return _("unknown: no fovea");
  return near_fovea ? _("Yes") : _("No");
}

/* Title of a label of the measures: its card's title when a task has it. */
static const char *
label_title (const FoveaSegResult *result, const char *label)
{
  for (guint t = 0; t < result->n_tasks; t++)
    for (int l = 0; result->cards[t]->labels[l] != NULL; l++)
      if (g_strcmp0 (result->cards[t]->labels[l], label) == 0)
        return fovea_task_card_label_title (result->cards[t], l);
  return label;
}

static GArray *
measurement_rows (const FoveaSegResult *result)
{
  const FoveaSegMeasures *m = result->measures;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_array_set_clear_func (rows, row_clear);
  add_row (rows, g_strdup (_("Field of view diameter")), number (0, 2 * m->fov_radius),
           _("px"));
  for (int i = 0; i < m->n_labels; i++)
    {
      const FoveaSegLabelMeasures *lm = &m->labels[i];
      const char *title = label_title (result, lm->label);
      add_row (rows, g_strdup_printf (_("%s: regions"), title), g_strdup_printf ("%d", lm->count),
               _("count"));
      add_row (rows, g_strdup_printf (_("%s: area"), title),
               g_strdup_printf ("%" G_GINT64_FORMAT, lm->area), _("px"));
      add_row (rows, g_strdup_printf (_("%s: area"), title), number (3, lm->area_percent),
               percent_of_fov ());
      if (lm->macular)
        add_row (rows, g_strdup_printf (_("%s within 1 disc diameter of the fovea"), title),
                 g_strdup (near_fovea_text (lm->near_fovea)), "");
    }
  if (m->has_disc)
    {
      add_row (rows, g_strdup (_("Optic disc centre (x, y)")),
               g_strdup_printf ("%.0f, %.0f", m->disc_cx, m->disc_cy), _("px"));
      add_row (rows, g_strdup (_("Optic disc diameter")), number (1, m->disc_diameter),
               _("px"));
      add_row (rows, g_strdup (_("Photograph centred on")),
               g_strdup (m->disc_centred ? _("the optic disc") : _("the macula")), "");
      add_row (rows, g_strdup (_("Fovea, estimated from the disc (x, y)")),
               m->has_fovea ? g_strdup_printf ("%.0f, %.0f", m->fovea_x, m->fovea_y)
                            : g_strdup ("—"), _("px"));
    }
  if (m->has_vessels)
    {
      add_row (rows, g_strdup (_("Vessel density")), number (2, 100 * m->vessel_density),
               percent_of_fov ());
      add_row (rows, g_strdup (_("Vessel fractal dimension")),
               number (3, m->fractal_dimension), _("box-counting"));
      g_autofree char *segments = g_strdup_printf (_("arc / chord, %d segments"),
                                                   m->tortuosity_segments);
      add_row (rows, g_strdup (_("Vessel tortuosity")), number (4, m->tortuosity), segments);
    }
  return rows;
}

/* The card's figures, held-out ones or the others; "" when none. */
static char *
card_metrics (const FoveaTaskCard *card, gboolean held_out)
{
  g_autoptr (GString) text = g_string_new (NULL);
  for (guint i = 0; card->metrics != NULL && i < card->metrics->len; i++)
    {
      const FoveaTaskMetric *metric = card->metrics->pdata[i];
      if (metric->held_out == held_out)
        g_string_append_printf (text, "%s%s %g", text->len ? "; " : "", metric->name,
                                metric->value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The card's own word on it: held-out figures, figures only on the data
 * that chose the model, or none. */
static void
draw_validation (ReportWriter *writer, const FoveaTaskCard *card)
{
  g_autofree char *held_out = card_metrics (card, TRUE);
  g_autofree char *others = card_metrics (card, FALSE);
  g_autofree char *text = NULL;
  if (*held_out != '\0')
    {
      text = g_strdup_printf (_("Held-out figures on its card: %s"), held_out);
      report_field (writer, _("Validation"), text, REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                    LABEL_WIDTH);
      return;
    }
  if (*others != '\0')
    text = g_strdup_printf (_("Not validated on held-out photographs: its card's figures (%s) "
                              "come from the data that chose the model"), others);
  else
    text = g_strdup (_("Not validated on real photographs: its card reports no figures"));
  report_field_styled (writer, _("Validation"), text, REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                       LABEL_WIDTH, REPORT_BOLD);
}

static void
draw_models (ReportWriter *writer, const FoveaSegResult *result)
{
  for (guint t = 0; t < result->n_tasks; t++)
    {
      const FoveaTaskCard *card = result->cards[t];
      g_autofree char *model = g_strdup_printf ("%s — %s", result->model_names[t],
                                                card->title != NULL ? card->title : card->name);
      report_field (writer, _("Model"), model, REPORT_MARGIN, REPORT_CONTENT_WIDTH,
                    LABEL_WIDTH);
      draw_validation (writer, card);
      report_field (writer, _("Training data"),
                    card->training_data != NULL ? card->training_data : _("unknown: no task card"),
                    REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
      report_field (writer, _("Use"),
                    card->research_use_only ? _("Research use only — not a medical device")
                                            : _("Not labelled research-only by its card; "
                                                "follow local clinical governance"),
                    REPORT_MARGIN, REPORT_CONTENT_WIDTH, LABEL_WIDTH);
      report_gap (writer, 4);
    }
}

static void
draw_legend (ReportWriter *writer, const FoveaSegResult *result, double x, double y,
             double width)
{
  for (guint t = 0; t < result->n_tasks; t++)
    for (int l = 0; result->cards[t]->labels[l] != NULL; l++)
      {
        double rgb[3];
        fovea_task_card_label_colour (result->cards[t], l, rgb);
        cairo_set_source_rgb (writer->cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle (writer->cr, x, y + 2, SWATCH, SWATCH);
        cairo_fill_preserve (writer->cr);
        cairo_set_source_rgb (writer->cr, report_grey[0], report_grey[1], report_grey[2]);
        cairo_set_line_width (writer->cr, 0.5);
        cairo_stroke (writer->cr);
        y += report_draw_text (writer, REPORT_SMALL,
                               fovea_task_card_label_title (result->cards[t], l),
                               x + SWATCH + 5, y, width - SWATCH - 5, PANGO_ELLIPSIZE_END,
                               report_ink) + 3;
      }
  report_draw_text (writer, REPORT_SMALL,
                    _("Outlines: where each label's probability reaches its card's threshold, "
                      "inside the field of view."),
                    x, y + 6, width, PANGO_ELLIPSIZE_NONE, report_grey);
}

static void
draw_image (ReportWriter *writer, const FoveaImage *image, const FoveaSegResult *result)
{
  cairo_surface_t *outlined = report_outline_thumbnail_new (image, result, IMAGE_PIXELS);
  if (outlined == NULL)
    return;
  report_ensure (writer, IMAGE_BOX + 8);
  double top = writer->y;
  cairo_t *cr = writer->cr;
  int w = cairo_image_surface_get_width (outlined);
  int h = cairo_image_surface_get_height (outlined);
  double s = IMAGE_BOX / MAX (w, h);
  cairo_save (cr);
  cairo_translate (cr, REPORT_MARGIN, top);
  cairo_scale (cr, s, s);
  cairo_set_source_surface (cr, outlined, 0, 0);
  /* Nearest: a one-pixel outline must not blur into the photograph. */
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (outlined);
  double legend_x = REPORT_MARGIN + IMAGE_BOX + 16;
  draw_legend (writer, result, legend_x, top, REPORT_PAGE_WIDTH - REPORT_MARGIN - legend_x);
  writer->y = top + h * s + 8;
}

static void
draw_table_row (ReportWriter *writer, ReportStyle style, const char *name, const char *value,
                const char *unit)
{
  double x = REPORT_MARGIN + 4;
  report_draw_text (writer, style, name, x, writer->y, NAME_WIDTH - 8, PANGO_ELLIPSIZE_END,
                    report_ink);
  report_draw_text (writer, style, value, x + NAME_WIDTH, writer->y, VALUE_WIDTH - 8,
                    PANGO_ELLIPSIZE_END, report_ink);
  report_draw_text (writer, style, unit, x + NAME_WIDTH + VALUE_WIDTH, writer->y,
                    REPORT_CONTENT_WIDTH - NAME_WIDTH - VALUE_WIDTH - 8, PANGO_ELLIPSIZE_END,
                    report_grey);
  writer->y += ROW_HEIGHT;
}

static void
draw_table_header (ReportWriter *writer)
{
  cairo_set_source_rgb (writer->cr, report_pale[0], report_pale[1], report_pale[2]);
  cairo_rectangle (writer->cr, REPORT_MARGIN, writer->y - 1, REPORT_CONTENT_WIDTH, ROW_HEIGHT);
  cairo_fill (writer->cr);
  draw_table_row (writer, REPORT_SMALL_BOLD, _("Measurement"), _("Value"), _("Unit"));
}

static void
draw_table (ReportWriter *writer, const FoveaSegResult *result)
{
  g_autoptr (GArray) rows = measurement_rows (result);
  report_ensure (writer, 3 * ROW_HEIGHT);
  draw_table_header (writer);
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      int page = writer->page;
      report_ensure (writer, ROW_HEIGHT);
      if (writer->page != page)
        draw_table_header (writer);  /* the table goes on: say what its columns are */
      draw_table_row (writer, REPORT_SMALL, row->name, row->value, row->unit);
    }
  writer->y += 4;
}

void
report_render_segmentation (ReportWriter *writer, const FoveaImage *image,
                            const FoveaSegResult *result)
{
  report_heading (writer, _("Segmentation"));
  draw_models (writer, result);
  draw_image (writer, image, result);
  draw_table (writer, result);
  report_paragraph (writer, REPORT_SMALL,
                    _("Measurements are in the image's pixels. The fovea is estimated from the "
                      "optic disc, not found directly. AI-generated; requires clinician review."),
                    report_grey);
}
