/* fovea-engine-private.h: the engine's state, shared by its source files. */
#pragma once

#include "fovea-engine.h"

G_BEGIN_DECLS

/* An activation arena for one input size, for batches up to max_batch. */
typedef struct {
  int                     height, width, max_batch;
  gboolean                attention;  /* keeps a ViT's attention maps */
  FoveaEngineBackboneRun *run;
} FoveaEngineRun;

struct _FoveaEngine {
  FoveaEngineBackbone *backbone;
  int        n_threads;
  GPtrArray *tasks;  /* FoveaEngineTask*; task 0 is the backbone */
  GArray    *runs;   /* FoveaEngineRun */
  gboolean   rollout;
  GHashTable *gradcam;  /* task index → FoveaTrainVit* (frozen), made on first use */
};

void fovea_engine_runs_clear (GArray *runs);
/* The run for this input size, made or grown to hold batch images (and
 * keep a ViT's attention maps when asked). */
FoveaEngineBackboneRun *fovea_engine_get_run (FoveaEngine *engine,
                                              int          batch,
                                              int          height,
                                              int          width,
                                              gboolean     attention,
                                              GError     **error);

G_END_DECLS
