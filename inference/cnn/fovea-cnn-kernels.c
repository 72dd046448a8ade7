/* fovea-cnn-kernels.c: layout change, max pooling and global pooling
 * (see the header). */
#define G_LOG_DOMAIN "fovea-cnn-kernels"

#include "fovea-cnn-kernels.h"

#include <math.h>
#include <string.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))

typedef struct {
  float       *out;
  const float *in;
  int          channels, height, width;
} TransposeJob;

/* One image row: channels planes' rows interleaved into pixels. */
static void
transpose_item (gpointer data, int item, int thread)
{
  const TransposeJob *job = data;
  int b = item / job->height, y = item % job->height;
  gsize plane = (gsize) job->height * job->width;
  const float *src = job->in + (gsize) b * job->channels * plane + (gsize) y * job->width;
  float *dst = job->out + (gsize) item * job->width * job->channels;

  for (int x = 0; x < job->width; x++)
    for (int c = 0; c < job->channels; c++)
      dst[(gsize) x * job->channels + c] = src[c * plane + x];
}

void
fovea_nchw_to_nhwc (FoveaPool *pool, float *out, const float *in, int batch, int channels,
                    int height, int width)
{
  TransposeJob job = { out, in, channels, height, width };
  fovea_pool_run (pool, batch * height, transpose_item, &job);
}

typedef struct {
  const FoveaWindow      *window;
  const FoveaWindowShape *shape;
  int                     channels;
  const float            *in;
  float                  *out;
} MaxPoolJob;

VECTOR_CLONES static void
max_row (float *out, const float *in, int n)
{
#pragma omp simd
  for (int j = 0; j < n; j++)
    out[j] = in[j] > out[j] ? in[j] : out[j];
}

/* One output row. */
static void
max_pool_item (gpointer data, int item, int thread)
{
  const MaxPoolJob *job = data;
  const FoveaWindow *w = job->window;
  const FoveaWindowShape *s = job->shape;
  int c = job->channels, b = item / s->out_h, oy = item % s->out_h;
  const float *image = job->in + (gsize) b * s->in_h * s->in_w * c;

  for (int ox = 0; ox < s->out_w; ox++)
    {
      float *dst = job->out + ((gsize) item * s->out_w + ox) * c;
      for (int j = 0; j < c; j++)
        dst[j] = -INFINITY;
      for (int ky = 0; ky < w->kernel_h; ky++)
        {
          int iy = oy * w->stride_h - s->pad_top + ky * w->dilation_h;
          if (iy < 0 || iy >= s->in_h)
            continue;
          for (int kx = 0; kx < w->kernel_w; kx++)
            {
              int ix = ox * w->stride_w - s->pad_left + kx * w->dilation_w;
              if (ix >= 0 && ix < s->in_w)
                max_row (dst, image + ((gsize) iy * s->in_w + ix) * c, c);
            }
        }
    }
}

void
fovea_max_pool_forward (FoveaPool *pool, const FoveaWindow *window,
                        const FoveaWindowShape *shape, int batch, int channels,
                        const float *in, float *out)
{
  MaxPoolJob job = { window, shape, channels, in, out };
  fovea_pool_run (pool, batch * shape->out_h, max_pool_item, &job);
}

VECTOR_CLONES static void
sum_and_max (float *sum, float *max, const float *in, int n)
{
#pragma omp simd
  for (int j = 0; j < n; j++)
    {
      sum[j] += in[j];
      max[j] = in[j] > max[j] ? in[j] : max[j];
    }
}

/* Small (a few MB at most, once per pass): on the calling thread. */
void
fovea_global_pool_forward (float *out, float *max, const float *in, int batch, int pixels,
                           int channels, FoveaCnnPool kind)
{
  for (int b = 0; b < batch; b++)
    {
      float *o = out + (gsize) b * channels;
      const float *image = in + (gsize) b * pixels * channels;
      memset (o, 0, sizeof (float) * (gsize) channels);
      for (int j = 0; j < channels; j++)
        max[j] = -INFINITY;
      for (int p = 0; p < pixels; p++)
        sum_and_max (o, max, image + (gsize) p * channels, channels);
      for (int j = 0; j < channels; j++)
        {
          float mean = o[j] / (float) pixels;
          o[j] = kind == FOVEA_CNN_POOL_AVG ? mean
                 : kind == FOVEA_CNN_POOL_MAX ? max[j] : 0.5f * (mean + max[j]);
        }
    }
}
