/* fovea-train-pooling.c: a CNN's layers without weights, forward and
 * backward, channels-last: the activations' derivative, max pooling and
 * global average pooling. */
#define G_LOG_DOMAIN "fovea-train-pooling"

#include "fovea-train-conv-private.h"

#include <math.h>
#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

/* Elements per item of the elementwise pass. */
#define ACT_CHUNK 16384

/* ---- activations ---- */

typedef struct {
  float       *d;
  const float *y;
  gsize        n;
  int          act;
} ActJob;

VECTOR_CLONES static void
pool_act_chunk (float *d, const float *y, int n, int act)
{
  if (act == FOVEA_ACT_RELU)
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        d[i] = y[i] > 0.0f ? d[i] : 0.0f;
    }
  else
    {
#pragma omp simd
      for (int i = 0; i < n; i++)
        d[i] = y[i] > 0.0f && y[i] < 6.0f ? d[i] : 0.0f;
    }
}

static void
act_item (gpointer data, int item, int thread)
{
  const ActJob *job = data;
  gsize start = (gsize) item * ACT_CHUNK;
  pool_act_chunk (job->d + start, job->y + start, (int) MIN ((gsize) ACT_CHUNK, job->n - start),
                  job->act);
}

void
fovea_train_act_backward (FoveaPool *pool, float *d, const float *y, gsize n, FoveaAct act)
{
  if (act == FOVEA_ACT_NONE)
    return;
  ActJob job = { d, y, n, act };
  fovea_pool_run (pool, (int) ((n + ACT_CHUNK - 1) / ACT_CHUNK), act_item, &job);
}

/* One bit per element, set where the derivative passes (the bits of
 * byte k are elements 8k to 8k + 7, lowest first). */
typedef struct {
  guint8      *mask;
  float       *d;
  const float *y;
  gsize        n;
  int          act;
} MaskJob;

static void
mask_item (gpointer data, int item, int thread)
{
  const MaskJob *job = data;
  gsize start = (gsize) item * ACT_CHUNK, end = MIN (job->n, start + ACT_CHUNK);
  for (gsize i = start; i < end; i += 8)
    {
      guint8 bits = 0;
      for (gsize k = 0; k < 8 && i + k < end; k++)
        {
          float y = job->y[i + k];
          gboolean pass = job->act == FOVEA_ACT_RELU ? y > 0.0f : y > 0.0f && y < 6.0f;
          bits |= (guint8) (pass << k);
        }
      job->mask[i / 8] = bits;
    }
}

void
fovea_train_act_mask (FoveaPool *pool, guint8 *mask, const float *y, gsize n, FoveaAct act)
{
  g_return_if_fail (act != FOVEA_ACT_NONE);
  MaskJob job = { mask, NULL, y, n, act };
  fovea_pool_run (pool, (int) ((n + ACT_CHUNK - 1) / ACT_CHUNK), mask_item, &job);
}

static void
mask_backward_item (gpointer data, int item, int thread)
{
  const MaskJob *job = data;
  gsize start = (gsize) item * ACT_CHUNK, end = MIN (job->n, start + ACT_CHUNK);
  for (gsize i = start; i < end; i++)
    if (!(job->mask[i / 8] & (1u << (i % 8))))
      job->d[i] = 0.0f;
}

void
fovea_train_act_backward_mask (FoveaPool *pool, float *d, const guint8 *mask, gsize n)
{
  MaskJob job = { (guint8 *) mask, d, NULL, n, FOVEA_ACT_NONE };
  fovea_pool_run (pool, (int) ((n + ACT_CHUNK - 1) / ACT_CHUNK), mask_backward_item, &job);
}

/* ---- max pooling ---- */

typedef struct {
  const FoveaTrainConvGeom *g;
  float                    *out;
  const float              *in, *dout;
} MaxPoolJob;

/* Output row oh of image b; each channel's running maximum, taps in scan
 * order, replaced only by a greater value (PyTorch keeps the first). */
