/* fovea-pool.c: fork-join over items, with sleeping workers.
 *
 * A job is published under the lock with a new generation number; workers
 * wake, then claim items with a compare-and-swap on one 64-bit word that
 * holds (generation, next item). A worker that wakes late, after its job
 * is over and perhaps the next one has begun, finds another generation in
 * that word and claims nothing of a job it has not read. The caller works
 * too, then sleeps until the item count of the job is complete.
 *
 * Before sleeping, a worker watches for the next job, and the caller for
 * the job's end, for SPIN_ROUNDS pauses (some tens of microseconds): a
 * forward pass runs one job per layer, back to back, and a futex wake-up
 * per layer costs about as much as a small layer (MobileNetV2: 70 jobs in
 * a few milliseconds). That is far shorter than OpenMP's or OpenBLAS's
 * spinning (milliseconds), so idle workers still leave the cores to
 * other processes between passes. */
#define G_LOG_DOMAIN "fovea-pool"

#include "fovea-pool.h"

#include <stdatomic.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "fovea-blas-room.h"
#include "fovea-model-error.h"

struct _FoveaPool {
  int              n_threads;
  GThread        **workers;      /* n_threads - 1 */

  GMutex           lock;
  GCond            wake;         /* a new job, or quit */
  GCond            done;         /* the job's last item finished */
  guint32          generation;   /* of the current job, under lock */
  gboolean         quit;
  FoveaPoolFunc    func;         /* the current job, under lock */
  gpointer         data;
  int              n_items;

  _Atomic guint64  claim;        /* generation << 32 | next item */
  _Atomic int      completed;    /* items of the current job finished */
};

/* Pauses of a spin before a thread sleeps: about 50 µs on Zen 5. */
#define SPIN_ROUNDS 2000

static inline void
spin_pause (void)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause ();
#endif
}

typedef struct {
  FoveaPool *pool;
  int        thread;
} WorkerStart;

/* Runs items of job `generation` until none is left to claim. */
static void
work (FoveaPool *pool, guint32 generation, FoveaPoolFunc func, gpointer data,
      int n_items, int thread)
{
  guint64 seen = atomic_load (&pool->claim);

  for (;;)
    {
      if ((guint32) (seen >> 32) != generation || (int) (guint32) seen >= n_items)
        return;
      if (!atomic_compare_exchange_weak (&pool->claim, &seen, seen + 1))
        continue;  /* seen now holds the current value */

      func (data, (int) (guint32) seen, thread);
      if (atomic_fetch_add (&pool->completed, 1) + 1 == n_items)
        {
          g_mutex_lock (&pool->lock);
          g_cond_signal (&pool->done);
          g_mutex_unlock (&pool->lock);
        }
      seen = atomic_load (&pool->claim);
    }
}

static gpointer
worker_main (gpointer user_data)
{
  FoveaPool *pool = ((WorkerStart *) user_data)->pool;
  int thread = ((WorkerStart *) user_data)->thread;
  guint32 seen = 0;

  g_free (user_data);
  g_mutex_lock (&pool->lock);
  for (;;)
    {
      if (pool->generation == seen && !pool->quit)
        {
          /* The next job's generation shows in claim before the lock
           * is free again; the job itself is read under the lock. */
          g_mutex_unlock (&pool->lock);
          for (int i = 0; i < SPIN_ROUNDS &&
                          (guint32) (atomic_load_explicit (&pool->claim, memory_order_relaxed) >> 32) == seen;
               i++)
            spin_pause ();
          g_mutex_lock (&pool->lock);
        }
      while (pool->generation == seen && !pool->quit)
        g_cond_wait (&pool->wake, &pool->lock);
      if (pool->quit)
        break;
      seen = pool->generation;
      FoveaPoolFunc func = pool->func;
      gpointer data = pool->data;
      int n_items = pool->n_items;
      g_mutex_unlock (&pool->lock);

      work (pool, seen, func, data, n_items, thread);

      g_mutex_lock (&pool->lock);
    }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

FoveaPool *
fovea_pool_new (int n_threads, GError **error)
{
  g_return_val_if_fail (n_threads >= 1, NULL);

  /* Each thread's first GEMM maps an OpenBLAS buffer, and OpenBLAS would
   * retry a failed mapping for ever. */
  if (!fovea_blas_check_room (n_threads, error))
    return NULL;
  return fovea_pool_new_no_gemm (n_threads, error);
}

FoveaPool *
fovea_pool_new_no_gemm (int n_threads, GError **error)
{
  g_return_val_if_fail (n_threads >= 1, NULL);

  FoveaPool *pool = g_new0 (FoveaPool, 1);
  pool->n_threads = 1;
  pool->workers = g_new0 (GThread *, n_threads);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  atomic_init (&pool->claim, 0);
  atomic_init (&pool->completed, 0);

  for (int i = 1; i < n_threads; i++)
    {
      WorkerStart *start = g_new (WorkerStart, 1);
      g_autoptr (GError) local = NULL;

      *start = (WorkerStart) { pool, i };
      pool->workers[i - 1] = g_thread_try_new ("fovea-kernel", worker_main, start, &local);
      if (pool->workers[i - 1] == NULL)
        {
          g_free (start);
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
                       "Cannot start kernel thread %d of %d: %s", i, n_threads,
                       local->message);
          fovea_pool_free (pool);
          return NULL;
        }
      pool->n_threads++;
    }
  return pool;
}

void
fovea_pool_free (FoveaPool *pool)
{
  if (pool == NULL)
    return;

  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (int i = 0; i < pool->n_threads - 1; i++)
    g_thread_join (pool->workers[i]);

  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool->workers);
  g_free (pool);
}

int
fovea_pool_get_n_threads (const FoveaPool *pool)
{
  return pool->n_threads;
}

void
fovea_pool_run (FoveaPool *pool, int n_items, FoveaPoolFunc func, gpointer data)
{
  if (n_items <= 0)
    return;
  if (pool->n_threads == 1 || n_items == 1)
    {
      for (int i = 0; i < n_items; i++)
        func (data, i, 0);
      return;
    }

  g_mutex_lock (&pool->lock);
  guint32 generation = ++pool->generation;
  pool->func = func;
  pool->data = data;
  pool->n_items = n_items;
  atomic_store (&pool->completed, 0);
  atomic_store (&pool->claim, (guint64) generation << 32);
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  work (pool, generation, func, data, n_items, 0);

  for (int i = 0; i < SPIN_ROUNDS && atomic_load (&pool->completed) != n_items; i++)
    spin_pause ();
  if (atomic_load (&pool->completed) == n_items)
    return;
  g_mutex_lock (&pool->lock);
  while (atomic_load (&pool->completed) != n_items)
    g_cond_wait (&pool->done, &pool->lock);
  g_mutex_unlock (&pool->lock);
}
