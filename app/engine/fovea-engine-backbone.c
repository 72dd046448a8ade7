/* fovea-engine-backbone.c: one backbone interface over fovea-vit.h and
 * fovea-cnn.h; each function dispatches on the family, here and nowhere
 * else in the engine. */
#define G_LOG_DOMAIN "fovea-engine-backbone"

#include "fovea-engine-backbone.h"

#include "fovea-adapter-cnn.h"
#include "fovea-cnn.h"
#include "fovea-vit.h"

/* Exactly one of vit and cnn is set. */
struct _FoveaEngineBackbone {
  FoveaVit           *vit;
  FoveaCnn           *cnn;
  FoveaPretrainedCfg  pretrained;
};

struct _FoveaEngineAdapter {
  FoveaLora       *lora;
  FoveaCnnAdapter *cnn;
};

struct _FoveaEngineBackboneRun {
  FoveaVitRun *vit;
  FoveaCnnRun *cnn;
};

const char *
fovea_backbone_family_to_string (FoveaBackboneFamily family)
{
  return family == FOVEA_BACKBONE_CNN ? "CNN" : "ViT";
}

static FoveaBackboneFamily
family_of (const char *architecture)
{
  return fovea_cnn_architecture_is_known (architecture) ? FOVEA_BACKBONE_CNN
                                                        : FOVEA_BACKBONE_VIT;
}

gboolean
fovea_backbone_info_read (const char *model_dir, FoveaBackboneInfo *info, GError **error)
{
  g_autofree char *path = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *architecture = fovea_hub_config_read_architecture (model_dir, NULL);

  /* A config without an architecture is left for the ViT parser to name
   * what is wrong with it. */
  info->family = family_of (architecture);
  if (info->family == FOVEA_BACKBONE_CNN)
    {
      FoveaCnnConfig config = { 0 };
      if (!fovea_cnn_config_load_file (&config, path, error))
        return FALSE;
      info->num_classes = config.num_classes;
      info->n_outputs = config.num_classes > 0 ? config.num_classes : config.num_features;
      fovea_cnn_config_clear (&config);
      return TRUE;
    }
  FoveaVitConfig config = { 0 };
  if (!fovea_vit_config_load_file (&config, path, error))
    return FALSE;
  info->num_classes = config.num_classes;
  info->n_outputs = config.num_classes > 0 ? config.num_classes : config.embed_dim;
  fovea_vit_config_clear (&config);
  return TRUE;
}

static void
pretrained_from_vit (FoveaPretrainedCfg *out, const FoveaVitConfig *c)
{
  *out = (FoveaPretrainedCfg) { .interpolation = c->interpolation, .crop_pct = c->crop_pct };
  for (int i = 0; i < 3; i++)
    {
      out->mean[i] = c->mean[i];
      out->std[i] = c->std[i];
      out->input_size[i] = c->input_size[i];
    }
}

FoveaEngineBackbone *
fovea_engine_backbone_load (const char *model_dir, FoveaPrecision precision, GError **error)
{
  g_return_val_if_fail (model_dir != NULL, NULL);

  g_autoptr (FoveaEngineBackbone) backbone = g_new0 (FoveaEngineBackbone, 1);
  g_autofree char *architecture = fovea_hub_config_read_architecture (model_dir, NULL);
  if (family_of (architecture) == FOVEA_BACKBONE_CNN)
    {
      if (precision == FOVEA_PRECISION_BF16)
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_PRECISION,
                       "%s: precision bf16 runs Vision Transformers so far; this CNN runs "
                       "in fp32 (give --precision fp32 or auto)", model_dir);
          return NULL;
        }
      backbone->cnn = fovea_cnn_load (model_dir, FOVEA_CNN_LOAD_DEFAULT, error);
      if (backbone->cnn == NULL)
        return NULL;
      /* Images reach the engine as RGB (fovea-preprocess.h). */
      if (fovea_cnn_get_config (backbone->cnn)->in_chans != 3)
        {
          g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_CONFIG,
                       "%s/config.json: model_args.in_chans is %d; Fovea runs RGB images "
                       "(3 channels)", model_dir, fovea_cnn_get_config (backbone->cnn)->in_chans);
          return NULL;
        }
      backbone->pretrained = fovea_cnn_get_config (backbone->cnn)->pretrained;
    }
  else
    {
      const FoveaVitLoadOptions options = { .precision = precision };
      backbone->vit = fovea_vit_load_with_options (model_dir, &options, error);
      if (backbone->vit == NULL)
        return NULL;
      pretrained_from_vit (&backbone->pretrained, fovea_vit_get_config (backbone->vit));
    }
  return g_steal_pointer (&backbone);
}

FoveaPrecision
fovea_engine_backbone_get_precision (const FoveaEngineBackbone *backbone)
{
  return backbone->vit != NULL ? fovea_vit_get_precision (backbone->vit) : FOVEA_PRECISION_FP32;
}

void
fovea_engine_backbone_free (FoveaEngineBackbone *backbone)
{
  if (backbone == NULL)
    return;
  fovea_vit_free (backbone->vit);
  fovea_cnn_free (backbone->cnn);
  g_free (backbone);
}

