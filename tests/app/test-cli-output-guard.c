/* test-cli-output-guard.c: no command ever writes a source file (issue 15,
 * items 1-4): an output that is, or resolves through a symbolic link to,
 * an input image, a recognised image inside an input folder, or a folder
 * holding inputs, data or the model is refused even with --force; an
 * existing output is replaced only with --force; a symbolic link at the
 * output is replaced, not written through. Run as a user runs fovea-cli. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "fovea-encode.h"
#include "fovea-test-common.h"
#include "toy-train-set.h"

typedef struct {
  char *dir;     /* everything, removed at the end */
  char *images;  /* an input folder with eye.png */
  char *eye;
  char *model;
} Setup;

static void
setup_init (Setup *s)
{
  s->dir = fovea_test_mkdtemp ();
  s->images = g_build_filename (s->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (s->images, 0755), ==, 0);
  s->eye = g_build_filename (s->images, "eye.png", NULL);
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (96, 80, 48, 40, 36);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, s->eye, &error));
  g_assert_no_error (error);
  s->model = fovea_test_make_model_with_card ("tiny-token", "tiny-five-class.json");
}

static void
setup_clear (Setup *s)
{
  fovea_test_rmdir (s->dir);
  fovea_test_rmdir (s->model);
  g_free (s->dir);
  g_free (s->images);
  g_free (s->eye);
  g_free (s->model);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_assert_true (g_file_get_contents (path, &data, &length, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) data, length);
}

/* A refusal: exit 1, a message naming the output and the source it
 * would overwrite or hold, and the file kept unchanged. */
static void
assert_refused (FoveaCliResult *r, const char *out, const char *source, const char *kept,
                const char *kept_sum)
{
  if (r->status != 1)
    g_error ("expected a refusal, got exit %d: %s", r->status, r->err);
  fovea_test_assert_contains (r->err, "never written");
  fovea_test_assert_contains (r->err, out);
  fovea_test_assert_contains (r->err, source);
  g_autofree char *after = checksum_file (kept);
  g_assert_cmpstr (after, ==, kept_sum);
  fovea_test_cli_result_clear (r);
}

/* Item 1: grade and report never write an input image, directly or
 * through a link; a link to another file is replaced, not written through. */
static void
test_grade_and_report (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *sum = checksum_file (s.eye);

  FoveaCliResult r = fovea_test_run_cli ("grade", s.images, "--model", s.model,
                                         "--out", s.eye, "--force", NULL);
  assert_refused (&r, s.eye, s.images, s.eye, sum);

  /* A new image name inside the input folder would be graded next time. */
  g_autofree char *new_image = g_build_filename (s.images, "results.jpg", NULL);
  r = fovea_test_run_cli ("grade", s.images, "--model", s.model, "--out", new_image, NULL);
  assert_refused (&r, new_image, s.images, s.eye, sum);
  g_assert_false (g_file_test (new_image, G_FILE_TEST_EXISTS));

  /* Through a symbolic link to the input image. */
  g_autofree char *link_to_eye = g_build_filename (s.dir, "to-eye.csv", NULL);
  g_assert_cmpint (symlink (s.eye, link_to_eye), ==, 0);
  r = fovea_test_run_cli ("grade", s.images, "--model", s.model, "--out", link_to_eye,
                          "--force", NULL);
  assert_refused (&r, link_to_eye, s.images, s.eye, sum);

  /* A link to a photograph that is not an input: the link is replaced. */
  g_autofree char *photo = g_build_filename (s.dir, "holiday.png", NULL);
  fovea_test_copy_file (s.eye, photo);
  g_autofree char *link_to_photo = g_build_filename (s.dir, "link.csv", NULL);
  g_assert_cmpint (symlink (photo, link_to_photo), ==, 0);
  r = fovea_test_run_cli ("grade", s.images, "--model", s.model, "--out", link_to_photo,
                          "--force", NULL);
  if (r.status != 0)
    g_error ("grade through a link exited %d: %s", r.status, r.err);
  fovea_test_cli_result_clear (&r);
  g_autofree char *photo_after = checksum_file (photo);
  g_assert_cmpstr (photo_after, ==, sum);
  g_assert_false (g_file_test (link_to_photo, G_FILE_TEST_IS_SYMLINK));
  g_autofree char *csv = NULL;
  g_assert_true (g_file_get_contents (link_to_photo, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "file,"));

  r = fovea_test_run_cli ("report", s.eye, "--model", s.model, "--patient-id", "P1",
                          "--eye", "OD", "--out", s.eye, "--force", NULL);
  assert_refused (&r, s.eye, s.eye, s.eye, sum);
  /* --report-dir must not be the input folder. */
  g_autofree char *csv2 = g_build_filename (s.dir, "second.csv", NULL);
  r = fovea_test_run_cli ("grade", s.images, "--model", s.model, "--out", csv2,
                          "--report-dir", s.images, NULL);
  assert_refused (&r, s.images, s.images, s.eye, sum);
  setup_clear (&s);
}

