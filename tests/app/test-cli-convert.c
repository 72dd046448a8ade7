/* test-cli-convert.c: `fovea-cli convert` as a user runs it, in a separate
 * process: a ViT's pytorch_model.bin becomes a hub folder that loads and
 * holds the same tensors as the fixture's own model.safetensors; existing
 * folders are kept without --force, a folder holding the checkpoint is
 * never replaced, and refused checkpoints, unknown architectures and
 * weights that do not fit the architecture leave nothing behind. And a
 * folder with only pytorch_model.bin runs through `fovea-cli infer`. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "fovea-safetensors.h"
#include "fovea-test-common.h"
#include "fovea-vit.h"

#define ARCH "vit_small_patch8_224"  /* the f16-weights fixture's */

typedef struct {
  char *dir;         /* the temporary working folder */
  char *checkpoint;  /* dir/pytorch_model.bin, the f16-weights ViT */
  char *config;      /* its config.json, with model_args and pretrained_cfg */
  char *out;         /* dir/converted */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = fovea_test_mkdtemp ();
  g_autofree char *bin = fovea_test_fixture_path ("torch/vit-f16-bin/pytorch_model.bin");
  f->checkpoint = g_build_filename (f->dir, "pytorch_model.bin", NULL);
  fovea_test_copy_file (bin, f->checkpoint);
  f->config = fovea_test_fixture_path ("vit/models/f16-weights/config.json");
  f->out = g_build_filename (f->dir, "converted", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  fovea_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->checkpoint);
  g_free (f->config);
  g_free (f->out);
}

/* No .partial or .old folder is left beside the output. */
static void
assert_no_leftovers (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  const char *name;
  while ((name = g_dir_read_name (listing)) != NULL)
    g_assert_false (g_str_has_prefix (name, "."));
}

