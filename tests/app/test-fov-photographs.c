/* test-fov-photographs.c: field-of-view detection on real photographs,
 * which need decoding (the engine's synthetic-disc tests are in
 * tests/inference/test-fov.c). DRIVE's own field-of-view masks are the
 * reference; OCTA-500 projections have no disc. Both skip without
 * ../shared/data. */
#include "fovea-decode.h"
#include "fovea-fov.h"
#include "fovea-test-common.h"

/* OCTA projections: vessels on a dark background, but no disc. */
static void
test_octa_has_no_disc (void)
{
  g_autofree char *dir = fovea_test_data_path ("octa500/6M/ProjectionMaps/OCTA(FULL)");
  if (dir == NULL)
    return;
  for (int id = 10001; id <= 10005; id++)
    {
      g_autofree char *name = g_strdup_printf ("%d.bmp", id);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GError *error = NULL;
      g_autoptr (FoveaImage) image = fovea_decode_file (path, NULL, NULL, &error);
      g_assert_no_error (error);
      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      /* The whole scan is the field: no circle, nothing cut off. */
      g_assert_false (fov.found);
      g_assert_cmpfloat (fov.coverage, ==, 1.0);
      g_assert_cmpfloat (fov.area_fraction, ==, 1.0);
    }
}

static FoveaImage *
decode (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  FoveaImage *image = fovea_decode_file (path, NULL, NULL, &error);
  g_assert_no_error (error);
  return image;
}

static void
test_drive_masks (void)
{
  g_autofree char *root = fovea_test_data_path ("drive/training");
  if (root == NULL)
    return;
  g_autofree char *images_dir = g_build_filename (root, "images", NULL);
  g_autofree char *masks_dir = g_build_filename (root, "mask", NULL);
  double worst = 1;
  for (int id = 21; id <= 40; id++)
    {
      g_autofree char *image_name = g_strdup_printf ("%d_training.tif", id);
      g_autofree char *mask_name = g_strdup_printf ("%d_training_mask.gif", id);
      g_autoptr (FoveaImage) image = decode (images_dir, image_name);
      g_autoptr (FoveaImage) truth_image = decode (masks_dir, mask_name);
      g_autoptr (FoveaImage) truth = fovea_image_to_grey8 (truth_image);
      g_assert_cmpint (truth->width, ==, image->width);
      g_assert_cmpint (truth->height, ==, image->height);

      FoveaFov fov;
      fovea_fov_detect (image, &fov);
      g_assert_true (fov.found);
      g_autofree guint8 *mask = fovea_fov_mask_new (image, &fov);
      gsize both = 0, either = 0;
      for (int y = 0; y < image->height; y++)
        for (int x = 0; x < image->width; x++)
          {
            gboolean expected = fovea_image_row (truth, y)[x] > 127;
            gboolean got = mask[(gsize) y * image->width + x];
            both += expected && got;
            either += expected || got;
          }
      double iou = (double) both / either;
      g_test_message ("DRIVE %d: (%.1f, %.1f) r %.1f coverage %.3f IoU %.4f",
                      id, fov.cx, fov.cy, fov.r, fov.coverage, iou);
      worst = MIN (worst, iou);
      g_assert_cmpfloat (fov.coverage, >=, 0.97);
    }
  g_test_message ("DRIVE: worst IoU with the official FOV masks %.4f", worst);
  g_assert_cmpfloat (worst, >=, 0.95);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fov/octa-no-disc", test_octa_has_no_disc);
  g_test_add_func ("/fov/drive-masks", test_drive_masks);
  return g_test_run ();
}
