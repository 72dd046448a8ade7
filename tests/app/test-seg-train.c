/* test-seg-train.c: segmentation training: the data reader (a good set
 * and each malformed case), patch sampling (deterministic, masks aligned
 * with the photograph), a Unet from the bundled ImageNet encoder that
 * learns bright discs, exact resume, and the command line's errors. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-encode.h"
#include "fovea-evaluation.h"
#include "fovea-safetensors.h"
#include "fovea-seg.h"
#include "fovea-seg-data.h"
#include "fovea-seg-patch.h"
#include "fovea-seg-trainer.h"
#include "fovea-task-card.h"
#include "fovea-test-common.h"
#include "fovea-train-data.h"
#include "fovea-trainer.h"

#define SIDE 96          /* image side */
#define FOV_RADIUS 44
#define N_IMAGES 10      /* 7 train, 2 val, 1 held-out */

static void
write_png (FoveaImage *image, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_encode_png_file (image, path, &error));
  g_assert_no_error (error);
}

/* A photograph: a reddish disc (the FOV) on black, with bright discs
 * (the "lesions", label "spots", the mask) and, for label "rings", none
 * drawn: its folder exists but holds masks for the first image only. */
static void
write_image (const char *root, int index, gboolean with_fov)
{
  g_autoptr (FoveaImage) rgb = fovea_image_new (SIDE, SIDE, 3, 8, NULL);
  g_autoptr (FoveaImage) mask = fovea_image_new (SIDE, SIDE, 1, 8, NULL);
  g_autoptr (FoveaImage) fov = fovea_image_new (SIDE, SIDE, 1, 8, NULL);
  GRand *rand = g_rand_new_with_seed (100 + index);
  int spots[4][3];
  for (int k = 0; k < 4; k++)
    {
      spots[k][0] = g_rand_int_range (rand, 24, SIDE - 24);
      spots[k][1] = g_rand_int_range (rand, 24, SIDE - 24);
      spots[k][2] = g_rand_int_range (rand, 3, 7);
    }
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        double dx = x + 0.5 - SIDE / 2.0, dy = y + 0.5 - SIDE / 2.0;
        gboolean inside = dx * dx + dy * dy < FOV_RADIUS * FOV_RADIUS;
        gboolean spot = FALSE;
        for (int k = 0; k < 4; k++)
          {
            double sx = x - spots[k][0], sy = y - spots[k][1];
            spot = spot || (inside && sx * sx + sy * sy <= spots[k][2] * spots[k][2]);
          }
        guint8 *p = fovea_image_row (rgb, y) + 3 * x;
        int shade = g_rand_int_range (rand, 0, 20);
        p[0] = inside ? (spot ? 250 : 150 + shade) : 0;
        p[1] = inside ? (spot ? 240 : 50 + shade) : 0;
        p[2] = inside ? (spot ? 200 : 20 + shade / 2) : 0;
        fovea_image_row (mask, y)[x] = spot ? 255 : 0;
        fovea_image_row (fov, y)[x] = inside ? 255 : 0;
      }
  g_rand_free (rand);
  g_autofree char *name = g_strdup_printf ("%02d.png", index);
  g_autofree char *image_path = g_build_filename (root, "images", name, NULL);
  g_autofree char *mask_path = g_build_filename (root, "masks", "spots", name, NULL);
  write_png (rgb, image_path);
  write_png (mask, mask_path);
  if (with_fov)
    {
      g_autofree char *fov_path = g_build_filename (root, "fov", name, NULL);
      write_png (fov, fov_path);
    }
  if (index == 0)
    {
      g_autofree char *ring_path = g_build_filename (root, "masks", "rings", name, NULL);
      write_png (fov, ring_path);
    }
}

/* ROOT with N_IMAGES photographs and split.csv; returns ROOT. */
static char *
write_set (const char *dir)
{
  g_autofree char *root = g_build_filename (dir, "set", NULL);
  const char *const folders[] = { "images", "masks/spots", "masks/rings", "fov" };
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *path = g_build_filename (root, folders[i], NULL);
      g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
    }
  g_autoptr (GString) csv = g_string_new ("file,split\n");
  for (int i = 0; i < N_IMAGES; i++)
    {
      /* The last image has no FOV file: the detector finds it. */
      write_image (root, i, i < N_IMAGES - 1);
      g_string_append_printf (csv, "%02d.png,%s\n", i,
                              i < 7 ? "train" : i < 9 ? "val" : "held-out");
    }
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_assert_true (g_file_set_contents (split, csv->str, -1, NULL));
  return g_steal_pointer (&root);
}

