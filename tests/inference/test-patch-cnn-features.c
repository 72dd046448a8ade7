/* test-patch-cnn-features.c: PatchCore's CNN patch features (the bundled
 * MobileNetV2's blocks 6 and 13, 3 × 3 averaged, resized, concatenated)
 * against PyTorch's, from tests/scripts/make-patch-cnn-fixtures.py
 * (float64 from the same F16 weights): every feature within 1e-4 of the
 * largest |feature|. Also the refusals of stages a network lacks. */
#include <math.h>
#include <string.h>

#include "fovea-patch-cnn-features.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"

#define TOLERANCE_REL 1e-4

static FoveaCnn *
load_bundled_mobilenet (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources",
                                           "models", "mobilenetv2-imagenet", NULL);
  g_autoptr (GError) error = NULL;
  FoveaCnn *cnn = fovea_cnn_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  return cnn;
}

static void
test_matches_torch (void)
{
  g_autofree char *path = fovea_test_fixture_path ("patchcore/mobilenetv2-stages.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *pixels_view = fovea_safetensors_lookup (st, "pixels");
  const FoveaTensorView *expected_view = fovea_safetensors_lookup (st, "features");
  g_assert_nonnull (pixels_view);
  g_assert_nonnull (expected_view);
  int height = (int) pixels_view->shape[2], width = (int) pixels_view->shape[3];
  const float *pixels = fovea_safetensors_get_f32 (st, "pixels", 4, pixels_view->shape, &error);
  const float *expected = fovea_safetensors_get_f32 (st, "features", 3, expected_view->shape,
                                                     &error);
  g_assert_no_error (error);

  g_autoptr (FoveaCnn) cnn = load_bundled_mobilenet ();
  const int stages[] = { 6, 13 };
  g_autoptr (FoveaPatchCnnFeatures) features =
    fovea_patch_cnn_features_new (cnn, stages, 2, height, width, 1, &error);
  g_assert_no_error (error);
  int grid_h, grid_w;
  fovea_patch_cnn_features_get_grid (features, &grid_h, &grid_w);
  g_assert_cmpint (grid_h, ==, expected_view->shape[0]);
  g_assert_cmpint (grid_w, ==, expected_view->shape[1]);
  g_assert_cmpint (fovea_patch_cnn_features_get_dim (features), ==, 128);
  g_assert_cmpint (fovea_patch_cnn_features_get_dim (features), ==, expected_view->shape[2]);
  g_assert_cmpint (fovea_patch_cnn_features_get_stride (features), ==, 8);

  const float *got = fovea_patch_cnn_features_compute (features, pixels, &error);
  g_assert_no_error (error);
  gsize n = (gsize) grid_h * grid_w * 128;
  double largest = 0.0, worst = 0.0;
  for (gsize i = 0; i < n; i++)
    largest = MAX (largest, fabs (expected[i]));
  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) got[i] - expected[i]));
  g_test_message ("largest |feature| %.4g, worst difference %.3g", largest, worst);
  g_assert_cmpfloat (largest, >, 1.0);
  g_assert_cmpfloat (worst, <=, TOLERANCE_REL * largest);

  /* A second call on the same extractor gives the same features. */
  g_autofree float *first = g_memdup2 (got, n * sizeof (float));
  got = fovea_patch_cnn_features_compute (features, pixels, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (first, n * sizeof (float), got, n * sizeof (float));
}

static void
test_refuses_bad_stages (void)
{
  g_autoptr (FoveaCnn) cnn = load_bundled_mobilenet ();
  const int cases[][2] = { { 13, 6 }, { 6, 6 }, { 6, 19 }, { -1, 6 } };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaPatchCnnFeatures) features =
        fovea_patch_cnn_features_new (cnn, cases[i], 2, 64, 64, 1, &error);
      g_assert_null (features);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, "mobilenet_v2"));
    }
  g_autoptr (GError) error = NULL;
  const int five[] = { 1, 2, 3, 4, 5 };
  g_assert_null (fovea_patch_cnn_features_new (cnn, five, 5, 64, 64, 1, &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/patch-cnn-features/matches-torch", test_matches_torch);
  g_test_add_func ("/patch-cnn-features/refuses-bad-stages", test_refuses_bad_stages);
  return g_test_run ();
}
