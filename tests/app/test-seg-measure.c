/* test-seg-measure.c: segmentation measurements on synthetic masks with
 * known answers: components, the optic disc, the fovea estimated from it,
 * lesions near and far from it, vessel density, fractal dimension and
 * tortuosity. */
#define G_LOG_DOMAIN "test-seg-measure"

#include <math.h>
#include <string.h>

#include "fovea-seg-components.h"
#include "fovea-seg-measure.h"
#include "fovea-seg-vessels.h"

#define W 512
#define H 512

static void
draw_disc (guint8 *mask, int width, int height, double cx, double cy, double r)
{
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (hypot (x + 0.5 - cx, y + 0.5 - cy) <= r)
        mask[(gsize) y * width + x] = 1;
}

/* A thick line: pixels within half_width of the segment (x0, y0)–(x1, y1). */
static void
draw_line (guint8 *mask, double x0, double y0, double x1, double y1, double half_width)
{
  double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        double px = x + 0.5, py = y + 0.5;
        double t = CLAMP (((px - x0) * dx + (py - y0) * dy) / len2, 0.0, 1.0);
        if (hypot (px - (x0 + t * dx), py - (y0 + t * dy)) <= half_width)
          mask[(gsize) y * W + x] = 1;
      }
}

/* A byte mask as a 16-bit probability map (65535 where set). */
static FoveaImage *
map_from_mask (const guint8 *mask)
{
  FoveaImage *map = fovea_image_new (W, H, 1, 16, NULL);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      fovea_image_row16 (map, y)[x] = mask[(gsize) y * W + x] ? 65535 : 0;
  return map;
}

static void
test_components_two_blobs (void)
{
  g_autofree guint8 *mask = g_new0 (guint8, W * H);
  draw_disc (mask, W, H, 100, 100, 10);
  draw_disc (mask, W, H, 300, 300, 20);
  /* Diagonal neighbours join: 8-connectivity. */
  mask[10 * W + 10] = mask[11 * W + 11] = 1;
  g_autoptr (FoveaSegComponents) parts = fovea_seg_components_new (mask, W, H);
  g_assert_cmpint (parts->n_components, ==, 3);
  int largest = fovea_seg_components_largest (parts);
  g_assert_cmpfloat_with_epsilon (parts->components[largest].cx, 300, 1e-9);
  g_assert_cmpfloat_with_epsilon (parts->components[largest].cy, 300, 1e-9);
  g_assert_cmpint (parts->components[0].area, ==, 2);
}

