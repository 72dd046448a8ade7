/* test-cli-ulimit.c: fovea-cli under an address-space limit (ulimit -v),
 * as batch schedulers set one (issue 15, item 12). OpenBLAS's own worker
 * threads used to retry a 128 MiB buffer for ever, so every command hung,
 * even inspect of a 64 × 64 PNG. Each run here has a timeout, so that a
 * hang fails the test (status 124) instead of stalling CI.
 *
 * Skipped under AddressSanitizer: its shadow memory reserves terabytes of
 * address space, so no ulimit -v can apply. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fovea-encode.h"
#include "fovea-test-common.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

/* A run that takes longer has hung: inspect of a small PNG takes well
 * under a second. */
#define TIMEOUT_S "120"
/* Enough for fovea-cli and a small image (it runs in 128 MiB), not for
 * an OpenBLAS worker's 128 MiB buffer on top: before the fix inspect hung
 * here on a 2-core machine, which gives OpenBLAS one worker. */
#define SMALL_LIMIT_KIB 196608   /* 192 MiB */
/* Room for the model and one thread's OpenBLAS buffer. */
#define ROOMY_LIMIT_KIB 2097152  /* 2 GiB */

static gboolean
can_run (void)
{
#ifdef SANITIZED
  g_test_skip ("built with AddressSanitizer, which reserves more address space than "
               "any ulimit -v allows");
  return FALSE;
#else
  g_autofree char *timeout = g_find_program_in_path ("timeout");
  if (timeout == NULL)
    {
      g_test_skip ("timeout(1) not found (coreutils)");
      return FALSE;
    }
  return TRUE;
#endif
}

/* fovea-cli args… under ulimit -v limit_kib, with a timeout. */
static FoveaCliResult
run_limited (guint limit_kib, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("timeout"));
  g_ptr_array_add (argv, g_strdup (TIMEOUT_S));
  g_ptr_array_add (argv, g_strdup ("sh"));
  g_ptr_array_add (argv, g_strdup ("-c"));
  g_ptr_array_add (argv, g_strdup_printf ("ulimit -v %u && exec \"$0\" \"$@\"", limit_kib));
  g_ptr_array_add (argv, g_strdup (g_getenv ("FOVEA_CLI")));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  FoveaCliResult result = { 0 };
  int wait_status;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &result.out, &result.err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result.status = WEXITSTATUS (wait_status);
  if (result.status == 124)
    g_error ("fovea-cli %s hung under ulimit -v %u (killed after %s s)", args[0], limit_kib,
             TIMEOUT_S);
  return result;
}

static char *
small_png (const char *dir)
{
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (64, 64, 32, 32, 28);
  char *path = g_build_filename (dir, "small.png", NULL);
  g_assert_true (fovea_encode_png_file (image, path, NULL));
  return path;
}

static void
test_inspect_small_png (void)
{
  if (!can_run ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *png = small_png (dir);
  const char *args[] = { "inspect", "--json", png, NULL };
  FoveaCliResult r = run_limited (SMALL_LIMIT_KIB, args);
  if (r.status != 0)
    g_test_message ("stderr: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "\"width\":64"));
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

/* Short of room for the model's threads: a clear out-of-memory error
 * (exit 1 or 3), not a hang; with room, the same run gives its result. */
static void
test_infer_tiny_model (void)
{
  if (!can_run ())
    return;
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *png = small_png (dir);
  g_autofree char *model = fovea_test_fixture_path ("vit/models/tiny-token");

  const char *many[] = { "infer", "--json", "--threads", "2", "--model", model, png, NULL };
  FoveaCliResult r = run_limited (SMALL_LIMIT_KIB, many);
  /* 1 when loading the model fails, 3 when the image's line says it. */
  g_assert_true (r.status == 1 || r.status == 3);
  g_autofree char *both = g_strconcat (r.out, r.err, NULL);
  fovea_test_assert_contains (both, "Out of memory");
  fovea_test_assert_contains (both, "ulimit -v");
  fovea_test_cli_result_clear (&r);

  const char *one[] = { "infer", "--json", "--threads", "1", "--model", model, png, NULL };
  r = run_limited (ROOMY_LIMIT_KIB, one);
  if (r.status != 0)
    g_test_message ("stderr: %s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "logits"));
  fovea_test_cli_result_clear (&r);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-ulimit/inspect-small-png", test_inspect_small_png);
  g_test_add_func ("/cli-ulimit/infer-tiny-model", test_infer_tiny_model);
  return g_test_run ();
}