static const char *const two_labels[] = { "spots", "rings", NULL };
static const char *const one_label[] = { "spots", NULL };

static void
test_data_good (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_autoptr (GError) error = NULL;

  /* At the images' own scale (the FOV is 88 pixels across). */
  g_autoptr (FoveaSegData) data = fovea_seg_data_load (root, split, two_labels, 2 * FOV_RADIUS,
                                                       &error);
  g_assert_no_error (error);
  g_assert_cmpint (fovea_seg_data_count (data, FOVEA_SEG_SPLIT_TRAIN), ==, 7);
  g_assert_cmpint (fovea_seg_data_count (data, FOVEA_SEG_SPLIT_VAL), ==, 2);
  g_assert_cmpint (fovea_seg_data_count (data, FOVEA_SEG_SPLIT_HELD_OUT), ==, 1);
  g_assert_cmpint (data->n_missing[0], ==, 0);
  g_assert_cmpint (data->n_missing[1], ==, N_IMAGES - 1);
  const FoveaSegSample *first = data->samples->pdata[0];
  g_assert_cmpstr (first->stem, ==, "00");
  g_assert_cmpint (first->width, ==, SIDE);
  g_assert_true (first->has_mask[0] && first->has_mask[1]);
  g_assert_cmpuint (first->positives[0]->len, >, 20);
  /* The detected FOV of the last image is about the drawn one. */
  const FoveaSegSample *last = data->samples->pdata[N_IMAGES - 1];
  int detected = MAX (last->fov_box[2] - last->fov_box[0], last->fov_box[3] - last->fov_box[1]);
  g_assert_cmpint (abs (detected - 2 * FOV_RADIUS), <=, 4);

  /* Halved: the photograph halves, and a one-pixel lesion survives. */
  g_autofree char *tiny = g_build_filename (root, "masks", "spots", "01.png", NULL);
  g_autoptr (FoveaImage) dot = fovea_image_new (SIDE, SIDE, 1, 8, NULL);
  fovea_image_row (dot, 41)[37] = 1;
  write_png (dot, tiny);
  g_autoptr (FoveaSegData) half = fovea_seg_data_load (root, split, one_label, FOV_RADIUS,
                                                       &error);
  g_assert_no_error (error);
  const FoveaSegSample *second = half->samples->pdata[1];
  g_assert_cmpint (second->width, ==, SIDE / 2);
  g_assert_cmpfloat_with_epsilon (second->scale, 0.5, 1e-9);
  g_assert_cmpuint (second->positives[0]->len, ==, 1);
  g_assert_cmpuint (g_array_index (second->positives[0], guint32, 0), ==,
                    20 * (SIDE / 2) + 18);
  fovea_test_rmdir (dir);
}

static void
expect_error (const char *root, const char *split, const char *const *labels,
              const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegData) data = fovea_seg_data_load (root, split, labels, 0, &error);
  g_assert_null (data);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_data_malformed (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  const char *const unknown[] = { "spots", "drusen", NULL };

  /* No images/ folder. */
  expect_error (dir, split, one_label, "images/");
  /* A label without its folder. */
  expect_error (root, split, unknown, "drusen");
  /* A split row naming an absent image. */
  g_autofree char *bad_split = g_build_filename (root, "bad-split.csv", NULL);
  g_assert_true (g_file_set_contents (bad_split, "file,split\n00.png,train\n77.png,val\n", -1,
                                      NULL));
  expect_error (root, bad_split, one_label, "77.png");
  /* A mask of another size than its image. */
  g_autofree char *mask = g_build_filename (root, "masks", "spots", "03.png", NULL);
  g_autoptr (FoveaImage) small = fovea_image_new (SIDE / 2, SIDE, 1, 8, NULL);
  write_png (small, mask);
  expect_error (root, split, one_label, "03.png");
  /* An undecodable file, named. */
  g_assert_true (g_file_set_contents (mask, "not a PNG", -1, NULL));
  expect_error (root, split, one_label, "03.png");
  fovea_test_rmdir (dir);
}

