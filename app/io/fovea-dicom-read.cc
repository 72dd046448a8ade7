/* fovea-dicom-read.cc: reading DICOM files through DCMTK, behind the C API
 * of fovea-dicom.h and fovea-decode-private.h.
 *
 * Why DCMTK (Debian's libdcmtk-dev 3.6.7) rather than GDCM or our own
 * parser: its decoders cover what fundus cameras and PACS store (dcmjpeg:
 * JPEG baseline, extended and lossless; dcmjpls: JPEG-LS; RLE), it turns
 * YBR_FULL/YBR_FULL_422 and MONOCHROME1/2 into display pixels (dcmimgle,
 * dcmimage), it reads truncated or malformed files as errors rather than
 * guesses (and has been fuzzed by OSS-Fuzz for years), and the libraries
 * Fovea links are a few MB. JPEG 2000 it does not decode without a
 * commercial plug-in, so such files are refused with a clear error. No
 * DICOM parsing is written by hand here: only calls into DCMTK and the
 * checks Fovea's decoders share (pixel budget, errors naming the file). */
#define G_LOG_DOMAIN "fovea-dicom-read"

#include "dcmtk/config/osconfig.h"

#include "dcmtk/dcmdata/dccodec.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcistrmf.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmimage/diregist.h"
#include "dcmtk/dcmimgle/dcmimage.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <errno.h>
#include <new>
#include <sys/mman.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fovea-decode-private.h"
#include "fovea-dicom-private.h"
#include "fovea-dicom.h"

/* Codecs register in global lists; once per process. DCMTK would log
 * warnings to stderr itself: Fovea reports through GErrors instead. */
void
fovea_dicom_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      OFLog::configure (OFLogger::OFF_LOG_LEVEL);
      DJDecoderRegistration::registerCodecs ();
      DJLSDecoderRegistration::registerCodecs ();
      DcmRLEDecoderRegistration::registerCodecs ();
      g_once_init_leave (&done, 1);
    }
}

/* DCMTK 3.6.7 allocates an element's declared length before it finds the
 * data shorter: 400 bytes declaring a 4 GB element ask for 4 GB (the
 * fuzzers found it). From a file stream it leaves every value longer than
 * DCM_MaxReadLength unread until it is used, and lengths_fit then refuses
 * a declared length beyond the file before anything reads one. So bytes
 * in memory are parsed as a file: an anonymous memfd holding a copy. */
class MemoryFile
{
public:
  MemoryFile (const guint8 *data, gsize length) : fd_ (memfd_create ("fovea-dicom", MFD_CLOEXEC))
  {
    for (gsize done = 0; fd_ >= 0 && done < length;)
      {
        ssize_t n = write (fd_, data + done, length - done);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          {
            close (fd_);
            fd_ = -1;
            break;
          }
        done += (gsize) n;
      }
    if (fd_ >= 0)
      path_ = g_strdup_printf ("/proc/self/fd/%d", fd_);
  }
  ~MemoryFile ()
  {
    if (fd_ >= 0)
      close (fd_);
    g_free (path_);
  }
  MemoryFile (const MemoryFile &) = delete;
  MemoryFile &operator= (const MemoryFile &) = delete;
  /* NULL when no memfd could be made. */
  const char *path () const { return path_; }

private:
  int   fd_;
  char *path_ = NULL;
};

/* Every element's declared length fits in the file (undefined lengths
 * aside); else bad names the first that does not. */
static bool
lengths_fit (DcmFileFormat &file, guint64 size, DcmTagKey *bad)
{
  DcmStack stack;
  while (file.nextObject (stack, OFTrue).good ())
    {
      DcmObject *object = stack.top ();
      Uint32 length = object->getLengthField ();
      if (length != DCM_UndefinedLength && length > size)
        {
          *bad = object->getTag ();
          return false;
        }
    }
  return true;
}

static OFCondition
parse_stream (DcmFileFormat &file, DcmInputStream &stream, bool stop_at_pixels)
{
  if (stream.status ().bad ())
    return stream.status ();
  file.transferInit ();
  OFCondition cond = file.readUntilTag (stream, EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                                        stop_at_pixels ? DCM_PixelData : DCM_UndefinedTagKey);
  file.transferEnd ();
  return cond;
}

/* Parses a whole file held in memory (stop_at_pixels: only up to the pixel
 * data, for the tags); memory must outlive file, whose long values are
 * read from it when used. */
