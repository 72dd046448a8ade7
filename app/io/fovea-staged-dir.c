/* fovea-staged-dir.c: a folder written beside its destination, then
 * renamed into place. */
#define G_LOG_DOMAIN "fovea-staged-dir"

#include "fovea-staged-dir.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

/* Not g_mkdtemp: it makes the folder 0700, and the folder becomes the
 * output, which must get the mode mkdir(1) gives (0777 less the umask). A
 * fresh random name is tried until one is free. */
#define STAGED_DIR_TRIES 100

char *
fovea_staged_dir_new (const char *out_dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (out_dir);
  g_autofree char *base = g_path_get_basename (out_dir);
  int saved = EEXIST;
  for (int i = 0; i < STAGED_DIR_TRIES && saved == EEXIST; i++)
    {
      char *staged = g_strdup_printf ("%s/.%s.partial-%08x", parent, base, g_random_int ());
      if (g_mkdir (staged, 0777) == 0)
        return staged;
      saved = errno;
      g_free (staged);
    }
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "Cannot create a folder next to %s: %s", out_dir, g_strerror (saved));
  return NULL;
}

void
fovea_remove_tree (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        fovea_remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

gboolean
fovea_staged_dir_publish (const char *staged, const char *out_dir, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (out_dir);
  g_autofree char *base = g_path_get_basename (out_dir);
  g_autofree char *aside = NULL;

  if (g_file_test (out_dir, G_FILE_TEST_EXISTS))
    {
      aside = g_strdup_printf ("%s/.%s.old-%d", parent, base, (int) getpid ());
      if (g_rename (out_dir, aside) != 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "Cannot move the old %s aside: %s", out_dir, g_strerror (saved));
          return FALSE;
        }
    }
  if (g_rename (staged, out_dir) != 0)
    {
      int saved = errno;
      if (aside != NULL)
        g_rename (aside, out_dir);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot write %s: %s", out_dir, g_strerror (saved));
      return FALSE;
    }
  if (aside != NULL)
    fovea_remove_tree (aside);
  return TRUE;
}
