/* fovea-cli-paths.c: expanding folders given on the command line. */
#define G_LOG_DOMAIN "fovea-cli-paths"

#include "fovea-cli-paths.h"

#include "fovea-decode.h"

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
collect_folder (const char *folder, gboolean recursive, GPtrArray *out)
{
  GDir *dir = g_dir_open (folder, 0, NULL);
  if (dir == NULL)
    return;

  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name[0] != '.')
        g_ptr_array_add (entries, g_build_filename (folder, name, NULL));
    }
  g_dir_close (dir);
  /* Sorted, so output order and CSV rows are stable across runs. */
  g_ptr_array_sort (entries, compare_strings);

  for (guint i = 0; i < entries->len; i++)
    {
      const char *path = entries->pdata[i];
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recursive)
            collect_folder (path, recursive, out);
        }
      else if (fovea_decode_is_supported_file (path))
        g_ptr_array_add (out, g_strdup (path));
    }
}

GPtrArray *
fovea_cli_expand_paths (char **args, gboolean recursive)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (char **arg = args; arg != NULL && *arg != NULL; arg++)
    {
      if (g_file_test (*arg, G_FILE_TEST_IS_DIR))
        collect_folder (*arg, recursive, out);
      else
        g_ptr_array_add (out, g_strdup (*arg));
    }
  return out;
}
