/* fovea-cli-thresholds.h: the --threshold NAME=VALUE option, which
 * `inspect` and `grade` share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_CLI_THRESHOLD_HELP \
  "Override a quality threshold, e.g. min_sharpness=3 (repeatable; see README)"

/* Checks the overrides once, up front, rather than failing every file:
 * FALSE, after printing "fovea-cli COMMAND: why" to stderr, when one is
 * not NAME=NUMBER or names no threshold. overrides may be NULL. */
gboolean fovea_cli_check_thresholds (const char        *command,
                                     const char *const *overrides);

G_END_DECLS
