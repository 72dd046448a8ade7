/* bench-model.h: the ViT a model benchmark times. */
#pragma once

#include "fovea-vit.h"

G_BEGIN_DECLS

/* $FOVEA_BENCH_MODEL when set, else a random-weight `architecture` with
 * num_classes outputs written into a temporary folder (*tmp_dir; remove
 * it with fovea_test_rmdir). Aborts on error: a benchmark has nothing to
 * measure without its model. */
FoveaVit *bench_model_load (const char *architecture,
                            int         num_classes,
                            char      **tmp_dir);
/* "random weights", or the folder the model came from. */
const char *bench_model_source (const char *tmp_dir);

G_END_DECLS
