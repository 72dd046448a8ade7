/* fovea-seg-report.h: the segmentations the window has made of a
 * document, as the one FoveaSegResult that a report's segmentation
 * section draws (fovea-report.h), for Export Report.
 *
 * Each installed model whose overlay of the document is cached gives a
 * task, in the models' order: its card, its folder's name, and its
 * labels' masks as maps (1 inside, 0 elsewhere, so that the card's
 * threshold keeps exactly what the window draws; at the overlay's size,
 * which the report scales to its image). The measurements are the ones
 * the legend shows, each model's own, side by side: the field of view of
 * the first, the optic disc and fovea of the first that found them, the
 * vessels' of the first that measured them. */
#pragma once

#include "fovea-document.h"
#include "fovea-explainer.h"
#include "fovea-seg-tasks.h"

G_BEGIN_DECLS

/* NULL when no segmentation of the document has been made. The cards are
 * the explainer's FoveaSegModels': keep a reference to it while the
 * result lives. Main thread. */
FoveaSegResult *fovea_seg_report_collect (FoveaExplainer *explainer,
                                          FoveaDocument  *document);

G_END_DECLS
