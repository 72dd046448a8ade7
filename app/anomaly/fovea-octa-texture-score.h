/* fovea-octa-texture-score.h: a PatchCore-style score of a whole OCTA
 * scan's texture, learned from good scans only (the idea of UNO-QA: an
 * anomaly-aware score fitted on high-quality images, then sorted into
 * outstanding, gradable and ungradable). It is not the quality gate
 * (fovea-quality.h), which judges every image before grading; nothing
 * in the gate or the batch uses this score.
 *
 * The score: a bank (fovea-patchcore.h) of one row per good scan, the
 * standard deviation of each feature channel of the chosen backbone layer
 * over the scan's patches (a texture signature); a scan's score is its
 * signature's distance to the nearest good scan's (see
 * fovea-octa-texture-score.c for why not the mean patch distance). The
 * thresholds come from the good scans' leave-one-out distances, kept in
 * the bank's card:
 *   outstanding  score ≤ the highest score of any good scan;
 *   gradable     up to that plus three standard deviations of the good
 *                scans' scores;
 *   ungradable   above.
 * The second threshold is a provisional margin, not fitted: no ungradable
 * scans were available (OCTA-500's samples are all gradable). */
#pragma once

#include "fovea-anomaly.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_OCTA_TEXTURE_OUTSTANDING,
  FOVEA_OCTA_TEXTURE_GRADABLE,
  FOVEA_OCTA_TEXTURE_UNGRADABLE,
} FoveaOctaTextureGrade;

/* Standard deviations of the good scans' scores between the worst good
 * scan and the ungradable threshold. */
#define FOVEA_OCTA_TEXTURE_MARGIN_SD 3.0

typedef struct {
  double                score;
  FoveaOctaTextureGrade grade;
} FoveaOctaTextureScore;

/* "outstanding", "gradable", "ungradable". */
const char           *fovea_octa_texture_grade_to_string (FoveaOctaTextureGrade grade);

/* Options for a texture scorer: modality OCTA (no fundus crop, the
 * whole scan), the given backbone, layer and input size. */
void                  fovea_octa_texture_options_init    (FoveaAnomalyOptions *options,
                                                          const char          *model_dir);

/* Builds anomaly's bank from good scans (texture signatures) and sets its
 * card's thresholds as above. Needs at least three scans (two leave-one-out
 * scores make no standard deviation). */
const FoveaPatchBank *fovea_octa_texture_fit             (FoveaAnomaly                  *anomaly,
                                                          const char *const             *paths,
                                                          int                            n_paths,
                                                          const FoveaAnomalyBankOptions *options,
                                                          GError                       **error);

/* Scores a scan against anomaly's bank, which must carry thresholds. */
gboolean              fovea_octa_texture_assess          (FoveaAnomaly                  *anomaly,
                                                          const FoveaImage              *image,
                                                          FoveaOctaTextureScore         *out,
                                                          GError                       **error);

G_END_DECLS
