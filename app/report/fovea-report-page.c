/* fovea-report-page.c: pages, running header and footer, and text blocks.
 * Every string is set with pango_layout_set_text: patient and site fields
 * print literally, whatever they contain, with control and bidirectional-
 * override characters shown as their codes (fovea-visible-text.h), so a
 * patient ID cannot display reversed. */
#define G_LOG_DOMAIN "fovea-report-page"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "fovea-report-private.h"
#include "fovea-visible-text.h"

const double report_ink[3]   = { 0.10, 0.12, 0.15 };
const double report_grey[3]  = { 0.40, 0.43, 0.47 };
const double report_red[3]   = { 0.70, 0.11, 0.11 };
const double report_amber[3] = { 0.72, 0.42, 0.00 };
const double report_green[3] = { 0.13, 0.45, 0.22 };
const double report_white[3] = { 1.00, 1.00, 1.00 };
const double report_pale[3]  = { 0.94, 0.95, 0.96 };

static const char *const style_fonts[] = {
  [REPORT_NORMAL]     = "Sans 10",
  [REPORT_BOLD]       = "Sans Bold 10",
  [REPORT_SMALL]      = "Sans 7.5",
  [REPORT_SMALL_BOLD] = "Sans Bold 7.5",
  [REPORT_HEADING]    = "Sans Bold 13",
  [REPORT_TITLE]      = "Sans Bold 20",
  [REPORT_MONO_SMALL] = "Monospace 8",
};

void
report_set_style (ReportWriter *writer, ReportStyle style)
{
  PangoFontDescription *font = pango_font_description_from_string (style_fonts[style]);
  pango_layout_set_font_description (writer->layout, font);
  pango_font_description_free (font);
}

/* A field's value (patient ID, file name, error, card text) shows at most
 * this many lines, the last ending in an ellipsis: a 20,000-character ID
 * cannot fill pages or run over the footer. The CSV keeps the whole value. */
#define FIELD_MAX_LINES 8
/* And at most this many characters are laid out: Pango keeps the text it
 * elides as the ellipsis's text in the PDF. */
#define FIELD_MAX_CHARS 1000

/* max_lines > 0 cuts the text after that many lines with an ellipsis;
 * otherwise an ellipsizing layout has one line per paragraph (Pango's
 * default height). */
