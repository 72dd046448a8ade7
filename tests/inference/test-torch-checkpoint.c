/* test-torch-checkpoint.c: PyTorch checkpoints read without running them.
 *
 * tests/fixtures/torch (written by tests/scripts/make-torch-checkpoint-
 * fixtures.py) holds real torch.save files and hand-made bad ones. The
 * good ones must give exactly the tensors of state-dict.safetensors (same
 * dtype, shape and bytes); every bad one must be refused with an error
 * that names the file and the problem; the malicious ones must not run
 * their payload (each would touch a canary file in the working folder);
 * and a ViT hub folder holding only pytorch_model.bin must give the same
 * logits as its model.safetensors twin. */
#include <glib/gstdio.h>
#include <string.h>

#include "fovea-model-weights.h"
#include "fovea-pickle.h"
#include "fovea-test-common.h"
#include "fovea-torch-checkpoint.h"
#include "fovea-vit.h"
#include "fovea-zip-reader.h"

static char *
torch_fixture (const char *name)
{
  g_autofree char *relative = g_build_filename ("torch", name, NULL);
  return fovea_test_fixture_path (relative);
}

static FoveaSafetensors *
open_checkpoint (const char *name, FoveaTorchCheckpointInfo *info)
{
  g_autofree char *path = torch_fixture (name);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_torch_checkpoint_open (path, info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (st);
  g_assert_cmpstr (fovea_safetensors_get_path (st), ==, path);
  return st;
}

/* Same names, dtypes, shapes and bytes as the expected safetensors. */
static void
assert_same_tensors (FoveaSafetensors *got, FoveaSafetensors *want)
{
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (got), ==,
                    fovea_safetensors_get_n_tensors (want));
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (want); i++)
    {
      const FoveaTensorView *w = fovea_safetensors_get_nth (want, i);
      const FoveaTensorView *g = fovea_safetensors_lookup (got, w->name);
      g_test_message ("tensor %s", w->name);
      g_assert_nonnull (g);
      g_assert_cmpint (g->dtype, ==, w->dtype);
      g_assert_cmpint (g->n_dims, ==, w->n_dims);
      for (int d = 0; d < w->n_dims; d++)
        g_assert_cmpint (g->shape[d], ==, w->shape[d]);
      g_assert_cmpmem (g->data, g->n_bytes, w->data, w->n_bytes);
    }
}

static FoveaSafetensors *
expected_tensors (void)
{
  g_autofree char *path = torch_fixture ("state-dict.safetensors");
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

typedef struct {
  const char *file;
  const char *wrapper;
  gboolean    module_prefix;
} GoodCase;

static const GoodCase good_cases[] = {
  { "state-dict.pt", NULL, FALSE },
  { "protocol4.pt", NULL, FALSE },
  { "big-endian.pt", NULL, FALSE },
  { "deflated.pt", NULL, FALSE },
  { "module-prefix.pt", NULL, TRUE },
  { "wrapped-state_dict.pt", "state_dict", FALSE },
  { "wrapped-model.pt", "model", FALSE },
  { "wrapped-model_state_dict.pt", "model_state_dict", FALSE },
};

static void
test_good (gconstpointer data)
{
  const GoodCase *c = data;
  FoveaTorchCheckpointInfo info;
  g_autoptr (FoveaSafetensors) got = open_checkpoint (c->file, &info);
  g_autoptr (FoveaSafetensors) want = expected_tensors ();
  assert_same_tensors (got, want);
  g_assert_cmpstr (info.wrapper, ==, c->wrapper);
  g_assert_cmpint (info.module_prefix, ==, c->module_prefix);
  /* BatchNorm's int64 counter is left out, by its stripped name. */
  g_assert_cmpuint (info.skipped->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (info.skipped, 0), ==, "bn.num_batches_tracked");
  g_assert_cmpstr (fovea_safetensors_get_metadata (got, "format"), ==, "pt");
  fovea_torch_checkpoint_info_clear (&info);

  /* The float64 tensor reads as F32, the views as their values. */
  g_autoptr (GError) error = NULL;
  const gint64 shape[] = { 3, 4 };
  const float *view = fovea_safetensors_get_f32 (got, "view", 2, shape, &error);
  g_assert_no_error (error);
  g_assert_nonnull (view);
  const FoveaTensorView *scalar = fovea_safetensors_lookup (got, "scalar");
  g_assert_cmpint (scalar->n_dims, ==, 0);
  g_assert_cmpfloat (*(const float *) scalar->data, ==, 2.5f);
  g_assert_cmpuint (fovea_safetensors_lookup (got, "empty")->n_elements, ==, 0);
}

/* The same bytes in memory, with no name and no info. */
static void
test_from_bytes (void)
{
  g_autofree char *path = torch_fixture ("state-dict.pt");
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_autoptr (GBytes) bytes = g_bytes_new (contents, length);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) got = fovea_torch_checkpoint_new_from_bytes (bytes, NULL, NULL,
                                                                            &error);
  g_assert_no_error (error);
  g_autoptr (FoveaSafetensors) want = expected_tensors ();
  assert_same_tensors (got, want);

  /* Every truncation is refused cleanly, except one that only cuts into
   * the final end-of-directory record: torch writes a zip64 directory
   * too, which minizip then reads, and the tensors are all there. */
  for (gsize n = 0; n < length; n += 7)
    {
      g_autoptr (GBytes) part = g_bytes_new (contents, n);
      g_autoptr (GError) part_error = NULL;
      g_autoptr (FoveaSafetensors) st = fovea_torch_checkpoint_new_from_bytes (part, "part", NULL,
                                                                               &part_error);
      if (st != NULL)
        {
          g_assert_cmpuint (n, >, length - 22);
          assert_same_tensors (st, want);
          continue;
        }
      g_assert_nonnull (part_error);
      g_assert_true (g_str_has_prefix (part_error->message, "part: "));
    }
}