static OFCondition
parse_memory (DcmFileFormat &file, const MemoryFile &memory, const guint8 *data, gsize length,
              bool stop_at_pixels)
{
  OFCondition cond;
  if (memory.path () != NULL)
    {
      DcmInputFileStream stream (memory.path ());
      cond = parse_stream (file, stream, stop_at_pixels);
    }
  else
    {
      /* No memfd (a kernel without it): every value is read at once. */
      DcmInputBufferStream stream;
      stream.setBuffer (data, (offile_off_t) length);
      stream.setEos ();
      cond = parse_stream (file, stream, stop_at_pixels);
    }
  return cond;
}

/* NULL when every declared length fits in size bytes, else why not. */
static char *
check_lengths (DcmFileFormat &file, guint64 size)
{
  DcmTagKey bad;
  if (lengths_fit (file, size, &bad))
    return NULL;
  return g_strdup_printf ("element (%04x,%04x) declares a value longer than the file",
                          bad.getGroup (), bad.getElement ());
}

static bool
dictionary_loaded (void)
{
  return dcmDataDict.isDictionaryLoaded ();
}

static char *
dup_tag (DcmItem *item, const DcmTagKey &key)
{
  OFString value;
  if (item == NULL || item->findAndGetOFStringArray (key, value).bad ())
    return g_strdup ("");
  char *text = g_utf8_make_valid (value.c_str (), (gssize) value.length ());
  return g_strstrip (text);
}

static FoveaDicomTags *
tags_from_file (DcmFileFormat &file)
{
  DcmDataset *set = file.getDataset ();
  DcmMetaInfo *meta = file.getMetaInfo ();
  /* Names in Latin-1, Japanese and so on become UTF-8; a set that cannot be
   * converted keeps its bytes, made valid UTF-8 below. */
  file.convertToUTF8 ();

  FoveaDicomTags *tags = g_new0 (FoveaDicomTags, 1);
  tags->patient_id = dup_tag (set, DCM_PatientID);
  tags->patient_name = dup_tag (set, DCM_PatientName);
  tags->birth_date = dup_tag (set, DCM_PatientBirthDate);
  tags->sex = dup_tag (set, DCM_PatientSex);
  tags->study_date = dup_tag (set, DCM_StudyDate);
  tags->study_time = dup_tag (set, DCM_StudyTime);
  tags->study_id = dup_tag (set, DCM_StudyID);
  tags->accession_number = dup_tag (set, DCM_AccessionNumber);
  tags->referring_physician = dup_tag (set, DCM_ReferringPhysicianName);
  tags->study_description = dup_tag (set, DCM_StudyDescription);
  tags->study_instance_uid = dup_tag (set, DCM_StudyInstanceUID);
  tags->series_instance_uid = dup_tag (set, DCM_SeriesInstanceUID);
  tags->sop_instance_uid = dup_tag (set, DCM_SOPInstanceUID);
  tags->sop_class_uid = dup_tag (set, DCM_SOPClassUID);
  if (tags->sop_class_uid[0] == '\0')
    {
      g_free (tags->sop_class_uid);
      tags->sop_class_uid = dup_tag (meta, DCM_MediaStorageSOPClassUID);
    }
  tags->modality = dup_tag (set, DCM_Modality);
  tags->manufacturer = dup_tag (set, DCM_Manufacturer);
  tags->model_name = dup_tag (set, DCM_ManufacturerModelName);
  tags->laterality = dup_tag (set, DCM_ImageLaterality);
  if (tags->laterality[0] == '\0')
    {
      g_free (tags->laterality);
      tags->laterality = dup_tag (set, DCM_Laterality);
    }
  tags->transfer_syntax_uid = dup_tag (meta, DCM_TransferSyntaxUID);
  Sint32 frames = 1;
  if (set->findAndGetSint32 (DCM_NumberOfFrames, frames).bad () || frames < 1)
    frames = 1;
  tags->n_frames = frames;
  return tags;
}

FoveaDicomTags *
fovea_dicom_read_tags (const char *path, GError **error)
{
  if (!fovea_dicom_is_file (path))
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                   "“%s”: not a DICOM file (no “DICM” after the 128-byte preamble)", path);
      return NULL;
    }
  fovea_dicom_init ();
  try
    {
      DcmFileFormat file;
      OFCondition cond = file.loadFileUntilTag (path, EXS_Unknown, EGL_noChange,
                                                DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData);
      if (cond.bad ())
        {
          g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                       "“%s”: DICOM tags could not be read: %s", path, cond.text ());
          return NULL;
        }
      GStatBuf st;
      g_autofree char *why = g_stat (path, &st) == 0 ? check_lengths (file, (guint64) st.st_size)
                                                     : NULL;
      if (why != NULL)
        {
          g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                       "“%s”: DICOM tags could not be read: %s", path, why);
          return NULL;
        }
      return tags_from_file (file);
    }
  catch (const std::bad_alloc &)
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                   "“%s”: out of memory reading DICOM tags", path);
      return NULL;
    }
}

