/* fovea-resize-coeffs.h: the per-axis filter tables of PIL's antialiased
 * resampling. Computed once per axis and call, then shared by every row
 * (or column) of the pass, whatever the output type: 8-bit pixels use the
 * fixed-point table, 16-bit pixels and float tensors the double one. */
#pragma once

#include "fovea-resize.h"

G_BEGIN_DECLS

/* PIL keeps 8 bits for the result and 2 for overshoot of the negative-lobed
 * kernels in a 32-bit accumulator; the rest is the fraction. */
#define FOVEA_RESIZE_PRECISION_BITS (32 - 8 - 2)

typedef struct {
  int     in_size;
  int     out_size;
  int     taps;      /* stride of the weight rows: ceil(support) * 2 + 1 */
  int    *first;     /* [out_size]: first input sample read */
  int    *count;     /* [out_size]: number of input samples read (<= taps) */
  double *weights;   /* [out_size * taps]: normalised to sum to one */
  gint32 *fixed;     /* [out_size * taps]: weights in fixed point */
} FoveaResizeCoeffs;

/* Tables for resampling in_size samples to out_size, the box centre of
 * output i sitting at (i + 0.5) * in_size / out_size. Returns NULL with
 * FOVEA_IMAGE_ERROR_NO_MEMORY if the tables cannot be allocated. */
FoveaResizeCoeffs *fovea_resize_coeffs_new  (int                in_size,
                                             int                out_size,
                                             FoveaResizeFilter  filter,
                                             GError           **error);
void               fovea_resize_coeffs_free (FoveaResizeCoeffs *coeffs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaResizeCoeffs, fovea_resize_coeffs_free)

G_END_DECLS
