/* fovea-zip-reader.c: a zip archive in memory, read through minizip with
 * its file functions pointed at the bytes.
 *
 * The directory is read once into a table of members. Stored members are
 * located with unzGetCurrentFileZStreamPos64 and handed out as views into
 * the archive; their CRC is computed here since no one reads them through
 * minizip. Deflated members are inflated, after checking that the size the
 * directory claims is one deflate could produce from the compressed size
 * (at most 1032:1), so a forged size cannot make us allocate gigabytes. */
#define G_LOG_DOMAIN "fovea-zip-reader"

#include "fovea-zip-reader.h"

#include <string.h>
#include <unzip.h>
#include <zlib.h>

/* Zip names are at most 65 535 bytes; real ones are short. */
#define MAX_NAME 4096
/* Deflate cannot expand more than 1032:1 (zlib's FAQ). */
#define DEFLATE_MAX_RATIO 1032
/* unzReadCurrentFile takes an unsigned length: read in chunks. */
#define READ_CHUNK ((gsize) 1 << 30)

G_DEFINE_QUARK (fovea-zip-error-quark, fovea_zip_error)

typedef struct {
  char          *name;
  unz64_file_pos position;
  guint64        compressed_size;
  guint64        size;
  gulong         crc;
  gulong         method;
  gulong         flag;
} Member;

typedef struct {
  const guint8 *data;
  gsize         length;
  gsize         pos;
} Stream;

struct _FoveaZip {
  char       *name;
  GBytes     *bytes;
  Stream      stream;
  unzFile     unz;
  GArray     *members;  /* Member */
  GHashTable *by_name;  /* name → index + 1 */
};

/* ---- minizip's file functions over memory ---------------------------------- */

static voidpf ZCALLBACK
stream_open (voidpf opaque, const void *filename, int mode)
{
  Stream *stream = opaque;
  stream->pos = 0;
  return stream;
}

static uLong ZCALLBACK
stream_read (voidpf opaque, voidpf s, void *buffer, uLong size)
{
  Stream *stream = s;
  gsize n = MIN ((gsize) size, stream->length - stream->pos);
  if (n == 0)  /* empty bytes may have a NULL data pointer */
    return 0;
  memcpy (buffer, stream->data + stream->pos, n);
  stream->pos += n;
  return (uLong) n;
}

static uLong ZCALLBACK
stream_write (voidpf opaque, voidpf s, const void *buffer, uLong size)
{
  return 0;
}

static ZPOS64_T ZCALLBACK
stream_tell (voidpf opaque, voidpf s)
{
  return ((Stream *) s)->pos;
}

static long ZCALLBACK
stream_seek (voidpf opaque, voidpf s, ZPOS64_T offset, int origin)
{
  Stream *stream = s;
  guint64 base = origin == ZLIB_FILEFUNC_SEEK_SET ? 0
               : origin == ZLIB_FILEFUNC_SEEK_CUR ? stream->pos : stream->length;
  if (offset > stream->length || base + offset > stream->length)
    return -1;
  stream->pos = (gsize) (base + offset);
  return 0;
}

static int ZCALLBACK
stream_close (voidpf opaque, voidpf s)
{
  return 0;
}

static int ZCALLBACK
stream_error (voidpf opaque, voidpf s)
{
  return 0;
}

/* ---- the directory ---------------------------------------------------------- */

static gboolean G_GNUC_PRINTF (5, 6)
set_member_error (GError **error, int code, const FoveaZip *zip, const char *member,
                  const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *problem = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, FOVEA_ZIP_ERROR, code, "%s: member “%s”: %s", zip->name, member, problem);
  return FALSE;
}

static void
member_clear (gpointer data)
{
  g_free (((Member *) data)->name);
}

static gboolean
read_directory (FoveaZip *zip, GError **error)
{
  int status = unzGoToFirstFile (zip->unz);
  while (status == UNZ_OK)
    {
      unz_file_info64 info;
      char name[MAX_NAME + 1];
      Member member = { 0 };
      if (unzGetCurrentFileInfo64 (zip->unz, &info, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK ||
          unzGetFilePos64 (zip->unz, &member.position) != UNZ_OK)
        break;
      if (info.size_filename > MAX_NAME)
        {
          g_set_error (error, FOVEA_ZIP_ERROR, FOVEA_ZIP_ERROR_FORMAT,
                       "%s: member %u has a name of %lu bytes", zip->name, zip->members->len,
                       info.size_filename);
          return FALSE;
        }
      name[info.size_filename] = '\0';
      if (g_hash_table_contains (zip->by_name, name))
        return set_member_error (error, FOVEA_ZIP_ERROR_FORMAT, zip, name,
                                 "appears twice in the archive");
      member.name = g_strdup (name);
      member.compressed_size = info.compressed_size;
      member.size = info.uncompressed_size;
      member.crc = info.crc;
      member.method = info.compression_method;
      member.flag = info.flag;
      g_array_append_val (zip->members, member);
      g_hash_table_insert (zip->by_name, member.name, GUINT_TO_POINTER (zip->members->len));
      status = unzGoToNextFile (zip->unz);
    }
  if (status != UNZ_END_OF_LIST_OF_FILE)
    {
      g_set_error (error, FOVEA_ZIP_ERROR, FOVEA_ZIP_ERROR_FORMAT,
                   "%s: the zip directory is damaged after %u members", zip->name,
                   zip->members->len);
      return FALSE;
    }
  return TRUE;
}

FoveaZip *
fovea_zip_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  FoveaZip *zip = g_new0 (FoveaZip, 1);
  zip->name = g_strdup (name != NULL ? name : "zip data");
  zip->bytes = g_bytes_ref (bytes);
  zip->stream.data = g_bytes_get_data (bytes, &zip->stream.length);
  zip->members = g_array_new (FALSE, TRUE, sizeof (Member));
  g_array_set_clear_func (zip->members, member_clear);
  zip->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  zlib_filefunc64_def functions = {
    .zopen64_file = stream_open, .zread_file = stream_read, .zwrite_file = stream_write,
    .ztell64_file = stream_tell, .zseek64_file = stream_seek, .zclose_file = stream_close,
    .zerror_file = stream_error, .opaque = &zip->stream,
  };
  zip->unz = unzOpen2_64 (zip->name, &functions);
  if (zip->unz == NULL)
    {
      g_set_error (error, FOVEA_ZIP_ERROR, FOVEA_ZIP_ERROR_FORMAT,
                   "%s: not a zip archive, or truncated (no readable zip directory)", zip->name);
      fovea_zip_free (zip);
      return NULL;
    }
  if (!read_directory (zip, error))
    {
      fovea_zip_free (zip);
      return NULL;
    }
  return zip;
}

