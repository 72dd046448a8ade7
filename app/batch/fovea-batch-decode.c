/* fovea-batch-decode.c: the decoder threads of a batch run: each claims
 * the next file, decodes it (JPEG DCT-scaled to what is needed), takes
 * patient and eye from its DICOM tags or guesses them from its name, assesses quality and preprocesses it for
 * every task, within a bounded window ahead of the engine; and how they
 * share the cores with the engine's threads. */
#define G_LOG_DOMAIN "fovea-batch-decode"

#include "fovea-batch-private.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fovea-modality-guess.h"
#include "fovea-image-identity.h"
#include "fovea-preprocess.h"

#define POLL_US (100 * 1000)
/* How much lower the decoders' priority is (see lower_decoder_priority). */
#define DECODER_NICE 10

void
batch_item_free (BatchItem *item)
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

gboolean
batch_resolve_thresholds (BatchRun *run, GError **error)
{
  for (int m = 0; m < (int) G_N_ELEMENTS (run->thresholds); m++)
    {
      fovea_quality_thresholds_init (&run->thresholds[m], (FoveaModality) m);
      if (!fovea_quality_thresholds_apply (&run->thresholds[m],
                                           (const char *const *) run->batch->thresholds, error))
        return FALSE;
    }
  return TRUE;
}

static void
assess_quality (BatchRun *run, BatchItem *item, const FoveaDecodeInfo *info)
{
  /* The resolution is the camera's, not the DCT-scaled copy's. */
  fovea_quality_assess_scaled (item->image, info->scale_denom, item->modality,
                               &run->thresholds[item->modality], &item->quality);
}

static void
decode_item (BatchRun *run, BatchItem *item)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  FoveaDecodeInfo info = { 0 };

  FoveaImageIdentity identity;
  fovea_image_identity_read (item->path, &identity);
  item->eye = identity.eye;
  item->patient_id = g_steal_pointer (&identity.patient_id);
  item->image = fovea_decode_file (item->path, &run->decode, &info, &error);
  if (item->image == NULL)
    {
      item->error = g_strdup (error->message);
      item->retryable = batch_error_is_retryable (error);
      item->seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      return;
    }
  /* The batch's modality, else the DICOM tags', else the pixels' guess. */
  item->modality = run->batch->modality != FOVEA_MODALITY_UNKNOWN ? run->batch->modality
                   : identity.modality != FOVEA_MODALITY_UNKNOWN ? identity.modality
                   : fovea_modality_guess (item->image);
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
              item->retryable = batch_error_is_retryable (error);
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
  BatchRun *run = data;

  lower_decoder_priority ();
  for (;;)
    {
      g_mutex_lock (&run->mutex);
      while (!run->stop && run->next_claim < run->n_items &&
             (run->next_claim >= run->consumed + BATCH_WINDOW ||
              (run->take_turns && run->engine_busy)))
        g_cond_wait (&run->cond, &run->mutex);
      if (run->stop || run->next_claim >= run->n_items)
        {
          g_mutex_unlock (&run->mutex);
          return NULL;
        }
      BatchItem *item = run->items[run->next_claim++];
      g_mutex_unlock (&run->mutex);

      decode_item (run, item);

      g_mutex_lock (&run->mutex);
      item->ready = TRUE;
      g_cond_broadcast (&run->cond);
      g_mutex_unlock (&run->mutex);
    }
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

/* When the engine's threads already fill every core, decoders running
 * beside a forward pass only pre-empt its threads, and the fork-join pool
 * waits for the one pre-empted (bench-grade measured 0.83-0.89 of the
 * engine's images/s so). Then the two take turns instead: decoders (one
 * per core) fill the next batch while the engine waits, and pause while
 * it runs; every core does one thing at a time. */
void
batch_set_engine_busy (BatchRun *run, gboolean busy)
{
  if (!run->take_turns)
    return;
  g_mutex_lock (&run->mutex);
  run->engine_busy = busy;
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->mutex);
}

gboolean
batch_wait_ready (BatchRun *run, guint index, GCancellable *cancellable)
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

GPtrArray *
batch_start_decoders (BatchRun *run)
{
  FoveaBatch *batch = run->batch;
  GPtrArray *threads = g_ptr_array_new ();

  run->take_turns = batch->schedule == FOVEA_BATCH_SCHEDULE_TAKE_TURNS ||
                    (batch->schedule == FOVEA_BATCH_SCHEDULE_AUTO &&
                     fovea_engine_get_n_threads (batch->engine) >= (int) g_get_num_processors ());
  int n_jobs = MIN (resolve_jobs (batch->jobs, run->take_turns), (int) MAX (run->n_items, 1u));
  for (int j = 0; j < n_jobs; j++)
    g_ptr_array_add (threads, g_thread_new ("fovea-batch-decode", decoder_thread, run));
  return threads;
}

void
batch_stop_decoders (BatchRun *run, GPtrArray *threads)
{
  g_mutex_lock (&run->mutex);
  run->stop = TRUE;
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->mutex);
  for (guint j = 0; j < threads->len; j++)
    g_thread_join (threads->pdata[j]);
}

void
batch_release_items (BatchRun *run, guint end)
{
  g_mutex_lock (&run->mutex);
  for (guint i = run->consumed; i < end; i++)
    g_clear_pointer (&run->items[i], batch_item_free);
  run->consumed = end;
  g_cond_broadcast (&run->cond);
  g_mutex_unlock (&run->mutex);
}
