/* fovea-quality-config.c: setting quality thresholds by name, so the CLI
 * (and later the preferences) can override any default without code. */
#define G_LOG_DOMAIN "fovea-quality-config"

#include "fovea-quality.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct {
  const char *name;
  gsize       offset;
  double      min, max;  /* the range a value must lie in */
} ThresholdField;

#define FIELD(name, lo, hi) { #name, offsetof (FoveaQualityThresholds, name), lo, hi }

static const ThresholdField fields[] = {
  FIELD (min_sharpness, 0, 1e9),
  FIELD (max_dark_fraction, 0, 1),
  FIELD (max_bright_fraction, 0, 1),
  FIELD (dark_level, 0, 255),
  FIELD (bright_level, 0, 255),
  FIELD (min_mean_luminance, 0, 255),
  FIELD (max_mean_luminance, 0, 255),
  FIELD (min_fov_coverage, 0, 1),
  FIELD (max_fov_cutoff, 0, 1),
  FIELD (min_fov_area_fraction, 0, 1),
  FIELD (min_resolution, 0, 1e6),
};

G_DEFINE_QUARK (fovea-quality-error-quark, fovea_quality_error)

static char *
list_names (void)
{
  GString *names = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "", fields[i].name);
  return g_string_free (names, FALSE);
}

gboolean
fovea_quality_thresholds_set (FoveaQualityThresholds *thresholds,
                              const char             *name,
                              double                  value,
                              GError                **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (g_strcmp0 (name, fields[i].name) != 0)
        continue;
      if (!isfinite (value) || value < fields[i].min || value > fields[i].max)
        {
          g_set_error (error, FOVEA_QUALITY_ERROR, FOVEA_QUALITY_ERROR_INVALID,
                       "Quality threshold %s must lie in [%g, %g], not %g",
                       name, fields[i].min, fields[i].max, value);
          return FALSE;
        }
      *(double *) (gpointer) ((guint8 *) thresholds + fields[i].offset) = value;
      return TRUE;
    }

  g_autofree char *names = list_names ();
  g_set_error (error, FOVEA_QUALITY_ERROR, FOVEA_QUALITY_ERROR_INVALID,
               "Unknown quality threshold “%s” (known: %s)", name, names);
  return FALSE;
}

gboolean
fovea_quality_thresholds_apply (FoveaQualityThresholds *thresholds,
                                const char *const      *overrides,
                                GError                **error)
{
  for (const char *const *item = overrides; item != NULL && *item != NULL; item++)
    {
      const char *equals = strchr (*item, '=');
      char *end = NULL;
      double value = equals ? g_ascii_strtod (equals + 1, &end) : NAN;
      if (equals == NULL || end == equals + 1 || *end != '\0')
        {
          g_set_error (error, FOVEA_QUALITY_ERROR, FOVEA_QUALITY_ERROR_INVALID,
                       "Quality threshold “%s” is not of the form NAME=NUMBER", *item);
          return FALSE;
        }
      g_autofree char *name = g_strndup (*item, equals - *item);
      if (!fovea_quality_thresholds_set (thresholds, name, value, error))
        return FALSE;
    }
  return TRUE;
}
