/* fovea-trainer.c: the training loop: set up, then per epoch shuffle,
 * load, step, evaluate, keep the best, checkpoint. */
#define G_LOG_DOMAIN "fovea-trainer"

#include "fovea-trainer-private.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fovea-loss.h"
#include "fovea-model-weights.h"
#include "fovea-spmix.h"

G_DEFINE_QUARK (fovea-trainer-error-quark, fovea_trainer_error)

/* How often (in steps) progress is reported within an epoch. */
#define PROGRESS_EVERY 5

void
fovea_trainer_options_init (FoveaTrainerOptions *options)
{
  *options = (FoveaTrainerOptions) {
    .lora = { .rank = 4, .alpha = 4, .targets = FOVEA_TRAIN_TARGET_Q | FOVEA_TRAIN_TARGET_V },
    .epochs = 10,
    .batch = 32,
    .lr = 1e-3,
    .min_lr = 1e-6,
    .weight_decay = 0.05,
    .warmup_epochs = 1,
    .clip_norm = 1.0,
    .augment = TRUE,
    .spmix_prob = FOVEA_SPMIX_DEFAULT_PROB,
    .spmix_grid = FOVEA_SPMIX_DEFAULT_GRID,
    .spmix_keep = FOVEA_SPMIX_DEFAULT_KEEP,
    .select = FOVEA_TRAINER_SELECT_AUC,
    .seed = 1,
  };
}

char *
fovea_trainer_checkpoint_path (const char *out_dir)
{
  g_autofree char *trimmed = g_strdup (out_dir);
  gsize length = strlen (trimmed);
  while (length > 1 && trimmed[length - 1] == G_DIR_SEPARATOR)
    trimmed[--length] = '\0';
  return g_strconcat (trimmed, ".checkpoint.safetensors", NULL);
}

static void
trainer_clear (FoveaTrainer *trainer)
{
  if (trainer->best != NULL)
    for (int i = 0; i < trainer->n_params; i++)
      g_free (trainer->best[i]);
  g_free (trainer->best);
  g_free (trainer->class_weights);
  g_free (trainer->fingerprint);
  g_free (trainer->command_line);
  fovea_adamw_free (trainer->optimizer);
  fovea_trainer_spmix_free (trainer->spmix);
  fovea_trainer_model_clear (trainer);
  fovea_train_data_free (trainer->train);
  fovea_train_data_free (trainer->val);
  fovea_task_card_free (trainer->card);
}

static gboolean
check_options (const FoveaTrainerOptions *o, GError **error)
{
  const char *problem = NULL;

  if (o->model_dir == NULL || o->card_path == NULL || o->data_path == NULL ||
      o->val_path == NULL || o->out_dir == NULL)
    problem = "--model, --task-card, --data, --val and --out are required";
  else if (o->epochs < 1 || o->batch < 1)
    problem = "--epochs and --batch must be at least 1";
  else if (!(o->lr > 0) || o->min_lr < 0 || o->min_lr > o->lr)
    problem = "--lr must be positive and --min-lr between 0 and --lr";
  else if (o->weight_decay < 0 || o->warmup_epochs < 0 || o->warmup_epochs > o->epochs)
    problem = "--weight-decay must be ≥ 0 and --warmup-epochs between 0 and --epochs";
  else if (o->label_smoothing < 0 || o->label_smoothing >= 1)
    problem = "--label-smoothing must be in [0, 1)";
  else if (o->full && o->head_only)
    problem = "--full and --head contradict each other";
  else if (!o->full && !o->head_only &&
           (o->lora.rank < 1 || !(o->lora.alpha > 0) || o->lora.targets == 0))
    problem = "--lora needs r ≥ 1, alpha > 0 and at least one target";
  else if (o->headless && !o->full)
    problem = "--headless applies to --full training only";
  else if (o->input_height < 0 || o->input_width < 0 ||
           (o->input_height > 0) != (o->input_width > 0) || o->input_height > 8192 ||
           o->input_width > 8192)
    problem = "--input-size must be from 1 to 8192 pixels";
  else if (o->spmix && !(o->spmix_prob > 0 && o->spmix_prob <= 1))
    problem = "--spmix-prob must be in (0, 1]";
  else if (o->spmix && (o->spmix_grid < 1 || o->spmix_grid > FOVEA_SPMIX_MAX_GRID))
    problem = "--spmix-grid must be from 1 to 64";
  else if (o->spmix && !(o->spmix_keep > 0 && o->spmix_keep < 1))
    problem = "--spmix-keep must be in (0, 1)";
  if (problem == NULL)
    return TRUE;
  g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS, "%s", problem);
  return FALSE;
}

