/* STUB: app/fovea-adjust.c, to be implemented. */
#include "fovea-enhance.h"
FoveaImage *fovea_enhance_red_free (const FoveaImage *i) { return fovea_image_to_grey8 (i); }
FoveaImage *fovea_enhance_adjust (const FoveaImage *i, double g, double b, double c) { return fovea_image_to_rgb8 (i); }
