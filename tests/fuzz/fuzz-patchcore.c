/* fuzz-patchcore.c: a PatchCore bank file (safetensors with the anomaly
 * card in __metadata__, fovea-patchcore.h), as `explain --kind anomaly`
 * and the installed-bank search read one. A bank that loads must hold
 * what its checks promise, and a query against it must work. The seeds in
 * corpus/patchcore/ are a ViT's and a CNN's bank (version 2 cards) and a
 * version 1 card, written by tests/scripts/make-patchcore-corpus.py. */
#include "fuzz-target.h"

#include <math.h>

#include "fovea-patchcore.h"

static volatile float sink;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GBytes *bytes = g_bytes_new (data, size);
  GError *error = NULL;
  FoveaPatchBank *bank = fovea_patch_bank_load_bytes (bytes, "fuzz", &error);
  if ((bank == NULL) == (error == NULL))
    __builtin_trap ();
  if (bank != NULL)
    {
      const FoveaPatchCard *card = &bank->card;
      if (bank->n < 1 || bank->dim < 1 || card->backbone_sha256 == NULL ||
          card->input_height < 1 || card->input_width < 1 ||
          (card->backbone_kind == FOVEA_PATCH_BACKBONE_CNN &&
           (card->n_stages < 1 || card->n_stages > FOVEA_PATCHCORE_MAX_STAGES)) ||
          (card->backbone_kind == FOVEA_PATCH_BACKBONE_VIT && card->n_stages != 0))
        __builtin_trap ();
      for (int i = 1; i < card->n_stages; i++)
        if (card->stages[i] <= card->stages[i - 1])
          __builtin_trap ();
      /* One query at the origin: every bank row is finite, so is its distance. */
      float *query = g_new0 (float, bank->dim);
      float distance;
      if (!fovea_patch_bank_nearest (bank, query, 1, NULL, -1, &distance, NULL) ||
          !isfinite (distance))
        __builtin_trap ();
      sink = distance;
      g_free (query);
      fovea_patch_bank_free (bank);
    }
  g_clear_error (&error);
  g_bytes_unref (bytes);
  return 0;
}
