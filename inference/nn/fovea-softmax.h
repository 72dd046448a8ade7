/* fovea-softmax.h: a classifier's logits read as probabilities, the one
 * way the task cards, the trainer's validation and the tests read them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* probs (n values) = softmax (logits), shifted by the maximum so that
 * large logits do not overflow; probs may equal logits. Precise rather
 * than fast: libm's expf for each value, the sum and the division in
 * double. (The attention kernels' softmax, fovea_softmax_row_approx in
 * fovea-kernels.h, trades that for a vectorised approximate e^x.) */
void fovea_softmax_precise (const float *logits,
                            int          n,
                            float       *probs);
/* Index of the largest value; the first one on ties, as argmax. */
int  fovea_argmax          (const float *values,
                            int          n);

G_END_DECLS
