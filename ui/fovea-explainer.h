/* fovea-explainer.h: the explanation overlays of analysed images, made on
 * demand in worker threads and kept in a FoveaExplainCache.
 *
 * - Attention rollout: the analysis result's saliency, coloured.
 * - Grad-CAM: of the result's task, on the analysis's kept engine
 *   (fovea_analysis_gradcam_async), divided by its maximum.
 * - Anomaly: the probability map of the installed anomaly flagger for
 *   the image's modality (a segmentation model whose card's role is
 *   anomaly: LesionPaste, which localised lesions better than PatchCore),
 *   run through the explainer's FoveaSegModels; the most probable of its
 *   labels per pixel, on a 0..1 scale. Without a flagger: PatchCore,
 *   distance to the normal patches of the default bank, the first
 *   *.safetensors under the bundled models folder's "anomaly/" that loads
 *   and whose card names the weights (by SHA-256) of a catalogued backbone
 *   without an adapter. Scaled so that the top of the legend is twice the
 *   highest score a normal image reached when the bank was built, as
 *   `fovea-cli explain --kind anomaly` does; the bank and its backbone are
 *   loaded on first use and kept.
 * - Segmentation: an installed segmentation model's labels on the
 *   document's image (fovea-seg-models.h), needing no analysis; the
 *   model is loaded on first use and kept.
 *
 * All methods are for the main thread. */
#pragma once

#include "fovea-analysis.h"
#include "fovea-explain-map.h"
#include "fovea-seg-models.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_EXPLAINER (fovea_explainer_get_type ())

G_DECLARE_FINAL_TYPE (FoveaExplainer, fovea_explainer, FOVEA, EXPLAINER, GObject)

FoveaExplainer  *fovea_explainer_new            (FoveaAnalysis              *analysis);

/* Looks for the anomaly bank again, in a worker thread, matching it to
 * catalog's backbones; "anomaly-ready" notifies when that is done. Looks
 * for the segmentation models again, at once. Also forgets every map
 * made. */
void             fovea_explainer_set_catalog    (FoveaExplainer             *self,
                                                 FoveaModelCatalog          *catalog);
/* Whether the bank search has finished ("anomaly-ready"). */
gboolean         fovea_explainer_get_anomaly_ready (FoveaExplainer          *self);

/* Whether kind can explain images of this modality; otherwise FALSE and
 * *reason (may be NULL) says why, translated, for a tooltip. */
gboolean         fovea_explainer_can_explain    (FoveaExplainer             *self,
                                                 FoveaOverlayKind            kind,
                                                 FoveaModality               modality,
                                                 char                      **reason);

/* The anomaly method for images of this modality, for people: the
 * flagger's card title, or "PatchCore"; NULL when Anomaly cannot explain
 * them. */
char            *fovea_explainer_dup_anomaly_method (FoveaExplainer     *self,
                                                     FoveaModality       modality);
/* The task name of the installed anomaly flagger for this modality, or
 * NULL (then the bank makes Anomaly maps). */
const char      *fovea_explainer_get_flagger    (FoveaExplainer             *self,
                                                 FoveaModality               modality);

/* The map of kind for result (of document) already made, or NULL.
 * Borrowed. */
FoveaExplainMap *fovea_explainer_lookup         (FoveaExplainer             *self,
                                                 FoveaDocument              *document,
                                                 const FoveaAnalysisResult  *result,
                                                 FoveaOverlayKind            kind);
/* Makes the map of kind (not NONE) for result, which must hold a model's
 * output, on document's image. */
void             fovea_explainer_explain_async  (FoveaExplainer             *self,
                                                 FoveaDocument              *document,
                                                 const FoveaAnalysisResult  *result,
                                                 FoveaOverlayKind            kind,
                                                 GCancellable               *cancellable,
                                                 GAsyncReadyCallback         callback,
                                                 gpointer                    user_data);
/* The map (a new reference), which is also cached; NULL with an error. */
FoveaExplainMap *fovea_explainer_explain_finish (FoveaExplainer             *self,
                                                 GAsyncResult               *result,
                                                 GError                    **error);

/* Segmentation */

/* The installed segmentation models, as last looked for; NULL before the
 * first fovea_explainer_set_catalog(). Borrowed. */
FoveaSegModels  *fovea_explainer_get_seg_models (FoveaExplainer          *self);
/* Whether the model of task_name is installed and segments images of this
 * modality; otherwise FALSE and *reason (may be NULL) says why. */
gboolean         fovea_explainer_can_segment    (FoveaExplainer             *self,
                                                 const char                 *task_name,
                                                 FoveaModality               modality,
                                                 char                      **reason);
/* The segmentation of task_name already made for document, or NULL.
 * Borrowed. */
FoveaExplainMap *fovea_explainer_lookup_segmentation (FoveaExplainer        *self,
                                                      FoveaDocument         *document,
                                                      const char            *task_name);
/* Segments document's image with the model of task_name in a worker
 * thread; finish with fovea_explainer_explain_finish(), which caches the
 * map (its "segmentation" holds the labels). */
void             fovea_explainer_segment_async  (FoveaExplainer             *self,
                                                 FoveaDocument              *document,
                                                 const char                 *task_name,
                                                 GCancellable               *cancellable,
                                                 GAsyncReadyCallback         callback,
                                                 gpointer                    user_data);

G_END_DECLS