static void
test_disc_centred (void)
{
  /* FOV: the whole frame; a disc of radius 40 at its centre. */
  g_autofree guint8 *fov_mask = g_new (guint8, W * H);
  memset (fov_mask, 1, W * H);
  FoveaFov fov = { .found = FALSE, .cx = W / 2.0, .cy = H / 2.0, .r = W / 2.0 };
  g_autofree guint8 *disc = g_new0 (guint8, W * H);
  draw_disc (disc, W, H, 256, 256, 40);
  g_autoptr (FoveaImage) map = map_from_mask (disc);
  const FoveaImage *maps[] = { map };
  const char *labels[] = { "optic_disc" };
  double thresholds[] = { 0.5 };
  g_autoptr (FoveaSegMeasures) m = fovea_seg_measure_maps (maps, labels, thresholds, 1, fov_mask,
                                                           &fov);
  g_assert_true (m->has_disc);
  g_assert_cmpint (m->labels[0].count, ==, 1);
  /* The digital disc's area is within 0.5 % of π r². */
  g_assert_cmpfloat (fabs (m->labels[0].area - G_PI * 40 * 40) / (G_PI * 40 * 40), <, 0.005);
  g_assert_cmpfloat_with_epsilon (m->labels[0].area_percent, 100.0 * m->labels[0].area / (W * H),
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (m->disc_diameter, 80, 0.3);
  g_assert_cmpfloat_with_epsilon (m->disc_cx, 256, 1e-9);
  g_assert_cmpfloat_with_epsilon (m->disc_cy, 256, 1e-9);
  g_assert_true (m->disc_centred);
  g_assert_false (m->has_fovea);
}

/* A macula-centred photograph: the disc 175 px left of the FOV's centre
 * (0.7 of its radius); the fovea 2.5 disc diameters (100 px) right of the
 * disc. A haemorrhage 30 px from it is near; exudates 100 px away are
 * not; a label that is no lesion has no such flag. */
static void
test_fovea_and_lesions (void)
{
  FoveaFov fov = { .found = TRUE, .cx = 256, .cy = 256, .r = 250 };
  g_autofree guint8 *fov_mask = g_new0 (guint8, W * H);
  draw_disc (fov_mask, W, H, 256, 256, 250);
  g_autofree guint8 *disc = g_new0 (guint8, W * H);
  draw_disc (disc, W, H, 81, 256, 20);
  g_autofree guint8 *haem = g_new0 (guint8, W * H);
  draw_disc (haem, W, H, 211, 256, 5);
  g_autofree guint8 *exudates = g_new0 (guint8, W * H);
  draw_disc (exudates, W, H, 281, 256, 4);
  draw_disc (exudates, W, H, 181, 356, 4);
  g_autofree guint8 *none = g_new0 (guint8, W * H);
  g_autoptr (FoveaImage) m0 = map_from_mask (disc);
  g_autoptr (FoveaImage) m1 = map_from_mask (haem);
  g_autoptr (FoveaImage) m2 = map_from_mask (exudates);
  g_autoptr (FoveaImage) m3 = map_from_mask (none);
  const FoveaImage *maps[] = { m0, m1, m2, m3 };
  const char *labels[] = { "optic_disc", "haemorrhages", "hard_exudates", "microaneurysms" };
  double thresholds[] = { 0.5, 0.5, 0.5, 0.5 };
  g_autoptr (FoveaSegMeasures) m = fovea_seg_measure_maps (maps, labels, thresholds, 4, fov_mask,
                                                           &fov);
  g_assert_true (m->has_disc);
  g_assert_false (m->disc_centred);
  g_assert_cmpfloat_with_epsilon (m->disc_diameter, 40, 0.3);
  g_assert_true (m->has_fovea);
  g_assert_cmpfloat_with_epsilon (m->fovea_x, 81 + 2.5 * m->disc_diameter, 1e-6);
  g_assert_cmpfloat_with_epsilon (m->fovea_y, 256, 1e-6);
  g_assert_cmpint (m->labels[1].near_fovea, ==, 1);
  g_assert_cmpint (m->labels[2].count, ==, 2);
  g_assert_cmpint (m->labels[2].near_fovea, ==, 0);
  g_assert_false (m->labels[3].macular);
  g_assert_cmpint (m->labels[3].count, ==, 0);
  g_assert_cmpint (m->labels[3].near_fovea, ==, -1);

  /* Thresholds apply: at 0.6 a map of 0.55 everywhere is empty. */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      fovea_image_row16 (m3, y)[x] = 36044;  /* 0.55 */
  thresholds[3] = 0.6;
  g_autoptr (FoveaSegMeasures) high = fovea_seg_measure_maps (maps, labels, thresholds, 4,
                                                              fov_mask, &fov);
  g_assert_cmpint (high->labels[3].area, ==, 0);
  thresholds[3] = 0.5;
  g_autoptr (FoveaSegMeasures) low = fovea_seg_measure_maps (maps, labels, thresholds, 4,
                                                             fov_mask, &fov);
  /* Only inside the FOV. */
  g_assert_cmpint (low->labels[3].area, ==, low->fov_pixels);
  g_assert_cmpint (low->labels[3].count, ==, 1);
}

static void
test_fractal_dimension (void)
{
  g_autofree guint8 *square = g_new0 (guint8, W * H);
  for (int y = 128; y < 384; y++)
    memset (square + y * W + 128, 1, 256);
  g_assert_cmpfloat_with_epsilon (fovea_seg_fractal_dimension (square, W, H), 2.0, 1e-9);

  g_autofree guint8 *line = g_new0 (guint8, W * H);
  memset (line + 200 * W, 1, W);
  g_assert_cmpfloat_with_epsilon (fovea_seg_fractal_dimension (line, W, H), 1.0, 1e-9);
  /* A line off the grid: the largest boxes overcount its ends a little. */
  memset (line + 200 * W, 0, W);
  memset (line + 200 * W + 56, 1, 400);
  g_assert_cmpfloat_with_epsilon (fovea_seg_fractal_dimension (line, W, H), 1.0, 0.1);

  g_autofree guint8 *empty = g_new0 (guint8, W * H);
  g_assert_true (isnan (fovea_seg_fractal_dimension (empty, W, H)));
}

static void
test_skeleton_thin (void)
{
  g_autofree guint8 *mask = g_new0 (guint8, W * H);
  draw_line (mask, 50, 100.5, 450, 100.5, 3);
  fovea_seg_skeletonise (mask, W, H);
  /* One pixel wide: each column crossed once. */
  for (int x = 80; x < 420; x++)
    {
      int n = 0;
      for (int y = 90; y < 110; y++)
        n += mask[y * W + x];
      g_assert_cmpint (n, ==, 1);
    }
}

static void
test_tortuosity_line (void)
{
  for (int diagonal = 0; diagonal < 2; diagonal++)
    {
      g_autofree guint8 *mask = g_new0 (guint8, W * H);
      if (diagonal)
        draw_line (mask, 60, 40, 420, 300, 2.5);
      else
        draw_line (mask, 50, 100, 450, 100, 2.5);
      int n = 0;
      double t = fovea_seg_tortuosity (mask, W, H, 10, &n);
      g_test_message ("%s line: tortuosity %.4f", diagonal ? "diagonal" : "horizontal", t);
      g_assert_cmpint (n, ==, 1);
      g_assert_cmpfloat_with_epsilon (t, 1.0, 0.01);
    }
}

static void
test_tortuosity_semicircle (void)
{
  g_autofree guint8 *mask = g_new0 (guint8, W * H);
  double r = 150, cx = 256, cy = 300;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        double px = x + 0.5, py = y + 0.5;
        if (py <= cy && fabs (hypot (px - cx, py - cy) - r) <= 2.5)
          mask[y * W + x] = 1;
      }
  int n = 0;
  double t = fovea_seg_tortuosity (mask, W, H, 10, &n);
  g_test_message ("semicircle: tortuosity %.4f (π/2 = %.4f)", t, G_PI / 2);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpfloat_with_epsilon (t, G_PI / 2, 0.04);
}

