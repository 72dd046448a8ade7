/* bench-model.c: see bench-model.h. */
#include "bench-model.h"

#include "fovea-test-common.h"
#include "tools/fovea-random-vit.h"

FoveaVit *
bench_model_load (const char *architecture, int num_classes, char **tmp_dir)
{
  g_autoptr (GError) error = NULL;
  const char *dir = g_getenv ("FOVEA_BENCH_MODEL");

  *tmp_dir = NULL;
  if (dir == NULL)
    {
      dir = *tmp_dir = fovea_test_mkdtemp ();
      if (!fovea_random_vit_write (dir, architecture, num_classes, 1, &error))
        g_error ("%s", error->message);
    }
  FoveaVit *vit = fovea_vit_load (dir, &error);
  if (vit == NULL)
    g_error ("%s", error->message);
  return vit;
}

const char *
bench_model_source (const char *tmp_dir)
{
  return tmp_dir != NULL ? "random weights" : g_getenv ("FOVEA_BENCH_MODEL");
}
