/* fovea-anomaly.h: anomaly heat-maps from a PatchCore bank of normal
 * patches (fovea-patchcore.h), on a ViT backbone folder and layer or a
 * CNN backbone folder and its stages.
 *
 * An image is preprocessed as the model's pretrained_cfg says, at the
 * chosen input size, with the fundus crop for fundus photographs; the
 * backbone gives the patch features: a ViT's (optionally with an adapter)
 * patch tokens of the chosen layer, or a CNN's chosen stages, locally
 * averaged and concatenated on the finest one's grid
 * (fovea-patch-cnn-features.h); each patch's distance to its nearest bank vector is its
 * anomaly; the patch grid is smoothed with a Gaussian (σ in patches, the
 * bank card's; 0.5 patch by default, see fovea-anomaly.c for why) and
 * mapped back onto the image with fovea-input-map.h: same size as the
 * image, 0 outside the fundus field of view. The image score is the
 * map's maximum (or, for a quality bank, its mean over the field of
 * view), in the same units as the bank card's normal scores.
 *
 * A FoveaAnomaly holds the backbone and one activation arena; it is not
 * thread-safe. */
#pragma once

#include "fovea-image.h"
#include "fovea-modality.h"
#include "fovea-patchcore.h"

G_BEGIN_DECLS

#define FOVEA_ANOMALY_ERROR (fovea_anomaly_error_quark ())

typedef enum {
  FOVEA_ANOMALY_ERROR_INPUT,  /* no images, an image that cannot be used */
} FoveaAnomalyError;

/* The default feature layer of a ViT: see fovea-anomaly.c. */
#define FOVEA_ANOMALY_DEFAULT_LAYER 0
/* The default stages of a CNN (MobileNetV2's stride 8 and 16 outputs):
 * see fovea-anomaly-backbone.c. */
#define FOVEA_ANOMALY_DEFAULT_CNN_STAGES { 6, 13 }

typedef struct {
  const char    *model_dir;
  const char    *adapter_path;  /* PEFT folder or MeLo file; NULL for none (ViT only) */
  int            layer;         /* ViT: block index; -1: final-norm tokens */
  const int     *stages;        /* CNN: block indices, increasing; NULL: the default */
  int            n_stages;
  int            input_size;    /* square input side; 0: the model's input_size */
  FoveaModality  modality;      /* FUNDUS crops to the field of view */
  int            n_threads;     /* ≤ 0: one per core */
} FoveaAnomalyOptions;

typedef struct {
  double           coreset_ratio;   /* (0, 1] */
  int              projection_dim;  /* coreset distances in this many random dimensions; 0: exact */
  guint64          seed;
  double           smoothing_sigma; /* patches */
  FoveaPatchScore  score_kind;
  const char      *note;            /* goes into the card; may be NULL */
} FoveaAnomalyBankOptions;

typedef struct {
  int     width, height;  /* the image's */
  float  *map;            /* width × height, row-major; 0 outside the FOV */
  int     grid_h, grid_w;
  float  *grid;           /* the smoothed patch distances */
  double  score;          /* the image score (card's kind) */
  int     peak_x, peak_y; /* where the map is highest */
} FoveaAnomalyMap;

typedef struct _FoveaAnomaly FoveaAnomaly;

GQuark           fovea_anomaly_error_quark (void);

void             fovea_anomaly_options_init      (FoveaAnomalyOptions     *options);
void             fovea_anomaly_bank_options_init (FoveaAnomalyBankOptions *options);

/* Loads the backbone (and adapter) for feature extraction, e.g. to build
 * a bank. */
FoveaAnomaly    *fovea_anomaly_new          (const FoveaAnomalyOptions *options,
                                             GError                   **error);
/* Loads the backbone for a saved bank: layer, input size and crop come
 * from its card, and the bank is refused unless it was built with these
 * very weights (and adapter). Takes bank over, also on failure. */
FoveaAnomaly    *fovea_anomaly_new_for_bank (const char                *model_dir,
                                             const char                *adapter_path,
                                             FoveaPatchBank            *bank,
                                             int                        n_threads,
                                             GError                   **error);
void             fovea_anomaly_free         (FoveaAnomaly *anomaly);

/* NULL until a bank is built or given. */
const FoveaPatchBank  *fovea_anomaly_get_bank       (const FoveaAnomaly *anomaly);
/* The width of a feature row: a ViT's embed_dim, a CNN's stages' channels. */
int              fovea_anomaly_get_dim      (const FoveaAnomaly *anomaly);

/* The patch features of one image (grid_h × grid_w rows of
 * fovea_anomaly_get_dim),
 * owned by anomaly and valid until its next call. */
const float     *fovea_anomaly_features     (FoveaAnomaly     *anomaly,
                                             const FoveaImage *image,
                                             int              *grid_h,
                                             int              *grid_w,
                                             GError          **error);

/* Builds a bank from normal images (paths decoded one at a time, twice:
 * features first, then the leave-one-image-out calibration), fills its
 * card and makes it this anomaly's bank. Returns it (owned by anomaly). */
const FoveaPatchBank *fovea_anomaly_build_bank (FoveaAnomaly                  *anomaly,
                                                const char *const             *paths,
                                                int                            n_paths,
                                                const FoveaAnomalyBankOptions *options,
                                                GError                       **error);
/* The same from images in memory; names go into the card. */
const FoveaPatchBank *fovea_anomaly_build_bank_from_images (FoveaAnomaly                  *anomaly,
                                                            const FoveaImage *const       *images,
                                                            const char *const             *names,
                                                            int                            n_images,
                                                            const FoveaAnomalyBankOptions *options,
                                                            GError                       **error);

/* The anomaly map of one image against the bank. */
FoveaAnomalyMap *fovea_anomaly_compute      (FoveaAnomaly     *anomaly,
                                             const FoveaImage *image,
                                             GError          **error);
void             fovea_anomaly_map_free     (FoveaAnomalyMap *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaAnomaly, fovea_anomaly_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaAnomalyMap, fovea_anomaly_map_free)

G_END_DECLS
