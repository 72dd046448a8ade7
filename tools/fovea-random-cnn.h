/* fovea-random-cnn.h: ResNets and MobileNetV2s with seeded random
 * weights, in the hub layout Fovea reads, for benchmarks and parity
 * tests. Unlike a freshly initialised PyTorch network, every BatchNorm
 * has random running statistics and affine parameters, so that folding
 * them into the convolutions is exercised; the outputs mean nothing. */
#pragma once

#include "fovea-cnn.h"
#include "fovea-safetensors.h"

G_BEGIN_DECLS

/* Writes dir/config.json (config_json, as given) and dir/model.safetensors
 * (created as needed) with every tensor the config's network has, as
 * dtype:
 *   convolutions    uniform, He's variance (2 / fan-in)
 *   BatchNorm       γ in [0.5, 1.5), β and running_mean in [-0.2, 0.2),
 *                   running_var in [0.5, 1.5)
 *   head            uniform, variance 1 / fan-in; bias in [-0.1, 0.1) */
gboolean fovea_random_cnn_write        (const char *dir,
                                        const char *config_json,
                                        FoveaDType  dtype,
                                        guint64     seed,
                                        GError    **error);
/* config.json for an architecture as fovea-make-random-cnn writes it:
 * ImageNet preprocessing at 224, model_args.pad_type when pad_type is
 * not NULL, global_pool when not NULL. */
char    *fovea_random_cnn_config_json  (const char *architecture,
                                        int         num_classes,
                                        const char *pad_type,
                                        const char *global_pool);
/* A FoveaCnnTensorFunc adding a random tensor of that role and shape
 * (as above) to a FoveaRandomTensors list (data). */
void     fovea_random_cnn_add_tensor   (const char         *name,
                                        FoveaCnnTensorRole  role,
                                        int                 n_dims,
                                        const gint64       *shape,
                                        gpointer            data);
/* n input values (normalised pixels), uniform in [-2, 2), from seed. */
void     fovea_random_cnn_pixels       (float      *pixels,
                                        gsize       n,
                                        guint64     seed);

G_END_DECLS
