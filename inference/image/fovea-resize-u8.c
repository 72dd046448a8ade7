/* fovea-resize-u8.c: the 8-bit passes in PIL's fixed-point arithmetic.
 * Integer sums are exact, so the loop order is free: the vertical pass
 * accumulates whole rows at a time, which the compiler vectorises. */
#define G_LOG_DOMAIN "fovea-resize-u8"

#include "fovea-resize-passes.h"

#define HALF (1 << (FOVEA_RESIZE_PRECISION_BITS - 1))

/* Drops the fraction (the HALF added up front makes it round) and clips
 * the overshoot of negative kernel lobes. */
static inline guint8
clip8 (gint32 sum)
{
  if (sum <= 0)
    return 0;
  if (sum >= (255 << FOVEA_RESIZE_PRECISION_BITS))
    return 255;
  return (guint8) (sum >> FOVEA_RESIZE_PRECISION_BITS);
}

/* `channels` is a compile-time constant at each call site below, so the
 * channel tests fold away and the sums stay in registers. */
G_ALWAYS_INLINE static inline void
horizontal_u8 (const FoveaImage *src, FoveaImage *dst,
               const FoveaResizeCoeffs *cx, const int channels)
{
  for (int y = 0; y < src->height; y++)
    {
      const guint8 *in = fovea_image_row (src, y);
      guint8 *out = fovea_image_row (dst, y);

      for (int x = 0; x < cx->out_size; x++, out += channels)
        {
          const gint32 *k = cx->fixed + (gsize) x * cx->taps;
          const guint8 *p = in + (gsize) cx->first[x] * channels;
          gint32 s0 = HALF, s1 = HALF, s2 = HALF, s3 = HALF;

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
          out[0] = clip8 (s0);
          if (channels > 1)
            out[1] = clip8 (s1);
          if (channels > 2)
            out[2] = clip8 (s2);
          if (channels > 3)
            out[3] = clip8 (s3);
        }
    }
}

void
fovea_resize_horizontal_u8 (const FoveaImage *src, FoveaImage *dst,
                            const FoveaResizeCoeffs *cx)
{
  switch (src->channels)
    {
    case 1:
      horizontal_u8 (src, dst, cx, 1);
      break;
    case 2:
      horizontal_u8 (src, dst, cx, 2);
      break;
    case 3:
      horizontal_u8 (src, dst, cx, 3);
      break;
    default:
      horizontal_u8 (src, dst, cx, 4);
      break;
    }
}

void
fovea_resize_vertical_u8 (const FoveaImage *src, FoveaImage *dst,
                          const FoveaResizeCoeffs *cy, gint32 *scratch)
{
  gsize row_len = (gsize) dst->width * (gsize) dst->channels;

  for (int y = 0; y < cy->out_size; y++)
    {
      const gint32 *k = cy->fixed + (gsize) y * cy->taps;

      for (gsize i = 0; i < row_len; i++)
        scratch[i] = HALF;
      for (int j = 0; j < cy->count[y]; j++)
        {
          const guint8 *in = fovea_image_row (src, cy->first[y] + j);
          gint32 weight = k[j];
          for (gsize i = 0; i < row_len; i++)
            scratch[i] += in[i] * weight;
        }

      guint8 *out = fovea_image_row (dst, y);
      for (gsize i = 0; i < row_len; i++)
        out[i] = clip8 (scratch[i]);
    }
}
