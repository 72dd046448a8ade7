/* fovea-train-init.c: random initialisations (fovea-train-init.h). */
#define G_LOG_DOMAIN "fovea-train-init"

#include "fovea-train-init.h"

#include <math.h>

#include "fovea-rng.h"

double
fovea_init_uniform (FoveaInitRng *rng)
{
  return ((double) (fovea_splitmix64 (&rng->state) >> 11) + 0.5) * 0x1p-53;
}

double
fovea_init_normal (FoveaInitRng *rng)
{
  double u1 = fovea_init_uniform (rng), u2 = fovea_init_uniform (rng);
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
fovea_init_trunc_normal (FoveaInitRng *rng, float *out, gsize n, double std)
{
  for (gsize i = 0; i < n; i++)
    {
      double v;
      do
        v = std * fovea_init_normal (rng);
      while (v < -2.0 || v > 2.0);
      out[i] = (float) v;
    }
}

void
fovea_init_normal_fill (FoveaInitRng *rng, float *out, gsize n, double std)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (std * fovea_init_normal (rng));
}

void
fovea_init_uniform_fill (FoveaInitRng *rng, float *out, gsize n, double bound)
{
  for (gsize i = 0; i < n; i++)
    out[i] = (float) (bound * (2.0 * fovea_init_uniform (rng) - 1.0));
}

void
fovea_init_value_fill (float *out, gsize n, float value)
{
  for (gsize i = 0; i < n; i++)
    out[i] = value;
}