static void
test_converts (Fixture *f, gconstpointer data)
{
  FoveaCliResult r = fovea_test_run_cli ("convert", f->checkpoint, "--arch", ARCH,
                                         "--config", f->config, "--num-classes", "3",
                                         "--out", f->out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_assert_contains (r.err, "18 tensor(s) into");
  fovea_test_cli_result_clear (&r);

  /* config.json: the given one with --arch and --num-classes set. */
  g_autofree char *config = g_build_filename (f->out, "config.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, config, NULL));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "architecture"), ==, ARCH);
  g_assert_cmpint (json_object_get_int_member (root, "num_classes"), ==, 3);
  g_assert_true (json_object_has_member (root, "model_args"));

  /* model.safetensors: the fixture's tensors, and a folder that loads. */
  g_autofree char *weights = g_build_filename (f->out, "model.safetensors", NULL);
  g_autofree char *original = fovea_test_fixture_path ("vit/models/f16-weights/model.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) got = fovea_safetensors_open (weights, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSafetensors) want = fovea_safetensors_open (original, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (got), ==,
                    fovea_safetensors_get_n_tensors (want));
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (want); i++)
    {
      const FoveaTensorView *w = fovea_safetensors_get_nth (want, i);
      const FoveaTensorView *g = fovea_safetensors_lookup (got, w->name);
      g_assert_nonnull (g);
      g_assert_cmpint (g->dtype, ==, w->dtype);
      g_assert_cmpmem (g->data, g->n_bytes, w->data, w->n_bytes);
    }
  g_autoptr (FoveaVit) vit = fovea_vit_load (f->out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_vit_get_config (vit)->num_classes, ==, 3);
  assert_no_leftovers (f->dir);
}

static void
test_existing_folder (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (g_mkdir (f->out, 0755), ==, 0);
  g_autofree char *marker = g_build_filename (f->out, "keep-me", NULL);
  g_assert_true (g_file_set_contents (marker, "x", -1, NULL));

  FoveaCliResult r = fovea_test_run_cli ("convert", f->checkpoint, "--arch", ARCH,
                                         "--config", f->config, "--out", f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "exists; use --force to replace it");
  fovea_test_cli_result_clear (&r);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  r = fovea_test_run_cli ("convert", f->checkpoint, "--arch", ARCH, "--config", f->config,
                          "--out", f->out, "--force", NULL);
  g_assert_cmpint (r.status, ==, 0);
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_autofree char *weights = g_build_filename (f->out, "model.safetensors", NULL);
  g_assert_true (g_file_test (weights, G_FILE_TEST_IS_REGULAR));
  assert_no_leftovers (f->dir);
}

/* --out the checkpoint's own folder (or a link to it), even with
 * --force, would delete the checkpoint. */
static void
test_out_holds_checkpoint (Fixture *f, gconstpointer data)
{
  g_autofree char *link = g_build_filename (f->dir, "link", NULL);
  g_assert_cmpint (symlink (f->dir, link), ==, 0);
  const char *outs[] = { f->dir, link };
  for (gsize i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      FoveaCliResult r = fovea_test_run_cli ("convert", f->checkpoint, "--arch", ARCH,
                                             "--config", f->config, "--out", outs[i],
                                             "--force", NULL);
      g_assert_cmpint (r.status, ==, 1);
      fovea_test_assert_contains (r.err, "never written");
      fovea_test_assert_contains (r.err, f->checkpoint);
      fovea_test_cli_result_clear (&r);
      g_assert_true (g_file_test (f->checkpoint, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_cmpint (g_unlink (link), ==, 0);
}

typedef struct {
  const char *checkpoint;  /* a fixture under torch/, or NULL for the ViT */
  const char *arch;
  gboolean    with_config;
  const char *needle;
} RefusedCase;

static const RefusedCase refused_cases[] = {
  { "torch/evil-nested.pt", ARCH, TRUE,
    "this checkpoint contains code: GLOBAL posix system; Fovea loads tensors only" },
  { "torch/legacy.pt", ARCH, TRUE, "legacy PyTorch format" },
  { NULL, "resnet50", TRUE, "architecture “resnet50” is not one Fovea loads" },
  /* Without model_args the architecture's default width does not fit. */
  { NULL, ARCH, FALSE, "do not load as " ARCH " (with its default head; give --num-classes "
    "for another): " },
  /* Weights of something else entirely. */
  { "torch/state-dict.pt", ARCH, TRUE, "no tensor “patch_embed.proj.weight”" },
};

static void
test_refused (Fixture *f, gconstpointer data)
{
  const RefusedCase *c = data;
  g_autofree char *fixture = c->checkpoint != NULL ? fovea_test_fixture_path (c->checkpoint)
                                                   : g_strdup (f->checkpoint);
  FoveaCliResult r = c->with_config
                     ? fovea_test_run_cli ("convert", fixture, "--arch", c->arch, "--config",
                                           f->config, "--out", f->out, NULL)
                     : fovea_test_run_cli ("convert", fixture, "--arch", c->arch,
                                           "--out", f->out, NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, c->needle);
  /* Errors name the output folder, not the staging one. */
  g_assert_null (strstr (r.err, ".partial-"));
  fovea_test_cli_result_clear (&r);
  g_assert_false (g_file_test (f->out, G_FILE_TEST_EXISTS));
  assert_no_leftovers (f->dir);
}

/* The hub folder with only pytorch_model.bin runs through infer as its
 * model.safetensors twin does, to the printed digit. */
static void
test_infer_bin_folder (void)
{
  g_autofree char *bin_dir = fovea_test_fixture_path ("torch/vit-f16-bin");
  g_autofree char *st_dir = fovea_test_fixture_path ("vit/models/f16-weights");
  g_autofree char *input = fovea_test_fixture_path ("vit/cases/f16-weights.safetensors");
  FoveaCliResult from_bin = fovea_test_run_cli ("infer", "--model", bin_dir, "--input-tensor",
                                                 input, "--json", NULL);
  FoveaCliResult from_st = fovea_test_run_cli ("infer", "--model", st_dir, "--input-tensor",
                                                input, "--json", NULL);
  g_assert_cmpint (from_bin.status, ==, 0);
  g_assert_cmpint (from_st.status, ==, 0);
  fovea_test_assert_contains (from_bin.out, "\"logits\":[");
  g_assert_cmpstr (from_bin.out, ==, from_st.out);
  fovea_test_cli_result_clear (&from_bin);
  fovea_test_cli_result_clear (&from_st);
}

static void
test_usage (void)
{
  FoveaCliResult r = fovea_test_run_cli ("convert", "model.pt", NULL);
  g_assert_cmpint (r.status, ==, 1);
  fovea_test_assert_contains (r.err, "give one CHECKPOINT, --arch NAME and --out DIR");
  fovea_test_cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-convert/converts", Fixture, NULL, fixture_set_up, test_converts,
              fixture_tear_down);
  g_test_add ("/cli-convert/existing-folder", Fixture, NULL, fixture_set_up,
              test_existing_folder, fixture_tear_down);
  g_test_add ("/cli-convert/out-holds-checkpoint", Fixture, NULL, fixture_set_up,
              test_out_holds_checkpoint, fixture_tear_down);
  for (gsize i = 0; i < G_N_ELEMENTS (refused_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cli-convert/refused/%" G_GSIZE_FORMAT, i);
      g_test_add (name, Fixture, &refused_cases[i], fixture_set_up, test_refused,
                  fixture_tear_down);
    }
  g_test_add_func ("/cli-convert/infer-bin-folder", test_infer_bin_folder);
  g_test_add_func ("/cli-convert/usage", test_usage);
  return g_test_run ();
}
