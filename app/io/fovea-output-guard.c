/* fovea-output-guard.c: refusing outputs that would overwrite inputs, and
 * the atomic file write every writer shares. */
#define G_LOG_DOMAIN "fovea-output-guard"

#include "fovea-output-guard.h"

#include "fovea-decode.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>

/* The absolute path with every symbolic link resolved; for a path that
 * does not exist (or a dangling link), its resolved folder plus its name. */
static char *
resolve (const char *path)
{
  char *real = realpath (path, NULL);
  if (real != NULL)
    {
      char *copy = g_strdup (real);
      free (real);
      return copy;
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *real_dir = realpath (dir, NULL);
  if (real_dir == NULL)
    return g_canonicalize_filename (path, NULL);
  char *joined = g_build_filename (real_dir, base, NULL);
  free (real_dir);
  return joined;
}

static gboolean
is_within (const char *child, const char *folder)
{
  gsize n = strlen (folder);
  if (strcmp (folder, "/") == 0)
    return child[0] == '/' && child[1] != '\0';
  return strncmp (child, folder, n) == 0 && child[n] == '/';
}

void
fovea_output_guard_add_all (GPtrArray *reads, const char *const *paths)
{
  for (const char *const *p = paths; p != NULL && *p != NULL; p++)
    g_ptr_array_add (reads, (gpointer) *p);
}

gboolean
fovea_output_guard_check (const char *out, const GPtrArray *reads, gboolean force,
                          GError **error)
{
  g_autofree char *real_out = resolve (out);
  for (guint i = 0; reads != NULL && i < reads->len; i++)
    {
      const char *read = reads->pdata[i];
      if (read == NULL)
        continue;
      g_autofree char *real_read = resolve (read);
      const char *why = NULL;
      if (strcmp (real_out, real_read) == 0)
        why = "is";
      else if (is_within (real_read, real_out))
        why = "holds";
      else if (is_within (real_out, real_read) && fovea_decode_is_supported_name (real_out))
        why = "is an image inside";
      if (why != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "The output %s %s %s, which this command reads; source files are "
                       "never written (--force does not change that): choose another output",
                       out, why, read);
          return FALSE;
        }
    }
  GStatBuf st;
  if (!force && g_lstat (out, &st) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s exists; use --force to replace it", out);
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_output_write_atomic (const char *path, const void *data, gsize length, int mode,
                           GError **error)
{
  /* GLib writes a temporary beside path, fsyncs it and renames it over
   * path; rename replaces a symbolic link itself. Its message names the
   * file. */
  return g_file_set_contents_full (path, data, (gssize) length,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   mode, error);
}
