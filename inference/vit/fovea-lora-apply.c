/* fovea-lora-apply.c: an adapter's low-rank updates, unmerged, added to
 * a linear layer's output right after its GEMM:
 *   y[:, off : off + n] += scale · (x·Aᵀ)·Bᵀ
 * Two thin GEMMs per update; rank is small, so this costs a fraction of
 * the layer's own GEMM. Ranks above FOVEA_LORA_RANK_CHUNK are split into
 * chunks of A's rows and B's columns, since the sum over the rank is
 * just as well done piecewise, and the scratch stays fixed. */
#define G_LOG_DOMAIN "fovea-lora-apply"

#include "fovea-vit-private.h"

#include <string.h>

void
fovea_lora_apply (FoveaPool *pool, const FoveaLoraSlot *slot, float *out,
                  int out_stride, const float *in, int rows, float *scratch)
{
  for (int u = 0; u < slot->n_updates; u++)
    {
      const FoveaLoraUpdate *up = &slot->updates[u];

      for (int r0 = 0; r0 < up->rank; r0 += FOVEA_LORA_RANK_CHUNK)
        {
          int n = MIN (FOVEA_LORA_RANK_CHUNK, up->rank - r0);

          /* scratch (rows × n) = in · A[r0 : r0 + n]ᵀ */
          memset (scratch, 0, sizeof (float) * (gsize) rows * n);
          fovea_gemm_accumulate (pool, rows, n, up->in_features, 1.0f,
                                 in, up->in_features,
                                 up->a + (gsize) r0 * up->in_features, up->in_features,
                                 scratch, n);
          /* out[:, off : off + out] += scale · scratch · B[:, r0 : r0 + n]ᵀ */
          fovea_gemm_accumulate (pool, rows, up->out_features, n, up->scale,
                                 scratch, n, up->b + r0, up->rank,
                                 out + up->out_offset, out_stride);
        }
    }
}
