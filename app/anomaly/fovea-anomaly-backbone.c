/* fovea-anomaly-backbone.c: the backbone an anomaly detector takes its
 * patch features from, a Vision Transformer (one block's patch tokens) or
 * a CNN (its mid-level stages, fovea-patch-cnn-features.h), loaded for a
 * new bank or checked against a saved one.
 *
 * CNN stages: FOVEA_ANOMALY_DEFAULT_CNN_STAGES, MobileNetV2's blocks 6
 * (stride 8, 32 channels) and 13 (stride 16, 96), as PatchCore takes a
 * ResNet's layers 2 and 3: mid-level, local enough to place a lesion,
 * past the edges and colours of the first blocks. The choice and its
 * input size were made on a validation split (README, "Explanations"). */
#define G_LOG_DOMAIN "fovea-anomaly-backbone"

#include "fovea-anomaly-private.h"

#include <string.h>

#include "fovea-adapter.h"
#include "fovea-cnn-config.h"
#include "fovea-hash-cache.h"
#include "fovea-model-error.h"

static const int default_cnn_stages[] = FOVEA_ANOMALY_DEFAULT_CNN_STAGES;

/* The weights file whose hash identifies an adapter. */
static char *
adapter_weights_path (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_build_filename (path, "adapter_model.safetensors", NULL);
  return g_strdup (path);
}

/* Preprocessing at the chosen size, with the fundus crop for fundus
 * photographs and the whole frame otherwise. */
static void
setup_preprocess (FoveaAnomaly *anomaly, const FoveaAnomalyOptions *options)
{
  anomaly->pre.fundus_crop = options->modality == FOVEA_MODALITY_FUNDUS;
  anomaly->modality = options->modality;
  /* A map must cover the whole scan: no centre crop for other modalities
   * (the fundus route crops to the field of view instead). */
  if (!anomaly->pre.fundus_crop)
    anomaly->pre.crop_pct = 1.0;
  if (options->input_size > 0)
    anomaly->pre.height = anomaly->pre.width = options->input_size;
}

static gboolean
check_stride (FoveaAnomaly *anomaly, GError **error)
{
  if (anomaly->pre.height % anomaly->stride == 0 && anomaly->pre.width % anomaly->stride == 0)
    return TRUE;
  g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
               "Input size %d×%d is not a multiple of %s's %s %d", anomaly->pre.width,
               anomaly->pre.height, anomaly->architecture,
               anomaly->kind == FOVEA_PATCH_BACKBONE_VIT ? "patch size" : "feature stride",
               anomaly->stride);
  return FALSE;
}

static gboolean
setup_vit (FoveaAnomaly *anomaly, const FoveaAnomalyOptions *options, GError **error)
{
  anomaly->kind = FOVEA_PATCH_BACKBONE_VIT;
  anomaly->vit = fovea_vit_load (options->model_dir, error);
  if (anomaly->vit == NULL)
    return FALSE;
  const FoveaVitConfig *config = fovea_vit_get_config (anomaly->vit);
  anomaly->architecture = g_strdup (config->architecture);
  g_autofree char *weights = g_build_filename (options->model_dir, "model.safetensors", NULL);
  anomaly->backbone_sha256 = fovea_file_sha256 (weights, NULL, error);
  if (anomaly->backbone_sha256 == NULL)
    return FALSE;

  if (options->adapter_path != NULL)
    {
      anomaly->lora = fovea_adapter_load (options->adapter_path, anomaly->vit, NULL, error);
      if (anomaly->lora == NULL)
        return FALSE;
      g_autofree char *adapter_weights = adapter_weights_path (options->adapter_path);
      anomaly->adapter_sha256 = fovea_file_sha256 (adapter_weights, NULL, error);
      if (anomaly->adapter_sha256 == NULL)
        return FALSE;
    }

  fovea_preprocess_init (&anomaly->pre, config, NULL);
  setup_preprocess (anomaly, options);
  anomaly->stride = config->patch_size;
  anomaly->dim = config->embed_dim;
  if (!check_stride (anomaly, error))
    return FALSE;
  anomaly->layer = options->layer;
  anomaly->run = fovea_vit_run_new (anomaly->vit, 1, anomaly->pre.height, anomaly->pre.width,
                                    FOVEA_VIT_OUTPUT_PATCH_TOKENS, options->n_threads, error);
  if (anomaly->run == NULL ||
      !fovea_vit_run_set_patch_token_block (anomaly->run, options->layer, error))
    return FALSE;
  fovea_vit_run_get_grid (anomaly->run, &anomaly->grid_h, &anomaly->grid_w);
  return TRUE;
}

