/* fovea-conv-gemm-avx512.c: C = act (A · Wᵀ + bias + residual) on a
 * weight W packed once into panels of 1 to 4 vectors, with an AVX-512
 * micro-kernel (see fovea-conv-gemm.h for why not fovea-gemm.h's).
 *
 * The kernel computes a tile of up to TILE_ROWS (nv) rows of C by one
 * panel: per k, nv vector loads of the panel and one broadcast of A per
 * row, rows · nv FMAs into as many accumulators (24 at most: with the
 * panel's vectors and the broadcast they fill the 32 registers). A is
 * read in place, one pointer per row.
 *
 * Work order within a block of rows: for each slice of DEPTH_BLOCK k,
 * each panel's slice (≤ 256 KB) stays in L2 while every tile of rows
 * passes over it. The accumulators start from the bias (first slice) or
 * from C (later slices), and the last slice applies the residual and the
 * activation before its only store of the final values. */
#define G_LOG_DOMAIN "fovea-conv-gemm-avx512"

#include "fovea-conv-gemm.h"

#include <immintrin.h>

#define AVX512 __attribute__ ((target ("avx512f")))

#define VECTOR FOVEA_CONV_GEMM_VECTOR
#define MAX_PANEL_VECTORS 4
/* Rows per tile: 24 accumulators at 4 vectors a panel, 8 rows below
 * (more rows would need more row pointers than there are registers). */
#define TILE_ROWS(nv) ((nv) == 4 ? 6 : 8)
#define MAX_TILE_ROWS 8
/* k per slice: a 4-vector panel's slice is 64 KB, A's tile 6 KB. */
#define DEPTH_BLOCK 256

gboolean
fovea_conv_gemm_supported (void)
{
  return __builtin_cpu_supports ("avx512f");
}

int
fovea_conv_gemm_n_panels (int out_dim, int panel_vectors)
{
  int width = panel_vectors * VECTOR;
  return (out_dim + width - 1) / width;
}

/* The columns computed for nothing, weighed by how much slower the
 * narrower panels run (fewer FMAs per load of A): the cheapest wins. */
int
fovea_conv_gemm_panel_vectors (int out_dim)
{
  static const double slowdown[MAX_PANEL_VECTORS + 1] = { 0, 1.35, 1.1, 1.03, 1.0 };
  int best = MAX_PANEL_VECTORS;
  double best_cost = G_MAXDOUBLE;

  for (int nv = MAX_PANEL_VECTORS; nv >= 1; nv--)
    {
      double cost = (double) fovea_conv_gemm_n_panels (out_dim, nv) * nv * slowdown[nv];
      if (cost < best_cost)
        {
          best = nv;
          best_cost = cost;
        }
    }
  return best;
}

gsize
fovea_conv_gemm_packed_size (int out_dim, int depth, int panel_vectors)
{
  return (gsize) fovea_conv_gemm_n_panels (out_dim, panel_vectors) * panel_vectors * VECTOR *
         (gsize) depth;
}

/* For weights that change (training): the layout of the header's
 * packed-size comment, zeros past out_dim. */
void
fovea_conv_gemm_pack (float *packed, const float *weight, int out_dim, int depth,
                      int panel_vectors)
{
  int width = panel_vectors * VECTOR;
  int n_panels = fovea_conv_gemm_n_panels (out_dim, panel_vectors);

  for (int p = 0; p < n_panels; p++)
    for (int k = 0; k < depth; k++)
      {
        float *dst = packed + ((gsize) p * depth + k) * width;
        for (int j = 0; j < width; j++)
          {
            int n = p * width + j;
            dst[j] = n < out_dim ? weight[(gsize) n * depth + k] : 0.0f;
          }
      }
}

/* The lanes of a vector that hold one of the `left` columns still to go. */
static __mmask16
columns_mask (int left)
{
  return left >= VECTOR ? 0xffff : left <= 0 ? 0 : (__mmask16) ((1u << left) - 1);
}

/* One tile: C[0 : rows, panel's columns] over k in [0, depth) of a slice. */
typedef struct {
  const float             *a;         /* row 0, k 0 of the slice */
  int                      lda;
  const float             *panel;     /* k 0 of the slice */
  float                   *c;         /* row 0, the panel's column 0 */
  int                      ldc;
  __mmask16                mask[MAX_PANEL_VECTORS];
  const float             *bias;      /* the panel's, when the slice is the first; else NULL */
  gboolean                 first;     /* start from the bias, not from C */
  gboolean                 last;      /* apply the residual and the activation */
  const float             *residual;  /* row 0, the panel's column 0; or NULL */
  int                      ldr;
  FoveaAct                 act;
} Tile;

/* nv and rows are constants once inlined, so the loops unroll and the
 * accumulators live in registers. */
