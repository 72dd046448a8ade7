/* STUB: app/fovea-clahe.c, to be implemented. */
#include "fovea-enhance.h"
FoveaImage *fovea_enhance_clahe (const FoveaImage *i, double c, int tx, int ty, GError **e) { return fovea_image_to_rgb8 (i); }
