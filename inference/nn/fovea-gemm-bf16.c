/* fovea-gemm-bf16.c: the bf16 GEMM of fovea-gemm-bf16.h, with an
 * AVX512-BF16 micro-kernel (vdpbf16ps: 16 float lanes, each adding the
 * products of one pair of bf16 values).
 *
 * The kernel computes a tile of TILE_ROWS rows of C by one panel (48
 * columns): per pair of k, three 64-byte loads of the panel and one
 * 32-bit broadcast of A per row, 24 vdpbf16ps into 24 accumulators; the
 * same shape as the FP32 kernel (fovea-gemm-avx512.c), with two k per
 * instruction and half the bytes of weight to stream.
 *
 * Work order of fovea_gemm_bf16_accumulate: threads take runs of panels;
 * for each block of rows and of k, a thread rounds A's block into its own
 * scratch (kept from call to call) and every tile of rows passes over
 * each panel's slice, which stays in L2, while the next slice is
 * prefetched.
 *
 * Compiled only for x86-64 hosts, with target attributes: the rest of the
 * build keeps its flags, and nothing here runs unless the CPU has the
 * instructions (fovea_gemm_bf16_supported). */
#define G_LOG_DOMAIN "fovea-gemm-bf16"

#include "fovea-gemm-bf16.h"

#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

#define BF16 __attribute__ ((target ("avx512f,avx512bw,avx512bf16")))

#define VECTOR 16                  /* floats in an AVX-512 register */
#define PANEL_VECTORS 3
#define PANEL_WIDTH FOVEA_GEMM_BF16_PANEL
#define TILE_ROWS 8
/* Pairs of k per block: a panel's slice is 48 × 1536 bf16 (144 KB, as the FP32
 * kernel's); 256 and 512 measured slower on ViT-B's shapes */
#define DEPTH_PAIRS 768
/* Rows of A's block that each thread rounds into its scratch (768 KB) */
#define ROW_BLOCK 256
#define PREFETCH_EVERY 8           /* pairs of k per prefetched line */
#define ITEMS_PER_THREAD 4

G_STATIC_ASSERT (PANEL_WIDTH == PANEL_VECTORS * VECTOR);

static int
count_panels (int n)
{
  return (n + PANEL_WIDTH - 1) / PANEL_WIDTH;
}

static __mmask16
columns_mask (int left)
{
  return left >= VECTOR ? 0xffff : left <= 0 ? 0 : (__mmask16) ((1u << left) - 1);
}

int
fovea_gemm_bf16_kpairs (int k)
{
  return (k + 1) / 2;
}

gboolean
fovea_gemm_bf16_supported (void)
{
  static int supported = -1;

  if (supported < 0)
    {
      unsigned eax = 0, ebx, ecx, edx;
      /* leaf 7, sub-leaf 1: EAX bit 5 is AVX512_BF16; avx512f also says
       * that the OS saves the 512-bit registers */
      gboolean has = __builtin_cpu_supports ("avx512f") &&
                     __builtin_cpu_supports ("avx512bw") &&
                     __get_cpuid_count (7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5));
      supported = has && g_getenv ("FOVEA_NO_BF16") == NULL;
    }
  return supported;
}

gsize
fovea_gemm_bf16_packed_size (int n, int k)
{
  return (gsize) count_panels (n) * PANEL_WIDTH * 2 * (gsize) fovea_gemm_bf16_kpairs (k);
}

/* Round to nearest even, as vcvtne2ps2bf16 does (NaN stays a NaN). */
static guint16
round_bf16 (float value)
{
  guint32 bits;

  memcpy (&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1);
  return (guint16) (bits >> 16);
}

