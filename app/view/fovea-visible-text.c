/* fovea-visible-text.c: hidden characters shown as their code points. */
#define G_LOG_DOMAIN "fovea-visible-text"

#include "fovea-visible-text.h"

#include <string.h>

#include "fovea-hidden-char.h"

char *
fovea_visible_text (const char *text, FoveaVisibleTextFlags flags)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '\n' && flags == FOVEA_VISIBLE_TEXT_KEEP_NEWLINES)
        g_string_append_c (out, '\n');
      else if (fovea_unichar_is_hidden (c))
        g_string_append_printf (out, "<U+%04X>", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}
