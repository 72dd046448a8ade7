/* fovea-batch.c: grading a folder: decoder threads feeding a bounded,
 * ordered window; the calling thread runs the engine on batches. */
#define G_LOG_DOMAIN "fovea-batch"

#include "fovea-batch.h"

#include <math.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fovea-decode.h"
#include "fovea-grade-record-build.h"
#include "fovea-hash-cache.h"
#include "fovea-modality-guess.h"
#include "fovea-name-guess.h"
#include "fovea-preprocess.h"

/* Files decoded ahead of the engine at most; bounds memory. */
#define WINDOW (4 * FOVEA_BATCH_SIZE)
/* Files handed to the engine at once at most (< WINDOW, or it would wait
 * for a file no decoder may start). */
#define MAX_GROUP (2 * FOVEA_BATCH_SIZE)
/* Quality is measured at ≤ 512 px (fovea-quality.h): decode not much
 * smaller. 448 lets a 2000 px JPEG decode at 1/4 (500 px) rather than 1/2,
 * which bench-grade measured at 0.77 → 0.87 of the engine's images/s on 2
 * cores; the resolution verdict is corrected for the scale. */
#define QUALITY_MIN_SIZE 448
#define POLL_US (100 * 1000)
/* How much lower the decoders' priority is (see lower_decoder_priority). */
#define DECODER_NICE 10

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
  gboolean               has_thresholds;
  FoveaQualityThresholds thresholds;
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
  FoveaModality      modality;
  FoveaQualityReport quality;
  char              *patient_id;
  FoveaEye           eye;
  float            **tensors;         /* one per task; NULL when not gradable */
  guint              n_tensors;       /* length of tensors (entries may be NULL) */
  double             seconds;         /* in the decoder thread */
} Item;

/* One task of the run. */
typedef struct {
  guint                  index;
  const FoveaEngineTask *task;
  char                  *sha256;
} RunTask;

typedef struct {
  FoveaBatch   *batch;
  RunTask      *tasks;
  guint         n_tasks;
  char         *model_name;           /* the backbone's folder name */
  FoveaDecodeOptions decode;
  Item        **items;
  guint         n_items;
  GMutex        mutex;
  GCond         cond;
  guint         next_claim;           /* next item a decoder takes */
  guint         consumed;             /* items before this are delivered */
  gboolean      stop;
  /* Taking turns (see set_engine_busy): decoders wait while it is set. */
  gboolean      take_turns;
  gboolean      engine_busy;
} Run;

G_DEFINE_QUARK (fovea-batch-error-quark, fovea_batch_error)

/* Configuration */

FoveaBatch *
fovea_batch_new (FoveaEngine *engine)
{
  g_return_val_if_fail (engine != NULL, NULL);
  FoveaBatch *batch = g_new0 (FoveaBatch, 1);
  batch->engine = engine;
  batch->folders = g_ptr_array_new_with_free_func (g_free);
  batch->n_shards = 1;
  return batch;
}

void
fovea_batch_free (FoveaBatch *batch)
{
  if (batch == NULL)
    return;
  g_ptr_array_unref (batch->folders);
  g_strfreev (batch->task_names);
  g_clear_pointer (&batch->skip, g_hash_table_unref);
  g_clear_pointer (&batch->files, g_ptr_array_unref);
  g_free (batch);
}

static void
forget_files (FoveaBatch *batch)
{
  g_clear_pointer (&batch->files, g_ptr_array_unref);
}

void
fovea_batch_add_folder (FoveaBatch *batch, const char *folder)
{
  g_return_if_fail (batch != NULL && folder != NULL);
  g_ptr_array_add (batch->folders, g_strdup (folder));
  forget_files (batch);
}

void
fovea_batch_set_recursive (FoveaBatch *batch, gboolean recursive)
{
  batch->recursive = recursive;
  forget_files (batch);
}

