/* test-octa-texture-score.c: the OCTA texture score on the real OCTA-500
 * projections (skipped without ../shared/data). The bank is fitted on the
 * scans of subjects other than each size's last, taken as good; the last
 * subject's scans are held out and degraded: Gaussian blur, noise,
 * horizontal motion stripes and low signal must each score worse than the
 * scan itself, and more of one degradation must score worse still. */
#include <math.h>
#include <string.h>

#include "fovea-decode.h"
#include "fovea-octa-texture-score.h"
#include "fovea-test-common.h"

static const char *const layers[] = { "OCTA(FULL)", "OCTA(ILM_OPL)" };
static const struct {
  const char *size;
  const char *subjects[5];
} scans[] = {
  { "3M", { "10301", "10302", "10303", "10304", "10305" } },
  { "6M", { "10001", "10002", "10003", "10004", "10005" } },
};

typedef struct {
  char         *root;
  FoveaAnomaly *scorer;
  GPtrArray    *held_out;  /* FoveaImage */
} Fixture;

static char *
scan_path (const char *root, int size, int layer, int subject)
{
  g_autofree char *name = g_strconcat (scans[size].subjects[subject], ".bmp", NULL);
  return g_build_filename (root, scans[size].size, "ProjectionMaps", layers[layer], name, NULL);
}

