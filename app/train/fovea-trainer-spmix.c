/* fovea-trainer-spmix.c: SPMix (fovea-spmix.h) in the training loop.
 *
 * Which images: a sampled image of a tail class (fovea_spmix_tail_classes
 * on the training labels) is mixed with probability prob, with a head
 * image drawn uniformly from the images of the other classes; both as
 * augmented for this epoch, at the input size. The mixed image keeps the
 * tail label (the paper's rule: SPMix "generate[s] a new tail-class
 * image", Wei et al., arXiv:2406.10801).
 *
 * Saliency: the class activation map (fovea-cam.h; Grad-CAM up to a
 * constant on a global-pool + linear head) of the tail image's label,
 * computed by the model being trained, with its current weights, on the
 * augmented tail images of the step, in one forward of those images
 * before the step's own. Computing it on the augmented image, rather than
 * once per epoch on the plain image, keeps map and patches aligned after
 * the random crop, flips and rotation; and since it is a function of the
 * weights and of (seed, epoch, sample), a resumed run recomputes exactly
 * the same maps: nothing goes in the checkpoint. The map is signed (no
 * ReLU), so that patches still rank when a young model has no positive
 * evidence anywhere.
 *
 * Defaults (ours; the paper's grid, kept share and probability were not
 * available to us): prob 0.5, a 7 × 7 grid, half the patches kept. */
#define G_LOG_DOMAIN "fovea-trainer-spmix"

#include "fovea-trainer-private.h"

#include <string.h>

#include "fovea-spmix.h"
#include "fovea-train-rng.h"

struct _FoveaTrainerSpmix {
  gboolean    *tail;          /* n_classes */
  int          n_tail;
  int         *head_images;   /* indices of the training images not of a tail class */
  int          n_head_images;
  int          n_keep;
  const float *head_weight;   /* n_classes × head_in: the trained head's weight */
  int          head_in;
  /* per step */
  int         *rows;          /* batch rows mixed */
  int         *partners;      /* their head images */
  float       *tail_pixels;   /* the rows' images, for the saliency forward */
  float       *head_pixels;   /* one image */
  float       *map;           /* one activation map */
  float       *patch;         /* grid² */
};

static gboolean
spmix_error (GError **error, const char *message)
{
  g_set_error_literal (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS, message);
  return FALSE;
}

/* The head's weight among the trained parameters: "<head module>.weight". */
static const FoveaTrainParam *
find_head_weight (const FoveaTrainer *t)
{
  g_autofree char *name = g_strconcat (fovea_trainer_model_head_prefix (t), ".weight", NULL);
  for (int i = 0; i < t->n_params; i++)
    if (g_strcmp0 (t->params[i].name, name) == 0)
      return &t->params[i];
  return NULL;
}

gboolean
fovea_trainer_spmix_setup (FoveaTrainer *t, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  int n = fovea_train_data_get_n (t->train);

  if (!o->spmix)
    return TRUE;
  if (t->cnn == NULL)
    return spmix_error (error, "--spmix needs a CNN: its saliency is the class activation "
                        "map of the last feature map");
  if (t->regression)
    return spmix_error (error, "--spmix applies to classification, not regression");
  if (o->headless)
    return spmix_error (error, "--spmix needs the head that --headless removes");
  if (o->spmix_grid > t->pre.height || o->spmix_grid > t->pre.width)
    return spmix_error (error, "--spmix-grid must not exceed the input size");
  const FoveaTrainParam *head = find_head_weight (t);
  if (head == NULL || head->shape[0] != t->n_classes)
    return spmix_error (error, "--spmix: the model's head weight was not found among the "
                        "trained parameters");

  FoveaTrainerSpmix *s = g_new0 (FoveaTrainerSpmix, 1);
  t->spmix = s;
  g_autofree int *counts = g_new0 (int, t->n_classes);
  for (int i = 0; i < n; i++)
    counts[fovea_trainer_label (t, t->train, i)]++;
  s->tail = g_new (gboolean, t->n_classes);
  s->n_tail = fovea_spmix_tail_classes (counts, t->n_classes, s->tail);
  if (s->n_tail == 0)
    return spmix_error (error, "--spmix: no class has fewer training images than the median "
                        "class, so there is no tail class to mix");
  s->head_images = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    if (!s->tail[fovea_trainer_label (t, t->train, i)])
      s->head_images[s->n_head_images++] = i;

  s->n_keep = fovea_spmix_n_keep (o->spmix_grid, o->spmix_keep);
  s->head_weight = head->value;
  s->head_in = head->shape[1];
  gsize image_floats = (gsize) 3 * t->pre.height * t->pre.width;
  s->rows = g_new (int, o->batch);
  s->partners = g_new (int, o->batch);
  s->tail_pixels = g_new (float, (gsize) o->batch * image_floats);
  s->head_pixels = g_new (float, image_floats);
  s->patch = g_new (float, o->spmix_grid * o->spmix_grid);
  return TRUE;
}

