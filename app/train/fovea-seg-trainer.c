/* fovea-seg-trainer.c: the segmentation training loop, its checkpoint and
 * its output (see the header). */
#define G_LOG_DOMAIN "fovea-seg-trainer"

#include "fovea-seg-trainer.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-cnn-config.h"
#include "fovea-commit.h"
#include "fovea-optim.h"
#include "fovea-output-guard.h"
#include "fovea-safetensors.h"
#include "fovea-seg-evaluation.h"
#include "fovea-seg-loss.h"
#include "fovea-staged-dir.h"
#include "fovea-task-card.h"
#include "fovea-train-cnn.h"
#include "fovea-trainer.h"

#define DICE_SMOOTH 1.0
#define N_STATE 4
static const char *const state_kinds[N_STATE] = { "param", "m", "v", "best" };

typedef struct {
  const FoveaSegTrainerOptions *o;
  FoveaTaskCard         *card;
  FoveaSegData          *data;
  GPtrArray             *train, *val;
  FoveaSegConfig         config;
  FoveaTrainCnn         *model;
  const FoveaTrainParam *params;
  int                    n_params;
  FoveaAdamW            *opt;
  float                **best;
  int                    best_epoch;
  int                    epochs_done;    /* when the best epoch's figures were taken */
  double                 best_score;
  GPtrArray             *best_metrics;   /* FoveaEvalMetric* of the best epoch */
  char                  *fingerprint;
  double                *thresholds;
  float                 *class_weights;
  float                 *pos_weights;     /* NULL: all 1 */
  int                    n_labels;
} SegTrainer;

void
fovea_seg_trainer_options_init (FoveaSegTrainerOptions *o)
{
  *o = (FoveaSegTrainerOptions) {
    .epochs = 20, .patches = 512, .batch = 8, .patch = 256,
    .lr = 1e-3, .min_lr = 1e-5, .weight_decay = 1e-4, .warmup_epochs = 1,
    .bce_weight = 1, .dice_weight = 1,
    .augment = FOVEA_SEG_AUGMENT_DOMAIN, .select = FOVEA_SEG_SELECT_AP, .seed = 1,
  };
}

gboolean
fovea_seg_select_parse (const char *name, FoveaSegSelect *out)
{
  static const char *const names[] = { "ap", "dice", "auc", "iou" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *out = (FoveaSegSelect) i;
        return TRUE;
      }
  return FALSE;
}

static const char *
select_metric (FoveaSegSelect select)
{
  static const char *const names[] = { "ap", "dice", "auc", "iou" };
  return names[select];
}

static void
trainer_clear (SegTrainer *t)
{
  for (int i = 0; t->best != NULL && i < t->n_params; i++)
    g_free (t->best[i]);
  g_free (t->best);
  g_clear_pointer (&t->opt, fovea_adamw_free);
  g_clear_pointer (&t->model, fovea_train_cnn_free);
  fovea_seg_config_clear (&t->config);
  g_clear_pointer (&t->best_metrics, g_ptr_array_unref);
  g_clear_pointer (&t->train, g_ptr_array_unref);
  g_clear_pointer (&t->val, g_ptr_array_unref);
  g_clear_pointer (&t->data, fovea_seg_data_free);
  g_clear_pointer (&t->card, fovea_task_card_free);
  g_free (t->fingerprint);
  g_free (t->thresholds);
  g_free (t->class_weights);
  g_free (t->pos_weights);
}

static gboolean
options_error (GError **error, const char *message)
{
  g_set_error_literal (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS, message);
  return FALSE;
}