void
fovea_batch_set_tasks (FoveaBatch *batch, const char *const *task_names)
{
  g_strfreev (batch->task_names);
  batch->task_names = task_names != NULL && task_names[0] != NULL
                      ? g_strdupv ((char **) task_names) : NULL;
}

void
fovea_batch_set_jobs (FoveaBatch *batch, int jobs)
{
  batch->jobs = jobs;
}

void
fovea_batch_set_modality (FoveaBatch *batch, FoveaModality modality)
{
  g_return_if_fail (batch != NULL);
  batch->modality = modality;
}

void
fovea_batch_set_schedule (FoveaBatch *batch, FoveaBatchSchedule schedule)
{
  g_return_if_fail (batch != NULL);
  batch->schedule = schedule;
}

void
fovea_batch_set_shard (FoveaBatch *batch, guint shard, guint n_shards)
{
  batch->shard = shard;
  batch->n_shards = n_shards;
  forget_files (batch);
}

void
fovea_batch_set_skip (FoveaBatch *batch, GHashTable *done_paths)
{
  g_clear_pointer (&batch->skip, g_hash_table_unref);
  if (done_paths != NULL)
    batch->skip = g_hash_table_ref (done_paths);
}

void
fovea_batch_set_thresholds (FoveaBatch *batch, const FoveaQualityThresholds *thresholds)
{
  batch->has_thresholds = thresholds != NULL;
  if (thresholds != NULL)
    batch->thresholds = *thresholds;
}

void
fovea_batch_set_callbacks (FoveaBatch *batch, FoveaBatchRecordFunc record_func,
                           FoveaBatchProgressFunc progress_func, gpointer user_data)
{
  batch->record_func = record_func;
  batch->progress_func = progress_func;
  batch->user_data = user_data;
}

/* Listing */

static void
list_folder (const char *folder, gboolean recursive, GPtrArray *out)
{
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  if (dir == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (name[0] == '.')
        continue;  /* hidden files, editors' and our own temporaries */
      g_autofree char *path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (recursive && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
            list_folder (path, recursive, out);
        }
      else if (fovea_decode_is_supported_name (name))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

const GPtrArray *
fovea_batch_list_files (FoveaBatch *batch, GError **error)
{
  if (batch->files != NULL)
    return batch->files;
  if (batch->folders->len == 0)
    {
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID, "no folder to grade");
      return NULL;
    }
  if (batch->n_shards == 0 || batch->shard >= batch->n_shards)
    {
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                   "shard %u/%u: the shard must be below the number of shards",
                   batch->shard, batch->n_shards);
      return NULL;
    }

  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < batch->folders->len; i++)
    {
      const char *folder = batch->folders->pdata[i];
      if (g_file_test (folder, G_FILE_TEST_IS_DIR))
        list_folder (folder, batch->recursive, all);
      else if (g_file_test (folder, G_FILE_TEST_EXISTS))
        g_ptr_array_add (all, g_strdup (folder));  /* a file: kept, to be reported if bad */
      else
        {
          g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                       "%s: no such file or folder", folder);
          return NULL;
        }
    }
  g_ptr_array_sort (all, compare_paths);

  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *previous = NULL;
  guint index = 0;
  for (guint i = 0; i < all->len; i++)
    {
      const char *path = all->pdata[i];
      if (previous != NULL && strcmp (previous, path) == 0)
        continue;  /* a folder given twice */
      previous = path;
      if (index++ % batch->n_shards == batch->shard)
        g_ptr_array_add (files, g_strdup (path));
    }
  if (files->len == 0 && all->len == 0)
    {
      g_ptr_array_unref (files);
      g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_NO_FILES,
                   "no supported image file found");
      return NULL;
    }
  batch->files = files;
  return files;
}

/* Decoding, in the decoder threads */

