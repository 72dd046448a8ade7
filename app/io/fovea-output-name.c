/* fovea-output-name.c: one sanitiser for the parts of generated output
 * file names. */
#define G_LOG_DOMAIN "fovea-output-name"

#include "fovea-output-name.h"

#include <string.h>

#include "fovea-hidden-char.h"

/* Room for a suffix ("-TASK-12.pdf") under NAME_MAX (255). */
#define MAX_PART_BYTES 120

static gboolean
is_unsafe (gunichar c)
{
  return c == '/' || c == '\\' || fovea_unichar_is_hidden (c);
}

char *
fovea_output_name_part (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text != NULL ? text : "";
  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      gboolean valid = c != (gunichar) -1 && c != (gunichar) -2;
      gsize step = valid ? (gsize) (g_utf8_next_char (p) - p) : 1;
      gboolean keep = valid && !is_unsafe (c);
      if (out->len + (keep ? step : 1) > MAX_PART_BYTES)
        break;
      if (keep)
        g_string_append_len (out, p, (gssize) step);
      else
        g_string_append_c (out, '_');
      p += step;
    }
  if (out->len == 0)
    g_string_append_c (out, '_');
  if (out->str[0] == '.')
    out->str[0] = '_';
  return g_string_free (out, FALSE);
}
