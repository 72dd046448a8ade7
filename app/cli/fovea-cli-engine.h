/* fovea-cli-engine.h: what `infer` and `bench` share: loading a model and
 * its adapters into an engine, reporting failures the same way. */
#pragma once

#include "fovea-engine.h"

G_BEGIN_DECLS

/* Loads model_dir and each adapter (NULL-terminated, may be NULL). On
 * failure prints "fovea-cli COMMAND: message" to stderr and returns NULL. */
FoveaEngine *fovea_cli_load_engine (const char        *command,
                                    const char        *model_dir,
                                    const char *const *adapters,
                                    int                melo_scale,
                                    int                n_threads);

G_END_DECLS
