/* test-rollout.c: attention rollout and putting input-space maps back onto
 * the image.
 *
 * The rollout of the ViT fixtures' forward passes must match the torch
 * reference (cases/NAME.rollout.safetensors, torch_vit.attention_rollout)
 * within 1e-4 relative (through the engine façade:
 * tests/app/test-engine-rollout.c). The geometry is
 * checked against real preprocessing (a marker drawn into the image must
 * land where the geometry says), then a single hot patch must come back
 * onto the right spot of a non-square image whose FOV is off-centre, for
 * the fundus crop and for timm's resize + centre crop, with 0 outside the
 * FOV and outside the crop. */
#include <math.h>
#include <string.h>

#include "fovea-input-map.h"
#include "fovea-rollout.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"

#define TOLERANCE_REL 1e-4

/* The synthetic fundus: wider than high, the disc right of centre. */
#define IMAGE_W 360
#define IMAGE_H 240
#define DISC_X 220.0
#define DISC_Y 110.0
#define DISC_R 100.0

typedef struct {
  const char *name;
  const char *model;
} RolloutCase;

static const RolloutCase rollout_cases[] = {
  { "tiny-token", "tiny-token" },        /* class-token pooling */
  { "h12-avg", "h12-avg" },              /* avg pooling, class and register tokens */
  { "f16-weights", "f16-weights" },      /* no class token */
  { "tiny-token-48", "tiny-token" },     /* a larger grid */
};

static FoveaSafetensors *
open_fixture (const char *file)
{
  g_autofree char *relative = g_build_filename ("vit", "cases", file, NULL);
  g_autofree char *path = fovea_test_fixture_path (relative);
  g_autoptr (GError) error = NULL;
  FoveaSafetensors *st = fovea_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

static const float *
tensor (FoveaSafetensors *st, const char *name, const FoveaTensorView **out_view)
{
  const FoveaTensorView *view = fovea_safetensors_lookup (st, name);
  g_assert_nonnull (view);
  g_autoptr (GError) error = NULL;
  const float *data = fovea_safetensors_get_f32 (st, name, view->n_dims, view->shape, &error);
  g_assert_no_error (error);
  *out_view = view;
  return data;
}

static char *
model_dir (const char *model)
{
  g_autofree char *relative = g_build_filename ("vit", "models", model, NULL);
  return fovea_test_fixture_path (relative);
}

/* max |got − want| / max |want|: the reference spans 0..1. */
static void
assert_rollout_close (const float *got, const float *want, gsize n)
{
  double worst = 0.0, lo = want[0], hi = want[0];
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (got[i] >= 0.0f && got[i] <= 1.0f);
      worst = MAX (worst, fabs ((double) got[i] - want[i]));
      lo = MIN (lo, want[i]);
      hi = MAX (hi, want[i]);
    }
  /* Not a flat map, which would hide a wrong order or a wrong row. */
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 1.0);
  g_test_message ("rollout: relative error %.3g", worst);
  g_assert_cmpfloat (worst, <=, TOLERANCE_REL);
}

static void
test_parity (gconstpointer data)
{
  const RolloutCase *c = data;
  g_autofree char *case_file = g_strconcat (c->name, ".safetensors", NULL);
  g_autofree char *rollout_file = g_strconcat (c->name, ".rollout.safetensors", NULL);
  g_autoptr (FoveaSafetensors) st = open_fixture (case_file);
  g_autoptr (FoveaSafetensors) reference = open_fixture (rollout_file);
  const FoveaTensorView *pixels_view, *want_view;
  const float *pixels = tensor (st, "pixel_values", &pixels_view);
  const float *want = tensor (reference, "rollout", &want_view);
  int batch = (int) pixels_view->shape[0];
  int height = (int) pixels_view->shape[2], width = (int) pixels_view->shape[3];

  g_autofree char *dir = model_dir (c->model);
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, batch, height, width,
                                                   FOVEA_VIT_OUTPUT_ATTENTION, 2, &error);
  g_assert_no_error (error);
  g_assert_true (fovea_vit_forward (run, pixels, batch, NULL, &error));

  int grid_h, grid_w;
  int cells = fovea_vit_run_get_grid (run, &grid_h, &grid_w);
  g_assert_cmpint (want_view->shape[1], ==, grid_h);
  g_assert_cmpint (want_view->shape[2], ==, grid_w);
  g_autofree float *got = g_new (float, cells);
  for (int b = 0; b < batch; b++)
    {
      g_assert_true (fovea_rollout_compute (run, b, got, &error));
      g_assert_no_error (error);
      assert_rollout_close (got, want + (gsize) b * cells, cells);
    }
}

