/* fovea-batch.h: grading a folder of images, for `fovea-cli grade` and the
 * GUI's batch view alike.
 *
 * A FoveaBatch is configured (folders, recursion, task names, an engine,
 * decoder threads, a shard, files to skip) and then run once, in the
 * calling thread (the GUI calls it from a GTask thread; the CLI from main).
 * While it runs, --jobs decoder threads read, decode (JPEG DCT-scaled to the
 * size preprocessing needs), guess patient and eye from the file name and
 * assess quality, feeding a bounded queue; the calling thread takes
 * gradable images from it in batches (FOVEA_BATCH_SIZE) through the
 * engine. Every file found gives one FoveaGradeRecord per task, in the
 * order the files are sorted in, through the record callback: a file that
 * cannot be read or decoded gives records with ->error set, an ungradable
 * one records with quality.gradable FALSE and no grade. The batch goes on
 * after either.
 *
 * Callbacks are called in the calling thread (the thread running
 * fovea_batch_run), never concurrently. Source files are opened read-only. */
#pragma once

#include <gio/gio.h>

#include "fovea-engine.h"
#include "fovea-grade-record.h"
#include "fovea-quality.h"
#include "fovea-run-identity.h"
#include "fovea-seg-tasks.h"

G_BEGIN_DECLS

#define FOVEA_BATCH_ERROR (fovea_batch_error_quark ())
/* Images per forward pass. */
#define FOVEA_BATCH_SIZE 8

typedef enum {
  FOVEA_BATCH_ERROR_INVALID,    /* bad configuration: no folder, no such task, bad shard */
  FOVEA_BATCH_ERROR_NO_FILES,   /* no supported image file found */
  FOVEA_BATCH_ERROR_CALLBACK,   /* the record callback failed (e.g. the CSV could not be written) */
} FoveaBatchError;

typedef struct _FoveaBatch FoveaBatch;

/* Progress after each file (all its tasks) is finished. */
typedef struct {
  guint  n_done;         /* files finished, including failed and skipped ones */
  guint  n_total;        /* files this run will visit (after sharding, without resumed ones) */
  guint  n_failed;       /* files with an error */
  guint  n_ungradable;
  double images_per_s;   /* files finished per second of this run */
  double eta_s;          /* seconds left at that rate; NaN before the first file */
  double elapsed_s;
} FoveaBatchProgress;

/* Each finished record, in file order then task order: every file gives
 * exactly one record per task, the last of them with last_of_file TRUE.
 * image is the file as decoded (JPEG possibly DCT-scaled down, at least
 * 448 px or what preprocessing needs), NULL when it failed; both are freed
 * after the callback returns. Return FALSE with an error to stop the batch
 * (fovea_batch_run then fails with that error). */
typedef gboolean (*FoveaBatchRecordFunc)   (const FoveaGradeRecord   *record,
                                            const FoveaImage         *image,
                                            gboolean                  last_of_file,
                                            gpointer                  user_data,
                                            GError                  **error);
typedef void     (*FoveaBatchProgressFunc) (const FoveaBatchProgress *progress,
                                            gpointer                  user_data);

GQuark      fovea_batch_error_quark (void);

/* The engine is borrowed: it must outlive the batch, and nothing else may
 * use it while fovea_batch_run runs. */
FoveaBatch *fovea_batch_new            (FoveaEngine *engine);
void        fovea_batch_free           (FoveaBatch  *batch);

/* A folder (or a single image file) to grade; may be called several times. */
void        fovea_batch_add_folder     (FoveaBatch  *batch,
                                        const char  *folder);
void        fovea_batch_set_recursive  (FoveaBatch  *batch,
                                        gboolean     recursive);
/* Task names as the engine names them. NULL or empty: every adapter's task,
 * or the backbone when there is none. */
void        fovea_batch_set_tasks      (FoveaBatch        *batch,
                                        const char *const *task_names);
