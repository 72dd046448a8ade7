/* fovea-window-private.h: what the files of the review window share: the
 * instance structure, each file's entry points, and the hooks the display
 * tests reach the window's parts through.
 *
 *   fovea-window.c           the type: documents, the centre, properties, life cycle
 *   fovea-window-actions.c   the win.* actions and their keys
 *   fovea-window-open.c      Open… and Open Recent
 *   fovea-window-dnd.c       files dropped on the window
 *   fovea-window-overlays.c  explanation and segmentation overlays of the shown image,
 *                            with their legends
 *   fovea-window-export.c    Export Report…, and the record of an analysis
 *   fovea-window-patient.c   the shown patient's line: both eyes, the worst decides
 *   fovea-window-batch.c     Grade Folder…, the batch view and the header's indicator
 *   fovea-window-settings.c  layout remembered, and the settings the window follows */
#pragma once

#include "fovea-window.h"

#include "fovea-adjustments-panel.h"
#include "fovea-batch-job.h"
#include "fovea-compare-view.h"
#include "fovea-document.h"
#include "fovea-explainer.h"
#include "fovea-heatmap-legend.h"
#include "fovea-image-view.h"
#include "fovea-model-catalog.h"
#include "fovea-overlay-chooser.h"
#include "fovea-results-panel.h"
#include "fovea-seg-legend.h"

G_BEGIN_DECLS

struct _FoveaWindow
{
  AdwApplicationWindow   parent_instance;

  GListStore            *documents;
  FoveaDocument         *shown_document;
  FoveaModality          shown_modality;
  /* Cancelled when the window goes away, so pending decodes are dropped. */
  GCancellable          *cancellable;
  /* Explanation and segmentation overlays of the shown image: the one
   * being made, if any, and the one on show, if any. */
  FoveaExplainer        *explainer;
  GCancellable          *explain_cancellable;
  FoveaExplainMap       *shown_map;
  GSettings             *settings;  /* NULL without the schema */
  FoveaModelCatalog     *catalog;
  gboolean               compare;
  /* The remembered panel width, applied at the first allocation. */
  int                    pending_panel_width;

  /* Template widgets */
  AdwToastOverlay       *toast_overlay;
  AdwWindowTitle        *window_title;
  GtkStack              *main_stack;
  GtkPaned              *outer_paned;
  GtkPaned              *inner_paned;
  GtkListBox            *documents_list;
  GtkStack              *content_stack;
  FoveaImageView        *image_view;
  GtkWidget             *enhanced_pill;
  FoveaHeatmapLegend    *heatmap_legend;
  FoveaSegLegend        *seg_legend;
  FoveaCompareView      *compare_view;
  AdwStatusPage         *failed_page;
  GtkWidget             *side_panel;
  FoveaAdjustmentsPanel *adjustments_panel;
  FoveaResultsPanel     *results_panel;
  FoveaOverlayChooser   *overlay_chooser;
  GMenu                 *recent_section;
  GtkWidget             *batch_indicator;
  GtkProgressBar        *batch_progress;
  GtkLabel              *batch_label;

  /* The folder being (or last) graded, which outlives its view. */
  FoveaBatchJob         *batch_job;
  FoveaBatchView        *batch_view;  /* weak */
};

/* fovea-window.c */
/* Shows message in a toast at once (it may be an error). */
void            fovea_window_show_toast              (FoveaWindow *self,
                                                      const char  *message);
gboolean        fovea_window_shown_document_is_ready (FoveaWindow *self);
/* The view that zoom keys act on. */
FoveaImageView *fovea_window_get_active_view         (FoveaWindow *self);
/* Scans the models (the settings' folder too) for the panel and the
 * explainer. */
void            fovea_window_load_catalog            (FoveaWindow *self);

/* fovea-window-actions.c */
void            fovea_window_class_init_actions      (GtkWidgetClass *widget_class);

