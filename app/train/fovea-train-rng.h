/* fovea-train-rng.h: the random numbers of training data, reproducible
 * anywhere. xoshiro256** (Blackman and Vigna), its state filled by
 * splitmix64 from a hash of (seed, stream, epoch, index): every sample of
 * every epoch has its own generator, so the numbers it gets do not depend
 * on which thread loads it or in what order. */
#pragma once

#include <glib.h>

#include "fovea-rng.h"

G_BEGIN_DECLS

/* Independent streams from one seed. */
#define FOVEA_TRAIN_RNG_AUGMENT ((guint64) 0x6175676d656e74)  /* "augment" */
#define FOVEA_TRAIN_RNG_ORDER   ((guint64) 0x6f72646572)      /* "order" */
#define FOVEA_TRAIN_RNG_SPMIX   ((guint64) 0x73706d6978)      /* "spmix" */

typedef struct {
  guint64 s[4];
} FoveaTrainRng;

static inline void
fovea_train_rng_seed (FoveaTrainRng *rng, guint64 seed, guint64 stream,
                      gint64 epoch, gint64 index)
{
  /* Each input goes through a full splitmix round before the next is
   * mixed in, so nearby (epoch, index) pairs give unrelated states. */
  guint64 h = seed;
  guint64 parts[3] = { stream, (guint64) epoch, (guint64) index };
  for (int i = 0; i < 3; i++)
    {
      h ^= parts[i];
      h = fovea_splitmix64 (&h);
    }
  for (int i = 0; i < 4; i++)
    rng->s[i] = fovea_splitmix64 (&h);
}

static inline guint64
fovea_train_rng_rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
fovea_train_rng_next (FoveaTrainRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = fovea_train_rng_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = fovea_train_rng_rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1), 53 random bits. */
static inline double
fovea_train_rng_uniform (FoveaTrainRng *rng)
{
  return (double) (fovea_train_rng_next (rng) >> 11) * 0x1.0p-53;
}

/* Uniform in [lo, hi). */
static inline double
fovea_train_rng_range (FoveaTrainRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * fovea_train_rng_uniform (rng);
}

/* Uniform in [0, n), without modulo bias; n > 0. */
static inline guint64
fovea_train_rng_below (FoveaTrainRng *rng, guint64 n)
{
  guint64 threshold = (0 - n) % n;  /* 2^64 mod n */
  for (;;)
    {
      guint64 r = fovea_train_rng_next (rng);
      if (r >= threshold)
        return r % n;
    }
}

G_END_DECLS
