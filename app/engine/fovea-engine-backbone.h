/* fovea-engine-backbone.h: the engine's one view of a backbone, of
 * either family: a Vision Transformer (fovea-vit.h) or a CNN
 * (fovea-cnn.h), as config.json's architecture says
 * (fovea_cnn_architecture_is_known, else a ViT). Every call dispatches to
 * the family's own; nothing else in the engine asks which family it
 * holds, except for what only one family has (a ViT's attention maps for
 * the rollout and the training model its Grad-CAM runs on; a CNN's last
 * feature map for its class activation map), which it asks for by name
 * (fovea_engine_backbone_get_vit, fovea_engine_backbone_run_get_cnn).
 *
 * A task's adapter is the family's too: a FoveaLora on a ViT (a PEFT
 * folder or a MeLo file, fovea-adapter.h), a FoveaCnnAdapter on a CNN (a
 * PEFT folder with a new head and LoRA on 1×1 convolutions, merged at
 * load: fovea-adapter-cnn.h). */
#pragma once

#include "fovea-adapter.h"
#include "fovea-cnn-adapter.h"
#include "fovea-hub-config.h"
#include "fovea-precision.h"

G_BEGIN_DECLS

typedef enum {
  FOVEA_BACKBONE_VIT,
  FOVEA_BACKBONE_CNN,
} FoveaBackboneFamily;

typedef struct _FoveaEngineBackbone    FoveaEngineBackbone;
typedef struct _FoveaEngineAdapter     FoveaEngineAdapter;
typedef struct _FoveaEngineBackboneRun FoveaEngineBackboneRun;

/* What config.json alone says of a backbone, for whoever must not load
 * its weights (the catalog). */
typedef struct {
  FoveaBackboneFamily family;
  int                 num_classes;  /* 0: headless */
  int                 n_outputs;    /* per image from its own head: num_classes, or
                                     * the pooled features' width when headless */
} FoveaBackboneInfo;

/* "ViT" or "CNN", for messages. */
const char          *fovea_backbone_family_to_string (FoveaBackboneFamily family);

/* Reads model_dir/config.json with its family's parser (which checks
 * it), not the weights. */
gboolean             fovea_backbone_info_read     (const char          *model_dir,
                                                   FoveaBackboneInfo   *info,
                                                   GError             **error);

/* Loads a hub folder (config.json, and model.safetensors or
 * pytorch_model.bin). */
/* precision: a ViT's GEMMs in fp32 or bf16 (fovea-precision.h); a CNN
 * runs in fp32, and refuses an explicit bf16 request. */
FoveaEngineBackbone *fovea_engine_backbone_load   (const char          *model_dir,
                                                   FoveaPrecision       precision,
                                                   GError             **error);
FoveaPrecision       fovea_engine_backbone_get_precision (const FoveaEngineBackbone *backbone);
void                 fovea_engine_backbone_free   (FoveaEngineBackbone *backbone);
FoveaBackboneFamily  fovea_engine_backbone_get_family (const FoveaEngineBackbone *backbone);
/* How pixels become its input: pretrained_cfg, for fovea-preprocess.h. */
const FoveaPretrainedCfg *fovea_engine_backbone_get_pretrained (const FoveaEngineBackbone *backbone);
/* Logits per image with adapter (NULL: the backbone's own head). */
int                  fovea_engine_backbone_get_n_outputs (const FoveaEngineBackbone *backbone,
                                                          const FoveaEngineAdapter  *adapter);
/* The ViT, or NULL for a CNN. */
FoveaVit            *fovea_engine_backbone_get_vit (const FoveaEngineBackbone *backbone);

/* Loads an adapter for this backbone (options may be NULL; MeLo's only),
 * checked against it. */
FoveaEngineAdapter  *fovea_engine_adapter_load    (FoveaEngineBackbone       *backbone,
                                                   const char                *path,
                                                   const FoveaAdapterOptions *options,
                                                   GError                   **error);
void                 fovea_engine_adapter_free    (FoveaEngineAdapter *adapter);
/* The ViT adapter, or NULL on a CNN. */
const FoveaLora     *fovea_engine_adapter_get_lora (const FoveaEngineAdapter *adapter);
/* The CNN adapter, or NULL on a ViT. */
const FoveaCnnAdapter *fovea_engine_adapter_get_cnn (const FoveaEngineAdapter *adapter);

/* An activation arena for up to max_batch images of height × width;
 * attention also keeps a ViT's attention maps (a CNN has none: ignored). */
FoveaEngineBackboneRun *fovea_engine_backbone_run_new (FoveaEngineBackbone *backbone,
                                                       int                  max_batch,
                                                       int                  height,
                                                       int                  width,
                                                       gboolean             attention,
                                                       int                  n_threads,
                                                       GError             **error);
void                 fovea_engine_backbone_run_free (FoveaEngineBackboneRun *run);
/* Runs batch ≤ max_batch normalised images (batch × 3 × height × width)
 * with adapter (NULL: none). */
gboolean             fovea_engine_backbone_forward (FoveaEngineBackboneRun   *run,
                                                    const float              *pixels,
                                                    int                       batch,
                                                    const FoveaEngineAdapter *adapter,
                                                    GError                  **error);
int                  fovea_engine_backbone_run_get_n_outputs (const FoveaEngineBackboneRun *run);
const float         *fovea_engine_backbone_run_get_logits    (const FoveaEngineBackboneRun *run);
/* The ViT's run (its attention maps, for fovea-rollout.h), or NULL. */
FoveaVitRun         *fovea_engine_backbone_run_get_vit       (const FoveaEngineBackboneRun *run);
/* The CNN's run (its last feature map, for fovea-cam.h), or NULL. */
const FoveaCnnRun   *fovea_engine_backbone_run_get_cnn       (const FoveaEngineBackboneRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngineBackbone, fovea_engine_backbone_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngineAdapter, fovea_engine_adapter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaEngineBackboneRun, fovea_engine_backbone_run_free)

G_END_DECLS