static void
item_free (Item *item)
{
  if (item == NULL)
    return;
  g_clear_pointer (&item->image, fovea_image_free);
  g_free (item->error);
  g_free (item->patient_id);
  if (item->tensors != NULL)
    {
      for (guint t = 0; t < item->n_tensors; t++)
        g_free (item->tensors[t]);
      g_free (item->tensors);
    }
  g_free (item);
}

static void
assess_quality (Run *run, Item *item, const FoveaDecodeInfo *info)
{
  FoveaQualityThresholds thresholds;
  if (run->batch->has_thresholds)
    thresholds = run->batch->thresholds;
  else
    fovea_quality_thresholds_init (&thresholds, item->modality);
  fovea_quality_assess (item->image, item->modality, &thresholds, &item->quality);

  /* The resolution is the camera's, not the DCT-scaled copy's. */
  if (info->scale_denom > 1)
    {
      FoveaQualityReport *q = &item->quality;
      q->effective_resolution *= info->scale_denom;
      q->reasons &= ~(guint) FOVEA_QUALITY_RESOLUTION;
      if (q->effective_resolution < thresholds.min_resolution)
        q->reasons |= FOVEA_QUALITY_RESOLUTION;
      q->gradable = q->reasons == 0;
    }
}

static void
decode_item (Run *run, Item *item)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  FoveaDecodeInfo info = { 0 };

  item->eye = fovea_name_guess (item->path, &item->patient_id);
  item->image = fovea_decode_file (item->path, &run->decode, &info, &error);
  if (item->image == NULL)
    {
      item->error = g_strdup (error->message);
      item->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      return;
    }
  item->modality = run->batch->modality != FOVEA_MODALITY_UNKNOWN
                   ? run->batch->modality : fovea_modality_guess (item->image);
  assess_quality (run, item, &info);

  if (item->quality.gradable)
    {
      item->tensors = g_new0 (float *, run->n_tasks);
      item->n_tensors = run->n_tasks;
      for (guint t = 0; t < run->n_tasks; t++)
        {
          const FoveaPreprocess *pre = &run->tasks[t].task->preprocess;
          if (!fovea_task_card_fits_modality (run->tasks[t].task->card, item->modality))
            continue;
          float *tensor = g_new (float, (gsize) 3 * pre->height * pre->width);
          if (!fovea_preprocess_image (pre, item->image, tensor, &error))
            {
              g_free (tensor);
              item->error = g_strdup (error->message);
              break;
            }
          item->tensors[t] = tensor;
        }
    }
  item->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* Decoders run at a lower priority than the engine's threads: on a
 * machine with few cores they then use the time the engine leaves idle
 * (its hand-offs and serial parts) instead of pre-empting a GEMM thread,
 * which the fork-join pool would all wait for. When the engine runs out of
 * decoded images it sleeps, and the decoders get the whole machine. Linux
 * gives each thread its own nice value; elsewhere this does nothing. */
static void
lower_decoder_priority (void)
{
#ifdef SYS_gettid
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), DECODER_NICE);
#endif
}

static gpointer
decoder_thread (gpointer data)
{
  Run *run = data;

  lower_decoder_priority ();
  for (;;)
    {
      g_mutex_lock (&run->mutex);
      while (!run->stop && run->next_claim < run->n_items &&
             (run->next_claim >= run->consumed + WINDOW ||
              (run->take_turns && run->engine_busy)))
        g_cond_wait (&run->cond, &run->mutex);
      if (run->stop || run->next_claim >= run->n_items)
        {
          g_mutex_unlock (&run->mutex);
          return NULL;
        }
      Item *item = run->items[run->next_claim++];
      g_mutex_unlock (&run->mutex);

      decode_item (run, item);

      g_mutex_lock (&run->mutex);
      item->ready = TRUE;
      g_cond_broadcast (&run->cond);
      g_mutex_unlock (&run->mutex);
    }
}

/* Grading, in the calling thread */