/* cnn: already loaded (and checked against a bank), or NULL to load it. */
static gboolean
setup_cnn (FoveaAnomaly *anomaly, FoveaCnn *cnn, const FoveaAnomalyOptions *options,
           GError **error)
{
  anomaly->kind = FOVEA_PATCH_BACKBONE_CNN;
  anomaly->cnn = cnn != NULL ? cnn : fovea_cnn_load (options->model_dir,
                                                     FOVEA_CNN_LOAD_DEFAULT, error);
  if (anomaly->cnn == NULL)
    return FALSE;
  const FoveaCnnConfig *config = fovea_cnn_get_config (anomaly->cnn);
  anomaly->architecture = g_strdup (config->architecture);
  if (options->adapter_path != NULL)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "%s is a CNN (%s): anomaly banks on a CNN take the bare backbone's "
                   "features; adapters are not supported there yet", options->model_dir,
                   config->architecture);
      return FALSE;
    }
  const char *sha = fovea_cnn_get_sha256 (anomaly->cnn);
  if (sha == NULL)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "%s: the weights cannot be hashed, so no bank could be tied to them",
                   options->model_dir);
      return FALSE;
    }
  anomaly->backbone_sha256 = g_strdup (sha);

  fovea_preprocess_init_pretrained (&anomaly->pre, &config->pretrained, NULL);
  setup_preprocess (anomaly, options);
  anomaly->n_stages = options->n_stages > 0 ? options->n_stages
                    : (int) G_N_ELEMENTS (default_cnn_stages);
  memcpy (anomaly->stages, options->n_stages > 0 ? options->stages : default_cnn_stages,
          sizeof (int) * MIN (anomaly->n_stages, FOVEA_PATCHCORE_MAX_STAGES));
  anomaly->cnn_features = fovea_patch_cnn_features_new (anomaly->cnn, anomaly->stages,
                                                        anomaly->n_stages, anomaly->pre.height,
                                                        anomaly->pre.width, options->n_threads,
                                                        error);
  if (anomaly->cnn_features == NULL)
    return FALSE;
  anomaly->dim = fovea_patch_cnn_features_get_dim (anomaly->cnn_features);
  anomaly->stride = fovea_patch_cnn_features_get_stride (anomaly->cnn_features);
  fovea_patch_cnn_features_get_grid (anomaly->cnn_features, &anomaly->grid_h, &anomaly->grid_w);
  anomaly->layer = -1;
  return check_stride (anomaly, error);
}

FoveaAnomaly *
fovea_anomaly_new (const FoveaAnomalyOptions *options, GError **error)
{
  g_return_val_if_fail (options != NULL && options->model_dir != NULL, NULL);

  g_autofree char *architecture = fovea_hub_config_read_architecture (options->model_dir, NULL);
  g_autoptr (FoveaAnomaly) anomaly = g_new0 (FoveaAnomaly, 1);
  gboolean ok = fovea_cnn_architecture_is_known (architecture)
              ? setup_cnn (anomaly, NULL, options, error)
              : setup_vit (anomaly, options, error);
  if (!ok)
    return NULL;
  anomaly->pixels = g_new (float, 3 * (gsize) anomaly->pre.height * anomaly->pre.width);
  return g_steal_pointer (&anomaly);
}

/* Checked before any arena is made: a bank for another backbone may name
 * a layer or input size this one cannot run. */
static gboolean
check_vit_bank (const char *model_dir, const char *adapter_path, const FoveaPatchBank *bank,
                GError **error)
{
  g_autofree char *architecture = fovea_hub_config_read_architecture (model_dir, NULL);
  if (fovea_cnn_architecture_is_known (architecture))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built on a Vision Transformer (%s), but %s is a CNN (%s)",
                   bank->card.backbone_architecture, model_dir, architecture);
      return FALSE;
    }
  FoveaVitConfig config = { 0 };
  g_autofree char *config_path = g_build_filename (model_dir, "config.json", NULL);
  g_autofree char *weights = g_build_filename (model_dir, "model.safetensors", NULL);
  if (!fovea_vit_config_load_file (&config, config_path, error))
    return FALSE;
  g_autofree char *sha = fovea_file_sha256 (weights, NULL, error);
  g_autofree char *adapter_weights = adapter_path ? adapter_weights_path (adapter_path) : NULL;
  g_autofree char *adapter_sha = adapter_weights ? fovea_file_sha256 (adapter_weights, NULL, error)
                                                 : NULL;
  gboolean fits = sha != NULL && (adapter_path == NULL || adapter_sha != NULL) &&
                  fovea_patch_bank_check_backbone (bank, &config, sha, adapter_sha, error);
  fovea_vit_config_clear (&config);
  return fits;
}

