/* fovea-resize-float.c: the floating-point passes, for 16-bit pixels and
 * for resampling straight into float tensors. Same tables as the 8-bit
 * path, without the fixed-point rounding or clipping in between. */
#define G_LOG_DOMAIN "fovea-resize-float"

#include "fovea-resize-passes.h"

/* `channels` is a compile-time constant at each call site below, so the
 * channel tests fold away and the sums stay in registers. */
G_ALWAYS_INLINE static inline void
horizontal_float (const float *src, float *dst, int rows,
                  const FoveaResizeCoeffs *cx, const int channels)
{
  gsize in_len = (gsize) cx->in_size * channels;
  gsize out_len = (gsize) cx->out_size * channels;

  for (int y = 0; y < rows; y++)
    {
      const float *in = src + (gsize) y * in_len;
      float *out = dst + (gsize) y * out_len;

      for (int x = 0; x < cx->out_size; x++, out += channels)
        {
          const double *k = cx->weights + (gsize) x * cx->taps;
          const float *p = in + (gsize) cx->first[x] * channels;
          double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

          for (int j = 0; j < cx->count[x]; j++, p += channels)
            {
              s0 += p[0] * k[j];
              if (channels > 1)
                s1 += p[1] * k[j];
              if (channels > 2)
                s2 += p[2] * k[j];
              if (channels > 3)
                s3 += p[3] * k[j];
            }
          out[0] = (float) s0;
          if (channels > 1)
            out[1] = (float) s1;
          if (channels > 2)
            out[2] = (float) s2;
          if (channels > 3)
            out[3] = (float) s3;
        }
    }
}

void
fovea_resize_horizontal_float (const float *src, float *dst, int rows,
                               int channels, const FoveaResizeCoeffs *cx)
{
  g_return_if_fail (channels >= 1 && channels <= 4);

  switch (channels)
    {
    case 1:
      horizontal_float (src, dst, rows, cx, 1);
      break;
    case 2:
      horizontal_float (src, dst, rows, cx, 2);
      break;
    case 3:
      horizontal_float (src, dst, rows, cx, 3);
      break;
    default:
      horizontal_float (src, dst, rows, cx, 4);
      break;
    }
}

void
fovea_resize_vertical_float (const float *src, float *dst, gsize row_len,
                             const FoveaResizeCoeffs *cy)
{
  for (int y = 0; y < cy->out_size; y++)
    {
      const double *k = cy->weights + (gsize) y * cy->taps;
      float *out = dst + (gsize) y * row_len;

      for (gsize i = 0; i < row_len; i++)
        out[i] = 0.0f;
      for (int j = 0; j < cy->count[y]; j++)
        {
          const float *in = src + (gsize) (cy->first[y] + j) * row_len;
          float weight = (float) k[j];
          for (gsize i = 0; i < row_len; i++)
            out[i] += in[i] * weight;
        }
    }
}
