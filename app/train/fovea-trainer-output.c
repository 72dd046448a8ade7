/* fovea-trainer-output.c: the trained weights and their task card,
 * published as a whole (fovea-staged-dir.h): a crash leaves either the
 * old output or the new one, never a mixture. */
#define G_LOG_DOMAIN "fovea-trainer-output"

#include "fovea-trainer-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "fovea-commit.h"
#include "fovea-output-guard.h"
#include "fovea-staged-dir.h"

static const char *
weights_file (const FoveaTrainer *t)
{
  return t->options->full ? "model.safetensors" : "adapter_model.safetensors";
}

static char *
file_sha256 (const char *path, GError **error)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, error);
  if (file == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (file),
                                      g_mapped_file_get_length (file));
}

static void
add_metric (JsonArray *metrics, const char *name, double value, const char *split)
{
  if (isnan (value))
    return;
  JsonObject *metric = json_object_new ();
  json_object_set_string_member (metric, "name", name);
  /* Three decimals: the validation set is small, more would be noise. */
  json_object_set_double_member (metric, "value", round (value * 1000) / 1000);
  json_object_set_string_member (metric, "split", split);
  json_array_add_object_element (metrics, metric);
}

static JsonObject *
training_details (const FoveaTrainer *t)
{
  const FoveaTrainerOptions *o = t->options;
  JsonObject *details = json_object_new ();

  json_object_set_string_member (details, "mode", fovea_trainer_mode_name (o));
  if (!o->full && !o->head_only)
    {
      json_object_set_int_member (details, "lora_rank", o->lora.rank);
      json_object_set_double_member (details, "lora_alpha", o->lora.alpha);
    }
  json_object_set_int_member (details, "epochs", o->epochs);
  json_object_set_int_member (details, "best_epoch", t->best_epoch);
  json_object_set_int_member (details, "batch", o->batch);
  json_object_set_double_member (details, "lr", o->lr);
  json_object_set_double_member (details, "weight_decay", o->weight_decay);
  json_object_set_boolean_member (details, "augment", o->augment);
  json_object_set_boolean_member (details, "balanced_sampling", o->balanced);
  json_object_set_boolean_member (details, "class_weights", o->class_weights);
  json_object_set_double_member (details, "label_smoothing", o->label_smoothing);
  const gboolean *tail = fovea_trainer_spmix_get_tail (t);
  if (tail != NULL)
    {
      JsonObject *spmix = json_object_new ();
      JsonArray *tail_labels = json_array_new ();
      for (int c = 0; c < t->n_classes; c++)
        if (tail[c])
          json_array_add_string_element (tail_labels, t->card->labels[c]);
      json_object_set_double_member (spmix, "prob", o->spmix_prob);
      json_object_set_int_member (spmix, "grid", o->spmix_grid);
      json_object_set_double_member (spmix, "keep", o->spmix_keep);
      json_object_set_array_member (spmix, "tail_classes", tail_labels);
      json_object_set_object_member (details, "spmix", spmix);
    }
  return details;
}

/* Rewrites a full model folder without its head: the tensors but
 * <head>.* copied, num_classes 0 in config.json. */
static gboolean
strip_head (const char *dir, const char *head, GError **error)
{
  g_autofree char *prefix = g_strconcat (head, ".", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (weights, error);
  if (st == NULL)
    return FALSE;
  guint n = fovea_safetensors_get_n_tensors (st), kept = 0;
  g_autofree FoveaTensorView *views = g_new (FoveaTensorView, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      if (!g_str_has_prefix (view->name, prefix))
        views[kept++] = *view;
    }
  if (!fovea_safetensors_write (weights, views, kept, NULL, error))
    return FALSE;

  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, config, error))
    return FALSE;
  json_object_set_int_member (json_node_get_object (json_parser_get_root (parser)),
                              "num_classes", 0);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_file (generator, config, error);
}

/* A CNN trains at any size: the card says which, so that inference runs
 * at it too. */
