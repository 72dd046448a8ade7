/* fovea-explain-cache.h: explanation maps already made, per (document,
 * source, kind), so that switching back to an overlay is instant.
 *
 * The source says what the map explains: the model and task for saliency,
 * the bank for anomaly (which does not depend on the task). Memory is
 * bounded by keeping the maps of the few documents used last only: a map
 * of a 1024-pixel image is about 8 MB. Main thread only. */
#pragma once

#include "fovea-document.h"
#include "fovea-explain-map.h"

G_BEGIN_DECLS

/* How many documents keep their maps. */
#define FOVEA_EXPLAIN_CACHE_N_DOCUMENTS 3

typedef struct _FoveaExplainCache FoveaExplainCache;

FoveaExplainCache *fovea_explain_cache_new    (void);
void               fovea_explain_cache_free   (FoveaExplainCache *cache);

/* The map stored for the key, or NULL (borrowed). Marks the document as
 * used last. */
FoveaExplainMap   *fovea_explain_cache_lookup (FoveaExplainCache *cache,
                                               FoveaDocument     *document,
                                               const char        *source,
                                               FoveaOverlayKind   kind);
/* Stores a reference to map under the key, replacing any, and forgets the
 * maps of the document used longest ago when more than
 * FOVEA_EXPLAIN_CACHE_N_DOCUMENTS documents have maps. */
void               fovea_explain_cache_insert (FoveaExplainCache *cache,
                                               FoveaDocument     *document,
                                               const char        *source,
                                               FoveaOverlayKind   kind,
                                               FoveaExplainMap   *map);
/* Forgets every map, e.g. when the models change. */
void               fovea_explain_cache_clear  (FoveaExplainCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaExplainCache, fovea_explain_cache_free)

G_END_DECLS
