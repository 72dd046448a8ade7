/* fovea-adjustments.c: the display adjustments of one image. */
#define G_LOG_DOMAIN "fovea-adjustments"

#include "config.h"

#include "fovea-adjustments.h"

#include <math.h>

#define EPSILON 1e-6

static gboolean
nearly_equal (double a,
              double b)
{
  return fabs (a - b) <= EPSILON;
}

static gboolean
same_pixels (const FoveaAdjustments *a,
             const FoveaAdjustments *b)
{
  return a->enhancement == b->enhancement &&
         !a->red_free == !b->red_free &&
         nearly_equal (a->gamma, b->gamma) &&
         nearly_equal (a->brightness, b->brightness) &&
         nearly_equal (a->contrast, b->contrast);
}

void
fovea_adjustments_init_original (FoveaAdjustments *self,
                                 double            overlay_opacity)
{
  g_return_if_fail (self != NULL);

  *self = (FoveaAdjustments) {
    .enhancement = FOVEA_ENHANCEMENT_NONE,
    .gamma = 1.0,
    .brightness = 0.0,
    .contrast = 1.0,
    .red_free = FALSE,
    .overlay_opacity = overlay_opacity,
  };
}

gboolean
fovea_adjustments_equal (const FoveaAdjustments *a,
                         const FoveaAdjustments *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  return same_pixels (a, b) && nearly_equal (a->overlay_opacity, b->overlay_opacity);
}

gboolean
fovea_adjustments_is_original (const FoveaAdjustments *self)
{
  FoveaAdjustments original;

  g_return_val_if_fail (self != NULL, FALSE);

  fovea_adjustments_init_original (&original, self->overlay_opacity);
  return same_pixels (self, &original);
}
