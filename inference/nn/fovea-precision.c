/* fovea-precision.c: naming, parsing and resolving FoveaPrecision. */
#define G_LOG_DOMAIN "fovea-precision"

#include "fovea-precision.h"

#include "fovea-gemm-bf16.h"
#include "fovea-model-error.h"

static const char *const names[] = {
  [FOVEA_PRECISION_AUTO] = "auto",
  [FOVEA_PRECISION_FP32] = "fp32",
  [FOVEA_PRECISION_BF16] = "bf16",
};

const char *
fovea_precision_to_string (FoveaPrecision precision)
{
  g_return_val_if_fail ((guint) precision < G_N_ELEMENTS (names), NULL);
  return names[precision];
}

gboolean
fovea_precision_parse (const char *text, FoveaPrecision *precision, GError **error)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (text, names[i]) == 0)
      {
        *precision = (FoveaPrecision) i;
        return TRUE;
      }
  g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_PRECISION,
               "precision “%s” is not one of auto, fp32, bf16", text ? text : "");
  return FALSE;
}

gboolean
fovea_precision_resolve (FoveaPrecision requested, FoveaPrecision *resolved, GError **error)
{
  if (requested == FOVEA_PRECISION_BF16 && !fovea_gemm_bf16_supported ())
    {
      g_set_error (error, FOVEA_MODEL_ERROR, FOVEA_MODEL_ERROR_PRECISION,
                   "precision bf16 needs a CPU with AVX512-BF16 (Zen 4 or later, Cooper "
                   "Lake, Sapphire Rapids or later)%s; use fp32 or auto",
                   g_getenv ("FOVEA_NO_BF16") != NULL ? ", and FOVEA_NO_BF16 is set" : "");
      return FALSE;
    }
  /* AUTO: FP32 until tasks record their measured BF16 agreement */
  *resolved = requested == FOVEA_PRECISION_BF16 ? FOVEA_PRECISION_BF16 : FOVEA_PRECISION_FP32;
  return TRUE;
}
