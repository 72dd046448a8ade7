/* fovea-patchcore.h: a PatchCore memory bank (Roth et al., CVPR 2022) of
 * normal patch features, for anomaly maps learned from normal images only.
 *
 * The bank is a set of N F32 feature vectors of dimension D, taken from
 * one backbone layer's patch tokens over normal images, thinned by greedy
 * k-center coreset selection (the paper's farthest-point sampling: each
 * step keeps the point farthest from everything kept so far). A query
 * patch's anomaly score is its Euclidean distance to the nearest bank
 * vector, computed for blocks of queries at once through one SGEMM as
 *   d² = ‖q‖² − 2 q·b + ‖b‖²,
 * minimum over the bank, the winner's distance then recomputed directly
 * (the expansion loses digits when q and b are close), square root.
 *
 * On disk a bank is a safetensors file: "memory_bank" [N, D] F32, plus
 * "normal_image_scores" [M] F32 (the source images' leave-one-image-out
 * scores, which calibrate the image score; may be empty), and the card as
 * JSON in __metadata__ under "fovea.anomaly_card" (fields: see
 * FoveaPatchCard). Loading checks every value: a bank is refused rather
 * than trusted when anything is missing, non-finite or inconsistent. */
#pragma once

#include "fovea-cnn.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

#define FOVEA_PATCHCORE_ERROR (fovea_patchcore_error_quark ())
#define FOVEA_PATCHCORE_CARD_KEY "fovea.anomaly_card"
/* Version 2 added backbone.kind and backbone.stages; a version 1 card
 * (which has neither) is read as a ViT's. */
#define FOVEA_PATCHCORE_CARD_VERSION 2
#define FOVEA_PATCHCORE_MAX_STAGES 4

typedef enum {
  FOVEA_PATCHCORE_ERROR_INVALID,   /* bad arguments: empty set, NaN, bad ratio */
  FOVEA_PATCHCORE_ERROR_FORMAT,    /* a bank file or card that is malformed */
  FOVEA_PATCHCORE_ERROR_BACKBONE,  /* a bank made with another backbone or layer */
} FoveaPatchcoreError;

/* How a map becomes one number per image. */
typedef enum {
  FOVEA_PATCH_SCORE_MAX,   /* the smoothed map's maximum (PatchCore: a lesion) */
  FOVEA_PATCH_SCORE_MEAN,  /* its mean over the field of view */
  /* One row per image: the per-channel standard deviation of its patch
   * features, a texture signature; the score is its distance to the
   * nearest good image's (fovea-octa-texture-score.h). */
  FOVEA_PATCH_SCORE_TEXTURE,
} FoveaPatchScore;

/* Which engine made the features, and so what layer and stages mean. */
typedef enum {
  FOVEA_PATCH_BACKBONE_VIT,  /* one block's patch tokens (layer) */
  FOVEA_PATCH_BACKBONE_CNN,  /* stages, aggregated (fovea-patch-cnn-features.h) */
} FoveaPatchBackboneKind;

/* What a bank was made from and how to use it: everything needed to get
 * comparable features again, and the image-score calibration. */
typedef struct {
  FoveaPatchBackboneKind backbone_kind;
  char            *backbone_architecture;
  char            *backbone_sha256;     /* of model.safetensors, hex */
  char            *adapter_sha256;      /* NULL: the bare backbone */
  int              layer;               /* ViT: block index; -1: final-norm tokens
                                         * (CNN: -1, unused) */
  int              stages[FOVEA_PATCHCORE_MAX_STAGES]; /* CNN: block indices, increasing */
  int              n_stages;            /* CNN: 1 … FOVEA_PATCHCORE_MAX_STAGES; ViT: 0 */
  int              input_height, input_width;
  gboolean         fundus_crop;
  char            *modality;            /* "fundus", "octa", ... */
  double           coreset_ratio;
  int              projection_dim;      /* of the coreset's random projection; 0: none */
  guint64          seed;
  gint64           n_source_patches;    /* before the coreset */
  double           coreset_radius;      /* the farthest any dropped patch lies from the bank,
                                         * in the coreset's (projected) space */
  double           smoothing_sigma;     /* Gaussian on the patch grid, in patches */
  FoveaPatchScore  score_kind;
  char           **source_images;       /* file names, NULL-terminated */
  /* Image-score calibration from normal_image_scores (NaN without them):
   * the score a normal image reaches at most, and the mean and standard
   * deviation of normal scores. */
  double           normal_score_max;
  double           normal_score_mean;
  double           normal_score_std;
  /* Optional grading of the score (the OCTA texture score); NaN when absent:
   * score ≤ threshold[0] outstanding, ≤ threshold[1] gradable, else
   * ungradable. */
  double           thresholds[2];
  char            *note;                /* free text: the choices made and why */
} FoveaPatchCard;

