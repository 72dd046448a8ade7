/* STUB: app/fovea-quality.c, to be implemented. */
#include <string.h>
#include "fovea-quality.h"
void fovea_quality_thresholds_init (FoveaQualityThresholds *t, FoveaModality m) { memset (t, 0, sizeof *t); }
void fovea_quality_assess (const FoveaImage *i, FoveaModality m, const FoveaQualityThresholds *t, FoveaQualityReport *r) { memset (r, 0, sizeof *r); r->gradable = TRUE; fovea_fov_detect (i, &r->fov); }
const char *fovea_quality_reason_to_string (FoveaQualityReason r) { return "blur"; }
