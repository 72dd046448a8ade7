/* test-hash-cache.c: file hashes against GChecksum over the whole contents
 * and known SHA-256 values; the cache proved used (a forged entry is
 * returned while the metadata match), invalidated by any change of the
 * file, rebuilt when corrupt, harmless when unwritable; the engine's card
 * check going through it.
 *
 * XDG_CACHE_HOME points into a temporary folder, set before anything asks
 * GLib for the cache directory (GLib remembers it). */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fovea-engine.h"
#include "fovea-hash-cache.h"
#include "fovea-test-common.h"

#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* A well-formed hash that no test file has. */
#define FORGED "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
/* Larger than the reader's 1 MiB chunks, and not a multiple of them. */
#define BIG_SIZE (3 * 1024 * 1024 + 12345)

static char *tmp_dir;      /* removed at the end */
static char *cache_home;   /* $XDG_CACHE_HOME */
static char *cache_file;   /* where the cache must be */

/* Files made at start-up and aged past the racy window, one per test that
 * needs a remembered hash. */
typedef enum { FILE_BIG, FILE_ABC, FILE_TOUCHED, FILE_REWRITTEN, FILE_CORRUPT,
               FILE_UNWRITABLE, N_FILES } AgedFile;
static char *aged[N_FILES];

static void
write_file (const char *path, const char *contents, gsize length)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, contents, (gssize) length, &error));
  g_assert_no_error (error);
}

static void
write_big_file (const char *path, guint32 seed)
{
  g_autofree char *data = g_malloc (BIG_SIZE);
  g_autoptr (GRand) rng = g_rand_new_with_seed (seed);
  for (gsize i = 0; i < BIG_SIZE; i++)
    data[i] = (char) g_rand_int_range (rng, 0, 256);
  write_file (path, data, BIG_SIZE);
}

/* The independent reference: GChecksum over the whole contents at once. */
static char *
reference_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static char *
sha256 (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *hash = fovea_file_sha256 (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hash);
  return hash;
}

static JsonNode *
read_cache (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, cache_file, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* The cache's entry for path (resolved), or NULL. */
static JsonObject *
cache_entry (JsonNode *root, const char *path)
{
  g_autofree char *canonical = realpath (path, NULL);
  g_assert_nonnull (canonical);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "version"), ==, 1);
  JsonObject *files = json_object_get_object_member (json_node_get_object (root), "files");
  g_assert_nonnull (files);
  return json_object_has_member (files, canonical)
         ? json_object_get_object_member (files, canonical) : NULL;
}

/* Replaces the remembered hash of path with another. */
static void
forge_entry (const char *path, const char *hash)
{
  g_autoptr (JsonNode) root = read_cache ();
  JsonObject *entry = cache_entry (root, path);
  g_assert_nonnull (entry);
  json_object_set_string_member (entry, "sha256", hash);
  g_autofree char *text = json_to_string (root, TRUE);
  write_file (cache_file, text, strlen (text));
}

static void
clear_cache (void)
{
  if (g_unlink (cache_file) != 0)
    g_assert_cmpint (errno, ==, ENOENT);
}

static void
test_known_values (void)
{
  clear_cache ();
  g_autofree char *empty = g_build_filename (tmp_dir, "empty", NULL);
  write_file (empty, "", 0);
  g_autofree char *empty_hash = sha256 (empty);
  g_assert_cmpstr (empty_hash, ==, SHA256_EMPTY);

  g_autofree char *abc_hash = sha256 (aged[FILE_ABC]);
  g_assert_cmpstr (abc_hash, ==, SHA256_ABC);
  /* Twice: the second answer comes from the cache. */
  g_autofree char *abc_again = sha256 (aged[FILE_ABC]);
  g_assert_cmpstr (abc_again, ==, SHA256_ABC);

  g_autofree char *expected = reference_sha256 (aged[FILE_BIG]);
  g_autofree char *big_hash = sha256 (aged[FILE_BIG]);
  g_assert_cmpstr (big_hash, ==, expected);
  g_autofree char *big_again = sha256 (aged[FILE_BIG]);
  g_assert_cmpstr (big_again, ==, expected);

  /* Both remembered: storing one keeps the other. */
  g_autoptr (JsonNode) root = read_cache ();
  g_assert_nonnull (cache_entry (root, aged[FILE_ABC]));
  g_assert_nonnull (cache_entry (root, aged[FILE_BIG]));
}

static void
test_cache_hit (void)
{
  clear_cache ();
  const char *path = aged[FILE_BIG];
  g_autofree char *expected = reference_sha256 (path);
  g_autofree char *first = sha256 (path);
  g_assert_cmpstr (first, ==, expected);

  g_autoptr (JsonNode) root = read_cache ();
  JsonObject *entry = cache_entry (root, path);
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "sha256"), ==, expected);

  /* A forged entry is believed while the metadata match: proof that the
   * file was not read again. Through a symbolic link too: the key is the
   * canonical path. */
  forge_entry (path, FORGED);
  g_autofree char *second = sha256 (path);
  g_assert_cmpstr (second, ==, FORGED);
  g_autofree char *symlink_path = g_build_filename (tmp_dir, "link-to-big", NULL);
  g_assert_cmpint (symlink (path, symlink_path), ==, 0);
  g_autofree char *through_link = sha256 (symlink_path);
  g_assert_cmpstr (through_link, ==, FORGED);
  g_unlink (symlink_path);
}

