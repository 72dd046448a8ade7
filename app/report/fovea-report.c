/* fovea-report.c: the public entry points and the two-pass write (pages
 * counted, then rendered and written atomically). */
#define G_LOG_DOMAIN "fovea-report"

#include "config.h"

#include <cairo-pdf.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "fovea-output-guard.h"
#include "fovea-report-private.h"

G_DEFINE_QUARK (fovea-report-error-quark, fovea_report_error)

typedef struct {
  GByteArray *bytes;  /* NULL: count only, throw the bytes away */
} ReportSink;

static cairo_status_t
write_sink (void *closure, const unsigned char *data, unsigned int length)
{
  ReportSink *sink = closure;
  if (sink->bytes != NULL)
    g_byte_array_append (sink->bytes, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static char *
format_pdf_date (GDateTime *now)
{
  /* ISO 8601 with the offset, as cairo_pdf_surface_set_metadata wants it. */
  g_autofree char *base = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");
  GTimeSpan offset = g_date_time_get_utc_offset (now) / G_TIME_SPAN_MINUTE;
  char sign = offset < 0 ? '-' : '+';
  if (offset < 0)
    offset = -offset;
  return g_strdup_printf ("%s%c%02d:%02d", base, sign, (int) (offset / 60), (int) (offset % 60));
}

/* One pass: renders into a PDF surface on sink; returns the page count, or
 * -1 with error. */
static int
render_pass (ReportSink *sink, const char *title, const FoveaReportInfo *info,
             GDateTime *now, int n_pages, ReportRenderFunc render, gpointer data,
             GError **error)
{
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (write_sink, sink,
                                                                  REPORT_PAGE_WIDTH,
                                                                  REPORT_PAGE_HEIGHT);
  g_autofree char *date = format_pdf_date (now);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR, "Fovea");
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Fovea " FOVEA_VERSION);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATE_DATE, date);

  cairo_t *cr = cairo_create (surface);
  ReportWriter writer = {
    .cr = cr,
    .layout = pango_cairo_create_layout (cr),
    .info = info,
    .running_title = title,
    .generated = g_date_time_format (now, "%Y-%m-%d %H:%M"),
    .n_pages = n_pages,
  };
  /* Font sizes are points on the page. */
  pango_cairo_context_set_resolution (pango_layout_get_context (writer.layout), 72);
  pango_layout_context_changed (writer.layout);
  render (&writer, data);
  if (writer.page > 0)
    report_finish_page (&writer);

  cairo_status_t status = cairo_status (cr);
  g_object_unref (writer.layout);
  g_free (writer.generated);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_FAILED,
                   _("Could not render the report: %s"), cairo_status_to_string (status));
      return -1;
    }
  return writer.page;
}

gboolean
report_write_document (const char *path, const char *title, const FoveaReportInfo *info,
                       ReportRenderFunc render, gpointer data, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  static const FoveaReportInfo no_info = { 0 };
  if (info == NULL)
    info = &no_info;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();

  /* Pass 1 counts the pages. */
  ReportSink counter = { NULL };
  int n_pages = render_pass (&counter, title, info, now, 0, render, data, error);
  if (n_pages < 0)
    return FALSE;

  /* Pass 2 renders in memory; the file is written whole by the one atomic
   * writer (a temporary beside it, renamed; a link at path is replaced). */
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  ReportSink sink = { bytes };
  if (render_pass (&sink, title, info, now, n_pages, render, data, error) < 0)
    return FALSE;
  g_autoptr (GError) local = NULL;
  if (!fovea_output_write_atomic (path, bytes->data, bytes->len, 0644, &local))
    {
      g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_WRITE,
                   _("Could not write the report “%s”: %s"), path, local->message);
      return FALSE;
    }
  return TRUE;
}

/* Every public writer comes here: never over a graded image; a .dcm name
 * gets a DICOM Encapsulated PDF, any other a PDF. */
static gboolean
report_write (const char *path, const char *title, const FoveaReportInfo *info,
              FoveaGradeRecord *const *records, guint n_records,
              ReportRenderFunc render, gpointer data, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (!report_check_not_source (path, records, n_records, error))
    return FALSE;
  if (report_path_is_dicom (path))
    return report_write_dicom (path, title, info, records, n_records, render, data, error);
  return report_write_document (path, title, info, render, data, error);
}

typedef struct {
  FoveaGradeRecord *const *records;
  const FoveaImage *const *images;
  guint                    n_records;
  const ReportImageItem   *single;
  const FoveaSegResult *const *segmentations;  /* may be NULL */
} ImagesDoc;

