/* fovea-arena.h: planning and allocating an activation arena, the one
 * block of memory a model's buffers are laid out in.
 *
 * A layout is planned first, buffer after buffer, each on a cache line
 * (and an AVX-512 vector); sizes are also summed in double, so that an
 * absurd geometry is refused before any gsize arithmetic could wrap. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define FOVEA_ARENA_ALIGN 64
/* Plans of this many bytes or more are refused (64 TiB: more than any
 * machine has, far below where a gsize could wrap). */
#define FOVEA_ARENA_MAX_BYTES 0x1p46

typedef struct {
  gsize  offset;   /* bytes so far */
  double planned;  /* the same with each buffer's alignment slack, in double */
} FoveaArenaPlan;

#define FOVEA_ARENA_PLAN_INIT { 0, 0.0 }

/* Reserves n_floats floats; returns their offset from the arena's start. */
gsize fovea_arena_plan_floats (FoveaArenaPlan       *plan,
                               double                n_floats);
/* The planned arena, aligned (free with free ()); NULL when the plan
 * reaches FOVEA_ARENA_MAX_BYTES or the memory cannot be had. */
void *fovea_arena_alloc       (const FoveaArenaPlan *plan);

G_END_DECLS
