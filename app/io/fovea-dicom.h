/* fovea-dicom.h: DICOM in and out, through DCMTK (fovea-dicom-read.cc,
 * fovea-dicom-write.cc) behind a C API.
 *
 * Reading: the first frame of an image object becomes a FoveaImage through
 * fovea_decode_file/memory (the format is FOVEA_FORMAT_DICOM); the tags that
 * say whose image it is and which eye it shows are read separately with
 * fovea_dicom_read_tags, which stops before the pixel data.
 *
 * Writing: a PDF report becomes a DICOM Encapsulated PDF object, in the
 * source image's study when there is one. */
#pragma once

#include <json-glib/json-glib.h>

#include "fovea-modality.h"

G_BEGIN_DECLS

#define FOVEA_DICOM_ERROR (fovea_dicom_error_quark ())

typedef enum {
  FOVEA_DICOM_ERROR_READ,     /* not DICOM, truncated or corrupt (reading tags) */
  FOVEA_DICOM_ERROR_INVALID,  /* a value Fovea would have to write is not valid DICOM */
  FOVEA_DICOM_ERROR_WRITE,    /* the file could not be written */
} FoveaDicomError;

#define FOVEA_SOP_CLASS_ENCAPSULATED_PDF "1.2.840.10008.5.1.4.1.1.104.1"

/* The identifying tags of one object, as UTF-8 (converted from its
 * Specific Character Set). A string is "" when the tag is absent or empty. */
typedef struct {
  char *patient_id;           /* (0010,0020) */
  char *patient_name;         /* (0010,0010), components joined by '^' as stored */
  char *birth_date;           /* (0010,0030) YYYYMMDD */
  char *sex;                  /* (0010,0040) M, F, O */
  char *study_date;           /* (0008,0020) YYYYMMDD */
  char *study_time;           /* (0008,0030) */
  char *study_id;             /* (0020,0010) */
  char *accession_number;     /* (0008,0050) */
  char *referring_physician;  /* (0008,0090) */
  char *study_description;    /* (0008,1030) */
  char *study_instance_uid;   /* (0020,000D) */
  char *series_instance_uid;  /* (0020,000E) */
  char *sop_instance_uid;     /* (0008,0018) */
  char *sop_class_uid;        /* (0008,0016), or the file meta's when absent */
  char *modality;             /* (0008,0060), e.g. OP, XC, DOC */
  char *manufacturer;         /* (0008,0070) */
  char *model_name;           /* (0008,1090) */
  char *laterality;           /* (0020,0062) Image Laterality, else (0020,0060): R, L, B, U */
  char *transfer_syntax_uid;  /* (0002,0010) */
  int   n_frames;             /* (0028,0008); 1 when absent */
} FoveaDicomTags;

GQuark          fovea_dicom_error_quark  (void);

/* TRUE when data starts with a DICOM file's 128-byte preamble and "DICM". */
gboolean        fovea_dicom_sniff        (const guint8 *data,
                                          gsize         length);
/* TRUE when the file at path starts so (reads its first 132 bytes). */
gboolean        fovea_dicom_is_file      (const char   *path);

/* The tags of a DICOM file (the pixel data is not read). NULL with
 * FOVEA_DICOM_ERROR_READ when it is not DICOM or cannot be parsed. */
FoveaDicomTags *fovea_dicom_read_tags    (const char   *path,
                                          GError      **error);
/* The same from a file held in memory; name is for messages only. */
FoveaDicomTags *fovea_dicom_read_tags_memory (const guint8 *data,
                                              gsize         length,
                                              const char   *name,
                                              GError      **error);
void            fovea_dicom_tags_free    (FoveaDicomTags *tags);

/* "OD" for Image Laterality (or Laterality) R, "OS" for L, NULL otherwise
 * (B, U, absent): a wrong eye is worse than none. */
const char     *fovea_dicom_tags_eye_code (const FoveaDicomTags *tags);
/* The modality the object's class or Modality names: Ophthalmic
 * Photography (OP) is fundus, OCT en face is OCTA, dermoscopic photography
 * (or Modality DMS) is skin; UNKNOWN otherwise (then guess from pixels). */
FoveaModality   fovea_dicom_tags_modality (const FoveaDicomTags *tags);
/* Adds the members of the `dicom` object of `fovea-cli inspect --json` to
 * an object being built (patient_id, patient_name, laterality, …). */
void            fovea_dicom_tags_add_json (const FoveaDicomTags *tags,
                                           JsonBuilder          *builder);

/* A new UID, "2.25." and a random (version 4) UUID as a decimal integer,
 * as ISO/IEC 9834-8 and DICOM PS3.5 B.2 allow without a registered root. */
char           *fovea_dicom_new_uid      (void);

/* What an Encapsulated PDF carries besides the PDF. */
typedef struct {
  /* The study the report joins (same patient, same Study Instance UID, a
   * new series); NULL: a new study with the patient fields below. */
  const FoveaDicomTags *study;
  const char *patient_id;       /* used when study is NULL; may be NULL */
  const char *patient_name;     /* used when study is NULL; may be NULL */
  const char *document_title;   /* (0042,0010); NULL: "Fovea grading report" */
  const char *software_version; /* (0018,1020); NULL: the build's version */
} FoveaDicomPdfInfo;

/* Writes pdf (length bytes) as a DICOM Encapsulated PDF object to path:
 * a temporary file beside it, then rename; nothing is left on error. */
gboolean        fovea_dicom_write_pdf    (const guint8            *pdf,
                                          gsize                    length,
                                          const FoveaDicomPdfInfo *info,
                                          const char              *path,
                                          GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaDicomTags, fovea_dicom_tags_free)

G_END_DECLS
