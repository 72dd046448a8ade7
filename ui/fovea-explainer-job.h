/* fovea-explainer-job.h: what the explainer's own files share
 * (fovea-explainer.c, fovea-explainer-seg.c, fovea-explainer-flagger.c):
 * a map being made, returning it from a worker thread, shrinking a map,
 * and the cache. Not for other files. */
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
  FoveaSegModels    *seg_models; /* segmentation, flagger: the set it was asked of */
  char              *seg_task;   /* their model's task name */
} FoveaExplainJob;

void               fovea_explain_job_free      (FoveaExplainJob *job);

/* Returns map (or error when map is NULL) unless the task was cancelled
 * meanwhile (it then has returned already, and both are freed); a map
 * made counts in fovea_explainer_get_n_computed(). For workers. */
void               fovea_explainer_return_map  (GTask           *task,
                                                FoveaExplainMap *map,
                                                GError          *error);
/* A map of width × height is drawn at most MAP_MAX_SIDE on its longer
 * side, this size; pixel i of out_n is sampled from pixel
 * fovea_explain_sample_index (i, n, out_n) of n, at pixel centres (which
 * keeps the FOV's zeros exact). */
void               fovea_explain_shrunk_size   (int              width,
                                                int              height,
                                                int             *out_width,
                                                int             *out_height);
int                fovea_explain_sample_index  (int              i,
                                                int              n,
                                                int              out_n);
/* Anomaly by the flagger for the job's document's modality, if one is
 * installed: runs it in a worker thread and returns TRUE; otherwise
 * FALSE, task untouched (fovea-explainer-flagger.c). */
gboolean           fovea_explainer_run_flagger (FoveaExplainer  *self,
                                                GTask           *task);
/* The maps made, by document. */
FoveaExplainCache *fovea_explainer_get_cache   (FoveaExplainer  *self);

G_END_DECLS
