/* fovea-math-approx.h: e^x and erf as plain float arithmetic the compiler
 * can vectorise (no libm call, no branch), shared by the inference and
 * training kernels so that their forward passes agree to the bit. */
#pragma once

#include <glib.h>
#include <math.h>
#include <string.h>

/* e^x to about 1 ulp over the range softmax and erf need, written so the
 * compiler can vectorise it (no libm call, no branch): x = n·ln2 + r with
 * |r| ≤ ln2/2, Cephes' polynomial for e^r, and 2^n built in the exponent
 * bits. Inputs below -87 (and NaN, which must not reach the integer
 * conversion) give e^-87 instead of underflowing. */
static inline float
exp_approx (float x)
{
  const float round_magic = 12582912.0f;  /* 1.5·2^23: adding it rounds to an integer */

  x = x > -87.0f ? x : -87.0f;
  x = x < 88.0f ? x : 88.0f;
  float n = (x * 1.44269504088896341f + round_magic) - round_magic;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  gint32 bits = ((gint32) n + 127) << 23;
  float scale;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

/* erf by Abramowitz and Stegun 7.1.26 (absolute error < 1.5e-7), the
 * formula PyTorch's own vectorised erf uses. */
static inline float
erf_approx (float x)
{
  float a = fabsf (x);
  float t = 1.0f / (1.0f + 0.3275911f * a);
  float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t
                 - 0.284496736f) * t + 0.254829592f) * t;
  float y = 1.0f - poly * exp_approx (-a * a);
  return x < 0.0f ? -y : y;
}
