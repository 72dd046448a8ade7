/* fovea-random-tensors.h: a list of tensors filled from a seeded
 * splitmix64 stream, written as one safetensors file: what the random-
 * weight model generators (fovea-random-vit.c, fovea-random-cnn.c) share.
 * The same seed gives the same values on every machine. */
#pragma once

#include "fovea-safetensors.h"

G_BEGIN_DECLS

typedef struct {
  GArray    *views;    /* FoveaTensorView */
  GPtrArray *owned;    /* names and data */
  guint64    state;    /* splitmix64 */
} FoveaRandomTensors;

void     fovea_random_tensors_init  (FoveaRandomTensors *list,
                                     guint64             seed);
void     fovea_random_tensors_clear (FoveaRandomTensors *list);
/* The stream's next value, uniform in [-1, 1) (24 bits). */
float    fovea_random_uniform       (guint64            *state);
/* Appends name (taken) of the given shape, its values centre + spread ·
 * the list's next uniform values. */
void     fovea_random_tensors_add   (FoveaRandomTensors *list,
                                     char               *name,
                                     float               centre,
                                     float               spread,
                                     int                 n_dims,
                                     const gint64       *shape);
/* Writes the tensors, in the order added, as dtype (F32, or rounded to
 * F16 or BF16), with timm's "format": "pt" metadata. */
gboolean fovea_random_tensors_write (FoveaRandomTensors *list,
                                     const char         *path,
                                     FoveaDType          dtype,
                                     GError            **error);

G_END_DECLS
