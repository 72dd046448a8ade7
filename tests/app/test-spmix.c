/* test-spmix.c: SPMix's pure parts (fovea-spmix.h): which classes are
 * the tail, on made-up counts, HAM10000's and the imbalanced .npz
 * fixture's; how many patches are kept; patch saliency from a coarser
 * activation map; and the mixing itself: the most salient patches of the
 * tail image stay, every other pixel comes from the head image, ties and
 * NaN go a fixed way, and the same inputs give the same bytes. */
#include <math.h>
#include <string.h>

#include "fovea-spmix.h"
#include "fovea-test-common.h"
#include "fovea-train-data.h"

static void
test_tail_classes (void)
{
  gboolean tail[7];

  /* the imbalanced fixture's 140 / 40 / 15 / 5: median 27.5 */
  const int four[] = { 140, 40, 15, 5 };
  g_assert_cmpint (fovea_spmix_tail_classes (four, 4, tail), ==, 2);
  g_assert_false (tail[0]);
  g_assert_false (tail[1]);
  g_assert_true (tail[2]);
  g_assert_true (tail[3]);

  /* HAM10000 in its label order mel, nv, bcc, akiec, bkl, df, vasc:
   * median 514 (bcc), so akiec, df and vasc */
  const int ham[] = { 1113, 6705, 514, 327, 1099, 115, 142 };
  g_assert_cmpint (fovea_spmix_tail_classes (ham, 7, tail), ==, 3);
  const gboolean ham_tail[] = { FALSE, FALSE, FALSE, TRUE, FALSE, TRUE, TRUE };
  for (int c = 0; c < 7; c++)
    g_assert_cmpint (tail[c], ==, ham_tail[c]);

  /* balanced: no tail */
  const int even[] = { 12, 12 };
  g_assert_cmpint (fovea_spmix_tail_classes (even, 2, tail), ==, 0);
  /* a class without images is neither counted nor tail */
  const int gap[] = { 90, 0, 10 };
  g_assert_cmpint (fovea_spmix_tail_classes (gap, 3, tail), ==, 1);
  g_assert_false (tail[1]);
  g_assert_true (tail[2]);
}

/* The same rule on the labels of tests/fixtures/npz/imbalanced.npz. */
static void
test_tail_classes_fixture (void)
{
  g_autofree char *path = fovea_test_fixture_path ("npz/imbalanced.npz");
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaTrainData) data = fovea_train_data_open (path, &error);
  g_assert_no_error (error);
  int counts[4] = { 0 };
  gboolean tail[4];
  g_assert_cmpint (fovea_train_data_get_n_classes (data), ==, 4);
  for (int i = 0; i < fovea_train_data_get_n (data); i++)
    counts[fovea_train_data_get_label (data, i)]++;
  g_assert_cmpint (counts[0], ==, 140);
  g_assert_cmpint (counts[3], ==, 5);
  g_assert_cmpint (fovea_spmix_tail_classes (counts, 4, tail), ==, 2);
  g_assert_true (!tail[0] && !tail[1] && tail[2] && tail[3]);
}

static void
test_n_keep (void)
{
  g_assert_cmpint (fovea_spmix_n_keep (7, 0.5), ==, 25);   /* 24.5 rounds up */
  g_assert_cmpint (fovea_spmix_n_keep (7, 0.25), ==, 12);
  g_assert_cmpint (fovea_spmix_n_keep (2, 0.01), ==, 1);   /* at least one kept */
  g_assert_cmpint (fovea_spmix_n_keep (2, 0.99), ==, 3);   /* at least one mixed in */
  g_assert_cmpint (fovea_spmix_n_keep (1, 0.5), ==, 1);
}

static void
test_patch_saliency (void)
{
  /* a 2 × 2 map over an 8 × 8 image, 4 × 4 patches: each patch lies in
   * one cell and covers 4 of its 16 pixels */
  const float map[4] = { 1, 2, 3, 4 };
  float patch[16];
  fovea_spmix_patch_saliency (map, 2, 2, 8, 8, 4, patch);
  for (int py = 0; py < 4; py++)
    for (int px = 0; px < 4; px++)
      g_assert_cmpfloat_with_epsilon (patch[py * 4 + px], 4 * map[(py / 2) * 2 + px / 2], 1e-5);

  /* cells and patches that do not line up: the total is kept (each of the
   * 9 cells covers (10/3)² pixels), and the bright cell's patch wins */
  const float uneven[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 9 };
  float four[4];
  fovea_spmix_patch_saliency (uneven, 3, 3, 10, 10, 2, four);
  g_assert_cmpfloat_with_epsilon (four[0] + four[1] + four[2] + four[3], 9 * 100.0 / 9, 1e-3);
  g_assert_cmpfloat (four[3], >, four[0]);
  g_assert_cmpfloat_with_epsilon (four[0], 0, 1e-6);
}

#define C 3
#define H 12
#define W 10
#define G 4

static void
fill (float *image, float base)
{
  for (int i = 0; i < C * H * W; i++)
    image[i] = base + i;
}

/* Every pixel is the tail's inside the kept patches, the head's outside. */
static void
assert_mixed (const float *mixed, const float *tail, const float *head, const gboolean *kept)
{
  for (int c = 0; c < C; c++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        {
          int py = -1, px = -1;
          for (int p = 0; p < G; p++)
            {
              if (y >= p * H / G && y < (p + 1) * H / G)
                py = p;
              if (x >= p * W / G && x < (p + 1) * W / G)
                px = p;
            }
          int at = (c * H + y) * W + x;
          g_assert_cmpfloat (mixed[at], ==, kept[py * G + px] ? tail[at] : head[at]);
        }
}

static void
test_mix (void)
{
  float tail[C * H * W], head[C * H * W], mixed[C * H * W];
  float saliency[G * G];
  gboolean kept[G * G];

  fill (tail, 1000);
  fill (head, -1000);
  /* known saliency: patches 5, 10 and 15 stand out */
  for (int i = 0; i < G * G; i++)
    saliency[i] = 0.01f * i;
  saliency[5] = 100;
  saliency[10] = 50;
  saliency[15] = 20;
  memcpy (mixed, tail, sizeof tail);
  fovea_spmix_mix (mixed, head, C, H, W, G, saliency, 3, kept);
  for (int i = 0; i < G * G; i++)
    g_assert_cmpint (kept[i], ==, i == 5 || i == 10 || i == 15);
  assert_mixed (mixed, tail, head, kept);

  /* the same inputs, the same bytes (and kept may be NULL) */
  float again[C * H * W];
  memcpy (again, tail, sizeof tail);
  fovea_spmix_mix (again, head, C, H, W, G, saliency, 3, NULL);
  g_assert_cmpint (memcmp (again, mixed, sizeof mixed), ==, 0);

  /* ties go to the lower index; NaN ranks last */
  for (int i = 0; i < G * G; i++)
    saliency[i] = 0;
  saliency[0] = NAN;
  memcpy (mixed, tail, sizeof tail);
  fovea_spmix_mix (mixed, head, C, H, W, G, saliency, 2, kept);
  for (int i = 0; i < G * G; i++)
    g_assert_cmpint (kept[i], ==, i == 1 || i == 2);
  assert_mixed (mixed, tail, head, kept);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spmix/tail-classes", test_tail_classes);
  g_test_add_func ("/spmix/tail-classes-fixture", test_tail_classes_fixture);
  g_test_add_func ("/spmix/n-keep", test_n_keep);
  g_test_add_func ("/spmix/patch-saliency", test_patch_saliency);
  g_test_add_func ("/spmix/mix", test_mix);
  return g_test_run ();
}