/* Item 2: explain refuses its own input and, without --force, any
 * existing file. */
static void
test_explain (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *sum = checksum_file (s.eye);
  FoveaCliResult r = fovea_test_run_cli ("explain", "--kind", "saliency", "--model", s.model,
                                         "--out", s.eye, "--force", s.eye, NULL);
  assert_refused (&r, s.eye, s.eye, s.eye, sum);

  g_autofree char *existing = g_build_filename (s.dir, "map.png", NULL);
  g_assert_true (g_file_set_contents (existing, "keep", -1, NULL));
  r = fovea_test_run_cli ("explain", "--kind", "saliency", "--model", s.model,
                          "--out", existing, s.eye, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--force");
  fovea_test_cli_result_clear (&r);
  g_autofree char *kept = NULL;
  g_assert_true (g_file_get_contents (existing, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "keep");
  setup_clear (&s);
}

/* Item 3: anomaly-bank never turns a normal image into the bank. */
static void
test_anomaly_bank (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *sum = checksum_file (s.eye);
  FoveaCliResult r = fovea_test_run_cli ("anomaly-bank", "--model", s.model, "--images",
                                         s.images, "--out", s.eye, "--force", NULL);
  assert_refused (&r, s.eye, s.images, s.eye, sum);

  g_autofree char *existing = g_build_filename (s.dir, "bank.safetensors", NULL);
  g_assert_true (g_file_set_contents (existing, "keep", -1, NULL));
  r = fovea_test_run_cli ("anomaly-bank", "--model", s.model, "--images", s.images,
                          "--out", existing, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "--force");
  fovea_test_cli_result_clear (&r);
  setup_clear (&s);
}

/* Item 4: train --force never replaces the data or the model folder. */
static void
test_train (void)
{
  Setup s;
  setup_init (&s);
  g_autofree char *train = toy_write_set (s.dir, "train", 4, 1);
  g_autofree char *val = toy_write_set (s.dir, "val", 4, 2);
  g_autofree char *card = toy_write_card (s.dir);
  g_autofree char *labels = g_build_filename (train, "labels.csv", NULL);
  g_autofree char *labels_sum = checksum_file (labels);
  g_autofree char *weights = g_build_filename (s.model, "model.safetensors", NULL);
  g_autofree char *weights_sum = checksum_file (weights);

  const char *outs[] = { train, s.dir, s.model };
  for (guint i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      FoveaCliResult r = fovea_test_run_cli ("train", "--model", s.model,
                                             "--lora", "r=2,alpha=4,targets=qkv",
                                             "--task-card", card, "--data", train,
                                             "--val", val, "--epochs", "1",
                                             "--out", outs[i], "--force", NULL);
      assert_refused (&r, outs[i], "", labels, labels_sum);
      g_autofree char *after = checksum_file (weights);
      g_assert_cmpstr (after, ==, weights_sum);
    }
  setup_clear (&s);
}

/* merge never writes over one of its shards. */
static void
test_merge (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *shard = g_build_filename (dir, "shard.csv", NULL);
  g_assert_true (g_file_set_contents (shard, "not touched", -1, NULL));
  g_autofree char *sum = checksum_file (shard);
  FoveaCliResult r = fovea_test_run_cli ("merge", "--out", shard, "--force", shard, NULL);
  assert_refused (&r, shard, shard, shard, sum);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/output-guard/grade-report", test_grade_and_report);
  g_test_add_func ("/cli/output-guard/explain", test_explain);
  g_test_add_func ("/cli/output-guard/anomaly-bank", test_anomaly_bank);
  g_test_add_func ("/cli/output-guard/train", test_train);
  g_test_add_func ("/cli/output-guard/merge", test_merge);
  return g_test_run ();
}
