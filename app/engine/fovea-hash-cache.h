/* fovea-hash-cache.h: SHA-256 of weights files, remembered across runs.
 *
 * Hashing ViT-B/16's 346 MB takes about a second; a task card's check
 * needs it on every load. So hashes are kept in
 * g_get_user_cache_dir()/fovea/sha256-cache.json, each under the file's
 * canonical path together with its device, inode, size, and modification
 * and change times to the nanosecond: if any of them differs, the file is
 * hashed again. The cache is only ever an optimisation: a missing, corrupt
 * or unwritable one is ignored (and rebuilt where it can be). Processes
 * writing it at once race harmlessly: the last writer wins, and every entry
 * it keeps is still checked against the file's metadata before use. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A file whose change time is less than this many seconds old is hashed
 * but not remembered: it could change again within its timestamps'
 * granularity without its metadata changing. */
#define FOVEA_HASH_CACHE_RACY_S 2

/* The hex SHA-256 of the regular file at path; NULL with an error naming
 * it when it cannot be read, or when cancelled. */
char *fovea_file_sha256 (const char    *path,
                         GCancellable  *cancellable,
                         GError       **error);

G_END_DECLS
