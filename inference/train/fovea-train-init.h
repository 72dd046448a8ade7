/* fovea-train-init.h: the random initialisations of trained tensors,
 * reproducible anywhere: splitmix64 (Steele, Lea and Flood, 2014) seeded
 * with the caller's seed, uniform doubles in (0, 1) from the top 53
 * bits, normals by Box-Muller (the cosine branch, one per pair of
 * uniforms) and truncated normals by rejection, as timm's trunc_normal_
 * (bounds ±2, absolute). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 state;
} FoveaInitRng;

double fovea_init_uniform      (FoveaInitRng *rng);
double fovea_init_normal       (FoveaInitRng *rng);
/* out[i] ~ N (0, std²) rejected outside [−2, 2] (timm's trunc_normal_). */
void   fovea_init_trunc_normal (FoveaInitRng *rng,
                                float        *out,
                                gsize         n,
                                double        std);
void   fovea_init_normal_fill  (FoveaInitRng *rng,
                                float        *out,
                                gsize         n,
                                double        std);
/* U (−bound, bound): PyTorch's default Conv2d / Linear init and PEFT's
 * kaiming_uniform_ (a = √5) on lora_A both give bound 1 / √fan_in. */
void   fovea_init_uniform_fill (FoveaInitRng *rng,
                                float        *out,
                                gsize         n,
                                double        bound);
void   fovea_init_value_fill   (float        *out,
                                gsize         n,
                                float         value);

G_END_DECLS