static void
test_refused (void)
{
  g_autoptr (FoveaSafetensors) st = open_fixture ("tiny-token.safetensors");
  const FoveaTensorView *view;
  const float *pixels = tensor (st, "pixel_values", &view);
  g_autofree char *dir = model_dir ("tiny-token");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaVit) vit = fovea_vit_load (dir, &error);
  g_assert_no_error (error);
  float out[16];

  g_autoptr (FoveaVitRun) bare = fovea_vit_run_new (vit, 1, 32, 32, FOVEA_VIT_OUTPUT_LOGITS, 1,
                                                    &error);
  g_assert_true (fovea_vit_forward (bare, pixels, 1, NULL, &error));
  g_assert_false (fovea_rollout_compute (bare, 0, out, &error));
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);

  g_autoptr (FoveaVitRun) run = fovea_vit_run_new (vit, 2, 32, 32, FOVEA_VIT_OUTPUT_ATTENTION, 1,
                                                   &error);
  g_assert_false (fovea_rollout_compute (run, 0, out, &error));  /* no forward yet */
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_true (fovea_vit_forward (run, pixels, 1, NULL, &error));
  g_assert_false (fovea_rollout_compute (run, 1, out, &error));  /* batch was 1 */
  g_assert_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_INPUT);
}

/* A preprocessing route, on a 16-pixel patch grid. */
typedef struct {
  const char *name;
  gboolean    fundus_crop;
  int         height, width;
} Route;

static const Route routes[] = {
  { "fundus", TRUE, 64, 64 },
  { "eval-square", FALSE, 64, 64 },        /* torchvision's Resize(int) */
  { "eval-48x64", FALSE, 48, 64 },         /* timm's ResizeKeepRatio */
};

static void
route_preprocess (const Route *route, FoveaPreprocess *pre)
{
  *pre = (FoveaPreprocess) {
    .fundus_crop = route->fundus_crop, .height = route->height, .width = route->width,
    .interpolation = FOVEA_RESIZE_BILINEAR, .crop_pct = 0.875,
    .mean = { 0, 0, 0 }, .std = { 1, 1, 1 },
  };
}

static FoveaImage *
make_fundus (void)
{
  return fovea_test_synthetic_fundus (IMAGE_W, IMAGE_H, DISC_X, DISC_Y, DISC_R);
}

static void
init_geometry (const Route *route, const FoveaImage *image, FoveaInputGeometry *geometry)
{
  FoveaPreprocess pre;
  FoveaFov fov;
  route_preprocess (route, &pre);
  fovea_fov_detect (image, &fov);
  g_assert_true (fov.found);
  fovea_input_geometry_init (geometry, &pre, image->width, image->height, &fov);
}

/* A 6 × 6 blue square at (x, y) lands, in the preprocessed input, where
 * the geometry puts its centre. */
static void
test_geometry (gconstpointer data)
{
  const Route *route = data;
  g_autoptr (FoveaImage) image = make_fundus ();
  const int mx = 180, my = 80, side = 6;
  FoveaInputGeometry g;
  init_geometry (route, image, &g);
  for (int y = my; y < my + side; y++)
    for (int x = mx; x < mx + side; x++)
      memcpy (fovea_image_row (image, y) + 3 * x, (guint8[]) { 0, 0, 255 }, 3);

  FoveaPreprocess pre;
  route_preprocess (route, &pre);
  gsize plane = (gsize) pre.width * pre.height;
  g_autofree float *input = g_new (float, 3 * plane);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_preprocess_image (&pre, image, input, &error));

  /* The centroid of blue well above the disc's own. */
  double sum = 0, sum_u = 0, sum_v = 0;
  for (int v = 0; v < pre.height; v++)
    for (int u = 0; u < pre.width; u++)
      {
        double w = MAX (0.0, input[2 * plane + (gsize) v * pre.width + u] - 0.4);
        sum += w;
        sum_u += w * (u + 0.5);
        sum_v += w * (v + 0.5);
      }
  g_assert_cmpfloat (sum, >, 0.0);
  double want_u = (mx + side / 2.0) * g.scale_x + g.offset_x;
  double want_v = (my + side / 2.0) * g.scale_y + g.offset_y;
  g_test_message ("%s: marker at (%.2f, %.2f), geometry says (%.2f, %.2f)", route->name,
                  sum_u / sum, sum_v / sum, want_u, want_v);
  g_assert_cmpfloat (fabs (sum_u / sum - want_u), <, 0.5);
  g_assert_cmpfloat (fabs (sum_v / sum - want_v), <, 0.5);
}

/* A patch grid that is 1 in one patch and 0 elsewhere, mapped back: the
 * patch's centre is hot, other patches' centres and the outside of the FOV
 * and of the crop are 0. Checked at full size and scaled down. */