/* A new modification time alone makes the file hashed again. */
static void
test_touched (void)
{
  clear_cache ();
  const char *path = aged[FILE_TOUCHED];
  g_autofree char *expected = reference_sha256 (path);
  g_autofree char *first = sha256 (path);
  g_assert_cmpstr (first, ==, expected);
  forge_entry (path, FORGED);

  struct stat st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  struct timespec stamps[2] = { st.st_atim, st.st_mtim };
  stamps[1].tv_nsec = (stamps[1].tv_nsec + 1) % 1000000000;
  g_assert_cmpint (utimensat (AT_FDCWD, path, stamps, 0), ==, 0);
  g_autofree char *second = sha256 (path);
  g_assert_cmpstr (second, ==, expected);
}

/* New contents of the same size with the old modification time put back
 * (as `touch -r` or a careless copy would): the change time still tells. */
static void
test_rewritten (void)
{
  clear_cache ();
  const char *path = aged[FILE_REWRITTEN];
  g_autofree char *first = sha256 (path);
  g_assert_cmpstr (first, ==, SHA256_ABC);
  forge_entry (path, FORGED);

  struct stat before, after;
  g_assert_cmpint (g_stat (path, &before), ==, 0);
  /* In place: same inode. */
  FILE *file = g_fopen (path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fputs ("abd", file), >=, 0);
  g_assert_cmpint (fclose (file), ==, 0);
  struct timespec stamps[2] = { before.st_atim, before.st_mtim };
  g_assert_cmpint (utimensat (AT_FDCWD, path, stamps, 0), ==, 0);
  g_assert_cmpint (g_stat (path, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino);
  g_assert_cmpint (after.st_size, ==, before.st_size);
  g_assert_cmpint (after.st_mtim.tv_nsec, ==, before.st_mtim.tv_nsec);

  g_autofree char *expected = reference_sha256 (path);
  g_autofree char *second = sha256 (path);
  g_assert_cmpstr (second, ==, expected);
  g_assert_cmpstr (second, !=, SHA256_ABC);
}

/* A file changed just now is hashed but not remembered. */
static void
test_racy_not_remembered (void)
{
  clear_cache ();
  g_autofree char *fresh = g_build_filename (tmp_dir, "fresh", NULL);
  write_file (fresh, "abc", 3);
  g_autofree char *hash = sha256 (fresh);
  g_assert_cmpstr (hash, ==, SHA256_ABC);
  g_assert_false (g_file_test (cache_file, G_FILE_TEST_EXISTS));

  /* Remembered entries of other files are kept. */
  g_autofree char *aged_hash = sha256 (aged[FILE_ABC]);
  g_assert_cmpstr (aged_hash, ==, SHA256_ABC);
  g_autofree char *fresh_again = sha256 (fresh);
  g_assert_cmpstr (fresh_again, ==, SHA256_ABC);
  g_autoptr (JsonNode) root = read_cache ();
  g_assert_nonnull (cache_entry (root, aged[FILE_ABC]));
  g_assert_null (cache_entry (root, fresh));
}

static void
test_corrupt_cache (void)
{
  const char *corrupt[] = {
    "",
    "{not json",
    "[1, 2]",
    "{\"version\": 2, \"files\": {}}",
    "{\"version\": \"1\", \"files\": {}}",
    "{\"version\": 1, \"files\": []}",
    "{\"version\": 1, \"files\": {\"/x\": 5, \"/y\": {\"stat\": 3, \"sha256\": []}}}",
  };
  const char *path = aged[FILE_CORRUPT];
  g_autofree char *expected = reference_sha256 (path);
  for (gsize i = 0; i < G_N_ELEMENTS (corrupt); i++)
    {
      g_test_message ("cache file: %s", corrupt[i]);
      g_autofree char *dir = g_path_get_dirname (cache_file);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      write_file (cache_file, corrupt[i], strlen (corrupt[i]));
      g_autofree char *hash = sha256 (path);
      g_assert_cmpstr (hash, ==, expected);

      /* Rewritten as a valid cache holding the entry. */
      g_autoptr (JsonNode) root = read_cache ();
      JsonObject *entry = cache_entry (root, path);
      g_assert_nonnull (entry);
      g_assert_cmpstr (json_object_get_string_member (entry, "sha256"), ==, expected);
    }

  /* An entry for the file with a malformed hash is not believed. */
  forge_entry (path, "not a hash");
  g_autofree char *hash = sha256 (path);
  g_assert_cmpstr (hash, ==, expected);
}

/* The cache's folder a regular file, or the cache file a folder: nothing
 * can be read or written, but hashes are still given. */
static void
test_unwritable_cache (void)
{
  clear_cache ();
  g_autofree char *dir = g_path_get_dirname (cache_file);
  const char *path = aged[FILE_UNWRITABLE];
  g_autofree char *expected = reference_sha256 (path);

  g_assert_cmpint (g_mkdir_with_parents (cache_file, 0700), ==, 0);
  g_autofree char *first = sha256 (path);
  g_assert_cmpstr (first, ==, expected);
  g_assert_true (g_file_test (cache_file, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_rmdir (cache_file), ==, 0);

  g_assert_cmpint (g_rmdir (dir), ==, 0);
  write_file (dir, "", 0);
  g_autofree char *second = sha256 (path);
  g_assert_cmpstr (second, ==, expected);
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_unlink (dir), ==, 0);
}

static void
test_unreadable_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-weights.safetensors", NULL);
  g_assert_null (fovea_file_sha256 (missing, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_null (fovea_file_sha256 (tmp_dir, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, tmp_dir));
  g_clear_error (&error);

  g_autofree char *fifo = g_build_filename (tmp_dir, "fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (fovea_file_sha256 (fifo, NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_clear_error (&error);
  g_unlink (fifo);

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autofree char *fresh = g_build_filename (tmp_dir, "to-cancel", NULL);
  write_file (fresh, "abc", 3);
  g_assert_null (fovea_file_sha256 (fresh, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, fresh));
}

/* The engine's card check takes the hash from the cache: a forged entry
 * for the weights makes it refuse a card with their true hash. */
static void
test_engine_card_check (void)
{
  clear_cache ();
  g_autofree char *fixture = fovea_test_fixture_path ("vit/models/tiny-token");
  g_autofree char *card_fixture = fovea_test_fixture_path ("cards/tiny-five-class.json");
  g_autofree char *model = g_build_filename (tmp_dir, "model", NULL);
  g_assert_cmpint (g_mkdir (model, 0700), ==, 0);
  /* Links to the committed files, which are old enough to be remembered. */
  const char *names[] = { "config.json", "model.safetensors" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (fixture, names[i], NULL);
      g_autofree char *to = g_build_filename (model, names[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  g_autofree char *weights = g_build_filename (model, "model.safetensors", NULL);
  g_autofree char *true_hash = reference_sha256 (weights);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_fixture, NULL));
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  json_object_set_string_member (json_object_get_object_member (card, "provenance"),
                                 "sha256", true_hash);
  g_autofree char *text = json_to_string (json_parser_get_root (parser), TRUE);
  g_autofree char *card_path = g_build_filename (model, "task_card.json", NULL);
  write_file (card_path, text, strlen (text));

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (model, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fovea_engine_get_task (engine, 0)->card);
  g_assert_cmpstr (fovea_engine_get_task (engine, 0)->card->sha256, ==, true_hash);

  forge_entry (weights, FORGED);
  g_autoptr (FoveaEngine) refused = fovea_engine_new (model, 1, &error);
  g_assert_null (refused);
  g_assert_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_CARD);
  g_assert_nonnull (strstr (error->message, FORGED));
  g_assert_nonnull (strstr (error->message, "task_card.json"));
}

static void
make_aged_files (void)
{
  for (int i = 0; i < N_FILES; i++)
    {
      aged[i] = g_strdup_printf ("%s/aged-%d", tmp_dir, i);
      if (i == FILE_BIG)
        write_big_file (aged[i], 20240601);
      else if (i == FILE_ABC || i == FILE_REWRITTEN)
        write_file (aged[i], "abc", 3);
      else
        write_big_file (aged[i], 1000 + i);
    }
  /* Only files whose change time is past the racy window are remembered. */
  g_usleep ((gulong) ((FOVEA_HASH_CACHE_RACY_S + 0.2) * G_USEC_PER_SEC));
}

int
main (int argc, char **argv)
{
  tmp_dir = fovea_test_mkdtemp ();
  cache_home = g_build_filename (tmp_dir, "cache-home", NULL);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  cache_file = g_build_filename (cache_home, "fovea", "sha256-cache.json", NULL);

  g_test_init (&argc, &argv, NULL);
  make_aged_files ();
  g_test_add_func ("/hash-cache/known-values", test_known_values);
  g_test_add_func ("/hash-cache/hit", test_cache_hit);
  g_test_add_func ("/hash-cache/touched", test_touched);
  g_test_add_func ("/hash-cache/rewritten", test_rewritten);
  g_test_add_func ("/hash-cache/racy-not-remembered", test_racy_not_remembered);
  g_test_add_func ("/hash-cache/corrupt-cache", test_corrupt_cache);
  g_test_add_func ("/hash-cache/unwritable-cache", test_unwritable_cache);
  g_test_add_func ("/hash-cache/unreadable-files", test_unreadable_files);
  g_test_add_func ("/hash-cache/engine-card-check", test_engine_card_check);
  int status = g_test_run ();

  for (int i = 0; i < N_FILES; i++)
    g_free (aged[i]);
  fovea_test_rmdir (tmp_dir);
  g_free (cache_file);
  g_free (cache_home);
  g_free (tmp_dir);
  return status;
}
