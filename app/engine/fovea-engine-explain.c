/* fovea-engine-explain.c: Grad-CAM through the engine's tasks. On a ViT
 * each task gets its own frozen training model (fovea-train-vit.h) the
 * first time, referring to the backbone's weights and the task's
 * adapter. On a CNN the map is the class activation map of the task's
 * forward pass (fovea-cam.h: Grad-CAM of the last block, without a
 * backward pass), on the engine's own run for the input size. */
#define G_LOG_DOMAIN "fovea-engine-explain"

#include "fovea-engine-private.h"

#include "fovea-cam.h"

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

/* A CNN's map: the task's forward pass on the image, then the head's
 * weights for the class against the last feature map. */
static float *
class_activation_map (FoveaEngine *engine, const FoveaEngineTask *task,
                      const FoveaImage *image, int target_class, int *grid_h, int *grid_w,
                      FoveaGradcamInfo *info, GError **error)
{
  const FoveaPreprocess *pre = &task->preprocess;
  g_autofree float *pixels = g_new (float, (gsize) 3 * pre->height * pre->width);
  if (!fovea_preprocess_image (pre, image, pixels, error))
    return NULL;
  FoveaEngineBackboneRun *run = fovea_engine_get_run (engine, 1, pre->height, pre->width,
                                                      FALSE, error);
  if (run == NULL || !fovea_engine_backbone_forward (run, pixels, 1, task->adapter, error))
    return NULL;
  const FoveaCnnRun *cnn_run = fovea_engine_backbone_run_get_cnn (run);
  fovea_cnn_run_get_feature_map (cnn_run, grid_h, grid_w, NULL);
  g_autofree float *map = g_new (float, (gsize) *grid_h * *grid_w);
  g_autoptr (GError) local_error = NULL;
  if (!fovea_cam_compute (cnn_run, fovea_engine_adapter_get_cnn (task->adapter), 0,
                          target_class, map, info, &local_error))
    {
      /* A headless backbone (pooled features out) has no class to map. */
      g_set_error (error, FOVEA_ENGINE_ERROR, FOVEA_ENGINE_ERROR_UNSUPPORTED,
                   "No class activation map of “%s”: %s", task->name, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&map);
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
    return class_activation_map (engine, task, image, target_class, grid_h, grid_w, info,
                                 error);
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
