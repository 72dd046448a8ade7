/* fovea-patchcore.c: the memory bank, its greedy coreset and the
 * nearest-neighbour distances of query patches to it. */
#define G_LOG_DOMAIN "fovea-patchcore"

#include "fovea-patchcore.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Query rows × bank rows per GEMM block: 256 × 2048 floats (2 MiB) of
 * scratch, small enough to stay in L2/L3 while the minimum is taken. */
#define QUERY_BLOCK 256
#define BANK_BLOCK  2048

G_DEFINE_QUARK (fovea-patchcore-error-quark, fovea_patchcore_error)

void
fovea_patch_card_init (FoveaPatchCard *card)
{
  memset (card, 0, sizeof *card);
  card->layer = -1;
  card->smoothing_sigma = 1.0;
  card->score_kind = FOVEA_PATCH_SCORE_MAX;
  card->normal_score_max = NAN;
  card->normal_score_mean = NAN;
  card->normal_score_std = NAN;
  card->thresholds[0] = NAN;
  card->thresholds[1] = NAN;
}

void
fovea_patch_card_clear (FoveaPatchCard *card)
{
  g_free (card->backbone_architecture);
  g_free (card->backbone_sha256);
  g_free (card->adapter_sha256);
  g_free (card->modality);
  g_strfreev (card->source_images);
  g_free (card->note);
  fovea_patch_card_init (card);
}

static gboolean
check_finite (const float *values, gsize n, const char *what, GError **error)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (values[i]))
      {
        g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                     "%s: value %" G_GSIZE_FORMAT " is not finite (%g)", what, i, values[i]);
        return FALSE;
      }
  return TRUE;
}

static double
squared_distance (const float *a, const float *b, int dim)
{
  double sum = 0.0;
  for (int i = 0; i < dim; i++)
    {
      double d = (double) a[i] - b[i];
      sum += d * d;
    }
  return sum;
}

static float
squared_norm (const float *a, int dim)
{
  double sum = 0.0;
  for (int i = 0; i < dim; i++)
    sum += (double) a[i] * a[i];
  return (float) sum;
}

/* A standard normal from two uniforms (Box–Muller), so the projection
 * depends on GRand's Mersenne Twister alone, the same on every machine. */
static double
gaussian (GRand *rand)
{
  double u = 1.0 - g_rand_double (rand);  /* (0, 1]: log is finite */
  double v = g_rand_double (rand);
  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

static GRand *
rand_new (guint64 seed)
{
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };
  return g_rand_new_with_seed_array (words, 2);
}

/* points × R / sqrt (k), R dim × k Gaussian: distances are kept in
 * expectation (Johnson–Lindenstrauss). */
static float *
project (const float *points, int n, int dim, int k, GRand *rand)
{
  float *r = g_new (float, (gsize) dim * k);
  double scale = 1.0 / sqrt (k);
  for (gsize i = 0; i < (gsize) dim * k; i++)
    r[i] = (float) (gaussian (rand) * scale);
  float *out = g_new (float, (gsize) n * k);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, dim, 1.0f,
               points, dim, r, k, 0.0f, out, k);
  g_free (r);
  return out;
}

int
fovea_patchcore_coreset (const float *points, int n, int dim, double ratio,
                         int projection_dim, guint64 seed, int **out_indices,
                         double *out_radius, GError **error)
{
  g_return_val_if_fail (out_indices != NULL, -1);

  if (points == NULL || n < 1 || dim < 1)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                   "Cannot select a coreset of %d points of dimension %d: nothing to select from",
                   n, dim);
      return -1;
    }
  if (!(ratio > 0.0 && ratio <= 1.0))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                   "Coreset ratio %g is outside (0, 1]", ratio);
      return -1;
    }
  if (!check_finite (points, (gsize) n * dim, "Coreset input", error))
    return -1;

  int target = (int) MIN ((double) n, MAX (1.0, ceil (ratio * n - 1e-9)));
  g_autoptr (GRand) rand = rand_new (seed);
  int start = g_rand_int_range (rand, 0, n);

  g_autofree float *projected = NULL;
  const float *space = points;
  int d = dim;
  if (projection_dim > 0 && projection_dim < dim)
    {
      projected = project (points, n, dim, projection_dim, rand);
      space = projected;
      d = projection_dim;
    }

  g_autofree float *nearest = g_new (float, n);  /* squared distance to the kept set */
  for (int j = 0; j < n; j++)
    nearest[j] = INFINITY;
  int *indices = g_new (int, target);
  int kept = 0, current = start;
  double farthest = 0.0;

  while (kept < target)
    {
      indices[kept++] = current;
      const float *c = space + (gsize) current * d;
      int next = 0;
      farthest = -1.0;
      for (int j = 0; j < n; j++)
        {
          const float *x = space + (gsize) j * d;
          float sum = 0.0f;
#pragma omp simd reduction(+:sum)
          for (int i = 0; i < d; i++)
            sum += (x[i] - c[i]) * (x[i] - c[i]);
          if (sum < nearest[j])
            nearest[j] = sum;
          if (nearest[j] > farthest)
            {
              farthest = nearest[j];
              next = j;
            }
        }
      /* Everything left coincides with a kept point: more would only
       * duplicate bank rows. */
      if (farthest <= 0.0)
        break;
      current = next;
    }

  *out_indices = indices;
  if (out_radius != NULL)
    *out_radius = sqrt (MAX (farthest, 0.0));
  return kept;
}