static gboolean
fixture_init (Fixture *f)
{
  memset (f, 0, sizeof *f);
  f->root = fovea_test_data_path ("octa500");
  if (f->root == NULL)
    return FALSE;

  g_autoptr (GPtrArray) good = g_ptr_array_new_with_free_func (g_free);
  f->held_out = g_ptr_array_new_with_free_func ((GDestroyNotify) fovea_image_free);
  for (int s = 0; s < 2; s++)
    for (int l = 0; l < (int) G_N_ELEMENTS (layers); l++)
      {
        for (int subject = 0; subject < 4; subject++)
          g_ptr_array_add (good, scan_path (f->root, s, l, subject));
        g_autofree char *path = scan_path (f->root, s, l, 4);
        g_autoptr (GError) error = NULL;
        FoveaImage *image = fovea_decode_file (path, NULL, NULL, &error);
        g_assert_no_error (error);
        g_ptr_array_add (f->held_out, image);
      }

  g_autofree char *model = fovea_test_fixture_path ("vit/models/tiny-token");
  FoveaAnomalyOptions options;
  fovea_octa_texture_options_init (&options, model);
  options.layer = 0;
  options.input_size = 256;
  options.n_threads = 1;
  g_autoptr (GError) error = NULL;
  f->scorer = fovea_anomaly_new (&options, &error);
  g_assert_no_error (error);
  FoveaAnomalyBankOptions bank_options;
  fovea_anomaly_bank_options_init (&bank_options);
  const FoveaPatchBank *bank = fovea_octa_texture_fit (f->scorer,
                                                       (const char *const *) good->pdata,
                                                       (int) good->len, &bank_options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (bank->card.thresholds[0], <, bank->card.thresholds[1]);
  g_assert_cmpstr (bank->card.modality, ==, "octa");
  g_assert_false (bank->card.fundus_crop);
  g_test_message ("thresholds: outstanding ≤ %.4g, gradable ≤ %.4g",
                  bank->card.thresholds[0], bank->card.thresholds[1]);
  return TRUE;
}

static void
fixture_clear (Fixture *f)
{
  g_free (f->root);
  fovea_anomaly_free (f->scorer);
  if (f->held_out != NULL)
    g_ptr_array_unref (f->held_out);
}

typedef enum { BLUR, NOISE, STRIPES, LOW_SIGNAL } Degradation;
static const char *const degradation_names[] = { "blur", "noise", "stripes", "low signal" };

/* A grey 8-bit copy of image with one degradation of the given strength
 * (1, 2, 3: more is worse). */
static FoveaImage *
degrade (const FoveaImage *image, Degradation kind, int strength, guint32 seed)
{
  g_autoptr (FoveaImage) grey = fovea_image_to_grey8 (image);
  int w = grey->width, h = grey->height;
  g_autofree double *v = g_new (double, (gsize) w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      v[(gsize) y * w + x] = fovea_image_row (grey, y)[x];
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  if (kind == BLUR)
    {
      /* Separable Gaussian, σ = 0.75 · strength pixels, edges clamped. */
      double sigma = 1.0 * strength;
      int r = (int) ceil (3 * sigma);
      g_autofree double *tmp = g_new (double, (gsize) w * h);
      for (int pass = 0; pass < 2; pass++)
        {
          double *src = pass == 0 ? v : tmp, *dst = pass == 0 ? tmp : v;
          for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
              {
                double sum = 0, wsum = 0;
                for (int k = -r; k <= r; k++)
                  {
                    int xx = pass == 0 ? CLAMP (x + k, 0, w - 1) : x;
                    int yy = pass == 0 ? y : CLAMP (y + k, 0, h - 1);
                    double g = exp (-0.5 * k * k / (sigma * sigma));
                    sum += g * src[(gsize) yy * w + xx];
                    wsum += g;
                  }
                dst[(gsize) y * w + x] = sum / wsum;
              }
        }
    }
  else if (kind == NOISE)
    {
      for (gsize i = 0; i < (gsize) w * h; i++)
        {
          double u = 1.0 - g_rand_double (rand), t = g_rand_double (rand);
          v[i] += 30.0 * (strength + 1) * sqrt (-2 * log (u)) * cos (2 * G_PI * t);
        }
    }
  else if (kind == STRIPES)
    {
      /* Saccades: bands of rows displaced sideways and brightened, more
       * and wider bands with strength. */
      int period = 32 / strength, band = 2 + strength;
      g_autofree double *copy = g_memdup2 (v, sizeof (double) * w * h);
      for (int y = 0; y < h; y++)
        if (y % period < band)
          for (int x = 0; x < w; x++)
            v[(gsize) y * w + x] = copy[(gsize) y * w + (x + 7 * strength) % w] + 80;
    }
  else
    {
      /* Weak signal: contrast and level fall together. */
      double gain = 1.0 - 0.25 * strength;
      for (gsize i = 0; i < (gsize) w * h; i++)
        v[i] *= gain;
    }

  FoveaImage *out = fovea_image_new (w, h, 1, 8, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      fovea_image_row (out, y)[x] = (guint8) CLAMP (lround (v[(gsize) y * w + x]), 0, 255);
  return out;
}

static double
score (Fixture *f, const FoveaImage *image)
{
  FoveaOctaTextureScore q;
  g_autoptr (GError) error = NULL;
  g_assert_true (fovea_octa_texture_assess (f->scorer, image, &q, &error));
  g_assert_no_error (error);
  return q.score;
}

static void
test_degradations (void)
{
  Fixture f;
  if (!fixture_init (&f))
    return;

  for (guint i = 0; i < f.held_out->len; i++)
    {
      const FoveaImage *scan = f.held_out->pdata[i];
      g_autoptr (FoveaImage) grey = degrade (scan, LOW_SIGNAL, 0, 1);  /* the scan as is */
      double original = score (&f, grey);
      for (int kind = BLUR; kind <= LOW_SIGNAL; kind++)
        {
          double previous = original;
          for (int strength = 1; strength <= 3; strength++)
            {
              g_autoptr (FoveaImage) worse = degrade (scan, kind, strength, 7 + i);
              double s = score (&f, worse);
              g_test_message ("scan %u, %s %d: %.4f (original %.4f)", i,
                              degradation_names[kind], strength, s, original);
              if (!(s > previous))
                g_error ("scan %u: %s at strength %d scores %.5f, not above %.5f", i,
                         degradation_names[kind], strength, s, previous);
              previous = s;
            }
        }
    }
  fixture_clear (&f);
}

static void
test_grades (void)
{
  Fixture f;
  if (!fixture_init (&f))
    return;

  const FoveaPatchCard *card = &fovea_anomaly_get_bank (f.scorer)->card;
  int ungradable = 0;
  for (guint i = 0; i < f.held_out->len; i++)
    {
      FoveaOctaTextureScore good, bad;
      g_autoptr (GError) error = NULL;
      g_autoptr (FoveaImage) noisy = degrade (f.held_out->pdata[i], NOISE, 3, 99);
      g_assert_true (fovea_octa_texture_assess (f.scorer, f.held_out->pdata[i], &good, &error));
      g_assert_true (fovea_octa_texture_assess (f.scorer, noisy, &bad, &error));
      g_test_message ("scan %u: %s (%.4f); with noise %s (%.4f)", i,
                      fovea_octa_texture_grade_to_string (good.grade), good.score,
                      fovea_octa_texture_grade_to_string (bad.grade), bad.score);
      /* Grades follow the thresholds. */
      g_assert_cmpint (good.grade == FOVEA_OCTA_TEXTURE_OUTSTANDING, ==,
                       good.score <= card->thresholds[0]);
      g_assert_cmpint (bad.grade, >=, good.grade);
      /* Heavy noise (σ = 120 grey levels) never leaves a scan outstanding. */
      g_assert_cmpint (bad.grade, !=, FOVEA_OCTA_TEXTURE_OUTSTANDING);
      ungradable += bad.grade == FOVEA_OCTA_TEXTURE_UNGRADABLE;
    }
  g_test_message ("%d of %u noisy scans ungradable", ungradable, f.held_out->len);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/octa-texture-score/degradations", test_degradations);
  g_test_add_func ("/octa-texture-score/grades", test_grades);
  return g_test_run ();
}
