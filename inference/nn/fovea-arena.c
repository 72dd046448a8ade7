/* fovea-arena.c: see fovea-arena.h. */
#define G_LOG_DOMAIN "fovea-arena"

#include "fovea-arena.h"

#include <stdlib.h>

gsize
fovea_arena_plan_floats (FoveaArenaPlan *plan, double n_floats)
{
  gsize at = plan->offset;
  double bytes = n_floats * sizeof (float);

  plan->planned += bytes + FOVEA_ARENA_ALIGN;
  if (plan->planned < FOVEA_ARENA_MAX_BYTES)
    plan->offset += ((gsize) bytes + FOVEA_ARENA_ALIGN - 1) / FOVEA_ARENA_ALIGN * FOVEA_ARENA_ALIGN;
  return at;
}

void *
fovea_arena_alloc (const FoveaArenaPlan *plan)
{
  void *arena = NULL;

  if (plan->planned >= FOVEA_ARENA_MAX_BYTES ||
      posix_memalign (&arena, FOVEA_ARENA_ALIGN, MAX (plan->offset, 1)) != 0)
    return NULL;
  return arena;
}
