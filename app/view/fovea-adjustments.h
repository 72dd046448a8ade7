/* fovea-adjustments.h: the display adjustments of one image (enhancement,
 * tone, red-free, overlay opacity) as a plain value, so that a whole state
 * can be compared, copied and kept on an undo stack. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FOVEA_ENHANCEMENT_NONE,
  FOVEA_ENHANCEMENT_CLAHE,
  FOVEA_ENHANCEMENT_GRAHAM,
} FoveaEnhancement;

typedef struct {
  FoveaEnhancement enhancement;
  double           gamma;            /* > 0, 1 = unchanged */
  double           brightness;       /* −1 … 1, 0 = unchanged */
  double           contrast;         /* ≥ 0, 1 = unchanged */
  gboolean         red_free;         /* show the green channel only */
  double           overlay_opacity;  /* 0 … 1, heat-map layers */
} FoveaAdjustments;

/* The original image: no enhancement, neutral tone, full colour, and
 * heat-maps at overlay_opacity (the default-overlay-opacity setting). */
void     fovea_adjustments_init_original (FoveaAdjustments       *self,
                                          double                  overlay_opacity);
/* Equal up to slider noise (1e-6 on the numbers). */
gboolean fovea_adjustments_equal         (const FoveaAdjustments *a,
                                          const FoveaAdjustments *b);
/* Whether the pixels shown are the original ones. The overlay opacity
 * does not count: it changes the heat-map, not the image. */
gboolean fovea_adjustments_is_original   (const FoveaAdjustments *self);

G_END_DECLS
