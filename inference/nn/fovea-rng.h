/* fovea-rng.h: splitmix64 (Steele, Lea and Flood, 2014), the one step
 * behind every seeded random number in Fovea: the seeding of the training
 * data's generators, the random initialisation of trainable models and
 * the random-weight models of the benchmarks. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Advances *state by the golden-ratio increment and returns the next 64
 * mixed bits. */
static inline guint64
fovea_splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

G_END_DECLS
