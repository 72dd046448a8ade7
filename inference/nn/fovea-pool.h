/* fovea-pool.h: the small fork-join thread pool that runs every kernel
 * of the forward pass, GEMMs included (each thread calls single-threaded
 * OpenBLAS on its share).
 *
 * Why one pool of our own: OpenMP's idle workers spin for milliseconds,
 * and so do OpenBLAS's after each GEMM, so with either next to another
 * pool the threads fight over a machine's few cores (measured on two
 * cores: ViT-B/16 with OpenMP kernels beside OpenBLAS threads 3.5× slower
 * while other processes ran, and OpenBLAS threads beside this pool 9 %
 * slower on a quiet machine). Here idle workers sleep at once. Items are
 * handed out one at a time, so a thread the system delays does not hold
 * the others up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FoveaPool FoveaPool;

/* Runs item `item` of a job, on thread `thread` (0 is the caller). */
typedef void (*FoveaPoolFunc) (gpointer data,
                               int      item,
                               int      thread);

/* A pool of n_threads, counting the caller (so n_threads - 1 workers).
 * Fails with an out-of-memory error when an address-space limit leaves no
 * room for each thread's OpenBLAS buffer (fovea-blas-room.h). */
FoveaPool *fovea_pool_new           (int        n_threads,
                                     GError   **error);
/* The same for work that calls no OpenBLAS routine (packing weights):
 * no room is needed for its buffers. */
FoveaPool *fovea_pool_new_no_gemm   (int        n_threads,
                                     GError   **error);
void       fovea_pool_free          (FoveaPool *pool);
int        fovea_pool_get_n_threads (const FoveaPool *pool);

/* Calls func (data, item, thread) for every item in [0, n_items) on the
 * pool's threads and returns when all are done. Not reentrant: one job at
 * a time per pool. */
void       fovea_pool_run           (FoveaPool     *pool,
                                     int            n_items,
                                     FoveaPoolFunc  func,
                                     gpointer       data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FoveaPool, fovea_pool_free)

G_END_DECLS