/* Everything that changes the result: a checkpoint of another run must
 * not be resumed into this one. */
static char *
make_fingerprint (const FoveaTrainer *t)
{
  const FoveaTrainerOptions *o = t->options;
  g_autoptr (GString) map = g_string_new ("");
  for (int i = 0; o->label_map != NULL && i < o->n_label_map; i++)
    g_string_append_printf (map, "%s%d", i ? "," : "", o->label_map[i]);
  g_autofree char *train = fovea_train_data_describe (t->train);
  g_autofree char *val = fovea_train_data_describe (t->val);
  /* Only when on, so that checkpoints of runs without it stay valid. */
  g_autofree char *spmix = o->spmix ? g_strdup_printf (" spmix=%.17g/%d/%.17g", o->spmix_prob,
                                                       o->spmix_grid, o->spmix_keep)
                                    : g_strdup ("");

  return g_strdup_printf ("mode=%s%s lora=%d/%.17g/%d/%u classes=%d train=%s val=%s epochs=%d "
                          "batch=%d lr=%.17g min_lr=%.17g wd=%.17g warmup=%.17g clip=%.17g "
                          "smoothing=%.17g class_weights=%d balanced=%d augment=%d select=%d "
                          "seed=%" G_GUINT64_FORMAT " input=%dx%d label_map=%s%s",
                          fovea_trainer_mode_name (o), o->headless ? "-headless" : "", o->lora.rank, o->lora.alpha,
                          o->lora.use_rslora, o->lora.targets, t->n_classes, train, val,
                          o->epochs, o->batch, o->lr, o->min_lr, o->weight_decay,
                          o->warmup_epochs, o->clip_norm, o->label_smoothing,
                          o->class_weights, o->balanced, o->augment, o->select, o->seed,
                          t->pre.width, t->pre.height, map->str, spmix);
}

int
fovea_trainer_label (const FoveaTrainer *t, const FoveaTrainData *data, int index)
{
  int label = fovea_train_data_get_label (data, index);
  const FoveaTrainerOptions *o = t->options;

  return o->label_map != NULL && label < o->n_label_map ? o->label_map[label] : label;
}

static gboolean
check_labels (FoveaTrainer *t, FoveaTrainData *data, const char *what, GError **error)
{
  int n_labels = (int) g_strv_length (t->card->labels);
  const FoveaTrainerOptions *o = t->options;

  for (int i = 0; i < fovea_train_data_get_n (data); i++)
    {
      int label = fovea_train_data_get_label (data, i);
      if (o->label_map != NULL && label >= o->n_label_map)
        {
          g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                       "%s: %s has label %d, but --label-map covers only 0 to %d",
                       what, fovea_train_data_get_name (data, i), label, o->n_label_map - 1);
          return FALSE;
        }
      if (fovea_trainer_label (t, data, i) >= n_labels)
        {
          g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                       "%s: %s has label %d, but the task card has %d labels",
                       what, fovea_train_data_get_name (data, i),
                       fovea_trainer_label (t, data, i), n_labels);
          return FALSE;
        }
    }
  return TRUE;
}

/* Inverse class frequency, normalised so that the weights average 1 over
 * the training images (sklearn's "balanced"). */
static void
make_class_weights (FoveaTrainer *t)
{
  int n = fovea_train_data_get_n (t->train);
  g_autofree int *counts = g_new0 (int, t->n_classes);

  for (int i = 0; i < n; i++)
    counts[fovea_trainer_label (t, t->train, i)]++;
  t->class_weights = g_new (float, t->n_classes);
  for (int c = 0; c < t->n_classes; c++)
    t->class_weights[c] = counts[c] > 0 ? (float) n / ((float) t->n_classes * counts[c]) : 0.0f;
}