/* fovea-window-open.c */
void            fovea_window_show_open_dialog        (FoveaWindow   *self);
/* Remembers an image that opened, for Open Recent. */
void            fovea_window_add_recent              (FoveaDocument *document);
/* Keeps the Open Recent menu up to date. */
void            fovea_window_init_recent             (FoveaWindow   *self);

/* fovea-window-dnd.c */
void            fovea_window_init_drop_target        (FoveaWindow *self);

/* fovea-window-overlays.c */
void            fovea_window_class_init_overlays     (GtkWidgetClass *widget_class);
/* Makes the explainer, on the analyses' engine. */
void            fovea_window_init_overlays           (FoveaWindow    *self);
void            fovea_window_clear_heatmap           (FoveaWindow    *self);
void            fovea_window_update_overlay_choices  (FoveaWindow    *self);
/* Shows the chosen overlay of the shown image: from the cache, or made in
 * a worker thread. */
void            fovea_window_update_overlay          (FoveaWindow    *self);
/* The analysis result changed: a heat-map, which explains it, follows;
 * a segmentation, which does not depend on it, stays. */
void            fovea_window_update_result_overlay   (FoveaWindow    *self);

/* fovea-window-export.c */
/* Export Report…: asks where, then fovea_window_export_report. */
void            fovea_window_choose_export_file      (FoveaWindow *self);
/* The grade record of result, run on document's image, as batch grading
 * makes them; model_sha256 is left NULL (hashing takes a while). */
FoveaGradeRecord *fovea_window_record_from_analysis (FoveaDocument             *document,
                                                     const FoveaAnalysisResult *result);

/* fovea-window-patient.c */
/* Keeps the shown document's analysis as its record, and shows the
 * patient's line in the results panel when the list holds both eyes of
 * the shown patient, analysed with the same task; hides it otherwise. */
void            fovea_window_update_patient          (FoveaWindow *self);

/* fovea-window-batch.c */
void            fovea_window_update_batch_indicator  (FoveaWindow *self);
/* Cancels the batch and closes its view: a batch outlives its view, not
 * the window. */
void            fovea_window_dispose_batch           (FoveaWindow *self);

/* fovea-window-settings.c */
void            fovea_window_class_init_settings     (GtkWidgetClass *widget_class);
/* Restores the layout from settings and follows the keys the window uses. */
void            fovea_window_bind_settings           (FoveaWindow    *self,
                                                      GSettings      *settings);
void            fovea_window_save_layout             (FoveaWindow    *self);

/* For the display tests. */
/* The opened FoveaDocuments, in list order. */
GListModel            *fovea_window_get_documents         (FoveaWindow        *self);
FoveaImageView        *fovea_window_get_image_view        (FoveaWindow        *self);
FoveaCompareView      *fovea_window_get_compare_view      (FoveaWindow        *self);
FoveaResultsPanel     *fovea_window_get_results_panel     (FoveaWindow        *self);
FoveaAdjustmentsPanel *fovea_window_get_adjustments_panel (FoveaWindow        *self);
/* What makes the explanation overlays and caches them (tests count its
 * computations). */
FoveaExplainer        *fovea_window_get_explainer         (FoveaWindow        *self);
/* The legend of a segmentation overlay (shown while one is drawn). */
FoveaSegLegend        *fovea_window_get_seg_legend        (FoveaWindow        *self);
/* The running (or last) batch; NULL before the first. */
FoveaBatchJob         *fovea_window_get_batch_job         (FoveaWindow        *self);
/* Grades folder with the catalog's tasks of those names (all of one
 * model), as the dialog's Grade does, and shows the batch view. paused:
 * the job starts paused (fovea_batch_job_set_paused). FALSE if a task is
 * not in the catalog or a batch is already running. */
gboolean               fovea_window_start_batch           (FoveaWindow        *self,
                                                           const char         *folder,
                                                           gboolean            recursive,
                                                           const char * const *task_names,
                                                           gboolean            paused);

G_END_DECLS
