/* fovea-octa-texture-score.c: an OCTA scan's texture score, the distance
 * of its texture signature to the nearest good scan's, with two thresholds
 * from the good scans' own leave-one-out distances.
 *
 * Why not the mean patch distance: measured on OCTA-500 with random
 * backbones, blurring or dimming a scan made its patches *closer* to the
 * good patches (a smoother patch lies nearer the middle of the cloud of
 * speckled good patches, where every point has near neighbours), so the
 * mean patch distance fell with blur and low signal. The spread of each
 * feature channel over the scan moves away from the good scans' with
 * every degradation instead: down with blur and low signal, up with
 * noise and stripes. */
#define G_LOG_DOMAIN "fovea-octa-texture-score"

#include "fovea-octa-texture-score.h"

#include <math.h>
#include <string.h>

#include "fovea-anomaly-private.h"
#include "fovea-decode.h"

const char *
fovea_octa_texture_grade_to_string (FoveaOctaTextureGrade grade)
{
  switch (grade)
    {
    case FOVEA_OCTA_TEXTURE_OUTSTANDING:
      return "outstanding";
    case FOVEA_OCTA_TEXTURE_GRADABLE:
      return "gradable";
    case FOVEA_OCTA_TEXTURE_UNGRADABLE:
    default:
      return "ungradable";
    }
}

void
fovea_octa_texture_options_init (FoveaAnomalyOptions *options, const char *model_dir)
{
  fovea_anomaly_options_init (options);
  options->model_dir = model_dir;
  options->modality = FOVEA_MODALITY_OCTA;
}

/* The standard deviation of each feature channel over the scan's patches. */
static gboolean
texture_signature (FoveaAnomaly *anomaly, const FoveaImage *image, float *out, GError **error)
{
  int grid_h, grid_w;
  const float *features = fovea_anomaly_features (anomaly, image, &grid_h, &grid_w, error);
  if (features == NULL)
    return FALSE;
  int n = grid_h * grid_w, dim = anomaly->dim;
  for (int d = 0; d < dim; d++)
    {
      double sum = 0.0, sum2 = 0.0;
      for (int i = 0; i < n; i++)
        sum += features[(gsize) i * dim + d];
      double mean = sum / n;
      for (int i = 0; i < n; i++)
        {
          double v = features[(gsize) i * dim + d] - mean;
          sum2 += v * v;
        }
      out[d] = (float) sqrt (sum2 / n);
    }
  return TRUE;
}

const FoveaPatchBank *
fovea_octa_texture_fit (FoveaAnomaly *anomaly, const char *const *paths, int n_paths,
                        const FoveaAnomalyBankOptions *options, GError **error)
{
  if (n_paths < 3)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "Fitting the OCTA texture score needs at least 3 good scans, not %d", n_paths);
      return NULL;
    }
  int dim = anomaly->dim;
  g_autofree float *rows = g_new (float, (gsize) n_paths * dim);
  g_autofree int *sources = g_new (int, n_paths);
  for (int i = 0; i < n_paths; i++)
    {
      g_autoptr (FoveaImage) image = fovea_decode_file (paths[i], NULL, NULL, error);
      if (image == NULL || !texture_signature (anomaly, image, rows + (gsize) i * dim, error))
        {
          if (image != NULL)
            g_prefix_error (error, "%s: ", paths[i]);
          return NULL;
        }
      sources[i] = i;
    }
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_new (rows, n_paths, dim, error);
  if (bank == NULL)
    return NULL;

  /* Each good scan against the others: what a new good scan scores. */
  g_autofree float *scores = g_new (float, n_paths);
  for (int i = 0; i < n_paths; i++)
    if (!fovea_patch_bank_nearest (bank, rows + (gsize) i * dim, 1, sources, i,
                                   scores + i, error))
      return NULL;
  fovea_patch_bank_set_normal_scores (bank, scores, n_paths);

  FoveaAnomalyBankOptions texture = *options;
  texture.score_kind = FOVEA_PATCH_SCORE_TEXTURE;
  texture.coreset_ratio = 1.0;
  texture.projection_dim = 0;
  fovea_anomaly_fill_card (anomaly, &bank->card, &texture, paths, n_paths, n_paths, 0.0);
  FoveaPatchCard *card = &bank->card;
  card->thresholds[0] = card->normal_score_max;
  card->thresholds[1] = card->normal_score_max + FOVEA_OCTA_TEXTURE_MARGIN_SD * card->normal_score_std;

  fovea_patch_bank_free (anomaly->bank);
  anomaly->bank = g_steal_pointer (&bank);
  return anomaly->bank;
}

gboolean
fovea_octa_texture_assess (FoveaAnomaly *anomaly, const FoveaImage *image,
                           FoveaOctaTextureScore *out, GError **error)
{
  const FoveaPatchBank *bank = fovea_anomaly_get_bank (anomaly);
  if (bank == NULL || !isfinite (bank->card.thresholds[0]) ||
      bank->card.score_kind != FOVEA_PATCH_SCORE_TEXTURE)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "No OCTA texture-score bank (texture signatures with thresholds) is loaded");
      return FALSE;
    }
  g_autofree float *signature = g_new (float, bank->dim);
  float distance;
  if (!texture_signature (anomaly, image, signature, error) ||
      !fovea_patch_bank_nearest (bank, signature, 1, NULL, -1, &distance, error))
    return FALSE;
  out->score = distance;
  if (distance <= bank->card.thresholds[0])
    out->grade = FOVEA_OCTA_TEXTURE_OUTSTANDING;
  else if (distance <= bank->card.thresholds[1])
    out->grade = FOVEA_OCTA_TEXTURE_GRADABLE;
  else
    out->grade = FOVEA_OCTA_TEXTURE_UNGRADABLE;
  return TRUE;
}
