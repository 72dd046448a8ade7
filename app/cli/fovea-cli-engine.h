/* fovea-cli-engine.h: what the commands that run a model (`infer`,
 * `bench`, `grade`, `report` and `explain`) share: loading a model and its
 * adapters into an engine, given or found among the installed models,
 * and reporting failures the same way. */
#pragma once

#include "fovea-engine.h"

G_BEGIN_DECLS

/* Adds the options that every command loading an engine shares
 * (--precision auto|fp32|bf16) to context; fovea_cli_load_engine uses
 * what they were set to. */
void         fovea_cli_engine_add_options (GOptionContext *context);

/* Loads model_dir and each adapter (NULL-terminated, may be NULL).
 * Without model_dir (and adapters), the installed models are searched
 * (bundled first, then the user's; fovea-model-catalog.h) for one that
 * has every task of task_names (NULL or empty: the first usable model),
 * and it is loaded with those tasks' adapters (all of its adapters when
 * no task is named). On failure prints "fovea-cli COMMAND: message" to
 * stderr and returns NULL. */
FoveaEngine *fovea_cli_load_engine (const char        *command,
                                    const char        *model_dir,
                                    const char *const *adapters,
                                    const char *const *task_names,
                                    int                melo_scale,
                                    int                n_threads);

G_END_DECLS
