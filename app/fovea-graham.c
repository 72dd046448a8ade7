/* STUB: app/fovea-graham.c, to be implemented. */
#include "fovea-enhance.h"
FoveaImage *fovea_enhance_graham (const FoveaImage *i, const FoveaFov *f, GError **e) { return fovea_image_to_rgb8 (i); }