static FoveaGradeRecord *
new_record (const Run *run, const Item *item, const RunTask *rt)
{
  const FoveaTaskCard *card = rt->task->card;
  const FoveaGradeSource source = {
    .path = item->path,
    .patient_id = item->patient_id,
    .eye = item->eye,
    .modality = item->modality,
    .quality = &item->quality,
    .task_name = rt->task->name,
    .card = card,
    .model_name = run->model_name,
    .adapter = rt->index != 0,
    .model_sha256 = rt->sha256,
    .seconds = item->seconds,
  };
  FoveaGradeRecord *record = fovea_grade_record_build (&source);

  if (item->error != NULL)
    record->error = g_strdup (item->error);
  else if (item->image != NULL && !fovea_task_card_fits_modality (card, item->modality))
    record->error = g_strdup_printf ("the image looks like %s, but task %s is for %s images "
                                     "(give the modality if it is one)",
                                     fovea_modality_to_string (item->modality), rt->task->name,
                                     fovea_modality_to_string (card->modality));
  return record;
}

/* When the engine's threads already fill every core, decoders running
 * beside a forward pass only pre-empt its threads, and the fork-join pool
 * waits for the one pre-empted (bench-grade measured 0.83-0.89 of the
 * engine's images/s so). Then the two take turns instead: decoders (one
 * per core) fill the next batch while the engine waits, and pause while
 * it runs; every core does one thing at a time. */
static void
set_engine_busy (Run *run, gboolean busy)
{
  if (!run->take_turns)
    return;
  g_mutex_lock (&run->mutex);
  run->engine_busy = busy;
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->mutex);
}

/* Runs every task on the group's gradable items; fills records[item][task]. */
static void
grade_group (Run *run, Item **group, guint n_group, FoveaGradeRecord ***records)
{
  for (guint t = 0; t < run->n_tasks; t++)
    {
      const RunTask *rt = &run->tasks[t];
      const FoveaPreprocess *pre = &rt->task->preprocess;
      gsize size = (gsize) 3 * pre->height * pre->width;
      g_autofree float *pixels = g_new (float, size * n_group);
      g_autofree guint *which = g_new (guint, n_group);
      int n = 0;
      for (guint i = 0; i < n_group; i++)
        if (group[i]->error == NULL && group[i]->tensors != NULL && group[i]->tensors[t] != NULL)
          {
            memcpy (pixels + size * (gsize) n, group[i]->tensors[t], size * sizeof (float));
            which[n++] = i;
          }
      if (n == 0)
        continue;

      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      set_engine_busy (run, TRUE);
      g_autoptr (FoveaEngineOutput) output = fovea_engine_run_tensor (run->batch->engine,
                                                                      rt->index, pixels, n,
                                                                      pre->height, pre->width,
                                                                      &error);
      set_engine_busy (run, FALSE);
      double per_image = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC / n;
      for (int k = 0; k < n; k++)
        {
          FoveaGradeRecord *record = records[which[k]][t];
          if (output == NULL)
            record->error = g_strdup (error->message);
          else
            {
              fovea_grade_record_set_outcome (record, rt->task->card, output, k, 0);
              record->seconds += per_image;
            }
        }
    }
}

static void
report_progress (Run *run, FoveaBatchProgress *progress, gint64 start)
{
  progress->elapsed_s = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  progress->images_per_s = progress->elapsed_s > 0 ? progress->n_done / progress->elapsed_s : 0;
  progress->eta_s = progress->images_per_s > 0
                    ? (progress->n_total - progress->n_done) / progress->images_per_s : NAN;
  if (run->batch->progress_func != NULL)
    run->batch->progress_func (progress, run->batch->user_data);
}

