/* fovea-engine-run.c: forward passes through the engine's cached arenas. */
#define G_LOG_DOMAIN "fovea-engine-run"

#include "fovea-engine-private.h"

#include <math.h>
#include <string.h>

#include "fovea-rollout.h"

void
fovea_engine_runs_clear (GArray *runs)
{
  for (guint i = 0; i < runs->len; i++)
    fovea_engine_backbone_run_free (g_array_index (runs, FoveaEngineRun, i).run);
  g_array_set_size (runs, 0);
}

/* The arena for this input size, created or replaced to hold batch images
 * and, when asked, keep the attention maps. */
FoveaEngineBackboneRun *
fovea_engine_get_run (FoveaEngine *engine, int batch, int height, int width,
                      gboolean attention, GError **error)
{
  FoveaEngineRun *slot = NULL;
  for (guint i = 0; i < engine->runs->len && slot == NULL; i++)
    {
      FoveaEngineRun *r = &g_array_index (engine->runs, FoveaEngineRun, i);
      if (r->height == height && r->width == width)
        slot = r;
    }
  if (slot != NULL && slot->max_batch >= batch && (slot->attention || !attention))
    return slot->run;

  FoveaEngineBackboneRun *run = fovea_engine_backbone_run_new (engine->backbone, batch, height,
                                                               width, attention,
                                                               engine->n_threads, error);
  if (run == NULL)
    return NULL;
  if (slot == NULL)
    {
      g_array_set_size (engine->runs, engine->runs->len + 1);
      slot = &g_array_index (engine->runs, FoveaEngineRun, engine->runs->len - 1);
      slot->height = height;
      slot->width = width;
    }
  fovea_engine_backbone_run_free (slot->run);
  slot->run = run;
  slot->max_batch = batch;
  slot->attention = attention;
  return run;
}

void
fovea_engine_output_free (FoveaEngineOutput *output)
{
  if (output == NULL)
    return;
  for (int i = 0; i < output->batch; i++)
    fovea_task_result_clear (&output->results[i]);
  g_free (output->results);
  g_free (output->logits);
  g_free (output->rollout);
  g_free (output);
}

/* Each image's rollout of the chunk the run has just computed, the first
 * being image first of the output. */
static gboolean
add_rollouts (FoveaEngineOutput *output, FoveaVitRun *run, int first, int n,
              GError **error)
{
  int cells = fovea_vit_run_get_grid (run, &output->grid_h, &output->grid_w);
  if (output->rollout == NULL)
    output->rollout = g_new (float, (gsize) output->batch * cells);
  for (int i = 0; i < n; i++)
    if (!fovea_rollout_compute (run, i, output->rollout + (gsize) (first + i) * cells, error))
      return FALSE;
  return TRUE;
}

static FoveaEngineOutput *
output_new (int batch, int n_outputs)
{
  FoveaEngineOutput *output = g_new0 (FoveaEngineOutput, 1);
  output->batch = batch;
  output->n_outputs = n_outputs;
  output->logits = g_new0 (float, (gsize) batch * n_outputs);
  output->results = g_new0 (FoveaTaskResult, batch);
  return output;
}

FoveaEngineOutput *
fovea_engine_run_tensor (FoveaEngine *engine, guint task_index, const float *pixels,
                         int batch, int height, int width, GError **error)
{
  g_return_val_if_fail (engine != NULL && pixels != NULL, NULL);
  g_return_val_if_fail (task_index < engine->tasks->len, NULL);

  const FoveaEngineTask *task = engine->tasks->pdata[task_index];
  if (batch < 1 || height < 1 || width < 1)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                   "Cannot run “%s” on %d input(s) of %d×%d pixels",
                   task->name, batch, width, height);
      return NULL;
    }

  g_autoptr (FoveaEngineOutput) output = output_new (batch, task->n_outputs);
  gsize image_floats = 3 * (gsize) height * width;
  /* A CNN has no attention maps: its outputs carry no rollout. */
  gboolean rollout = engine->rollout && fovea_engine_has_attention (engine);
  gint64 start = g_get_monotonic_time ();
  for (int first = 0; first < batch; first += FOVEA_ENGINE_MAX_BATCH)
    {
      int n = MIN (batch - first, FOVEA_ENGINE_MAX_BATCH);
      FoveaEngineBackboneRun *run = fovea_engine_get_run (engine, n, height, width, rollout,
                                                           error);
      if (run == NULL ||
          !fovea_engine_backbone_forward (run, pixels + first * image_floats, n, task->adapter,
                                          error))
        return NULL;
      int n_outputs = fovea_engine_backbone_run_get_n_outputs (run);
      if (n_outputs != task->n_outputs)
        {
          g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                       "“%s” gave %d outputs per image, not the %d expected",
                       task->name, n_outputs, task->n_outputs);
          return NULL;
        }
      memcpy (output->logits + (gsize) first * task->n_outputs,
              fovea_engine_backbone_run_get_logits (run),
              (gsize) n * task->n_outputs * sizeof (float));
      if (rollout && !add_rollouts (output, fovea_engine_backbone_run_get_vit (run), first, n,
                                    error))
        return NULL;
    }
  output->forward_s = (g_get_monotonic_time () - start) / 1e6;

  /* A NaN or infinity has no label: softmax and argmax would still give
   * one ("No DR" for NaN), so the run is an error instead. */
  for (gsize i = 0; i < (gsize) batch * task->n_outputs; i++)
    if (!isfinite (output->logits[i]))
      {
        g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                     "“%s” gave a non-finite output (%g) for image %d of %d: "
                     "the model or the image is broken, no result is given",
                     task->name, (double) output->logits[i],
                     (int) (i / task->n_outputs) + 1, batch);
        return NULL;
      }

  for (int i = 0; i < batch; i++)
    fovea_task_card_interpret (task->card, output->logits + (gsize) i * task->n_outputs,
                               task->n_outputs, &output->results[i]);
  return g_steal_pointer (&output);
}

FoveaEngineOutput *
fovea_engine_run_images (FoveaEngine *engine, guint task_index,
                         const FoveaImage *const *images, int n_images, GError **error)
{
  g_return_val_if_fail (engine != NULL && images != NULL, NULL);
  g_return_val_if_fail (task_index < engine->tasks->len, NULL);

  const FoveaEngineTask *task = engine->tasks->pdata[task_index];
  const FoveaPreprocess *pre = &task->preprocess;
  gsize image_floats = 3 * (gsize) pre->height * pre->width;
  float *pixels = g_try_malloc_n (MAX (n_images, 1), image_floats * sizeof (float));
  if (pixels == NULL)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_NO_MEMORY,
                   "Out of memory preparing %d image(s) of %d×%d for “%s”",
                   n_images, pre->width, pre->height, task->name);
      return NULL;
    }

  gint64 start = g_get_monotonic_time ();
  for (int i = 0; i < n_images; i++)
    {
      if (!fovea_preprocess_image (pre, images[i], pixels + i * image_floats, error))
        {
          g_free (pixels);
          return NULL;
        }
    }
  double preprocess_s = (g_get_monotonic_time () - start) / 1e6;

  FoveaEngineOutput *output = fovea_engine_run_tensor (engine, task_index, pixels, n_images,
                                                       pre->height, pre->width, error);
  g_free (pixels);
  if (output != NULL)
    output->preprocess_s = preprocess_s;
  return output;
}
