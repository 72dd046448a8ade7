/* test-staged-dir.c: a folder output (train's, convert's) is written as a
 * whole and gets the mode mkdir(1) would give it. */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "fovea-staged-dir.h"
#include "fovea-test-common.h"

static void
check_mode (mode_t mask, mode_t expected)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "model", NULL);
  g_autoptr (GError) error = NULL;

  mode_t old = umask (mask);
  g_autofree char *staged = fovea_staged_dir_new (out, &error);
  umask (old);
  g_assert_no_error (error);
  g_assert_true (fovea_staged_dir_publish (staged, out, &error));
  g_assert_no_error (error);
  GStatBuf st;
  g_assert_cmpint (g_stat (out, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, expected);
  fovea_test_rmdir (dir);
}

/* Issue 15, item 18: train's output folder was 0700 (g_mkdtemp's mode). */
static void
test_mode_follows_umask (void)
{
  check_mode (022, 0755);
  check_mode (027, 0750);
  check_mode (077, 0700);
}

/* Publishing replaces an older output as a whole. */
static void
test_publish_replaces (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *out = g_build_filename (dir, "model", NULL);
  g_autofree char *old_file = g_build_filename (out, "old.txt", NULL);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_true (g_file_set_contents (old_file, "old", -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autofree char *staged = fovea_staged_dir_new (out, &error);
  g_assert_no_error (error);
  g_autofree char *new_file = g_build_filename (staged, "new.txt", NULL);
  g_assert_true (g_file_set_contents (new_file, "new", -1, NULL));
  g_assert_true (fovea_staged_dir_publish (staged, out, &error));
  g_assert_no_error (error);
  g_autofree char *published = g_build_filename (out, "new.txt", NULL);
  g_assert_true (g_file_test (published, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (old_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (staged, G_FILE_TEST_EXISTS));
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/staged-dir/mode-follows-umask", test_mode_follows_umask);
  g_test_add_func ("/staged-dir/publish-replaces", test_publish_replaces);
  return g_test_run ();
}
