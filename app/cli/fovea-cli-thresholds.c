/* fovea-cli-thresholds.c: checking --threshold overrides. */
#define G_LOG_DOMAIN "fovea-cli-thresholds"

#include "config.h"

#include "fovea-cli-thresholds.h"

#include <stdio.h>

#include "fovea-quality.h"

gboolean
fovea_cli_check_thresholds (const char *command, const char *const *overrides)
{
  g_autoptr (GError) error = NULL;
  FoveaQualityThresholds scratch;

  /* Every modality has the same names: any one checks them. */
  fovea_quality_thresholds_init (&scratch, FOVEA_MODALITY_FUNDUS);
  if (fovea_quality_thresholds_apply (&scratch, overrides, &error))
    return TRUE;
  fprintf (stderr, "fovea-cli %s: %s\n", command, error->message);
  return FALSE;
}