FoveaBackboneFamily
fovea_engine_backbone_get_family (const FoveaEngineBackbone *backbone)
{
  return backbone->cnn != NULL ? FOVEA_BACKBONE_CNN : FOVEA_BACKBONE_VIT;
}

const FoveaPretrainedCfg *
fovea_engine_backbone_get_pretrained (const FoveaEngineBackbone *backbone)
{
  return &backbone->pretrained;
}

int
fovea_engine_backbone_get_n_outputs (const FoveaEngineBackbone *backbone,
                                     const FoveaEngineAdapter *adapter)
{
  if (backbone->cnn != NULL)
    {
      if (adapter != NULL)
        return fovea_cnn_adapter_get_n_outputs (adapter->cnn);
      const FoveaCnnConfig *c = fovea_cnn_get_config (backbone->cnn);
      return c->num_classes > 0 ? c->num_classes : c->num_features;
    }
  const FoveaLora *lora = adapter != NULL ? adapter->lora : NULL;
  if (lora != NULL && lora->head_weight != NULL)
    return lora->head_classes;
  const FoveaVitConfig *c = fovea_vit_get_config (backbone->vit);
  return c->num_classes > 0 ? c->num_classes : c->embed_dim;
}

FoveaVit *
fovea_engine_backbone_get_vit (const FoveaEngineBackbone *backbone)
{
  return backbone->vit;
}

FoveaEngineAdapter *
fovea_engine_adapter_load (FoveaEngineBackbone *backbone, const char *path,
                           const FoveaAdapterOptions *options, GError **error)
{
  g_return_val_if_fail (backbone != NULL && path != NULL, NULL);

  g_autoptr (FoveaEngineAdapter) adapter = g_new0 (FoveaEngineAdapter, 1);
  if (backbone->cnn != NULL)
    adapter->cnn = fovea_adapter_load_cnn (path, backbone->cnn, error);
  else
    adapter->lora = fovea_adapter_load (path, backbone->vit, options, error);
  if (adapter->cnn == NULL && adapter->lora == NULL)
    return NULL;
  return g_steal_pointer (&adapter);
}

void
fovea_engine_adapter_free (FoveaEngineAdapter *adapter)
{
  if (adapter == NULL)
    return;
  fovea_lora_free (adapter->lora);
  fovea_cnn_adapter_free (adapter->cnn);
  g_free (adapter);
}

const FoveaLora *
fovea_engine_adapter_get_lora (const FoveaEngineAdapter *adapter)
{
  return adapter != NULL ? adapter->lora : NULL;
}

const FoveaCnnAdapter *
fovea_engine_adapter_get_cnn (const FoveaEngineAdapter *adapter)
{
  return adapter != NULL ? adapter->cnn : NULL;
}

FoveaEngineBackboneRun *
fovea_engine_backbone_run_new (FoveaEngineBackbone *backbone, int max_batch, int height,
                               int width, gboolean attention, int n_threads, GError **error)
{
  g_return_val_if_fail (backbone != NULL, NULL);

  g_autoptr (FoveaEngineBackboneRun) run = g_new0 (FoveaEngineBackboneRun, 1);
  if (backbone->cnn != NULL)
    run->cnn = fovea_cnn_run_new (backbone->cnn, max_batch, height, width, n_threads, error);
  else
    run->vit = fovea_vit_run_new (backbone->vit, max_batch, height, width,
                                  attention ? FOVEA_VIT_OUTPUT_ATTENTION
                                            : FOVEA_VIT_OUTPUT_LOGITS,
                                  n_threads, error);
  if (run->cnn == NULL && run->vit == NULL)
    return NULL;
  return g_steal_pointer (&run);
}

void
fovea_engine_backbone_run_free (FoveaEngineBackboneRun *run)
{
  if (run == NULL)
    return;
  fovea_vit_run_free (run->vit);
  fovea_cnn_run_free (run->cnn);
  g_free (run);
}

gboolean
fovea_engine_backbone_forward (FoveaEngineBackboneRun *run, const float *pixels, int batch,
                               const FoveaEngineAdapter *adapter, GError **error)
{
  if (run->cnn != NULL)
    return fovea_cnn_forward_adapted (run->cnn, pixels, batch,
                                      adapter != NULL ? adapter->cnn : NULL, error);
  return fovea_vit_forward (run->vit, pixels, batch, fovea_engine_adapter_get_lora (adapter),
                            error);
}

int
fovea_engine_backbone_run_get_n_outputs (const FoveaEngineBackboneRun *run)
{
  return run->cnn != NULL ? fovea_cnn_run_get_n_outputs (run->cnn)
                          : fovea_vit_run_get_n_outputs (run->vit);
}

const float *
fovea_engine_backbone_run_get_logits (const FoveaEngineBackboneRun *run)
{
  return run->cnn != NULL ? fovea_cnn_run_get_logits (run->cnn)
                          : fovea_vit_run_get_logits (run->vit);
}

FoveaVitRun *
fovea_engine_backbone_run_get_vit (const FoveaEngineBackboneRun *run)
{
  return run->vit;
}

const FoveaCnnRun *
fovea_engine_backbone_run_get_cnn (const FoveaEngineBackboneRun *run)
{
  return run->cnn;
}
