/* fovea-anomaly.c: from an image to its anomaly map against a bank.
 *
 * Smoothing: a Gaussian of σ = 0.5 patch on the patch grid by default (the
 * bank card's smoothing_sigma_patches). That is PatchCore's own choice,
 * σ = 4 pixels of a 224-pixel input over stride-8 features, for our
 * patch-8 backbones; measured with tests/scripts/eval-anomaly-lesionpaste.py
 * (random ViT-S/8 at 224, block 0): pixel AUROC 0.958 at σ = 0.5 against
 * 0.864 at σ = 1 and 0.678 at σ = 2 (block 1), since a pasted lesion is
 * about one patch and wider smoothing spreads it into its surroundings.
 * On MobileNetV2's stages 6 and 13 at 448 px (already 3 × 3 averaged) the
 * validation split (README) gave 0.993 at σ = 0.5 and at σ = 0, 0.991 at σ = 1.
 * Edges are renormalised (the kernel's weights inside the grid sum to 1),
 * so the border is not darkened.
 *
 * Layer (ViT): FOVEA_ANOMALY_DEFAULT_LAYER, block 0. PatchCore takes mid-level
 * features (ResNet's layers 2 and 3): local enough to place a lesion. In a
 * ViT, attention mixes tokens across the image from the first block on, so
 * the deeper the block the less a token says about its own patch; on the
 * same evaluation (σ = 1) blocks 0, 1 and 3 gave pixel AUROC 0.864, 0.818
 * and 0.761. A trained backbone may well prefer a later block: the layer is
 * an option and is recorded in the bank's card. */
#define G_LOG_DOMAIN "fovea-anomaly"

#include "fovea-anomaly.h"

#include <math.h>
#include <string.h>

#include "fovea-anomaly-private.h"
#include "fovea-input-map.h"

G_DEFINE_QUARK (fovea-anomaly-error-quark, fovea_anomaly_error)

void
fovea_anomaly_options_init (FoveaAnomalyOptions *options)
{
  memset (options, 0, sizeof *options);
  options->layer = FOVEA_ANOMALY_DEFAULT_LAYER;
  options->modality = FOVEA_MODALITY_FUNDUS;
}

void
fovea_anomaly_bank_options_init (FoveaAnomalyBankOptions *options)
{
  memset (options, 0, sizeof *options);
  options->coreset_ratio = 0.1;
  options->projection_dim = 128;
  options->smoothing_sigma = 0.5;
  options->score_kind = FOVEA_PATCH_SCORE_MAX;
}

/* Separable Gaussian over rows × cols in place, truncated at 3σ, with the
 * weights renormalised where the kernel leaves the grid. */
static void
smooth_grid (float *grid, int rows, int cols, double sigma)
{
  if (sigma <= 0.0)
    return;
  int radius = MAX (1, (int) ceil (3.0 * sigma));
  g_autofree double *kernel = g_new (double, 2 * radius + 1);
  for (int k = -radius; k <= radius; k++)
    kernel[k + radius] = exp (-0.5 * k * k / (sigma * sigma));
  g_autofree float *tmp = g_new (float, (gsize) rows * cols);

  for (int pass = 0; pass < 2; pass++)
    {
      const float *src = pass == 0 ? grid : tmp;
      float *dst = pass == 0 ? tmp : grid;
      for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++)
          {
            double sum = 0.0, weight = 0.0;
            for (int k = -radius; k <= radius; k++)
              {
                int yy = pass == 0 ? y : y + k, xx = pass == 0 ? x + k : x;
                if (yy < 0 || yy >= rows || xx < 0 || xx >= cols)
                  continue;
                sum += kernel[k + radius] * src[(gsize) yy * cols + xx];
                weight += kernel[k + radius];
              }
            dst[(gsize) y * cols + x] = (float) (sum / weight);
          }
    }
}

void
fovea_anomaly_map_free (FoveaAnomalyMap *map)
{
  if (map == NULL)
    return;
  g_free (map->map);
  g_free (map->grid);
  g_free (map);
}