FoveaPatchBank *
fovea_patch_bank_new (const float *memory, int n, int dim, GError **error)
{
  if (memory == NULL || n < 1 || dim < 1)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                   "A memory bank needs at least one feature vector (got %d × %d)", n, dim);
      return NULL;
    }
  if (!check_finite (memory, (gsize) n * dim, "Memory bank", error))
    return NULL;

  FoveaPatchBank *bank = g_new0 (FoveaPatchBank, 1);
  fovea_patch_card_init (&bank->card);
  bank->n = n;
  bank->dim = dim;
  bank->memory = g_memdup2 (memory, (gsize) n * dim * sizeof (float));
  bank->sq_norms = g_new (float, n);
  for (int i = 0; i < n; i++)
    {
      bank->sq_norms[i] = squared_norm (bank->memory + (gsize) i * dim, dim);
      /* The search adds ‖b‖² in float: a row past that (|value| ≳ 1e19,
       * no feature's) would be no row's nearest, silently. */
      if (!isfinite (bank->sq_norms[i]))
        {
          g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                       "Memory bank row %d is too large: its squared norm overflows", i);
          fovea_patch_bank_free (bank);
          return NULL;
        }
    }
  return bank;
}

void
fovea_patch_bank_free (FoveaPatchBank *bank)
{
  if (bank == NULL)
    return;
  g_free (bank->memory);
  g_free (bank->sq_norms);
  g_free (bank->normal_scores);
  fovea_patch_card_clear (&bank->card);
  g_free (bank);
}

void
fovea_patch_bank_set_normal_scores (FoveaPatchBank *bank, const float *scores, int n)
{
  g_free (bank->normal_scores);
  bank->normal_scores = n > 0 ? g_memdup2 (scores, (gsize) n * sizeof (float)) : NULL;
  bank->n_normal_scores = MAX (n, 0);

  double sum = 0.0, sum2 = 0.0, max = -INFINITY;
  for (int i = 0; i < n; i++)
    {
      sum += scores[i];
      max = MAX (max, scores[i]);
    }
  double mean = n > 0 ? sum / n : NAN;
  for (int i = 0; i < n; i++)
    sum2 += (scores[i] - mean) * (scores[i] - mean);
  bank->card.normal_score_max = n > 0 ? max : NAN;
  bank->card.normal_score_mean = mean;
  bank->card.normal_score_std = n > 1 ? sqrt (sum2 / (n - 1)) : NAN;
}

/* One block of queries against the whole bank: the running minimum of
 * ‖q‖² − 2 q·b + ‖b‖² over bank blocks, then the winner's exact distance. */
static void
nearest_block (const FoveaPatchBank *bank, const float *queries, int rows,
               const int *sources, int exclude, float *dots, float *out)
{
  int dim = bank->dim;
  float q_norms[QUERY_BLOCK], best[QUERY_BLOCK];
  int best_index[QUERY_BLOCK];

  for (int i = 0; i < rows; i++)
    {
      q_norms[i] = squared_norm (queries + (gsize) i * dim, dim);
      best[i] = INFINITY;
      best_index[i] = -1;
    }

  for (int first = 0; first < bank->n; first += BANK_BLOCK)
    {
      int cols = MIN (BANK_BLOCK, bank->n - first);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, dim, 1.0f,
                   queries, dim, bank->memory + (gsize) first * dim, dim, 0.0f, dots, cols);
      const float *b_norms = bank->sq_norms + first;
      for (int i = 0; i < rows; i++)
        {
          const float *row = dots + (gsize) i * cols;
          for (int j = 0; j < cols; j++)
            {
              float d2 = q_norms[i] - 2.0f * row[j] + b_norms[j];
              if (d2 < best[i] && (sources == NULL || sources[first + j] != exclude))
                {
                  best[i] = d2;
                  best_index[i] = first + j;
                }
            }
        }
    }

  for (int i = 0; i < rows; i++)
    out[i] = best_index[i] < 0 ? INFINITY
           : (float) sqrt (squared_distance (queries + (gsize) i * dim,
                                             bank->memory + (gsize) best_index[i] * dim, dim));
}

