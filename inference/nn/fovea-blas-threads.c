/* fovea-blas-threads.c: OpenBLAS without its own worker threads when an
 * address-space limit is set, in every Fovea program.
 *
 * The pthreads build of OpenBLAS (Debian's default) starts its worker
 * threads from its library constructor, before main(), and each worker
 * maps a work buffer (about 128 MiB of address space) at once. Under an
 * address-space limit (ulimit -v, as batch schedulers set) that mapping
 * fails and OpenBLAS retries it for ever; exit() then waits for the
 * worker, so even `fovea-cli inspect` of a small PNG hung. Fovea runs its
 * GEMMs single-threaded on its own pool (fovea-pool.h) and never needs
 * those workers, but openblas_set_num_threads(1) comes too late: they are
 * already started. OpenBLAS starts none when OPENBLAS_NUM_THREADS=1 is in
 * the environment its constructor reads, and the only code that runs
 * before that constructor is the executable's .preinit_array. A setenv()
 * there does not last (libc's own start-up sets the environment again from
 * the original block), so the program executes itself again with
 * OPENBLAS_NUM_THREADS=1 added. That costs one exec, so it is done only
 * under a limit, where the workers would hang; without /proc the program
 * goes on as before.
 *
 * This file is compiled into each executable (a static library would drop
 * an object that nothing references). It runs before libc is set up:
 * system calls and string functions only, no malloc. */
#define G_LOG_DOMAIN "fovea-blas-threads"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define BLAS_THREADS_VAR "OPENBLAS_NUM_THREADS="
#define ENV_MAX 4096

static void
fovea_blas_single_threaded (int argc, char **argv, char **envp)
{
  static const char wanted[] = BLAS_THREADS_VAR "1";
  static char *env[ENV_MAX + 2];
  struct rlimit limit;
  size_t n = 0;

  (void) argc;
  if (getrlimit (RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return;
  for (size_t i = 0; envp[i] != NULL; i++)
    {
      if (strcmp (envp[i], wanted) == 0)
        return;   /* set: this is the second start, or the user's choice */
      if (n == ENV_MAX)
        return;
      if (strncmp (envp[i], BLAS_THREADS_VAR, strlen (BLAS_THREADS_VAR)) != 0)
        env[n++] = envp[i];
    }
  env[n++] = (char *) wanted;
  env[n] = NULL;
  execve ("/proc/self/exe", argv, env);
}

__attribute__ ((section (".preinit_array"), used))
static void (*const fovea_blas_preinit) (int, char **, char **) = fovea_blas_single_threaded;
