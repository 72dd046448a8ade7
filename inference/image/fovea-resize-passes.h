/* fovea-resize-passes.h: the separable passes of the resampler. A resize
 * runs the horizontal pass first, then the vertical one, as PIL does (the
 * order changes the rounding of the 8-bit intermediate). */
#pragma once

#include "fovea-resize-coeffs.h"

G_BEGIN_DECLS

/* 8-bit, in PIL's fixed point, with the intermediate clipped to 0..255.
 * src and dst have the same channel count. The horizontal pass maps
 * src->width (cx->in_size) to dst->width on every row; the vertical pass
 * maps src->height (cy->in_size) to dst->height on every column, using
 * `scratch` (dst->width * channels accumulators) so that it never
 * allocates. */
void fovea_resize_horizontal_u8 (const FoveaImage        *src,
                                 FoveaImage              *dst,
                                 const FoveaResizeCoeffs *cx);
void fovea_resize_vertical_u8   (const FoveaImage        *src,
                                 FoveaImage              *dst,
                                 const FoveaResizeCoeffs *cy,
                                 gint32                  *scratch);

/* Floating point on tightly packed interleaved samples. The horizontal
 * pass maps `rows` rows of cx->in_size pixels of `channels` samples to rows
 * of cx->out_size pixels. The vertical pass maps cy->in_size rows of
 * `row_len` samples to cy->out_size rows. */
void fovea_resize_horizontal_float (const float             *src,
                                    float                   *dst,
                                    int                      rows,
                                    int                      channels,
                                    const FoveaResizeCoeffs *cx);
void fovea_resize_vertical_float   (const float             *src,
                                    float                   *dst,
                                    gsize                    row_len,
                                    const FoveaResizeCoeffs *cy);

G_END_DECLS