static gboolean
check_options (const FoveaSegTrainerOptions *o, GError **error)
{
  if (o->init_dir == NULL || o->card_path == NULL || o->data_root == NULL ||
      o->split_csv == NULL || o->out_dir == NULL)
    return options_error (error, "Segmentation training needs a model folder, a task card, "
                          "--data ROOT, --split CSV and --out");
  if (o->patch < 32 || o->patch % 32 != 0)
    return options_error (error, "--patch must be a positive multiple of 32");
  if (o->epochs < 1 || o->batch < 1 || o->patches < o->batch)
    return options_error (error, "--epochs and --batch must be positive, and --patches at "
                          "least one batch");
  if (!(o->lr > 0) || o->min_lr < 0 || o->weight_decay < 0 || o->warmup_epochs < 0 ||
      o->bce_weight < 0 || o->dice_weight < 0 || o->bce_weight + o->dice_weight <= 0)
    return options_error (error, "Invalid learning rate, weight decay, warm-up or loss "
                          "weights");
  return TRUE;
}

/* The Unet's config.json text: the card's labels as classes, the encoder
 * padded as the initial weights were, their normalisation, the patch as
 * input size (the tile of tiled inference). */
static char *
unet_config_json (const FoveaCnnConfig *init, int classes, int patch)
{
  const FoveaPretrainedCfg *p = &init->pretrained;
  return g_strdup_printf ("{\"_model_class\": \"Unet\", \"encoder_name\": \"mobilenet_v2\", "
                          "\"classes\": %d, \"activation\": \"sigmoid\", "
                          "\"" FOVEA_SEG_PAD_MEMBER "\": \"%s\", \"pretrained_cfg\": "
                          "{\"mean\": [%.9g, %.9g, %.9g], \"std\": [%.9g, %.9g, %.9g], "
                          "\"input_size\": [3, %d, %d]}}",
                          classes, init->same_padding ? "same" : "torch", p->mean[0],
                          p->mean[1], p->mean[2], p->std[0], p->std[1], p->std[2], patch,
                          patch);
}

static char *
make_fingerprint (const FoveaSegTrainerOptions *o)
{
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "seg|%s|%s|%s|%s|%s|%d|%d|%d|%d|%.17g|%.17g|%.17g|%.17g|%.17g|"
                          "%.17g|%d|%d|%" G_GUINT64_FORMAT,
                          o->init_dir, o->card_path, o->data_root, o->split_csv, o->out_dir,
                          o->epochs, o->patches, o->batch, o->patch, o->lr, o->min_lr,
                          o->weight_decay, o->warmup_epochs, o->bce_weight, o->dice_weight,
                          o->augment, o->select, o->seed);
  for (int i = 0; i < o->n_class_weights; i++)
    g_string_append_printf (s, "|%.17g", o->class_weights[i]);
  g_string_append (s, "|pos");
  for (int i = 0; i < o->n_pos_weights; i++)
    g_string_append_printf (s, "|%.17g", o->pos_weights[i]);
  return g_string_free (s, FALSE);
}

