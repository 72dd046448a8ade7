/* test-patchcore.c: the PatchCore memory bank: nearest distances against
 * a brute force in double, the coreset's farthest-point guarantee and
 * determinism, the file round trip (ViT and CNN cards, version 1 cards),
 * the backbone checks (a bank used with another backbone kind, weights,
 * layer or stages is refused) and the refusal of malformed banks. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-patchcore.h"
#include "fovea-safetensors.h"
#include "fovea-test-common.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Clustered points, so nearest neighbours are close (the case where the
 * GEMM expansion loses digits) and offset from the origin. */
static float *
random_points (GRand *rand, int n, int dim, double offset)
{
  float *p = g_new (float, (gsize) n * dim);
  for (int i = 0; i < n; i++)
    for (int d = 0; d < dim; d++)
      p[(gsize) i * dim + d] = (float) (offset + (i % 7) + g_rand_double_range (rand, -0.3, 0.3));
  return p;
}

static double
brute_nearest (const float *q, const float *bank, int n, int dim, const int *sources, int exclude)
{
  double best = INFINITY;
  for (int j = 0; j < n; j++)
    {
      if (sources != NULL && sources[j] == exclude)
        continue;
      double s = 0.0;
      for (int d = 0; d < dim; d++)
        {
          double diff = (double) q[d] - bank[(gsize) j * dim + d];
          s += diff * diff;
        }
      best = MIN (best, s);
    }
  return sqrt (best);
}

