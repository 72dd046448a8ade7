/* test-saliency.c: the analysis result's saliency map, on the generated
 * sample photographs, with the tiny ViT fixture behind a fundus card that
 * crops to the FOV. A gradable photograph gets a map aligned to it (the
 * engine's rollout read back at each patch centre, 0 outside the FOV); an
 * ungradable one gets none. The map over the photograph is written as
 * saliency-fundus.png into the build folder. */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <unistd.h>

#include "fovea-analysis.h"
#include "fovea-colormap.h"
#include "fovea-display-test.h"
#include "fovea-input-map.h"

/* fovea-analysis.c's SALIENCY_MAX_SIDE. */
#define MAX_SIDE 1024

/* What the card below makes of an image, as far as geometry goes. */
static const FoveaPreprocess fundus_input = { .fundus_crop = TRUE, .height = 64, .width = 64 };

/* The backbone's own head, read as a fundus task on 64×64 crops of the
 * FOV: an 8 × 8 patch grid. */
static const char card[] =
  "{\"schema_version\": 1, \"name\": \"fundus-5\", \"title\": \"Fundus fixture (5 classes)\","
  " \"kind\": \"classification\", \"modality\": \"fundus\","
  " \"labels\": [\"a\", \"b\", \"c\", \"d\", \"e\"],"
  " \"preprocessing\": {\"fundus_crop\": true, \"input_size\": [64, 64]},"
  " \"provenance\": {\"training_data\": \"none: random fixture weights\"},"
  " \"intended_use\": \"Tests only.\", \"research_use_only\": true}";

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
link_fixture (const char *dir, const char *name, const char *fixture)
{
  g_autofree char *target = fovea_test_fixture_path (fixture);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* ROOT/models/tiny-token with the card above; files are linked, never
 * folders (fovea_test_rmdir follows links). */
static FoveaModelCatalog *
build_catalog (const char *root)
{
  g_autofree char *models = g_build_filename (root, "models", NULL);
  g_autofree char *model = g_build_filename (models, "tiny-token", NULL);
  g_autofree char *card_path = g_build_filename (model, "task_card.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (model, 0755), ==, 0);
  link_fixture (model, "config.json", "vit/models/tiny-token/config.json");
  link_fixture (model, "model.safetensors", "vit/models/tiny-token/model.safetensors");
  g_file_set_contents (card_path, card, -1, &error);
  g_assert_no_error (error);
  return fovea_model_catalog_scan (models, NULL, NULL);
}

static void
analysed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  FoveaAnalysisResult **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = fovea_analysis_run_finish (FOVEA_ANALYSIS (source), result, &error);
  g_assert_no_error (error);
}

/* The sample analysed with the card's task, as a fundus photograph. */
static FoveaAnalysisResult *
analyse (const char *sample)
{
  g_autofree char *root = fovea_test_mkdtemp ();
  g_autoptr(FoveaModelCatalog) catalog = build_catalog (root);
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample (sample);
  g_autoptr(FoveaAnalysis) analysis = fovea_analysis_new ();
  const FoveaCatalogModel *model;
  FoveaAnalysisResult *result = NULL;

  g_assert_cmpuint (fovea_model_catalog_get_n_models (catalog), ==, 1);
  model = fovea_model_catalog_get_model (catalog, 0);
  g_assert_no_error (model->error);
  fovea_analysis_run_async (analysis, document, FOVEA_MODALITY_FUNDUS, catalog, model,
                            g_ptr_array_index (model->tasks, 0), NULL, analysed_cb, &result);
  fovea_display_test_wait_for (is_set, &result, "the analysis");
  fovea_test_rmdir (root);
  return result;
}

/* The map at 50 % over the photograph, where it is not 0. */
static void
save_overlay (const FoveaImage *image, const float *map, int width, int height, const char *name)
{
  g_autoptr(FoveaImage) rgb = fovea_image_to_rgb8 (image);
  g_autofree guint8 *pixels = g_new (guint8, (gsize) width * height * 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *under = fovea_image_row (rgb, y * rgb->height / height) +
                              3 * (x * rgb->width / width);
        float value = map[(gsize) y * width + x];
        guint8 *out = pixels + 3 * ((gsize) y * width + x);
        guint8 colour[3];

        fovea_colormap_lookup (value, colour);
        for (int c = 0; c < 3; c++)
          out[c] = value > 0 ? (guint8) ((under[c] + colour[c]) / 2) : under[c];
      }
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) width * height * 3);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8,
                                                          bytes, (gsize) width * 3);
  fovea_display_test_save_screenshot (texture, name);
}