void
fovea_zip_free (FoveaZip *zip)
{
  if (zip == NULL)
    return;
  if (zip->unz != NULL)
    unzClose (zip->unz);
  g_hash_table_unref (zip->by_name);
  g_array_unref (zip->members);
  g_bytes_unref (zip->bytes);
  g_free (zip->name);
  g_free (zip);
}

guint
fovea_zip_get_n_members (const FoveaZip *zip)
{
  return zip->members->len;
}

const char *
fovea_zip_get_member_name (const FoveaZip *zip, guint index)
{
  return index < zip->members->len ? g_array_index (zip->members, Member, index).name : NULL;
}

static const Member *
lookup (const FoveaZip *zip, const char *member)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (zip->by_name, member));
  return index > 0 ? &g_array_index (zip->members, Member, index - 1) : NULL;
}

gint64
fovea_zip_get_member_size (const FoveaZip *zip, const char *member)
{
  const Member *m = lookup (zip, member);
  return m != NULL && m->size <= G_MAXINT64 ? (gint64) m->size : -1;
}

/* ---- reading a member ------------------------------------------------------- */

static GBytes *
read_stored (FoveaZip *zip, const Member *m, GError **error)
{
  guint64 start = unzGetCurrentFileZStreamPos64 (zip->unz);
  if (m->compressed_size != m->size || start > zip->stream.length ||
      m->size > zip->stream.length - start)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, m->name,
                        "its %" G_GUINT64_FORMAT " stored bytes run past the end of the archive",
                        m->size);
      return NULL;
    }
  const guint8 *data = zip->stream.data + start;
  if (crc32_z (0, data, (gsize) m->size) != m->crc)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, m->name,
                        "its CRC-32 does not match (the file is damaged)");
      return NULL;
    }
  return g_bytes_new_from_bytes (zip->bytes, (gsize) start, (gsize) m->size);
}

static GBytes *
read_deflated (FoveaZip *zip, const Member *m, GError **error)
{
  if (m->size / DEFLATE_MAX_RATIO > m->compressed_size)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, m->name,
                        "claims %" G_GUINT64_FORMAT " bytes from %" G_GUINT64_FORMAT
                        " compressed, more than deflate can produce", m->size, m->compressed_size);
      return NULL;
    }
  guint8 *buffer = g_try_malloc (MAX ((gsize) m->size, 1));
  if (buffer == NULL)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_LIMIT, zip, m->name,
                        "out of memory for %" G_GUINT64_FORMAT " bytes", m->size);
      return NULL;
    }
  gsize done = 0;
  int n = 1;
  while (done < m->size && n > 0)
    {
      n = unzReadCurrentFile (zip->unz, buffer + done, (unsigned) MIN (m->size - done, READ_CHUNK));
      done += n > 0 ? (gsize) n : 0;
    }
  guint8 extra;
  if (n < 0 || done < m->size || unzReadCurrentFile (zip->unz, &extra, 1) != 0 ||
      unzCloseCurrentFile (zip->unz) != UNZ_OK)
    {
      g_free (buffer);
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, m->name,
                        "its compressed data is damaged, has another size than the directory "
                        "says, or fails its CRC-32");
      return NULL;
    }
  return g_bytes_new_take (buffer, (gsize) m->size);
}

GBytes *
fovea_zip_read_member (FoveaZip *zip, const char *member, guint64 max_size, GError **error)
{
  const Member *m = lookup (zip, member);
  if (m == NULL)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MISSING, zip, member, "not in the archive");
      return NULL;
    }
  if (m->size > max_size)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_LIMIT, zip, member,
                        "%" G_GUINT64_FORMAT " bytes, more than the %" G_GUINT64_FORMAT " allowed",
                        m->size, max_size);
      return NULL;
    }
  if (m->flag & 1)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, member, "is encrypted");
      return NULL;
    }
  if (m->method != 0 && m->method != Z_DEFLATED)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, member,
                        "compression method %lu is not read (only stored or deflated)", m->method);
      return NULL;
    }
  if (unzGoToFilePos64 (zip->unz, &m->position) != UNZ_OK ||
      unzOpenCurrentFile (zip->unz) != UNZ_OK)
    {
      set_member_error (error, FOVEA_ZIP_ERROR_MEMBER, zip, member,
                        "its local header is damaged or disagrees with the directory");
      return NULL;
    }
  if (m->method == 0)
    {
      GBytes *bytes = read_stored (zip, m, error);
      unzCloseCurrentFile (zip->unz);
      return bytes;
    }
  GBytes *bytes = read_deflated (zip, m, error);
  if (bytes == NULL)
    unzCloseCurrentFile (zip->unz);
  return bytes;
}
