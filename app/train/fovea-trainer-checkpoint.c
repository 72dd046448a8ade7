/* fovea-trainer-checkpoint.c: the whole training state after an epoch, in
 * one safetensors file written atomically: the weights ("param.NAME"), the
 * AdamW moments ("m.NAME", "v.NAME"), the best epoch's weights
 * ("best.NAME"), and in the metadata the epoch, step, best metrics and
 * the run's fingerprint. Floats are stored bit for bit, so a resumed run
 * continues exactly where the interrupted one stopped. */
#define G_LOG_DOMAIN "fovea-trainer-checkpoint"

#include "fovea-trainer-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KIND_COUNT 4
static const char *const kinds[KIND_COUNT] = { "param", "m", "v", "best" };

static float *
kind_buffer (FoveaTrainer *t, int kind, int i)
{
  switch (kind)
    {
    case 0: return t->params[i].value;
    case 1: return fovea_adamw_get_m (t->optimizer, i);
    case 2: return fovea_adamw_get_v (t->optimizer, i);
    default: return t->best[i];
    }
}

/* Doubles as text that reads back to the same bits ("%.17g"; NaN kept). */
static char *
double_text (double value)
{
  return isnan (value) ? g_strdup ("nan") : g_strdup_printf ("%.17g", value);
}

static double
text_double (const char *text)
{
  /* Absent (a checkpoint from before the figure was kept) reads as NaN. */
  if (text == NULL || g_strcmp0 (text, "nan") == 0)
    return NAN;
  return g_ascii_strtod (text, NULL);
}

gboolean
fovea_trainer_checkpoint_save (FoveaTrainer *t, int epochs_done, GError **error)
{
  g_autofree char *path = fovea_trainer_checkpoint_path (t->options->out_dir);
  g_autofree FoveaTensorView *views = g_new0 (FoveaTensorView, (gsize) KIND_COUNT * t->n_params);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (int k = 0; k < KIND_COUNT; k++)
    for (int i = 0; i < t->n_params; i++)
      {
        FoveaTensorView *v = &views[k * t->n_params + i];
        char *name = g_strdup_printf ("%s.%s", kinds[k], t->params[i].name);
        g_ptr_array_add (names, name);
        *v = (FoveaTensorView) { .name = name, .dtype = FOVEA_DTYPE_F32, .n_dims = 1,
                                 .shape = { (gint64) t->params[i].n },
                                 .n_elements = t->params[i].n,
                                 .data = kind_buffer (t, k, i),
                                 .n_bytes = t->params[i].n * sizeof (float) };
      }

  g_hash_table_insert (meta, "fovea.fingerprint", g_strdup (t->fingerprint));
  if (t->command_line != NULL)
    g_hash_table_insert (meta, "fovea.command", g_strdup (t->command_line));
  g_hash_table_insert (meta, "fovea.epochs_done", g_strdup_printf ("%d", epochs_done));
  g_hash_table_insert (meta, "fovea.step",
                       g_strdup_printf ("%" G_GINT64_FORMAT, fovea_adamw_get_step (t->optimizer)));
  g_hash_table_insert (meta, "fovea.best_epoch", g_strdup_printf ("%d", t->best_epoch));
  g_hash_table_insert (meta, "fovea.best_score", double_text (t->best_score));
  g_hash_table_insert (meta, "fovea.best_loss", double_text (t->best_metrics.loss));
  g_hash_table_insert (meta, "fovea.best_acc", double_text (t->best_metrics.acc));
  g_hash_table_insert (meta, "fovea.best_auc", double_text (t->best_metrics.auc));
  g_hash_table_insert (meta, "fovea.best_qwk", double_text (t->best_metrics.qwk));
  g_hash_table_insert (meta, "fovea.best_bacc", double_text (t->best_metrics.bacc));

  return fovea_safetensors_write (path, views, (guint) KIND_COUNT * t->n_params, meta, error);
}

static gboolean
checkpoint_error (GError **error, const char *path, const char *what)
{
  g_set_error (error, FOVEA_TRAINER_ERROR, FOVEA_TRAINER_ERROR_CHECKPOINT,
               "Cannot resume from %s: %s", path, what);
  return FALSE;
}

static gboolean
read_int (FoveaSafetensors *st, const char *key, gint64 lo, gint64 hi, gint64 *out)
{
  const char *text = fovea_safetensors_get_metadata (st, key);
  return text != NULL && g_ascii_string_to_signed (text, 10, lo, hi, out, NULL);
}

gboolean
fovea_trainer_checkpoint_load (FoveaTrainer *t, gboolean *found, GError **error)
{
  g_autofree char *path = fovea_trainer_checkpoint_path (t->options->out_dir);
  gint64 epochs_done, step, best_epoch;

  *found = FALSE;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autoptr (FoveaSafetensors) st = fovea_safetensors_open (path, error);
  if (st == NULL)
    return FALSE;
  if (g_strcmp0 (fovea_safetensors_get_metadata (st, "fovea.fingerprint"), t->fingerprint) != 0)
    return checkpoint_error (error, path, "it was written by a run with other options or data");
  if (!read_int (st, "fovea.epochs_done", 1, t->options->epochs, &epochs_done) ||
      !read_int (st, "fovea.step", 0, G_MAXINT64, &step) ||
      !read_int (st, "fovea.best_epoch", 1, epochs_done, &best_epoch))
    return checkpoint_error (error, path, "its epoch or step is missing or out of range");

  for (int k = 0; k < KIND_COUNT; k++)
    for (int i = 0; i < t->n_params; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s.%s", kinds[k], t->params[i].name);
        gint64 shape[1] = { (gint64) t->params[i].n };
        const float *data = fovea_safetensors_get_weights (st, name, 1, shape, error);
        if (data == NULL)
          return FALSE;
        memcpy (kind_buffer (t, k, i), data, t->params[i].n * sizeof (float));
      }

  const char *command = fovea_safetensors_get_metadata (st, "fovea.command");
  if (command != NULL)
    {
      g_free (t->command_line);
      t->command_line = g_strdup (command);
    }
  fovea_adamw_set_step (t->optimizer, step);
  t->next_epoch = (int) epochs_done;
  t->best_epoch = (int) best_epoch;
  t->best_score = text_double (fovea_safetensors_get_metadata (st, "fovea.best_score"));
  t->best_metrics.loss = text_double (fovea_safetensors_get_metadata (st, "fovea.best_loss"));
  t->best_metrics.acc = text_double (fovea_safetensors_get_metadata (st, "fovea.best_acc"));
  t->best_metrics.auc = text_double (fovea_safetensors_get_metadata (st, "fovea.best_auc"));
  t->best_metrics.qwk = text_double (fovea_safetensors_get_metadata (st, "fovea.best_qwk"));
  t->best_metrics.bacc = text_double (fovea_safetensors_get_metadata (st, "fovea.best_bacc"));
  *found = TRUE;
  return TRUE;
}