static void
test_nearest_brute_force (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  /* More than one GEMM block on both sides (256 queries, 2048 bank rows). */
  int n = 2500, dim = 37, n_queries = 300;
  g_autofree float *memory = random_points (rand, n, dim, 10.0);
  g_autofree float *queries = random_points (rand, n_queries, dim, 10.0);
  /* A few queries exactly on bank rows: distance 0, never negative. */
  memcpy (queries, memory + 5 * dim, dim * sizeof (float));
  memcpy (queries + dim, memory + 2400 * dim, dim * sizeof (float));

  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_new (memory, n, dim, &error);
  g_assert_no_error (error);
  g_autofree float *out = g_new (float, n_queries);
  g_assert_true (fovea_patch_bank_nearest (bank, queries, n_queries, NULL, -1, out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < n_queries; i++)
    {
      double ref = brute_nearest (queries + (gsize) i * dim, memory, n, dim, NULL, -1);
      g_assert_cmpfloat (out[i], >=, 0.0f);
      g_assert_cmpfloat_with_epsilon (out[i], ref, 1e-4 * (1.0 + ref));
    }
  g_assert_cmpfloat (out[0], ==, 0.0f);
  g_assert_cmpfloat (out[1], ==, 0.0f);

  /* Excluding a source: the rows of "image" 3 are skipped. */
  g_autofree int *sources = g_new (int, n);
  for (int j = 0; j < n; j++)
    sources[j] = j % 5;
  g_assert_true (fovea_patch_bank_nearest (bank, queries, n_queries, sources, 3, out, &error));
  for (int i = 0; i < n_queries; i++)
    {
      double ref = brute_nearest (queries + (gsize) i * dim, memory, n, dim, sources, 3);
      g_assert_cmpfloat_with_epsilon (out[i], ref, 1e-4 * (1.0 + ref));
    }
}

static void
test_nearest_refuses_nan (void)
{
  float memory[4] = { 0, 1, 2, 3 };
  float query[2] = { NAN, 1 };
  float out[1];
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_new (memory, 2, 2, &error);
  g_assert_false (fovea_patch_bank_nearest (bank, query, 1, NULL, -1, out, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID);
}

static void
check_coreset_covers (const float *points, int n, int dim, const int *kept, int k, double radius)
{
  g_autofree gboolean *is_kept = g_new0 (gboolean, n);
  for (int i = 0; i < k; i++)
    {
      g_assert_cmpint (kept[i], >=, 0);
      g_assert_cmpint (kept[i], <, n);
      g_assert_false (is_kept[kept[i]]);  /* no point twice */
      is_kept[kept[i]] = TRUE;
    }
  g_autofree float *kept_rows = g_new (float, (gsize) k * dim);
  for (int i = 0; i < k; i++)
    memcpy (kept_rows + (gsize) i * dim, points + (gsize) kept[i] * dim, dim * sizeof (float));
  double farthest = 0.0;
  for (int j = 0; j < n; j++)
    {
      double d = brute_nearest (points + (gsize) j * dim, kept_rows, k, dim, NULL, -1);
      g_assert_cmpfloat (d, <=, radius * (1 + 1e-5) + 1e-6);
      farthest = MAX (farthest, d);
    }
  /* The radius reported is the true covering radius, not just a bound. */
  g_assert_cmpfloat_with_epsilon (farthest, radius, 1e-4 * (1 + radius));
}

static void
test_coreset_farthest_point (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  int n = 600, dim = 16;
  g_autofree float *points = random_points (rand, n, dim, -3.0);
  g_autoptr (GError) error = NULL;

  double radius = -1;
  g_autofree int *kept = NULL;
  int k = fovea_patchcore_coreset (points, n, dim, 0.05, 0, 42, &kept, &radius, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k, ==, 30);
  check_coreset_covers (points, n, dim, kept, k, radius);

  /* Greedy: each point chosen was the farthest from those before it, so
   * the radius of a larger coreset is never larger. */
  double radius_more;
  g_autofree int *kept_more = NULL;
  int k_more = fovea_patchcore_coreset (points, n, dim, 0.2, 0, 42, &kept_more, &radius_more,
                                        &error);
  g_assert_cmpint (k_more, ==, 120);
  g_assert_cmpfloat (radius_more, <=, radius);
  /* The same start gives the same first choices. */
  g_assert_cmpmem (kept, k * sizeof (int), kept_more, k * sizeof (int));
}

static void
test_coreset_deterministic (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  int n = 500, dim = 200;
  g_autofree float *points = random_points (rand, n, dim, 0.0);
  g_autoptr (GError) error = NULL;
  g_autofree int *a = NULL, *b = NULL, *c = NULL;
  double ra, rb, rc;
  /* With the random projection (200 → 32 dimensions). */
  int ka = fovea_patchcore_coreset (points, n, dim, 0.1, 32, 5, &a, &ra, &error);
  int kb = fovea_patchcore_coreset (points, n, dim, 0.1, 32, 5, &b, &rb, &error);
  int kc = fovea_patchcore_coreset (points, n, dim, 0.1, 32, 6, &c, &rc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ka, ==, 50);
  g_assert_cmpint (ka, ==, kb);
  g_assert_cmpmem (a, ka * sizeof (int), b, kb * sizeof (int));
  g_assert_cmpfloat (ra, ==, rb);
  /* Another seed starts elsewhere. */
  g_assert_cmpint (kc, ==, 50);
  g_assert_true (memcmp (a, c, ka * sizeof (int)) != 0);
}

static void
test_coreset_keeps_one (void)
{
  float points[3 * 2] = { 0, 0, 1, 0, 5, 5 };
  g_autoptr (GError) error = NULL;
  g_autofree int *kept = NULL;
  double radius;
  int k = fovea_patchcore_coreset (points, 3, 2, 1e-9, 0, 0, &kept, &radius, &error);
  g_assert_no_error (error);
  g_assert_cmpint (k, ==, 1);
  check_coreset_covers (points, 3, 2, kept, k, radius);

  /* Duplicates: it stops once everything is covered exactly. */
  float same[4 * 2] = { 1, 1, 1, 1, 1, 1, 1, 1 };
  g_autofree int *kept_same = NULL;
  k = fovea_patchcore_coreset (same, 4, 2, 1.0, 0, 0, &kept_same, &radius, &error);
  g_assert_cmpint (k, ==, 1);
  g_assert_cmpfloat (radius, ==, 0.0);

  /* Bad arguments are errors, not crashes. */
  g_autofree int *none = NULL;
  g_assert_cmpint (fovea_patchcore_coreset (points, 0, 2, 0.1, 0, 0, &none, NULL, &error), ==, -1);
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (fovea_patchcore_coreset (points, 3, 2, 1.5, 0, 0, &none, NULL, &error), ==, -1);
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_INVALID);
}

static FoveaPatchBank *
make_bank (int n, int dim)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  g_autofree float *memory = random_points (rand, n, dim, 1.0);
  g_autoptr (GError) error = NULL;
  FoveaPatchBank *bank = fovea_patch_bank_new (memory, n, dim, &error);
  g_assert_no_error (error);
  FoveaPatchCard *card = &bank->card;
  card->backbone_architecture = g_strdup ("vit_tiny_patch16_224");
  card->backbone_sha256 = g_strdup (SHA_A);
  card->layer = 1;
  card->input_height = card->input_width = 64;
  card->fundus_crop = TRUE;
  card->modality = g_strdup ("fundus");
  card->coreset_ratio = 0.25;
  card->projection_dim = 8;
  card->seed = G_GUINT64_CONSTANT (18446744073709551615);
  card->n_source_patches = 4 * n;
  card->coreset_radius = 0.5;
  card->smoothing_sigma = 1.5;
  card->score_kind = FOVEA_PATCH_SCORE_MEAN;
  card->thresholds[0] = 1.0;
  card->thresholds[1] = 2.0;
  const char *sources[] = { "a.png", "b ü.tif", NULL };
  card->source_images = g_strdupv ((char **) sources);
  card->note = g_strdup ("random test features");
  float scores[3] = { 1.0f, 2.0f, 4.0f };
  fovea_patch_bank_set_normal_scores (bank, scores, 3);
  return bank;
}

