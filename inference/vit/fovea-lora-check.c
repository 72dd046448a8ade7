/* fovea-lora-check.c: does an adapter fit a backbone?
 *
 * The loaders check every tensor as they read it; this is the contract the
 * forward pass relies on, checked once more against the backbone it is
 * handed to, so an adapter loaded for another model is refused rather than
 * read out of bounds. */
#define G_LOG_DOMAIN "fovea-lora-check"

#include "fovea-vit.h"

#include <math.h>

static gboolean
check_update (const FoveaLora       *lora,
              int                    block,
              FoveaLoraTarget        target,
              int                    index,
              const FoveaLoraUpdate *update,
              int                    in_features,
              int                    out_features,
              GError               **error)
{
  if (update->rank >= 1 && update->a != NULL && update->b != NULL &&
      update->in_features == in_features && update->out_features >= 1 &&
      update->out_offset >= 0 && update->out_offset <= out_features - update->out_features &&
      isfinite (update->scale))
    return TRUE;

  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
               "Adapter “%s”: update %d of blocks.%d.%s (rank %d, %d → [%d, %d) of %d, scale %g) "
               "does not fit the backbone's %d → %d layer",
               lora->name, index, block, fovea_lora_target_module (target), update->rank,
               update->in_features, update->out_offset,
               update->out_offset + update->out_features, update->out_features,
               (double) update->scale, in_features, out_features);
  return FALSE;
}

gboolean
fovea_vit_check_lora (const FoveaVit  *vit,
                      const FoveaLora *lora,
                      GError         **error)
{
  const FoveaVitConfig *config = fovea_vit_get_config (vit);

  if (lora->depth != config->depth)
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter “%s” was made for %d blocks, the backbone has %d",
                   lora->name, lora->depth, config->depth);
      return FALSE;
    }

  for (int target = 0; target < FOVEA_LORA_N_TARGETS; target++)
    {
      int in_features, out_features;
      fovea_lora_target_shape (config, target, &in_features, &out_features);
      for (int block = 0; block < lora->depth; block++)
        {
          const FoveaLoraSlot *slot = fovea_lora_slot (lora, block, target);
          if (slot->n_updates < 0 || slot->n_updates > FOVEA_LORA_MAX_UPDATES)
            {
              g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                           "Adapter “%s”: blocks.%d.%s has %d updates",
                           lora->name, block, fovea_lora_target_module (target), slot->n_updates);
              return FALSE;
            }
          for (int u = 0; u < slot->n_updates; u++)
            if (!check_update (lora, block, target, u, &slot->updates[u],
                               in_features, out_features, error))
              return FALSE;
        }
    }

  if (lora->head_weight != NULL &&
      (lora->head_classes < 1 || lora->head_width != config->embed_dim))
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_ADAPTER,
                   "Adapter “%s”: its head takes %d features into %d classes, "
                   "the backbone's embedding has %d",
                   lora->name, lora->head_width, lora->head_classes, config->embed_dim);
      return FALSE;
    }
  return TRUE;
}
