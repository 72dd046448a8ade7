/* fovea-enhance-private.h: helpers shared by the enhancement files. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

/* The 8-bit samples the enhancements work on: image itself when it is
 * 8-bit, else a reduced copy (v/257, rounded) stored in *owned for the
 * caller to free. Returns NULL, with error set, when memory runs out. */
const FoveaImage *fovea_enhance_source8 (const FoveaImage *image,
                                         FoveaImage      **owned,
                                         GError          **error);

/* Copies the alpha channel (the last one) of src into dst, both 8-bit
 * with the same geometry and channel count. */
void              fovea_enhance_copy_alpha (const FoveaImage *src,
                                            FoveaImage       *dst);

/* Rounds half to even like lrintf() in the default rounding mode (and
 * OpenCV's cvRound), for |v| < 2^22, without a library call: adding
 * 1.5·2^23 leaves no fraction bits, so the FPU does the rounding. */
static inline int
fovea_round_even (float v)
{
  return (int) ((v + 12582912.0f) - 12582912.0f);
}

G_END_DECLS
