/* fovea-hash-cache.c: SHA-256 of files, remembered under the user's cache
 * directory and keyed by the file's metadata. */
#define G_LOG_DOMAIN "fovea-hash-cache"

#include "fovea-hash-cache.h"

#include "fovea-output-guard.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_VERSION 1
#define SHA256_HEX_LENGTH 64
/* Few system calls, yet small enough to stay in cache while hashed. */
#define READ_CHUNK (1 << 20)

/* An error from errno, naming the file: "Cannot read PATH: reason". */
static void
set_errno_error (GError **error, const char *what, const char *path)
{
  int saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               "%s %s: %s", what, path, g_strerror (saved));
}

/* Everything about a file that changes when its contents may have. */
static char *
stat_key (const struct stat *st)
{
  return g_strdup_printf ("dev=%" G_GUINT64_FORMAT " ino=%" G_GUINT64_FORMAT
                          " size=%" G_GINT64_FORMAT
                          " mtime=%" G_GINT64_FORMAT ".%09ld ctime=%" G_GINT64_FORMAT ".%09ld",
                          (guint64) st->st_dev, (guint64) st->st_ino, (gint64) st->st_size,
                          (gint64) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                          (gint64) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* Changed within FOVEA_HASH_CACHE_RACY_S of now (see the header). */
static gboolean
is_racy (const struct stat *st)
{
  gint64 ctime_us = (gint64) st->st_ctim.tv_sec * G_USEC_PER_SEC + st->st_ctim.tv_nsec / 1000;
  return g_get_real_time () - ctime_us < FOVEA_HASH_CACHE_RACY_S * G_USEC_PER_SEC;
}

static gboolean
is_sha256_hex (const char *text)
{
  if (text == NULL || strlen (text) != SHA256_HEX_LENGTH)
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c) || g_ascii_isupper (*c))
      return FALSE;
  return TRUE;
}

static const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The hash an entry remembers, if the entry is well formed and its file
 * still has the metadata key. */
static const char *
entry_hash (JsonNode *entry, const char *key)
{
  if (!JSON_NODE_HOLDS_OBJECT (entry))
    return NULL;
  JsonObject *object = json_node_get_object (entry);
  const char *hash = string_member (object, "sha256");
  if (g_strcmp0 (string_member (object, "stat"), key) != 0 || !is_sha256_hex (hash))
    return NULL;
  return hash;
}

static char *
cache_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "fovea", "sha256-cache.json", NULL);
}

/* The cache's entries by canonical path; empty when there is no usable
 * cache file. */
static JsonObject *
cache_load (const char *path)
{
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, &length, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Ignoring the hash cache: %s", error->message);
      return json_object_new ();
    }

  g_autoptr (JsonParser) parser = json_parser_new ();
  if (json_parser_load_from_data (parser, text, (gssize) length, NULL))
    {
      JsonNode *root = json_parser_get_root (parser);
      /* An empty file parses, with no root. */
      JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
                           ? json_node_get_object (root) : NULL;
      JsonNode *version = object ? json_object_get_member (object, "version") : NULL;
      JsonNode *files = object ? json_object_get_member (object, "files") : NULL;
      if (version != NULL && json_node_get_value_type (version) == G_TYPE_INT64 &&
          json_node_get_int (version) == CACHE_VERSION &&
          files != NULL && JSON_NODE_HOLDS_OBJECT (files))
        return json_object_ref (json_node_get_object (files));
    }
  g_debug ("Ignoring the hash cache %s: not a version %d cache; it will be rewritten",
           path, CACHE_VERSION);
  return json_object_new ();
}

/* Remembers path's hash, re-reading the cache first so that entries other
 * processes added meanwhile survive, and dropping those whose files are
 * gone or changed: they could never be used again. */
static void
cache_store (const char *path, const char *canonical, const char *key, const char *sha256)
{
  g_autoptr (JsonObject) old_files = cache_load (path);
  g_autoptr (JsonObject) files = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *entry;
  json_object_iter_init (&iter, old_files);
  while (json_object_iter_next (&iter, &name, &entry))
    {
      struct stat st;
      if (strcmp (name, canonical) == 0 || g_stat (name, &st) != 0)
        continue;
      g_autofree char *current = stat_key (&st);
      if (entry_hash (entry, current) != NULL)
        json_object_set_member (files, name, json_node_copy (entry));
    }
  JsonObject *added = json_object_new ();
  json_object_set_string_member (added, "stat", key);
  json_object_set_string_member (added, "sha256", sha256);
  json_object_set_object_member (files, canonical, added);

  g_autoptr (JsonObject) root_object = json_object_new ();
  json_object_set_int_member (root_object, "version", CACHE_VERSION);
  json_object_set_object_member (root_object, "files", json_object_ref (files));
  g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), root_object);
  g_autofree char *text = json_to_string (root, TRUE);

  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_debug ("Cannot create %s for the hash cache: %s", dir, g_strerror (errno));
  else if (!fovea_output_write_atomic (path, text, strlen (text), 0600, &error))
    g_debug ("Cannot write the hash cache: %s", error->message);
}

static char *
hash_fd (int fd, const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (READ_CHUNK);
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_prefix_error (error, "Hashing %s: ", path);
          return NULL;
        }
      gssize n = read (fd, buffer, READ_CHUNK);
      if (n == 0)
        break;
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, "Cannot read", path);
          return NULL;
        }
      g_checksum_update (checksum, buffer, n);
    }
  return g_strdup (g_checksum_get_string (checksum));
}

/* The hash of the open file fd, from the cache when its metadata match. */
static char *
sha256_of_fd (int fd, const char *path, GCancellable *cancellable, GError **error)
{
  struct stat before, after;
  if (fstat (fd, &before) != 0)
    {
      set_errno_error (error, "Cannot read", path);
      return NULL;
    }
  if (!S_ISREG (before.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "Cannot hash %s: not a regular file", path);
      return NULL;
    }
  g_autofree char *canonical = realpath (path, NULL);
  if (canonical == NULL)
    {
      set_errno_error (error, "Cannot resolve", path);
      return NULL;
    }

  g_autofree char *key = stat_key (&before);
  g_autofree char *cache = cache_path ();
  g_autoptr (JsonObject) files = cache_load (cache);
  JsonNode *entry = json_object_get_member (files, canonical);
  const char *cached = entry != NULL ? entry_hash (entry, key) : NULL;
  if (cached != NULL)
    return g_strdup (cached);

  char *sha256 = hash_fd (fd, path, cancellable, error);
  if (sha256 == NULL)
    return NULL;
  /* A file that changed while it was read has no single hash to remember. */
  g_autofree char *key_after = fstat (fd, &after) == 0 ? stat_key (&after) : NULL;
  if (g_strcmp0 (key, key_after) == 0 && !is_racy (&before))
    cache_store (cache, canonical, key, sha256);
  return sha256;
}

char *
fovea_file_sha256 (const char *path, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  /* Non-blocking, so that opening a FIFO cannot hang; reads of regular
   * files are unaffected. */
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      set_errno_error (error, "Cannot read", path);
      return NULL;
    }
  char *sha256 = sha256_of_fd (fd, path, cancellable, error);
  close (fd);
  return sha256;
}