static void
set_input_size (JsonObject *card, int height, int width)
{
  if (!json_object_has_member (card, "preprocessing") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (card, "preprocessing")))
    json_object_set_object_member (card, "preprocessing", json_object_new ());
  JsonArray *size = json_array_new ();
  json_array_add_int_element (size, height);
  json_array_add_int_element (size, width);
  json_object_set_array_member (json_object_get_object_member (card, "preprocessing"),
                                "input_size", size);
}

/* The card given for training, with provenance replaced by this run's. */
static gboolean
write_card (const FoveaTrainer *t, const char *dir, const char *sha256, GError **error)
{
  const FoveaTrainerOptions *o = t->options;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *train = fovea_train_data_describe (t->train);
  g_autofree char *val = fovea_train_data_describe (t->val);

  if (!json_parser_load_from_file (parser, o->card_path, error))
    return FALSE;
  JsonObject *card = json_node_get_object (json_parser_get_root (parser));
  if (t->cnn != NULL)
    set_input_size (card, t->pre.height, t->pre.width);
  /* The figures are measured on the set that also chose the epoch: say
   * so, since that makes them optimistic. */
  g_autofree char *split = g_strdup_printf ("%s; also used to select the epoch", val);
  JsonArray *metrics = json_array_new ();
  add_metric (metrics, "acc", t->best_metrics.acc, split);
  add_metric (metrics, t->n_classes == 2 ? "auc" : "macro_auc", t->best_metrics.auc, split);
  add_metric (metrics, "qwk", t->best_metrics.qwk, split);
  add_metric (metrics, "balanced_acc", t->best_metrics.bacc, split);

  JsonObject *provenance = json_object_new ();
  /* The template says what the data is; the run adds which part of it. */
  g_autofree char *training_data = g_strdup_printf ("%s; trained on %s",
                                                    t->card->training_data, train);
  json_object_set_string_member (provenance, "training_data", training_data);
  json_object_set_array_member (provenance, "metrics", metrics);
  json_object_set_string_member (provenance, "sha256", sha256);
  if (t->command_line != NULL)
    json_object_set_string_member (provenance, "command", t->command_line);
  json_object_set_int_member (provenance, "seed", (gint64) o->seed);
  json_object_set_string_member (provenance, "commit", FOVEA_COMMIT);
  json_object_set_object_member (provenance, "training", training_details (t));
  json_object_set_object_member (card, "provenance", provenance);

  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, json_parser_get_root (parser));
  g_autofree char *text = json_generator_to_data (generator, NULL);
  g_autofree char *with_newline = g_strconcat (text, "\n", NULL);
  /* A headless backbone has no outputs to read: its card documents how
   * it was made, and is not a task. */
  g_autofree char *path = g_build_filename (dir, o->headless ? "backbone_card.json"
                                                              : "task_card.json", NULL);
  if (!fovea_output_write_atomic (path, with_newline, strlen (with_newline), 0644, error))
    return FALSE;
  if (o->headless)
    return TRUE;

  /* What was written must load as a card that fits the model. */
  g_autoptr (FoveaTaskCard) check = fovea_task_card_load_file (path, error);
  return check != NULL &&
         fovea_task_card_check_outputs (check, fovea_trainer_model_n_outputs (t), error);
}

gboolean
fovea_trainer_write_output (FoveaTrainer *t, GError **error)
{
  const char *out_dir = t->options->out_dir;

  for (int i = 0; i < t->n_params; i++)
    memcpy (t->params[i].value, t->best[i], t->params[i].n * sizeof (float));

  g_autofree char *template = fovea_staged_dir_new (out_dir, error);
  if (template == NULL)
    return FALSE;
  g_autofree char *weights = g_build_filename (template, weights_file (t), NULL);
  g_autofree char *sha256 = NULL;
  /* No commit or time in the weights file: retraining at any revision
   * that computes the same gives byte-identical weights. */
  gboolean ok = fovea_trainer_model_save (t, template, error) &&
                (!t->options->headless ||
                 strip_head (template, fovea_trainer_model_head_prefix (t), error)) &&
                (sha256 = file_sha256 (weights, error)) != NULL &&
                write_card (t, template, sha256, error) &&
                fovea_staged_dir_publish (template, out_dir, error);
  if (!ok)
    fovea_remove_tree (template);
  return ok;
}
