/* fovea-loss.c: cross-entropy, MSE and binary cross-entropy with their
 * gradients, following PyTorch's formulas term for term (including how
 * the class weights enter the label-smoothing term and the mean).
 *
 * Sums run in double so that the loss of a whole batch does not depend on
 * float rounding; the gradients are rounded to float once, at the end.
 *
 * Samples PyTorch would ignore or reject (a label outside 0 … C-1, the
 * analogue of ignore_index) add nothing and get a zero gradient row. When
 * nothing is left to average (an empty batch, or target weights summing
 * to zero) the loss is 0 and every gradient is 0: PyTorch would give NaN,
 * which would poison the weights at the next step. */
#define G_LOG_DOMAIN "fovea-loss"

#include "fovea-loss.h"

#include <math.h>
#include <string.h>

/* log (1 + e^x) without overflow for large x or loss of precision for
 * very negative x. */
static double
softplus (double x)
{
  return MAX (x, 0.0) + log1p (exp (-fabs (x)));
}

static double
sigmoid (double x)
{
  if (x >= 0)
    return 1.0 / (1.0 + exp (-x));
  double e = exp (x);
  return e / (1.0 + e);
}

/* log Σ_c e^{z_c}, shifted by the maximum so that no exp overflows. */
static double
log_sum_exp (const float *z, int n)
{
  double max = z[0];
  for (int c = 1; c < n; c++)
    max = MAX (max, (double) z[c]);
  double sum = 0;
  for (int c = 0; c < n; c++)
    sum += exp ((double) z[c] - max);
  return max + log (sum);
}

static double
class_weight (const float *class_weights, int c)
{
  return class_weights ? class_weights[c] : 1.0;
}

/* With nll_i(c) = -log p_ic, PyTorch's weighted, smoothed cross-entropy is
 *   L = Σ_i [(1-ε) w_{y_i} nll_i(y_i) + ε/C Σ_c w_c nll_i(c)] / Σ_i w_{y_i}
 * and since ∂nll_i(c)/∂z_ij = p_ij - [j = c],
 *   ∂L/∂z_ij = [p_ij ((1-ε) w_{y_i} + ε/C Σ_c w_c)
 *               - (1-ε) w_{y_i} [j = y_i] - ε/C w_j] / Σ_i w_{y_i}. */
double
fovea_loss_cross_entropy (const float *logits,
                          const int   *labels,
                          int          batch,
                          int          n_classes,
                          const float *class_weights,
                          double       smoothing,
                          float       *dlogits)
{
  g_return_val_if_fail (batch >= 0 && n_classes > 0, 0.0);
  g_return_val_if_fail (batch == 0 || (logits && labels && dlogits), 0.0);

  double eps = smoothing, share = smoothing / n_classes;
  double weight_sum = 0;
  for (int c = 0; c < n_classes; c++)
    weight_sum += class_weight (class_weights, c);

  /* The mean divides by Σ_i w_{y_i}; known first, so that each gradient
   * is rounded to float once. */
  double target_weights = 0;
  for (int i = 0; i < batch; i++)
    if (labels[i] >= 0 && labels[i] < n_classes)
      target_weights += class_weight (class_weights, labels[i]);
  if (target_weights == 0)
    {
      if (batch > 0)
        memset (dlogits, 0, sizeof (float) * (gsize) batch * n_classes);
      return 0.0;
    }

  double total = 0;
  for (int i = 0; i < batch; i++)
    {
      const float *z = logits + (gsize) i * n_classes;
      float *dz = dlogits + (gsize) i * n_classes;
      int y = labels[i];
      if (y < 0 || y >= n_classes)
        {
          memset (dz, 0, sizeof (float) * n_classes);
          continue;
        }
      double lse = log_sum_exp (z, n_classes);
      double wy = class_weight (class_weights, y);
      double smooth = 0;
      if (eps != 0)
        for (int c = 0; c < n_classes; c++)
          smooth += class_weight (class_weights, c) * (lse - z[c]);
      total += (1 - eps) * wy * (lse - z[y]) + share * smooth;

      double p_scale = (1 - eps) * wy + share * weight_sum;
      for (int j = 0; j < n_classes; j++)
        {
          double g = exp (z[j] - lse) * p_scale - share * class_weight (class_weights, j);
          if (j == y)
            g -= (1 - eps) * wy;
          dz[j] = (float) (g / target_weights);
        }
    }
  return total / target_weights;
}

double
fovea_loss_mse (const float *outputs,
                const float *targets,
                int          batch,
                float       *doutputs)
{
  g_return_val_if_fail (batch >= 0, 0.0);
  if (batch == 0)
    return 0.0;
  g_return_val_if_fail (outputs && targets && doutputs, 0.0);

  double sum = 0;
  for (int i = 0; i < batch; i++)
    {
      double d = (double) outputs[i] - targets[i];
      sum += d * d;
      doutputs[i] = (float) (2.0 * d / batch);
    }
  return sum / batch;
}

/* With σ the sigmoid and a = pos_weight, PyTorch's per-sample loss is
 *   l = -[a t log σ(x) + (1-t) log (1-σ(x))]
 *     = a t softplus(-x) + (1-t) softplus(x),
 * whose derivative is dl/dx = σ(x) (a t + 1 - t) - a t. */
double
fovea_loss_bce (const float *logits,
                const float *targets,
                int          batch,
                double       pos_weight,
                float       *dlogits)
{
  g_return_val_if_fail (batch >= 0, 0.0);
  if (batch == 0)
    return 0.0;
  g_return_val_if_fail (logits && targets && dlogits, 0.0);

  double a = pos_weight > 0 ? pos_weight : 1.0;
  double sum = 0;
  for (int i = 0; i < batch; i++)
    {
      double x = logits[i], t = targets[i];
      sum += a * t * softplus (-x) + (1 - t) * softplus (x);
      dlogits[i] = (float) ((sigmoid (x) * (a * t + 1 - t) - a * t) / batch);
    }
  return sum / batch;
}