/* The CNN of model_dir if bank fits it, else NULL. */
static FoveaCnn *
load_cnn_for_bank (const char *model_dir, const char *adapter_path,
                   const FoveaPatchBank *bank, GError **error)
{
  g_autofree char *architecture = fovea_hub_config_read_architecture (model_dir, NULL);
  if (!fovea_cnn_architecture_is_known (architecture))
    {
      g_set_error (error, FOVEA_PATCHCORE_ERROR, FOVEA_PATCHCORE_ERROR_BACKBONE,
                   "The bank was built on a CNN (%s), but %s is not one",
                   bank->card.backbone_architecture, model_dir);
      return NULL;
    }
  g_autoptr (FoveaCnn) cnn = fovea_cnn_load (model_dir, FOVEA_CNN_LOAD_DEFAULT, error);
  g_autofree char *adapter_weights = adapter_path ? adapter_weights_path (adapter_path) : NULL;
  g_autofree char *adapter_sha = adapter_weights ? fovea_file_sha256 (adapter_weights, NULL, error)
                                                 : NULL;
  if (cnn == NULL || (adapter_path != NULL && adapter_sha == NULL) ||
      !fovea_patch_bank_check_cnn (bank, cnn, adapter_sha, error))
    return NULL;
  return g_steal_pointer (&cnn);
}

FoveaAnomaly *
fovea_anomaly_new_for_bank (const char *model_dir, const char *adapter_path,
                            FoveaPatchBank *bank, int n_threads, GError **error)
{
  g_autoptr (FoveaPatchBank) owned = bank;
  const FoveaPatchCard *card = &bank->card;
  FoveaModality modality = FOVEA_MODALITY_UNKNOWN;
  fovea_modality_from_string (card->modality, &modality);
  if (card->fundus_crop)
    modality = FOVEA_MODALITY_FUNDUS;
  else if (modality == FOVEA_MODALITY_FUNDUS)
    modality = FOVEA_MODALITY_UNKNOWN;

  if (card->input_height != card->input_width)
    {
      g_set_error (error, FOVEA_ANOMALY_ERROR, FOVEA_ANOMALY_ERROR_INPUT,
                   "The bank's input is %d×%d; only square inputs are supported",
                   card->input_width, card->input_height);
      return NULL;
    }

  FoveaAnomalyOptions options;
  fovea_anomaly_options_init (&options);
  options.model_dir = model_dir;
  options.adapter_path = adapter_path;
  options.layer = card->layer;
  options.stages = card->stages;
  options.n_stages = card->n_stages;
  options.input_size = card->input_height;
  options.modality = modality;
  options.n_threads = n_threads;

  g_autoptr (FoveaAnomaly) anomaly = g_new0 (FoveaAnomaly, 1);
  if (card->backbone_kind == FOVEA_PATCH_BACKBONE_CNN)
    {
      FoveaCnn *cnn = load_cnn_for_bank (model_dir, adapter_path, bank, error);
      if (cnn == NULL || !setup_cnn (anomaly, cnn, &options, error))
        return NULL;
    }
  else if (!check_vit_bank (model_dir, adapter_path, bank, error) ||
           !setup_vit (anomaly, &options, error))
    return NULL;
  anomaly->pixels = g_new (float, 3 * (gsize) anomaly->pre.height * anomaly->pre.width);
  anomaly->bank = g_steal_pointer (&owned);
  return g_steal_pointer (&anomaly);
}

void
fovea_anomaly_free (FoveaAnomaly *anomaly)
{
  if (anomaly == NULL)
    return;
  fovea_patch_bank_free (anomaly->bank);
  fovea_vit_run_free (anomaly->run);
  fovea_lora_free (anomaly->lora);
  fovea_vit_free (anomaly->vit);
  fovea_patch_cnn_features_free (anomaly->cnn_features);
  fovea_cnn_free (anomaly->cnn);
  g_free (anomaly->architecture);
  g_free (anomaly->backbone_sha256);
  g_free (anomaly->adapter_sha256);
  g_free (anomaly->pixels);
  g_free (anomaly);
}

const FoveaPatchBank *
fovea_anomaly_get_bank (const FoveaAnomaly *anomaly)
{
  return anomaly->bank;
}

int
fovea_anomaly_get_dim (const FoveaAnomaly *anomaly)
{
  return anomaly->dim;
}

const float *
fovea_anomaly_features (FoveaAnomaly *anomaly, const FoveaImage *image,
                        int *grid_h, int *grid_w, GError **error)
{
  if (!fovea_preprocess_image (&anomaly->pre, image, anomaly->pixels, error))
    return NULL;
  if (grid_h != NULL)
    *grid_h = anomaly->grid_h;
  if (grid_w != NULL)
    *grid_w = anomaly->grid_w;
  if (anomaly->kind == FOVEA_PATCH_BACKBONE_CNN)
    return fovea_patch_cnn_features_compute (anomaly->cnn_features, anomaly->pixels, error);
  if (!fovea_vit_forward (anomaly->run, anomaly->pixels, 1, anomaly->lora, error))
    return NULL;
  return fovea_vit_run_get_patch_tokens (anomaly->run);
}
