/* fovea-seg-loss.c: weighted BCE and soft Dice per pixel (see the
 * header for the formulas). Dice needs its sums before any gradient, so
 * it reads the logits twice. */
#define G_LOG_DOMAIN "fovea-seg-loss"

#include "fovea-seg-loss.h"

#include <math.h>

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

static double
pixel_weight (const float *mask, gsize index)
{
  return mask == NULL ? 1.0 : mask[index];
}

double
fovea_seg_loss_bce (const float *logits, const float *targets, const float *mask, int batch,
                    gsize pixels, int classes, const float *class_weights, double weight,
                    float *dlogits)
{
  return fovea_seg_loss_bce_pos (logits, targets, mask, batch, pixels, classes, class_weights,
                                 NULL, weight, dlogits);
}

double
fovea_seg_loss_bce_pos (const float *logits, const float *targets, const float *mask,
                        int batch, gsize pixels, int classes, const float *class_weights,
                        const float *pos_weights, double weight, float *dlogits)
{
  gsize n = (gsize) batch * pixels;
  double kept = 0, sum = 0;

  for (gsize i = 0; i < n; i++)
    kept += pixel_weight (mask, i);
  if (!(kept > 0))
    return 0.0;

  double scale = 1.0 / (kept * classes);
  for (gsize i = 0; i < n; i++)
    {
      double m = pixel_weight (mask, i);
      if (m == 0)
        continue;
      for (int c = 0; c < classes; c++)
        {
          gsize k = i * classes + c;
          double w = m * (class_weights != NULL ? class_weights[c] : 1.0);
          double p = pos_weights != NULL ? pos_weights[c] : 1.0;
          double z = logits[k], t = targets[k], pt = p * t;
          /* p t softplus (−z) + (1 − t) softplus (z), with softplus (−z) =
           * softplus (z) − z. */
          sum += w * ((pt + 1 - t) * softplus (z) - pt * z);
          dlogits[k] += (float) (weight * scale * w * ((pt + 1 - t) * sigmoid (z) - pt));
        }
    }
  return sum * scale;
}

double
fovea_seg_loss_dice (const float *logits, const float *targets, const float *mask, int batch,
                     gsize pixels, int classes, double smooth, double weight, float *dlogits)
{
  gsize n = (gsize) batch * pixels;
  g_autofree double *intersection = g_new0 (double, classes);
  g_autofree double *total = g_new0 (double, classes);
  double loss = 0;

  for (gsize i = 0; i < n; i++)
    {
      double m = pixel_weight (mask, i);
      for (int c = 0; m != 0 && c < classes; c++)
        {
          double p = sigmoid (logits[i * classes + c]), t = targets[i * classes + c];
          intersection[c] += m * p * t;
          total[c] += m * (p + t);
        }
    }
  for (int c = 0; c < classes; c++)
    {
      double denominator = total[c] + smooth;
      if (denominator > 0)
        loss += 1.0 - (2 * intersection[c] + smooth) / denominator;
    }

  /* d(1 − dice_c)/dp = −m (2 t D − (2 I + s)) / D², D = S + s; then
   * through the sigmoid, p (1 − p); the mean over classes, 1 / C. */
  for (gsize i = 0; i < n; i++)
    {
      double m = pixel_weight (mask, i);
      for (int c = 0; m != 0 && c < classes; c++)
        {
          double denominator = total[c] + smooth;
          if (!(denominator > 0))
            continue;
          gsize k = i * classes + c;
          double p = sigmoid (logits[k]), t = targets[k];
          double d_p = -m * (2 * t * denominator - (2 * intersection[c] + smooth)) /
                       (denominator * denominator);
          dlogits[k] += (float) (weight * d_p * p * (1 - p) / classes);
        }
    }
  return loss / classes;
}