AVX512 static inline __attribute__ ((always_inline)) void
tile_kernel (const int nv, const int rows, int depth, const Tile *t)
{
  __m512 acc[MAX_TILE_ROWS][MAX_PANEL_VECTORS];
  const float *row[MAX_TILE_ROWS];
  const int width = nv * VECTOR;

#pragma GCC unroll 8
  for (int i = 0; i < rows; i++)
    {
      row[i] = t->a + (gsize) i * t->lda;
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++)
        if (!t->first)
          acc[i][v] = _mm512_maskz_loadu_ps (t->mask[v], t->c + (gsize) i * t->ldc + v * VECTOR);
        else if (t->bias != NULL)
          acc[i][v] = _mm512_maskz_loadu_ps (t->mask[v], t->bias + v * VECTOR);
        else
          acc[i][v] = _mm512_setzero_ps ();
    }

  const float *panel = t->panel;
  for (int k = 0; k < depth; k++, panel += width)
    {
      __m512 w[MAX_PANEL_VECTORS];
#pragma GCC unroll 4
      for (int v = 0; v < nv; v++)
        w[v] = _mm512_load_ps (panel + v * VECTOR);
#pragma GCC unroll 8
      for (int i = 0; i < rows; i++)
        {
          __m512 x = _mm512_set1_ps (row[i][k]);
#pragma GCC unroll 4
          for (int v = 0; v < nv; v++)
            acc[i][v] = _mm512_fmadd_ps (x, w[v], acc[i][v]);
        }
    }

  if (t->last)
    {
      __m512 zero = _mm512_setzero_ps (), six = _mm512_set1_ps (6.0f);
#pragma GCC unroll 8
      for (int i = 0; i < rows; i++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
          {
            if (t->residual != NULL)
              acc[i][v] = _mm512_add_ps (acc[i][v],
                                         _mm512_maskz_loadu_ps (t->mask[v], t->residual +
                                                                (gsize) i * t->ldr + v * VECTOR));
            if (t->act != FOVEA_ACT_NONE)
              acc[i][v] = _mm512_max_ps (acc[i][v], zero);
            if (t->act == FOVEA_ACT_RELU6)
              acc[i][v] = _mm512_min_ps (acc[i][v], six);
          }
    }

#pragma GCC unroll 8
  for (int i = 0; i < rows; i++)
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++)
      _mm512_mask_storeu_ps (t->c + (gsize) i * t->ldc + v * VECTOR, t->mask[v], acc[i][v]);
}

#define ROWS_CASE(nv, r) case r: tile_kernel (nv, r, depth, t); break

/* tile_kernel with nv and rows as constants. */
AVX512 static void
run_tile (int nv, int rows, int depth, const Tile *t)
{
  switch (nv)
    {
    case 4:
      switch (rows)
        {
          ROWS_CASE (4, 6); ROWS_CASE (4, 5); ROWS_CASE (4, 4);
          ROWS_CASE (4, 3); ROWS_CASE (4, 2); ROWS_CASE (4, 1);
        default: g_assert_not_reached ();
        }
      break;
    case 3:
      switch (rows)
        {
          ROWS_CASE (3, 8); ROWS_CASE (3, 7); ROWS_CASE (3, 6); ROWS_CASE (3, 5);
          ROWS_CASE (3, 4); ROWS_CASE (3, 3); ROWS_CASE (3, 2); ROWS_CASE (3, 1);
        default: g_assert_not_reached ();
        }
      break;
    case 2:
      switch (rows)
        {
          ROWS_CASE (2, 8); ROWS_CASE (2, 7); ROWS_CASE (2, 6); ROWS_CASE (2, 5);
          ROWS_CASE (2, 4); ROWS_CASE (2, 3); ROWS_CASE (2, 2); ROWS_CASE (2, 1);
        default: g_assert_not_reached ();
        }
      break;
    case 1:
      switch (rows)
        {
          ROWS_CASE (1, 8); ROWS_CASE (1, 7); ROWS_CASE (1, 6); ROWS_CASE (1, 5);
          ROWS_CASE (1, 4); ROWS_CASE (1, 3); ROWS_CASE (1, 2); ROWS_CASE (1, 1);
        default: g_assert_not_reached ();
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

void
fovea_conv_gemm_block (int rows, int out_dim, int depth, const float *a, int lda,
                       const float *packed, int panel_vectors, int p0, int p1,
                       float *c, int ldc, const FoveaConvEpilogue *epilogue)
{
  int nv = panel_vectors, width = nv * VECTOR, tile_rows = TILE_ROWS (nv);

  for (int k0 = 0; k0 < depth; k0 += DEPTH_BLOCK)
    {
      int slice = MIN (DEPTH_BLOCK, depth - k0);
      for (int p = p0; p < p1; p++)
        {
          int col = p * width;
          Tile t = {
            .lda = lda, .ldc = ldc, .ldr = epilogue->ldr, .act = epilogue->act,
            .panel = packed + ((gsize) p * depth + k0) * width,
            .first = k0 == 0, .last = k0 + slice >= depth,
            .bias = epilogue->bias != NULL ? epilogue->bias + col : NULL,
          };
          for (int v = 0; v < nv; v++)
            t.mask[v] = columns_mask (out_dim - col - v * VECTOR);
          for (int r = 0; r < rows; r += tile_rows)
            {
              t.a = a + (gsize) r * lda + k0;
              t.c = c + (gsize) r * ldc + col;
              t.residual = epilogue->residual != NULL
                           ? epilogue->residual + (gsize) r * epilogue->ldr + col : NULL;
              run_tile (nv, MIN (tile_rows, rows - r), slice, &t);
            }
        }
    }
}
