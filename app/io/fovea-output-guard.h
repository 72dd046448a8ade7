/* fovea-output-guard.h: the one rule every command that writes obeys.
 *
 * Source files are never written: an output that resolves (after symbolic
 * links) to something the command reads, to a recognised image inside a
 * folder it reads, or to a folder that holds what it reads, is refused,
 * and --force never overrides that. An existing output is replaced only
 * with --force. Files are written whole (temporary file beside the
 * target, then renamed), so a symbolic link at the output is replaced,
 * never followed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Refuses out when it would overwrite or hold one of reads (files or
 * folders; NULL entries are skipped), naming both; or when it exists and
 * force is FALSE. */
gboolean fovea_output_guard_check   (const char      *out,
                                     const GPtrArray *reads,
                                     gboolean         force,
                                     GError         **error);
/* Adds each path of a NULL-terminated list to reads (for checks). */
void     fovea_output_guard_add_all (GPtrArray         *reads,
                                     const char *const *paths);
/* Writes data to path atomically (fsynced temporary beside it, renamed):
 * a crash leaves the old file or the new one, and a symbolic link at path
 * is replaced, not followed. */
gboolean fovea_output_write_atomic  (const char *path,
                                     const void *data,
                                     gsize       length,
                                     int         mode,
                                     GError    **error);

G_END_DECLS
