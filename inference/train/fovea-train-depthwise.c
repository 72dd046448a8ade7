/* fovea-train-depthwise.c: depthwise convolution (one filter per
 * channel), forward and backward, direct rather than through a GEMM (a
 * GEMM per channel would multiply 1 × k² by k² × pixels).
 *
 * Channels-last makes every step a loop along the channels: for an output
 * pixel, the input pixels its taps read are listed first (those inside
 * the image), then one vectorised pass over the channels sums tap ×
 * weight in a register per lane — two loads per multiply-add and one
 * store per output. The input gradient is the same gather seen from an
 * input pixel (the output pixels that read it, and the taps they read it
 * with), so each input pixel is written by one item and no atomics or
 * scatter are needed. The weight gradient sums dout × input over chunks
 * of pixels into partial buffers (fovea-train-conv.c's reduction). */
#define G_LOG_DOMAIN "fovea-train-depthwise"

#include "fovea-train-conv-private.h"

#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* Taps of the largest depthwise kernel handled (7×7, with room). */
#define MAX_TAPS 64

/* Sixteen channels in one vector (one AVX-512 register, two AVX2 ones):
 * written with GCC's vector extension because the vectoriser does not
 * keep an accumulator in a register across a loop over the taps. */
typedef float Lanes __attribute__ ((vector_size (64), aligned (4), may_alias));
typedef int LaneMask __attribute__ ((vector_size (64)));
#define LANES 16

static inline float
dw_activate (float x, int act)
{
  if (act == FOVEA_ACT_RELU)
    return x > 0.0f ? x : 0.0f;
  if (act == FOVEA_ACT_RELU6)
    return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
  return x;
}

/* out[c] = act (bias[c] + Σ_t x[t][c] · w[t][c] (+ residual[c])); bias
 * and residual may be NULL, bias may be out itself. */
VECTOR_CLONES static void
dw_gather (float *out, const float *const *x, const float *const *w, int n_taps,
           const float *bias, const float *residual, int channels, int act)
{
  const Lanes zero = { 0 }, six = zero + 6.0f;
  int c = 0;

  for (; c + LANES <= channels; c += LANES)
    {
      Lanes acc = bias != NULL ? *(const Lanes *) (bias + c) : zero;
      for (int t = 0; t < n_taps; t++)
        acc += *(const Lanes *) (x[t] + c) * *(const Lanes *) (w[t] + c);
      if (residual != NULL)
        acc += *(const Lanes *) (residual + c);
      /* C has no vector select: comparisons give all-ones lane masks */
      if (act != FOVEA_ACT_NONE)
        acc = (Lanes) ((LaneMask) acc & (acc > zero));
      if (act == FOVEA_ACT_RELU6)
        {
          LaneMask below = acc < six;
          acc = (Lanes) (((LaneMask) acc & below) | ((LaneMask) six & ~below));
        }
      *(Lanes *) (out + c) = acc;
    }
  for (; c < channels; c++)
    {
      float acc = bias != NULL ? bias[c] : 0.0f;
      for (int t = 0; t < n_taps; t++)
        acc += x[t][c] * w[t][c];
      if (residual != NULL)
        acc += residual[c];
      out[c] = dw_activate (acc, act);
    }
}

/* part[c] += dy[c] · x[c] */
VECTOR_CLONES static void
dw_product_into (float *part, const float *dy, const float *x, int channels)
{
#pragma omp simd
  for (int c = 0; c < channels; c++)
    part[c] += dy[c] * x[c];
}

typedef struct {
  const FoveaTrainConvGeom   *g;
  float                      *out;
  const float                *in, *work, *bias, *residual, *dout;
  FoveaAct               act;
  gboolean                    accumulate;
  const FoveaTrainReducePlan *plan;
  float                      *partials;
} DepthwiseJob;

/* Output row oh of image b. */
static void
forward_row_item (gpointer data, int item, int thread)
{
  const DepthwiseJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  int b = item / g->out_h, oh = item % g->out_h, c = g->in_c;
  const float *image = job->in + (gsize) b * g->in_h * g->in_w * c;
  gsize row0 = ((gsize) b * g->out_h + oh) * g->out_w;
  const float *x[MAX_TAPS], *w[MAX_TAPS];

  for (int ow = 0; ow < g->out_w; ow++)
    {
      int n = 0;
      for (int kh = 0; kh < g->kernel_h; kh++)
        {
          int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
          if (ih < 0 || ih >= g->in_h)
            continue;
          for (int kw = 0; kw < g->kernel_w; kw++)
            {
              int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
              if (iw < 0 || iw >= g->in_w)
                continue;
              x[n] = image + ((gsize) ih * g->in_w + iw) * c;
              w[n++] = job->work + (gsize) (kh * g->kernel_w + kw) * c;
            }
        }
      gsize at = (row0 + ow) * c;
      dw_gather (job->out + at, x, w, n, job->bias, job->residual ? job->residual + at : NULL,
                 c, job->act);
    }
}

