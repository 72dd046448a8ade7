/* fovea-analysis.h: running a catalogued task on an opened image, off the
 * main thread.
 *
 * An analysis first judges the image's quality (fovea-quality.h); an
 * ungradable image is not run through any model, since its verdict
 * overrides any grade. Otherwise it runs the task on the FoveaEngine it
 * keeps: the backbone is loaded once, on first use, and stays loaded;
 * adapters are added to it as their tasks are first asked for, so switching
 * task switches adapters without reloading the backbone. Asking for a task
 * of another backbone replaces the engine.
 *
 * A gradable image's result also holds where the model looked: the
 * task's attention rollout (fovea-rollout.h) put back onto the image
 * (fovea-input-map.h).
 *
 * Runs are GTasks in worker threads. The engine is used by one run at a
 * time: a run started while a cancelled one is still computing waits for
 * it. Cancelling returns at once; the computation it abandons finishes in
 * the background and is dropped. */
#pragma once

#include <gio/gio.h>

#include "fovea-document.h"
#include "fovea-engine.h"
#include "fovea-model-catalog.h"
#include "fovea-quality.h"

G_BEGIN_DECLS

/* What one run found. */
typedef struct {
  FoveaModality            modality;
  FoveaQualityReport       quality;
  FoveaModelCatalog       *catalog;  /* a reference that keeps model and task alive */
  const FoveaCatalogModel *model;
  const FoveaCatalogTask  *task;
  FoveaEngineOutput       *output;   /* one image; NULL when ungradable (no model was run) */
  gboolean                 loaded_backbone;  /* this run had to load it */
  double                   quality_s;  /* wall-clock seconds judging quality */
  double                   model_s;    /* loading, preprocessing and the forward pass */
  double                   total_s;
  int                      referral_min_grade;  /* the site's threshold that was applied
                                                 * instead of the card's rule, or 0 */
  /* private: read with fovea_analysis_result_get_saliency */
  float                   *saliency;
  int                      saliency_width, saliency_height;
} FoveaAnalysisResult;

void         fovea_analysis_result_free         (FoveaAnalysisResult       *result);

/* The saliency map, aligned to the whole original image: width × height
 * values (the image's size, or scaled down to at most 1024 pixels on the
 * longer side), 0..1, 0 outside the fundus FOV and outside what the model
 * saw. NULL when no model was run (an ungradable image). */
const float *fovea_analysis_result_get_saliency (const FoveaAnalysisResult *result,
                                                 int                       *width,
                                                 int                       *height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaAnalysisResult, fovea_analysis_result_free)

#define FOVEA_TYPE_ANALYSIS (fovea_analysis_get_type ())

G_DECLARE_FINAL_TYPE (FoveaAnalysis, fovea_analysis, FOVEA, ANALYSIS, GObject)

FoveaAnalysis       *fovea_analysis_new              (void);

/* Runs task (of model, both in catalog) on the document's image, which must
 * be READY, judged as an image of this modality. */
void                 fovea_analysis_run_async        (FoveaAnalysis           *self,
                                                      FoveaDocument           *document,
                                                      FoveaModality            modality,
                                                      FoveaModelCatalog       *catalog,
                                                      const FoveaCatalogModel *model,
                                                      const FoveaCatalogTask  *task,
                                                      GCancellable            *cancellable,
                                                      GAsyncReadyCallback      callback,
                                                      gpointer                 user_data);
FoveaAnalysisResult *fovea_analysis_run_finish       (FoveaAnalysis           *self,
                                                      GAsyncResult            *result,
                                                      GError                 **error);

/* Grad-CAM (fovea-gradcam.h) of task on the document's image, for the
 * class the task predicts, put back onto the image like the saliency
 * (same size, 0 outside the FOV); values ≥ 0 in Grad-CAM's own units.
 * Runs on the kept engine, so it waits for a run in progress. */
void                 fovea_analysis_gradcam_async    (FoveaAnalysis           *self,
                                                      FoveaDocument           *document,
                                                      FoveaModelCatalog       *catalog,
                                                      const FoveaCatalogModel *model,
                                                      const FoveaCatalogTask  *task,
                                                      GCancellable            *cancellable,
                                                      GAsyncReadyCallback      callback,
                                                      gpointer                 user_data);
/* The map (g_free), width × height; NULL with an error. */
float               *fovea_analysis_gradcam_finish   (FoveaAnalysis           *self,
                                                      GAsyncResult            *result,
                                                      int                     *width,
                                                      int                     *height,
                                                      GError                 **error);

/* The site's referral threshold for grading tasks (Preferences): results
 * of later runs are referable from this grade up, instead of by the card's
 * rule. 0 keeps the card's rule. */
void                 fovea_analysis_set_referral_min_grade (FoveaAnalysis *self,
                                                            int            min_grade);

G_END_DECLS
