/* fovea-seg-tasks.h: the segmentation tasks a run adds to grading or to a
 * report (`--segment vessels,optic-disc`): their models, loaded once, and
 * what they make of one photograph together.
 *
 * The tasks' maps are measured together (fovea_seg_measure_maps over every
 * task's labels), so that one task's optic disc places the fovea for
 * another task's exudates; with one task this is fovea_seg_measure. A label
 * may therefore belong to one task only. */
#pragma once

#include "fovea-seg-measure.h"
#include "fovea-segmenter.h"

G_BEGIN_DECLS

typedef struct _FoveaSegTasks FoveaSegTasks;

/* One photograph's segmentation by every task. The cards are the tasks'
 * (valid while the FoveaSegTasks lives). */
typedef struct {
  guint                 n_tasks;
  FoveaSegmentation   **segmentations;  /* one per task, in the tasks' order */
  const FoveaTaskCard **cards;
  char                **model_names;    /* each model folder's name */
  FoveaSegMeasures     *measures;       /* over every task's labels together */
} FoveaSegResult;

/* specs: task names (an installed model, fovea_segmenter_find_model) or
 * model folders, in order. Errors name the spec: a missing model, one that
 * fails to load, a task given twice, a label in two tasks. n_threads ≤ 0:
 * one per core. */
FoveaSegTasks       *fovea_seg_tasks_load        (const char *const *specs,
                                                  int                n_threads,
                                                  GError           **error);
void                 fovea_seg_tasks_free        (FoveaSegTasks     *tasks);
guint                fovea_seg_tasks_get_n       (const FoveaSegTasks *tasks);
const FoveaSegmenter *fovea_seg_tasks_get        (const FoveaSegTasks *tasks,
                                                  guint              index);
/* The cards in order (n of them). */
const FoveaTaskCard *const *fovea_seg_tasks_get_cards (const FoveaSegTasks *tasks);
/* Whether every task may run on an image of this modality. */
gboolean             fovea_seg_tasks_fit_modality (const FoveaSegTasks *tasks,
                                                   FoveaModality        modality);

/* Runs every task on image. An error is prefixed with the task's name. */
FoveaSegResult      *fovea_seg_tasks_run         (FoveaSegTasks     *tasks,
                                                  const FoveaImage  *image,
                                                  GError           **error);
/* The same on the file at path, decoded at its full size (the measures'
 * pixels are the file's). */
FoveaSegResult      *fovea_seg_tasks_run_file    (FoveaSegTasks     *tasks,
                                                  const char        *path,
                                                  GError           **error);
void                 fovea_seg_result_free       (FoveaSegResult    *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegTasks, fovea_seg_tasks_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaSegResult, fovea_seg_result_free)

G_END_DECLS