typedef struct {
  const char *file;
  const char *domain;    /* "torch", "pickle" or "zip" */
  int         code;
  const char *needle;    /* in the message, after "PATH: " */
} BadCase;

static const BadCase bad_cases[] = {
  { "legacy.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,
    "legacy PyTorch format (torch < 1.6, or _use_new_zipfile_serialization=False): "
    "re-save with torch ≥ 1.6 or convert to safetensors" },
  { "torchscript.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT, "TorchScript module" },
  { "state-dict.safetensors", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_FORMAT,
    "a safetensors file, not a PyTorch checkpoint" },
  { "evil-os-system.pt", "pickle", FOVEA_PICKLE_ERROR_CODE,
    "this checkpoint contains code: GLOBAL os system; Fovea loads tensors only" },
  { "evil-posix-system.pt", "pickle", FOVEA_PICKLE_ERROR_CODE,
    "this checkpoint contains code: GLOBAL posix system; Fovea loads tensors only" },
  { "evil-builtins-eval.pt", "pickle", FOVEA_PICKLE_ERROR_CODE,
    "this checkpoint contains code: STACK_GLOBAL builtins eval; Fovea loads tensors only" },
  /* A payload beside a good state dict, in a member Fovea ignores. */
  { "evil-nested.pt", "pickle", FOVEA_PICKLE_ERROR_CODE,
    "this checkpoint contains code: GLOBAL posix system; Fovea loads tensors only" },
  { "evil-inst.pt", "pickle", FOVEA_PICKLE_ERROR_OPCODE,
    "evil-inst/data.pkl, byte 31 (INST): opcode 0x69 is not read" },
  { "unknown-opcode.pt", "pickle", FOVEA_PICKLE_ERROR_OPCODE,
    "unknown-opcode/data.pkl, byte 3 (?): unknown opcode 0xff" },
  { "truncated-pkl.pt", "pickle", FOVEA_PICKLE_ERROR_MALFORMED, "truncated-pkl/data.pkl" },
  { "missing-storage.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,
    "tensor “linear.weight”: its storage, member “state-dict/data/0”, is not in the archive" },
  { "no-data-pkl.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_ARCHIVE,
    "member “state-dict/data.pkl” is not in the archive" },
  { "offset-past-end.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,
    "tensor “past_end”: its view (offset 8, shape [3], stride [1]) reaches element 10 of "
    "storage “0”, which holds 10" },
  { "storage-size-mismatch.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_TENSOR,
    "tensor “w”: member “storage-size-mismatch/data/0” holds 40 bytes, but its storage is "
    "12 elements of torch.FloatStorage" },
  { "expanded-view.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_LIMIT,
    "its tensors would take 134217728 bytes, more than 4 times their 4 bytes of storage" },
  { "crc-mismatch.pt", "zip", FOVEA_ZIP_ERROR_MEMBER,
    "member “state-dict/data/0”: its CRC-32 does not match" },
  { "truncated-zip.pt", "zip", FOVEA_ZIP_ERROR_FORMAT, "not a zip archive, or truncated" },
  { "not-a-dict.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
    "the checkpoint holds a list, not a dict of tensors" },
  { "no-state-dict.pt", "torch", FOVEA_TORCH_CHECKPOINT_ERROR_CONTENT,
    "no state dict: the checkpoint's dict holds “epoch, weights”" },
};

static GQuark
domain_quark (const char *domain)
{
  if (strcmp (domain, "pickle") == 0)
    return FOVEA_PICKLE_ERROR;
  if (strcmp (domain, "zip") == 0)
    return FOVEA_ZIP_ERROR;
  return FOVEA_TORCH_CHECKPOINT_ERROR;
}

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *path = torch_fixture (c->file);
  FoveaTorchCheckpointInfo info = { 0 };
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_torch_checkpoint_open (path, &info, &error);
  g_assert_null (st);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_error (error, domain_quark (c->domain), c->code);
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  fovea_test_assert_contains (error->message, c->needle);
  /* Nothing is left in the info of a refused checkpoint. */
  g_assert_null (info.wrapper);
  g_assert_null (info.skipped);
}