/* Packing is once per weight: plain loops, one column at a time. */
static void
pack_b (guint16 *packed, const float *b, const guint16 *b16, int n, int k)
{
  int kpairs = fovea_gemm_bf16_kpairs (k);

  memset (packed, 0, sizeof (guint16) * fovea_gemm_bf16_packed_size (n, k));
  for (int col = 0; col < n; col++)
    {
      int p = col / PANEL_WIDTH, j = col % PANEL_WIDTH;
      guint16 *dst = packed + ((gsize) p * kpairs * PANEL_WIDTH + j) * 2;

      for (int kk = 0; kk < k; kk++)
        {
          gsize from = (gsize) col * k + kk;
          dst[(gsize) (kk / 2) * PANEL_WIDTH * 2 + kk % 2] =
            b != NULL ? round_bf16 (b[from]) : b16[from];
        }
    }
}

void
fovea_gemm_bf16_pack_b (guint16 *packed, const float *b, int n, int k)
{
  pack_b (packed, b, NULL, n, k);
}

void
fovea_gemm_bf16_pack_b_bf16 (guint16 *packed, const guint16 *b, int n, int k)
{
  pack_b (packed, NULL, b, n, k);
}

/* 32 floats at a time, masked at the row's end, so that the pairs past k
 * are zeros. */
BF16 void
fovea_gemm_bf16_pack_a (guint16 *packed, const float *a, int lda, int rows, int k)
{
  gsize stride = 2 * (gsize) fovea_gemm_bf16_kpairs (k);

  for (int r = 0; r < rows; r++)
    {
      const float *src = a + (gsize) r * lda;
      guint16 *dst = packed + r * stride;

      for (int kk = 0; kk < (int) stride; kk += 2 * VECTOR)
        {
          __m512 lo = _mm512_maskz_loadu_ps (columns_mask (k - kk), src + kk);
          __m512 hi = _mm512_maskz_loadu_ps (columns_mask (k - kk - VECTOR), src + kk + VECTOR);
          __m512bh both = _mm512_cvtne2ps_pbh (hi, lo);
          int left = (int) stride - kk;
          __mmask32 mask = left >= 32 ? 0xffffffffu : (__mmask32) ((1u << left) - 1);

          _mm512_mask_storeu_epi16 (dst + kk, mask, (__m512i) both);
        }
    }
}

/* How a tile starts and ends: its accumulators loaded from C, or set to
 * the bias (zeros without one); ReLU before the store or not. */
typedef enum {
  START_FROM_C,
  START_FROM_BIAS,
} TileStart;

typedef struct {
  const guint32 *a;         /* packed A at the tile's first row and pair */
  int            a_stride;  /* pairs per row of packed A */
  const guint16 *panel;     /* the panel's slice at the same pair */
  float         *c;
  int            ldc;
  __mmask16      mask[PANEL_VECTORS];
  TileStart      start;
  const float   *bias;      /* at the panel's first column, or NULL */
  gboolean       relu;
  const guint16 *prefetch, *prefetch_end;
} Tile;

/* rows is a constant once inlined: the loops unroll and the
 * accumulators live in registers. */
BF16 static inline __attribute__ ((always_inline)) void
tile_kernel (int rows, int pairs, const Tile *t)
{
  __m512 acc[TILE_ROWS][PANEL_VECTORS];
  const guint16 *prefetch = t->prefetch;

#pragma GCC unroll 8
  for (int i = 0; i < rows; i++)
#pragma GCC unroll 3
    for (int v = 0; v < PANEL_VECTORS; v++)
      acc[i][v] = t->start == START_FROM_C
        ? _mm512_maskz_loadu_ps (t->mask[v], t->c + (gsize) i * t->ldc + v * VECTOR)
        : t->bias != NULL ? _mm512_maskz_loadu_ps (t->mask[v], t->bias + v * VECTOR)
        : _mm512_setzero_ps ();

  for (int q = 0; q < pairs; q++)
    {
      if (q % PREFETCH_EVERY == 0 && prefetch < t->prefetch_end)
        {
          _mm_prefetch ((const char *) prefetch, _MM_HINT_T1);
          prefetch += 2 * VECTOR;
        }

      __m512bh w[PANEL_VECTORS];
#pragma GCC unroll 3
      for (int v = 0; v < PANEL_VECTORS; v++)
        w[v] = (__m512bh) _mm512_load_si512 (t->panel + ((gsize) q * PANEL_WIDTH + v * VECTOR) * 2);
#pragma GCC unroll 8
      for (int i = 0; i < rows; i++)
        {
          __m512bh x = (__m512bh) _mm512_set1_epi32 ((int) t->a[(gsize) i * t->a_stride + q]);
#pragma GCC unroll 3
          for (int v = 0; v < PANEL_VECTORS; v++)
            acc[i][v] = _mm512_dpbf16_ps (acc[i][v], x, w[v]);
        }
    }

#pragma GCC unroll 8
  for (int i = 0; i < rows; i++)
#pragma GCC unroll 3
    for (int v = 0; v < PANEL_VECTORS; v++)
      {
        __m512 out = t->relu ? _mm512_max_ps (acc[i][v], _mm512_setzero_ps ()) : acc[i][v];
        _mm512_mask_storeu_ps (t->c + (gsize) i * t->ldc + v * VECTOR, t->mask[v], out);
      }
}

