/* fovea-engine-explain.c: Grad-CAM through the engine's tasks. Each task
 * gets its own frozen training model (fovea-train-vit.h) the first time,
 * referring to the backbone's weights and the task's adapter. ViTs only
 * for now: a CNN's needs the CNN backward pass (the CNN trainer's). */
#define G_LOG_DOMAIN "fovea-engine-explain"

#include "fovea-engine-private.h"

static FoveaTrainVit *
gradcam_model (FoveaEngine *engine, guint task_index, GError **error)
{
  const FoveaEngineTask *task = g_ptr_array_index (engine->tasks, task_index);
  FoveaTrainVit *model;

  if (engine->gradcam == NULL)
    engine->gradcam = g_hash_table_new_full (NULL, NULL, NULL,
                                             (GDestroyNotify) fovea_train_vit_free);
  model = g_hash_table_lookup (engine->gradcam, GUINT_TO_POINTER (task_index));
  if (model != NULL)
    return model;
  model = fovea_train_vit_new_frozen (fovea_engine_backbone_get_vit (engine->backbone),
                                      fovea_engine_adapter_get_lora (task->adapter), 1,
                                      engine->n_threads, error);
  if (model != NULL)
    g_hash_table_insert (engine->gradcam, GUINT_TO_POINTER (task_index), model);
  return model;
}

float *
fovea_engine_gradcam (FoveaEngine *engine, guint task_index, const FoveaImage *image,
                      int target_class, int *grid_h, int *grid_w, FoveaGradcamInfo *info,
                      GError **error)
{
  g_return_val_if_fail (task_index < engine->tasks->len, NULL);

  const FoveaEngineTask *task = g_ptr_array_index (engine->tasks, task_index);
  const FoveaVit *vit = fovea_engine_backbone_get_vit (engine->backbone);
  if (vit == NULL)
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_UNSUPPORTED,
                   "Grad-CAM of “%s” is not available yet on a CNN: it needs the CNN "
                   "backward pass", task->name);
      return NULL;
    }
  const FoveaVitConfig *c = fovea_vit_get_config (vit);
  const FoveaPreprocess *pre = &task->preprocess;

  if (pre->height != c->input_size[1] || pre->width != c->input_size[2])
    {
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_INPUT,
                   "Grad-CAM of “%s” needs the model's own input size %d×%d, not %d×%d",
                   task->name, c->input_size[2], c->input_size[1], pre->width, pre->height);
      return NULL;
    }
  FoveaTrainVit *model = gradcam_model (engine, task_index, error);
  if (model == NULL)
    return NULL;

  g_autofree float *pixels = g_new (float, (gsize) 3 * pre->height * pre->width);
  if (!fovea_preprocess_image (pre, image, pixels, error))
    return NULL;
  *grid_h = pre->height / c->patch_size;
  *grid_w = pre->width / c->patch_size;
  g_autofree float *map = g_new (float, (gsize) *grid_h * *grid_w);
  if (!fovea_gradcam (model, pixels, target_class, -1, map, info, error))
    return NULL;
  return g_steal_pointer (&map);
}
