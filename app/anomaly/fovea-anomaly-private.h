/* fovea-anomaly-private.h: the anomaly detector's state, shared by the
 * files that load its backbone, build banks and compute maps. */
#pragma once

#include "fovea-anomaly.h"
#include "fovea-cnn.h"
#include "fovea-lora.h"
#include "fovea-patch-cnn-features.h"
#include "fovea-preprocess.h"
#include "fovea-vit.h"

G_BEGIN_DECLS

struct _FoveaAnomaly {
  FoveaPatchBackboneKind kind;
  /* A ViT: one block's patch tokens. */
  FoveaVit        *vit;
  FoveaLora       *lora;             /* NULL: the bare backbone */
  FoveaVitRun     *run;              /* one image, patch tokens of `layer` */
  int              layer;
  /* A CNN: its stages, aggregated. */
  FoveaCnn              *cnn;
  FoveaPatchCnnFeatures *cnn_features;
  int                    stages[FOVEA_PATCHCORE_MAX_STAGES];
  int                    n_stages;

  char            *architecture;
  char            *backbone_sha256;
  char            *adapter_sha256;   /* NULL without an adapter */
  int              dim;              /* of a feature row */
  int              grid_h, grid_w;
  int              stride;           /* input pixels per grid cell */
  FoveaModality    modality;
  FoveaPreprocess  pre;
  float           *pixels;           /* 3 × pre.height × pre.width */
  FoveaPatchBank  *bank;             /* NULL until built or given */
};

/* The map of an image whose features (grid_h × grid_w × D) are already
 * computed, against bank; bank rows whose sources[] equals exclude are
 * skipped (sources may be NULL). */
FoveaAnomalyMap *fovea_anomaly_map_features (FoveaAnomaly         *anomaly,
                                             const FoveaPatchBank *bank,
                                             const FoveaImage     *image,
                                             const float          *features,
                                             int                   grid_h,
                                             int                   grid_w,
                                             const int            *sources,
                                             int                   exclude,
                                             GError              **error);

/* Fills a new bank's card: this detector's backbone, layer or stages,
 * input and modality, the options, the source images' names. */
void             fovea_anomaly_fill_card    (FoveaAnomaly                  *anomaly,
                                             FoveaPatchCard                *card,
                                             const FoveaAnomalyBankOptions *options,
                                             const char *const             *names,
                                             int                            n_images,
                                             gint64                         n_source_patches,
                                             double                         radius);

G_END_DECLS