/* Same (seed, epoch, index): the same patch; another index: another.
 * Geometry keeps the masks on the bright spots. */
static void
test_patches (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSegData) data = fovea_seg_data_load (root, split, one_label, 0, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) train = fovea_seg_data_split (data, FOVEA_SEG_SPLIT_TRAIN);
  enum { P = 64, N = P * P };
  float a[3 * N], b[3 * N], ta[N], tb[N], fa[N], fb[N];

  for (int mode = FOVEA_SEG_AUGMENT_NONE; mode <= FOVEA_SEG_AUGMENT_DOMAIN; mode++)
    {
      FoveaSegAugment aug;
      fovea_seg_augment_init (&aug, mode, P);
      fovea_seg_patch_make (&aug, train, 1, 7, 2, 5, a, ta, fa);
      fovea_seg_patch_make (&aug, train, 1, 7, 2, 5, b, tb, fb);
      g_assert_cmpmem (a, sizeof a, b, sizeof b);
      g_assert_cmpmem (ta, sizeof ta, tb, sizeof tb);
      g_assert_cmpmem (fa, sizeof fa, fb, sizeof fb);
      fovea_seg_patch_make (&aug, train, 1, 7, 2, 6, b, tb, fb);
      g_assert_true (memcmp (a, b, sizeof a) != 0);
    }

  /* Plain augmentation: where the mask says spot, the photograph is
   * bright (green above 0.8 before normalisation), elsewhere in the FOV
   * it is not; only the spots' rims may disagree (bilinear). */
  FoveaSegAugment aug;
  fovea_seg_augment_init (&aug, FOVEA_SEG_AUGMENT_PLAIN, P);
  int agree = 0, counted = 0, positives = 0;
  for (int index = 0; index < 16; index++)
    {
      fovea_seg_patch_make (&aug, train, 1, 3, 0, index, a, ta, fa);
      for (int i = 0; i < N; i++)
        {
          if (fa[i] == 0)
            continue;
          float green = a[N + i] * aug.std[1] + aug.mean[1];
          gboolean bright = green > 0.6f;
          agree += bright == (ta[i] > 0.5f);
          positives += ta[i] > 0.5f;
          counted++;
        }
    }
  g_test_message ("plain patches: image and mask agree on %d of %d FOV pixels (%d positive)",
                  agree, counted, positives);
  g_assert_cmpint (positives, >, counted / 50);
  g_assert_cmpfloat ((double) agree / counted, >, 0.97);
  fovea_test_rmdir (dir);
}

static char *
write_card (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "spots.card.json", NULL);
  const char *text =
    "{\"schema_version\": 1, \"name\": \"spots\", \"kind\": \"segmentation\", "
    "\"modality\": \"fundus\", \"labels\": [\"spots\"], \"colours\": [\"#ffffff\"], "
    "\"threshold\": 0.5, \"fov_diameter\": 88, "
    "\"provenance\": {\"training_data\": \"synthetic spots\"}, "
    "\"intended_use\": \"Tests.\", \"research_use_only\": true}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_steal_pointer (&path);
}

static char *
encoder_dir (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models",
                           "mobilenetv2-imagenet", NULL);
}

static double
card_metric (const char *card_path, const char *name)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_path, NULL));
  JsonObject *provenance = json_object_get_object_member (
    json_node_get_object (json_parser_get_root (parser)), "provenance");
  JsonArray *metrics = json_object_get_array_member (provenance, "metrics");
  for (guint i = 0; i < json_array_get_length (metrics); i++)
    {
      JsonObject *m = json_array_get_object_element (metrics, i);
      if (g_strcmp0 (json_object_get_string_member (m, "name"), name) == 0)
        return json_object_get_double_member (m, "value");
    }
  return NAN;
}

/* Two epochs of 64-pixel patches: the network finds the spots
 * (validation Dice above 0.5; an untrained one scores about 0.1, the
 * spots' share of the FOV), and a run interrupted after the first epoch
 * and resumed writes the same bytes. */