BF16 static void
run_tile (int rows, int pairs, const Tile *t)
{
  switch (rows)
    {
    case 8: tile_kernel (8, pairs, t); break;
    case 7: tile_kernel (7, pairs, t); break;
    case 6: tile_kernel (6, pairs, t); break;
    case 5: tile_kernel (5, pairs, t); break;
    case 4: tile_kernel (4, pairs, t); break;
    case 3: tile_kernel (3, pairs, t); break;
    case 2: tile_kernel (2, pairs, t); break;
    case 1: tile_kernel (1, pairs, t); break;
    default: g_assert_not_reached ();
    }
}

/* One slice of panels: rows × the panels [p0, p1), pairs [q0, q0 +
 * pairs) of k. a is packed A at (row 0, pair q0) with a_stride pairs per
 * row. first/last: whether this is the first or last slice of k, which
 * decides the tiles' start (when not accumulating) and ReLU. */
typedef struct {
  int                          rows, n, kpairs;
  const guint32               *a;
  int                          a_stride;
  const guint16               *b;
  int                          p0, p1, q0, pairs;
  float                       *c;
  int                          ldc;
  const FoveaGemmBf16Epilogue *epilogue;
  gboolean                     first, last;
} Slice;

static const guint16 *
panel_slice (const Slice *s, int p, int q0)
{
  return s->b + ((gsize) p * s->kpairs + q0) * PANEL_WIDTH * 2;
}

static void
run_slice (const Slice *s)
{
  gsize slice_len = (gsize) s->pairs * PANEL_WIDTH * 2;
  gsize tiles = (gsize) (s->rows + TILE_ROWS - 1) / TILE_ROWS;
  gsize share = (slice_len + tiles - 1) / tiles;

  for (int p = s->p0; p < s->p1; p++)
    {
      /* the next panel's slice, brought into L2 a share per tile */
      const guint16 *next = p + 1 < s->p1 ? panel_slice (s, p + 1, s->q0) : NULL;
      Tile t = {
        .a_stride = s->a_stride, .panel = panel_slice (s, p, s->q0), .ldc = s->ldc,
        .start = s->epilogue->accumulate || !s->first ? START_FROM_C : START_FROM_BIAS,
        .bias = s->epilogue->bias != NULL ? s->epilogue->bias + p * PANEL_WIDTH : NULL,
        .relu = s->epilogue->relu && s->last,
      };

      for (int v = 0; v < PANEL_VECTORS; v++)
        t.mask[v] = columns_mask (s->n - p * PANEL_WIDTH - v * VECTOR);
      for (int r = 0; r < s->rows; r += TILE_ROWS)
        {
          gsize at = (gsize) (r / TILE_ROWS) * share;
          t.a = s->a + (gsize) r * s->a_stride;
          t.c = s->c + (gsize) r * s->ldc + p * PANEL_WIDTH;
          t.prefetch = next != NULL ? next + MIN (at, slice_len) : NULL;
          t.prefetch_end = next != NULL ? next + MIN (at + share, slice_len) : NULL;
          run_tile (MIN (TILE_ROWS, s->rows - r), s->pairs, &t);
        }
    }
}