/* A T: three segments from one branch point, each straight. */
static void
test_tortuosity_branches (void)
{
  g_autofree guint8 *mask = g_new0 (guint8, W * H);
  draw_line (mask, 50, 100, 450, 100, 2);
  draw_line (mask, 250, 100, 250, 400, 2);
  int n = 0;
  double t = fovea_seg_tortuosity (mask, W, H, 10, &n);
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpfloat_with_epsilon (t, 1.0, 0.02);
}

static void
test_vessel_density (void)
{
  FoveaFov fov = { .found = TRUE, .cx = 256, .cy = 256, .r = 250 };
  g_autofree guint8 *fov_mask = g_new0 (guint8, W * H);
  draw_disc (fov_mask, W, H, 256, 256, 250);
  g_autofree guint8 *vessels = g_new0 (guint8, W * H);
  draw_line (vessels, 0, 256, W, 256, 2);  /* crosses the FOV's edge */
  g_autoptr (FoveaImage) map = map_from_mask (vessels);
  const FoveaImage *maps[] = { map };
  const char *labels[] = { "vessels" };
  double thresholds[] = { 0.5 };
  g_autoptr (FoveaSegMeasures) m = fovea_seg_measure_maps (maps, labels, thresholds, 1, fov_mask,
                                                           &fov);
  gint64 inside = 0;
  for (int i = 0; i < W * H; i++)
    inside += vessels[i] && fov_mask[i];
  g_assert_true (m->has_vessels);
  g_assert_cmpint (m->labels[0].area, ==, inside);
  g_assert_cmpfloat_with_epsilon (m->vessel_density, (double) inside / m->fov_pixels, 1e-12);
  g_assert_cmpfloat_with_epsilon (m->tortuosity, 1.0, 0.01);
  g_assert_false (m->has_disc);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  fovea_seg_measures_add_json (m, b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  JsonObject *o = json_node_get_object (root);
  g_assert_true (json_object_get_null_member (o, "optic_disc"));
  JsonObject *v = json_object_get_object_member (o, "vessels");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (v, "density"),
                                  m->vessel_density, 1e-12);
  g_assert_true (json_object_has_member (v, "fractal_dimension"));
  g_assert_true (json_object_has_member (v, "tortuosity"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seg-measure/components", test_components_two_blobs);
  g_test_add_func ("/seg-measure/disc-centred", test_disc_centred);
  g_test_add_func ("/seg-measure/fovea-and-lesions", test_fovea_and_lesions);
  g_test_add_func ("/seg-measure/fractal-dimension", test_fractal_dimension);
  g_test_add_func ("/seg-measure/skeleton", test_skeleton_thin);
  g_test_add_func ("/seg-measure/tortuosity-line", test_tortuosity_line);
  g_test_add_func ("/seg-measure/tortuosity-semicircle", test_tortuosity_semicircle);
  g_test_add_func ("/seg-measure/tortuosity-branches", test_tortuosity_branches);
  g_test_add_func ("/seg-measure/vessel-density", test_vessel_density);
  return g_test_run ();
}