static gboolean
setup (SegTrainer *t, GError **error)
{
  const FoveaSegTrainerOptions *o = t->o;
  if ((t->card = fovea_task_card_load_file (o->card_path, error)) == NULL)
    return FALSE;
  if (t->card->kind != FOVEA_TASK_SEGMENTATION)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "%s is not a segmentation card (its kind must be \"segmentation\")",
                   o->card_path);
      return FALSE;
    }
  t->n_labels = (int) g_strv_length (t->card->labels);
  if (o->n_class_weights != 0 && o->n_class_weights != t->n_labels)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "--class-weights gives %d weights but %s has %d labels",
                   o->n_class_weights, o->card_path, t->n_labels);
      return FALSE;
    }
  if (o->n_pos_weights != 0 && o->n_pos_weights != t->n_labels)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "--pos-weights gives %d weights but %s has %d labels",
                   o->n_pos_weights, o->card_path, t->n_labels);
      return FALSE;
    }
  if (o->n_pos_weights > 0)
    {
      t->pos_weights = g_new (float, t->n_labels);
      for (int c = 0; c < t->n_labels; c++)
        t->pos_weights[c] = (float) o->pos_weights[c];
    }
  t->thresholds = g_new (double, t->n_labels);
  t->class_weights = g_new (float, t->n_labels);
  for (int c = 0; c < t->n_labels; c++)
    {
      t->thresholds[c] = t->card->label_thresholds != NULL
                         ? g_array_index (t->card->label_thresholds, double, c) : 0.5;
      t->class_weights[c] = o->n_class_weights > 0 ? (float) o->class_weights[c] : 1.0f;
    }

  t->data = fovea_seg_data_load (o->data_root, o->split_csv,
                                 (const char *const *) t->card->labels,
                                 t->card->fov_diameter, error);
  if (t->data == NULL)
    return FALSE;
  t->train = fovea_seg_data_split (t->data, FOVEA_SEG_SPLIT_TRAIN);
  t->val = fovea_seg_data_split (t->data, FOVEA_SEG_SPLIT_VAL);
  if (t->train->len == 0 || t->val->len == 0)
    {
      g_set_error (error, FOVEA_TRAIN_DATA_ERROR, FOVEA_TRAIN_DATA_ERROR_EMPTY,
                   "%s gives %u training and %u validation images: both are needed",
                   o->split_csv, t->train->len, t->val->len);
      return FALSE;
    }

  FoveaCnnConfig init;
  g_autofree char *init_config = g_build_filename (o->init_dir, "config.json", NULL);
  g_autofree char *init_weights = g_build_filename (o->init_dir, "model.safetensors", NULL);
  if (!fovea_cnn_config_load_file (&init, init_config, error))
    return FALSE;
  gboolean is_mobilenet = g_strcmp0 (init.architecture, "torchvision/mobilenet_v2") == 0;
  g_autofree char *json = unet_config_json (&init, t->n_labels, o->patch);
  fovea_cnn_config_clear (&init);
  if (!is_mobilenet)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_OPTIONS,
                   "%s is not a torchvision/mobilenet_v2 (the encoder segmentation "
                   "models start from)", init_config);
      return FALSE;
    }
  if (!fovea_seg_config_load_data (&t->config, json, -1, error))
    return FALSE;
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_open (init_weights, error);
  if (weights == NULL)
    return FALSE;
  FoveaTrainCnnSize size = { o->batch, o->patch, o->patch, o->threads };
  t->model = fovea_train_cnn_new_seg (&t->config, weights, o->seed, &size, error);
  if (t->model == NULL)
    return FALSE;
  fovea_train_cnn_set_save_f16 (t->model, o->save_f16);
  t->params = fovea_train_cnn_get_params (t->model, &t->n_params);
  FoveaAdamWConfig adamw = { o->lr, 0.9, 0.999, 1e-8, o->weight_decay };
  t->opt = fovea_adamw_new (&adamw, t->params, t->n_params);
  t->best = g_new0 (float *, t->n_params);
  for (int i = 0; i < t->n_params; i++)
    t->best[i] = g_memdup2 (t->params[i].value, sizeof (float) * t->params[i].n);
  t->best_epoch = 0;
  t->best_score = -INFINITY;
  t->fingerprint = make_fingerprint (o);
  return TRUE;
}

/* ---- checkpoint ---------------------------------------------------------- */

static float *
state_buffer (SegTrainer *t, int kind, int i)
{
  switch (kind)
    {
    case 0: return t->params[i].value;
    case 1: return fovea_adamw_get_m (t->opt, i);
    case 2: return fovea_adamw_get_v (t->opt, i);
    default: return t->best[i];
    }
}

