/* fuzz-safetensors.c: the engine's parsers of untrusted files. The first
 * byte chooses one (its value modulo 3):
 *   0  safetensors bytes, then every tensor read as F32;
 *   1  a model's config.json;
 *   2  a task card.
 * The seeds in corpus/safetensors/ carry that byte. */
#include "fuzz-target.h"

#include "fovea-safetensors.h"
#include "fovea-task-card.h"
#include "fovea-vit-config.h"

enum { PARSE_SAFETENSORS, PARSE_CONFIG, PARSE_TASK_CARD, N_PARSERS };

/* Where every tensor element is read into, so none of the reads is
 * optimised away. */
static volatile float sink;

static void
fuzz_safetensors (const uint8_t *data, size_t size)
{
  GBytes *bytes = g_bytes_new (data, size);
  GError *error = NULL;
  FoveaSafetensors *st = fovea_safetensors_new_from_bytes (bytes, "fuzz", &error);
  if ((st == NULL) == (error == NULL))
    __builtin_trap ();
  for (guint i = 0; st != NULL && i < fovea_safetensors_get_n_tensors (st); i++)
    {
      const FoveaTensorView *view = fovea_safetensors_get_nth (st, i);
      const float *values = fovea_safetensors_get_f32 (st, view->name, view->n_dims,
                                                       view->shape, NULL);
      if (values == NULL || fovea_safetensors_lookup (st, view->name) != view)
        __builtin_trap ();
      /* Touch every element, so a view that runs off the data shows. */
      for (gsize k = 0; k < view->n_elements; k++)
        sink = values[k];
    }
  fovea_safetensors_unref (st);
  g_clear_error (&error);
  g_bytes_unref (bytes);
}

static void
fuzz_config (const uint8_t *data, size_t size)
{
  FoveaVitConfig config;
  GError *error = NULL;
  gboolean ok = fovea_vit_config_load_data (&config, (const char *) data, (gssize) size, &error);
  if (ok == (error != NULL) ||
      (ok && (config.architecture == NULL || config.embed_dim % config.num_heads != 0 ||
              config.img_size[0] % config.patch_size != 0)))
    __builtin_trap ();
  fovea_vit_config_clear (&config);
  g_clear_error (&error);
}

static void
fuzz_task_card (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  FoveaTaskCard *card = fovea_task_card_load_data ((const char *) data, (gssize) size, &error);
  if ((card == NULL) == (error == NULL))
    __builtin_trap ();
  if (card != NULL)
    fovea_task_card_free (card);
  g_clear_error (&error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  switch (data[0] % N_PARSERS)
    {
    case PARSE_SAFETENSORS:
      fuzz_safetensors (data + 1, size - 1);
      break;
    case PARSE_CONFIG:
      fuzz_config (data + 1, size - 1);
      break;
    default:
      fuzz_task_card (data + 1, size - 1);
      break;
    }
  return 0;
}
