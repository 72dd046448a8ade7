/* fovea-train-conv-private.h: what the convolution kernels' files share:
 * the deterministic reduction over pixels, the epilogue, and the
 * depthwise kernels behind fovea_train_conv_forward / _backward. */
#pragma once

#include "fovea-train-conv.h"
#include "fovea-train-kernels.h"

G_BEGIN_DECLS

/* With clang, target_clones makes a global resolver symbol per function
 * name, so the cloned helpers' names must be unique across files. */
#define VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))

/* A pixel chunk of a weight gradient has at least this many pixels ... */
#define REDUCE_CHUNK_MIN 1024
/* ... and all partial buffers together stay under this many floats. */
#define REDUCE_BUDGET ((gsize) 1 << 20)
/* With fewer chunks than this, the gradient's rows are split too. */
#define REDUCE_MIN_ITEMS 8
#define REDUCE_PIECE_UNIT 16

typedef struct {
  int   chunk;      /* pixels per chunk */
  int   n_chunks;
  int   piece;      /* rows of the m × n result per piece */
  int   n_pieces;
  gsize size;       /* m · n */
} FoveaTrainReducePlan;

void     fovea_train_reduce_plan          (int                         pixels,
                                           int                         m,
                                           int                         n,
                                           FoveaTrainReducePlan       *plan);
/* Floats of partial buffers a sum over pixels of an m × n result needs. */
gsize    fovea_train_reduce_partials_size (int                         pixels,
                                           int                         m,
                                           int                         n);
/* Where chunk writes: out itself for chunk 0, else its partial buffer. */
float   *fovea_train_reduce_target        (const FoveaTrainReducePlan *plan,
                                           float                      *out,
                                           float                      *partials,
                                           int                         chunk);
/* out += the partial buffers, in chunk order. */
void     fovea_train_reduce_partials      (FoveaPool                  *pool,
                                           const FoveaTrainReducePlan *plan,
                                           float                      *out,
                                           const float                *partials);

int      fovea_train_conv_pixels          (const FoveaTrainConvGeom   *geom);

/* out (rows × cols) = act (out + bias + residual); bias, residual NULL
 * for none. */
void     fovea_train_epilogue_rows        (float                      *out,
                                           const float                *bias,
                                           const float                *residual,
                                           int                         rows,
                                           int                         cols,
                                           FoveaAct               act);

void     fovea_train_depthwise_forward    (FoveaPool                  *pool,
                                           const FoveaTrainConvGeom   *geom,
                                           float                      *out,
                                           const float                *in,
                                           const float                *work,
                                           const float                *bias,
                                           const float                *residual,
                                           FoveaAct               act);
void     fovea_train_depthwise_backward   (FoveaPool                  *pool,
                                           const FoveaTrainConvGeom   *geom,
                                           float                      *din,
                                           gboolean                    accumulate,
                                           float                      *dwork,
                                           const float                *dout,
                                           const float                *in,
                                           const float                *work,
                                           float                      *partials);

G_END_DECLS
