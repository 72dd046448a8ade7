/* test-anomaly.c: anomaly maps on synthetic fundus photographs. A bank is
 * built from normal discs (each shifted a little, so the texture differs),
 * a dark-red haemorrhage-like blob is pasted into a held-out one at a known
 * place, and the map must peak on it, score above the clean image, have
 * the image's size and be 0 outside the field of view; on a ViT (the
 * tiny-token fixture, block 0) and on a CNN (the bundled ImageNet
 * MobileNetV2, stages 6 and 13). A saved bank fits its own backbone only. */
#include <math.h>
#include <string.h>

#include "fovea-anomaly.h"
#include "fovea-test-common.h"

#define SIZE 176
#define INPUT 128  /* 16 × 16 patches of 8 pixels (the ViT fixture's patch, the CNN's stride) */

typedef struct {
  double cx, cy, r;
} Disc;

static const Disc normal_discs[] = {
  { 88, 88, 78 }, { 84, 90, 76 }, { 92, 86, 79 }, { 87, 92, 77 }, { 90, 84, 80 },
  { 85, 86, 78 },
};
static const Disc held_out = { 89, 89, 77 };

/* A soft dark-red disc, like a blot haemorrhage. */
static void
paste_blob (FoveaImage *image, double bx, double by, double radius)
{
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = fovea_image_row (image, y);
      for (int x = 0; x < image->width; x++)
        {
          double d = hypot (x + 0.5 - bx, y + 0.5 - by);
          double a = CLAMP (radius + 1.0 - d, 0.0, 1.0);
          static const double colour[3] = { 95, 18, 12 };
          for (int c = 0; c < 3; c++)
            row[3 * x + c] = (guint8) lround ((1 - a) * row[3 * x + c] + a * colour[c]);
        }
    }
}

static char *
vit_model (void)
{
  return fovea_test_fixture_path ("vit/models/tiny-token");
}

static char *
cnn_model (void)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources", "models",
                           "mobilenetv2-imagenet", NULL);
}

static FoveaAnomaly *
new_detector_for (const char *model)
{
  FoveaAnomalyOptions options;
  fovea_anomaly_options_init (&options);
  options.model_dir = model;
  options.layer = 0;
  options.input_size = INPUT;
  options.modality = FOVEA_MODALITY_FUNDUS;
  options.n_threads = 1;
  g_autoptr (GError) error = NULL;
  FoveaAnomaly *anomaly = fovea_anomaly_new (&options, &error);
  g_assert_no_error (error);
  return anomaly;
}

static FoveaAnomaly *
new_detector (void)
{
  g_autofree char *model = vit_model ();
  return new_detector_for (model);
}

static void
build_bank (FoveaAnomaly *anomaly)
{
  int n = G_N_ELEMENTS (normal_discs);
  g_autoptr (GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_image_free);
  const char *names[G_N_ELEMENTS (normal_discs)];
  for (int i = 0; i < n; i++)
    {
      const Disc *d = &normal_discs[i];
      g_ptr_array_add (images, fovea_test_synthetic_fundus (SIZE, SIZE, d->cx, d->cy, d->r));
      names[i] = "synthetic.png";
    }
  FoveaAnomalyBankOptions options;
  fovea_anomaly_bank_options_init (&options);
  options.coreset_ratio = 0.25;
  options.projection_dim = 0;
  g_autoptr (GError) error = NULL;
  const FoveaPatchBank *bank = fovea_anomaly_build_bank_from_images (
    anomaly, (const FoveaImage *const *) images->pdata, names, n, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bank);
  g_assert_cmpint (bank->n, ==, (int) ceil (0.25 * n * (INPUT / 8) * (INPUT / 8)));
  g_assert_cmpint (bank->n_normal_scores, ==, n);
  g_assert_true (isfinite (bank->card.normal_score_max));
  if (bank->card.backbone_kind == FOVEA_PATCH_BACKBONE_VIT)
    g_assert_cmpint (bank->card.layer, ==, 0);
  else
    {
      g_assert_cmpint (bank->card.n_stages, ==, 2);
      g_assert_cmpint (bank->dim, ==, 32 + 96);
    }
  g_assert_true (bank->card.fundus_crop);
}