static gboolean
checkpoint_save (SegTrainer *t, int epochs_done, GError **error)
{
  g_autofree char *path = fovea_trainer_checkpoint_path (t->o->out_dir);
  g_autofree FoveaTensorView *views = g_new0 (FoveaTensorView, (gsize) N_STATE * t->n_params);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (int k = 0; k < N_STATE; k++)
    for (int i = 0; i < t->n_params; i++)
      {
        char *name = g_strdup_printf ("%s.%s", state_kinds[k], t->params[i].name);
        g_ptr_array_add (names, name);
        views[k * t->n_params + i] = (FoveaTensorView) {
          .name = name, .dtype = FOVEA_DTYPE_F32, .n_dims = 1,
          .shape = { (gint64) t->params[i].n }, .n_elements = t->params[i].n,
          .data = state_buffer (t, k, i), .n_bytes = t->params[i].n * sizeof (float) };
      }
  g_hash_table_insert (meta, "fovea.fingerprint", g_strdup (t->fingerprint));
  g_hash_table_insert (meta, "fovea.epochs_done", g_strdup_printf ("%d", epochs_done));
  g_hash_table_insert (meta, "fovea.step",
                       g_strdup_printf ("%" G_GINT64_FORMAT, fovea_adamw_get_step (t->opt)));
  g_hash_table_insert (meta, "fovea.best_epoch", g_strdup_printf ("%d", t->best_epoch));
  g_hash_table_insert (meta, "fovea.best_score", g_strdup_printf ("%.17g", t->best_score));
  return fovea_safetensors_write (path, views, (guint) N_STATE * t->n_params, meta, error);
}

static gboolean
checkpoint_error (GError **error, const char *path, const char *what)
{
  g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_CHECKPOINT,
               "Cannot resume from %s: %s", path, what);
  return FALSE;
}

/* Restores the state; *epochs_done 0 when there is no checkpoint. */
static gboolean
checkpoint_load (SegTrainer *t, int *epochs_done, GError **error)
{
  g_autofree char *path = fovea_trainer_checkpoint_path (t->o->out_dir);
  *epochs_done = 0;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, error);
  if (st == NULL)
    return FALSE;
  if (g_strcmp0 (fovea_safetensors_get_metadata (st, "fovea.fingerprint"), t->fingerprint) != 0)
    return checkpoint_error (error, path, "it was written by a run with other options or data");
  gint64 done, step, best_epoch;
  const char *best_score = fovea_safetensors_get_metadata (st, "fovea.best_score");
  if (!g_ascii_string_to_signed (fovea_safetensors_get_metadata (st, "fovea.epochs_done"),
                                 10, 1, t->o->epochs, &done, NULL) ||
      !g_ascii_string_to_signed (fovea_safetensors_get_metadata (st, "fovea.step"), 10, 0,
                                 G_MAXINT64, &step, NULL) ||
      !g_ascii_string_to_signed (fovea_safetensors_get_metadata (st, "fovea.best_epoch"), 10,
                                 0, done, &best_epoch, NULL) || best_score == NULL)
    return checkpoint_error (error, path, "its epoch or step is missing or out of range");
  for (int k = 0; k < N_STATE; k++)
    for (int i = 0; i < t->n_params; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", state_kinds[k], t->params[i].name);
        gint64 shape[1] = { (gint64) t->params[i].n };
        const float *data = fovea_safetensors_get_weights (st, name, 1, shape, error);
        if (data == NULL)
          return FALSE;
        memcpy (state_buffer (t, k, i), data, sizeof (float) * t->params[i].n);
      }
  fovea_adamw_set_step (t->opt, step);
  t->best_epoch = (int) best_epoch;
  t->best_score = g_ascii_strtod (best_score, NULL);
  *epochs_done = (int) done;
  return TRUE;
}

/* ---- evaluation ---------------------------------------------------------- */

/* The validation figures of the current weights: saved as a model folder
 * and segmented by the inference engine, as the output will be. */
