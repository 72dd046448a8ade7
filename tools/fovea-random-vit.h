/* fovea-random-vit.h: timm ViTs and MeLo adapters with seeded random
 * weights, in the formats Fovea reads, for benchmarks and experiments.
 * Random weights make the speed and memory of a real model measurable
 * without shipping one; their outputs mean nothing. */
#pragma once

#include "fovea-vit-config.h"

G_BEGIN_DECLS

/* Writes dir/config.json and dir/model.safetensors (created as needed)
 * for a timm architecture name such as "vit_base_patch16_224", with its
 * default hyper-parameters, num_classes outputs and ImageNet
 * preprocessing. Weights are F32, roughly as timm initialises them. */
gboolean fovea_random_vit_write  (const char *dir,
                                  const char *architecture,
                                  int         num_classes,
                                  guint64     seed,
                                  GError    **error);

/* Writes a MeLo adapter file for a backbone with this config: rank-r
 * w_a/w_b on the q and v of every block and a head of head_classes
 * (none if 0). */
gboolean fovea_random_melo_write (const char           *path,
                                  const FoveaVitConfig *config,
                                  int                   rank,
                                  int                   head_classes,
                                  guint64               seed,
                                  GError              **error);

G_END_DECLS
