/* test-engine-rollout.c: the engine façade (app/engine) gives attention
 * rollout only when asked, the logits either way, and the same rollout as
 * the torch reference (tests/fixtures/vit/cases/tiny-token.rollout.*,
 * torch_vit.attention_rollout). The rollout kernel itself is tested
 * against the engine alone in tests/inference/test-rollout.c. */
#include <math.h>
#include <string.h>

#include "fovea-engine.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"

#define TOLERANCE_REL 1e-4

static const float *
fixture_f32 (FoveaSafetensors **out_st, const char *file, const char *name)
{
  g_autofree char *relative = g_build_filename ("vit", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  *out_st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  const FoveaTensorView *view = fovea_safetensors_lookup (*out_st, name);
  g_assert_nonnull (view);
  const float *data = fovea_safetensors_get_f32 (*out_st, name, view->n_dims, view->shape, &error);
  g_assert_no_error (error);
  return data;
}

static void
test_engine_rollout (void)
{
  g_autoptr (FoveaSafetensors) st = NULL;
  g_autoptr (FoveaSafetensors) reference = NULL;
  const float *pixels = fixture_f32 (&st, "tiny-token.safetensors", "pixel_values");
  const float *want = fixture_f32 (&reference, "tiny-token.rollout.safetensors", "rollout");
  g_autofree char *relative = g_build_filename ("vit", "models", "tiny-token", NULL);
  g_autofree char *dir = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (dir, 2, &error);
  g_assert_no_error (error);

  g_autoptr (FoveaEngineOutput) plain = fovea_engine_run_tensor (engine, 0, pixels, 2, 32, 32,
                                                                 &error);
  g_assert_no_error (error);
  g_assert_null (plain->rollout);

  fovea_engine_set_rollout (engine, TRUE);
  g_autoptr (FoveaEngineOutput) explained = fovea_engine_run_tensor (engine, 0, pixels, 2, 32, 32,
                                                                     &error);
  g_assert_no_error (error);
  g_assert_nonnull (explained->rollout);
  g_assert_cmpint (explained->grid_h, ==, 4);
  g_assert_cmpint (explained->grid_w, ==, 4);
  /* The reference spans 0..1, so the absolute error is the relative one. */
  double worst = 0.0;
  for (int i = 0; i < 2 * 16; i++)
    worst = MAX (worst, fabs ((double) explained->rollout[i] - want[i]));
  g_test_message ("engine rollout: relative error %.3g", worst);
  g_assert_cmpfloat (worst, <=, TOLERANCE_REL);
  for (int i = 0; i < 2 * plain->n_outputs; i++)
    g_assert_cmpfloat_with_epsilon (explained->logits[i], plain->logits[i], 1e-5);
}

/* Pixels that drive the logits to NaN give an error naming the task and
 * the image, never a result: softmax and argmax would still call NaN the
 * first class ("No DR"). */
static void
test_engine_non_finite_logits (void)
{
  g_autofree char *relative = g_build_filename ("vit", "models", "tiny-token", NULL);
  g_autofree char *dir = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaEngine) engine = fovea_engine_new (dir, 2, &error);
  g_assert_no_error (error);
  gsize n = (gsize) 2 * 3 * 32 * 32;
  g_autofree float *pixels = g_new0 (float, n);
  g_autoptr (FoveaEngineOutput) fine = fovea_engine_run_tensor (engine, 0, pixels, 2, 32, 32,
                                                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (fine);

  pixels[n - 1] = NAN;   /* in the second image */
  FoveaEngineOutput *broken = fovea_engine_run_tensor (engine, 0, pixels, 2, 32, 32, &error);
  g_assert_null (broken);
  g_assert_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "non-finite"));
  g_assert_nonnull (strstr (error->message, "image 2 of 2"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/rollout", test_engine_rollout);
  g_test_add_func ("/engine/non-finite-logits", test_engine_non_finite_logits);
  return g_test_run ();
}
