/* fovea-precision.h: the arithmetic the big GEMMs run in.
 *
 * FP32 everywhere, or BF16 (fovea-gemm-bf16.h: weights and activations
 * rounded to bfloat16, products summed in float) for the GEMMs of the
 * linear layers, where the CPU has AVX512-BF16. LayerNorm, softmax, GELU,
 * attention and the residual stream stay FP32 in both.
 *
 * AUTO is FP32 for now: BF16 changes the outputs slightly (about 1e-2
 * relative on logits), and no bundled task has yet been measured to give
 * the same decisions in BF16 on its held-out images. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FOVEA_PRECISION_AUTO,
  FOVEA_PRECISION_FP32,
  FOVEA_PRECISION_BF16,
} FoveaPrecision;

/* "auto", "fp32", "bf16". */
const char *fovea_precision_to_string (FoveaPrecision  precision);
/* The reverse; FALSE with an error naming what is accepted. */
gboolean    fovea_precision_parse     (const char     *text,
                                       FoveaPrecision *precision,
                                       GError        **error);
/* What a request runs in on this CPU: FP32 or BF16. BF16 asked for on a
 * CPU (or build) without AVX512-BF16 is FALSE with
 * FOVEA_MODEL_ERROR_PRECISION. */
gboolean    fovea_precision_resolve   (FoveaPrecision  requested,
                                       FoveaPrecision *resolved,
                                       GError        **error);

G_END_DECLS
