/* fovea-report-dicom.c: a report written to a name ending in .dcm becomes
 * a DICOM Encapsulated PDF (fovea-dicom.h), in the graded images' study
 * when they are DICOM, so that it can go back to the PACS. */
#define G_LOG_DOMAIN "fovea-report-dicom"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fovea-dicom.h"
#include "fovea-report-private.h"

gboolean
report_path_is_dicom (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".dcm");
}

gboolean
report_check_not_source (const char *path, FoveaGradeRecord *const *records, guint n_records,
                         GError **error)
{
  GStatBuf target;
  if (g_stat (path, &target) != 0)
    return TRUE;  /* a new file cannot be an input */
  for (guint i = 0; i < n_records; i++)
    {
      GStatBuf source;
      if (records[i]->path != NULL && g_stat (records[i]->path, &source) == 0 &&
          source.st_dev == target.st_dev && source.st_ino == target.st_ino)
        {
          g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_WRITE,
                       _("“%s” is one of the graded images: a report never replaces its source"),
                       path);
          return FALSE;
        }
    }
  return TRUE;
}

/* The study of the records' DICOM images; NULL (and no error) when none
 * is DICOM. One report belongs to one study: images of several are an error. */
static FoveaDicomTags *
find_study (FoveaGradeRecord *const *records, guint n_records, GError **error)
{
  FoveaDicomTags *study = NULL;
  for (guint i = 0; i < n_records; i++)
    {
      const char *source = records[i]->path;
      if (source == NULL || !fovea_dicom_is_file (source))
        continue;
      g_autoptr (FoveaDicomTags) tags = fovea_dicom_read_tags (source, error);
      if (tags == NULL)
        {
          fovea_dicom_tags_free (study);
          return NULL;
        }
      if (study == NULL)
        {
          study = g_steal_pointer (&tags);
          continue;
        }
      if (g_strcmp0 (study->study_instance_uid, tags->study_instance_uid) != 0 ||
          g_strcmp0 (study->patient_id, tags->patient_id) != 0)
        {
          g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_FAILED,
                       _("A DICOM report belongs to one study, but “%s” and “%s” are from "
                         "different studies or patients"), records[0]->path, source);
          fovea_dicom_tags_free (study);
          return NULL;
        }
    }
  return study;
}

gboolean
report_write_dicom (const char *path, const char *title, const FoveaReportInfo *info,
                    FoveaGradeRecord *const *records, guint n_records,
                    ReportRenderFunc render, gpointer data, GError **error)
{
  GError *local = NULL;
  g_autoptr (FoveaDicomTags) study = find_study (records, n_records, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }

  /* The PDF is made beside the target (report_write_document's atomic
   * write), read back, and removed once encapsulated. */
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *pdf_path = g_strdup_printf ("%s/.%s.pdf.XXXXXX", dir, base);
  int fd = g_mkstemp (pdf_path);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, FOVEA_REPORT_ERROR, FOVEA_REPORT_ERROR_WRITE,
                   _("Could not create the report “%s”: %s"), path, g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  g_autofree char *pdf = NULL;
  gsize length = 0;
  gboolean ok = report_write_document (pdf_path, title, info, render, data, error) &&
                g_file_get_contents (pdf_path, &pdf, &length, error);
  g_unlink (pdf_path);
  if (!ok)
    return FALSE;

  const FoveaDicomPdfInfo dicom = {
    .study = study,
    .patient_id = n_records > 0 ? records[0]->patient_id : NULL,
    .document_title = title,
    .software_version = info != NULL ? info->software_version : NULL,
  };
  return fovea_dicom_write_pdf ((const guint8 *) pdf, length, &dicom, path, error);
}