FoveaDicomTags *
fovea_dicom_read_tags_memory (const guint8 *data, gsize length, const char *name,
                              GError **error)
{
  if (name == NULL)
    name = "(DICOM in memory)";
  if (!fovea_dicom_sniff (data, length))
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                   "“%s”: not a DICOM file (no “DICM” after the 128-byte preamble)", name);
      return NULL;
    }
  fovea_dicom_init ();
  try
    {
      MemoryFile memory (data, length);
      DcmFileFormat file;
      OFCondition cond = parse_memory (file, memory, data, length, true);
      g_autofree char *why = cond.good () ? check_lengths (file, length)
                                          : g_strdup (cond.text ());
      if (why != NULL)
        {
          g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                       "“%s”: DICOM tags could not be read: %s", name, why);
          return NULL;
        }
      return tags_from_file (file);
    }
  catch (const std::bad_alloc &)
    {
      g_set_error (error, FOVEA_DICOM_ERROR, FOVEA_DICOM_ERROR_READ,
                   "“%s”: out of memory reading DICOM tags", name);
      return NULL;
    }
}

/* The name of an object's class for messages: "Basic Text SR (1.2…)". */
static char *
describe_class (DcmFileFormat &file)
{
  OFString uid;
  if (file.getDataset ()->findAndGetOFString (DCM_SOPClassUID, uid).bad () || uid.empty ())
    file.getMetaInfo ()->findAndGetOFString (DCM_MediaStorageSOPClassUID, uid);
  if (uid.empty ())
    return g_strdup ("of no stated SOP class");
  const char *name = dcmFindNameOfUID (uid.c_str (), NULL);
  return name != NULL ? g_strdup_printf ("%s (%s)", name, uid.c_str ())
                      : g_strdup_printf ("of SOP class %s", uid.c_str ());
}

static gboolean
get_u16 (const FoveaDecodeJob *job, DcmDataset *set, const DcmTagKey &key, const char *field,
         Uint16 *out, GError **error)
{
  if (set->findAndGetUint16 (key, *out).good ())
    return TRUE;
  fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                          "DICOM image without (%04x,%04x) %s",
                          key.getGroup (), key.getElement (), field);
  return FALSE;
}

/* Uncompressed pixel data shorter than its first frame would be padded
 * with black by DCMTK: a truncated file must be an error instead. */
static gboolean
check_native_length (const FoveaDecodeJob *job, DcmDataset *set, guint64 rows, guint64 columns,
                     guint64 samples, guint64 bits_allocated, GError **error)
{
  DcmElement *pixels = NULL;
  if (set->findAndGetElement (DCM_PixelData, pixels).bad () || pixels == NULL)
    return FALSE;
  guint64 need = (rows * columns * samples * bits_allocated + 7) / 8;
  guint64 have = pixels->getLength ();
  if (have >= need)
    return TRUE;
  fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TRUNCATED,
                          "DICOM (7fe0,0010) Pixel Data holds %" G_GUINT64_FORMAT
                          " bytes; the first frame needs %" G_GUINT64_FORMAT,
                          have, need);
  return FALSE;
}

/* 8 bits or fewer are shown as stored. Deeper monochrome images (16-bit
 * OP, Secondary Capture) are mapped to 8 bits through the file's first VOI
 * window when it has one, else linearly from their darkest to their
 * brightest pixel; deeper colour is scaled linearly from its stored range. */
static void
choose_display_mapping (DicomImage &image, Uint16 bits_stored)
{
  if (!image.isMonochrome ())
    return;
  if (bits_stored <= 8)
    image.setNoVoiTransformation ();
  else if (image.getWindowCount () > 0)
    image.setWindow (0);
  else
    image.setMinMaxWindow (0);
}

