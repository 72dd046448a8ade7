/* fovea-cli-threads.h: the one parser of --threads and --jobs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_CLI_THREADS_HELP "(default: one per core; 1 to 4 per core, at most 256)"

/* The most threads a command may be asked for on this machine: 4 per
 * core, at most 256 (more only costs memory and start-up time). */
int      fovea_cli_max_threads   (void);

/* Reads text (NULL: not given, *n = 0, meaning one per core) as a thread
 * count from 1 to fovea_cli_max_threads (). Otherwise prints
 * "fovea-cli COMMAND: OPTION TEXT: ..." on stderr and returns FALSE: a
 * usage error. */
gboolean fovea_cli_parse_threads (const char *command,
                                  const char *option,
                                  const char *text,
                                  int        *n);

G_END_DECLS
