/* fovea-cli-explain.c: being written. */
#include <stdio.h>

#include "fovea-cli-commands.h"

int
fovea_cli_explain (int argc, char **argv)
{
  (void) argc;
  fprintf (stderr, "%s: not available yet\n", argv[0]);
  return FOVEA_CLI_EXIT_FATAL;
}
