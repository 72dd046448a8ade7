/* fovea-seg-tiles.h: segmenting an image of any size with a run made for
 * one tile: overlapping tiles at the model's own scale, their
 * probabilities blended with a smooth window, so that the activation
 * arena is the tile's whatever the image's size (a 12 MP photograph runs
 * on a 512 × 512 arena). */
#pragma once

#include "fovea-seg.h"

G_BEGIN_DECLS

/* pixels: in_channels × height × width normalised floats (one image,
 * NCHW); out: classes × height × width probabilities (the config's
 * activation). run was made for batch 1 and a square tile (its height,
 * a multiple of 32); overlap (0 ≤ overlap < tile) is how many pixels
 * neighbouring tiles share. Tiles start every tile − overlap pixels, the
 * last one flush with the far edge; an image smaller than a tile is
 * padded with zeros (the mean colour, once normalised). Each tile's
 * probabilities are weighted by a Hann window (sin² across the tile,
 * never zero), summed, and divided by the summed weights, so seams do
 * not show. Besides out, it allocates height × width floats of weights
 * and one tile of pixels. */
gboolean fovea_seg_forward_tiled (FoveaSegRun *run,
                                  const float *pixels,
                                  int          height,
                                  int          width,
                                  int          overlap,
                                  float       *out,
                                  GError     **error);

G_END_DECLS