static gint64
card_detail (const char *card_path, const char *name)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, card_path, NULL));
  JsonObject *provenance = json_object_get_object_member (
    json_node_get_object (json_parser_get_root (parser)), "provenance");
  JsonObject *details = json_object_get_object_member (provenance, "training");
  g_assert_nonnull (details);
  return json_object_get_int_member_with_default (details, name, -1);
}

/* Early stopping: with a learning rate too small to change a weight, no
 * epoch beats the first, so patience 1 ends the run after the second of
 * four and writes the first; --f16 writes it in F16. */
static void
test_patience_stops_early (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_autofree char *card = write_card (dir);
  g_autofree char *encoder = encoder_dir ();
  g_autofree char *out = g_build_filename (dir, "patient", NULL);
  g_autoptr (GError) error = NULL;

  FoveaSegTrainerOptions o;
  fovea_seg_trainer_options_init (&o);
  o.init_dir = encoder;
  o.card_path = card;
  o.data_root = root;
  o.split_csv = split;
  o.out_dir = out;
  o.epochs = 4;
  o.patches = 8;
  o.batch = 4;
  o.patch = 64;
  o.lr = 1e-12;
  o.min_lr = 1e-12;
  o.augment = FOVEA_SEG_AUGMENT_NONE;
  o.select = FOVEA_SEG_SELECT_DICE;
  o.threads = 2;
  o.patience = 1;
  o.save_f16 = TRUE;
  gboolean ran = fovea_seg_trainer_run (&o, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ran);
  g_autofree char *card_out = g_build_filename (out, "task_card.json", NULL);
  g_assert_cmpint (card_detail (card_out, "best_epoch"), ==, 1);
  g_assert_cmpint (card_detail (card_out, "epochs_trained"), ==, 2);
  g_assert_cmpint (card_detail (card_out, "patience"), ==, 1);

  /* --f16: every tensor stored as F16, and the folder loads. */
  g_autofree char *weights = g_build_filename (out, "model.safetensors", NULL);
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fovea_safetensors_get_n_tensors (st), >, 100);
  for (guint i = 0; i < fovea_safetensors_get_n_tensors (st); i++)
    g_assert_cmpint (fovea_safetensors_get_nth (st, i)->dtype, ==, FOVEA_DTYPE_F16);
  g_autoptr (FoveaSeg) seg = fovea_seg_load (out, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (seg);
  g_autofree char *checkpoint = g_strconcat (out, ".checkpoint.safetensors", NULL);
  g_unlink (checkpoint);
  fovea_test_rmdir (dir);
}