/* Decoder threads; ≤ 0: one per core when decoders and engine take
 * turns, else one per core minus one, at least one. */
void        fovea_batch_set_jobs       (FoveaBatch  *batch,
                                        int          jobs);

/* Whether decoders run beside the forward passes (overlap) or pause while
 * they run (take turns). AUTO takes turns when the engine's threads fill
 * every core, where running beside it only pre-empts its threads. */
typedef enum {
  FOVEA_BATCH_SCHEDULE_AUTO,
  FOVEA_BATCH_SCHEDULE_OVERLAP,
  FOVEA_BATCH_SCHEDULE_TAKE_TURNS,
} FoveaBatchSchedule;

void        fovea_batch_set_schedule   (FoveaBatch         *batch,
                                        FoveaBatchSchedule  schedule);
/* Grade only files index % n_shards == shard of the sorted list (0-based). */
void        fovea_batch_set_shard      (FoveaBatch  *batch,
                                        guint        shard,
                                        guint        n_shards);
/* Files (paths exactly as the batch finds them) that already have their
 * rows, e.g. read back from a CSV on --resume: they are not visited. */
void        fovea_batch_set_skip       (FoveaBatch  *batch,
                                        GHashTable  *done_paths);
/* What the images are. UNKNOWN (the default): guessed per image. A task
 * whose card is for another modality is not run on an image: its row
 * gets an error saying so. */
void        fovea_batch_set_modality   (FoveaBatch    *batch,
                                        FoveaModality  modality);
/* Quality threshold overrides, "NAME=VALUE" (fovea_quality_thresholds_apply),
 * applied over each image's modality defaults as `fovea-cli inspect`
 * applies them. NULL (the default): the defaults. Copied. A bad one makes
 * fovea_batch_run fail with its error before any file is read. */
void        fovea_batch_set_thresholds (FoveaBatch         *batch,
                                        const char *const  *overrides);
/* Segmentation tasks to run on every gradable image whose modality fits
 * them: its records get the measurements (->segmentation). The image is
 * decoded again at its full size, so pixel measurements are the file's.
 * A failure is the error of the file's records (retryable when it may
 * pass). Borrowed: tasks must outlive the batch. NULL: none. */
void        fovea_batch_set_segmentation (FoveaBatch    *batch,
                                          FoveaSegTasks *tasks);
/* Inside the record callback: the whole segmentation (maps, cards,
 * measures: what a report draws) of the file whose records are being
 * handed over, when fovea_batch_set_segmentation's tasks segmented it;
 * else NULL. The batch's; valid until the callback returns. */
const FoveaSegResult *fovea_batch_get_segmentation_result (const FoveaBatch *batch);
void        fovea_batch_set_callbacks  (FoveaBatch            *batch,
                                        FoveaBatchRecordFunc   record_func,
                                        FoveaBatchProgressFunc progress_func,
                                        gpointer               user_data);

/* The sorted, sharded list of files the batch would grade (before
 * skipping). Finds them on first call. Owned by the batch. NULL with an
 * error when nothing at all was found or the configuration is bad. */
const GPtrArray *fovea_batch_list_files (FoveaBatch  *batch,
                                         GError     **error);

/* The settings that make this batch's results: its folders (resolved),
 * recursion, shard, modality, tasks with the SHA-256 of their weights and
 * of the backbone's, and quality threshold overrides. */
FoveaRunIdentity *fovea_batch_get_identity (FoveaBatch  *batch,
                                            GError     **error);

/* Runs the batch to the end, or until cancelled (then FALSE with
 * G_IO_ERROR_CANCELLED; every record already delivered stays valid). TRUE
 * when it finished, even if some files failed: see *out_progress. */
gboolean    fovea_batch_run            (FoveaBatch          *batch,
                                        GCancellable        *cancellable,
                                        FoveaBatchProgress  *out_progress,
                                        GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaBatch, fovea_batch_free)

G_END_DECLS