static FoveaImage *
decode_first_frame (const FoveaDecodeJob *job, DcmFileFormat &file, GError **error)
{
  DcmDataset *set = file.getDataset ();
  if (!set->tagExistsWithValue (DCM_PixelData))
    {
      g_autofree char *kind = describe_class (file);
      OFString media;
      file.getMetaInfo ()->findAndGetOFString (DCM_MediaStorageSOPClassUID, media);
      if (media == UID_MediaStorageDirectoryStorage)
        fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                                "a DICOMDIR (an index of a DICOM folder), not an image: "
                                "open its folder instead");
      else
        fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                                "a DICOM object %s without (7fe0,0010) Pixel Data: not an image",
                                kind);
      return NULL;
    }

  Uint16 rows = 0, columns = 0, samples = 1, bits_allocated = 0, bits_stored = 0;
  if (!get_u16 (job, set, DCM_Rows, "Rows", &rows, error) ||
      !get_u16 (job, set, DCM_Columns, "Columns", &columns, error) ||
      !get_u16 (job, set, DCM_BitsAllocated, "Bits Allocated", &bits_allocated, error))
    return NULL;
  set->findAndGetUint16 (DCM_SamplesPerPixel, samples);
  if (set->findAndGetUint16 (DCM_BitsStored, bits_stored).bad ())
    bits_stored = bits_allocated;
  if (!fovea_decode_check_size (job, columns, rows, error))
    return NULL;

  E_TransferSyntax xfer = set->getOriginalXfer ();
  DcmXfer xfer_info (xfer);
  if (xfer_info.isEncapsulated ())
    {
      if (!DcmCodecList::canChangeCoding (xfer, EXS_LittleEndianExplicit))
        {
          fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                                  "DICOM transfer syntax %s (%s) is not one Fovea decodes "
                                  "(it reads uncompressed, JPEG, JPEG-LS and RLE)",
                                  xfer_info.getXferName (), xfer_info.getXferID ());
          return NULL;
        }
    }
  else if (!check_native_length (job, set, rows, columns, samples, bits_allocated, error))
    {
      if (error != NULL && *error == NULL)
        fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                "DICOM (7fe0,0010) Pixel Data cannot be read");
      return NULL;
    }

  /* Only the first frame of a multi-frame object is decompressed. */
  DicomImage image (set, xfer, CIF_UsePartialAccessToPixelData, 0, 1);
  if (image.getStatus () != EIS_Normal)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "DICOM pixels could not be decoded: %s",
                              DicomImage::getString (image.getStatus ()));
      return NULL;
    }
  choose_display_mapping (image, bits_stored);
  int channels = image.isMonochrome () ? 1 : 3;
  int width = (int) image.getWidth ();
  int height = (int) image.getHeight ();
  if (width != columns || height != rows)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "DICOM pixels decode to %d×%d, not the %u×%u of Columns × Rows",
                              width, height, columns, rows);
      return NULL;
    }
  gsize row_bytes = (gsize) width * channels;
  const guint8 *pixels = (const guint8 *) image.getOutputData (8, 0, 0);
  if (pixels == NULL || image.getOutputDataSize (8) < row_bytes * height)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                              "DICOM pixels could not be rendered: %s",
                              DicomImage::getString (image.getStatus ()));
      return NULL;
    }

  FoveaImage *out = fovea_decode_new_image (job, width, height, channels, 8, error);
  if (out == NULL)
    return NULL;
  for (int y = 0; y < height; y++)
    memcpy (out->data + (gsize) y * out->stride, pixels + (gsize) y * row_bytes, row_bytes);
  job->info->original_width = width;
  job->info->original_height = height;
  return out;
}

FoveaImage *
fovea_decode_dicom (const FoveaDecodeJob *job, GError **error)
{
  fovea_dicom_init ();
  if (!dictionary_loaded ())
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_UNSUPPORTED,
                              "DCMTK's data dictionary is not installed (package libdcmtk17)");
      return NULL;
    }
  try
    {
      MemoryFile memory (job->data, job->length);
      DcmFileFormat file;
      OFCondition cond = parse_memory (file, memory, job->data, job->length, false);
      g_autofree char *why = cond.good () ? check_lengths (file, job->length) : NULL;
      if (why != NULL)
        {
          fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_CORRUPT,
                                  "DICOM data could not be read: %s", why);
          return NULL;
        }
      if (cond.bad ())
        {
          /* A read that runs out of bytes asks for more, or finds the stream
           * ended (DCMTK says "Invalid stream"): the file ends early. */
          FoveaDecodeError code = cond == EC_StreamNotifyClient || cond == EC_EndOfStream ||
                                  cond == EC_InvalidStream
                                  ? FOVEA_DECODE_ERROR_TRUNCATED : FOVEA_DECODE_ERROR_CORRUPT;
          fovea_decode_set_error (job, error, code, "DICOM data could not be read: %s",
                                  cond.text ());
          return NULL;
        }
      return decode_first_frame (job, file, error);
    }
  catch (const std::bad_alloc &)
    {
      fovea_decode_set_error (job, error, FOVEA_DECODE_ERROR_TOO_LARGE,
                              "out of memory decoding DICOM pixels");
      return NULL;
    }
}