/* Hands the group's records over in file then task order. */
static gboolean
deliver_group (Run *run, Item **group, guint n_group, FoveaGradeRecord ***records,
               FoveaBatchProgress *progress, gint64 start, GError **error)
{
  gboolean ok = TRUE;
  for (guint i = 0; i < n_group; i++)
    {
      gboolean failed = FALSE;
      for (guint t = 0; t < run->n_tasks; t++)
        {
          FoveaGradeRecord *record = records[i][t];
          failed |= record->error != NULL;
          if (ok && run->batch->record_func != NULL &&
              !run->batch->record_func (record, group[i]->image, t + 1 == run->n_tasks,
                                        run->batch->user_data, error))
            ok = FALSE;
          fovea_grade_record_free (record);
        }
      g_free (records[i]);
      if (!ok)
        continue;
      progress->n_done++;
      if (failed)
        progress->n_failed++;
      else if (!group[i]->quality.gradable)
        progress->n_ungradable++;
      report_progress (run, progress, start);
    }
  return ok;
}

/* Waits until item index is decoded; FALSE when cancelled. */
static gboolean
wait_ready (Run *run, guint index, GCancellable *cancellable)
{
  g_mutex_lock (&run->mutex);
  while (!run->items[index]->ready)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_mutex_unlock (&run->mutex);
          return FALSE;
        }
      g_cond_wait_until (&run->cond, &run->mutex, g_get_monotonic_time () + POLL_US);
    }
  g_mutex_unlock (&run->mutex);
  return TRUE;
}

static gboolean
resolve_tasks (Run *run, GError **error)
{
  FoveaEngine *engine = run->batch->engine;
  g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n_tasks = fovea_engine_get_n_tasks (engine);
  if (run->batch->task_names == NULL)
    for (guint i = n_tasks > 1 ? 1 : 0; i < n_tasks; i++)
      g_array_append_val (indices, i);
  else
    for (guint n = 0; run->batch->task_names[n] != NULL; n++)
      {
        int found = fovea_engine_find_task (engine, run->batch->task_names[n]);
        if (found < 0)
          {
            g_autoptr (GString) names = g_string_new (NULL);
            for (guint i = 0; i < n_tasks; i++)
              g_string_append_printf (names, "%s%s", i ? ", " : "",
                                      fovea_engine_get_task (engine, i)->name);
            g_set_error (error, FOVEA_BATCH_ERROR, FOVEA_BATCH_ERROR_INVALID,
                         "no task named “%s” (loaded: %s)", run->batch->task_names[n],
                         names->str);
            return FALSE;
          }
        guint index = (guint) found;
        g_array_append_val (indices, index);
      }

  const FoveaEngineTask *backbone = fovea_engine_get_task (engine, 0);
  g_autofree char *model_dir = g_path_get_dirname (backbone->weights_path);
  run->model_name = g_path_get_basename (model_dir);
  run->n_tasks = indices->len;
  run->tasks = g_new0 (RunTask, run->n_tasks);
  int min_size = QUALITY_MIN_SIZE;
  for (guint t = 0; t < run->n_tasks; t++)
    {
      RunTask *rt = &run->tasks[t];
      rt->index = g_array_index (indices, guint, t);
      rt->task = fovea_engine_get_task (engine, rt->index);
      rt->sha256 = fovea_file_sha256 (rt->task->weights_path, NULL, error);
      if (rt->sha256 == NULL)
        return FALSE;
      /* Enough pixels for the resize after the centre (and fundus) crop. */
      const FoveaPreprocess *pre = &rt->task->preprocess;
      double crop = pre->crop_pct > 0 ? pre->crop_pct : 1.0;
      double need = MAX (pre->height, pre->width) / crop * (pre->fundus_crop ? 1.25 : 1.0);
      min_size = MAX (min_size, (int) ceil (need));
    }
  fovea_decode_options_init (&run->decode);
  run->decode.min_width = min_size;
  run->decode.min_height = min_size;
  return TRUE;
}

