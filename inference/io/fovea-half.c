/* fovea-half.c: IEEE half (F16) and bfloat16 (BF16) to and from float.
 *
 * Bit manipulation only, so results do not depend on the FPU's rounding
 * mode or on compiler support for _Float16. Narrowing rounds to nearest,
 * ties to even, as PyTorch's .half() and .bfloat16() do; NaNs stay NaN
 * (quiet, with their sign) and never turn into infinities. */
#define G_LOG_DOMAIN "fovea-half"

#include "fovea-safetensors.h"

#include <string.h>

static guint32
float_bits (float f)
{
  guint32 u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static float
bits_float (guint32 u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

/* Rounds v right by shift bits (1 ≤ shift ≤ 31), ties to even. */
static guint32
shift_round_even (guint32 v, int shift)
{
  guint32 q = v >> shift;
  guint32 rem = v & ((1u << shift) - 1);
  guint32 half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1)))
    q++;
  return q;
}

float
fovea_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;

  if (exponent == 0x1f)  /* infinity or NaN: keep the payload */
    return bits_float (sign | 0x7f800000 | (mantissa << 13));
  if (exponent != 0)     /* normal: rebias 15 → 127 */
    return bits_float (sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return bits_float (sign);

  /* Subnormal: mantissa × 2^-24 is a normal float; shift the leading one
   * into the implicit position. */
  guint32 e = 113;
  while ((mantissa & 0x400) == 0)
    {
      mantissa <<= 1;
      e--;
    }
  return bits_float (sign | (e << 23) | ((mantissa & 0x3ff) << 13));
}

guint16
fovea_f32_to_f16 (float f)
{
  guint32 u = float_bits (f);
  guint16 sign = (guint16) ((u >> 16) & 0x8000);
  guint32 a = u & 0x7fffffff;

  if (a > 0x7f800000)   /* NaN: quiet, keeping the top payload bits */
    return sign | 0x7e00 | (guint16) ((a >> 13) & 0x3ff);
  if (a >= 0x477ff000)  /* ≥ 65520 (max half + half an ulp) or infinity */
    return sign | 0x7c00;
  if (a >= 0x38800000)  /* ≥ 2^-14: normal half; a carry into the exponent is right */
    return sign | (guint16) shift_round_even (a - (112u << 23), 13);
  if (a < 0x33000000)   /* ≤ 2^-25 (half the smallest subnormal): ties to zero */
    return sign;

  /* Subnormal half: the value (1.m × 2^(e-127)) in units of 2^-24. */
  guint32 e = a >> 23;
  guint32 m = (a & 0x7fffff) | 0x800000;
  return sign | (guint16) shift_round_even (m, (int) (126 - e));
}

float
fovea_bf16_to_f32 (guint16 b)
{
  return bits_float ((guint32) b << 16);
}

guint16
fovea_f32_to_bf16 (float f)
{
  guint32 u = float_bits (f);
  if ((u & 0x7fffffff) > 0x7f800000)  /* NaN: truncating could give infinity */
    return (guint16) ((u >> 16) | 0x40);
  /* Overflow to infinity falls out of the carry. */
  return (guint16) shift_round_even (u, 16);
}