static gboolean
setup (FoveaTrainer *t, GError **error)
{
  const FoveaTrainerOptions *o = t->options;

  t->card = fovea_task_card_load_file (o->card_path, error);
  if (t->card == NULL)
    return FALSE;
  t->regression = t->card->kind == FOVEA_TASK_GRADING_REGRESSION;
  t->n_classes = t->regression ? 1 : (int) g_strv_length (t->card->labels);

  FoveaTrainDataSource source = {
    o->labels_csv, o->label_column, (const char *const *) t->card->labels, o->split_csv,
    o->images_dir,
  };
  t->train = fovea_train_data_open_source (o->data_path, &source, error);
  if (t->train == NULL)
    return FALSE;
  t->val = fovea_train_data_open_source (o->val_path, &source, error);
  if (t->val == NULL)
    return FALSE;
  if (fovea_train_data_get_n (t->train) < 1 || fovea_train_data_get_n (t->val) < 1)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "The training and validation sets must not be empty");
      return FALSE;
    }
  if (!check_labels (t, t->train, o->data_path, error) ||
      !check_labels (t, t->val, o->val_path, error))
    return FALSE;
  if (o->class_weights && !t->regression)
    make_class_weights (t);

  if (!fovea_trainer_model_build (t, error) || !fovea_trainer_spmix_setup (t, error))
    return FALSE;

  FoveaAdamWConfig adamw = { o->lr, 0.9, 0.999, 1e-8, o->weight_decay };
  t->optimizer = fovea_adamw_new (&adamw, t->params, t->n_params);
  t->best = g_new0 (float *, t->n_params);
  for (int i = 0; i < t->n_params; i++)
    t->best[i] = g_memdup2 (t->params[i].value, t->params[i].n * sizeof (float));
  t->best_score = -INFINITY;

  t->steps_per_epoch = (fovea_train_data_get_n (t->train) + o->batch - 1) / o->batch;
  t->total_steps = t->steps_per_epoch * o->epochs;
  t->fingerprint = make_fingerprint (t);
  t->command_line = g_strdup (o->command_line);
  return TRUE;
}

/* Refuses to replace an existing output unless forced, before any work. */
static gboolean
check_output (const FoveaTrainerOptions *o, GError **error)
{
  if (!o->force && g_file_test (o->out_dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS,
                   "%s exists; use --force to replace it", o->out_dir);
      return FALSE;
    }
  return TRUE;
}

static double
step_loss (FoveaTrainer *t, const float *logits, const int *labels, int batch, float *dlogits)
{
  if (t->regression)
    {
      g_autofree float *targets = g_new (float, batch);
      for (int i = 0; i < batch; i++)
        targets[i] = (float) labels[i];
      return fovea_loss_mse (logits, targets, batch, dlogits);
    }
  return fovea_loss_cross_entropy (logits, labels, batch, t->n_classes, t->class_weights,
                                   t->options->label_smoothing, dlogits);
}

typedef struct {
  FoveaTrainer            *trainer;
  FoveaTrainerProgressFunc func;
  gpointer                 user_data;
  gint64                   started;      /* monotonic µs when this process began training */
  gint64                   images_done;  /* by this process */
} Reporter;

static void
report (Reporter *r, FoveaTrainerProgress *p)
{
  double seconds = (g_get_monotonic_time () - r->started) / 1e6;

  if (r->func == NULL)
    return;
  p->images_per_second = seconds > 0 ? r->images_done / seconds : 0;
  gint64 images_left = (p->steps - p->step) * r->trainer->options->batch;
  p->eta_seconds = p->images_per_second > 0 ? images_left / p->images_per_second : 0;
  r->func (p, r->user_data);
}

static gboolean
train_epoch (FoveaTrainer *t, int epoch, float *pixels, Reporter *reporter,
             GCancellable *cancellable, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  int n = fovea_train_data_get_n (t->train);
  int n_outputs = fovea_trainer_model_n_outputs (t);
  gsize image_floats = (gsize) 3 * t->pre.height * t->pre.width;
  g_autofree int *order = g_new (int, n);
  g_autofree int *labels = g_new (int, o->batch);
  g_autofree float *dlogits = g_new (float, (gsize) o->batch * n_outputs);
  const FoveaAugment *augment = NULL;
  FoveaAugment fundus;
  double loss_sum = 0;
  int loss_count = 0;
  gint64 mixed = 0;

  if (o->augment)
    {
      fovea_augment_init_fundus (&fundus);
      augment = &fundus;
    }
  fovea_train_data_epoch_order (t->train, o->seed, epoch, o->balanced, order);

  for (gint64 s = 0; s < t->steps_per_epoch; s++)
    {
      int first = (int) (s * o->batch), batch = MIN (o->batch, n - first);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (int i = 0; i < batch; i++)
        {
          labels[i] = fovea_trainer_label (t, t->train, order[first + i]);
          if (!fovea_train_data_load (t->train, order[first + i], &t->pre, augment, o->seed,
                                      epoch, pixels + i * image_floats, error))
            return FALSE;
        }
      int n_mixed = 0;
      if (!fovea_trainer_spmix_batch (t, epoch, first, batch, labels, augment, pixels, &n_mixed,
                                      error))
        return FALSE;
      mixed += n_mixed;

      const float *logits = fovea_trainer_model_forward (t, pixels, batch, error);
      if (logits == NULL)
        return FALSE;
      double loss = step_loss (t, logits, labels, batch, dlogits);
      if (!isfinite (loss))
        {
          g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_DIVERGED,
                       "The loss became %g at epoch %d, step %" G_GINT64_FORMAT
                       "; try a lower --lr", loss, epoch + 1, s + 1);
          return FALSE;
        }
      fovea_trainer_model_backward (t, dlogits);
      double norm = fovea_clip_grad_norm (t->params, t->n_params, o->clip_norm);
      if (!isfinite (norm))
        {
          g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_DIVERGED,
                       "The gradients became %g at epoch %d, step %" G_GINT64_FORMAT
                       "; try a lower --lr", norm, epoch + 1, s + 1);
          return FALSE;
        }

      gint64 step = fovea_adamw_get_step (t->optimizer);
      gint64 warmup = (gint64) llround (o->warmup_epochs * t->steps_per_epoch);
      double lr = fovea_lr_schedule (o->lr, o->min_lr, step, warmup, t->total_steps);
      fovea_adamw_step (t->optimizer, t->params, t->n_params, lr);

      loss_sum += loss;
      loss_count++;
      reporter->images_done += batch;
      if ((s + 1) % PROGRESS_EVERY == 0 || s + 1 == t->steps_per_epoch)
        {
          FoveaTrainerProgress p = { .epoch = epoch + 1, .epochs = o->epochs,
                                     .step = step + 1, .steps = t->total_steps,
                                     .loss = loss_sum / loss_count, .lr = lr };
          report (reporter, &p);
        }
    }
  if (t->spmix != NULL)
    g_debug ("epoch %d: SPMix mixed %" G_GINT64_FORMAT " tail-class images", epoch + 1, mixed);
  return TRUE;
}