static void
test_hot_patch (gconstpointer data)
{
  const Route *route = data;
  g_autoptr (FoveaImage) image = make_fundus ();
  FoveaPreprocess pre;
  route_preprocess (route, &pre);
  FoveaInputGeometry g;
  init_geometry (route, image, &g);
  int rows = pre.height / 16, cols = pre.width / 16, hot_row = 1, hot_col = 2;
  g_autofree float *grid = g_new0 (float, rows * cols);
  grid[hot_row * cols + hot_col] = 1.0f;

  for (int max_side = 0; max_side <= 90; max_side += 90)
    {
      int width, height;
      g_autoptr (GError) error = NULL;
      g_autofree float *map = fovea_input_map_to_image (&pre, image, grid, rows, cols, max_side,
                                                        &width, &height, &error);
      g_assert_no_error (error);
      double shrink = max_side > 0 ? (double) max_side / IMAGE_W : 1.0;
      g_assert_cmpint (width, ==, (int) round (IMAGE_W * shrink));
      g_assert_cmpint (height, ==, (int) round (IMAGE_H * shrink));

      /* Where each cell's centre lies on the (scaled) image. */
      double sum = 0, sum_x = 0, sum_y = 0;
      for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
          {
            float value = map[(gsize) y * width + x];
            double ix = (x + 0.5) / shrink, iy = (y + 0.5) / shrink;
            double u = ix * g.scale_x + g.offset_x, v = iy * g.scale_y + g.offset_y;
            gboolean in_input = u >= 0 && u < pre.width && v >= 0 && v < pre.height;
            if (hypot (ix - DISC_X, iy - DISC_Y) > DISC_R + 2 / shrink || !in_input)
              g_assert_cmpfloat (value, ==, 0.0f);
            g_assert_true (value >= 0.0f && value <= 1.0f);
            if (value > 0.5f)
              {
                sum += value;
                sum_x += value * ix;
                sum_y += value * iy;
              }
          }
      double want_x = ((hot_col + 0.5) * 16 - g.offset_x) / g.scale_x;
      double want_y = ((hot_row + 0.5) * 16 - g.offset_y) / g.scale_y;
      g_test_message ("%s, %d×%d: hot patch at (%.1f, %.1f), want (%.1f, %.1f)", route->name,
                      width, height, sum_x / sum, sum_y / sum, want_x, want_y);
      g_assert_cmpfloat (hypot (sum_x / sum - want_x, sum_y / sum - want_y), <, 2.0 / shrink);
      int cx = (int) (want_x * shrink), cy = (int) (want_y * shrink);
      g_assert_cmpfloat (map[(gsize) cy * width + cx], >, 0.8f);
      /* The centre of the patch two columns left is cold. */
      int ox = (int) ((((hot_col - 2) + 0.5) * 16 - g.offset_x) / g.scale_x * shrink);
      g_assert_cmpfloat (map[(gsize) cy * width + ox], ==, 0.0f);
    }
}

/* The timm route at 64×64 sees x in about [73, 284): the right of the
 * disc, inside the FOV, is outside the crop and must be 0. */
static void
test_outside_crop (void)
{
  g_autoptr (FoveaImage) image = make_fundus ();
  FoveaPreprocess pre;
  route_preprocess (&routes[1], &pre);
  float grid[16];
  for (int i = 0; i < 16; i++)
    grid[i] = 1.0f;
  int width, height;
  g_autoptr (GError) error = NULL;
  g_autofree float *map = fovea_input_map_to_image (&pre, image, grid, 4, 4, 0,
                                                    &width, &height, &error);
  g_assert_no_error (error);
  int y = (int) DISC_Y;
  g_assert_cmpfloat (map[(gsize) y * width + 250], ==, 1.0f);
  g_assert_cmpfloat (map[(gsize) y * width + 300], ==, 0.0f);
  g_assert_cmpfloat (map[(gsize) y * width + 30], ==, 0.0f);  /* outside the FOV */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rollout_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/rollout/parity/%s", rollout_cases[i].name);
      g_test_add_data_func (path, &rollout_cases[i], test_parity);
    }
  g_test_add_func ("/rollout/refused", test_refused);
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *geometry = g_strdup_printf ("/input-map/geometry/%s", routes[i].name);
      g_autofree char *hot = g_strdup_printf ("/input-map/hot-patch/%s", routes[i].name);
      g_test_add_data_func (geometry, &routes[i], test_geometry);
      g_test_add_data_func (hot, &routes[i], test_hot_patch);
    }
  g_test_add_func ("/input-map/outside-crop", test_outside_crop);
  return g_test_run ();
}
