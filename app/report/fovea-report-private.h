/* fovea-report-private.h: the page writer the report layouts share.
 *
 * Layout is a single flowing column on A4 (points). A document is rendered
 * twice: once into a PDF surface whose bytes are thrown away, to count its
 * pages, then for real, so that every footer can say "Page X of Y". */
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include "fovea-report.h"

G_BEGIN_DECLS

#define REPORT_PAGE_WIDTH  595.276   /* A4, points */
#define REPORT_PAGE_HEIGHT 841.890
#define REPORT_MARGIN      48.0
#define REPORT_FOOTER      40.0      /* reserved at the bottom of each page */
#define REPORT_CONTENT_WIDTH (REPORT_PAGE_WIDTH - 2 * REPORT_MARGIN)

typedef struct {
  cairo_t              *cr;
  PangoLayout          *layout;
  const FoveaReportInfo *info;
  const char           *running_title;  /* top of every page after the first */
  char                 *generated;      /* generation time, local, for the footer */
  double                y;              /* next free line */
  int                   page;           /* 1-based, the page being drawn; 0 before any */
  int                   n_pages;        /* total (second pass); 0 while counting */
} ReportWriter;

typedef enum {
  REPORT_NORMAL,
  REPORT_BOLD,
  REPORT_SMALL,
  REPORT_SMALL_BOLD,
  REPORT_HEADING,
  REPORT_TITLE,
  REPORT_MONO_SMALL,
} ReportStyle;

/* Renders a document into cr; the same callback runs in both passes. */
typedef void (*ReportRenderFunc) (ReportWriter *writer, gpointer data);

/* fovea-report.c */
gboolean report_write_document (const char            *path,
                                const char            *title,
                                const FoveaReportInfo *info,
                                ReportRenderFunc       render,
                                gpointer               data,
                                GError               **error);

/* fovea-report-dicom.c */
/* TRUE when path ends in .dcm (any case): the report is then DICOM. */
gboolean report_path_is_dicom    (const char              *path);
/* FALSE, with error, when path is the file of one of the records. */
gboolean report_check_not_source (const char              *path,
                                  FoveaGradeRecord *const *records,
                                  guint                    n_records,
                                  GError                 **error);
/* Renders the PDF, then writes it to path as a DICOM Encapsulated PDF in
 * the records' study (their DICOM tags), or in a new study. */
gboolean report_write_dicom      (const char              *path,
                                  const char              *title,
                                  const FoveaReportInfo   *info,
                                  FoveaGradeRecord *const *records,
                                  guint                    n_records,
                                  ReportRenderFunc         render,
                                  gpointer                 data,
                                  GError                 **error);

/* fovea-report-page.c: text is always set as plain text, never markup. */
void   report_new_page     (ReportWriter *writer);
void   report_finish_page  (ReportWriter *writer);
/* Starts a new page unless height points are left on this one. */
void   report_ensure       (ReportWriter *writer, double height);
void   report_set_style    (ReportWriter *writer, ReportStyle style);
/* Height of text in the style at width (ellipsize: one line only). */
double report_measure      (ReportWriter *writer, ReportStyle style, const char *text,
                            double width);
/* Draws text at (x, y) wrapped to width; returns its height. Does not move
 * the cursor. */
double report_draw_text    (ReportWriter *writer, ReportStyle style, const char *text,
                            double x, double y, double width, PangoEllipsizeMode ellipsize,
                            const double rgb[3]);
/* A flowing paragraph at the cursor, page-broken as needed; moves the cursor. */
void   report_paragraph    (ReportWriter *writer, ReportStyle style, const char *text,
                            const double rgb[3]);
void   report_heading      (ReportWriter *writer, const char *text);
/* "label   value" on one row (value wraps); moves the cursor. */
void   report_field        (ReportWriter *writer, const char *label, const char *value,
                            double x, double width, double label_width);
/* A filled box with bold text across the content width. */
void   report_field_styled (ReportWriter *writer, const char *label, const char *value,
                            double x, double width, double label_width, ReportStyle style);
void   report_banner       (ReportWriter *writer, const char *text, const double fill[3],
                            const double ink[3]);
void   report_gap          (ReportWriter *writer, double points);

/* Colours. */
extern const double report_ink[3];
extern const double report_grey[3];
extern const double report_red[3];
extern const double report_amber[3];
extern const double report_green[3];
extern const double report_white[3];
extern const double report_pale[3];

/* fovea-report-image.c */
typedef struct {
  const FoveaGradeRecord *record;
  const FoveaImage       *image;
  const float            *overlay;
  int                     overlay_width, overlay_height;
  /* Another validated task that refers the same image, or NULL: then this
   * page must not recommend routine rescreening either. */
  const FoveaGradeRecord *referred_by;
  /* The image's segmentation (fovea-seg-tasks.h), or NULL: then no
   * segmentation section. */
  const FoveaSegResult   *segmentation;
} ReportImageItem;

void        report_render_image_item (ReportWriter *writer, const ReportImageItem *item);

/* fovea-report-text.c: the shared wording. All returned strings are newly
 * allocated unless const. */
const char *report_dash              (const char *value);
char       *report_quality_reasons   (const FoveaQualityReport *quality);
char       *report_result_text       (const FoveaGradeRecord *record);
/* A class as people read it: "Melanoma (MEL)" when the card spells labels
 * out, else the label; index is into record->labels, or -1 for
 * record->label. */
char       *report_class_text        (const FoveaGradeRecord *record,
                                      int                     index);
const char *report_recommendation    (const FoveaGradeRecord *record);
char       *report_referable_text    (const FoveaGradeRecord *record);
const char *report_eye_text          (const char *eye);
/* value cut to max_chars characters, ending in "…" when cut: for a value
 * from data in a one-line place (the title, the running header). */
char       *report_clip              (const char *value, glong max_chars);

/* fovea-report-thumbnail.c: an RGB thumbnail with the heat-map blended in,
 * at most max_pixels on its long side; NULL without an image. */
cairo_surface_t *report_thumbnail_new (const FoveaImage *image, const float *overlay,
                                       int overlay_width, int overlay_height, int max_pixels);

/* fovea-report-outline.c: the thumbnail with each segmentation label's
 * outline in its card's colour; NULL without an image. */
cairo_surface_t *report_outline_thumbnail_new (const FoveaImage     *image,
                                               const FoveaSegResult *result,
                                               int                   max_pixels);

/* fovea-report-segmentation.c: the section of an image's segmentation:
 * its models and their validation, the outlined image with a legend, and
 * the table of measurements. */
void report_render_segmentation (ReportWriter *writer, const FoveaImage *image,
                                 const FoveaSegResult *result);

/* fovea-report-batch.c */
void report_render_batch (ReportWriter *writer, FoveaGradeRecord *const *records,
                          guint n_records);

G_END_DECLS
