/* fovea-staged-dir.h: writing a folder as a whole.
 *
 * Everything is written into a temporary sibling folder
 * (.NAME.partial-XXXXXX), which is then renamed to the output; an existing
 * output (the caller has decided to replace it) is moved aside first and
 * removed last. A crash leaves either the old folder or the new one,
 * never a mixture; a failure leaves the old one. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A new empty folder next to out_dir, to write into, with the mode
 * mkdir(1) gives (0777 less the umask): it becomes the output. */
char     *fovea_staged_dir_new     (const char *out_dir,
                                    GError    **error);
/* Renames staged to out_dir, replacing an existing out_dir. */
gboolean  fovea_staged_dir_publish (const char *staged,
                                    const char *out_dir,
                                    GError    **error);
/* Removes a folder and everything in it (symbolic links are removed, not
 * followed). */
void      fovea_remove_tree        (const char *dir);

G_END_DECLS
