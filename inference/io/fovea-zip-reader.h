/* fovea-zip-reader.h: members of a zip archive held in memory (minizip).
 *
 * Used for PyTorch checkpoints, whose storages are zip members stored
 * without compression: a stored member is handed out as a view into the
 * archive's bytes (no copy), a deflated one is inflated. Every member is
 * checked against its CRC-32, and sizes are checked against the archive
 * and the caller's limit before anything is allocated. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_ZIP_ERROR (fovea_zip_error_quark ())

typedef enum {
  FOVEA_ZIP_ERROR_FORMAT,   /* not a zip, or a damaged directory */
  FOVEA_ZIP_ERROR_MISSING,  /* no member of that name */
  FOVEA_ZIP_ERROR_MEMBER,   /* a member that cannot be read: method, encryption, CRC, bounds */
  FOVEA_ZIP_ERROR_LIMIT,    /* a member larger than the caller allows */
} FoveaZipError;

typedef struct _FoveaZip FoveaZip;

GQuark      fovea_zip_error_quark        (void);

/* Reads the archive's directory. bytes is kept referenced; name is used
 * in errors ("name: member “x”: problem"). */
FoveaZip   *fovea_zip_new_from_bytes     (GBytes     *bytes,
                                          const char *name,
                                          GError    **error);
void        fovea_zip_free               (FoveaZip   *zip);

guint       fovea_zip_get_n_members      (const FoveaZip *zip);
/* Members in directory order. */
const char *fovea_zip_get_member_name    (const FoveaZip *zip,
                                          guint           index);
/* The member's uncompressed size, or -1 when there is no such member. */
gint64      fovea_zip_get_member_size    (const FoveaZip *zip,
                                          const char     *member);
/* The member's bytes: a view into the archive when stored, else a new
 * buffer. A member larger than max_size is refused before it is read. */
GBytes     *fovea_zip_read_member        (FoveaZip   *zip,
                                          const char *member,
                                          guint64     max_size,
                                          GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaZip, fovea_zip_free)

G_END_DECLS
