/* fuzz-adapter.c: the adapter loaders, on fixed small backbones.
 *
 * The first byte selects: bit 0 the format (0: PEFT, 1: MeLo), bit 1 the
 * backbone (0: tiny-token, 1: h12-avg, from $FOVEA_FIXTURES_DIR/vit/models).
 * A PEFT input is then a little-endian u32 length n, n bytes of
 * adapter_config.json and the adapter_model.safetensors bytes; a MeLo
 * input is the safetensors bytes, named "fuzz_lora_4_8" (scale 2). An
 * adapter that loads is run once, so a
 * check that let a misfit through shows up as an out-of-bounds access in
 * the forward pass. Seeds:
 * tests/scripts/make-adapter-corpus.py. */
#include <string.h>

#include "fovea-adapter.h"
#include "fuzz-target.h"

typedef struct {
  FoveaVit    *vit;
  FoveaVitRun *run;
  float       *pixels;
} Backbone;

static Backbone *
backbone_get (int which)
{
  static const char *const names[] = { "tiny-token", "h12-avg" };
  static Backbone backbones[2];
  Backbone *b = &backbones[which];
  if (b->vit != NULL)
    return b;

  const char *root = g_getenv ("FOVEA_FIXTURES_DIR");
  if (root == NULL)
    g_error ("FOVEA_FIXTURES_DIR is not set");
  g_autofree char *dir = g_build_filename (root, "vit", "models", names[which], NULL);
  GError *error = NULL;
  b->vit = fovea_vit_load (dir, &error);
  if (b->vit == NULL)
    g_error ("%s", error->message);
  const FoveaVitConfig *config = fovea_vit_get_config (b->vit);
  b->run = fovea_vit_run_new (b->vit, 1, config->img_size[0], config->img_size[1],
                              FOVEA_VIT_OUTPUT_LOGITS, 1, &error);
  if (b->run == NULL)
    g_error ("%s", error->message);
  b->pixels = g_new0 (float, 3 * (gsize) config->img_size[0] * config->img_size[1]);
  return b;
}

static FoveaLora *
load_peft (const guint8 *data, gsize size, const FoveaVit *vit)
{
  if (size < 4)
    return NULL;
  guint32 length = (guint32) data[0] | (guint32) data[1] << 8 |
                   (guint32) data[2] << 16 | (guint32) data[3] << 24;
  if (length > size - 4)
    return NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (data + 4 + length, size - 4 - length);
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_new_from_bytes (bytes, "fuzz", NULL);
  if (weights == NULL)
    return NULL;
  return fovea_adapter_load_peft_data ((const char *) data + 4, length, weights, "fuzz",
                                       vit, NULL);
}

static FoveaLora *
load_melo (const guint8 *data, gsize size, const FoveaVit *vit)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (FoveaSafetensors) weights = fovea_safetensors_new_from_bytes (bytes, "fuzz", NULL);
  if (weights == NULL)
    return NULL;
  return fovea_adapter_load_melo_data (weights, "fuzz_lora_4_8", vit, NULL, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  Backbone *backbone = backbone_get ((data[0] >> 1) & 1);
  g_autoptr (FoveaLora) lora = data[0] & 1 ? load_melo (data + 1, size - 1, backbone->vit)
                                           : load_peft (data + 1, size - 1, backbone->vit);
  /* Any adapter that loads must run: extreme weights may give infinities
   * or NaN in the logits, but never a crash or undefined behaviour. */
  if (lora != NULL &&
      !fovea_vit_forward (backbone->run, backbone->pixels, 1, lora, NULL))
    g_error ("adapter “%s” loaded but did not run", lora->name);
  return 0;
}