static void
test_save_load_round_trip (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "bank.safetensors", NULL);
  g_autoptr (FoveaPatchBank) bank = make_bank (20, 12);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_patch_bank_save (bank, path, &error));
  g_assert_no_error (error);

  g_autoptr (FoveaPatchBank) back = fovea_patch_bank_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->n, ==, 20);
  g_assert_cmpint (back->dim, ==, 12);
  g_assert_cmpmem (back->memory, 20 * 12 * sizeof (float), bank->memory, 20 * 12 * sizeof (float));
  g_assert_cmpint (back->n_normal_scores, ==, 3);
  const FoveaPatchCard *a = &bank->card, *b = &back->card;
  g_assert_cmpstr (b->backbone_architecture, ==, a->backbone_architecture);
  g_assert_cmpstr (b->backbone_sha256, ==, SHA_A);
  g_assert_null (b->adapter_sha256);
  g_assert_cmpint (b->layer, ==, 1);
  g_assert_cmpint (b->input_height, ==, 64);
  g_assert_true (b->fundus_crop);
  g_assert_cmpstr (b->modality, ==, "fundus");
  g_assert_cmpfloat (b->coreset_ratio, ==, 0.25);
  g_assert_cmpint (b->projection_dim, ==, 8);
  g_assert_true (b->seed == a->seed);
  g_assert_cmpint (b->n_source_patches, ==, 80);
  g_assert_cmpfloat (b->smoothing_sigma, ==, 1.5);
  g_assert_cmpint (b->score_kind, ==, FOVEA_PATCH_SCORE_MEAN);
  g_assert_cmpfloat (b->thresholds[0], ==, 1.0);
  g_assert_cmpfloat (b->thresholds[1], ==, 2.0);
  g_assert_cmpstrv (b->source_images, a->source_images);
  g_assert_cmpstr (b->note, ==, a->note);
  /* Statistics from the scores: max 4, mean 7/3, sample sd. */
  g_assert_cmpfloat (b->normal_score_max, ==, 4.0);
  g_assert_cmpfloat_with_epsilon (b->normal_score_mean, 7.0 / 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (b->normal_score_std, sqrt ((16.0 + 1.0 + 25.0) / 9.0 / 2.0), 1e-12);
  fovea_test_rmdir (dir);
}