static void
check_blob_found (const char *model)
{
  g_autoptr (FoveaAnomaly) anomaly = new_detector_for (model);
  build_bank (anomaly);
  g_autoptr (GError) error = NULL;

  g_autoptr (FoveaImage) clean = fovea_test_synthetic_fundus (SIZE, SIZE, held_out.cx,
                                                             held_out.cy, held_out.r);
  g_autoptr (FoveaImage) lesion = fovea_image_copy (clean);
  double bx = held_out.cx + 30, by = held_out.cy - 22, radius = 7;
  paste_blob (lesion, bx, by, radius);

  g_autoptr (FoveaAnomalyMap) clean_map = fovea_anomaly_compute (anomaly, clean, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaAnomalyMap) map = fovea_anomaly_compute (anomaly, lesion, &error);
  g_assert_no_error (error);

  /* The image's own size. */
  g_assert_cmpint (map->width, ==, SIZE);
  g_assert_cmpint (map->height, ==, SIZE);

  /* The peak on the blob: within its radius plus one patch (an input
   * patch of 8 pixels is 8 · 2r / INPUT image pixels). */
  double patch = 8.0 * 2 * held_out.r / INPUT;
  double off = hypot (map->peak_x + 0.5 - bx, map->peak_y + 0.5 - by);
  g_test_message ("peak (%d, %d), %.1f px from the blob; score %.4g vs clean %.4g "
                  "(normal max %.4g)", map->peak_x, map->peak_y, off, map->score,
                  clean_map->score, fovea_anomaly_get_bank (anomaly)->card.normal_score_max);
  g_assert_cmpfloat (off, <=, radius + patch);
  g_assert_cmpfloat (map->score, >, clean_map->score);
  /* And the map there stands out from the rest of the disc. */
  g_assert_cmpfloat (map->score, >, 1.5 * clean_map->score);

  /* 0 outside the field of view: everything beyond the disc's edge (a
   * pixel's margin for the mask's rounding). */
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      if (hypot (x + 0.5 - held_out.cx, y + 0.5 - held_out.cy) > held_out.r + 1.5)
        g_assert_cmpfloat (map->map[(gsize) y * SIZE + x], ==, 0.0f);
  /* Inside, it is positive (distances, smoothed). */
  g_assert_cmpfloat (map->map[(gsize) 88 * SIZE + 88], >, 0.0f);
}

static void
test_blob_found (void)
{
  g_autofree char *model = vit_model ();
  check_blob_found (model);
}

static void
test_blob_found_cnn (void)
{
  g_autofree char *model = cnn_model ();
  check_blob_found (model);
}

static void
test_needs_bank (void)
{
  g_autoptr (FoveaAnomaly) anomaly = new_detector ();
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (64, 64, 32, 32, 28);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaAnomalyMap) map = fovea_anomaly_compute (anomaly, image, &error);
  g_assert_null (map);
  g_assert_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT);
}

/* A saved bank is refused by another backbone (other weights, or the
 * other kind), and accepted (with the same scores) by its own. */
static void
check_bank_for_backbone (const char *own, const char *other, const char *other_kind)
{
  g_autoptr (FoveaAnomaly) anomaly = new_detector_for (own);
  build_bank (anomaly);
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "bank.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_patch_bank_save (fovea_anomaly_get_bank (anomaly), path, &error));
  g_autoptr (FoveaImage) image = fovea_test_synthetic_fundus (SIZE, SIZE, 90, 87, 78);
  g_autoptr (FoveaAnomalyMap) before = fovea_anomaly_compute (anomaly, image, &error);
  g_assert_no_error (error);

  g_autoptr (FoveaAnomaly) again = fovea_anomaly_new_for_bank (
    own, NULL, fovea_patch_bank_load (path, &error), 1, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaAnomalyMap) after = fovea_anomaly_compute (again, image, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (after->score, ==, before->score);
  g_assert_cmpint (after->peak_x, ==, before->peak_x);

  g_autoptr (FoveaAnomaly) wrong = fovea_anomaly_new_for_bank (
    other, NULL, fovea_patch_bank_load (path, &error), 1, &error);
  g_assert_null (wrong);
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  g_autoptr (FoveaAnomaly) wrong_kind = fovea_anomaly_new_for_bank (
    other_kind, NULL, fovea_patch_bank_load (path, &error), 1, &error);
  g_assert_null (wrong_kind);
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_test_message ("%s", error->message);
  fovea_test_rmdir (dir);
}

static void
test_bank_for_backbone (void)
{
  g_autofree char *own = vit_model ();
  g_autofree char *other = fovea_test_fixture_path ("vit/models/h12-avg");
  g_autofree char *cnn = cnn_model ();
  check_bank_for_backbone (own, other, cnn);
}

/* The other weights: the bundled fundus MobileNetV2 (same architecture). */
static void
test_bank_for_backbone_cnn (void)
{
  g_autofree char *own = cnn_model ();
  g_autofree char *other = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources",
                                             "models", "fundus-mobilenetv2", NULL);
  g_autofree char *vit = vit_model ();
  check_bank_for_backbone (own, other, vit);
}

/* A CNN takes no adapter here (yet), and says so. */
static void
test_cnn_refuses_adapter (void)
{
  g_autofree char *model = cnn_model ();
  FoveaAnomalyOptions options;
  fovea_anomaly_options_init (&options);
  options.model_dir = model;
  options.adapter_path = model;
  options.input_size = INPUT;
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaAnomaly) anomaly = fovea_anomaly_new (&options, &error);
  g_assert_null (anomaly);
  g_assert_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "adapter"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/anomaly/blob-found", test_blob_found);
  g_test_add_func ("/anomaly/needs-bank", test_needs_bank);
  g_test_add_func ("/anomaly/bank-for-backbone", test_bank_for_backbone);
  g_test_add_func ("/anomaly/cnn/blob-found", test_blob_found_cnn);
  g_test_add_func ("/anomaly/cnn/bank-for-backbone", test_bank_for_backbone_cnn);
  g_test_add_func ("/anomaly/cnn/refuses-adapter", test_cnn_refuses_adapter);
  return g_test_run ();
}
