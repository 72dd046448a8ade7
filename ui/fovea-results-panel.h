/* fovea-results-panel.h: the right-hand panel where an image is analysed
 * and the results read.
 *
 * The task picker offers the catalogued tasks whose card is for the image's
 * modality, then tasks without a card, labelled as uncalibrated raw output.
 * Analyse runs every calibrated task of the selected task's model on offer
 * (an uncalibrated task alone), one after another on the same engine; the
 * selected task is the one whose details and heat-map are shown, and
 * choosing another task the run covered shows its result without a new run.
 * Results read top down: one compact row per task (label or grade with its
 * probability, and the referral by the card's rule, or none when the card
 * reports no held-out figures), the quality verdict and its reasons (an
 * ungradable image shows no grade and runs no further task), the selected
 * task's details with per-class probabilities, the model card's summary,
 * and the time taken. The research-use label, once for all, stays visible
 * at the bottom at all times.
 *
 * Actions: panel.run (Ctrl+Enter) and panel.cancel. */
#pragma once

#include <adwaita.h>

#include "fovea-analysis.h"
#include "fovea-document.h"
#include "fovea-model-catalog.h"

G_BEGIN_DECLS

#define FOVEA_TYPE_RESULTS_PANEL (fovea_results_panel_get_type ())

G_DECLARE_FINAL_TYPE (FoveaResultsPanel, fovea_results_panel, FOVEA, RESULTS_PANEL, GtkWidget)

GtkWidget                 *fovea_results_panel_new          (void);
/* The tasks on offer come from catalog (may be NULL for none). */
void                       fovea_results_panel_set_catalog  (FoveaResultsPanel *self,
                                                             FoveaModelCatalog *catalog);
/* The image to analyse (NULL, or READY) and its modality. Cancels a
 * running analysis and clears the result. */
void                       fovea_results_panel_set_document (FoveaResultsPanel *self,
                                                             FoveaDocument     *document,
                                                             FoveaModality      modality);
/* Whether an analysis is running ("busy" property). */
gboolean                   fovea_results_panel_get_busy     (FoveaResultsPanel *self);
/* The selected task's result on show, NULL when none is. */
const FoveaAnalysisResult *fovea_results_panel_get_result   (FoveaResultsPanel *self);
/* One line for the patient of the shown image when both eyes are open
 * ("Patient P017: refer (worst eye OS, grade 3)"), shown with the result
 * until the next one; NULL removes it. refer: shown as a warning. */
void                       fovea_results_panel_set_patient_line (FoveaResultsPanel *self,
                                                                 const char        *line,
                                                                 gboolean           refer);
/* The analysis runner, which keeps the loaded engine. */
FoveaAnalysis             *fovea_results_panel_get_analysis (FoveaResultsPanel *self);

G_END_DECLS
