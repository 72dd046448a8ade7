/* fovea-anomaly-bank.c: building a PatchCore bank from normal images.
 *
 * Every patch of every image is gathered (images × patches × dimensions
 * floats: 15 DRIVE images at 28 × 28 patches of 384 dimensions are 18 MB),
 * thinned by the greedy coreset, and then calibrated: each source image is
 * scored against the bank without the rows it contributed itself, which
 * is what a new normal image would score. Those leave-one-image-out scores
 * go into the file; their maximum is the card's normal_score_max. */
#define G_LOG_DOMAIN "fovea-anomaly-bank"

#include "fovea-anomaly-private.h"

#include <math.h>
#include <string.h>

#include "fovea-decode.h"

typedef FoveaImage *(*ImageSource) (gpointer data, int index, GError **error);

static FoveaImage *
decode_path (gpointer data, int index, GError **error)
{
  const char *const *paths = data;
  return fovea_decode_file (paths[index], NULL, NULL, error);
}

static FoveaImage *
copy_image (gpointer data, int index, GError **error)
{
  const FoveaImage *const *images = data;
  (void) error;
  return fovea_image_copy (images[index]);
}

void
fovea_anomaly_fill_card (FoveaAnomaly *anomaly, FoveaPatchCard *card,
                         const FoveaAnomalyBankOptions *options, const char *const *names,
                         int n_images, gint64 n_source_patches, double radius)
{
  card->backbone_kind = anomaly->kind;
  card->backbone_architecture = g_strdup (anomaly->architecture);
  card->backbone_sha256 = g_strdup (anomaly->backbone_sha256);
  card->adapter_sha256 = g_strdup (anomaly->adapter_sha256);
  card->layer = anomaly->layer;
  card->n_stages = anomaly->n_stages;
  memcpy (card->stages, anomaly->stages, sizeof card->stages);
  card->input_height = anomaly->pre.height;
  card->input_width = anomaly->pre.width;
  card->fundus_crop = anomaly->pre.fundus_crop;
  card->modality = g_strdup (fovea_modality_to_string (anomaly->modality));
  card->coreset_ratio = options->coreset_ratio;
  card->projection_dim = options->projection_dim > 0 && options->projection_dim < anomaly->dim
                       ? options->projection_dim : 0;
  card->seed = options->seed;
  card->n_source_patches = n_source_patches;
  card->coreset_radius = radius;
  card->smoothing_sigma = options->smoothing_sigma;
  card->score_kind = options->score_kind;
  card->source_images = g_new0 (char *, n_images + 1);
  for (int i = 0; i < n_images; i++)
    card->source_images[i] = g_path_get_basename (names[i]);
  card->note = g_strdup (options->note);
}

static const FoveaPatchBank *
build_bank (FoveaAnomaly *anomaly, ImageSource source, gpointer data, const char *const *names,
            int n_images, const FoveaAnomalyBankOptions *options, GError **error)
{
  g_return_val_if_fail (anomaly != NULL && options != NULL, NULL);

  if (n_images < 1)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "A memory bank needs at least one normal image");
      return NULL;
    }
  int dim = anomaly->dim;
  int grid_h = anomaly->grid_h, grid_w = anomaly->grid_w;
  int n_patches = grid_h * grid_w;
  gsize image_floats = (gsize) n_patches * dim;
  if ((double) n_images * n_patches > G_MAXINT / 2)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "Too many patches (%d images × %d) for one bank", n_images, n_patches);
      return NULL;
    }
  g_autofree float *all = g_try_malloc_n ((gsize) n_images, image_floats * sizeof (float));
  if (all == NULL)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "Out of memory for the features of %d images (%.0f MB)", n_images,
                   (double) n_images * image_floats * sizeof (float) / 1e6);
      return NULL;
    }

  for (int i = 0; i < n_images; i++)
    {
      g_autoptr (FoveaImage) image = source (data, i, error);
      const float *features = image != NULL
                            ? fovea_anomaly_features (anomaly, image, NULL, NULL, error) : NULL;
      if (features == NULL)
        {
          g_prefix_error (error, "%s: ", names[i]);
          return NULL;
        }
      memcpy (all + i * image_floats, features, image_floats * sizeof (float));
    }

  int n_total = n_images * n_patches;
  g_autofree int *kept = NULL;
  double radius = 0.0;
  int n_kept = fovea_patchcore_coreset (all, n_total, dim, options->coreset_ratio,
                                        options->projection_dim, options->seed, &kept,
                                        &radius, error);
  if (n_kept < 0)
    return NULL;
  g_autofree float *memory = g_new (float, (gsize) n_kept * dim);
  g_autofree int *sources = g_new (int, n_kept);
  for (int k = 0; k < n_kept; k++)
    {
      memcpy (memory + (gsize) k * dim, all + (gsize) kept[k] * dim, dim * sizeof (float));
      sources[k] = kept[k] / n_patches;
    }
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_new (memory, n_kept, dim, error);
  if (bank == NULL)
    return NULL;
  fovea_anomaly_fill_card (anomaly, &bank->card, options, names, n_images, n_total, radius);

  /* Leave-one-image-out: a single image has nothing to be compared with. */
  if (n_images >= 2)
    {
      g_autofree float *scores = g_new (float, n_images);
      for (int i = 0; i < n_images; i++)
        {
          g_autoptr (FoveaImage) image = source (data, i, error);
          g_autoptr (FoveaAnomalyMap) map = image == NULL ? NULL
            : fovea_anomaly_map_features (anomaly, bank, image, all + i * image_floats,
                                          grid_h, grid_w, sources, i, error);
          if (map == NULL)
            {
              g_prefix_error (error, "%s: ", names[i]);
              return NULL;
            }
          /* An image whose patches were all it had in the bank (possible
           * only with a tiny coreset) scores +inf: leave it out. */
          scores[i] = isfinite (map->score) ? (float) map->score : NAN;
        }
      int n_finite = 0;
      for (int i = 0; i < n_images; i++)
        if (isfinite (scores[i]))
          scores[n_finite++] = scores[i];
      fovea_patch_bank_set_normal_scores (bank, scores, n_finite);
    }

  fovea_patch_bank_free (anomaly->bank);
  anomaly->bank = g_steal_pointer (&bank);
  return anomaly->bank;
}

const FoveaPatchBank *
fovea_anomaly_build_bank (FoveaAnomaly *anomaly, const char *const *paths, int n_paths,
                          const FoveaAnomalyBankOptions *options, GError **error)
{
  return build_bank (anomaly, decode_path, (gpointer) paths, paths, n_paths, options, error);
}

const FoveaPatchBank *
fovea_anomaly_build_bank_from_images (FoveaAnomaly *anomaly, const FoveaImage *const *images,
                                      const char *const *names, int n_images,
                                      const FoveaAnomalyBankOptions *options, GError **error)
{
  return build_bank (anomaly, copy_image, (gpointer) images, names, n_images, options, error);
}
