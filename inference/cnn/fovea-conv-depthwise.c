/* fovea-conv-depthwise.c: the depthwise convolution (one filter per
 * channel), channels-last, one output row per work item.
 *
 * A GEMM does not suit it: each output is a 9-term sum, read from 9
 * input pixels, so the work is all memory traffic. The 3×3 kernel, with
 * dilation 1 and any stride and padding (MobileNetV2's every depthwise
 * layer) with stride 1 or 2, runs on AVX-512 with 16 channels at a time:
 * their 9 taps' weights stay in registers while the window slides along
 * the row 8 pixels at a time (8 independent sums in flight), with the
 * bias, residual and ReLU6 applied on the way out. Other kernels, and CPUs
 * without AVX-512, take a plain loop the compiler vectorises along the
 * channels. */
#define G_LOG_DOMAIN "fovea-conv-depthwise"

#include "fovea-conv.h"

#include <immintrin.h>

#ifdef __clang__
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

#define AVX512 __attribute__ ((target ("avx512f")))
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))

#define VECTOR 16
/* Channels per pass of the generic loop (a few vectors of accumulators). */
#define CHANNEL_CHUNK 64

typedef struct {
  const FoveaConv        *conv;
  const FoveaWindowShape *shape;
  const float            *in;
  float                  *out;
  const float            *residual;
  FoveaAct                act;
  gboolean                fast;    /* the AVX-512 3×3 kernel */
} DepthwiseJob;

/* One output row's geometry: where its input rows start, and the
 * pointers of the image's input, output and residual. */
typedef struct {
  const float *image;      /* the image's input */
  float       *out;        /* the output row */
  const float *residual;   /* the residual row, or NULL */
  int          y0;         /* input row of ky = 0 */
} RowPlace;

static RowPlace
place_row (const DepthwiseJob *job, int item)
{
  const FoveaWindowShape *s = job->shape;
  int channels = job->conv->in_channels;
  int b = item / s->out_h, oy = item % s->out_h;
  gsize out_at = (gsize) item * s->out_w * channels;

  return (RowPlace) {
    .image = job->in + (gsize) b * s->in_h * s->in_w * channels,
    .out = job->out + out_at,
    .residual = job->residual != NULL ? job->residual + out_at : NULL,
    .y0 = oy * job->conv->window.stride_h - s->pad_top,
  };
}

AVX512 static inline __m512
activate (__m512 x, FoveaAct act)
{
  if (act != FOVEA_ACT_NONE)
    x = _mm512_max_ps (x, _mm512_setzero_ps ());
  if (act == FOVEA_ACT_RELU6)
    x = _mm512_min_ps (x, _mm512_set1_ps (6.0f));
  return x;
}

/* One output vector (16 channels at c) of pixel ox, any window position:
 * the taps that fall outside the image are skipped. */
AVX512 static inline __attribute__ ((always_inline)) __m512
pixel_3x3 (const float *const line[3], const gboolean valid[3], const __m512 w[9], __m512 acc,
           __mmask16 m, int x0, int in_w, int channels, int c)
{
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ky++)
    {
      if (!valid[ky])
        continue;
#pragma GCC unroll 3
      for (int kx = 0; kx < 3; kx++)
        {
          int ix = x0 + kx;
          if (ix < 0 || ix >= in_w)
            continue;
          const float *p = line[ky] + (gsize) ix * channels + c;
          acc = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (m, p), w[ky * 3 + kx], acc);
        }
    }
  return acc;
}

/* PIXEL_BLOCK adjacent output pixels whose windows lie inside the row:
 * independent sums, so their FMAs overlap instead of waiting on one
 * another (one pixel's 9 chained FMAs cost 9 latencies), and at stride 1
 * neighbours share their input loads. Same order of terms as pixel_3x3. */
#define PIXEL_BLOCK 8

AVX512 static inline __attribute__ ((always_inline)) void
block_3x3 (const int stride, const float *const line[3], const gboolean valid[3],
           const __m512 w[9], __m512 bias, __mmask16 m, int x0, int channels, int c,
           __m512 acc[PIXEL_BLOCK])
{
#pragma GCC unroll 8
  for (int j = 0; j < PIXEL_BLOCK; j++)
    acc[j] = bias;
#pragma GCC unroll 3
  for (int ky = 0; ky < 3; ky++)
    {
      if (!valid[ky])
        continue;
      const float *p = line[ky] + (gsize) x0 * channels + c;
#pragma GCC unroll 8
      for (int j = 0; j < PIXEL_BLOCK; j++)
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; kx++)
          acc[j] = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (m, p + (gsize) (j * stride + kx) * channels),
                                    w[ky * 3 + kx], acc[j]);
    }
}

AVX512 static inline void
store_pixel (const DepthwiseJob *job, const RowPlace *place, __m512 acc, __mmask16 m, gsize at)
{
  if (place->residual != NULL)
    acc = _mm512_add_ps (acc, _mm512_maskz_loadu_ps (m, place->residual + at));
  _mm512_mask_storeu_ps (place->out + at, m, activate (acc, job->act));
}

