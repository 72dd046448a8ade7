/* fovea-name-guess.c: patient pseudonym and eye from a file name. */
#define G_LOG_DOMAIN "fovea-name-guess"

#include "fovea-name-guess.h"

#include <string.h>

static const struct {
  const char *token;
  FoveaEye    eye;
} eye_tokens[] = {
  { "od", FOVEA_EYE_OD },
  { "right", FOVEA_EYE_OD },
  { "r", FOVEA_EYE_OD },
  { "os", FOVEA_EYE_OS },
  { "left", FOVEA_EYE_OS },
  { "l", FOVEA_EYE_OS },
};

static gboolean
is_separator (const char *p)
{
  return !g_unichar_isalnum (g_utf8_get_char (p));
}

static FoveaEye
match_eye_token (const char *token,
                 gsize       length)
{
  for (guint i = 0; i < G_N_ELEMENTS (eye_tokens); i++)
    if (strlen (eye_tokens[i].token) == length &&
        g_ascii_strncasecmp (token, eye_tokens[i].token, length) == 0)
      return eye_tokens[i].eye;
  return FOVEA_EYE_UNKNOWN;
}

/* The eye named by the stem's tokens; unknown when none does or when they
 * disagree. *out_last_start is where the last token starts when it names
 * the eye, NULL otherwise. */
static FoveaEye
guess_eye (const char  *stem,
           const char **out_last_start)
{
  FoveaEye eye = FOVEA_EYE_UNKNOWN;
  gboolean conflict = FALSE;
  const char *p = stem;

  *out_last_start = NULL;
  while (*p != '\0')
    {
      const char *start;
      FoveaEye token_eye;

      if (is_separator (p))
        {
          p = g_utf8_next_char (p);
          continue;
        }
      start = p;
      while (*p != '\0' && !is_separator (p))
        p = g_utf8_next_char (p);

      token_eye = match_eye_token (start, (gsize) (p - start));
      *out_last_start = token_eye != FOVEA_EYE_UNKNOWN ? start : NULL;
      if (token_eye == FOVEA_EYE_UNKNOWN)
        continue;
      if (eye != FOVEA_EYE_UNKNOWN && eye != token_eye)
        conflict = TRUE;
      eye = token_eye;
    }
  if (conflict)
    {
      *out_last_start = NULL;
      return FOVEA_EYE_UNKNOWN;
    }
  return eye;
}

/* The file stem, less a trailing eye token and the separators before it. */
static char *
guess_patient_id (const char *stem,
                  const char *last_eye_token)
{
  const char *end = last_eye_token != NULL ? last_eye_token : stem + strlen (stem);

  while (end > stem)
    {
      const char *previous = g_utf8_find_prev_char (stem, end);
      if (!is_separator (previous))
        break;
      end = previous;
    }
  return g_strndup (stem, (gsize) (end - stem));
}

FoveaEye
fovea_name_guess (const char  *name,
                  char       **out_patient_id)
{
  g_return_val_if_fail (name != NULL, FOVEA_EYE_UNKNOWN);

  const char *slash = strrchr (name, G_DIR_SEPARATOR);
  const char *base = slash != NULL ? slash + 1 : name;
  g_autofree char *valid = g_utf8_make_valid (base, -1);
  const char *dot = strrchr (valid, '.');
  /* ".png" alone is a stem, not an extension. */
  gsize stem_length = dot != NULL && dot != valid ? (gsize) (dot - valid) : strlen (valid);
  g_autofree char *stem = g_strndup (valid, stem_length);
  const char *last_eye_token;

  FoveaEye eye = guess_eye (stem, &last_eye_token);
  if (out_patient_id != NULL)
    *out_patient_id = guess_patient_id (stem, last_eye_token);
  return eye;
}