/* The payloads would touch these in the working folder. */
static void
test_nothing_runs (void)
{
  static const char *const evil[] = { "evil-os-system.pt", "evil-posix-system.pt",
                                      "evil-builtins-eval.pt", "evil-nested.pt",
                                      "evil-inst.pt" };
  static const char *const canaries[] = { "fovea-canary-system", "fovea-canary-posix",
                                          "fovea-canary-eval", "fovea-canary-nested",
                                          "fovea-canary-inst" };
  g_autofree char *old_dir = g_get_current_dir ();
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_assert_cmpint (g_chdir (dir), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (evil); i++)
    {
      g_autofree char *path = torch_fixture (evil[i]);
      g_autoptr (GError) error = NULL;
      g_assert_null (fovea_torch_checkpoint_open (path, NULL, &error));
      g_assert_nonnull (error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (canaries); i++)
    g_assert_false (g_file_test (canaries[i], G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_chdir (old_dir), ==, 0);
  fovea_test_rmdir (dir);
}

/* Logits of a model folder on the f16-weights case's inputs. */
static float *
vit_logits (const char *dir, int *n_logits)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autofree char *case_path = fovea_test_fixture_path ("vit/cases/f16-weights.safetensors");
  g_autoptr (FoveaSafetensors) inputs = fovea_safetensors_open (case_path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *pixels = fovea_safetensors_lookup (inputs, "pixel_values");
  g_assert_nonnull (pixels);
  int batch = (int) pixels->shape[0], height = (int) pixels->shape[2];
  int width = (int) pixels->shape[3];
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, height, width,
                                                   FOVEA_VIT_OUTPUT_LOGITS, 1, &error);
  g_assert_no_error (error);
  const float *input = fovea_safetensors_get_f32 (inputs, "pixel_values", pixels->n_dims,
                                                  pixels->shape, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (run, input, batch, NULL, &error));
  g_assert_no_error (error);
  *n_logits = batch * fovea_vit_run_get_n_outputs (run);
  return g_memdup2 (fovea_vit_run_get_logits (run), sizeof (float) * (gsize) *n_logits);
}

static void
test_vit_pytorch_model_bin (void)
{
  g_autofree char *bin_dir = torch_fixture ("vit-f16-bin");
  g_autofree char *st_dir = fovea_test_fixture_path ("vit/models/f16-weights");
  int n_bin, n_st;
  g_autofree float *from_bin = vit_logits (bin_dir, &n_bin);
  g_autofree float *from_st = vit_logits (st_dir, &n_st);
  g_assert_cmpint (n_bin, ==, n_st);
  g_assert_cmpint (n_bin, >, 0);
  /* The same F16 weights, so the same logits to the bit. */
  g_assert_cmpmem (from_bin, sizeof (float) * n_bin, from_st, sizeof (float) * n_st);

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVit) vit = fovea_vit_load (bin_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fovea_vit_get_sha256 (vit));
}

static void
test_weights_opener (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autoptr (GError) error = NULL;
  g_assert_null (fovea_model_weights_open (dir, &error));
  g_assert_error (error, FOVEA_SAFETENSORS_ERROR, FOVEA_SAFETENSORS_ERROR_IO);
  fovea_test_assert_contains (error->message, "neither model.safetensors nor pytorch_model.bin");
  g_clear_error (&error);

  /* Both: model.safetensors wins. */
  g_autofree char *bin = torch_fixture ("state-dict.pt");
  g_autofree char *st = torch_fixture ("state-dict.safetensors");
  g_autofree char *bin_copy = g_build_filename (dir, "pytorch_model.bin", NULL);
  g_autofree char *st_copy = g_build_filename (dir, "model.safetensors", NULL);
  fovea_test_copy_file (bin, bin_copy);
  fovea_test_copy_file (st, st_copy);
  g_autoptr (FoveaSafetensors) both = fovea_model_weights_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fovea_safetensors_get_path (both), ==, st_copy);

  /* Only the .bin. */
  g_assert_cmpint (g_unlink (st_copy), ==, 0);
  g_autoptr (FoveaSafetensors) only_bin = fovea_model_weights_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fovea_safetensors_get_path (only_bin), ==, bin_copy);
  g_autoptr (FoveaSafetensors) want = expected_tensors ();
  assert_same_tensors (only_bin, want);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/torch-checkpoint/good/%s", good_cases[i].file);
      g_test_add_data_func (name, &good_cases[i], test_good);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/torch-checkpoint/refused/%s", bad_cases[i].file);
      g_test_add_data_func (name, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/torch-checkpoint/from-bytes", test_from_bytes);
  g_test_add_func ("/torch-checkpoint/nothing-runs", test_nothing_runs);
  g_test_add_func ("/torch-checkpoint/vit-pytorch-model-bin", test_vit_pytorch_model_bin);
  g_test_add_func ("/torch-checkpoint/weights-opener", test_weights_opener);
  return g_test_run ();
}