static void
test_learns_and_resumes (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_autofree char *card = write_card (dir);
  g_autofree char *encoder = encoder_dir ();
  g_autofree char *whole = g_build_filename (dir, "whole", NULL);
  g_autofree char *resumed = g_build_filename (dir, "resumed", NULL);
  g_autoptr (GError) error = NULL;

  FoveaSegTrainerOptions o;
  fovea_seg_trainer_options_init (&o);
  o.init_dir = encoder;
  o.card_path = card;
  o.data_root = root;
  o.split_csv = split;
  o.out_dir = whole;
  o.epochs = 2;
  o.patches = 32;
  o.batch = 4;
  o.patch = 64;
  o.lr = 3e-3;
  o.warmup_epochs = 0.25;
  o.augment = FOVEA_SEG_AUGMENT_PLAIN;
  o.select = FOVEA_SEG_SELECT_DICE;
  o.threads = 2;
  gint64 start = g_get_monotonic_time ();
  g_assert_true (fovea_seg_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("two epochs in %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_autofree char *card_out = g_build_filename (whole, "task_card.json", NULL);
  double dice = card_metric (card_out, "dice_spots");
  g_test_message ("validation Dice %.3f, AP %.3f", dice, card_metric (card_out, "ap_spots"));
  g_assert_cmpfloat (dice, >, 0.5);

  o.out_dir = resumed;
  o.stop_after = 1;
  g_assert_false (fovea_seg_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  o.stop_after = 0;
  o.resume = TRUE;
  g_assert_true (fovea_seg_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *a_path = g_build_filename (whole, "model.safetensors", NULL);
  g_autofree char *b_path = g_build_filename (resumed, "model.safetensors", NULL);
  g_autofree char *a = NULL, *b = NULL;
  gsize a_len, b_len;
  g_assert_true (g_file_get_contents (a_path, &a, &a_len, NULL));
  g_assert_true (g_file_get_contents (b_path, &b, &b_len, NULL));
  g_assert_cmpmem (a, a_len, b, b_len);

  /* Held-out scoring through fovea-cli evaluate: recorded with its
   * bootstrap interval, once. */
  FoveaCliResult scored = fovea_test_run_cli ("evaluate", "--model", whole, "--data", root,
                                              "--split-file", split, "--held-out", "--record",
                                              "--bootstrap", "200", NULL);
  g_assert_cmpint (scored.status, ==, 0);
  g_assert_nonnull (strstr (scored.out, "dice_spots"));
  g_autoptr (FoveaTaskCard) recorded = fovea_task_card_load_file (card_out, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_task_card_is_validated (recorded));
  FoveaCliResult again = fovea_test_run_cli ("evaluate", "--model", whole, "--data", root,
                                             "--split-file", split, "--held-out", "--record",
                                             "--bootstrap", "200", NULL);
  g_assert_cmpint (again.status, ==, 1);
  fovea_test_cli_result_clear (&scored);
  fovea_test_cli_result_clear (&again);

  /* A checkpoint of other options is refused, not half-used. */
  o.seed = 99;
  o.out_dir = resumed;
  g_autofree char *checkpoint = g_strconcat (resumed, ".checkpoint.safetensors", NULL);
  g_assert_true (g_file_test (checkpoint, G_FILE_TEST_EXISTS));
  g_assert_false (fovea_seg_trainer_run (&o, NULL, NULL, NULL, &error));
  g_assert_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_CHECKPOINT);
  g_unlink (checkpoint);
  g_autofree char *other = g_strconcat (whole, ".checkpoint.safetensors", NULL);
  g_unlink (other);
  fovea_test_rmdir (dir);
}

static void
test_cli_errors (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *root = write_set (dir);
  g_autofree char *split = g_build_filename (root, "split.csv", NULL);
  g_autofree char *card = write_card (dir);
  g_autofree char *encoder = encoder_dir ();
  g_autofree char *out = g_build_filename (dir, "out", NULL);

  FoveaCliResult missing = fovea_test_run_cli ("train", "--model", encoder,
                                                        "--task-card", card, "--data", root,
                                                        "--out", out, NULL);
  g_assert_cmpint (missing.status, ==, 1);
  g_assert_nonnull (strstr (missing.err, "--split"));
  FoveaCliResult patch = fovea_test_run_cli ("train", "--model", encoder,
                                                      "--task-card", card, "--data", root,
                                                      "--split", split, "--out", out,
                                                      "--patch", "100", NULL);
  g_assert_cmpint (patch.status, ==, 1);
  g_assert_nonnull (strstr (patch.err, "multiple of 32"));
  FoveaCliResult augment = fovea_test_run_cli ("train", "--model", encoder,
                                                        "--task-card", card, "--data", root,
                                                        "--split", split, "--out", out,
                                                        "--augment", "wild", NULL);
  g_assert_cmpint (augment.status, ==, 1);
  g_assert_nonnull (strstr (augment.err, "--augment"));
  FoveaCliResult weights = fovea_test_run_cli ("train", "--model", encoder,
                                                        "--task-card", card, "--data", root,
                                                        "--split", split, "--out", out,
                                                        "--class-weights", "1,2", NULL);
  g_assert_cmpint (weights.status, ==, 1);
  g_assert_nonnull (strstr (weights.err, "--class-weights"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  fovea_test_cli_result_clear (&missing);
  fovea_test_cli_result_clear (&patch);
  fovea_test_cli_result_clear (&augment);
  fovea_test_cli_result_clear (&weights);
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seg-train/data/good", test_data_good);
  g_test_add_func ("/seg-train/data/malformed", test_data_malformed);
  g_test_add_func ("/seg-train/patches", test_patches);
  g_test_add_func ("/seg-train/learns-and-resumes", test_learns_and_resumes);
  g_test_add_func ("/seg-train/patience", test_patience_stops_early);
  g_test_add_func ("/seg-train/cli-errors", test_cli_errors);
  return g_test_run ();
}