gboolean
fovea_patch_bank_nearest (const FoveaPatchBank *bank, const float *queries, int n_queries,
                          const int *sources, int exclude, float *out, GError **error)
{
  g_return_val_if_fail (bank != NULL && out != NULL, FALSE);

  if (n_queries < 0 || (n_queries > 0 && queries == NULL))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                   "Cannot score %d query patches", n_queries);
      return FALSE;
    }
  if (!check_finite (queries, (gsize) n_queries * bank->dim, "Query patches", error))
    return FALSE;

  g_autofree float *dots = g_try_new (float, (gsize) QUERY_BLOCK * MIN (bank->n, BANK_BLOCK));
  if (dots == NULL)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID,
                   "Out of memory for the nearest-neighbour search");
      return FALSE;
    }
  for (int first = 0; first < n_queries; first += QUERY_BLOCK)
    nearest_block (bank, queries + (gsize) first * bank->dim,
                   MIN (QUERY_BLOCK, n_queries - first), sources, exclude, dots, out + first);
  return TRUE;
}

/* The same weights (sha256 of model.safetensors) and the same adapter. */
static gboolean
check_weights (const FoveaPatchCard *card, const char *sha, const char *adapter_sha256,
               GError **error)
{
  if (sha == NULL || g_ascii_strcasecmp (sha, card->backbone_sha256) != 0)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built with backbone weights of sha256 %s, not these (%s): "
                   "its distances would mean nothing", card->backbone_sha256,
                   sha != NULL ? sha : "unreadable");
      return FALSE;
    }
  if (g_strcmp0 (card->adapter_sha256, adapter_sha256) != 0)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built %s%s, but is used %s%s",
                   card->adapter_sha256 ? "with the adapter of sha256 " : "without an adapter",
                   card->adapter_sha256 ? card->adapter_sha256 : "",
                   adapter_sha256 ? "with the adapter of sha256 " : "without an adapter",
                   adapter_sha256 ? adapter_sha256 : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
fovea_patch_bank_check_backbone (const FoveaPatchBank *bank, const FoveaVitConfig *config,
                                 const char *sha, const char *adapter_sha256, GError **error)
{
  const FoveaPatchCard *card = &bank->card;

  if (card->backbone_kind != FOVEA_PATCH_BACKBONE_VIT)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built on a CNN (%s), not on a Vision Transformer like %s",
                   card->backbone_architecture, config->architecture);
      return FALSE;
    }
  if (bank->dim != config->embed_dim)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank's features have %d dimensions but %s gives %d: "
                   "it was built for another backbone", bank->dim,
                   config->architecture, config->embed_dim);
      return FALSE;
    }
  if (card->layer < -1 || card->layer >= config->depth)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built on block %d, but %s has %d blocks",
                   card->layer, config->architecture, config->depth);
      return FALSE;
    }
  if (card->input_height % config->patch_size != 0 ||
      card->input_width % config->patch_size != 0)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank's input size %d×%d is not a multiple of %s's patch size %d",
                   card->input_width, card->input_height, config->architecture,
                   config->patch_size);
      return FALSE;
    }
  return check_weights (card, sha, adapter_sha256, error);
}

gboolean
fovea_patch_bank_check_cnn (const FoveaPatchBank *bank, FoveaCnn *cnn,
                            const char *adapter_sha256, GError **error)
{
  const FoveaPatchCard *card = &bank->card;
  const char *architecture = fovea_cnn_get_config (cnn)->architecture;
  int n_blocks = fovea_cnn_get_n_blocks (cnn);

  if (card->backbone_kind != FOVEA_PATCH_BACKBONE_CNN)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built on a Vision Transformer (%s), not on a CNN like %s",
                   card->backbone_architecture, architecture);
      return FALSE;
    }
  for (int i = 0; i < card->n_stages; i++)
    if (card->stages[i] >= n_blocks)
      {
        g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                     "The bank was built on block %d, but %s has %d blocks",
                     card->stages[i], architecture, n_blocks);
        return FALSE;
      }
  if (!check_weights (card, fovea_cnn_get_sha256 (cnn), adapter_sha256, error))
    return FALSE;
  /* The stages' channels: a run at the bank's input size knows them (and
   * fails, saying why, when that size is too small for the stages). */
  g_autoptr (FoveaCnnRun) run = fovea_cnn_run_new (cnn, 1, card->input_height,
                                                   card->input_width, 1, error);
  if (run == NULL)
    return FALSE;
  int dim = 0;
  for (int i = 0; i < card->n_stages; i++)
    {
      int h, w, c;
      fovea_cnn_run_get_block_shape (run, card->stages[i], &h, &w, &c);
      dim += c;
    }
  if (dim != bank->dim)
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank's features have %d dimensions but the stages of %s give %d: "
                   "it was built for another backbone", bank->dim, architecture, dim);
      return FALSE;
    }
  return TRUE;
}
