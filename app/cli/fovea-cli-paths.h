/* fovea-cli-paths.h: turning command-line arguments into image files. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Expands each argument: a file is kept as given (whatever its type, so an
 * unreadable one is still reported), a folder contributes the images with a
 * supported extension inside it, sorted by name, descending into
 * sub-folders when recursive. A missing path is kept, to be reported. */
GPtrArray *fovea_cli_expand_paths (char   **args,
                                   gboolean recursive);

G_END_DECLS