static GPtrArray *
evaluate (SegTrainer *t, GPtrArray *samples, int n_resamples, GError **error)
{
  g_autofree char *dir = g_dir_make_tmp ("fovea-seg-eval-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  GPtrArray *metrics = NULL;
  if (fovea_train_cnn_save (t->model, dir, NULL, error))
    {
      g_autoptr (FoveaSeg) seg = fovea_seg_load (dir, FOVEA_CNN_LOAD_DEFAULT, error);
      g_autoptr (FoveaSegEval) eval = fovea_seg_eval_new ((int) samples->len, t->n_labels,
                                                          t->thresholds);
      if (seg != NULL && fovea_seg_eval_run (eval, seg, samples, t->o->threads, error))
        metrics = fovea_seg_eval_metrics (eval, (const char *const *) t->card->labels,
                                          n_resamples, t->o->seed);
    }
  fovea_remove_tree (dir);
  return metrics;
}

static double
selection_score (SegTrainer *t, GPtrArray *metrics)
{
  const char *kind = select_metric (t->o->select);
  g_autofree char *name = t->n_labels == 1
                          ? g_strdup_printf ("%s_%s", kind, t->card->labels[0])
                          : g_strdup_printf ("mean_%s", kind);
  return fovea_seg_eval_lookup (metrics, name);
}

/* ---- output -------------------------------------------------------------- */

static void
add_metric (JsonArray *array, const FoveaEvalMetric *m, const char *split)
{
  if (isnan (m->value))
    return;
  JsonObject *metric = json_object_new ();
  json_object_set_string_member (metric, "name", m->name);
  json_object_set_double_member (metric, "value", round (m->value * 1000) / 1000);
  json_object_set_string_member (metric, "split", split);
  json_array_add_object_element (array, metric);
}

static gboolean
write_card (SegTrainer *t, const char *dir, const char *sha256, GError **error)
{
  const FoveaSegTrainerOptions *o = t->o;
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, o->card_path, error))
    return FALSE;
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  g_autofree char *split = g_strdup_printf ("%s, %u validation images of %s (%s); also "
                                            "used to select the epoch", o->data_root,
                                            t->val->len, o->split_csv, "inside the FOV");
  JsonArray *metrics = json_array_new ();
  for (guint i = 0; t->best_metrics != NULL && i < t->best_metrics->len; i++)
    add_metric (metrics, t->best_metrics->pdata[i], split);

  JsonObject *provenance = json_object_new ();
  g_autofree char *training_data = g_strdup_printf ("%s; trained on %u images of %s (%s)",
                                                    t->card->training_data != NULL
                                                    ? t->card->training_data : o->data_root,
                                                    t->train->len, o->data_root, o->split_csv);
  json_object_set_string_member (provenance, "training_data", training_data);
  json_object_set_array_member (provenance, "metrics", metrics);
  json_object_set_string_member (provenance, "sha256", sha256);
  if (o->command_line != NULL)
    json_object_set_string_member (provenance, "command", o->command_line);
  json_object_set_int_member (provenance, "seed", (gint64) o->seed);
  json_object_set_string_member (provenance, "commit", FOVEA_COMMIT);
  JsonObject *details = json_object_new ();
  static const char *const augment_names[] = { "none", "plain", "domain" };
  json_object_set_string_member (details, "mode", "full (segmentation)");
  json_object_set_int_member (details, "epochs", o->epochs);
  json_object_set_int_member (details, "best_epoch", t->best_epoch);
  json_object_set_int_member (details, "epochs_trained", t->epochs_done);
  json_object_set_string_member (details, "weights_dtype", o->save_f16 ? "F16" : "F32");
  if (o->patience > 0)
    json_object_set_int_member (details, "patience", o->patience);
  json_object_set_int_member (details, "patches_per_epoch", o->patches);
  json_object_set_int_member (details, "patch", o->patch);
  json_object_set_int_member (details, "batch", o->batch);
  json_object_set_double_member (details, "lr", o->lr);
  json_object_set_double_member (details, "weight_decay", o->weight_decay);
  json_object_set_double_member (details, "bce_weight", o->bce_weight);
  json_object_set_double_member (details, "dice_weight", o->dice_weight);
  if (o->n_class_weights > 0 || o->n_pos_weights > 0)
    {
      JsonArray *cw = json_array_new (), *pw = json_array_new ();
      for (int c = 0; c < t->n_labels; c++)
        {
          json_array_add_double_element (cw, t->class_weights[c]);
          json_array_add_double_element (pw, t->pos_weights != NULL ? t->pos_weights[c] : 1);
        }
      json_object_set_array_member (details, "class_weights", cw);
      json_object_set_array_member (details, "pos_weights", pw);
    }
  json_object_set_string_member (details, "augment", augment_names[o->augment]);
  json_object_set_string_member (details, "select", select_metric (o->select));
  json_object_set_object_member (provenance, "training", details);
  json_object_set_object_member (card, "provenance", provenance);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  g_autofree char *path = g_build_filename (dir, "task_card.json", NULL);
  if (!fovea_output_write_atomic (path, with_newline, strlen (with_newline), 0644, error))
    return FALSE;
  g_autoptr (FoveaTaskCard) check = fovea_task_card_load_file (path, error);
  return check != NULL;
}