static void
run_clear (Run *run)
{
  for (guint t = 0; t < run->n_tasks; t++)
    g_free (run->tasks[t].sha256);
  g_free (run->tasks);
  g_free (run->model_name);
  for (guint i = 0; i < run->n_items; i++)
    item_free (run->items[i]);
  g_free (run->items);
  g_mutex_clear (&run->mutex);
  g_cond_clear (&run->cond);
}

/* Decoders: as asked; else one per core when they take turns with the
 * engine, one per core the engine leaves free otherwise. */
static int
resolve_jobs (int jobs, gboolean take_turns)
{
  int cores = (int) g_get_num_processors ();
  if (jobs > 0)
    return jobs;
  return take_turns ? cores : MAX (1, cores - 1);
}

gboolean
fovea_batch_run (FoveaBatch *batch, GCancellable *cancellable, FoveaBatchProgress *out_progress,
                 GError **error)
{
  g_return_val_if_fail (batch != NULL, FALSE);
  FoveaBatchProgress progress = { 0 };
  progress.eta_s = NAN;
  if (out_progress != NULL)
    *out_progress = progress;

  const GPtrArray *files = fovea_batch_list_files (batch, error);
  if (files == NULL)
    return FALSE;

  Run run = { 0 };
  run.batch = batch;
  g_mutex_init (&run.mutex);
  g_cond_init (&run.cond);
  if (!resolve_tasks (&run, error))
    {
      run_clear (&run);
      return FALSE;
    }
  run.items = g_new0 (Item *, files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      if (batch->skip != NULL && g_hash_table_contains (batch->skip, path))
        continue;
      Item *item = g_new0 (Item, 1);
      item->path = path;
      run.items[run.n_items++] = item;
    }
  progress.n_total = run.n_items;

  run.take_turns = batch->schedule == FOVEA_BATCH_SCHEDULE_TAKE_TURNS ||
                   (batch->schedule == FOVEA_BATCH_SCHEDULE_AUTO &&
                    fovea_engine_get_n_threads (batch->engine) >= (int) g_get_num_processors ());
  int n_jobs = MIN (resolve_jobs (batch->jobs, run.take_turns), (int) MAX (run.n_items, 1u));
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  for (int j = 0; j < n_jobs; j++)
    g_ptr_array_add (threads, g_thread_new ("fovea-batch-decode", decoder_thread, &run));

  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;
  guint pos = 0;
  while (ok && pos < run.n_items)
    {
      Item *group[MAX_GROUP];
      guint n_group = 0;
      int n_gradable = 0;
      while (pos < run.n_items && n_group < MAX_GROUP && n_gradable < FOVEA_BATCH_SIZE)
        {
          if (!wait_ready (&run, pos, cancellable))
            break;
          Item *item = run.items[pos++];
          group[n_group++] = item;
          if (item->error == NULL && item->tensors != NULL)
            n_gradable++;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }

      FoveaGradeRecord **records[MAX_GROUP];
      for (guint i = 0; i < n_group; i++)
        {
          records[i] = g_new (FoveaGradeRecord *, run.n_tasks);
          for (guint t = 0; t < run.n_tasks; t++)
            records[i][t] = new_record (&run, group[i], &run.tasks[t]);
        }
      grade_group (&run, group, n_group, records);
      ok = deliver_group (&run, group, n_group, records, &progress, start, error);

      g_mutex_lock (&run.mutex);
      for (guint i = run.consumed; i < pos; i++)
        g_clear_pointer (&run.items[i], item_free);
      run.consumed = pos;
      g_cond_broadcast (&run.cond);
      g_mutex_unlock (&run.mutex);
    }

  g_mutex_lock (&run.mutex);
  run.stop = TRUE;
  g_cond_broadcast (&run.cond);
  g_mutex_unlock (&run.mutex);
  for (guint j = 0; j < threads->len; j++)
    g_thread_join (threads->pdata[j]);

  if (out_progress != NULL)
    *out_progress = progress;
  run_clear (&run);
  return ok;
}
