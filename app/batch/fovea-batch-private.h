/* fovea-batch-private.h: what the files of batch grading share: the
 * batch's configuration, one run's state, and each file's part of it.
 *
 *   fovea-batch.c          configuration, and the run that ties the rest together
 *   fovea-batch-files.c    listing the folders' files, sorted and sharded
 *   fovea-batch-decode.c   decoder threads, and how they share the cores with the engine
 *   fovea-batch-engine.c   the run's tasks, and groups of images through the engine
 *   fovea-batch-records.c  records (fovea-grade-record-build.h), handed over in order
 *   fovea-batch-segment.c  segmentation of each gradable file, when asked */
#pragma once

#include "fovea-batch.h"
#include "fovea-decode.h"
#include "fovea-eye.h"
#include "fovea-seg-tasks.h"

G_BEGIN_DECLS

/* Files decoded ahead of the engine at most; bounds memory. */
#define BATCH_WINDOW (4 * FOVEA_BATCH_SIZE)
/* Files handed to the engine at once at most (< BATCH_WINDOW, or it would
 * wait for a file no decoder may start). */
#define BATCH_MAX_GROUP (2 * FOVEA_BATCH_SIZE)

struct _FoveaBatch
{
  FoveaEngine           *engine;
  GPtrArray             *folders;
  gboolean               recursive;
  GStrv                  task_names;
  int                    jobs;
  FoveaBatchSchedule     schedule;
  FoveaModality          modality;   /* UNKNOWN: guessed per image */
  guint                  shard, n_shards;
  GHashTable            *skip;
  GStrv                  thresholds; /* "NAME=VALUE" overrides; NULL: none */
  FoveaSegTasks         *segmentation; /* borrowed; NULL: none */
  /* The segmentation of the file whose records are being handed over,
   * while they are; else NULL. */
  const FoveaSegResult  *current_segmentation;
  FoveaBatchRecordFunc   record_func;
  FoveaBatchProgressFunc progress_func;
  gpointer               user_data;
  GPtrArray             *files;      /* sorted, sharded; NULL until listed */
};

/* What a decoder thread made of one file. */
typedef struct {
  const char        *path;
  gboolean           ready;
  FoveaImage        *image;
  char              *error;
  gboolean           retryable;       /* the error may pass on another try */
  FoveaModality      modality;
  FoveaQualityReport quality;
  char              *patient_id;
  FoveaEye           eye;
  float            **tensors;         /* one per task; NULL when not gradable */
  guint              n_tensors;       /* length of tensors (entries may be NULL) */
  double             seconds;         /* in the decoder thread */
} BatchItem;

/* One task of the run. */
typedef struct {
  guint                  index;
  const FoveaEngineTask *task;
  char                  *sha256;
} BatchTask;

typedef struct {
  FoveaBatch   *batch;
  BatchTask    *tasks;
  guint         n_tasks;
  char         *model_name;           /* the backbone's folder name */
  FoveaDecodeOptions decode;
  /* Per modality: its defaults with the batch's overrides. */
  FoveaQualityThresholds thresholds[FOVEA_MODALITY_OCTA + 1];
  BatchItem   **items;
  guint         n_items;
  GMutex        mutex;
  GCond         cond;
  guint         next_claim;           /* next item a decoder takes */
  guint         consumed;             /* items before this are delivered */
  gboolean      stop;
  /* Taking turns (see batch_set_engine_busy): decoders wait while it is set. */
  gboolean      take_turns;
  gboolean      engine_busy;
} BatchRun;

/* fovea-batch-decode.c */
void              batch_item_free          (BatchItem *item);
/* Each modality's quality thresholds with the batch's overrides; FALSE
 * with the error of a bad override. */
gboolean          batch_resolve_thresholds (BatchRun  *run,
                                            GError   **error);
/* Starts the run's decoder threads; they stop once every item is claimed. */
GPtrArray        *batch_start_decoders     (BatchRun *run);
/* Stops them (at the next item) and waits for them. */
void              batch_stop_decoders      (BatchRun  *run,
                                            GPtrArray *threads);
/* Waits until item index is decoded; FALSE when cancelled. */
gboolean          batch_wait_ready         (BatchRun     *run,
                                            guint         index,
                                            GCancellable *cancellable);
/* Frees the items before end, delivered: decoders may go on past them. */
void              batch_release_items      (BatchRun *run,
                                            guint     end);
void              batch_set_engine_busy    (BatchRun *run,
                                            gboolean  busy);

/* fovea-batch-engine.c */
/* The tasks of the run, their weights' hashes, and the decode size that
 * preprocessing needs. */
gboolean          batch_resolve_tasks      (BatchRun  *run,
                                            GError   **error);
/* Runs every task on the group's gradable items; fills records[item][task]. */
void              batch_grade_group        (BatchRun           *run,
                                            BatchItem         **group,
                                            guint               n_group,
                                            FoveaGradeRecord ***records);

/* fovea-batch-segment.c */
/* Segments the file of item (decoded again at its full size) when its
 * records, one per task, have grades to go with it, and gives each of
 * them the measurements; a failure is every such record's error. The
 * result (NULL when not segmented or failed) is the caller's. */
FoveaSegResult   *batch_segment_item       (BatchRun           *run,
                                            BatchItem          *item,
                                            FoveaGradeRecord  **records);

/* fovea-batch-records.c */
/* The record of item for task, before the engine runs: an error when
 * the file failed, or when the task is not for the image's modality. */
/* Whether error may pass on another try of the same file: out of memory,
 * or the file could not be read (a network share, too many open files). */
gboolean          batch_error_is_retryable (const GError *error);
FoveaGradeRecord *batch_new_record         (const BatchRun  *run,
                                            const BatchItem *item,
                                            const BatchTask *task);
/* Hands the group's records over in file then task order, and frees
 * them; counts each file in progress. With segmentation, each file is
 * segmented just before its records go (one result alive at a time). FALSE when the record callback
 * failed. */
gboolean          batch_deliver_group      (BatchRun             *run,
                                            BatchItem           **group,
                                            guint                 n_group,
                                            FoveaGradeRecord   ***records,
                                            FoveaBatchProgress   *progress,
                                            gint64                start,
                                            GError              **error);

G_END_DECLS
