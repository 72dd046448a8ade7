/* fovea-cli-segment-option.c: the --segment option of grade and report. */
#define G_LOG_DOMAIN "fovea-cli-segment-option"

#include "fovea-cli-segment-option.h"

#include <stdio.h>

GStrv
fovea_cli_split_list (char *const *args)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      g_auto (GStrv) parts = g_strsplit (args[i], ",", -1);
      for (guint j = 0; parts[j] != NULL; j++)
        {
          g_strstrip (parts[j]);
          if (*parts[j] != '\0')
            g_strv_builder_add (builder, parts[j]);
        }
    }
  return g_strv_builder_end (builder);
}

FoveaSegTasks *
fovea_cli_load_seg_tasks (const char *command, char *const *args, int n_threads,
                          gboolean *failed)
{
  *failed = FALSE;
  g_auto (GStrv) specs = fovea_cli_split_list (args);
  if (specs[0] == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  FoveaSegTasks *tasks = fovea_seg_tasks_load ((const char *const *) specs, n_threads, &error);
  if (tasks == NULL)
    {
      fprintf (stderr, "fovea-cli %s: --segment: %s\n", command, error->message);
      *failed = TRUE;
    }
  return tasks;
}
