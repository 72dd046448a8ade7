/* fovea-softmax.c: see fovea-softmax.h. */
#define G_LOG_DOMAIN "fovea-softmax"

#include "fovea-softmax.h"

#include <math.h>

void
fovea_softmax_precise (const float *logits, int n, float *probs)
{
  float max = logits[0];
  double sum = 0;

  for (int i = 1; i < n; i++)
    max = MAX (max, logits[i]);
  for (int i = 0; i < n; i++)
    {
      probs[i] = expf (logits[i] - max);
      sum += probs[i];
    }
  for (int i = 0; i < n; i++)
    probs[i] = (float) (probs[i] / sum);
}

int
fovea_argmax (const float *values, int n)
{
  int best = 0;

  for (int i = 1; i < n; i++)
    if (values[i] > values[best])
      best = i;
  return best;
}
