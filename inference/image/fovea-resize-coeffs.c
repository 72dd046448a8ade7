/* fovea-resize-coeffs.c: PIL's filter tables for one axis.
 *
 * The arithmetic (double precision, the order of the operations, the
 * truncating casts of the window bounds, the rounding to fixed point) is
 * kept exactly as PIL does it, because every 8-bit output sample has to land
 * on the same integer as PIL's. */
#define G_LOG_DOMAIN "fovea-resize-coeffs"

#include "fovea-resize-coeffs.h"

#include <math.h>

static double
bilinear_kernel (double x)
{
  x = fabs (x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

/* Keys' cubic convolution with a = -0.5, in PIL's Horner form. */
static double
bicubic_kernel (double x)
{
  const double a = -0.5;

  x = fabs (x);
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

/* Rounds half away from zero, as PIL does when it converts to fixed point. */
static gint32
to_fixed (double weight)
{
  double scaled = weight * (1 << FOVEA_RESIZE_PRECISION_BITS);
  return (gint32) (scaled < 0 ? scaled - 0.5 : scaled + 0.5);
}

static void
fill_output_sample (FoveaResizeCoeffs *coeffs, int i, double scale,
                    double support, double (*kernel) (double))
{
  /* Downscaling stretches the kernel by the scale so it averages every
   * input sample under the output pixel (antialiasing). */
  double inv_stretch = 1.0 / MAX (scale, 1.0);
  double center = (i + 0.5) * scale;
  int lo = MAX ((int) (center - support + 0.5), 0);
  int hi = MIN ((int) (center + support + 0.5), coeffs->in_size);
  double *w = coeffs->weights + (gsize) i * coeffs->taps;
  double sum = 0.0;

  for (int j = 0; j < hi - lo; j++)
    {
      w[j] = kernel ((j + lo - center + 0.5) * inv_stretch);
      sum += w[j];
    }
  for (int j = 0; j < hi - lo && sum != 0.0; j++)
    w[j] /= sum;

  gint32 *fixed = coeffs->fixed + (gsize) i * coeffs->taps;
  for (int j = 0; j < hi - lo; j++)
    fixed[j] = to_fixed (w[j]);

  coeffs->first[i] = lo;
  coeffs->count[i] = hi - lo;
}

FoveaResizeCoeffs *
fovea_resize_coeffs_new (int in_size, int out_size, FoveaResizeFilter filter,
                         GError **error)
{
  g_return_val_if_fail (in_size > 0 && out_size > 0, NULL);

  double (*kernel) (double) = filter == FOVEA_RESIZE_BICUBIC ? bicubic_kernel
                                                               : bilinear_kernel;
  double radius = filter == FOVEA_RESIZE_BICUBIC ? 2.0 : 1.0;
  double scale = (double) in_size / out_size;
  double support = radius * MAX (scale, 1.0);

  /* A kernel wider than int can count is a resize to a sliver of an
   * impossibly large image; refuse it rather than overflow. */
  if (ceil (support) > (G_MAXINT - 1) / 2)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_TOO_LARGE,
                   "Cannot resample %d samples down to %d", in_size, out_size);
      return NULL;
    }

  g_autoptr (FoveaResizeCoeffs) coeffs = g_new0 (FoveaResizeCoeffs, 1);
  coeffs->in_size = in_size;
  coeffs->out_size = out_size;
  coeffs->taps = (int) ceil (support) * 2 + 1;

  gsize cells = 0;
  if (g_size_checked_mul (&cells, (gsize) out_size, (gsize) coeffs->taps))
    {
      coeffs->first = g_try_new (int, out_size);
      coeffs->count = g_try_new (int, out_size);
      coeffs->weights = g_try_new0 (double, cells);
      coeffs->fixed = g_try_new0 (gint32, cells);
    }
  if (coeffs->first == NULL || coeffs->count == NULL ||
      coeffs->weights == NULL || coeffs->fixed == NULL)
    {
      g_set_error (error, FOVEA_IMAGE_ERROR, FOVEA_IMAGE_ERROR_NO_MEMORY,
                   "Out of memory for the resampling tables of %d to %d samples",
                   in_size, out_size);
      return NULL;
    }

  for (int i = 0; i < out_size; i++)
    fill_output_sample (coeffs, i, scale, support, kernel);

  return g_steal_pointer (&coeffs);
}

void
fovea_resize_coeffs_free (FoveaResizeCoeffs *coeffs)
{
  if (coeffs == NULL)
    return;
  g_free (coeffs->first);
  g_free (coeffs->count);
  g_free (coeffs->weights);
  g_free (coeffs->fixed);
  g_free (coeffs);
}
