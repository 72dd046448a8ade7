/* fovea-blas-room.c: is there address space for OpenBLAS's work buffers?
 * (fovea-blas-room.h says why.) The test is the real thing: map that much
 * address space, without access and without committing memory, and give
 * it back. */
#define G_LOG_DOMAIN "fovea-blas-room"

#include "fovea-blas-room.h"

#include <sys/mman.h>
#include <sys/resource.h>

#include "fovea-model-error.h"

gboolean
fovea_blas_check_room (int n_threads, GError **error)
{
  struct rlimit limit;
  if (getrlimit (RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return TRUE;

  gsize bytes = (gsize) MAX (n_threads, 1) * FOVEA_BLAS_BUFFER_BYTES;
  void *probe = mmap (NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
  if (probe != MAP_FAILED)
    {
      munmap (probe, bytes);
      return TRUE;
    }
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_NO_MEMORY,
               "Out of memory: %d thread(s) need %" G_GSIZE_FORMAT " MiB of address space "
               "for OpenBLAS's work buffers, more than the address-space limit "
               "(ulimit -v, %" G_GUINT64_FORMAT " MiB) leaves; use fewer threads "
               "(--threads) or raise the limit",
               n_threads, bytes >> 20, (guint64) (limit.rlim_cur >> 20));
  return FALSE;
}