static gboolean
write_output (SegTrainer *t, GError **error)
{
  for (int i = 0; i < t->n_params; i++)
    memcpy (t->params[i].value, t->best[i], sizeof (float) * t->params[i].n);
  g_autofree char *staged = fovea_staged_dir_new (t->o->out_dir, error);
  if (staged == NULL)
    return FALSE;
  g_autofree char *weights = g_build_filename (staged, "model.safetensors", NULL);
  g_autoptr (GMappedFile) mapped = NULL;
  g_autofree char *sha256 = NULL;
  gboolean ok = fovea_train_cnn_save (t->model, staged, NULL, error) &&
                (mapped = g_mapped_file_new (weights, FALSE, error)) != NULL;
  if (ok)
    sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                          (const guchar *) g_mapped_file_get_contents (mapped),
                                          g_mapped_file_get_length (mapped));
  ok = ok && write_card (t, staged, sha256, error) &&
       fovea_staged_dir_publish (staged, t->o->out_dir, error);
  if (!ok)
    fovea_remove_tree (staged);
  return ok;
}

/* ---- the loop ------------------------------------------------------------ */

static gboolean
train_epoch (SegTrainer *t, int epoch, FoveaSegTrainerProgressFunc progress, gpointer user_data,
             GCancellable *cancellable, GError **error)
{
  const FoveaSegTrainerOptions *o = t->o;
  int side = o->patch, classes = t->n_labels, steps = o->patches / o->batch;
  gsize plane = (gsize) side * side;
  g_autofree float *pixels = g_new (float, 3 * plane * o->batch);
  g_autofree float *targets = g_new (float, plane * classes * o->batch);
  g_autofree float *fov = g_new (float, plane * o->batch);
  g_autofree float *dlogits = g_new (float, plane * classes * o->batch);
  FoveaSegAugment aug;
  fovea_seg_augment_init (&aug, o->augment, side);
  memcpy (aug.mean, t->config.pretrained.mean, sizeof aug.mean);
  memcpy (aug.std, t->config.pretrained.std, sizeof aug.std);
  gint64 total = (gint64) steps * o->epochs;
  gint64 warmup = (gint64) llround (o->warmup_epochs * steps);
  double loss_sum = 0;
  gint64 started = g_get_monotonic_time ();

  for (int s = 0; s < steps; s++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      for (int b = 0; b < o->batch; b++)
        fovea_seg_patch_make (&aug, t->train, classes, o->seed, epoch,
                              (gint64) s * o->batch + b, pixels + 3 * plane * b,
                              targets + plane * classes * b, fov + plane * b);
      const float *logits = fovea_train_cnn_forward (t->model, pixels, o->batch, error);
      if (logits == NULL)
        return FALSE;
      memset (dlogits, 0, sizeof (float) * plane * classes * o->batch);
      double loss = 0;
      if (o->bce_weight > 0)
        loss += o->bce_weight * fovea_seg_loss_bce_pos (logits, targets, fov, o->batch, plane,
                                                        classes, t->class_weights,
                                                        t->pos_weights, o->bce_weight,
                                                        dlogits);
      if (o->dice_weight > 0)
        loss += o->dice_weight * fovea_seg_loss_dice (logits, targets, fov, o->batch, plane,
                                                      classes, DICE_SMOOTH, o->dice_weight,
                                                      dlogits);
      if (!isfinite (loss))
        {
          g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_DIVERGED,
                       "The loss became %g at epoch %d, step %d: lower --lr", loss, epoch, s);
          return FALSE;
        }
      fovea_train_cnn_zero_grad (t->model);
      fovea_train_cnn_backward (t->model, dlogits);
      gint64 step = fovea_adamw_get_step (t->opt);
      double lr = fovea_lr_schedule (o->lr, o->min_lr, step, warmup, total);
      fovea_adamw_step (t->opt, t->params, t->n_params, lr);
      loss_sum += loss;
      if (progress != NULL && (s % 10 == 9 || s == steps - 1))
        {
          double seconds = (g_get_monotonic_time () - started) / 1e6;
          FoveaSegTrainerProgress p = {
            .epoch = epoch + 1, .epochs = o->epochs, .step = step + 1, .steps = total,
            .loss = loss_sum / (s + 1), .lr = lr,
            .patches_per_second = seconds > 0 ? (s + 1) * o->batch / seconds : 0,
          };
          progress (&p, user_data);
        }
    }
  return TRUE;
}