void
fovea_gemm_bf16_block (const FoveaGemmBf16Block *block)
{
  int kpairs = fovea_gemm_bf16_kpairs (block->k);

  for (int q0 = 0; q0 < kpairs; q0 += DEPTH_PAIRS)
    {
      Slice s = {
        .rows = block->rows, .n = block->n, .kpairs = kpairs,
        .a = (const guint32 *) block->a + q0, .a_stride = kpairs, .b = block->b,
        .p0 = block->p0, .p1 = block->p1, .q0 = q0, .pairs = MIN (DEPTH_PAIRS, kpairs - q0),
        .c = block->c, .ldc = block->ldc, .epilogue = block->epilogue,
        .first = q0 == 0, .last = q0 + DEPTH_PAIRS >= kpairs,
      };
      run_slice (&s);
    }
}

/* Each pool thread's block of rounded A, kept for the thread's life. */
static GPrivate scratch_key = G_PRIVATE_INIT (g_free);

static guint32 *
thread_scratch (void)
{
  guint32 *scratch = g_private_get (&scratch_key);

  if (scratch == NULL)
    {
      scratch = g_new (guint32, (gsize) ROW_BLOCK * DEPTH_PAIRS);
      g_private_set (&scratch_key, scratch);
    }
  return scratch;
}

typedef struct {
  int            rows, n, k;
  const float   *a;
  int            lda;
  const guint16 *packed;
  float         *c;
  int            ldc;
  int            n_panels, n_items;
} AccumulateJob;

/* Panels [p0, p1) of C, a block of rows and of k at a time. */
static void
accumulate_item (gpointer data, int item, int thread)
{
  static const FoveaGemmBf16Epilogue add = { .accumulate = TRUE };
  const AccumulateJob *job = data;
  int kpairs = fovea_gemm_bf16_kpairs (job->k);
  guint32 *scratch = thread_scratch ();
  Slice s = {
    .n = job->n, .kpairs = kpairs, .a = scratch, .a_stride = DEPTH_PAIRS, .b = job->packed,
    .p0 = job->n_panels * item / job->n_items, .p1 = job->n_panels * (item + 1) / job->n_items,
    .ldc = job->ldc, .epilogue = &add,
  };

  for (int r0 = 0; r0 < job->rows; r0 += ROW_BLOCK)
    for (s.q0 = 0; s.q0 < kpairs; s.q0 += DEPTH_PAIRS)
      {
        int k0 = 2 * s.q0;
        s.rows = MIN (ROW_BLOCK, job->rows - r0);
        s.pairs = MIN (DEPTH_PAIRS, kpairs - s.q0);
        s.c = job->c + (gsize) r0 * job->ldc;
        /* rounded with the block's stride: pairs past its k are zeros */
        for (int r = 0; r < s.rows; r++)
          fovea_gemm_bf16_pack_a ((guint16 *) (scratch + (gsize) r * DEPTH_PAIRS),
                                  job->a + (gsize) (r0 + r) * job->lda + k0, job->lda, 1,
                                  MIN (2 * DEPTH_PAIRS, job->k - k0));
        run_slice (&s);
      }
}

void
fovea_gemm_bf16_accumulate (FoveaPool *pool, int rows, int n, int k,
                            const float *a, int lda, const guint16 *packed,
                            float *c, int ldc)
{
  int n_panels = count_panels (n);
  AccumulateJob job = { rows, n, k, a, lda, packed, c, ldc, n_panels,
                        MIN (n_panels, ITEMS_PER_THREAD * fovea_pool_get_n_threads (pool)) };

  fovea_pool_run (pool, job.n_items, accumulate_item, &job);
}