FoveaAnomalyMap *
fovea_anomaly_map_features (FoveaAnomaly *anomaly, const FoveaPatchBank *bank,
                            const FoveaImage *image, const float *features,
                            int grid_h, int grid_w, const int *sources, int exclude,
                            GError **error)
{
  g_autoptr (FoveaAnomalyMap) map = g_new0 (FoveaAnomalyMap, 1);
  map->grid_h = grid_h;
  map->grid_w = grid_w;
  map->grid = g_new (float, (gsize) grid_h * grid_w);
  if (!fovea_patch_bank_nearest (bank, features, grid_h * grid_w, sources, exclude,
                                 map->grid, error))
    return NULL;
  smooth_grid (map->grid, grid_h, grid_w, bank->card.smoothing_sigma);

  /* The field of view as the preprocessing finds it; other modalities
   * use the whole frame. */
  g_autoptr (FoveaImage) rgb = fovea_image_to_rgb8 (image);
  FoveaFov fov;
  g_autofree guint8 *mask = NULL;
  if (anomaly->pre.fundus_crop)
    {
      fovea_fov_detect (rgb, &fov);
      mask = fovea_fov_mask_new (rgb, &fov);
    }
  FoveaInputGeometry geometry;
  fovea_input_geometry_init (&geometry, &anomaly->pre, image->width, image->height,
                             anomaly->pre.fundus_crop ? &fov : NULL);

  map->width = image->width;
  map->height = image->height;
  gsize n_pixels = (gsize) image->width * image->height;
  map->map = g_try_new (float, n_pixels);
  if (map->map == NULL)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "Out of memory for a %d×%d anomaly map", image->width, image->height);
      return NULL;
    }
  fovea_input_map_sample (&geometry, map->grid, grid_h, grid_w, mask,
                          image->width, image->height, map->map);

  /* The score and peak leave out the FOV's outer band of one patch: the
   * patches there mix retina with the black surround, in proportions that
   * depend on each camera's field stop, and would otherwise outscore any
   * lesion (they did in the LesionPaste evaluation). The map keeps them. */
  double margin = 0.0;
  if (anomaly->pre.fundus_crop && fov.found)
    margin = anomaly->stride / geometry.scale_x;
  double best = -INFINITY, sum = 0.0;
  gsize inside = 0, peak = 0;
  for (int y = 0; y < image->height; y++)
    for (int x = 0; x < image->width; x++)
      {
        gsize i = (gsize) y * image->width + x;
        if (mask != NULL && mask[i] == 0)
          continue;
        if (margin > 0.0 && hypot (x + 0.5 - fov.cx, y + 0.5 - fov.cy) > fov.r - margin)
          continue;
        sum += map->map[i];
        inside++;
        if (map->map[i] > best)
          {
            best = map->map[i];
            peak = i;
          }
      }
  map->peak_x = (int) (peak % image->width);
  map->peak_y = (int) (peak / image->width);
  if (inside == 0)
    map->score = 0.0;
  else
    map->score = bank->card.score_kind == FOVEA_PATCH_SCORE_MEAN ? sum / inside : best;
  return g_steal_pointer (&map);
}

FoveaAnomalyMap *
fovea_anomaly_compute (FoveaAnomaly *anomaly, const FoveaImage *image, GError **error)
{
  g_return_val_if_fail (anomaly != NULL && image != NULL, NULL);

  if (anomaly->bank == NULL)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "No memory bank to compare the image with");
      return NULL;
    }
  if (anomaly->bank->card.score_kind == FOVEA_PATCH_SCORE_TEXTURE)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "The bank holds whole-image texture signatures (a quality bank), "
                   "not patches: it makes no map");
      return NULL;
    }
  int grid_h, grid_w;
  const float *features = fovea_anomaly_features (anomaly, image, &grid_h, &grid_w, error);
  if (features == NULL)
    return NULL;
  return fovea_anomaly_map_features (anomaly, anomaly->bank, image, features,
                                     grid_h, grid_w, NULL, -1, error);
}
