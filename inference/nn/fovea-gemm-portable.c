/* fovea-gemm-portable.c: the packed GEMM where it is not built.
 *
 * The AVX-512 micro-kernel (fovea-gemm-avx512.c) is compiled on x86-64
 * only. Elsewhere the packed GEMM reports itself unsupported for every
 * shape, so the callers keep OpenBLAS on the unpacked weights (the
 * portable path fovea-gemm.h describes) and never pack. */
#define G_LOG_DOMAIN "fovea-gemm-portable"

#include "fovea-gemm.h"
#include "fovea-gemm-bf16.h"

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

/* The bf16 GEMM (fovea-gemm-bf16.c, x86-64 only): unsupported here, so
 * FP32 is used and BF16 is refused (fovea-precision.c). */
gboolean
fovea_gemm_bf16_supported (void)
{
  return FALSE;
}

int
fovea_gemm_bf16_kpairs (int k)
{
  return (k + 1) / 2;
}

gsize
fovea_gemm_bf16_packed_size (int n, int k)
{
  return 0;
}

void
fovea_gemm_bf16_pack_b (guint16 *packed, const float *b, int n, int k)
{
  g_return_if_reached ();
}

void
fovea_gemm_bf16_pack_b_bf16 (guint16 *packed, const guint16 *b, int n, int k)
{
  g_return_if_reached ();
}

void
fovea_gemm_bf16_pack_a (guint16 *packed, const float *a, int lda, int rows, int k)
{
  g_return_if_reached ();
}

void
fovea_gemm_bf16_block (const FoveaGemmBf16Block *block)
{
  g_return_if_reached ();
}

void
fovea_gemm_bf16_accumulate (FoveaPool *pool, int rows, int n, int k,
                            const float *a, int lda, const guint16 *packed,
                            float *c, int ldc)
{
  g_return_if_reached ();
}