typedef struct {
  int             n, dim;
  float          *memory;        /* n × dim, row-major */
  float          *sq_norms;      /* n: ‖b‖² */
  int             n_normal_scores;
  float          *normal_scores; /* n_normal_scores */
  FoveaPatchCard  card;
} FoveaPatchBank;

GQuark          fovea_patchcore_error_quark (void);

void            fovea_patch_card_init       (FoveaPatchCard *card);
void            fovea_patch_card_clear      (FoveaPatchCard *card);

/* Greedy k-center coreset of n points (n × dim): keeps
 * max (1, ceil (ratio · n)) of them (0 < ratio ≤ 1), starting from a point
 * drawn with seed, distances measured after a seeded Gaussian random
 * projection to projection_dim dimensions when 0 < projection_dim < dim
 * (Johnson–Lindenstrauss: distances kept within a small factor, at a
 * fraction of the cost). Writes the kept indices in the order chosen to
 * *out_indices (g_free) and returns their number, or -1 with an error.
 * *out_radius (may be NULL) is the largest distance of any point to its
 * nearest kept point, in the space used. Deterministic for a seed. */
int             fovea_patchcore_coreset     (const float  *points,
                                             int           n,
                                             int           dim,
                                             double        ratio,
                                             int           projection_dim,
                                             guint64       seed,
                                             int         **out_indices,
                                             double       *out_radius,
                                             GError      **error);

/* A bank holding copies of the given rows (n × dim); card fields are
 * filled by the caller. Fails on an empty set or a non-finite value. */
FoveaPatchBank *fovea_patch_bank_new        (const float  *memory,
                                             int           n,
                                             int           dim,
                                             GError      **error);
void            fovea_patch_bank_free       (FoveaPatchBank *bank);
/* Takes a copy of the normal images' scores and sets the card's
 * normal_score_{max,mean,std} from them. */
void            fovea_patch_bank_set_normal_scores (FoveaPatchBank *bank,
                                                    const float    *scores,
                                                    int             n);

/* Distance of each of the n_queries rows (× bank->dim) to its nearest bank
 * row, into out. When sources is not NULL, bank row i is skipped when
 * sources[i] == exclude (leave-one-image-out scores while building). A
 * query with no row left gets +inf. */
gboolean        fovea_patch_bank_nearest    (const FoveaPatchBank *bank,
                                             const float          *queries,
                                             int                   n_queries,
                                             const int            *sources,
                                             int                   exclude,
                                             float                *out,
                                             GError              **error);

/* Checks that the bank's features come from this backbone: a ViT's bank
 * (backbone_kind), its weights (backbone_sha256, hex, of
 * model.safetensors), a layer it has, its embed_dim and patch size; and
 * the same adapter (adapter_sha256 NULL: none), since an adapter changes
 * every feature. */
gboolean        fovea_patch_bank_check_backbone (const FoveaPatchBank *bank,
                                                 const FoveaVitConfig *config,
                                                 const char           *backbone_sha256,
                                                 const char           *adapter_sha256,
                                                 GError              **error);
/* The same for a CNN: a CNN's bank, of these weights (its
 * fovea_cnn_get_sha256), stages it has, whose channels add up to the
 * bank's dimension, and no adapter (none is supported on a CNN yet). */
gboolean        fovea_patch_bank_check_cnn      (const FoveaPatchBank *bank,
                                                 FoveaCnn             *cnn,
                                                 const char           *adapter_sha256,
                                                 GError              **error);

gboolean        fovea_patch_bank_save       (const FoveaPatchBank *bank,
                                             const char           *path,
                                             GError              **error);
FoveaPatchBank *fovea_patch_bank_load       (const char           *path,
                                             GError              **error);
/* The same from a file's bytes (a fuzzer's); name is used in messages. */
FoveaPatchBank *fovea_patch_bank_load_bytes (GBytes               *bytes,
                                             const char           *name,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPatchBank, fovea_patch_bank_free)

G_END_DECLS