static void
prepare_lines (ReportWriter *writer, ReportStyle style, const char *text, double width,
               PangoEllipsizeMode ellipsize, int max_lines)
{
  report_set_style (writer, style);
  pango_layout_set_width (writer->layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (writer->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize (writer->layout, max_lines > 0 ? PANGO_ELLIPSIZE_END : ellipsize);
  pango_layout_set_height (writer->layout, max_lines > 0 ? -max_lines : -1);
  g_autofree char *visible = fovea_visible_text (text, FOVEA_VISIBLE_TEXT_KEEP_NEWLINES);
  pango_layout_set_text (writer->layout, visible, -1);
}

static void
prepare (ReportWriter *writer, ReportStyle style, const char *text, double width,
         PangoEllipsizeMode ellipsize)
{
  prepare_lines (writer, style, text, width, ellipsize, 0);
}

static double
layout_height (ReportWriter *writer)
{
  int w, h;
  pango_layout_get_size (writer->layout, &w, &h);
  return (double) h / PANGO_SCALE;
}

static double
show_layout (ReportWriter *writer, double x, double y, const double rgb[3])
{
  cairo_set_source_rgb (writer->cr, rgb[0], rgb[1], rgb[2]);
  cairo_move_to (writer->cr, x, y);
  pango_cairo_show_layout (writer->cr, writer->layout);
  return layout_height (writer);
}

double
report_measure (ReportWriter *writer, ReportStyle style, const char *text, double width)
{
  prepare (writer, style, text, width, PANGO_ELLIPSIZE_NONE);
  return layout_height (writer);
}

double
report_draw_text (ReportWriter *writer, ReportStyle style, const char *text, double x,
                  double y, double width, PangoEllipsizeMode ellipsize, const double rgb[3])
{
  prepare (writer, style, text, width, ellipsize);
  return show_layout (writer, x, y, rgb);
}

static void
draw_footer (ReportWriter *writer)
{
  cairo_t *cr = writer->cr;
  double top = REPORT_PAGE_HEIGHT - REPORT_MARGIN - REPORT_FOOTER + 12;
  cairo_set_source_rgb (cr, 0.75, 0.77, 0.80);
  cairo_set_line_width (cr, 0.5);
  cairo_move_to (cr, REPORT_MARGIN, top);
  cairo_line_to (cr, REPORT_PAGE_WIDTH - REPORT_MARGIN, top);
  cairo_stroke (cr);

  const char *version = writer->info->software_version != NULL
                          ? writer->info->software_version : FOVEA_VERSION;
  g_autofree char *left = g_strdup_printf (_("Fovea %s · generated %s"),
                                           version, writer->generated);
  /* The second pass knows the total; the first only counts. */
  g_autofree char *right = g_strdup_printf (_("Page %d of %d"), writer->page,
                                            writer->n_pages > 0 ? writer->n_pages : writer->page);
  double right_width = 90;
  double h = report_draw_text (writer, REPORT_SMALL_BOLD,
                               _("AI-generated; requires clinician review."),
                               REPORT_MARGIN, top + 4, REPORT_CONTENT_WIDTH - right_width,
                               TRUE, report_grey);
  report_draw_text (writer, REPORT_SMALL, left, REPORT_MARGIN, top + 4 + h,
                    REPORT_CONTENT_WIDTH - right_width, PANGO_ELLIPSIZE_END, report_grey);
  prepare (writer, REPORT_SMALL, right, right_width, PANGO_ELLIPSIZE_NONE);
  pango_layout_set_alignment (writer->layout, PANGO_ALIGN_RIGHT);
  cairo_set_source_rgb (cr, report_grey[0], report_grey[1], report_grey[2]);
  cairo_move_to (cr, REPORT_PAGE_WIDTH - REPORT_MARGIN - right_width, top + 4);
  pango_cairo_show_layout (cr, writer->layout);
  pango_layout_set_alignment (writer->layout, PANGO_ALIGN_LEFT);
}

void
report_finish_page (ReportWriter *writer)
{
  draw_footer (writer);
  cairo_show_page (writer->cr);
}

void
report_new_page (ReportWriter *writer)
{
  if (writer->page > 0)
    report_finish_page (writer);
  writer->page++;
  writer->y = REPORT_MARGIN;
}

/* A continuation page carries a one-line running title. */
static void
continue_page (ReportWriter *writer)
{
  report_new_page (writer);
  g_autofree char *text = g_strdup_printf (_("%s (continued)"), writer->running_title);
  double h = report_draw_text (writer, REPORT_SMALL, text, REPORT_MARGIN, writer->y,
                               REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_END, report_grey);
  writer->y += h + 10;
}

void
report_ensure (ReportWriter *writer, double height)
{
  if (writer->page == 0)
    report_new_page (writer);
  else if (writer->y + height > REPORT_PAGE_HEIGHT - REPORT_MARGIN - REPORT_FOOTER)
    continue_page (writer);
}

void
report_gap (ReportWriter *writer, double points)
{
  writer->y += points;
}

void
report_paragraph (ReportWriter *writer, ReportStyle style, const char *text,
                  const double rgb[3])
{
  /* Long text is split line by line so that it can cross a page. */
  prepare (writer, style, text, REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE);
  int n_lines = pango_layout_get_line_count (writer->layout);
  int w, h;
  pango_layout_get_size (writer->layout, &w, &h);
  double total = (double) h / PANGO_SCALE;
  if (n_lines <= 1 || writer->y + total <= REPORT_PAGE_HEIGHT - REPORT_MARGIN - REPORT_FOOTER)
    {
      report_ensure (writer, total);
      writer->y += report_draw_text (writer, style, text, REPORT_MARGIN, writer->y,
                                     REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE, rgb);
      return;
    }
  /* What prepare lays out (escaping twice changes nothing), so that the
   * lines' byte offsets index it. */
  g_autofree char *copy = fovea_visible_text (text, FOVEA_VISIBLE_TEXT_KEEP_NEWLINES);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  prepare (writer, style, copy, REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE);
  for (int i = 0; i < n_lines; i++)
    {
      PangoLayoutLine *line = pango_layout_get_line_readonly (writer->layout, i);
      g_ptr_array_add (lines, g_strndup (copy + line->start_index, (gsize) line->length));
    }
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = lines->pdata[i];
      double lh = report_measure (writer, style, line, REPORT_CONTENT_WIDTH);
      report_ensure (writer, lh);
      writer->y += report_draw_text (writer, style, line, REPORT_MARGIN, writer->y,
                                     REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE, rgb);
    }
}

void
report_heading (ReportWriter *writer, const char *text)
{
  /* Keep a heading with at least a few lines of what follows. */
  double h = report_measure (writer, REPORT_HEADING, text, REPORT_CONTENT_WIDTH);
  report_ensure (writer, h + 48);
  writer->y += 6;
  writer->y += report_draw_text (writer, REPORT_HEADING, text, REPORT_MARGIN, writer->y,
                                 REPORT_CONTENT_WIDTH, PANGO_ELLIPSIZE_NONE, report_ink);
  cairo_set_source_rgb (writer->cr, 0.80, 0.82, 0.85);
  cairo_set_line_width (writer->cr, 0.6);
  cairo_move_to (writer->cr, REPORT_MARGIN, writer->y + 2);
  cairo_line_to (writer->cr, REPORT_PAGE_WIDTH - REPORT_MARGIN, writer->y + 2);
  cairo_stroke (writer->cr);
  writer->y += 7;
}

void
report_field_styled (ReportWriter *writer, const char *label, const char *value, double x,
                     double width, double label_width, ReportStyle style)
{
  g_autofree char *shown = report_clip (value, FIELD_MAX_CHARS);
  prepare_lines (writer, style, shown, width - label_width, PANGO_ELLIPSIZE_NONE,
                 FIELD_MAX_LINES);
  double vh = layout_height (writer);
  report_ensure (writer, vh);
  report_draw_text (writer, REPORT_NORMAL, label, x, writer->y, label_width - 6, PANGO_ELLIPSIZE_NONE,
                    report_grey);
  prepare_lines (writer, style, shown, width - label_width, PANGO_ELLIPSIZE_NONE,
                 FIELD_MAX_LINES);
  show_layout (writer, x + label_width, writer->y + (style == REPORT_MONO_SMALL ? 2 : 0),
               report_ink);
  writer->y += MAX (vh, 12) + 3;
}

void
report_field (ReportWriter *writer, const char *label, const char *value, double x,
              double width, double label_width)
{
  report_field_styled (writer, label, value, x, width, label_width, REPORT_NORMAL);
}

void
report_banner (ReportWriter *writer, const char *text, const double fill[3],
               const double ink[3])
{
  const double pad = 6;
  double h = report_measure (writer, REPORT_BOLD, text, REPORT_CONTENT_WIDTH - 2 * pad);
  report_ensure (writer, h + 2 * pad);
  cairo_set_source_rgb (writer->cr, fill[0], fill[1], fill[2]);
  cairo_rectangle (writer->cr, REPORT_MARGIN, writer->y, REPORT_CONTENT_WIDTH, h + 2 * pad);
  cairo_fill (writer->cr);
  report_draw_text (writer, REPORT_BOLD, text, REPORT_MARGIN + pad, writer->y + pad,
                    REPORT_CONTENT_WIDTH - 2 * pad, PANGO_ELLIPSIZE_NONE, ink);
  writer->y += h + 2 * pad + 6;
}