static void
test_check_backbone (void)
{
  g_autoptr (FoveaPatchBank) bank = make_bank (4, 12);
  FoveaVitConfig config = { .architecture = (char *) "vit_test", .patch_size = 16,
                            .embed_dim = 12, .depth = 2 };
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_patch_bank_check_backbone (bank, &config, SHA_A, NULL, &error));
  g_assert_no_error (error);

  config.embed_dim = 16;
  g_assert_false (fovea_patch_bank_check_backbone (bank, &config, SHA_A, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_assert_nonnull (strstr (error->message, "12 dimensions"));
  g_clear_error (&error);
  config.embed_dim = 12;

  g_assert_false (fovea_patch_bank_check_backbone (bank, &config, SHA_B, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  g_assert_false (fovea_patch_bank_check_backbone (bank, &config, SHA_A, SHA_B, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  config.depth = 1;
  g_assert_false (fovea_patch_bank_check_backbone (bank, &config, SHA_A, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  config.depth = 2;
  config.patch_size = 24;
  g_assert_false (fovea_patch_bank_check_backbone (bank, &config, SHA_A, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
}

/* Writes a file with these tensors and card, then expects loading it to
 * fail with a message containing needle. */
static void
expect_refused (const char *dir, const FoveaTensorView *views, guint n_views, const char *card,
                GQuark domain, int code, const char *needle)
{
  g_autofree char *path = g_build_filename (dir, "bad.safetensors", NULL);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  if (card != NULL)
    g_hash_table_insert (metadata, (gpointer) FOVEA_PATCHCORE_CARD_KEY, (gpointer) card);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_safetensors_write (path, views, n_views, metadata, &error));
  g_assert_no_error (error);

  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_load (path, &error);
  g_assert_null (bank);
  g_assert_error (error, domain, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("expected “%s” in: %s", needle, error->message);
  g_assert_nonnull (strstr (error->message, "bad.safetensors"));
}

static char *
good_card_text (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "good.safetensors", NULL);
  g_autoptr (FoveaPatchBank) bank = make_bank (2, 3);
  g_assert_true (fovea_patch_bank_save (bank, path, NULL));
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, NULL);
  char *text = g_strdup (fovea_safetensors_get_metadata (st, FOVEA_PATCHCORE_CARD_KEY));
  fovea_test_rmdir (dir);
  return text;
}

static void
test_malformed_refused (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *card = good_card_text ();
  float six[6] = { 0, 1, 2, 3, 4, 5 };
  float nan_six[6] = { 0, 1, NAN, 3, 4, 5 };
  float scores[1] = { 1 };
  FoveaTensorView memory = { .name = "memory_bank", .dtype = FOVEA_DTYPE_F32, .n_dims = 2,
                             .shape = { 2, 3 }, .n_elements = 6, .data = six, .n_bytes = 24 };
  FoveaTensorView normal = { .name = "normal_image_scores", .dtype = FOVEA_DTYPE_F32,
                             .n_dims = 1, .shape = { 1 }, .n_elements = 1, .data = scores,
                             .n_bytes = 4 };

  /* Sanity: these views with the good card load. */
  {
    g_autofree char *path = g_build_filename (dir, "ok.safetensors", NULL);
    g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
    g_hash_table_insert (metadata, (gpointer) FOVEA_PATCHCORE_CARD_KEY, card);
    FoveaTensorView views[2] = { memory, normal };
    g_assert_true (fovea_safetensors_write (path, views, 2, metadata, NULL));
    g_autoptr (GError) error = NULL;
    g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpint (bank->n, ==, 2);
  }

  /* Empty bank. */
  FoveaTensorView empty = memory;
  empty.shape[0] = 0;
  empty.n_elements = 0;
  empty.n_bytes = 0;
  FoveaTensorView v_empty[2] = { empty, normal };
  expect_refused (dir, v_empty, 2, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "non-empty");
  /* No bank tensor at all. */
  expect_refused (dir, &normal, 1, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "memory_bank");
  /* NaN in the bank. */
  FoveaTensorView with_nan = memory;
  with_nan.data = nan_six;
  FoveaTensorView v_nan[2] = { with_nan, normal };
  expect_refused (dir, v_nan, 2, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "not finite");
  /* Values whose squares overflow a float (found by fuzz-patchcore). */
  float huge_six[6] = { 0, 1, 2.6e20f, 3, 4, 5 };
  FoveaTensorView huge = memory;
  huge.data = huge_six;
  FoveaTensorView v_huge[2] = { huge, normal };
  expect_refused (dir, v_huge, 2, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "too large");
  /* NaN among the calibration scores. */
  float nan_score[1] = { NAN };
  FoveaTensorView bad_normal = normal;
  bad_normal.data = nan_score;
  FoveaTensorView v_nan_score[2] = { memory, bad_normal };
  expect_refused (dir, v_nan_score, 2, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "normal_image_scores");
  /* A 1-D bank. */
  FoveaTensorView flat = memory;
  flat.n_dims = 1;
  flat.shape[0] = 6;
  flat.shape[1] = 0;
  FoveaTensorView v_flat[2] = { flat, normal };
  expect_refused (dir, v_flat, 2, card, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "[N, D]");
  /* No card; a card that is not JSON; one with a field missing or wrong. */
  FoveaTensorView views[2] = { memory, normal };
  expect_refused (dir, views, 2, NULL, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_FORMAT,
                  "no anomaly card");
  expect_refused (dir, views, 2, "{\"version\": 1,", FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "card");
  g_autoptr (GString) no_sha = g_string_new (card);
  g_string_replace (no_sha, "\"sha256\"", "\"sha\"", 1);
  expect_refused (dir, views, 2, no_sha->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "“sha256”");
  g_autoptr (GString) bad_ratio = g_string_new (card);
  g_string_replace (bad_ratio, "\"ratio\" : 0.25", "\"ratio\" : 7", 1);
  g_assert_cmpstr (bad_ratio->str, !=, card);
  expect_refused (dir, views, 2, bad_ratio->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "ratio");
  g_autoptr (GString) bad_version = g_string_new (card);
  g_string_replace (bad_version, "\"version\" : 2", "\"version\" : 3", 1);
  g_assert_cmpstr (bad_version->str, !=, card);
  expect_refused (dir, views, 2, bad_version->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "version");
  g_autoptr (GString) bad_kind = g_string_new (card);
  g_string_replace (bad_kind, "\"kind\" : \"vit\"", "\"kind\" : \"rnn\"", 1);
  g_assert_cmpstr (bad_kind->str, !=, card);
  expect_refused (dir, views, 2, bad_kind->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "“kind”");
  /* A CNN card without stages, or with stages out of order, too many or
   * not integers. */
  g_autoptr (GString) no_stages = g_string_new (card);
  g_string_replace (no_stages, "\"kind\" : \"vit\"", "\"kind\" : \"cnn\"", 1);
  expect_refused (dir, views, 2, no_stages->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "“stages”");
  const char *bad_stages[] = { "[13, 6]", "[6, 6]", "[]", "[1, 2, 3, 4, 5]", "[6, \"13\"]",
                               "[-1, 6]", "[6, 13.5]", "6" };
  for (guint i = 0; i < G_N_ELEMENTS (bad_stages); i++)
    {
      g_autoptr (GString) text = g_string_new (card);
      g_autofree char *with = g_strdup_printf ("\"kind\" : \"cnn\", \"stages\" : %s",
                                               bad_stages[i]);
      g_string_replace (text, "\"kind\" : \"vit\"", with, 1);
      expect_refused (dir, views, 2, text->str, FOVEA_PATCHCORE_ERROR,
                      FOVEA_PATCHCORE_ERROR_FORMAT, "“stages”");
    }
  fovea_test_rmdir (dir);
}

/* A version 1 card (before backbone.kind) still loads, as a ViT's; a
 * version 2 card must say its kind. */
static void
test_version_1_card (void)
{
  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *card = good_card_text ();
  g_autoptr (GString) v1 = g_string_new (card);
  g_string_replace (v1, "\"version\" : 2", "\"version\" : 1", 1);
  g_string_replace (v1, "\"kind\" : \"vit\",", "", 1);
  g_assert_null (strstr (v1->str, "\"kind\" : \"vit\""));
  float six[6] = { 0, 1, 2, 3, 4, 5 };
  FoveaTensorView views[2] = {
    { .name = "memory_bank", .dtype = FOVEA_DTYPE_F32, .n_dims = 2, .shape = { 2, 3 },
      .n_elements = 6, .data = six, .n_bytes = 24 },
    { .name = "normal_image_scores", .dtype = FOVEA_DTYPE_F32, .n_dims = 1, .shape = { 0 },
      .n_elements = 0, .data = six, .n_bytes = 0 },
  };
  g_autofree char *path = g_build_filename (dir, "v1.safetensors", NULL);
  g_autoptr (GHashTable) metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, (gpointer) FOVEA_PATCHCORE_CARD_KEY, v1->str);
  g_assert_true (fovea_safetensors_write (path, views, 2, metadata, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bank->card.backbone_kind, ==, FOVEA_PATCH_BACKBONE_VIT);
  g_assert_cmpint (bank->card.n_stages, ==, 0);

  g_autoptr (GString) v2_no_kind = g_string_new (card);
  g_string_replace (v2_no_kind, "\"kind\" : \"vit\",", "", 1);
  expect_refused (dir, views, 2, v2_no_kind->str, FOVEA_PATCHCORE_ERROR,
                  FOVEA_PATCHCORE_ERROR_FORMAT, "“kind”");
  fovea_test_rmdir (dir);
}

static FoveaCnn *
load_bundled_mobilenet (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "resources",
                                           "models", "mobilenetv2-imagenet", NULL);
  g_autoptr (GError) error = NULL;
  FoveaCnn *cnn = fovea_cnn_load (dir, FOVEA_CNN_LOAD_DEFAULT, &error);
  g_assert_no_error (error);
  return cnn;
}

/* A CNN bank: its card round-trips, it fits the CNN it names (weights,
 * stages whose channels add up) and nothing else: not a ViT, not other
 * weights, not stages the network lacks, not another feature width. */
static void
test_check_cnn (void)
{
  g_autoptr (FoveaCnn) cnn = load_bundled_mobilenet ();
  g_autoptr (FoveaPatchBank) made = make_bank (4, 32 + 96);
  FoveaPatchCard *card = &made->card;
  card->backbone_kind = FOVEA_PATCH_BACKBONE_CNN;
  g_free (card->backbone_architecture);
  card->backbone_architecture = g_strdup ("torchvision/mobilenet_v2");
  g_free (card->backbone_sha256);
  card->backbone_sha256 = g_strdup (fovea_cnn_get_sha256 (cnn));
  card->layer = -1;
  card->stages[0] = 6;
  card->stages[1] = 13;
  card->n_stages = 2;
  card->input_height = card->input_width = 224;

  g_autofree char *dir = fovea_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "cnn.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_patch_bank_save (made, path, &error));
  g_assert_no_error (error);
  g_autoptr (FoveaPatchBank) bank = fovea_patch_bank_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bank->card.backbone_kind, ==, FOVEA_PATCH_BACKBONE_CNN);
  g_assert_cmpint (bank->card.n_stages, ==, 2);
  g_assert_cmpint (bank->card.stages[0], ==, 6);
  g_assert_cmpint (bank->card.stages[1], ==, 13);

  g_assert_true (fovea_patch_bank_check_cnn (bank, cnn, NULL, &error));
  g_assert_no_error (error);

  /* A ViT's bank on this CNN, and this CNN's bank on a ViT. */
  FoveaVitConfig vit = { .architecture = (char *) "vit_test", .patch_size = 8,
                         .embed_dim = 128, .depth = 2 };
  g_assert_false (fovea_patch_bank_check_backbone (bank, &vit, bank->card.backbone_sha256,
                                                   NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_assert_nonnull (strstr (error->message, "CNN"));
  g_clear_error (&error);
  bank->card.backbone_kind = FOVEA_PATCH_BACKBONE_VIT;
  g_assert_false (fovea_patch_bank_check_cnn (bank, cnn, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_assert_nonnull (strstr (error->message, "Vision Transformer"));
  g_clear_error (&error);
  bank->card.backbone_kind = FOVEA_PATCH_BACKBONE_CNN;

  /* Other weights; an adapter; a stage past the last block; stages whose
   * channels do not add up to the bank's width (6 and 14: 32 + 160). */
  g_free (bank->card.backbone_sha256);
  bank->card.backbone_sha256 = g_strdup (SHA_A);
  g_assert_false (fovea_patch_bank_check_cnn (bank, cnn, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  g_free (bank->card.backbone_sha256);
  bank->card.backbone_sha256 = g_strdup (fovea_cnn_get_sha256 (cnn));
  g_assert_false (fovea_patch_bank_check_cnn (bank, cnn, SHA_B, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_clear_error (&error);
  bank->card.stages[1] = 19;
  g_assert_false (fovea_patch_bank_check_cnn (bank, cnn, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_assert_nonnull (strstr (error->message, "block 19"));
  g_clear_error (&error);
  bank->card.stages[1] = 14;
  g_assert_false (fovea_patch_bank_check_cnn (bank, cnn, NULL, &error));
  g_assert_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE);
  g_assert_nonnull (strstr (error->message, "128 dimensions"));
  fovea_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/patchcore/nearest/brute-force", test_nearest_brute_force);
  g_test_add_func ("/patchcore/nearest/refuses-nan", test_nearest_refuses_nan);
  g_test_add_func ("/patchcore/coreset/farthest-point", test_coreset_farthest_point);
  g_test_add_func ("/patchcore/coreset/deterministic", test_coreset_deterministic);
  g_test_add_func ("/patchcore/coreset/keeps-one", test_coreset_keeps_one);
  g_test_add_func ("/patchcore/bank/round-trip", test_save_load_round_trip);
  g_test_add_func ("/patchcore/bank/check-backbone", test_check_backbone);
  g_test_add_func ("/patchcore/bank/malformed", test_malformed_refused);
  g_test_add_func ("/patchcore/bank/version-1-card", test_version_1_card);
  g_test_add_func ("/patchcore/bank/check-cnn", test_check_cnn);
  return g_test_run ();
}
