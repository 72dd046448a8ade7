/* fovea-gemm-portable.c: the packed GEMM where it is not built.
 *
 * The AVX-512 micro-kernel (fovea-gemm-avx512.c) is compiled on x86-64
 * only. Elsewhere the packed GEMM reports itself unsupported for every
 * shape, so the callers keep OpenBLAS on the unpacked weights (the
 * portable path fovea-gemm.h describes) and never pack. */
#define G_LOG_DOMAIN "fovea-gemm-portable"

#include "fovea-gemm.h"

gboolean
fovea_gemm_packed_supported (int out_dim, int in_dim)
{
  return FALSE;
}

gsize
fovea_gemm_packed_size (int out_dim, int in_dim)
{
  return (gsize) MAX (out_dim, 0) * (gsize) MAX (in_dim, 0);
}

/* Never reached: callers pack only what fovea_gemm_packed_supported
 * accepts. */
void
fovea_gemm_pack (float *packed, const float *weight, int out_dim, int in_dim)
{
  g_return_if_reached ();
}

void
fovea_gemm_packed_accumulate (FoveaPool *pool, int rows, int out_dim, int in_dim,
                              const float *a, int lda, const float *packed,
                              float *c, int ldc)
{
  g_return_if_reached ();
}
