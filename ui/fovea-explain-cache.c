/* fovea-explain-cache.c: a short most-recently-used list of documents,
 * each with its maps by "kind:source". */
#define G_LOG_DOMAIN "fovea-explain-cache"

#include "config.h"

#include "fovea-explain-cache.h"

typedef struct {
  FoveaDocument *document;  /* a reference: a freed one's address could come back */
  GHashTable    *maps;      /* "kind:source" → FoveaExplainMap */
} DocumentMaps;

struct _FoveaExplainCache
{
  GQueue documents;  /* DocumentMaps, used last first */
};

static void
document_maps_free (DocumentMaps *entry)
{
  g_object_unref (entry->document);
  g_hash_table_unref (entry->maps);
  g_free (entry);
}

static char *
make_key (const char       *source,
          FoveaOverlayKind  kind)
{
  return g_strdup_printf ("%d:%s", (int) kind, source != NULL ? source : "");
}

/* The document's entry, moved to the front; NULL when it has none. */
static DocumentMaps *
find_document (FoveaExplainCache *cache,
               FoveaDocument     *document)
{
  for (GList *l = cache->documents.head; l != NULL; l = l->next)
    {
      DocumentMaps *entry = l->data;

      if (entry->document != document)
        continue;
      g_queue_unlink (&cache->documents, l);
      g_queue_push_head_link (&cache->documents, l);
      return entry;
    }
  return NULL;
}

FoveaExplainCache *
fovea_explain_cache_new (void)
{
  FoveaExplainCache *cache = g_new0 (FoveaExplainCache, 1);

  g_queue_init (&cache->documents);
  return cache;
}

void
fovea_explain_cache_clear (FoveaExplainCache *cache)
{
  g_return_if_fail (cache != NULL);

  g_queue_clear_full (&cache->documents, (GDestroyNotify) document_maps_free);
}

void
fovea_explain_cache_free (FoveaExplainCache *cache)
{
  if (cache == NULL)
    return;
  fovea_explain_cache_clear (cache);
  g_free (cache);
}

FoveaExplainMap *
fovea_explain_cache_lookup (FoveaExplainCache *cache,
                            FoveaDocument     *document,
                            const char        *source,
                            FoveaOverlayKind   kind)
{
  DocumentMaps *entry;
  g_autofree char *key = NULL;

  g_return_val_if_fail (cache != NULL, NULL);
  g_return_val_if_fail (FOVEA_IS_DOCUMENT (document), NULL);

  entry = find_document (cache, document);
  if (entry == NULL)
    return NULL;
  key = make_key (source, kind);
  return g_hash_table_lookup (entry->maps, key);
}

void
fovea_explain_cache_insert (FoveaExplainCache *cache,
                            FoveaDocument     *document,
                            const char        *source,
                            FoveaOverlayKind   kind,
                            FoveaExplainMap   *map)
{
  DocumentMaps *entry;

  g_return_if_fail (cache != NULL);
  g_return_if_fail (FOVEA_IS_DOCUMENT (document));
  g_return_if_fail (map != NULL);

  entry = find_document (cache, document);
  if (entry == NULL)
    {
      entry = g_new0 (DocumentMaps, 1);
      entry->document = g_object_ref (document);
      entry->maps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) fovea_explain_map_unref);
      g_queue_push_head (&cache->documents, entry);
    }
  g_hash_table_replace (entry->maps, make_key (source, kind), fovea_explain_map_ref (map));

  while (g_queue_get_length (&cache->documents) > FOVEA_EXPLAIN_CACHE_N_DOCUMENTS)
    document_maps_free (g_queue_pop_tail (&cache->documents));
}
