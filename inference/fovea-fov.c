/* STUB: inference/fovea-fov.c, to be implemented. */
#include <string.h>
#include "fovea-fov.h"
void fovea_fov_detect (const FoveaImage *image, FoveaFov *fov) { *fov = (FoveaFov) { FALSE, image->width / 2.0, image->height / 2.0, MIN (image->width, image->height) / 2.0, 1, 1, 0 }; }
guint8 *fovea_fov_mask_new (const FoveaImage *image, const FoveaFov *fov) { guint8 *m = g_malloc ((gsize) image->width * image->height); memset (m, 1, (gsize) image->width * image->height); return m; }
FoveaImage *fovea_fov_crop_square (const FoveaImage *image, const FoveaFov *fov, GError **error) { return fovea_image_copy (image); }