AVX512 static void
row_3x3_avx512 (const DepthwiseJob *job, int item)
{
  const FoveaConv *conv = job->conv;
  const FoveaWindowShape *s = job->shape;
  RowPlace place = place_row (job, item);
  int channels = conv->in_channels, stride = conv->window.stride_w;
  const float *line[3];
  gboolean valid[3];

  for (int ky = 0; ky < 3; ky++)
    {
      int iy = place.y0 + ky;
      valid[ky] = iy >= 0 && iy < s->in_h;
      line[ky] = valid[ky] ? place.image + (gsize) iy * s->in_w * channels : NULL;
    }

  /* Pixels [inner0, inner1) have their whole window inside the row. */
  int inner0 = MIN ((s->pad_left + stride - 1) / stride, s->out_w);
  int room = s->in_w - 3 + s->pad_left;
  int inner1 = room < 0 ? inner0 : CLAMP (room / stride + 1, inner0, s->out_w);

  for (int c = 0; c < channels; c += VECTOR)
    {
      int left = channels - c;
      __mmask16 m = left >= VECTOR ? 0xffff : (__mmask16) ((1u << left) - 1);
      __m512 w[9];
#pragma GCC unroll 9
      for (int t = 0; t < 9; t++)
        w[t] = _mm512_maskz_loadu_ps (m, conv->weight + (gsize) t * channels + c);
      __m512 bias = _mm512_maskz_loadu_ps (m, conv->bias + c);

      int ox = 0;
      for (; ox < inner0; ox++)
        store_pixel (job, &place, pixel_3x3 (line, valid, w, bias, m, ox * stride - s->pad_left,
                                             s->in_w, channels, c),
                     m, (gsize) ox * channels + c);
      for (; ox + PIXEL_BLOCK <= inner1; ox += PIXEL_BLOCK)
        {
          __m512 acc[PIXEL_BLOCK];
          if (stride == 1)
            block_3x3 (1, line, valid, w, bias, m, ox - s->pad_left, channels, c, acc);
          else
            block_3x3 (2, line, valid, w, bias, m, ox * 2 - s->pad_left, channels, c, acc);
#pragma GCC unroll 8
          for (int j = 0; j < PIXEL_BLOCK; j++)
            store_pixel (job, &place, acc[j], m, (gsize) (ox + j) * channels + c);
        }
      for (; ox < s->out_w; ox++)
        store_pixel (job, &place, pixel_3x3 (line, valid, w, bias, m, ox * stride - s->pad_left,
                                             s->in_w, channels, c),
                     m, (gsize) ox * channels + c);
    }
}

/* Any kernel, stride, dilation and padding. */
VECTOR_CLONES static void
row_generic (const DepthwiseJob *job, int item)
{
  const FoveaConv *conv = job->conv;
  const FoveaWindow *w = &conv->window;
  const FoveaWindowShape *s = job->shape;
  RowPlace place = place_row (job, item);
  int channels = conv->in_channels;
  float acc[CHANNEL_CHUNK];

  for (int ox = 0; ox < s->out_w; ox++)
    for (int c0 = 0; c0 < channels; c0 += CHANNEL_CHUNK)
      {
        int n = MIN (CHANNEL_CHUNK, channels - c0);
        for (int j = 0; j < n; j++)
          acc[j] = conv->bias[c0 + j];
        for (int ky = 0; ky < w->kernel_h; ky++)
          {
            int iy = place.y0 + ky * w->dilation_h;
            if (iy < 0 || iy >= s->in_h)
              continue;
            for (int kx = 0; kx < w->kernel_w; kx++)
              {
                int ix = ox * w->stride_w - s->pad_left + kx * w->dilation_w;
                if (ix < 0 || ix >= s->in_w)
                  continue;
                const float *src = place.image + ((gsize) iy * s->in_w + ix) * channels + c0;
                const float *wt = conv->weight + (gsize) (ky * w->kernel_w + kx) * channels + c0;
#pragma omp simd
                for (int j = 0; j < n; j++)
                  acc[j] += src[j] * wt[j];
              }
          }
        gsize at = (gsize) ox * channels + c0;
#pragma omp simd
        for (int j = 0; j < n; j++)
          {
            float v = acc[j] + (place.residual != NULL ? place.residual[at + j] : 0.0f);
            if (job->act != FOVEA_ACT_NONE)
              v = v > 0.0f ? v : 0.0f;
            if (job->act == FOVEA_ACT_RELU6)
              v = v < 6.0f ? v : 6.0f;
            place.out[at + j] = v;
          }
      }
}

static void
depthwise_item (gpointer data, int item, int thread)
{
  const DepthwiseJob *job = data;
  if (job->fast)
    row_3x3_avx512 (job, item);
  else
    row_generic (job, item);
}

void
fovea_conv_depthwise_forward (FoveaPool *pool, const FoveaConv *conv,
                              const FoveaWindowShape *shape, int batch, const float *in,
                              float *out, const float *residual, FoveaAct act)
{
  const FoveaWindow *w = &conv->window;
  DepthwiseJob job = {
    conv, shape, in, out, residual, act,
    .fast = w->kernel_h == 3 && w->kernel_w == 3 && w->dilation_h == 1 &&
            w->dilation_w == 1 && (w->stride_w == 1 || w->stride_w == 2) &&
            fovea_conv_gemm_supported (),
  };
  fovea_pool_run (pool, batch * shape->out_h, depthwise_item, &job);
}
