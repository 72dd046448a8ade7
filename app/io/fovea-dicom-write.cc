/* fovea-dicom-write.cc: a PDF report as a DICOM Encapsulated PDF object
 * (PS3.3 A.45.1), through DCMTK's data model, so that a PACS files it in
 * the patient's study beside the images it grades. fovea-dicom-read.cc says
 * why DCMTK. */
#define G_LOG_DOMAIN "fovea-dicom-write"

#include "config.h"

#include "dcmtk/config/osconfig.h"

#include "dcmtk/dcmdata/dctk.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <new>
#include <unistd.h>

#include "fovea-dicom-private.h"
#include "fovea-dicom.h"

/* A series number no modality uses, so the report sorts after the images. */
#define REPORT_SERIES_NUMBER "9001"

namespace {

/* Puts string values in order; remembers the first failure. */
struct Writer
{
  DcmItem    *item;
  OFCondition cond = EC_Normal;
  const char *failed_tag = NULL;

  void put (const DcmTagKey &key, const char *value)
  {
    if (cond.bad ())
      return;
    cond = item->putAndInsertString (key, value != NULL ? value : "");
    if (cond.bad ())
      failed_tag = DcmTag (key).getTagName ();
  }
};

const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

}  /* namespace */

/* The source image, named in Source Instance Sequence (0042,0013), so a
 * viewer can go from the report to what it is about. */
static OFCondition
add_source_reference (DcmDataset *set, const FoveaDicomTags *study)
{
  if (study->sop_class_uid[0] == '\0' || study->sop_instance_uid[0] == '\0')
    return EC_Normal;
  DcmItem *item = NULL;
  OFCondition cond = set->findOrCreateSequenceItem (DCM_SourceInstanceSequence, item, -2);
  if (cond.good ())
    cond = item->putAndInsertString (DCM_ReferencedSOPClassUID, study->sop_class_uid);
  if (cond.good ())
    cond = item->putAndInsertString (DCM_ReferencedSOPInstanceUID, study->sop_instance_uid);
  return cond;
}

static gboolean
fill_dataset (DcmDataset *set, const guint8 *pdf, gsize length, const FoveaDicomPdfInfo *info,
              const char *path, GError **error)
{
  const FoveaDicomTags *study = info->study;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y%m%d");
  g_autofree char *time = g_date_time_format (now, "%H%M%S");
  g_autofree char *date_time = g_strconcat (date, time, NULL);
  g_autofree char *sop_instance_uid = fovea_dicom_new_uid ();
  g_autofree char *series_uid = fovea_dicom_new_uid ();
  g_autofree char *new_study_uid = NULL;
  const char *study_uid = study != NULL ? study->study_instance_uid : "";
  if (study_uid[0] == '\0')
    study_uid = new_study_uid = fovea_dicom_new_uid ();

  Writer w = { set };
  /* Names and titles are UTF-8. */
  w.put (DCM_SpecificCharacterSet, "ISO_IR 192");
  w.put (DCM_SOPClassUID, UID_EncapsulatedPDFStorage);
  w.put (DCM_SOPInstanceUID, sop_instance_uid);
  w.put (DCM_InstanceCreationDate, date);
  w.put (DCM_InstanceCreationTime, time);
  /* Patient and study: the source's, else the report's own. */
  w.put (DCM_PatientID, study != NULL ? study->patient_id : or_empty (info->patient_id));
  w.put (DCM_PatientName, study != NULL ? study->patient_name : or_empty (info->patient_name));
  w.put (DCM_PatientBirthDate, study != NULL ? study->birth_date : "");
  w.put (DCM_PatientSex, study != NULL ? study->sex : "");
  w.put (DCM_StudyInstanceUID, study_uid);
  w.put (DCM_StudyDate, study != NULL ? study->study_date : date);
  w.put (DCM_StudyTime, study != NULL ? study->study_time : time);
  w.put (DCM_StudyID, study != NULL ? study->study_id : "");
  w.put (DCM_AccessionNumber, study != NULL ? study->accession_number : "");
  w.put (DCM_ReferringPhysicianName, study != NULL ? study->referring_physician : "");
  if (study != NULL && study->study_description[0] != '\0')
    w.put (DCM_StudyDescription, study->study_description);
  /* A new series of its own: documents are not images. */
  w.put (DCM_Modality, "DOC");
  w.put (DCM_SeriesInstanceUID, series_uid);
  w.put (DCM_SeriesNumber, REPORT_SERIES_NUMBER);
  w.put (DCM_SeriesDescription, "Fovea report");
  w.put (DCM_InstanceNumber, "1");
  /* The software that made it, as equipment. */
  w.put (DCM_Manufacturer, "Fovea");
  w.put (DCM_ManufacturerModelName, "Fovea");
  w.put (DCM_SoftwareVersions,
         info->software_version != NULL ? info->software_version : FOVEA_VERSION);
  w.put (DCM_ConversionType, "WSD");
  w.put (DCM_ContentDate, date);
  w.put (DCM_ContentTime, time);
  w.put (DCM_AcquisitionDateTime, date_time);
  /* The PDF names the patient on every page. */
  w.put (DCM_BurnedInAnnotation, "YES");
  w.put (DCM_DocumentTitle,
         info->document_title != NULL ? info->document_title : "Fovea grading report");
  w.put (DCM_MIMETypeOfEncapsulatedDocument, "application/pdf");
  if (w.cond.bad ())
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_INVALID,
                   "“%s”: DICOM %s could not be set: %s", path, w.failed_tag, w.cond.text ());
      return FALSE;
    }

  OFCondition cond = set->insertEmptyElement (DCM_ConceptNameCodeSequence);
  if (cond.good () && study != NULL)
    cond = add_source_reference (set, study);
  if (cond.good ())
    cond = set->putAndInsertUint32 (DCM_EncapsulatedDocumentLength, (Uint32) length);
  /* An odd length is padded with one zero byte as it is written; the
   * length above says where the PDF ends. */
  if (cond.good ())
    cond = set->putAndInsertUint8Array (DCM_EncapsulatedDocument, pdf, (unsigned long) length);
  if (cond.bad ())
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_INVALID,
                   "“%s”: the DICOM document could not be assembled: %s", path, cond.text ());
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_atomically (DcmFileFormat &file, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_WRITE,
                   "Could not create “%s”: %s", path, g_strerror (errsv));
      return FALSE;
    }
  close (fd);
  OFCondition cond = file.saveFile (tmp, EXS_LittleEndianExplicit);
  if (cond.bad ())
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_WRITE,
                   "Could not write “%s”: %s", path, cond.text ());
      g_unlink (tmp);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_WRITE,
                   "Could not write “%s”: %s", path, g_strerror (errsv));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_dicom_write_pdf (const guint8 *pdf, gsize length, const FoveaDicomPdfInfo *info,
                       const char *path, GError **error)
{
  g_return_val_if_fail (info != NULL && path != NULL, FALSE);
  /* OB values hold at most 2^32 - 2 bytes. */
  if (pdf == NULL || length == 0 || length > G_MAXUINT32 - 1)
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_INVALID,
                   "“%s”: a PDF of %" G_GSIZE_FORMAT " bytes cannot be encapsulated",
                   path, length);
      return FALSE;
    }
  fovea_dicom_init ();
  try
    {
      DcmFileFormat file;
      if (!fill_dataset (file.getDataset (), pdf, length, info, path, error))
        return FALSE;
      return save_atomically (file, path, error);
    }
  catch (const std::bad_alloc &)
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_WRITE,
                   "“%s”: out of memory writing the DICOM document", path);
      return FALSE;
    }
}
