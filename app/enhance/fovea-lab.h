/* fovea-lab.h: CIE L*a*b* of 8-bit sRGB rows, as OpenCV's COLOR_RGB2LAB /
 * COLOR_LAB2RGB define it for 8-bit images (D65 white, L scaled by
 * 255/100), for enhancements that change lightness only. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The colour of a pixel apart from its lightness: f(X/Xn) − f(Y) and
 * f(Z/Zn) − f(Y) in units of 2^-15, that is a* · 2^15/500 and
 * −b* · 2^15/200, not rounded to bytes as OpenCV's 8-bit a* and b* are. */
typedef struct {
  gint16 x;
  gint16 z;
} FoveaLabChroma;

/* Splits n pixels of rgb, whose pixels are `channels` (3 or 4) bytes
 * apart, into OpenCV's 8-bit L (0..255) and the chroma. */
void fovea_lab_split_row (const guint8   *rgb,
                          int             channels,
                          guint8         *lightness,
                          FoveaLabChroma *chroma,
                          int             n);

/* The inverse: writes the R, G, B of n pixels into rgb (pixels
 * `channels` bytes apart; a fourth channel is left alone). */
void fovea_lab_join_row  (const guint8         *lightness,
                          const FoveaLabChroma *chroma,
                          guint8               *rgb,
                          int                   channels,
                          int                   n);

G_END_DECLS