gboolean
fovea_seg_trainer_run (const FoveaSegTrainerOptions *o, FoveaSegTrainerProgressFunc progress,
                       gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (o != NULL, FALSE);
  if (!check_options (o, error))
    return FALSE;
  g_autofree char *checkpoint = fovea_trainer_checkpoint_path (o->out_dir);
  if (!o->resume && !o->force && g_file_test (o->out_dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS,
                   "%s exists (--force replaces it, --resume continues its checkpoint)",
                   o->out_dir);
      return FALSE;
    }
  if (!o->resume && g_file_test (checkpoint, G_FILE_TEST_EXISTS) && g_unlink (checkpoint) != 0)
    {
      g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_EXISTS,
                   "Cannot remove the old checkpoint %s", checkpoint);
      return FALSE;
    }

  SegTrainer t = { .o = o };
  int done = 0;
  gboolean ok = setup (&t, error) && (!o->resume || checkpoint_load (&t, &done, error));
  int ran = 0;
  int epoch = done;
  for (; ok && epoch < o->epochs; epoch++)
    {
      if (o->patience > 0 && epoch - t.best_epoch >= o->patience)
        break;
      if (o->stop_after > 0 && ran == o->stop_after)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       "Stopped after %d epochs, as asked; --resume continues", ran);
          ok = FALSE;
          break;
        }
      ok = train_epoch (&t, epoch, progress, user_data, cancellable, error);
      g_autoptr (GPtrArray) metrics = ok ? evaluate (&t, t.val, 0, error) : NULL;
      ok = ok && metrics != NULL;
      if (!ok)
        break;
      double score = selection_score (&t, metrics);
      gboolean best = !isnan (score) && score > t.best_score;
      if (best || t.best_epoch == 0)
        {
          t.best_epoch = epoch + 1;
          t.best_score = isnan (score) ? -INFINITY : score;
          for (int i = 0; i < t.n_params; i++)
            memcpy (t.best[i], t.params[i].value, sizeof (float) * t.params[i].n);
        }
      if (progress != NULL)
        {
          FoveaSegTrainerProgress p = { .epoch = epoch + 1, .epochs = o->epochs,
                                        .evaluated = TRUE, .best = best, .score = score };
          progress (&p, user_data);
        }
      ok = checkpoint_save (&t, epoch + 1, error);
      ran++;
    }
  /* The best epoch's figures, measured again on its own weights. */
  if (ok)
    {
      t.epochs_done = epoch;
      for (int i = 0; i < t.n_params; i++)
        memcpy (t.params[i].value, t.best[i], sizeof (float) * t.params[i].n);
      t.best_metrics = evaluate (&t, t.val, 0, error);
      ok = t.best_metrics != NULL && write_output (&t, error);
    }
  trainer_clear (&t);
  return ok;
}