/* After an epoch: evaluate, keep the weights if they are the best. */
static gboolean
end_epoch (FoveaTrainer *t, int epoch, float *pixels, Reporter *reporter, GError **error)
{
  FoveaTrainerMetrics metrics;

  if (!fovea_trainer_evaluate (t, pixels, &metrics, error))
    return FALSE;
  double score = fovea_trainer_select_score (t, &metrics);
  gboolean best = t->best_epoch == 0 || score > t->best_score;
  if (best)
    {
      t->best_epoch = epoch + 1;
      t->best_score = score;
      t->best_metrics = metrics;
      for (int i = 0; i < t->n_params; i++)
        memcpy (t->best[i], t->params[i].value, t->params[i].n * sizeof (float));
    }

  FoveaTrainerProgress p = { .epoch = epoch + 1, .epochs = t->options->epochs,
                             .step = fovea_adamw_get_step (t->optimizer),
                             .steps = t->total_steps, .loss = metrics.loss,
                             .evaluated = TRUE, .val_acc = metrics.acc,
                             .val_auc = metrics.auc, .val_qwk = metrics.qwk, .val_bacc = metrics.bacc, .best = best };
  report (reporter, &p);
  return fovea_trainer_checkpoint_save (t, epoch + 1, error);
}

/* A checkpoint left by an earlier run is continued only when asked. */
static gboolean
start_or_resume (FoveaTrainer *t, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  g_autofree char *checkpoint = fovea_trainer_checkpoint_path (o->out_dir);
  gboolean found = FALSE;

  if (o->resume)
    return fovea_trainer_checkpoint_load (t, &found, error);
  if (g_file_test (checkpoint, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS,
                   "%s exists from an earlier run: use --resume to continue it, "
                   "or delete it to start again", checkpoint);
      return FALSE;
    }
  return TRUE;
}

static gboolean
train_and_write (FoveaTrainer *t, FoveaTrainerProgressFunc progress, gpointer user_data,
                 GCancellable *cancellable, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  g_autofree float *pixels = g_new (float, (gsize) o->batch * 3 * t->pre.height * t->pre.width);
  g_autofree char *checkpoint = fovea_trainer_checkpoint_path (o->out_dir);
  Reporter reporter = { t, progress, user_data, g_get_monotonic_time (), 0 };

  if (!start_or_resume (t, error))
    return FALSE;
  for (int epoch = t->next_epoch; epoch < o->epochs; epoch++)
    if (!train_epoch (t, epoch, pixels, &reporter, cancellable, error) ||
        !end_epoch (t, epoch, pixels, &reporter, error))
      return FALSE;
  if (!fovea_trainer_write_output (t, error))
    return FALSE;
  /* The output holds everything now; the checkpoint has done its job. */
  g_remove (checkpoint);
  return TRUE;
}

gboolean
fovea_trainer_run (const FoveaTrainerOptions *options, FoveaTrainerProgressFunc progress,
                   gpointer user_data, GCancellable *cancellable, GError **error)
{
  FoveaTrainer t = { .options = options };
  gboolean ok = check_options (options, error) && check_output (options, error) &&
                setup (&t, error) &&
                train_and_write (&t, progress, user_data, cancellable, error);

  trainer_clear (&t);
  return ok;
}