void
fovea_trainer_spmix_free (FoveaTrainerSpmix *s)
{
  if (s == NULL)
    return;
  g_free (s->tail);
  g_free (s->head_images);
  g_free (s->rows);
  g_free (s->partners);
  g_free (s->tail_pixels);
  g_free (s->head_pixels);
  g_free (s->map);
  g_free (s->patch);
  g_free (s);
}

const gboolean *
fovea_trainer_spmix_get_tail (const FoveaTrainer *t)
{
  return t->spmix != NULL ? t->spmix->tail : NULL;
}

/* The class activation map of class for image b of the last forward:
 * Σ_c W[class, c] · F[b, y, x, c] per cell. */
static void
class_map (FoveaTrainerSpmix *s, const float *features, int cells, int channels, int b,
           int klass, float *map)
{
  const float *w = s->head_weight + (gsize) klass * s->head_in;
  for (int cell = 0; cell < cells; cell++)
    {
      const float *f = features + ((gsize) b * cells + cell) * channels;
      double sum = 0;
      for (int c = 0; c < channels; c++)
        sum += (double) w[c] * f[c];
      map[cell] = (float) sum;
    }
}

gboolean
fovea_trainer_spmix_batch (FoveaTrainer *t, int epoch, int first, int batch, const int *labels,
                           const FoveaAugment *augment, float *pixels, int *n_mixed,
                           GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  FoveaTrainerSpmix *s = t->spmix;
  gsize image_floats = (gsize) 3 * t->pre.height * t->pre.width;
  int k = 0;

  *n_mixed = 0;
  if (s == NULL || s->n_head_images == 0)
    return TRUE;
  /* Which rows, and with what: a generator per place in the epoch. */
  for (int i = 0; i < batch; i++)
    {
      if (!s->tail[labels[i]])
        continue;
      FoveaTrainRng rng;
      fovea_train_rng_seed (&rng, o->seed, FOVEA_TRAIN_RNG_SPMIX, epoch, first + i);
      if (fovea_train_rng_uniform (&rng) >= o->spmix_prob)
        continue;
      s->rows[k] = i;
      s->partners[k] = s->head_images[fovea_train_rng_below (&rng, (guint64) s->n_head_images)];
      memcpy (s->tail_pixels + k * image_floats, pixels + s->rows[k] * image_floats,
              image_floats * sizeof (float));
      k++;
    }
  if (k == 0)
    return TRUE;

  if (fovea_trainer_model_forward (t, s->tail_pixels, k, error) == NULL)
    return FALSE;
  int h, w, channels;
  const float *features = fovea_train_cnn_get_features (t->cnn, &h, &w, &channels);
  if (channels != s->head_in)
    return spmix_error (error, "--spmix: the head's width differs from the last feature map's");
  if (s->map == NULL)
    s->map = g_new (float, h * w);
  for (int j = 0; j < k; j++)
    {
      int row = s->rows[j];
      class_map (s, features, h * w, channels, j, labels[row], s->map);
      fovea_spmix_patch_saliency (s->map, h, w, t->pre.height, t->pre.width, o->spmix_grid,
                                  s->patch);
      if (!fovea_train_data_load (t->train, s->partners[j], &t->pre, augment, o->seed, epoch,
                                  s->head_pixels, error))
        return FALSE;
      fovea_spmix_mix (pixels + row * image_floats, s->head_pixels, 3, t->pre.height,
                       t->pre.width, o->spmix_grid, s->patch, s->n_keep, NULL);
    }
  *n_mixed = k;
  return TRUE;
}
