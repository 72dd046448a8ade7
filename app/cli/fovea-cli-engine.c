/* fovea-cli-engine.c: loading the engine for `infer` and `bench`. */
#include "config.h"

#include <stdio.h>

#include "fovea-cli-engine.h"

FoveaEngine *
fovea_cli_load_engine (const char *command, const char *model_dir,
                       const char *const *adapters, int melo_scale, int n_threads)
{
  if (model_dir == NULL)
    {
      fprintf (stderr, "fovea-cli %s: --model DIR is required\n", command);
      return NULL;
    }
  if (melo_scale < 0)
    {
      fprintf (stderr, "fovea-cli %s: --melo-scale must be positive\n", command);
      return NULL;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (model_dir, n_threads, &error);
  if (engine == NULL)
    {
      fprintf (stderr, "fovea-cli %s: %s\n", command, error->message);
      return NULL;
    }
  const FoveaAdapterOptions options = { .melo_scale = melo_scale };
  for (guint i = 0; adapters != NULL && adapters[i] != NULL; i++)
    {
      if (fovea_engine_add_adapter (engine, adapters[i], &options, &error) < 0)
        {
          fprintf (stderr, "fovea-cli %s: %s\n", command, error->message);
          return NULL;
        }
    }
  return g_steal_pointer (&engine);
}
