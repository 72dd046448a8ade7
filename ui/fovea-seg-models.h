/* fovea-seg-models.h: the segmentation models the review window offers:
 * those of FOVEA_SEG_MODELS_TASKS that are installed (found by
 * fovea_segmenter_find_model, in that order) and are not anomaly
 * flaggers, with their cards; besides them the installed anomaly flaggers
 * (fovea_segmenter_find_flaggers), whose maps are the Anomaly overlay, not
 * segmentation overlays; and the segmenters loaded from either on first
 * use and kept for the next image.
 *
 * Reference-counted, so that a worker still segmenting keeps the set it
 * started with when the models are looked for again. Finding and the
 * getters are for the main thread; fovea_seg_models_segment for workers
 * (one segmentation at a time: a segmenter's arena is one image's). */
#pragma once

#include "fovea-image.h"
#include "fovea-seg-overlay.h"
#include "fovea-task-card.h"

G_BEGIN_DECLS

/* The task names looked for, in the order they are offered. */
#define FOVEA_SEG_MODELS_TASKS "vessels", "optic-disc", "lesions"

typedef struct _FoveaSegModels FoveaSegModels;

/* Looks for the installed models now (it reads their cards). */
FoveaSegModels      *fovea_seg_models_find     (void);
FoveaSegModels      *fovea_seg_models_ref      (FoveaSegModels *models);
void                 fovea_seg_models_unref    (FoveaSegModels *models);

/* How many segmentation overlays are installed, and each one's task name
 * (flaggers are not among them). */
guint                fovea_seg_models_get_n    (FoveaSegModels *models);
const char          *fovea_seg_models_get_name (FoveaSegModels *models,
                                                guint           index);
/* The card and folder of the installed model (overlay or flagger) of
 * task_name, or NULL. */
const FoveaTaskCard *fovea_seg_models_get_card (FoveaSegModels *models,
                                                const char     *task_name);
const char          *fovea_seg_models_get_dir  (FoveaSegModels *models,
                                                const char     *task_name);

/* The task name of the first installed anomaly flagger for images of
 * modality, or NULL. */
const char          *fovea_seg_models_get_flagger (FoveaSegModels *models,
                                                   FoveaModality   modality);

/* Segments image with the model of task_name, loading it if need be: its
 * maps, and in *card (may be NULL) the card the model was checked
 * against. NULL with an error naming the model's folder when the model
 * cannot be loaded or run. For worker threads, as below. */
FoveaSegmentation   *fovea_seg_models_run      (FoveaSegModels       *models,
                                                const char           *task_name,
                                                const FoveaImage     *image,
                                                GCancellable         *cancellable,
                                                const FoveaTaskCard **card,
                                                GError              **error);
/* Segments image with the model of task_name, loading it if need be, and
 * makes its overlay. NULL with an error naming the model's folder when
 * the model cannot be loaded or run. For worker threads; unless
 * cancellable is cancelled while waiting for another image to finish. */
FoveaSegOverlay     *fovea_seg_models_segment  (FoveaSegModels   *models,
                                                const char       *task_name,
                                                const FoveaImage *image,
                                                GCancellable     *cancellable,
                                                GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegModels, fovea_seg_models_unref)

G_END_DECLS