/* A record of another task on the same image file whose validated
 * referral rule refers it, or NULL. */
static const FoveaGradeRecord *
referring_record (FoveaGradeRecord *const *records, guint n_records,
                  const FoveaGradeRecord *record)
{
  for (guint i = 0; i < n_records; i++)
    {
      const FoveaGradeRecord *other = records[i];
      if (other != record && g_strcmp0 (other->path, record->path) == 0 &&
          other->error == NULL && other->quality.gradable && other->calibrated &&
          other->validated && other->has_referable && other->referable)
        return other;
    }
  return NULL;
}

static void
render_images (ReportWriter *writer, gpointer data)
{
  const ImagesDoc *doc = data;
  if (doc->single != NULL)
    {
      report_render_image_item (writer, doc->single);
      return;
    }
  for (guint i = 0; i < doc->n_records; i++)
    {
      ReportImageItem item = {
        .record = doc->records[i],
        .image = doc->images != NULL ? doc->images[i] : NULL,
        .referred_by = referring_record (doc->records, doc->n_records, doc->records[i]),
        .segmentation = doc->segmentations != NULL ? doc->segmentations[i] : NULL,
      };
      report_render_image_item (writer, &item);
    }
}

#define TITLE_MAX_PATIENT_CHARS 64

static char *
image_title (const FoveaGradeRecord *record)
{
  /* The title is also every continuation page's header: one short line. */
  if (record->patient_id != NULL && record->patient_id[0] != '\0')
    {
      g_autofree char *patient = report_clip (record->patient_id, TITLE_MAX_PATIENT_CHARS);
      return g_strdup_printf (_("Fovea grading report: %s"), patient);
    }
  return g_strdup (_("Fovea grading report"));
}

gboolean
fovea_report_write_image (const FoveaGradeRecord *record, const FoveaImage *image,
                          const float *overlay, int overlay_width, int overlay_height,
                          const FoveaReportInfo *info, const char *path, GError **error)
{
  return fovea_report_write_image_segmented (record, image, overlay, overlay_width,
                                             overlay_height, NULL, info, path, error);
}

gboolean
fovea_report_write_image_segmented (const FoveaGradeRecord *record, const FoveaImage *image,
                                    const float *overlay, int overlay_width, int overlay_height,
                                    const FoveaSegResult *segmentation,
                                    const FoveaReportInfo *info, const char *path,
                                    GError **error)
{
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (overlay == NULL || (overlay_width > 0 && overlay_height > 0), FALSE);
  const ReportImageItem item = { record, image, overlay, overlay_width, overlay_height, NULL,
                                 segmentation };
  const ImagesDoc doc = { .single = &item };
  g_autofree char *title = image_title (record);
  FoveaGradeRecord *const records[] = { (FoveaGradeRecord *) record };
  return report_write (path, title, info, records, 1, render_images, (gpointer) &doc, error);
}

gboolean
fovea_report_write_images (FoveaGradeRecord *const *records, const FoveaImage *const *images,
                           guint n_records, const FoveaReportInfo *info, const char *path,
                           GError **error)
{
  return fovea_report_write_images_segmented (records, images, NULL, n_records, info, path,
                                              error);
}

gboolean
fovea_report_write_images_segmented (FoveaGradeRecord *const *records,
                                     const FoveaImage *const *images,
                                     const FoveaSegResult *const *segmentations,
                                     guint n_records, const FoveaReportInfo *info,
                                     const char *path, GError **error)
{
  g_return_val_if_fail (records != NULL || n_records == 0, FALSE);
  if (n_records == 0)
    {
      g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_FAILED,
                   _("Nothing to report: no images"));
      return FALSE;
    }
  const ImagesDoc doc = { records, images, n_records, NULL, segmentations };
  g_autofree char *title = image_title (records[0]);
  return report_write (path, title, info, records, n_records, render_images, (gpointer) &doc,
                       error);
}

typedef struct {
  FoveaGradeRecord *const *records;
  guint                    n_records;
} BatchDoc;

static void
render_batch (ReportWriter *writer, gpointer data)
{
  const BatchDoc *doc = data;
  report_render_batch (writer, doc->records, doc->n_records);
}

gboolean
fovea_report_write_batch (FoveaGradeRecord *const *records, guint n_records,
                          const FoveaReportInfo *info, const char *path, GError **error)
{
  g_return_val_if_fail (records != NULL || n_records == 0, FALSE);
  const BatchDoc doc = { records, n_records };
  return report_write (path, _("Fovea batch grading summary"), info, records, n_records,
                       render_batch, (gpointer) &doc, error);
}