void
fovea_train_depthwise_forward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *out,
                               const float *in, const float *work, const float *bias,
                               const float *residual, FoveaAct act)
{
  g_return_if_fail (g->kernel_h * g->kernel_w <= MAX_TAPS);
  DepthwiseJob job = { .g = g, .out = out, .in = in, .work = work, .bias = bias,
                       .residual = residual, .act = act };
  fovea_pool_run (pool, g->batch * g->out_h, forward_row_item, &job);
}

/* Input row ih of image b: din[ih][iw] = Σ dout[oh][ow] · w[kh][kw] over
 * the output pixels whose tap (kh, kw) reads (ih, iw). */
static void
input_row_item (gpointer data, int item, int thread)
{
  const DepthwiseJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  int b = item / g->in_h, ih = item % g->in_h, c = g->in_c;
  const float *dimage = job->dout + (gsize) b * g->out_h * g->out_w * c;
  gsize row0 = ((gsize) b * g->in_h + ih) * g->in_w;
  const float *dy[MAX_TAPS], *w[MAX_TAPS];

  for (int iw = 0; iw < g->in_w; iw++)
    {
      int n = 0;
      for (int kh = 0; kh < g->kernel_h; kh++)
        {
          int num = ih + g->pad_top - kh * g->dilation_h;
          if (num < 0 || num % g->stride_h != 0 || num / g->stride_h >= g->out_h)
            continue;
          int oh = num / g->stride_h;
          for (int kw = 0; kw < g->kernel_w; kw++)
            {
              int numw = iw + g->pad_left - kw * g->dilation_w;
              if (numw < 0 || numw % g->stride_w != 0 || numw / g->stride_w >= g->out_w)
                continue;
              dy[n] = dimage + ((gsize) oh * g->out_w + numw / g->stride_w) * c;
              w[n++] = job->work + (gsize) (kh * g->kernel_w + kw) * c;
            }
        }
      float *to = job->out + (row0 + iw) * c;
      dw_gather (to, dy, w, n, job->accumulate ? to : NULL, NULL, c, FOVEA_ACT_NONE);
    }
}

/* One chunk of output pixels: part[kh][kw][c] = Σ dout · input. */
static void
weight_chunk_item (gpointer data, int item, int thread)
{
  const DepthwiseJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  const FoveaTrainReducePlan *plan = job->plan;
  int c = g->in_c, plane = g->out_h * g->out_w;
  int p0 = item * plan->chunk, n = MIN (plan->chunk, fovea_train_conv_pixels (g) - p0);
  float *part = fovea_train_reduce_target (plan, job->out, job->partials, item);

  memset (part, 0, sizeof (float) * plan->size);
  for (int p = p0; p < p0 + n; p++)
    {
      int b = p / plane, oh = p % plane / g->out_w, ow = p % g->out_w;
      const float *image = job->in + (gsize) b * g->in_h * g->in_w * c;
      const float *dy = job->dout + (gsize) p * c;
      for (int kh = 0; kh < g->kernel_h; kh++)
        {
          int ih = oh * g->stride_h - g->pad_top + kh * g->dilation_h;
          if (ih < 0 || ih >= g->in_h)
            continue;
          for (int kw = 0; kw < g->kernel_w; kw++)
            {
              int iw = ow * g->stride_w - g->pad_left + kw * g->dilation_w;
              if (iw < 0 || iw >= g->in_w)
                continue;
              dw_product_into (part + (gsize) (kh * g->kernel_w + kw) * c, dy,
                               image + ((gsize) ih * g->in_w + iw) * c, c);
            }
        }
    }
}

void
fovea_train_depthwise_backward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *din,
                                gboolean accumulate, float *dwork, const float *dout,
                                const float *in, const float *work, float *partials)
{
  g_return_if_fail (g->kernel_h * g->kernel_w <= MAX_TAPS);
  if (din != NULL)
    {
      DepthwiseJob job = { .g = g, .out = din, .dout = dout, .work = work,
                           .accumulate = accumulate };
      fovea_pool_run (pool, g->batch * g->in_h, input_row_item, &job);
    }
  if (dwork != NULL)
    {
      FoveaTrainReducePlan plan;
      /* Whole rows of taps per chunk: the gradient is not split. */
      fovea_train_reduce_plan (fovea_train_conv_pixels (g), 1, g->kernel_h * g->kernel_w * g->in_c,
                               &plan);
      DepthwiseJob job = { .g = g, .out = dwork, .in = in, .dout = dout, .plan = &plan,
                           .partials = partials };
      fovea_pool_run (pool, plan.n_chunks, weight_chunk_item, &job);
      fovea_train_reduce_partials (pool, &plan, dwork, partials);
    }
}
