/* fovea-batch-files.c: the files a batch grades: the folders' supported
 * images (sub-folders too when recursive), sorted, each once, sharded. */
#define G_LOG_DOMAIN "fovea-batch-files"

#include "fovea-batch-private.h"

#include <string.h>

static void
list_folder (const char *folder, gboolean recursive, GPtrArray *out)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  if (dir == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name[0] == '.')
        continue;  /* hidden files, editors' and our own temporaries */
      g_autofree char *path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recursive && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
            list_folder (path, recursive, out);
        }
      else if (fovea_decode_is_supported_file (path))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

const GPtrArray *
fovea_batch_list_files (FoveaBatch *batch, GError **error)
{
  if (batch->files != NULL)
    return batch->files;
  if (batch->folders->len == 0)
    {
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID, "no folder to grade");
      return NULL;
    }
  if (batch->n_shards == 0 || batch->shard >= batch->n_shards)
    {
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                   "shard %u/%u: the shard must be below the number of shards",
                   batch->shard, batch->n_shards);
      return NULL;
    }

  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < batch->folders->len; i++)
    {
      const char *folder = batch->folders->pdata[i];
      if (g_file_test (folder, G_FILE_TEST_IS_DIR))
        list_folder (folder, batch->recursive, all);
      else if (g_file_test (folder, G_FILE_TEST_EXISTS))
        g_ptr_array_add (all, g_strdup (folder));  /* a file: kept, to be reported if bad */
      else
        {
          g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                       "%s: no such file or folder", folder);
          return NULL;
        }
    }
  g_ptr_array_sort (all, compare_paths);

  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *previous = NULL;
  guint index = 0;
  for (guint i = 0; i < all->len; i++)
    {
      const char *path = all->pdata[i];
      if (previous != NULL && strcmp (previous, path) == 0)
        continue;  /* a folder given twice */
      previous = path;
      if (index++ % batch->n_shards == batch->shard)
        g_ptr_array_add (files, g_strdup (path));
    }
  if (files->len == 0 && all->len == 0)
    {
      g_ptr_array_unref (files);
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_NO_FILES,
                   "no supported image file found");
      return NULL;
    }
  batch->files = files;
  return files;
}
