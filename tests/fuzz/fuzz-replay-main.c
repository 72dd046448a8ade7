/* fuzz-replay-main.c: runs a fuzz target without libFuzzer.
 *
 * For every file under the given paths it feeds the file itself, a series
 * of truncations of it, and a fixed set of single-byte corruptions. This is
 * deterministic, so a failure reproduces exactly; real coverage-guided
 * fuzzing happens in the -Dfuzzing=true build. */
#include <glib.h>
#include <string.h>

#include "fuzz-target.h"

static guint n_inputs;

static void
feed (const guint8 *data, gsize size)
{
  LLVMFuzzerTestOneInput (data, size);
  n_inputs++;
}

static void
feed_variants (const guint8 *data, gsize size)
{
  feed (data, size);

  /* Truncations: every prefix for small files, a spread for larger ones. */
  gsize step = MAX (size / 64, 1);
  for (gsize len = 0; len < size; len += step)
    feed (data, len);

  /* Corruptions: flip bytes at a deterministic spread of offsets, with a
   * few values that tend to break length and dimension fields. */
  static const guint8 values[] = { 0x00, 0xff, 0x7f, 0x80 };
  guint8 *copy = g_memdup2 (data, size);
  GRand *rand = g_rand_new_with_seed (0xf0ea);
  for (int i = 0; i < 256 && size > 0; i++)
    {
      gsize at = g_rand_int_range (rand, 0, (gint32) MIN (size, G_MAXINT32));
      guint8 saved = copy[at];
      copy[at] = values[i % G_N_ELEMENTS (values)];
      feed (copy, size);
      copy[at] = saved;
    }
  g_rand_free (rand);
  g_free (copy);
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
replay_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      GDir *dir = g_dir_open (path, 0, NULL);
      g_assert_nonnull (dir);
      GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_dir_close (dir);
      /* Sorted, so the order (and any failure) is reproducible. */
      g_ptr_array_sort (names, compare_paths);
      for (guint i = 0; i < names->len; i++)
        replay_path (names->pdata[i]);
      g_ptr_array_unref (names);
      return;
    }

  gchar *contents;
  gsize size;
  GError *error = NULL;
  if (!g_file_get_contents (path, &contents, &size, &error))
    g_error ("%s", error->message);
  feed_variants ((const guint8 *) contents, size);
  g_free (contents);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    replay_path (argv[i]);
  g_print ("replayed %u inputs\n", n_inputs);
  return n_inputs > 0 ? 0 : 1;
}