static void
test_gradable (void)
{
  g_autoptr(FoveaDocument) document = fovea_display_test_load_sample ("fundus-healthy.png");
  g_autoptr(FoveaAnalysisResult) result = analyse ("fundus-healthy.png");
  const FoveaImage *image = fovea_document_get_image (document);
  const FoveaEngineOutput *output = result->output;
  int width, height;
  const float *map = fovea_analysis_result_get_saliency (result, &width, &height);
  g_autoptr(FoveaImage) rgb = fovea_image_to_rgb8 (image);
  FoveaFov fov;
  FoveaInputGeometry g;

  g_assert_nonnull (rgb);
  g_assert_true (result->quality.gradable);
  g_assert_nonnull (map);
  g_assert_nonnull (output->rollout);
  g_assert_cmpint (output->grid_h, ==, 8);
  g_assert_cmpint (output->grid_w, ==, 8);
  /* 1600 × 1200, scaled to the longer side's limit. */
  g_assert_cmpint (width, ==, MAX_SIDE);
  g_assert_cmpint (height, ==, MAX_SIDE * image->height / image->width);

  fovea_fov_detect (rgb, &fov);
  g_assert_true (fov.found);
  fovea_input_geometry_init (&g, &fundus_input, image->width, image->height, &fov);

  /* 0 outside the FOV (a map pixel's margin aside), 0..1 inside. */
  double shrink = (double) width / image->width;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float value = map[(gsize) y * width + x];
        double distance = hypot ((x + 0.5) / shrink - fov.cx, (y + 0.5) / shrink - fov.cy);

        g_assert_true (value >= 0.0f && value <= 1.0f);
        if (distance > fov.r + 2 / shrink)
          g_assert_cmpfloat (value, ==, 0.0f);
      }

  /* At each patch centre well inside the FOV, the patch's rollout. */
  int checked = 0;
  for (int row = 0; row < 8; row++)
    for (int col = 0; col < 8; col++)
      {
        double ix = ((col + 0.5) * 8 - g.offset_x) / g.scale_x;
        double iy = ((row + 0.5) * 8 - g.offset_y) / g.scale_y;
        if (hypot (ix - fov.cx, iy - fov.cy) > fov.r - 30)
          continue;
        float value = map[(gsize) (int) (iy * shrink) * width + (int) (ix * shrink)];
        g_assert_cmpfloat_with_epsilon (value, output->rollout[row * 8 + col], 0.02);
        checked++;
      }
  g_assert_cmpint (checked, >=, 30);
  save_overlay (image, map, width, height, "saliency-fundus.png");
}

static void
test_ungradable (void)
{
  g_autoptr(FoveaAnalysisResult) result = analyse ("fundus-blurred.jpg");
  int width = -1, height = -1;

  g_assert_false (result->quality.gradable);
  g_assert_null (result->output);
  g_assert_null (fovea_analysis_result_get_saliency (result, &width, &height));
  g_assert_cmpint (width, ==, 0);
  g_assert_cmpint (height, ==, 0);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/saliency/gradable", test_gradable);
  g_test_add_func ("/saliency/ungradable", test_ungradable);
  return g_test_run ();
}
