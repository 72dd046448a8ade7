/* fovea-seg-vessels.h: the vessel measurements AutoMorph reports, on a
 * binary vessel mask (Zhou et al., "AutoMorph: automated retinal vascular
 * morphology quantification via a deep learning pipeline", TVST 11(7):12,
 * 2022; its M3 feature module):
 *   - vessel density: vessel pixels / FOV pixels;
 *   - fractal dimension: box counting (Minkowski–Bouligand): the
 *     least-squares slope of log N(s) against log (1 / s), N(s) the boxes
 *     of side s holding any vessel pixel;
 *   - distance-measure tortuosity: per vessel segment (the skeleton split
 *     at its branch points), arc length / chord length; AutoMorph averages
 *     it over segments, here the mean is weighted by arc length so that
 *     short stubs weigh little. (AutoMorph's squared-curvature tortuosity
 *     and tortuosity density are not computed.) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Box sizes 2, 4, … up to a quarter of the shorter side (at least three
 * sizes; NaN with fewer, or without any set pixel). A filled square gives
 * 2, a straight line 1. */
double fovea_seg_fractal_dimension (const guint8 *mask,
                                    int           width,
                                    int           height);
/* Thins mask (0 / non-zero) in place to a one-pixel-wide 8-connected
 * skeleton: Zhang and Suen, CACM 27(3), 1984; set pixels become 1. */
void   fovea_seg_skeletonise       (guint8       *mask,
                                    int           width,
                                    int           height);
/* The length-weighted mean distance-measure tortuosity (≥ 1) of the
 * mask's vessel segments: skeletonised, pixels the skeleton's
 * connectivity does not need removed,
 * split at pixels with three or more neighbours; each segment traced from
 * an end, its arc length measured along a polyline through every fourth
 * pixel (so that the pixel grid's zig-zag does not count as tortuosity),
 * its chord between its ends. Segments whose chord is shorter than
 * min_chord pixels, and closed loops, are left out. NaN when none is left;
 * *n_segments (may be NULL) is how many were measured. */
double fovea_seg_tortuosity        (const guint8 *mask,
                                    int           width,
                                    int           height,
                                    double        min_chord,
                                    int          *n_segments);

G_END_DECLS
