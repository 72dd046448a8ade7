/* fovea-cli-anomaly-bank.c: being written. */
#include <stdio.h>

#include "fovea-cli-commands.h"

int
fovea_cli_anomaly_bank (int argc, char **argv)
{
  (void) argc;
  fprintf (stderr, "%s: not available yet\n", argv[0]);
  return FOVEA_CLI_EXIT_FATAL;
}
