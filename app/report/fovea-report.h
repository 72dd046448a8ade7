/* fovea-report.h: PDF reports (Cairo PDF surface + Pango).
 *
 * A per-image report is one A4 page-set: header (patient, exam date, eye,
 * site, operator), a thumbnail with the overlay if any, the quality verdict,
 * the result (or "Uncalibrated raw output" without a card), referable and
 * the rule, the model and its card, the recommendation, the statements, and
 * "Page X of Y"; with a segmentation, its section follows (outlines, models,
 * measurements). A batch summary counts grades and lists the referable and
 * ungradable files, then a per-file table across pages.
 *
 * User strings (patient ID, site, operator, file names) are set as plain
 * text, never as markup. Files are written atomically: a temporary file in
 * the same folder, then rename; on error nothing is left behind, and a
 * report never replaces one of the images it grades.
 *
 * A path ending in .dcm gets the PDF as a DICOM Encapsulated PDF object
 * (fovea-dicom.h): in the study of the graded images when they are DICOM
 * (all of one study and patient, or it is an error), else in a new study
 * whose Patient ID is the first record's. */
#pragma once

#include "fovea-grade-record.h"
#include "fovea-image.h"
#include "fovea-seg-tasks.h"

G_BEGIN_DECLS

#define FOVEA_REPORT_ERROR (fovea_report_error_quark ())

typedef enum {
  FOVEA_REPORT_ERROR_FAILED,   /* Cairo or Pango could not render */
  FOVEA_REPORT_ERROR_WRITE,    /* the file could not be written */
} FoveaReportError;

/* Every field may be NULL: it then prints as "—" (software_version defaults
 * to the build's version). */
typedef struct {
  const char *site;
  const char *operator_name;
  const char *exam_date;        /* free text, e.g. "2024-05-01" */
  const char *software_version;
  const char *overlay_name;     /* what the thumbnail's heat-map shows */
} FoveaReportInfo;

GQuark   fovea_report_error_quark (void);

/* One image: one or more A4 pages. image is for the thumbnail and may be
 * NULL; overlay, when not NULL, is overlay_width × overlay_height values in
 * 0..1 aligned to the image and drawn as a heat-map over the thumbnail. */
gboolean fovea_report_write_image (const FoveaGradeRecord *record,
                                   const FoveaImage       *image,
                                   const float            *overlay,
                                   int                     overlay_width,
                                   int                     overlay_height,
                                   const FoveaReportInfo  *info,
                                   const char             *path,
                                   GError                **error);

/* The same with the image's segmentation (NULL: none): its section after
 * the page-set, as fovea_report_write_images_segmented draws it. */
gboolean fovea_report_write_image_segmented (const FoveaGradeRecord *record,
                                             const FoveaImage       *image,
                                             const float            *overlay,
                                             int                     overlay_width,
                                             int                     overlay_height,
                                             const FoveaSegResult   *segmentation,
                                             const FoveaReportInfo  *info,
                                             const char             *path,
                                             GError                **error);

/* Several images in one file: one page-set per record, each with its own
 * thumbnail (images[i] may be NULL, images itself may be NULL). "Page X of
 * Y" counts the whole file. */
gboolean fovea_report_write_images (FoveaGradeRecord *const *records,
                                    const FoveaImage *const *images,
                                    guint                    n_records,
                                    const FoveaReportInfo   *info,
                                    const char              *path,
                                    GError                 **error);

/* The same with each image's segmentation (segmentations[i] for
 * records[i]; it or the array may be NULL): after the image's page-set, a
 * section with the image and the labels' outlines in their cards' colours
 * (a legend beside it), each model with its research-use and validation
 * label, and a table of the measurements with their units. */
gboolean fovea_report_write_images_segmented (FoveaGradeRecord *const *records,
                                              const FoveaImage *const *images,
                                              const FoveaSegResult *const *segmentations,
                                              guint                    n_records,
                                              const FoveaReportInfo   *info,
                                              const char              *path,
                                              GError                 **error);

/* The batch summary: counts by grade, the referable list, the ungradable
 * (and failed) list, then a per-file table across as many pages as needed. */
gboolean fovea_report_write_batch (FoveaGradeRecord *const *records,
                                   guint                    n_records,
                                   const FoveaReportInfo   *info,
                                   const char              *path,
                                   GError                 **error);

G_END_DECLS
