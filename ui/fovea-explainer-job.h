/* fovea-explainer-job.h: what the explainer's own files share
 * (fovea-explainer.c, fovea-explainer-seg.c): a map being made, returning
 * it from a worker thread, and the cache. Not for other files. */
#pragma once

#include "fovea-anomaly-installed.h"
#include "fovea-explain-cache.h"
#include "fovea-explainer.h"

G_BEGIN_DECLS

/* What a worker needs to make one map; the task's data. */
typedef struct {
  FoveaOverlayKind   kind;
  FoveaDocument     *document;  /* keeps the image alive */
  char              *source;
  float             *values;    /* rollout, Grad-CAM: computed first */
  int                width, height;
  FoveaInstalledBank *bank;      /* anomaly: a copy */
  FoveaSegModels    *seg_models; /* segmentation: the set it was asked of */
  char              *seg_task;
} FoveaExplainJob;

void               fovea_explain_job_free      (FoveaExplainJob *job);

/* Returns map (or error when map is NULL) unless the task was cancelled
 * meanwhile (it then has returned already, and both are freed); a map
 * made counts in fovea_explainer_get_n_computed(). For workers. */
void               fovea_explainer_return_map  (GTask           *task,
                                                FoveaExplainMap *map,
                                                GError          *error);
/* The maps made, by document. */
FoveaExplainCache *fovea_explainer_get_cache   (FoveaExplainer  *self);

G_END_DECLS