static void
maxpool_row_item (gpointer data, int item, int thread)
{
  const MaxPoolJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  int b = item / g->out_h, oh = item % g->out_h, c = g->in_c;
  const float *image = job->in + (gsize) b * g->in_h * g->in_w * c;

  for (int ow = 0; ow < g->out_w; ow++)
    {
      float *out = job->out + (((gsize) b * g->out_h + oh) * g->out_w + ow) * c;
      for (int i = 0; i < c; i++)
        out[i] = -INFINITY;
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
              const float *x = image + ((gsize) ih * g->in_w + iw) * c;
              for (int i = 0; i < c; i++)
                out[i] = x[i] > out[i] || isnan (x[i]) ? x[i] : out[i];
            }
        }
    }
}

void
fovea_train_maxpool_forward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *out,
                             const float *in)
{
  MaxPoolJob job = { g, out, in, NULL };
  fovea_pool_run (pool, g->batch * g->out_h, maxpool_row_item, &job);
}

/* Image b: each output pixel finds its window's first maximum again and
 * adds its gradient there. Whole images per item, because neighbouring
 * windows overlap. */
static void
maxpool_backward_item (gpointer data, int b, int thread)
{
  const MaxPoolJob *job = data;
  const FoveaTrainConvGeom *g = job->g;
  int c = g->in_c;
  const float *image = job->in + (gsize) b * g->in_h * g->in_w * c;
  float *dimage = job->out + (gsize) b * g->in_h * g->in_w * c;

  memset (dimage, 0, sizeof (float) * (gsize) g->in_h * g->in_w * c);
  for (int oh = 0; oh < g->out_h; oh++)
    for (int ow = 0; ow < g->out_w; ow++)
      {
        const float *dy = job->dout + (((gsize) b * g->out_h + oh) * g->out_w + ow) * c;
        for (int i = 0; i < c; i++)
          {
            float best = -INFINITY;
            gssize at = -1;
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
                    gsize where = ((gsize) ih * g->in_w + iw) * c + i;
                    if (at < 0 || image[where] > best || isnan (image[where]))
                      {
                        best = image[where];
                        at = (gssize) where;
                      }
                  }
              }
            if (at >= 0)
              dimage[at] += dy[i];
          }
      }
}

void
fovea_train_maxpool_backward (FoveaPool *pool, const FoveaTrainConvGeom *g, float *din,
                              const float *dout, const float *in)
{
  MaxPoolJob job = { g, din, in, dout };
  fovea_pool_run (pool, g->batch, maxpool_backward_item, &job);
}

/* ---- global average pooling ---- */

typedef struct {
  float       *out;
  const float *in;
  int          pixels, channels;
} AvgPoolJob;

VECTOR_CLONES static void
pool_sum_into (float *out, const float *in, int n)
{
#pragma omp simd
  for (int i = 0; i < n; i++)
    out[i] += in[i];
}

static void
avgpool_item (gpointer data, int b, int thread)
{
  const AvgPoolJob *job = data;
  float *out = job->out + (gsize) b * job->channels;
  const float *image = job->in + (gsize) b * job->pixels * job->channels;

  memset (out, 0, sizeof (float) * job->channels);
  for (int p = 0; p < job->pixels; p++)
    pool_sum_into (out, image + (gsize) p * job->channels, job->channels);
  for (int i = 0; i < job->channels; i++)
    out[i] /= (float) job->pixels;
}

void
fovea_train_avgpool_forward (FoveaPool *pool, float *out, const float *in, int batch,
                             int pixels, int channels)
{
  AvgPoolJob job = { out, in, pixels, channels };
  fovea_pool_run (pool, batch, avgpool_item, &job);
}

static void
avgpool_backward_item (gpointer data, int b, int thread)
{
  const AvgPoolJob *job = data;
  const float *dy = job->in + (gsize) b * job->channels;
  float *image = job->out + (gsize) b * job->pixels * job->channels;

  for (int p = 0; p < job->pixels; p++)
    for (int i = 0; i < job->channels; i++)
      image[(gsize) p * job->channels + i] = dy[i] / (float) job->pixels;
}

void
fovea_train_avgpool_backward (FoveaPool *pool, float *din, const float *dout, int batch,
                              int pixels, int channels)
{
  AvgPoolJob job = { din, dout, pixels, channels };
  fovea_pool_run (pool, batch, avgpool_backward_item, &job);
}
