/* fovea-resize.h: antialiased resampling that matches PIL's Image.resize
 * (and so torchvision's Resize) for the bilinear and bicubic filters.
 * Models were trained on PIL-resized pixels; matching it keeps parity. */
#pragma once

#include "fovea-image.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_RESIZE_BILINEAR,  /* PIL Image.BILINEAR, support 1 */
  FOVEA_RESIZE_BICUBIC,   /* PIL Image.BICUBIC, a = -0.5, support 2 */
} FoveaResizeFilter;

/* Returns a new image of out_width × out_height with the same channels
 * and bit depth. When downscaling, the filter support is widened by the
 * scale factor (antialiasing), exactly as PIL does. 8-bit images use PIL's
 * fixed-point coefficients so results agree to within one grey level. */
FoveaImage *fovea_resize (const FoveaImage  *src,
                          int                out_width,
                          int                out_height,
                          FoveaResizeFilter  filter,
                          GError           **error);

/* Parses "bilinear" / "bicubic" (the names timm's pretrained_cfg uses). */
gboolean    fovea_resize_filter_from_string (const char        *name,
                                             FoveaResizeFilter *out_filter);

G_END_DECLS
