/* fovea-cli-threads.c: --threads and --jobs, checked against the machine
 * (100000 would start tens of thousands of threads; 0 or -1 once passed
 * silently as "default"). */
#define G_LOG_DOMAIN "fovea-cli-threads"

#include "fovea-cli-threads.h"

#include <stdio.h>

#define MAX_THREADS 256

int
fovea_cli_max_threads (void)
{
  return (int) MIN ((guint) MAX_THREADS, 4 * MAX (g_get_num_processors (), 1));
}

gboolean
fovea_cli_parse_threads (const char *command, const char *option, const char *text, int *n)
{
  *n = 0;
  if (text == NULL)
    return TRUE;
  gint64 value = 0;
  int max = fovea_cli_max_threads ();
  if (!g_ascii_string_to_signed (text, 10, 1, max, &value, NULL))
    {
      fprintf (stderr, "fovea-cli %s: %s %s: expected a whole number from 1 to %d "
               "(4 per core on this machine, at most %d)\n",
               command, option, text, max, MAX_THREADS);
      return FALSE;
    }
  *n = (int) value;
  return TRUE;
}
